"""A closed month's cells (``report_cells``, PostgreSQL) give exactly the figures its rows give.

400 complaints, repairs and consultations of October–December 2026 (Shanghai) in two subsidiaries
and four projects (one case with neither), with the edges that decide a count: received at the
first moment of a month and the last second of one; closed, visited and deadlines met exactly at the
month's end (not by it) and a second before; closed only after the month; unresolvable; withdrawn;
NULL causes, channels and satisfaction. Then transitions change them in every way a count can move:
valid → withdrawn, the cause, the project, the subsidiary, reopened (closed_at back to NULL), closed
later, a visit recorded, a deadline met late, a receipt time corrected into another month. Every
unit's months are compared, figure by figure, with the same report computed over the rows, in the
zone kept from the start and in a second zone (Asia/Kathmandu, +05:45: other month boundaries) built
afterwards from the rows — then written to by both and compared again.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.reports.monthly import month_range
from engine.store import Store
from engine.store.report_models import DEADLINE_KINDS
from engine.store.report_repo import ReportRepo, Scope

pytestmark = pytest.mark.postgres

SHANGHAI, KATHMANDU = "Asia/Shanghai", "Asia/Kathmandu"
PLACES = [("sz-property", "sz-property-lyc"), ("sz-property", "sz-property-jhy"),
          ("hn-region", "hn-region-bhw"), ("hn-region", None), (None, None)]
SCALE = ["satisfied", "basically_satisfied", "dissatisfied"]
KINDS = DEADLINE_KINDS  # every kind the facts count, cooperation included
NOW = datetime(2026, 11, 1, tzinfo=UTC)
CELLS = "SELECT xmin::text, * FROM report_cells ORDER BY 2, 3, 4, 5, 6, 7, 8, 9"  # with each row's version


@pytest.fixture
def store(database_factory: Any) -> Iterator[Store]:
    """An empty migrated PostgreSQL database."""
    store = Store(database_factory.fresh("postgresql"))
    yield store
    store.dispose()


def _edges(zone: str) -> list[datetime]:
    """Month boundaries in ``zone`` and the moments right beside them (Oct–Jan)."""
    out = []
    for year, month in ((2026, 10), (2026, 11), (2026, 12), (2027, 1)):
        start = datetime(year, month, 1, tzinfo=ZoneInfo(zone)).astimezone(UTC)
        out += [start, start - timedelta(seconds=1), start + timedelta(seconds=1)]
    return out


def _moment(rnd: random.Random) -> datetime:
    if rnd.random() < 0.3:
        return rnd.choice(_edges(SHANGHAI) + _edges(KATHMANDU))
    start = datetime(2026, 9, 28, tzinfo=UTC)
    return start + timedelta(minutes=rnd.randrange(0, 100 * 24 * 60))


def _maybe(rnd: random.Random, after: datetime, share: float = 0.7) -> datetime | None:
    if rnd.random() > share:
        return None
    return rnd.choice([after + timedelta(hours=rnd.uniform(0, 24 * 40)), *[e for e in _edges(SHANGHAI)
                                                                           if e >= after]])


def _fact(rnd: random.Random, i: int) -> dict[str, Any]:
    subsidiary, project = rnd.choice(PLACES)
    opened = _moment(rnd)
    closed = _maybe(rnd, opened)
    visited = _maybe(rnd, closed, 0.8) if closed else None
    values = {"case_id": f"case{i:04d}", "number": f"TS-{i:04d}",
              "process_id": rnd.choice(["complaint", "complaint", "repair", "consultation"]),
              "subsidiary": subsidiary, "project": project, "opened_at": opened, "closed_at": closed,
              "status": "closed" if closed else "open", "valid": rnd.random() > 0.1,
              "outcome": rnd.choice(["resolved", "unresolvable"]) if closed else None,
              "category": rnd.choice(["facilities", "billing", "safety", None]),
              "channel": rnd.choice(["phone", "wechat", None]),
              "urgency": rnd.choice(["normal", "emergency"]),
              "responsible_department": rnd.choice(["property", "finance", None]),
              "satisfaction": rnd.choice([*SCALE, "unknown", None]) if visited else None,
              "visited_at": visited,
              "handling_minutes": rnd.choice([rnd.randrange(1, 5000), None]) if closed else None}
    for kind in KINDS:
        due = _maybe(rnd, opened, 0.8)
        values[f"{kind}_due"] = due
        values[f"{kind}_done"] = rnd.choice([due, due - timedelta(seconds=1), due + timedelta(seconds=1),
                                             _maybe(rnd, opened)]) if due and rnd.random() < 0.8 else None
    return values


def _change(rnd: random.Random, fact: dict[str, Any]) -> dict[str, Any]:
    """One transition's changes to a case's facts."""
    what = rnd.randrange(9)
    if what == 0:
        return {"valid": not fact["valid"], "status": "withdrawn"}
    if what == 1:
        return {"category": rnd.choice(["environment", "billing", None])}
    if what == 2:
        subsidiary, project = rnd.choice(PLACES)
        return {"subsidiary": subsidiary, "project": project}
    if what == 3:
        return {"closed_at": None, "status": "open", "outcome": None}
    if what == 4:
        closed = _maybe(rnd, fact["opened_at"], 1.0)
        return {"closed_at": closed, "status": "closed", "outcome": rnd.choice(["resolved", "unresolvable"]),
                "handling_minutes": rnd.randrange(1, 9000)}
    if what == 5:
        return {"satisfaction": rnd.choice(SCALE), "visited_at": _maybe(rnd, fact["opened_at"], 1.0)}
    if what == 6:
        kind = rnd.choice(KINDS)
        return {f"{kind}_done": _maybe(rnd, fact["opened_at"], 1.0),
                f"{kind}_due": _maybe(rnd, fact["opened_at"])}
    if what == 7:
        return {"opened_at": _moment(rnd)}
    return {"status": "in_progress", "channel": rnd.choice(["email", None]), "urgency": "emergency",
            "responsible_department": rnd.choice(["security", None])}


def _scopes(zone: str) -> Iterator[tuple[str, Scope]]:
    for year, month in ((2026, 9), (2026, 10), (2026, 11), (2026, 12), (2027, 1)):
        start, end = month_range(year, month, ZoneInfo(zone))
        for level, unit in (("group", "group"), ("subsidiary", "sz-property"), ("subsidiary", "hn-region"),
                            ("project", "sz-property-lyc"), ("project", "sz-property-jhy"),
                            ("project", "hn-region-bhw")):
            yield f"{year}-{month:02d} {unit}", Scope("complaint", level, unit, start, end, end)


def _compare(store: Store, zone: str) -> int:
    """Every scope's figures from the cells equal those from the rows; how many complaints counted."""
    counted = 0
    with store.read() as tx:
        repo = ReportRepo(tx)
        assert repo.month_cells(next(_scopes(zone))[1], zone)
        for label, scope in _scopes(zone):
            rows = repo.figures(scope, SCALE)
            others = ["repair", "consultation"]
            totals, breakdowns, other_totals = repo.cell_month(scope, zone, SCALE, others)
            assert totals == rows, label
            assert repo.cell_figures(scope, zone, SCALE) == rows, label
            by_rows = {k: sorted(v, key=str) for k, v in repo.breakdowns(scope).items()}
            assert {k: sorted(v, key=str) for k, v in breakdowns.items()} == by_rows, label
            assert other_totals == repo.process_totals(scope, others), label
            counted += rows["received"] if scope.level == "group" else 0
    return counted


def test_the_cells_give_the_rows_figures_through_every_kind_of_change(store: Store) -> None:
    rnd = random.Random(16)
    with store.write() as tx:
        assert ReportRepo(tx).build_cells(SHANGHAI, NOW)  # kept from the start (no rows yet)
    with store.write() as tx:  # once; asking again locks nothing (kefu init on a running system)
        assert not ReportRepo(tx).build_cells(SHANGHAI, NOW)
        assert tx.conn.exec_driver_sql(
            "SELECT count(*) FROM pg_locks WHERE relation = 'case_stats'::regclass AND mode = 'ShareLock' "
            "AND pid = pg_backend_pid()").scalar() == 0
    facts = {}
    for batch in range(4):
        with store.write() as tx:
            repo = ReportRepo(tx)
            for i in range(batch * 100, batch * 100 + 100):
                facts[i] = _fact(rnd, i)
                repo.insert_facts(facts[i])
    assert _compare(store, SHANGHAI) > 100

    def transitions(count: int) -> None:
        for _ in range(count):
            with store.write() as tx:
                i = rnd.randrange(len(facts))
                change = _change(rnd, facts[i])
                ReportRepo(tx).update_facts(facts[i]["case_id"], change)
                facts[i].update(change)

    transitions(300)
    _compare(store, SHANGHAI)
    with store.write() as tx:  # another zone: built from the rows as they stand
        assert ReportRepo(tx).build_cells(KATHMANDU, NOW)
    _compare(store, KATHMANDU)
    transitions(300)  # every write now keeps both zones
    _compare(store, SHANGHAI)
    _compare(store, KATHMANDU)


def test_a_transition_that_changes_no_count_writes_no_cell(store: Store) -> None:
    rnd = random.Random(3)
    with store.write() as tx:
        ReportRepo(tx).build_cells(SHANGHAI, NOW)
    fact = {**_fact(rnd, 1), "opened_at": datetime(2026, 11, 5, 2, tzinfo=UTC), "closed_at": None}
    with store.write() as tx:
        ReportRepo(tx).insert_facts(fact)
    with store.read() as tx:
        before = tx.conn.exec_driver_sql(CELLS).all()
    assert before
    with store.write() as tx:  # status, texts: nothing a figure counts
        ReportRepo(tx).update_facts(fact["case_id"], {"status": "in_progress", "content": "楼上漏水"})
    with store.read() as tx:
        after = tx.conn.exec_driver_sql(CELLS).all()
    assert after == before  # same row versions: not even rewritten


def test_concurrent_transitions_of_one_month_keep_exact_sums(store: Store) -> None:
    """Six writers at once on the complaints of one project and month (the same cells): none waits
    forever or deadlocks (each statement locks its cells in key order), and the sums stay exact."""
    rnd = random.Random(7)
    with store.write() as tx:
        ReportRepo(tx).build_cells(SHANGHAI, NOW)
    facts = []
    with store.write() as tx:
        for i in range(60):
            fact = {**_fact(rnd, i), "subsidiary": "sz-property", "project": "sz-property-lyc",
                    "process_id": "complaint", "opened_at": datetime(2026, 11, 10, 2, i, tzinfo=UTC)}
            ReportRepo(tx).insert_facts(fact)
            facts.append(fact)
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        mine = random.Random(seed)
        try:
            for _ in range(20):
                fact = facts[mine.randrange(len(facts))]
                with store.write() as tx:
                    change = _change(mine, fact) | {"opened_at": fact["opened_at"]}  # the same month
                    ReportRepo(tx).update_facts(fact["case_id"], change)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors
    _compare(store, SHANGHAI)


def test_the_facts_write_is_sent_as_made_once_with_only_the_facts_as_parameters(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The cells' statement (25,000 characters) is not parsed again by psycopg at each write (it caches
    only statements of at most 4,096 characters and 50 parameters), and its parameters are the facts'
    values alone, not the statement's 130 constants; the cells it writes are checked above."""
    import psycopg
    from psycopg import _queries

    rnd = random.Random(5)
    with store.write() as tx:
        ReportRepo(tx).build_cells(SHANGHAI, NOW)
    parsed: list[int] = []
    real = _queries._query2pg_nocache

    def counting(query: bytes, encoding: str) -> Any:
        parsed.append(len(query))
        return real(query, encoding)

    monkeypatch.setattr(_queries, "_query2pg_nocache", counting)
    sent: list[tuple[bytes, int]] = []
    execute = psycopg.Cursor.execute

    def recording(self: Any, query: Any, params: Any = None, **kwargs: Any) -> Any:
        if len(query) > 4096:
            sent.append((bytes(query), len(params)))
        return execute(self, query, params, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "execute", recording)
    fact = _fact(rnd, 1)
    for change in ({}, {"category": "billing"}, {"category": "safety"}):
        with store.write() as tx:
            if change:
                ReportRepo(tx).update_facts(fact["case_id"], change)
            else:
                ReportRepo(tx).insert_facts(fact)
    assert parsed == []
    assert [count for _, count in sent] == [len(fact), 2, 2]  # the facts, and the case's id for an update
    assert sent[1][0] == sent[2][0]  # the same text for the same columns
