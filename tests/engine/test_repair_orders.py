"""Dispatch orders 派工单 (engine/repair_orders.py): gapless, never reused, issued in their step (R3.2).

The repair diagram issues the order from a service task (action ``repair.issue_dispatch_order``)
right after ``issue_order``: every generic completion (``Runtime.complete_task``: the case page, the
API, ``kefu task complete``) issues it in the same transaction. Every test runs on SQLite and on
PostgreSQL (the shared ``runtime`` fixture).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Any

import pytest

from engine.errors import ActionError, ConflictError, FormError, NotFoundError, PermissionDenied
from engine.repair_orders import DispatchOrderRecord, dispatch_order, printable_order
from engine.runtime import Runtime
from engine.store.repair_repo import DispatchOrderRepo

INTAKE: dict[str, Any] = {"customer_name": "李女士", "customer_phone": "13612345678", "room": "5栋2单元801",
                          "location": "in_home", "location_detail": "主卫", "description": "卫生间水龙头漏水",
                          "channel": "phone", "paid_service": "drain_clearing"}


def order_task(runtime: Runtime, actor: str = "zhang.wei") -> str:
    """Open a repair at 丽雅苑; the id of its issue_order task."""
    case = runtime.open_case("repair", INTAKE, actor)
    return next(t.task_id for t in case.tasks if t.task_name == "issue_order")


def issue_dispatch_order(runtime: Runtime, task_id: str, actor: str,
                         data: dict[str, Any]) -> DispatchOrderRecord:
    """Complete ``issue_order`` the generic way; the order its service task issued."""
    case = runtime.complete_task(task_id, actor, data)
    return dispatch_order(runtime, case.number, actor)


def numbers(runtime: Runtime) -> list[str]:
    with runtime.store.read() as tx:
        return [o.number for o in DispatchOrderRepo(tx).orders()]


def test_issuing_an_order_completes_the_task_and_numbers_the_order(runtime: Runtime) -> None:
    task_id = order_task(runtime)
    order = issue_dispatch_order(runtime, task_id, "zhang.wei", {"order_items": "更换水龙头"})
    assert order.number == "PG-SZP-2026-000001"  # numbering.prefix.repair_order, its own sequence
    assert order.case_number.startswith("BX-SZP-2026-")
    assert order.content["customer_name"] == "李女士"
    assert order.content["location_name"] == "户内"
    assert order.content["paid_service_name"] == "疏通下水道"
    assert [c["code"] for c in order.content["copies"]] == ["owner", "finance", "cs", "engineering"]
    case = runtime.get_case(order.case_number, "zhang.wei")
    assert [t.task_name for t in case.tasks] == ["accept_order"]
    assert dispatch_order(runtime, order.case_number, "zhang.wei") == order
    issued = [e for e in runtime.get_case(order.case_number, "zhang.wei").timeline
              if e.action == "dispatch_order.issued"]
    assert [(e.actor, e.data["number"]) for e in issued] == [("zhang.wei", "PG-SZP-2026-000001")]
    assert runtime.verify_audit_chain() == []  # the event is part of the case's hash chain (R0.6)


def test_a_refused_form_rolls_the_number_back_so_the_next_order_takes_it(runtime: Runtime) -> None:
    first, second = order_task(runtime), order_task(runtime)
    with pytest.raises(FormError):
        issue_dispatch_order(runtime, first, "zhang.wei", {})  # order_items is required
    with pytest.raises(PermissionDenied):
        issue_dispatch_order(runtime, first, "deng.haitao", {"order_items": "x"})  # an engineer may not
    assert numbers(runtime) == []
    items = {"order_items": "x"}
    assert issue_dispatch_order(runtime, second, "zhang.wei", items).number == "PG-SZP-2026-000001"
    assert issue_dispatch_order(runtime, first, "zhang.wei", items).number == "PG-SZP-2026-000002"


def test_an_order_cannot_be_issued_twice_for_the_same_task(runtime: Runtime) -> None:
    task_id = order_task(runtime)
    issue_dispatch_order(runtime, task_id, "zhang.wei", {"order_items": "x"})
    with pytest.raises(ConflictError):
        issue_dispatch_order(runtime, task_id, "wang.fang", {"order_items": "y"})
    assert numbers(runtime) == ["PG-SZP-2026-000001"]


def test_a_failing_action_rolls_the_whole_step_back(runtime: Runtime,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    task_id = order_task(runtime)
    number = _case_of(runtime, task_id)
    before = runtime.get_case(number, "zhang.wei")

    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(DispatchOrderRepo, "insert_order", broken)
    failed = r"'repair.issue_dispatch_order' \(service task issue_dispatch_order\) failed: disk full"
    with pytest.raises(ActionError, match=failed):
        runtime.complete_task(task_id, "zhang.wei", {"order_items": "更换水龙头"})
    after = runtime.get_case(number, "zhang.wei")
    assert [t.task_name for t in after.tasks] == ["issue_order"]  # the task is still open
    assert [e.action for e in after.timeline] == [e.action for e in before.timeline]  # nothing audited
    assert after.status == before.status
    assert runtime.verify_audit_chain() == []
    monkeypatch.undo()
    assert issue_dispatch_order(runtime, task_id, "zhang.wei", {"order_items": "x"}).number == \
        "PG-SZP-2026-000001"  # the number taken by the failed step was given back


def _case_of(runtime: Runtime, task_id: str) -> str:
    with runtime.store.read() as tx:
        row = tx.task(task_id)
    assert row is not None
    return row.number


def test_a_case_without_an_order_says_which_task_issues_it(runtime: Runtime) -> None:
    case = runtime.open_case("repair", INTAKE, "zhang.wei")
    with pytest.raises(NotFoundError, match="issue_order"):
        dispatch_order(runtime, case.number, "zhang.wei")


def test_orders_issued_at_the_same_time_get_gapless_unique_numbers(runtime: Runtime) -> None:
    tasks = [order_task(runtime, actor) for actor in ("zhang.wei", "wang.fang") for _ in range(6)]
    failing = set(tasks[::4])  # some issues fail inside their transaction and must give their number back
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(tasks))

    def issue(task_id: str) -> None:
        barrier.wait()
        try:
            data = {} if task_id in failing else {"order_items": "x"}
            issue_dispatch_order(runtime, task_id, "zhang.wei", data)
        except FormError:
            pass
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=issue, args=(t,)) for t in tasks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    issued = numbers(runtime)
    expected = [f"PG-SZP-2026-{i:06d}" for i in range(1, len(tasks) - len(failing) + 1)]
    assert issued == expected  # no gap, no duplicate


def test_the_printable_order_lists_the_rows_and_the_four_copies(runtime: Runtime) -> None:
    order = issue_dispatch_order(runtime, order_task(runtime), "zhang.wei", {"order_items": "更换水龙头"})
    printable = printable_order(order, runtime.zone)
    rows = dict(printable.rows)
    assert rows["派工单号"] == "PG-SZP-2026-000001"
    assert rows["报修位置"] == "户内 · 主卫"
    assert rows["特需有偿服务"] == "疏通下水道（收费标准 80 元）"
    assert [c["name"] for c in printable.copies] == ["业主联", "财务或相关人员联", "客服部联", "工程部联"]


def test_the_printed_times_are_on_the_policy_clock_whatever_offset_the_snapshot_kept(
    runtime: Runtime,
) -> None:
    """The snapshot keeps its times as ISO text; one kept in UTC (or without an offset) is printed on the
    policy's clock like the others: 2026-12-31T16:00Z is 2027-01-01 00:00 on the paper."""
    order = issue_dispatch_order(runtime, order_task(runtime), "zhang.wei", {"order_items": "更换水龙头"})
    content = {**order.content, "received_at": "2026-12-31T16:00:00+00:00",
               "dispatch_due": "2027-01-01T00:30:00+08:00", "appointment_at": "2027-01-01T09:00:00",
               "issued_at": "not a time"}
    rows = dict(printable_order(replace(order, content=content), runtime.zone).rows)
    assert (rows["受理时间"], rows["派工时限"], rows["预约上门"], rows["派工时间"]) == (
        "2027-01-01 00:00", "2027-01-01 00:30", "2027-01-01 09:00", "not a time")


def test_each_subsidiary_numbers_its_orders_on_its_own(runtime: Runtime) -> None:
    issue_dispatch_order(runtime, order_task(runtime, "zhang.wei"), "zhang.wei", {"order_items": "x"})
    other = issue_dispatch_order(runtime, order_task(runtime, "tian.tian"), "tian.tian", {"order_items": "x"})
    assert other.number == "PG-HNR-2026-000001"  # 华南区域公司 starts its own sequence


def test_the_generic_completion_issues_the_order_of_an_issue_order_task(runtime: Runtime) -> None:
    task_id = order_task(runtime)
    case = runtime.complete_task(task_id, "zhang.wei", {"order_items": "x"})
    assert [t.task_name for t in case.tasks] == ["accept_order"]
    assert dispatch_order(runtime, case.number, "zhang.wei").number == "PG-SZP-2026-000001"
    assert runtime.case_data(case.number, "zhang.wei")["dispatch_order"]["number"] == "PG-SZP-2026-000001"
    accept = case.tasks[0].task_id  # any other task is completed as usual, without a number
    runtime.complete_task(accept, "deng.haitao", {"engineer_name": "邓海涛",
                                                  "planned_visit_at": "2026-11-23T11:00:00+08:00"})
    assert numbers(runtime) == ["PG-SZP-2026-000001"]
