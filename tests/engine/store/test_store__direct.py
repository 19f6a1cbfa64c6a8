"""Direct writes (engine.store.direct): the dialect's SQL and the column types' conversions, on the driver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import bindparam, insert, select, update

from engine.store import Store
from engine.store.direct import DirectWrite
from engine.store.models import AuditEvent, PolicySnapshot

EVENTS = AuditEvent.__table__
FIELDS = [c.key for c in EVENTS.columns if c.key != "id"]
INSERT = DirectWrite(insert(EVENTS).values({k: bindparam(k) for k in FIELDS}))
RENAME = DirectWrite(update(EVENTS).where(EVENTS.c.chain == bindparam("_chain"))
                     .values(actor=bindparam("actor")))


def event(seq: int, **overrides: object) -> dict[str, object]:
    row: dict[str, object] = {
        "chain": "case:direct", "seq": seq, "case_id": None, "task_id": None, "actor": "zhang.wei",
        "action": "task.completed", "at": datetime(2026, 11, 23, 10, 0, tzinfo=timezone(timedelta(hours=8))),
        "data": {"form": {"room": "3栋1单元1202", "ok": True}, "late": False}, "prev_hash": "0" * 64,
        "hash": f"{seq:064d}",
    }
    row.update(overrides)
    return row


def test_rows_written_directly_read_back_as_sqlalchemy_wrote_them(store: Store) -> None:
    with store.write() as tx:
        assert INSERT.run(tx.conn, [event(1)]) == 1
        assert INSERT.run(tx.conn, [event(2), event(3, data={})]) in (2, -1)  # executemany: -1 if unknown
        assert RENAME.run(tx.conn, [{"_chain": "case:direct", "actor": "wang.fang"}]) == 3
        assert RENAME.run(tx.conn, [{"_chain": "case:none", "actor": "x"}]) == 0
    with store.read() as tx:
        rows = tx.conn.execute(select(EVENTS).order_by(EVENTS.c.seq)).all()
    assert [r.seq for r in rows] == [1, 2, 3]
    first = rows[0]
    assert first.at == datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # the UTC column type's conversion
    assert first.data == {"form": {"room": "3栋1单元1202", "ok": True}, "late": False}  # JSON
    assert rows[2].data == {}
    assert {r.actor for r in rows} == {"wang.fang"}


def test_the_column_types_still_check_what_is_written(store: Store) -> None:
    with pytest.raises(ValueError, match="naive datetime"), store.write() as tx:
        INSERT.run(tx.conn, [event(1, at=datetime(2026, 11, 23, 10, 0))])
    with store.read() as tx:
        assert tx.conn.execute(select(EVENTS)).all() == []  # the transaction rolled back


def test_a_missing_value_names_the_parameter(store: Store) -> None:
    row = event(1)
    del row["prev_hash"]
    with pytest.raises(KeyError, match="prev_hash"), store.write() as tx:
        INSERT.run(tx.conn, [row])


def test_a_statement_with_values_of_its_own_is_refused(store: Store) -> None:
    fixed = DirectWrite(update(PolicySnapshot.__table__).values(fingerprint="f"))
    with pytest.raises(ValueError, match="has a value in the statement"), store.write() as tx:
        fixed.run(tx.conn, [{}])


def test_first_value_returns_what_the_statement_returns(store: Store) -> None:
    actor_of = DirectWrite(update(EVENTS).where(EVENTS.c.seq == bindparam("s"))
                           .values(actor=bindparam("actor")).returning(EVENTS.c.actor))
    with store.write() as tx:
        INSERT.run(tx.conn, [event(1)])
        assert actor_of.first_value(tx.conn, {"s": 1, "actor": "li.na"}) == "li.na"
        assert actor_of.first_value(tx.conn, {"s": 9, "actor": "li.na"}) is None  # no row matched
