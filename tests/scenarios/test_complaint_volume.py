"""R2.13 the complaint volume (issue 19, 000 投诉的受理3): at 5 valid complaints in the window the project
writes a report to the group CS manager, who reviews it; at 8 she investigates on site. The worker
opens each as a case of ``volume_escalation`` after its own transaction commits, exactly once per
threshold, project and window. On an injected clock (Monday 2026-11-23 10:00 Shanghai time).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from engine.errors import PermissionDenied
from engine.store.worker_repo import WorkerRepo
from engine.worker import Worker
from engine.worker.context import RunContext
from engine.worker.jobs import ESCALATION, volume_check
from engine.worker.outbox import Notifier
from tests.conftest import shanghai
from tests.scenarios.conftest import Desk


@pytest.fixture
def worker(desk: Desk, tmp_path: Path) -> Worker:
    """The worker on the desk's database and clock."""
    rt = desk.runtime
    return Worker(rt.store, rt, rt.policies, desk.clock, data_dir=tmp_path)


def _escalations(desk: Desk) -> list:
    from datetime import timedelta

    now = desk.clock.now()
    with desk.runtime.store.read() as tx:
        cases = WorkerRepo(tx).cases_opened_between(ESCALATION, "sz-property", now - timedelta(days=60), now)
    return [desk.case(c.number) for c in cases]


def _task(desk: Desk, case, name: str):
    [task] = [t for t in desk.case(case.number).tasks if t.task_name == name]
    return task


def test_five_valid_complaints_give_the_project_a_report_the_group_cs_manager_reviews(
        desk: Desk, worker: Worker) -> None:
    for _ in range(4):
        desk.open()
    worker.run_once()
    assert _escalations(desk) == []  # 4 < complaint.escalation.volume.report_at
    desk.open()  # the fifth valid complaint at 丽雅苑 within 30 days
    desk.at("2026-11-23 10:05")
    worker.run_once()
    worker.run_once()  # a second sweep opens nothing more
    [case] = _escalations(desk)
    assert (case.project, case.first_receiver, case.status) == ("sz-property-lyc", "zheng.xiaoyan", "open")
    data = desk.runtime.case_data(case.number, "zheng.xiaoyan")
    assert (data["level"], data["valid_count"], data["threshold"], data["window_text"]) == (
        "report", 5, 5, "30天")
    write = _task(desk, case, "write_report")  # the project's CS supervisor (李娜)
    assert write.candidate_group == "cs_supervisor@sz-property-lyc"
    assert write.due_at == shanghai("2026-11-26 10:05")  # complaint.escalation.volume.report_due: 3 days
    with pytest.raises(PermissionDenied):  # another subsidiary's project supervisor
        desk.runtime.complete_task(write.task_id, "shi.lei", {"report": "不相干"})
    desk.runtime.complete_task(write.task_id, "li.na", {"report": "5宗投诉均为楼上漏水，已逐一处理"})
    review = _task(desk, case, "review_report")
    assert review.candidate_group == "cs_manager@group"
    assert review.due_at == shanghai("2026-11-25 10:05")  # review_due: 2 days from the report
    with pytest.raises(PermissionDenied):  # a subsidiary's CS manager is not the group's
        desk.runtime.complete_task(review.task_id, "he.jing", {"review_decision": "accept"})
    desk.runtime.complete_task(review.task_id, "zheng.xiaoyan",
                               {"review_decision": "return", "review_comment": "请补充整改措施"})
    again = _task(desk, case, "write_report")  # sent back to the project
    desk.runtime.complete_task(again.task_id, "li.na", {"report": "补充：防水层统一检修"})
    review = _task(desk, case, "review_report")
    desk.runtime.complete_task(review.task_id, "zheng.xiaoyan", {"review_decision": "accept"})
    assert desk.case(case.number).status == "closed"
    with worker.store.read() as tx:  # the alert and its message as before
        assert [x.kind for x in WorkerRepo(tx).notifications("zheng.xiaoyan")
                if x.kind.startswith("volume_")] == ["volume_report"]


def test_eight_give_the_group_cs_manager_an_on_site_investigation_with_its_own_deadline(
        desk: Desk, worker: Worker) -> None:
    for _ in range(8):
        desk.open()
    worker.run_once()
    worker.run_once()
    by_level = {desk.runtime.case_data(c.number, "zheng.xiaoyan")["level"]: c for c in _escalations(desk)}
    assert sorted(by_level) == ["investigate", "report"]  # both thresholds, one case each
    visit = _task(desk, by_level["investigate"], "investigate_on_site")
    assert visit.candidate_group == "cs_manager@group"
    assert visit.due_at == shanghai("2026-11-30 10:00")  # complaint.escalation.volume.investigate_due: 7 days
    with pytest.raises(PermissionDenied):
        desk.runtime.complete_task(visit.task_id, "feng.tingting", {"findings": "-", "measures": "-"})
    with pytest.raises(PermissionDenied):  # hn-region's staff do not even see the project's case
        desk.runtime.get_case(by_level["investigate"].number, "shi.lei")
    desk.runtime.complete_task(visit.task_id, "zheng.xiaoyan",
                               {"findings": "漏水集中在3栋", "measures": "统一更换防水层"})
    assert desk.case(by_level["investigate"].number).status == "closed"


def test_the_case_opens_only_after_the_alerts_transaction_commits(desk: Desk, worker: Worker) -> None:
    for _ in range(5):
        desk.open()
    opened: list[tuple[str, str]] = []
    policy = worker.unit_policy("sz-property")
    now = desk.clock.now()

    def sweep() -> None:
        with worker.store.write() as tx:
            repo = WorkerRepo(tx)
            ctx = RunContext(repo=repo, unit="sz-property", policy=policy, occurrence=now, previous=None,
                             period="live", now=now, directory=worker._directory(),
                             notifier=Notifier(repo, policy, now), case_policy=lambda case: policy,
                             data_dir=worker.data_dir,
                             escalate=lambda process, data, project, who: opened.append((project, who)))
            volume_check(ctx)
            assert opened == []  # not inside the alert's transaction
            raise RuntimeError("the sweep fails before it commits")

    with pytest.raises(RuntimeError):
        sweep()
    assert opened == []  # rolled back: no alert, no case
    worker.run_once()
    worker.run_once()
    assert len(_escalations(desk)) == 1  # the next sweep raises it once


START = {"level": "report", "valid_count": 5, "threshold": 5, "window_text": "30天",
         "complaint_numbers": "TS-SZP-2026-000001", "project": "sz-property-lyc"}


def _send_back(desk: Desk, number: str, report: str) -> None:
    """The project writes ``report``; the group CS manager sends it back (now, on the desk's clock)."""
    desk.runtime.complete_task(desk.task(number, "write_report").task_id, "li.na", {"report": report})
    desk.runtime.complete_task(desk.task(number, "review_report").task_id, "zheng.xiaoyan",
                               {"review_decision": "return", "review_comment": "请补充整改措施"})


@pytest.mark.parametrize(("opened", "returned", "first_due", "rewrite_due"), [
    # opened Tuesday; sent back Friday afternoon: the weekend does not count (2 working days: Mon, Tue)
    ("2026-11-24 10:00", "2026-11-27 16:00", "2026-11-27 10:00", "2026-12-01 16:00"),
    # opened before National Day; sent back on its eve: 1–7 October are holidays (Thu 8th, Fri 9th)
    ("2026-09-28 09:00", "2026-09-30 15:00", "2026-10-01 09:00", "2026-10-09 15:00"),
    # sent back on Friday 9 October: Saturday the 10th is a make-up workday (调休), then Monday
    ("2026-10-08 09:00", "2026-10-09 15:00", "2026-10-11 09:00", "2026-10-12 15:00"),
])
def test_a_report_sent_back_gets_its_own_deadline_from_the_send_back(
        desk: Desk, opened: str, returned: str, first_due: str, rewrite_due: str) -> None:
    """R2.13, decided here (the seed names no time): the rewrite is due
    complaint.escalation.volume.rewrite_due (2 working days) after the send-back, not by the first
    report's deadline, which may lie in the past or inside a holiday by then."""
    desk.at(opened)
    number = desk.runtime.open_case("volume_escalation", START, "zheng.xiaoyan", by_worker=True).number
    assert desk.task(number, "write_report").due_at == shanghai(first_due)  # report_due: 3 days
    desk.at(returned)
    _send_back(desk, number, "5宗投诉均为楼上漏水")
    again = desk.task(number, "write_report")
    assert again.due_at == shanghai(rewrite_due)
    assert again.due_at > desk.clock.now()  # never overdue the moment it is sent back
    assert desk.data(number)["returned_at"].startswith(returned.replace(" ", "T"))
    # the rewrite, sent back again a working day later, counts from the second send-back
    desk.clock.set(again.due_at - timedelta(hours=1))
    _send_back(desk, number, "补充：防水层统一检修")
    third = desk.task(number, "write_report")
    assert third.due_at > again.due_at and third.due_at > desk.clock.now()


def test_the_rewrite_deadline_is_the_policys(desk: Desk) -> None:
    """The rewrite's time is a policy value: the group's 2 working days, read through deadline()."""
    policy = desk.runtime.policies.effective("sz-property-lyc")
    assert policy.duration("complaint.escalation.volume.rewrite_due").text == "2 working days"
    desk.at("2026-11-24 10:00")
    number = desk.runtime.open_case("volume_escalation", START, "zheng.xiaoyan", by_worker=True).number
    desk.at("2026-11-25 11:00")
    _send_back(desk, number, "初稿")
    expected = policy.deadline("complaint.escalation.volume.rewrite_due", desk.clock.now())
    assert desk.task(number, "write_report").due_at == expected
