"""The FAQ book 《答客户100问》 (R1.1): entries by line with one agreed wording, and Chinese search.

Search is an n-gram index of our own: Chinese text has no spaces, so every entry's question,
keywords and answer are cut into single characters and overlapping character pairs (bigrams), Latin
words and numbers stay whole. A query is cut the same way and looked up through the indexed
``faq_terms`` table (no ``LIKE '%…%'`` scan); entries are ranked by the summed IDF of the terms they
share with the query, pairs counting twice a single character and the question three times the
answer, so 「阳台能不能封？」 finds 「阳台可以封闭吗？」. Filler characters (的、吗、请问 …) are not indexed
alone. Every edit keeps the old wording as a revision; entries are retired, never deleted.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.actions import ActionContext, ActionRegistry, Param
from engine.clock import Clock
from engine.errors import ConflictError, FormError, NotFoundError
from engine.permissions import Target, require, subject_of
from engine.runtime.access import load_staff
from engine.store import Store
from engine.store.faq_repo import FaqEntryRecord, FaqRepo, FaqRevisionRecord

__all__ = ["FaqBook", "FaqHit", "register_actions", "tokenize"]

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"[{_CJK}]+|[a-z0-9]+")
_FILLER = frozenset("的了吗呢吧啊呀嘛是我你您他她它们这那个么请问和与及或在有要怎什样哪吗就都也还把被给对为")
_FIELD_WEIGHT = {"question": 3, "keywords": 3, "answer": 1}
_KIND_WEIGHT = {1: 1.0, 2: 2.0}
MAX_QUESTION = 500
MAX_ANSWER = 4000


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def tokenize(text: str) -> Counter[str]:
    """Search terms of a text with their counts: CJK characters and bigrams, Latin words, numbers."""
    terms: Counter[str] = Counter()
    for run in _RUNS.findall(_normalise(text)):
        if not ("\u3400" <= run[0] <= "\ufaff"):
            terms[run[:40]] += 1
            continue
        for i, char in enumerate(run):
            if char not in _FILLER:
                terms[char] += 1
            if i + 1 < len(run):
                terms[run[i:i + 2]] += 1
    return terms


def _entry_terms(question: str, answer: str, keywords: str) -> dict[str, int]:
    out: Counter[str] = Counter()
    for field, text in (("question", question), ("keywords", keywords), ("answer", answer)):
        for term, count in tokenize(text).items():
            out[term] += count * _FIELD_WEIGHT[field]
    return dict(out)


def _term_weight(term: str) -> float:
    if "\u3400" <= term[0] <= "\ufaff":
        return _KIND_WEIGHT.get(len(term), 2.0)
    return 2.0


@dataclass(frozen=True)
class FaqHit:
    """A search result: the entry and how well it matched (0..1 of the query's weight)."""

    entry: FaqEntryRecord
    score: float


class FaqBook:
    """The FAQ book on a store: manage entries, search them, add a consultation's answer in one step."""

    def __init__(self, store: Store, clock: Clock, lines: Sequence[str], editors: Sequence[str]) -> None:
        self.store = store
        self.clock = clock
        self.lines = tuple(lines)
        self.editors = frozenset(editors)

    @classmethod
    def for_policy(cls, store: Store, clock: Clock, policy: Any) -> FaqBook:
        """A book with the policy's lines (``consultation.faq_sources``) and editors (``faq_editors``)."""
        return cls(store, clock, [str(x) for x in policy.get("consultation.faq_sources")],
                   [str(x) for x in policy.get("consultation.faq_editors")])

    def _check_editor(self, tx: Any, actor: str) -> None:
        """``faq.edit`` on the group's book (the editors' roles are ``consultation.faq_editors``)."""
        policy = {"consultation.faq_editors": sorted(self.editors)}
        require(subject_of(load_staff(tx, actor), tx.units), "faq.edit", Target("faq", None), policy=policy)

    # -- checks ------------------------------------------------------------------------------------
    def _clean(self, line: str, question: str, answer: str, keywords: str) -> tuple[str, str, str, str]:
        errors: dict[str, str] = {}
        line, question, answer = (line or "").strip(), (question or "").strip(), (answer or "").strip()
        keywords = " ".join((keywords or "").split())
        if line not in self.lines:
            errors["line"] = f"{line!r} is not a FAQ line; use one of {', '.join(self.lines)}"
        if not question:
            errors["question"] = "required"
        elif len(question) > MAX_QUESTION:
            errors["question"] = f"at most {MAX_QUESTION} characters"
        if not answer:
            errors["answer"] = "required: the one agreed wording"
        elif len(answer) > MAX_ANSWER:
            errors["answer"] = f"at most {MAX_ANSWER} characters"
        if len(keywords) > 400:
            errors["keywords"] = "at most 400 characters"
        if errors:
            raise FormError("the FAQ entry is invalid", errors)
        return line, question, answer, keywords

    # -- writes ------------------------------------------------------------------------------------
    def add(self, *, line: str, question: str, answer: str, actor: str, keywords: str = "",
            source_case: str | None = None) -> FaqEntryRecord:
        """Add an entry; FormError for a bad line or empty text."""
        with self.store.write() as tx:
            self._check_editor(tx, actor)
            return self.add_in(tx, line=line, question=question, answer=answer, actor=actor,
                               keywords=keywords, source_case=source_case, at=self.clock.now())

    def add_in(self, tx: Any, *, line: str, question: str, answer: str, actor: str, keywords: str = "",
               source_case: str | None = None, at: Any) -> FaqEntryRecord:
        """Add an entry inside an open transaction (the caller has decided the actor may)."""
        line, question, answer, keywords = self._clean(line, question, answer, keywords)
        repo = FaqRepo(tx)
        if source_case is not None:
            existing = repo.entry_for_case(source_case)
            if existing is not None:
                raise ConflictError(f"the answer of case {source_case} is already FAQ entry "
                                    f"{existing.id} (added by {existing.created_by}); edit that entry "
                                    "instead")
        entry_id = repo.insert_entry(line=line, question=question, answer=answer, keywords=keywords,
                                     source_case=source_case, by=actor, at=at)
        repo.replace_terms(entry_id, _entry_terms(question, answer, keywords))
        entry = repo.entry(entry_id)
        assert entry is not None
        return entry

    def update(self, entry_id: int, *, version: int, line: str, question: str, answer: str, actor: str,
               keywords: str = "", active: bool = True) -> FaqEntryRecord:
        """Change an entry's wording (a new revision); ConflictError if changed since ``version``."""
        line, question, answer, keywords = self._clean(line, question, answer, keywords)
        with self.store.write() as tx:
            self._check_editor(tx, actor)
            repo = FaqRepo(tx)
            current = self._get(repo, entry_id)
            new_version = repo.update_entry(entry_id, expected_version=version, line=line, question=question,
                                            answer=answer, keywords=keywords, active=active, by=actor,
                                            at=self.clock.now())
            if new_version is None:
                raise ConflictError(f"FAQ entry {entry_id} was changed by {current.updated_by} (now version "
                                    f"{current.version}, you edited version {version}); reload it and redo "
                                    "your change")
            repo.replace_terms(entry_id, _entry_terms(question, answer, keywords) if active else {})
            entry = repo.entry(entry_id)
        assert entry is not None
        return entry

    def retire(self, entry_id: int, *, version: int, actor: str) -> FaqEntryRecord:
        """Take an entry out of the book (kept with its revisions; no longer found by search)."""
        entry = self.get(entry_id)
        return self.update(entry_id, version=version, line=entry.line, question=entry.question,
                           answer=entry.answer, keywords=entry.keywords, actor=actor, active=False)

    def add_from_consultation(self, runtime: Any, case_number: str, actor: str,
                              line: str | None = None) -> FaqEntryRecord:
        """One step: the consultation's question and its confirmed wording become a FAQ entry."""
        case = runtime.get_case(case_number, actor)
        if case.process_id != "consultation":
            raise FormError(f"case {case_number} is a {case.process_id} case; only consultations add FAQ "
                            "entries")
        data: Mapping[str, Any] = runtime.case_data(case_number, actor)
        wording = data.get("confirmed_wording") if data.get("wording_confirmed") else None
        if not wording:
            raise FormError(f"case {case_number} has no wording confirmed by the customer manager yet; "
                            "add it to the FAQ after the confirm-wording step")
        chosen = line or data.get("line")
        if not chosen:
            raise FormError("say which line the entry belongs to",
                            {"line": f"choose one of {', '.join(self.lines)}"})
        return self.add(line=str(chosen), question=str(data.get("question", "")), answer=str(wording),
                        actor=actor, source_case=case_number)

    def open_consultation(self, runtime: Any, data: Mapping[str, Any], actor: str,
                          entry_id: int | None = None) -> Any:
        """Open a consultation; with ``entry_id`` it is answered at once in that entry's wording (R1.1)."""
        fields = dict(data)
        fields.pop("faq_entry_id", None)
        fields.pop("faq_answer", None)
        if entry_id is not None:
            entry = self.get(entry_id)
            if not entry.active:
                raise FormError(f"FAQ entry {entry_id} is retired; search the book for its replacement",
                                {"faq_entry_id": "retired"})
            fields.update(faq_entry_id=str(entry.id), faq_answer=entry.answer,
                          line=fields.get("line") or entry.line)
        return runtime.open_case("consultation", fields, actor)

    # -- reads -------------------------------------------------------------------------------------
    def _get(self, repo: FaqRepo, entry_id: int) -> FaqEntryRecord:
        entry = repo.entry(entry_id)
        if entry is None:
            raise NotFoundError(f"no FAQ entry {entry_id}; search the book with a few words of the question")
        return entry

    def get(self, entry_id: int) -> FaqEntryRecord:
        """One entry (retired ones too)."""
        with self.store.read() as tx:
            return self._get(FaqRepo(tx), entry_id)

    def revisions(self, entry_id: int) -> list[FaqRevisionRecord]:
        """Every wording the entry had, oldest first."""
        with self.store.read() as tx:
            repo = FaqRepo(tx)
            self._get(repo, entry_id)
            return repo.revisions(entry_id)

    def entries(self, line: str | None = None, include_retired: bool = False) -> list[FaqEntryRecord]:
        """The book, by line."""
        if line is not None and line not in self.lines:
            raise FormError(f"{line!r} is not a FAQ line", {"line": f"use one of {', '.join(self.lines)}"})
        with self.store.read() as tx:
            return FaqRepo(tx).entries(line=line, include_retired=include_retired)

    def search(self, text: str, *, line: str | None = None, limit: int = 10,
               min_score: float = 0.15) -> list[FaqHit]:
        """Entries matching a question in everyday words, best first."""
        query = tokenize(text)
        if not query:
            return []
        with self.store.read() as tx:
            repo = FaqRepo(tx)
            total = repo.active_count()
            df = repo.document_frequencies(query)
            matches = repo.matches(df)
            idf = {t: math.log(1 + total / n) * _term_weight(t) for t, n in df.items()}
            possible = sum(math.log(1 + total) * _term_weight(t) for t in query) or 1.0
            scores: dict[int, float] = {}
            for entry_id, term, weight in matches:
                scores[entry_id] = scores.get(entry_id, 0.0) + idf[term] * (1 + math.log(weight)) / 2
            normalised = {e: min(1.0, s / possible) for e, s in scores.items()}
            best = sorted((e for e, s in normalised.items() if s >= min_score),
                          key=lambda e: (-normalised[e], e))
            entries = {e.id: e for e in repo.entries(ids=best, line=line)}
        return [FaqHit(entries[e], round(normalised[e], 3)) for e in best if e in entries][:limit]


def add_entry_action(ctx: ActionContext, line: str, question: str, answer: str,
                     keywords: str | None = None) -> dict[str, Any]:
    """Add the case's answer to the FAQ book; a case adds one entry (a second call returns it)."""
    number = str(ctx.case["number"])
    existing = FaqRepo(ctx.tx).entry_for_case(number)
    if existing is not None:
        return {"entry_id": existing.id, "added": False}
    # The diagram's owner decided that this step adds the entry (deploying it needs the
    # process-owner role), so the step's actor need not hold a consultation.faq_editors role.
    book = FaqBook.for_policy(ctx.runtime.store, ctx.runtime.clock, ctx.policy)
    entry = book.add_in(ctx.tx, line=line, question=question, answer=answer, actor=ctx.actor,
                        keywords=keywords or "", source_case=number, at=ctx.now)
    ctx.audit("faq.entry_added", {"entry_id": entry.id, "line": entry.line})
    return {"entry_id": entry.id, "added": True}


def register_actions(registry: ActionRegistry) -> None:
    """The FAQ actions diagrams may call."""
    registry.action(
        "faq.add_entry", "加入《答客户100问》", label_en="Add an FAQ entry",
        params=[Param("line", "str", "条线", label_en="Line", help="consultation.faq_sources 之一"),
                Param("question", "str", "问题", label_en="Question"),
                Param("answer", "str", "统一答复口径", label_en="Agreed answer"),
                Param("keywords", "str", "关键词", required=False, label_en="Keywords")],
        result="{entry_id, added}: the entry of this case (added is false when it existed already)",
    )(add_entry_action)
