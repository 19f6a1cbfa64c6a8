"""A step's writes of its case go to PostgreSQL in one round trip (issue 18): the audit events, the case
row and its inbox rows are sent in one psycopg pipeline, the same statements in the same transaction;
the case row's version check still refuses a write over someone else's. SQLite runs them one by one."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pytest

from engine.clock import FixedClock
from engine.errors import ConflictError
from engine.runtime import Runtime
from engine.store import Store
from tests.engine.runtime.conftest import _demo_org, open_ticket

CASE_WRITES = ("INSERT INTO audit_events", "UPDATE cases", "INSERT INTO inbox_tasks",
               "DELETE FROM inbox_tasks")
FACTS = ("WITH old_facts", "SELECT 1 FROM case_stats", "SELECT set_config")


@dataclass
class Trips:
    """What the client sent: each statement with the pipeline it went in (None: alone, its own round
    trip), and the round trips — statements sent alone, pipelines (outermost; one sync each), commits."""

    statements: list[tuple[str, int | None]] = field(default_factory=list)
    pipelines: int = 0
    commits: int = 0

    @property
    def round_trips(self) -> int:
        return sum(p is None for _, p in self.statements) + self.pipelines + self.commits


@contextmanager
def counting(monkeypatch: pytest.MonkeyPatch) -> Iterator[Trips]:
    trips = Trips()
    inside: list[int] = []  # the open outermost pipeline's number
    many: list[bool] = []

    def statement(cursor: Any, query: Any) -> None:
        text = " ".join(str(query if isinstance(query, str) else getattr(query, "as_string", str)(None)
                            if not isinstance(query, bytes) else query.decode()).split())
        trips.statements.append((text, inside[-1] if cursor.connection._pipeline is not None and inside
                                 else None))

    def wrap(name: str) -> Callable[..., Any]:
        original = getattr(psycopg.Cursor, name)

        def wrapped(self: Any, query: Any, *args: Any, **kw: Any) -> Any:
            statement(self, query)
            if name == "executemany" and self.connection._pipeline is None:
                many.append(True)  # its own pipeline: counted as the statement's round trip
                try:
                    return original(self, query, *args, **kw)
                finally:
                    many.pop()
            return original(self, query, *args, **kw)

        return wrapped

    enter, leave = psycopg.Pipeline.__enter__, psycopg.Pipeline.__exit__

    def entered(self: Any) -> Any:
        if self.level == 0 and not many:
            trips.pipelines += 1
            inside.append(trips.pipelines)
        return enter(self)

    def left(self: Any, *exc: Any) -> Any:
        try:
            return leave(self, *exc)
        finally:
            if self.level == 0 and not many and inside:
                inside.pop()

    fetch = psycopg.Cursor._fetch_pipeline

    def fetched(self: Any) -> Any:
        # a result read inside a pipeline: psycopg flushes what is queued and waits (a round trip);
        # the statements after it go in the next one
        if self._execmany_returning is not False and not self.pgresult and self._conn._pipeline and inside:
            trips.pipelines += 1
            inside[-1] = trips.pipelines
        return fetch(self)

    commit = psycopg.Connection.commit

    def committed(self: Any) -> Any:
        trips.commits += 1
        return commit(self)

    monkeypatch.setattr(psycopg.Cursor, "execute", wrap("execute"))
    monkeypatch.setattr(psycopg.Cursor, "executemany", wrap("executemany"))
    monkeypatch.setattr(psycopg.Pipeline, "__enter__", entered)
    monkeypatch.setattr(psycopg.Pipeline, "__exit__", left)
    monkeypatch.setattr(psycopg.Cursor, "_fetch_pipeline", fetched)
    monkeypatch.setattr(psycopg.Connection, "commit", committed)
    yield trips



def test_a_completions_case_writes_go_in_one_round_trip(pg_rt: Runtime,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    rt = pg_rt
    case = open_ticket(rt)
    with counting(monkeypatch) as trips:
        done = rt.complete_task(case.tasks[0].task_id, "zhang.wei", {"resolved": False})
    writes = [(s, p) for s, p in trips.statements if s.startswith(CASE_WRITES + FACTS)]
    kinds = {s.split(" (")[0].split(" SET")[0].split(" WHERE")[0].split(" AS")[0] for s, _ in writes}
    assert {"INSERT INTO audit_events", "UPDATE cases", "INSERT INTO inbox_tasks",
            "DELETE FROM inbox_tasks", "WITH old_facts"} <= kinds, kinds
    assert len({p for _, p in writes}) == 1 and writes[0][1] is not None, writes  # one pipeline
    # the actor, the lock with the rows, the units' chain, the case's writes with the step's facts
    # (one pipeline), the commit: 5 (10 when the writes went one by one, 7 with the facts apart and
    # the actor's staff row read again for the sticky lane). No staff row but the actor's first read.
    assert trips.round_trips <= 5, (trips.round_trips, trips.statements)
    assert sum(s.startswith("SELECT staff.") for s, _ in trips.statements) == 1, trips.statements
    assert done.tasks and done.tasks[0].task_id != case.tasks[0].task_id
    # the next step reads what was written (the pipeline synced before the commit)
    again = rt.get_case(case.number, "zhang.wei")
    assert [t.task_id for t in again.tasks] == [t.task_id for t in done.tasks]
    assert "task.completed" in [e.action for e in again.timeline]
    with rt.store.read() as tx:  # the facts written in the pipeline are the step's
        assert tx.conn.exec_driver_sql(
            "SELECT s.status FROM case_stats s JOIN cases c ON c.id = s.case_id AND c.status = s.status "
            "WHERE s.case_id = %(id)s", {"id": case.id}).scalar() == done.status != case.status


def test_an_opening_sends_its_writes_after_the_number_in_one_round_trip(
        pg_rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """The case's facts (with their report cells) and the allocation in one round trip, the facts
    first; under the sequence row's lock: one pipeline (the number put into the facts, the audit
    events, the case row, the inbox rows), the commit."""
    open_ticket(pg_rt)  # the process version and the policy are registered by the first
    with counting(monkeypatch) as trips:
        case = open_ticket(pg_rt)
    statements = [s for s, _ in trips.statements]
    at = next(i for i, s in enumerate(statements) if s.startswith("INSERT INTO number_sequences"))
    allocation = trips.statements[at][1]
    facts = next(i for i, s in enumerate(statements) if s.startswith("WITH new_facts"))
    assert facts < at and trips.statements[facts][1] == allocation is not None, trips.statements
    after = trips.statements[at + 1:]
    assert after and len({p for _, p in after}) == 1 and after[0][1] not in (None, allocation), after
    assert [s.split(" (")[0].split(" SET")[0] for s, _ in after] == [
        "UPDATE case_stats", "INSERT INTO audit_events", "INSERT INTO cases", "INSERT INTO inbox_tasks"]
    # the actor, the process's current version, the facts with the allocation, the case's writes, the
    # commit: 5 (6 with the facts apart from the allocation)
    assert trips.round_trips <= 5, (trips.round_trips, trips.statements)
    assert case.number and case.tasks
    assert pg_rt.get_case(case.number, "zhang.wei").number == case.number
    with pg_rt.store.read() as tx:
        assert tx.conn.exec_driver_sql(
            "SELECT number FROM case_stats WHERE case_id = %(id)s", {"id": case.id}).scalar() == case.number


def test_a_case_row_changed_meanwhile_is_still_refused_in_the_pipeline(pg_rt: Runtime) -> None:
    """The version check of the case row runs once the pipeline synced: a write over a newer version
    is a ConflictError and the transaction writes nothing."""
    rt, store = pg_rt, pg_rt.store
    case = open_ticket(rt)
    with pytest.raises(ConflictError, match="changed by someone else meanwhile"), store.write() as tx:
        assert tx.lock_case(case_id=case.id) is not None
        tx._cases[case.id]["version"] -= 1  # as if read before another writer's version
        with tx.case_writes():
            tx.append_audit(case.id, [{"actor": "zhang.wei", "action": "case.commented"}], rt.clock.now())
            tx.update_case(case.id, status="in_progress")
    events = [e.action for e in rt.get_case(case.number, "zhang.wei").timeline]
    assert "case.commented" not in events


def test_an_opening_reads_the_versions_in_force_and_its_process_version_in_one_round_trip(
        database_factory: Any, clock: FixedClock, monkeypatch: pytest.MonkeyPatch) -> None:
    """With published policy versions (``VersionedPolicies``), an opening's two reads before its writes
    — the versions in force and its process's current version — are one statement, not one each."""
    from engine.policy_versions import VersionedPolicies
    from engine.processes import ProcessRegistry
    from tests.engine.runtime.conftest import DATA, ROOT, _policy_set

    store = Store(database_factory.fresh("postgresql"))
    base = _policy_set(ROOT / "policies")
    policies = VersionedPolicies(store, ROOT / "policies", clock, base)
    rt = Runtime(store, policies, ProcessRegistry.load(DATA), clock, base.calendars_dir)
    rt.import_org(_demo_org())
    try:
        open_ticket(rt)  # the process version is registered by the first
        with counting(monkeypatch) as trips:
            case = open_ticket(rt)
        reads = [s for s, _ in trips.statements if "FROM policy_drafts" in s or "FROM process_versions" in s]
        assert len(reads) == 1 and "FROM policy_drafts" in reads[0] and "FROM process_versions" in reads[0], \
            trips.statements
        # the actor, the two reads, the facts with the allocation, the case's writes, the commit: 5
        # (6 with the two reads apart; BEGIN not counted)
        assert trips.round_trips <= 5, (trips.round_trips, trips.statements)
        assert rt.get_case(case.number, "zhang.wei").process_version == version_of(store, "ticket")
    finally:
        store.dispose()


def version_of(store: Store, process_id: str) -> str:
    from sqlalchemy import text

    with store.read() as tx:
        return str(tx.conn.execute(text("SELECT version FROM process_versions WHERE process_id = :p AND "
                                        "current"), {"p": process_id}).scalar_one())


def test_the_openings_reads_together_give_what_they_gave_one_by_one(
        database_factory: Any, clock: FixedClock) -> None:
    """``ProcessRepo.read_opening``: the current version and the published heads it keeps are those
    ``ProcessRepo.current`` and ``PolicyRepo.published_heads`` read alone, with a version published and
    none; an opening pins the published version in force."""
    import re

    from engine.policy_drafts import PolicyDesk
    from engine.policy_versions import VersionedPolicies
    from engine.processes import ProcessRegistry
    from engine.store.policy_repo import PolicyRepo
    from engine.store.process_repo import ProcessRepo
    from tests.engine.runtime.conftest import DATA, ROOT, _policy_set

    store = Store(database_factory.fresh("postgresql"))
    base = _policy_set(ROOT / "policies")
    policies = VersionedPolicies(store, ROOT / "policies", clock, base)
    rt = Runtime(store, policies, ProcessRegistry.load(DATA), clock, base.calendars_dir)
    rt.import_org(_demo_org())

    def both() -> tuple[Any, Any, Any, Any]:
        with store.read() as tx:
            alone = ProcessRepo(tx).current("ticket"), sorted(PolicyRepo(tx).published_heads())
            ProcessRepo(tx).read_opening("ticket")
            together = ProcessRepo(tx).current("ticket"), sorted(PolicyRepo(tx).published_heads())
            assert tx.ahead(("process.current", "ticket")) is None  # each kept row set is asked once
        return (*alone, *together)

    try:
        first = open_ticket(rt)
        version, heads, version2, heads2 = both()
        assert version is not None and version == version2 and heads == heads2 == []
        desk = PolicyDesk(store, policies, clock)
        draft = desk.create("song.yu", "sz-property")
        desk.save("song.yu", draft.id, re.sub(r"reply: \d+ hours", "reply: 12 hours", draft.text, count=1))
        desk.submit("song.yu", draft.id)
        desk.review("lv.qing", draft.id, approve=True)
        desk.publish("song.yu", draft.id, clock.now())
        version, heads, version2, heads2 = both()
        assert version == version2 and heads == heads2 and len(heads) == 1
        case = open_ticket(rt)
        with store.read() as tx:
            pinned = tx.conn.exec_driver_sql(
                "SELECT policy_fingerprint FROM cases WHERE id IN (%(a)s, %(b)s) ORDER BY number",
                {"a": first.id, "b": case.id}).scalars().all()
        assert pinned[0] != pinned[1]  # the second opening pinned the published versions in force
    finally:
        store.dispose()
