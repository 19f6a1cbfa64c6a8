"""The complaint process, complete (issue 19): the R2 rules the audit found partial, each on an injected
clock with its task, notice or ledger line asserted.

R2.2 the final cause (the plan or the CS check confirms or changes the intake's category), R2.7 the
visit record (customer confirmation, photos, the unreachable record), R2.13 the volume alert
in Chinese, R2.15 the missed ordinary return visit and the ledger's delivery to HR and finance, R2.17
the temporary adviser held to the policy's lane.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.errors import FormError, PermissionDenied
from engine.reports.monthly import monthly_statistics
from engine.store.worker_repo import WorkerRepo
from engine.worker import Worker
from tests.conftest import shanghai
from tests.scenarios.conftest import Desk
from tests.scenarios.test_complaint import agree_plan, dispatch, finish_work, reply_by_phone

VISIT = {"contact_result": "agreed", "visit_record": "已上门查看，确认为楼上防水层破损",
         "plan": "修复楼上防水层", "agreed_completion": "2026-11-26T17:00:00+08:00"}


@pytest.fixture
def worker(desk: Desk, tmp_path: Path) -> Worker:
    """The worker on the desk's database and clock."""
    rt = desk.runtime
    return Worker(rt.store, rt, rt.policies, desk.clock, data_dir=tmp_path)


def _events(desk: Desk, number: str, action: str) -> list[dict[str, object]]:
    return [dict(e.data) for e in desk.case(number).timeline if e.action == action]


# -- R2.7 the visit record -------------------------------------------------------------------------

def test_an_agreed_plan_needs_the_customers_confirmation_and_a_photo_of_the_visit(desk: Desk) -> None:
    n = desk.open().number  # Monday 2026-11-23 10:00
    dispatch(desk, n)
    with pytest.raises(FormError) as refused:  # complaint.visit_record.customer_confirmation: true
        desk.complete(n, "visit_customer", "yang.fan", **VISIT, customer_confirmed_plan=False)
    assert "客户尚未确认方案" in refused.value.errors_zh["customer_confirmed_plan"]  # type: ignore[attr-defined]
    with pytest.raises(FormError) as refused:  # complaint.visit_record.photos: true, none uploaded yet
        desk.complete(n, "visit_customer", "yang.fan", **VISIT, customer_confirmed_plan=True)
    assert "还没有上传上门照片" in refused.value.errors_zh["visit_record"]  # type: ignore[attr-defined]
    assert "visit_customer" in desk.open_tasks(n)  # refused twice: nothing moved
    assert _events(desk, n, "visit.recorded") == []
    desk.visit_photo(n)
    desk.complete(n, "visit_customer", "yang.fan", **VISIT, customer_confirmed_plan=True)
    assert "reply_customer" in desk.open_tasks(n)
    assert _events(desk, n, "visit.recorded") == [{"customer_confirmed": True, "photos": 1}]


def test_a_photo_from_before_the_order_is_not_a_photo_of_the_visit(desk: Desk) -> None:
    n = desk.open().number
    desk.visit_photo(n, by="zhang.wei")  # the intake's evidence, before the order reached the department
    desk.at("2026-11-23 10:05")
    dispatch(desk, n)
    with pytest.raises(FormError):
        desk.complete(n, "visit_customer", "yang.fan", **VISIT, customer_confirmed_plan=True)
    desk.visit_photo(n)
    desk.complete(n, "visit_customer", "yang.fan", **VISIT, customer_confirmed_plan=True)


def test_an_unreachable_customer_needs_no_photo_and_is_recorded_within_the_policys_hour(desk: Desk) -> None:
    n = desk.open().number
    dispatch(desk, n)
    desk.at("2026-11-23 10:40")
    desk.complete(n, "visit_customer", "yang.fan", contact_result="unreasonable", visit_record="客户拒绝方案")
    # complaint.deadlines.unreachable_record: 1 hour from the failed visit (003 第23条)
    assert desk.due(n, "record_unreachable") == shanghai("2026-11-23 11:40")
    assert desk.task(n, "record_unreachable").role == "department_head"


# -- R2.17 the temporary adviser -------------------------------------------------------------------

def _expert_late(desk: Desk) -> str:
    n = desk.open(category="real_estate").number
    dispatch(desk, n)
    agree_plan(desk, n, needs_expert=True)
    desk.wait(hours=25)  # the expert did not answer within 24 hours
    return n


def test_the_temporary_adviser_must_hold_the_role_the_policy_names(desk: Desk) -> None:
    n = _expert_late(desk)
    assign = desk.task(n, "assign_temporary_adviser")
    assert (assign.role, assign.unit) == ("general_manager", "sz-property")  # lanes.adviser_assigner
    with pytest.raises(FormError) as refused:  # a CS specialist is no department head
        desk.complete(n, "assign_temporary_adviser", "guo.zhenhua", temporary_adviser="zhang.wei")
    assert "不是深圳物业公司的部门一把手" in refused.value.errors_zh["temporary_adviser"]  # type: ignore[attr-defined]
    with pytest.raises(FormError):  # a department head of the other subsidiary (华南区域 财务部)
        desk.complete(n, "assign_temporary_adviser", "guo.zhenhua", temporary_adviser="cai.wen")
    with pytest.raises(FormError):  # nobody of that login
        desk.complete(n, "assign_temporary_adviser", "guo.zhenhua", temporary_adviser="no.such")
    with pytest.raises(PermissionDenied):  # the other subsidiary's GM may not name anyone
        desk.complete(n, "assign_temporary_adviser", "qin.haiyang", temporary_adviser="sun.lei")
    assert "assign_temporary_adviser" in desk.open_tasks(n)
    desk.complete(n, "assign_temporary_adviser", "guo.zhenhua", temporary_adviser="sun.lei")
    answer = desk.task(n, "temporary_expert_answer")  # lanes.temporary_adviser, and the person named
    assert (answer.role, answer.unit, answer.assignee) == ("department_head", "sz-property", "sun.lei")
    assert _events(desk, n, "lane.holder_checked") == [
        {"person": "sun.lei", "lane": "temporary_adviser", "role": "department_head", "unit": "sz-property"}]
    with pytest.raises(PermissionDenied):  # the step is the named adviser's
        desk.complete(n, "temporary_expert_answer", "ma.xiaoli", expert_opinion="按规范整改")
    desk.complete(n, "temporary_expert_answer", "sun.lei", expert_opinion="按规范整改")
    assert "reply_customer" in desk.open_tasks(n)


# -- R2.13 the volume alert in Chinese --------------------------------------------------------------

def test_the_volume_alert_names_its_window_in_chinese(desk: Desk, worker: Worker) -> None:
    for _ in range(5):
        desk.open()  # five valid complaints at 丽雅苑 in the 30-day window
    worker.run_once()
    with worker.store.read() as tx:
        [note] = [x for x in WorkerRepo(tx).notifications("zheng.xiaoyan") if x.kind == "volume_report"]
    assert note.title == "【投诉量预警】丽雅苑管理处有效投诉5宗"
    assert "在30天内有效投诉已达5宗（≥5）" in note.body
    assert "days" not in note.body


# -- R2.15 the missed ordinary return visit and the ledger's delivery ------------------------------

def _to_return_visit(desk: Desk) -> str:
    n = desk.open().number  # Monday 2026-11-23 10:00, received by zhang.wei
    dispatch(desk, n)
    agree_plan(desk, n)
    reply_by_phone(desk, n)
    desk.at("2026-11-23 15:00")
    finish_work(desk, n)
    desk.complete(n, "check_closure", check_result="accept", return_visit_needed=True)
    return n


def test_a_missed_ordinary_return_visit_costs_the_first_receiver_20_percent_of_the_bonus(
        desk: Desk, worker: Worker) -> None:
    n = _to_return_visit(desk)
    visit = desk.task(n, "contact_customer")
    assert visit.assignee == "zhang.wei"  # R6.1 the first receiver
    assert desk.due(n, "contact_customer") == shanghai("2026-11-24 15:00")  # complaint.deadlines.return_visit
    desk.at("2026-11-25 10:00")  # a day late
    desk.complete(n, "contact_customer", reached=True, attempt_note="电话接通")
    assert desk.due(n, "record_return_visit") == shanghai("2026-11-24 15:00")
    desk.complete(n, "record_return_visit", visit_method="on_site", satisfaction="satisfied",
                  return_visit_record="上门回访，客户满意", customer_agrees=True)
    desk.at("2026-11-25 20:00")
    worker.run_once()
    with worker.store.read() as tx:
        lines = [p for p in WorkerRepo(tx).penalties() if p.kind == "missed_return_visit"]
        notes = [x.title for x in WorkerRepo(tx).notifications("zhang.wei") if x.kind == "penalty"]
    [line] = lines  # once per case, though both return-visit steps were late
    assert (line.staff, line.amount) == ("zhang.wei", 0)
    assert (line.bonus_percent_min, line.bonus_percent_max) == (20, 20)
    assert line.month == "2026-11" and line.case_number == n
    text = str(line.detail["text"])
    assert text.startswith("时限2026-11-24 15:00")  # Beijing time, not UTC
    assert "扣罚月度综合奖金20%" in text
    assert notes == ["【扣罚通知】未按时回访 月度综合奖金20%"]  # a share of the bonus, not "0元"


def test_a_return_visit_on_time_books_nothing(desk: Desk, worker: Worker) -> None:
    n = _to_return_visit(desk)
    desk.at("2026-11-24 11:00")
    desk.complete(n, "contact_customer", reached=True, attempt_note="电话接通")
    desk.complete(n, "record_return_visit", visit_method="on_site", satisfaction="satisfied",
                  return_visit_record="上门回访，客户满意", customer_agrees=True)
    desk.at("2026-11-25 20:00")
    worker.run_once()
    with worker.store.read() as tx:
        assert [p for p in WorkerRepo(tx).penalties() if p.kind == "missed_return_visit"] == []


def test_the_months_ledger_goes_to_hr_and_finance_by_email_with_the_excel_and_in_the_app(
        desk: Desk, worker: Worker) -> None:
    n = _to_return_visit(desk)
    desk.at("2026-11-25 10:00")
    desk.complete(n, "contact_customer", reached=True, attempt_note="电话接通")
    desk.at("2026-11-25 20:00")
    worker.run_once()
    desk.at("2026-12-01 09:00")  # complaint.penalties.report: monthly on the 1st
    worker.run_once()
    with worker.store.read() as tx:
        repo = WorkerRepo(tx)
        mails = [m for m in repo.messages() if m.kind == "penalty_ledger"]
        notes = {login: [x.title for x in repo.notifications(login) if x.kind == "penalty_ledger"]
                 for login in ("he.ying", "xu.ping", "tang.min")}
    # 人力资源经理 of the group and 财务经理 of 深圳物业 (complaint.penalties.report_roles)
    assert "【扣罚台账】深圳物业公司 2026-11" in notes["he.ying"]
    assert notes["xu.ping"].count("【扣罚台账】深圳物业公司 2026-11") == 1
    assert not [t for t in notes["tang.min"] if "深圳物业公司" in t]  # 华南区域's finance: 华南区域's ledger
    sz = [m for m in mails if m.subject == "【扣罚台账】深圳物业公司 2026-11"]
    assert sorted(m.address for m in sz) == ["he.ying@huajin.example", "xu.ping@huajin.example"]
    files = [str(m.attachment).splitlines() for m in sz]  # the ledger and the R8.1 staff statements
    assert all(m.channel == "email" for m in sz)
    assert [Path(f).name for f in files[0]] == ["penalties-sz-property-2026-11.xlsx",
                                                 "assessment-sz-property-2026-11.xlsx"]
    assert "共1笔" in sz[0].body and "扣罚月度综合奖金1笔" in sz[0].body
    sheet = load_workbook(BytesIO(Path(files[0][0]).read_bytes()))["扣罚台账"]
    header = [c.value for c in sheet[1]]
    assert header[8] == "发生时间（北京时间）"
    row = [c.value for c in sheet[2]]
    assert row[2] == "张伟（zhang.wei）" and row[4] == "未按时回访" and row[6] == "20-20"
    assert row[8] == "2026-11-25 10:00"  # the policy's time zone
    assert str(row[9]).startswith("时限2026-11-24 15:00")  # the detail in Chinese
    # exactly once: a later sweep sends nothing more
    desk.at("2026-12-01 15:00")
    worker.run_once()
    with worker.store.read() as tx:
        assert len([m for m in WorkerRepo(tx).messages() if m.kind == "penalty_ledger"]) == len(mails)


# -- R2.2 the final cause ------------------------------------------------------------------------------

def _category_events(desk: Desk, number: str) -> list[tuple[str, str, str]]:
    return [(e.actor, str(e.data["from"]), str(e.data["to"])) for e in desk.case(number).timeline
            if e.action == "case.category_changed"]


def test_the_departments_plan_changes_the_provisional_category_and_statistics_count_the_final_cause(
        desk: Desk) -> None:
    n = desk.open(category="facilities").number  # provisional: 房屋设备管理
    dispatch(desk, n)
    assert desk.task(n, "visit_customer").role == "department_head"
    desk.visit_photo(n)
    desk.complete(n, "visit_customer", "yang.fan", **VISIT, customer_confirmed_plan=True,
                  plan_category="attitude")  # the visit finds the cause: 服务态度
    case = desk.case(n)
    assert case.category == "attitude"
    assert _category_events(desk, n) == [("yang.fan", "facilities", "attitude")]
    [event] = [e for e in case.timeline if e.action == "case.category_changed"]
    assert (event.data["from_name"], event.data["to_name"]) == ("房屋设备管理", "服务态度")
    assert desk.data(n)["intake_category"] == "facilities"  # the intake's choice is kept beside it
    reply_by_phone(desk, n)
    desk.at("2026-11-24 15:00")
    finish_work(desk, n)
    desk.complete(n, "check_closure", "zhang.wei", check_result="accept", return_visit_needed=False)
    assert _category_events(desk, n) == [("yang.fan", "facilities", "attitude")]  # confirmed: no change
    assert desk.data(n)["category_final"] is True
    figures = monthly_statistics(desk.runtime.store, desk.runtime.policies, "2026-11", "sz-property-lyc",
                                 now=shanghai("2026-11-24 16:00"))
    assert figures["complaints"]["by_category"] == {"attitude": 1}  # the final cause, not the intake's


def test_the_cs_check_changes_the_cause_and_the_change_is_audited(desk: Desk) -> None:
    n = desk.open(category="facilities").number
    dispatch(desk, n)
    agree_plan(desk, n)  # the plan keeps the intake's category
    assert _category_events(desk, n) == []
    reply_by_phone(desk, n)
    finish_work(desk, n)
    assert desk.case(n).category == "facilities"
    desk.complete(n, "check_closure", "zhang.wei", check_result="accept", return_visit_needed=True,
                  checked_category="communication")
    assert desk.case(n).category == "communication"
    assert _category_events(desk, n) == [("zhang.wei", "facilities", "communication")]
    with pytest.raises(FormError):  # only the policy's categories
        desk.complete(n, "contact_customer", reached=True, attempt_note="x", checked_category="nonsense")
