"""Finding any case (issue 15): the n-grams of a case, the query plan, and the search on both databases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from engine.errors import FormError
from engine.search import case_search_fields, normalise, plan_query, search_columns
from engine.store.case_queries import CaseFilter, case_list, earlier_cases
from engine.store.web_queries import InboxScope

COMPLAINT = {"customer_name": "张先生", "customer_phone": "13812345678", "room": "3-1-1202",
             "description": "卫生间漏水，楼下天花板渗水", "customer_request": "尽快维修", "channel": "phone",
             "category": "facilities", "urgency": "normal", "scope": "household", "severity": "general",
             "read_back_confirmed": True}
SZ = InboxScope(login="wang.fang", units=(("subsidiary", "sz-property"),))
HN = InboxScope(login="fan.ming", units=(("subsidiary", "hn-region"),))
GROUP = InboxScope(login="zheng.xiaoyan", everything=True)


def test_fields_are_normalised_and_cut_into_ngrams() -> None:
    fields = case_search_fields({"number": "TS-SZP-2026-000008", "customer_name": "张先生",
                                 "customer_phone": "138 1234 5678", "room": "3-1-1202"},
                                {"description": "卫生间漏水，Ｖｅｒｙ bad"})
    search_text, terms = search_columns(fields)
    assert search_text == "tsszp2026000008 张先生 13812345678 311202 卫生间漏水 very bad"
    grams = set(terms.split())
    assert {"张先", "先生", "^张", "5678", "1202", "漏水", "very"} <= grams
    assert "56" not in grams and "张" not in grams  # no ASCII bigrams, no unigrams but the surname
    assert normalise("  A—b ") == "a b"


def test_a_query_asks_the_index_for_its_most_selective_ngrams() -> None:
    assert plan_query("5678").grams == ("5678",)  # the 4-gram implies its 3-grams
    assert plan_query("1-1202").words == ("11202",)  # punctuation goes, as in the indexed room
    assert plan_query("张").surname == "张" and plan_query("张").searchable
    short = plan_query("8")
    assert not short.searchable and short.too_short == ("8",)
    assert plan_query("  ").empty


@pytest.fixture
def cases(runtime, clock):  # type: ignore[no-untyped-def]
    """Three cases: two complaints of 丽雅苑 (one a day earlier) and one of 滨海湾 (another subsidiary)."""
    first = runtime.open_case("complaint", {**COMPLAINT, "project": "sz-property-lyc"}, "wang.fang").number
    clock.advance(timedelta(days=1))
    again = runtime.open_case("complaint", {**COMPLAINT, "customer_name": "李娜", "description": "门禁坏了",
                                            "project": "sz-property-lyc"}, "wang.fang").number
    other = runtime.open_case("complaint", {**COMPLAINT, "customer_phone": "13900001111", "room": "8-2-301",
                                            "project": "hn-region-bhw"}, "fan.ming").number
    return first, again, other


def _numbers(store, scope, **kw):  # type: ignore[no-untyped-def]
    rows, total = case_list(store, scope, CaseFilter(**kw))
    assert total == len(rows)
    return [r.number for r in rows]


def test_search_by_every_kind_of_key_within_the_readers_scope(store, runtime, cases) -> None:
    first, again, other = cases
    assert _numbers(store, SZ, q=first) == [first]
    assert _numbers(store, SZ, q=first.lower()[-6:]) == [first]
    assert _numbers(store, SZ, q="张先生") == [first]
    assert _numbers(store, SZ, q="张") == [first]  # a surname
    assert _numbers(store, SZ, q="李娜") == [again]
    assert _numbers(store, SZ, q="5678") == [again, first]  # a phone's last four digits, newest first
    assert _numbers(store, SZ, q="13812345678") == [again, first]
    assert _numbers(store, SZ, q="1-1202") == [again, first]  # the room typed with other punctuation
    assert _numbers(store, SZ, q="天花板 漏水") == [first]  # free text, every word
    assert _numbers(store, SZ, q="天花板 门禁") == []
    assert _numbers(store, GROUP, q="张先生") == [other, first]
    assert _numbers(store, HN, q="张先生") == [other]  # another subsidiary's reader: only theirs
    assert _numbers(store, HN, q=first) == []


def test_a_word_without_an_ngram_is_a_clear_error(store, cases) -> None:
    with pytest.raises(FormError) as caught:
        case_list(store, SZ, CaseFilter(q="8"))
    assert "太短" in (caught.value.zh or "") and "q" in caught.value.errors


def test_filters_overdue_assignee_category_and_dates(store, runtime, clock, cases) -> None:
    first, again, other = cases
    now = clock.now()
    assert _numbers(store, GROUP, category="facilities", process="complaint") == [again, other, first]
    rows, _ = case_list(store, GROUP, CaseFilter(overdue=True), now)
    assert {r.number for r in rows} >= {first}  # its first deadline (30 working minutes) is a day behind
    assert first not in {r.number for r in case_list(store, GROUP, CaseFilter(overdue=True),
                                                       now - timedelta(days=2))[0]}
    assert _numbers(store, GROUP, assignee="nobody") == []
    assert _numbers(store, GROUP, opened_before=now - timedelta(hours=12)) == [first]
    assert _numbers(store, GROUP, unit="hn-region") == [other]


def test_earlier_cases_of_the_customer_and_the_household(store, cases) -> None:
    first, again, other = cases
    found = earlier_cases(store, SZ, phone="13812345678", project="sz-property-lyc", room="3-1-1202",
                          exclude=again)
    assert [r.number for r in found["customer"]] == [first]
    assert [r.number for r in found["household"]] == [first]
    assert earlier_cases(store, HN, phone="13812345678")["customer"] == []


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)  # the GIN index is PostgreSQL's
def test_postgresql_finds_the_candidates_through_the_gin_index(store, cases) -> None:
    assert store.dialect == "postgresql"
    with store.engine.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = "\n".join(r[0] for r in conn.execute(text(
            "EXPLAIN SELECT id FROM cases WHERE string_to_array(search_terms, ' ') @> ARRAY['5678']")))
    assert "ix_cases_search_terms" in plan


def test_a_whole_case_number_is_found_by_the_number_itself(store, cases) -> None:
    first, again, other = cases
    assert _numbers(store, GROUP, q=first.lower()) == [first]
    assert _numbers(store, HN, q=first) == []  # still within the reader's scope


def test_a_broad_search_looks_among_the_newest_cases_first(store, cases, monkeypatch) -> None:
    """Many matches: a window of the newest cases answers a full page; otherwise the whole table does."""
    import engine.store.case_queries as queries

    first, again, other = cases
    expected = _numbers(store, GROUP, q="1202")
    monkeypatch.setattr(queries, "COUNT_CAP", 1)  # every search with 2+ matches counts as broad
    monkeypatch.setattr(queries, "_WINDOWS", (1, 2))
    for page in (1, 2, 3):
        rows, total = case_list(store, GROUP, CaseFilter(q="1202", per_page=1, page=page))
        assert [r.number for r in rows] == expected[page - 1:page] and total == 2
