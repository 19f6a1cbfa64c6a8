"""R2.4 in the R7.1 monthly statistics (task coop, gap 3): the cooperating departments' confirmations
are a deadline kind of their own, ``cooperation``, counted in SQL like the others on both backends. A
complaint's cooperation is met when its last part is confirmed by the due time; a part confirmed late,
still open at the month's end or ended unconfirmed with the complaint makes it late.

November 2026 at 深圳物业, Shanghai time (the parts are due one working hour after the order):

====  ===================  ==============================  =======================================
case  dispatched           cooperating (category)          parts
====  ===================  ==============================  =======================================
T     Mon 2 10:00          工程部 (facilities)              never confirmed; closed Wed 11 (no repeat)
P     Mon 23 10:00         工程部 (facilities)              confirmed 10:30: on time
Q     Mon 23 10:00         工程部 (facilities)              confirmed 11:30: late
R     Mon 23 10:00         财务部、资金部 (sales_contract)  财务 10:20, 资金 never: late
S     Mon 23 10:00         财务部、资金部 (sales_contract)  财务 10:20, 资金 10:50: on time
E     Mon 23 10:00         none (environment)              no cooperation deadline
====  ===================  ==============================  =======================================

Not counted: the same at 华南区域 (another subsidiary), and P's twin of October.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from engine.clock import FixedClock
from engine.reports.monthly import monthly_statistics
from engine.store import Store
from tests.conftest import shanghai
from tests.engine.worker.conftest import make_desk
from tests.scenarios.conftest import Desk
from tests.scenarios.test_complaint import agree_plan, dispatch, finish_work, reply_by_phone


@pytest.fixture
def desk(store: Store) -> Iterator[Desk]:
    """The scenario desk on a fresh database of each backend (SQLite, then PostgreSQL)."""
    yield make_desk(store, FixedClock(shanghai("2026-11-02 10:00")))


def _confirm(desk: Desk, n: str, login: str, at: str) -> None:
    desk.at(at)
    [task] = [t for t in desk.case(n).tasks if t.task_name == "confirm_cooperation"
              and desk.within(desk.org.staff[login].unit, t.unit or "")]
    desk.runtime.complete_task(task.task_id, login, {"cooperation_part": "已安排本部门配合"})


def _open(desk: Desk, at: str, **changes: str) -> str:
    desk.at(at)
    n = desk.open(**changes).number
    dispatch(desk, n)
    return n


def test_the_cooperation_deadlines_of_a_month_are_counted_exactly(desk: Desk) -> None:
    _open(desk, "2026-10-26 10:00")  # October: another month
    t = _open(desk, "2026-11-02 10:00")
    agree_plan(desk, t)
    reply_by_phone(desk, t)
    desk.at("2026-11-03 15:00")
    finish_work(desk, t)
    desk.complete(t, "check_closure", "zhang.wei", check_result="accept", return_visit_needed=False)
    desk.wait(days=8)  # no repeat complaint within the week: closed, the 工程部 part ended unconfirmed
    assert desk.case(t).status == "closed"
    p = _open(desk, "2026-11-23 10:00")
    _confirm(desk, p, "liu.qiang", "2026-11-23 10:30")
    q = _open(desk, "2026-11-23 10:00")
    _confirm(desk, q, "liu.qiang", "2026-11-23 11:30")
    r = _open(desk, "2026-11-23 10:00", category="sales_contract")
    _confirm(desk, r, "ma.xiaoli", "2026-11-23 10:20")
    s = _open(desk, "2026-11-23 10:00", category="sales_contract")
    _confirm(desk, s, "ma.xiaoli", "2026-11-23 10:20")
    _confirm(desk, s, "zhu.hong", "2026-11-23 10:50")
    _open(desk, "2026-11-23 10:00", category="environment")
    desk.at("2026-11-23 10:00")
    other = desk.open("fan.ming").number  # 华南区域
    dispatch(desk, other)

    def figures(unit: str | None, now: str) -> dict:
        return monthly_statistics(desk.runtime.store, desk.runtime.policies, "2026-11", unit,
                                  now=shanghai(now))["deadlines"]["cooperation"]

    # as at 10:55 on the 23rd: T's part had fallen due (late); P and S were confirmed in time already
    assert figures("sz-property", "2026-11-23 10:55") == {"due": 3, "on_time": 2, "late": 1, "rate": 0.6667}
    # the month: P and S in time; Q late, R's 资金部 part still open, T's ended with the complaint
    assert figures("sz-property", "2026-12-03 09:00") == {"due": 5, "on_time": 2, "late": 3, "rate": 0.4}
    assert figures("sz-property-lyc", "2026-12-03 09:00") == {"due": 5, "on_time": 2, "late": 3, "rate": 0.4}
    assert figures("hn-region", "2026-12-03 09:00") == {"due": 1, "on_time": 0, "late": 1, "rate": 0.0}
    assert figures(None, "2026-12-03 09:00") == {"due": 6, "on_time": 2, "late": 4, "rate": 0.3333}
    # R2.4 per cooperating department, each part on its own due time: the CS centre sees who is late
    # (T's 工程部 part ended unconfirmed after its due time, Q's was confirmed late; R's 资金部 part is open)
    stats = monthly_statistics(desk.runtime.store, desk.runtime.policies, "2026-11", "sz-property",
                               now=shanghai("2026-12-03 09:00"))
    assert stats["cooperation_by_department"] == {
        "engineering": {"due": 3, "on_time": 1, "late": 2, "rate": 0.3333},
        "finance": {"due": 2, "on_time": 2, "late": 0, "rate": 1.0},
        "treasury": {"due": 2, "on_time": 1, "late": 1, "rate": 0.5},
    }
    early = monthly_statistics(desk.runtime.store, desk.runtime.policies, "2026-11", "sz-property",
                               now=shanghai("2026-11-23 10:55"))["cooperation_by_department"]
    assert early == {"engineering": {"due": 2, "on_time": 1, "late": 1, "rate": 0.5},  # Q not yet due
                     "finance": {"due": 2, "on_time": 2, "late": 0, "rate": 1.0},
                     "treasury": {"due": 1, "on_time": 1, "late": 0, "rate": 1.0}}  # R's not yet due
    assert monthly_statistics(desk.runtime.store, desk.runtime.policies, "2026-11", "hn-region",
                              now=shanghai("2026-12-03 09:00"))["cooperation_by_department"] == {
        "engineering": {"due": 1, "on_time": 0, "late": 1, "rate": 0.0}}
    # the report's page, Excel and PDF carry it as a table of its own, departments by name
    from engine.reports.export import sections

    [table] = [s for s in sections(stats) if s.title == "七、配合部门确认（按部门）"]
    assert table.rows == (("工程部", 3, 1, 2, "33.3%"), ("财务部", 2, 2, 0, "100.0%"),
                          ("资金部", 2, 1, 1, "50.0%"))
    # a database migrated to 0026 reads the parts opened before it back from the audit log: the same figures
    _remigrate_0026(desk.runtime.store)
    again = monthly_statistics(desk.runtime.store, desk.runtime.policies, "2026-11", "sz-property",
                               now=shanghai("2026-12-03 09:00"))
    assert again["cooperation_by_department"] == stats["cooperation_by_department"]


def _remigrate_0026(store: Store) -> None:
    """Migrate down to 0025 (the parts' table dropped) and up again (0026 fills it from the audit log)."""
    from alembic import command
    from alembic.config import Config

    from engine.store.db import _MIGRATIONS

    config = Config(str(_MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(_MIGRATIONS))
    with store._write_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0025")
        command.upgrade(config, "head")
