"""Finding any case: the search text and n-gram terms kept on each case row, and the query plan.

Every case row keeps two columns (migration 0013), rewritten whenever a searched field changes:

- ``search_text``: the searched fields, normalised (NFKC, lower case, punctuation and spaces
  removed inside a field) and joined by single spaces: the case number, the customer's name and
  phone, the room, the household, and the first ``FREE_TEXT_CHARS`` characters of each free-text
  field of the start form (description, question, subject …).
- ``search_terms``: the distinct n-grams of those fields, space-separated: windows of two
  characters where one is not ASCII (Chinese names are two or three characters long), windows of
  three and four ASCII letters or digits (a bigram of digits would match a fifth of all cases; a
  4-gram of digits narrows the last four digits of a phone to about 1 in 3,000), and ``^`` plus the
  first character of the customer's name (a surname alone finds its customers).

A query is split at spaces into words; a case matches when every word is a substring of its
``search_text``. On PostgreSQL a GIN index over ``string_to_array(search_terms, ' ')`` finds the
cases holding every n-gram of every word (``@>``) and the substring test runs only on those rows;
on SQLite (the embedded, single-site database) the substring test runs alone. A word too short to
have an n-gram (one ASCII character, two ASCII characters) is refused with a clear message unless
another word of the query has one: a search must never scan every case.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "FREE_TEXT_CHARS",
    "FREE_TEXT_FIELDS",
    "SearchPlan",
    "case_search_fields",
    "normalise",
    "plan_query",
    "search_columns",
]

# Start-form fields whose text is searched (the first FREE_TEXT_CHARS characters of each).
FREE_TEXT_FIELDS = ("description", "question", "visit_subject", "request_purpose", "customer_request",
                    "host_name", "location_detail")
FREE_TEXT_CHARS = 120
# Identifying fields, searched whole.
_KEY_FIELDS = ("number", "customer_name", "customer_phone", "room", "household", "visitor_phone")


def normalise(text: str) -> str:
    """NFKC, case-folded; runs of anything but letters and digits become one space."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    out: list[str] = []
    space = True
    for ch in folded:
        if ch.isalnum():
            out.append(ch)
            space = False
        elif not space:
            out.append(" ")
            space = True
    return "".join(out).strip()


def _compact(text: str) -> str:
    """A field's value as one run: 3-1-1202 → 311202, TS-SZP-2026-000008 → tsszp2026000008."""
    return normalise(text).replace(" ", "")


def _grams(run: str) -> set[str]:
    out: set[str] = set()
    n = len(run)
    for i in range(n - 1):
        pair = run[i:i + 2]
        if not pair.isascii():
            out.add(pair)
            continue
        for size in (3, 4):
            window = run[i:i + size]
            if len(window) == size and window.isascii():
                out.add(window)
    return out


def case_search_fields(case: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, str]:
    """The searched values of a case: its row's fields, then the workflow data's free text."""
    fields: dict[str, str] = {}
    for key in _KEY_FIELDS:
        value = case.get(key) if case.get(key) not in (None, "") else data.get(key)
        if value not in (None, ""):
            fields[key] = str(value)
    for key in FREE_TEXT_FIELDS:
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            fields[key] = value.strip()[:FREE_TEXT_CHARS]
    return fields


def search_columns(fields: Mapping[str, str]) -> tuple[str, str]:
    """``(search_text, search_terms)`` of a case's searched values."""
    parts: list[str] = []
    terms: set[str] = set()
    for key, value in fields.items():
        if key in _KEY_FIELDS:
            run = _compact(value)
            if run:
                parts.append(run)
                terms |= _grams(run)
        else:
            text = normalise(value)
            if text:
                parts.append(text)
                for run in text.split(" "):
                    terms |= _grams(run)
    name = _compact(fields.get("customer_name", ""))
    if name:
        terms.add("^" + name[0])
    return " ".join(parts), " ".join(sorted(terms))


@dataclass(frozen=True)
class SearchPlan:
    """A query as words (each must be a substring of ``search_text``) and the n-grams that find them.

    ``surname``: a one-character query that is not ASCII looks for customers whose name starts with
    it (the ``^`` term); ``too_short`` lists words with no n-gram (refused when nothing else is left).
    """

    words: tuple[str, ...]
    grams: tuple[str, ...]
    surname: str = ""
    too_short: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        """True when the query asked for nothing."""
        return not self.words and not self.surname and not self.too_short

    @property
    def searchable(self) -> bool:
        """True when an index can find the candidates (at least one n-gram or a surname)."""
        return bool(self.grams) or bool(self.surname)


def plan_query(q: str) -> SearchPlan:
    """Split a query at spaces; each word loses its punctuation as the identifying fields do
    (``1-1202`` → ``11202``, ``TS-SZP-2026-000008`` → ``tsszp2026000008``)."""
    words: list[str] = []
    grams: set[str] = set()
    short: list[str] = []
    surname = ""
    for part in q.split():
        word = _compact(part)
        if not word:
            continue
        need = _grams(word)
        if len(word) == 1 and not word.isascii() and not surname:
            surname = word
            continue
        if not need:
            short.append(word)
            continue
        words.append(word)
        grams |= need
    # A 4-gram already requires its two 3-grams; asking the index for them too only adds work.
    fours = [g for g in grams if len(g) == 4]
    grams = {g for g in grams if len(g) != 3 or not any(g in f for f in fours)}
    return SearchPlan(tuple(words), tuple(sorted(grams)), surname, tuple(short))
