"""Issue 15: a complaint the customer takes back is withdrawn, with a reason, by the CS desk of its
subsidiary; its workflow is cancelled, it leaves every inbox and it is no valid complaint (R2.13, R7.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import ConflictError, FormError, PermissionDenied
from engine.permissions import Subject, subject_of
from engine.reports.monthly import monthly_statistics
from engine.runtime.access import load_staff
from engine.store.worker_repo import WorkerRepo
from tests.conftest import shanghai
from tests.engine.worker.conftest import make_worker
from tests.scenarios.conftest import Desk


def _events(desk: Desk, number: str) -> list[tuple[str, dict]]:
    return [(e.action, dict(e.data or {})) for e in desk.case(number).timeline]


def _subject(desk: Desk, login: str) -> Subject:
    with desk.runtime.store.read() as tx:
        return subject_of(load_staff(tx, login), tx.units)


def test_a_withdrawn_complaint_cancels_its_workflow_and_leaves_every_inbox(desk: Desk) -> None:
    number = desk.open().number
    assert desk.open_tasks(number)
    view = desk.runtime.withdraw_case(number, "li.na", "  客户已与邻居协商解决，主动撤回投诉  ")
    assert view.status == "withdrawn" and view.tasks == ()
    case = desk.case(number)
    assert case.status == "withdrawn" and case.closed_at is not None and case.tasks == ()
    for login in ("li.na", "zheng.xiaoyan"):
        assert [i for i in desk.runtime.inbox(login, "all") if i.case_number == number] == []
    assert [i for i in desk.runtime.inbox("zhang.wei", "queue") if i.case_number == number] == []
    events = _events(desk, number)
    withdrawn = [d for a, d in events if a == "case.withdrawn"]
    assert withdrawn == [{"reason": "客户已与邻居协商解决，主动撤回投诉"}]
    cancelled = [d for a, d in events if a == "task.cancelled"]
    reason = "投诉已撤回：客户已与邻居协商解决，主动撤回投诉"
    assert cancelled and all(d["reason"] == reason for d in cancelled)
    assert [d["status"] for a, d in events if a == "case.closed"] == ["withdrawn"]
    desk.wait(days=10)  # no timer of the cancelled workflow fires later, and the status stays
    assert desk.case(number).status == "withdrawn"


def test_a_withdrawal_needs_a_reason_and_an_open_complaint(desk: Desk) -> None:
    number = desk.open().number
    for reason in ("", "   ", None, 5):
        with pytest.raises(FormError) as err:
            desk.runtime.withdraw_case(number, "zhang.wei", reason)
        assert err.value.zh == "撤回投诉必须填写原因"
    assert desk.case(number).status != "withdrawn" and desk.open_tasks(number)
    assert desk.runtime.may_withdraw(_subject(desk, "zhang.wei"), desk.case(number))
    desk.runtime.withdraw_case(number, "zhang.wei", "客户撤回")
    with pytest.raises(ConflictError):
        desk.runtime.withdraw_case(number, "zhang.wei", "再次撤回")
    assert not desk.runtime.may_withdraw(_subject(desk, "zhang.wei"), desk.case(number))


def test_only_the_cs_desk_of_the_cases_subsidiary_may_withdraw_it(desk: Desk) -> None:
    number = desk.open().number
    with pytest.raises(PermissionDenied):
        desk.runtime.withdraw_case(number, "shi.lei", "别的公司的主管")  # hn-region's CS supervisor
    with pytest.raises(PermissionDenied):
        desk.runtime.withdraw_case(number, "deng.haitao", "工程师")  # same subsidiary, not CS
    assert desk.case(number).status != "withdrawn"
    assert not desk.runtime.may_withdraw(_subject(desk, "shi.lei"), desk.case(number))
    assert not desk.runtime.may_withdraw(_subject(desk, "deng.haitao"), desk.case(number))
    assert desk.runtime.withdraw_case(number, "he.jing", "客户撤回").status == "withdrawn"  # CS manager


def test_withdrawn_complaints_are_not_counted_in_the_monthly_statistics(desk: Desk) -> None:
    kept = desk.open().number
    gone = desk.open(description="重复来电").number
    desk.runtime.withdraw_case(gone, "zhang.wei", "客户撤回")
    figures = monthly_statistics(desk.runtime.store, desk.runtime.policies, "2026-11", "sz-property",
                                 now=shanghai("2026-12-03 09:00"))
    c = figures["complaints"]
    assert (c["received"], c["valid"]) == (2, 1)
    assert kept in {i["number"] for i in figures["items"]}


def test_withdrawn_complaints_do_not_count_towards_the_volume_report(desk: Desk, tmp_path: Path) -> None:
    worker = make_worker(desk, tmp_path)
    numbers = [desk.open().number for _ in range(5)]
    desk.runtime.withdraw_case(numbers[0], "li.na", "客户撤回")
    assert worker.run_once().volume == {}  # 4 valid complaints: under the report threshold of 5
    desk.open()
    assert worker.run_once().volume == {"volume_report": 1}
    with worker.store.read() as tx:
        [alert] = WorkerRepo(tx).alerts("volume_report")
    assert alert["data"]["count"] == 5
