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
