"""VisitorRepo.find_households: what a guard types finds households in one SQL statement that reads
only the hits (it used to load every household and resident of the projects and filter in Python);
SQLite and PostgreSQL answer alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from engine.store import Store
from engine.store.visitor_models import Household
from engine.store.visitor_repo import VisitorRepo


def _seed(store: Store, filler: int = 0) -> None:
    store.migrate()
    with store.write() as tx:
        repo = VisitorRepo(tx)
        repo.upsert_household("lyc-3-1-1202", "lyc", "3栋1单元1202", "周建国",
                              [("周建国", "13900011202", True), ("周小梅", "13700005678", False)])
        repo.upsert_household("lyc-5-2-0301", "lyc", "5-2-0301", "王芳", [("王芳", None, True)])
        repo.upsert_household("lyc-1-1-1201", "lyc", "1栋1单元1201", "李四", [])
        repo.upsert_household("hn-3-1-1202", "hn", "3栋1单元1202", "赵六", [("赵六", "13600001111", True)])
        repo.upsert_household("lyc-7-1-50%", "lyc", "7栋50%号", "孙七", [])
        for i in range(filler):
            repo.upsert_household(f"fill-{i}", "lyc", f"9栋{i}号", "某某", [("某某", "13800000000", True)])


def _codes(store: Store, typed: str, projects: list[str] | None = None, limit: int = 8) -> list[str]:
    with store.read() as tx:
        return [h["code"] for h in VisitorRepo(tx).find_households(projects, typed, limit)]


def test_each_way_of_typing_finds_the_household(store: Store) -> None:
    _seed(store)
    lyc = ["lyc"]
    assert _codes(store, "1202", lyc) == ["lyc-3-1-1202"]  # part of the room
    assert _codes(store, "3-1-1202", lyc) == ["lyc-3-1-1202"]  # the digits in another notation
    assert _codes(store, "311202", lyc) == ["lyc-3-1-1202"]
    assert _codes(store, "周建国", lyc) == ["lyc-3-1-1202"]  # owner
    assert _codes(store, "小梅", lyc) == ["lyc-3-1-1202"]  # a resident
    assert _codes(store, "11202", lyc) == ["lyc-3-1-1202"]  # part of a phone (and of the room digits)
    assert _codes(store, "5678", lyc) == ["lyc-3-1-1202"]  # part of a phone only
    assert _codes(store, "  王芳 ", lyc) == ["lyc-5-2-0301"]
    assert _codes(store, "120", lyc) == ["lyc-1-1-1201", "lyc-3-1-1202"]  # by room, in room order
    assert _codes(store, "120", lyc, limit=1) == ["lyc-1-1-1201"]
    assert _codes(store, "1202") == ["hn-3-1-1202", "lyc-3-1-1202"]  # all projects: by project
    assert _codes(store, "1202", ["hn"]) == ["hn-3-1-1202"]  # another project's never
    # not a hit: digits in no room or phone; too few to read as a notation; another order; nothing typed
    assert _codes(store, "99", lyc) == [] and _codes(store, "3-1-2", lyc) == []
    assert _codes(store, "1-1", lyc) == []  # two digits only: "1-1" is in no room as typed
    assert _codes(store, "021103", lyc) == [] and _codes(store, "   ", lyc) == []
    # LIKE's wildcards are typed text, not patterns
    assert _codes(store, "%", lyc) == ["lyc-7-1-50%"] and _codes(store, "_", lyc) == []


def test_a_hit_comes_with_its_residents_names_and_masked_phones(store: Store) -> None:
    _seed(store)
    with store.read() as tx:
        [hit] = VisitorRepo(tx).find_households(["lyc"], "周小梅")
        [empty] = VisitorRepo(tx).find_households(["lyc"], "李四")
    assert hit == {"code": "lyc-3-1-1202", "project": "lyc", "room": "3栋1单元1202", "owner_name": "周建国",
                   "residents": [{"name": "周建国", "phone": "139****1202"},
                                 {"name": "周小梅", "phone": "137****5678"}]}
    assert empty["residents"] == []  # a household without residents is found by its room or owner


def test_one_statement_reads_only_the_hits(store: Store) -> None:
    _seed(store, filler=300)
    statements: list[str] = []
    loaded: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    def built(target: Household, _context: Any) -> None:
        loaded.append(target.code)

    event.listen(store.engine, "before_cursor_execute", seen)
    event.listen(Household, "load", built)
    try:
        with store.read() as tx:
            hits = VisitorRepo(tx).find_households(["lyc"], "周建国")
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)
        event.remove(Household, "load", built)
    assert [h["code"] for h in hits] == ["lyc-3-1-1202"]
    assert len([s for s in statements if "households" in s]) == 1
    assert len(loaded) <= 1, len(loaded)  # the 303 other households of the project are not built in Python
