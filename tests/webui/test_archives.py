"""Owner-archive pages (R5): the checklist asks why, the requester sees only the answer, files are guarded."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine import archives, visitors
from tests.conftest import ROOT
from tests.webui.conftest import PASSWORD, Browser
from webui import archives as archive_pages
from webui.services import Services

LYC = "lyc-3-1-1202"


@pytest.fixture
def people(app: Flask, services: Services, login: Callable[[str], Browser]) -> Callable[[str], Browser]:
    """Sign in anyone of the demo org, with the archive pages registered and one document filed."""
    if "archives" not in app.blueprints:
        archive_pages.init_app(app)
    visitors.import_households(services.runtime, ROOT / "engine" / "demo" / "households.yaml")
    archives.store_document(
        services.runtime,
        "hu.xuemei",
        LYC,
        "vehicle_register",
        "车辆登记表.txt",
        "车牌 粤B·12345".encode(),
        services.data_dir,
    )

    def sign_in(name: str) -> Browser:
        services.set_password(name, PASSWORD)
        return login(name)

    return sign_in


def test_the_checklist_asks_why_then_shows_what_is_missing(people: Callable[[str], Browser]) -> None:
    zhang = people("zhang.wei")
    assert "查阅事由" in zhang.get(f"/archives/household/{LYC}").get_data(as_text=True)
    html = zhang.get(f"/archives/household/{LYC}?why=核查入伙资料").get_data(as_text=True)
    assert "车辆登记表" in html and "缺失" in html and "缺 11 / 12" in html


def test_a_guard_gets_no_checklist_and_no_file(people: Callable[[str], Browser], services: Services) -> None:
    guard = people("peng.jun")
    assert guard.get(f"/archives/household/{LYC}?why=看看").status_code == 403
    with services.store.read() as tx:
        doc = next(e.data["document"] for e in tx.chain_events("system") if e.action == "archive.uploaded")
    response = guard.get(f"/archives/document/{doc}?why=看看")
    assert response.status_code == 403 and "粤B" not in response.get_data(as_text=True)


def test_an_allowed_view_serves_the_file_and_is_audited(
    people: Callable[[str], Browser], services: Services
) -> None:
    zhang = people("zhang.wei")
    with services.store.read() as tx:
        doc = next(e.data["document"] for e in tx.chain_events("system") if e.action == "archive.uploaded")
    response = zhang.get(f"/archives/document/{doc}?why=联系车主")
    assert response.status_code == 200 and "粤B·12345" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    with services.store.read() as tx:
        viewed = [e for e in tx.chain_events("system") if e.action == "archive.viewed"]
    assert viewed[-1].actor == "zhang.wei" and viewed[-1].data["why"] == "联系车主"


def test_a_request_is_approved_relayed_and_the_requester_reads_only_the_answer(
    people: Callable[[str], Browser],
) -> None:
    guard, li, zhang = people("peng.jun"), people("li.na"), people("zhang.wei")
    response = guard.post(
        "/archives/request", {"household": LYC, "purpose": "业主车辆被刮", "question": "车牌号"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    url = response.headers["Location"]
    li.get(url)
    li.post(f"{url}/approve", {"decision": "approve"})
    zhang.get(url)
    zhang.post(f"{url}/relay", {"answer": "车牌 粤B·12345", "documents": "vehicle_register"})
    html = guard.get(url).get_data(as_text=True)
    assert "车牌 粤B·12345" in html and "/archives/document/" not in html


def test_an_upload_is_filed_with_its_checksum(people: Callable[[str], Browser]) -> None:
    clerk = people("hu.xuemei")
    response = clerk.post(
        f"/archives/household/{LYC}/upload",
        {"doc_type": "owner_pledge", "why": "归档", "file": (BytesIO(b"pledge"), "承诺书.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    html = clerk.get(f"/archives/household/{LYC}?why=核查").get_data(as_text=True)
    assert "承诺书.pdf" in html and "缺 10 / 12" in html


def test_the_disposal_review_page_is_for_the_cs_manager_only(people: Callable[[str], Browser]) -> None:
    assert people("he.jing").get("/archives/disposal").status_code == 200
    assert people("zhang.wei").get("/archives/disposal").status_code == 403


def test_the_approver_sees_purpose_and_question_and_the_requester_gets_no_approve_button(
    people: Callable[[str], Browser], services: Services
) -> None:
    """Issue 15: li.na asks herself; she holds the approver's role but may not approve her own request.
    She is 丽雅苑's only 客服主管, so the request goes up to the company's 客服经理 (R5.2 主管以上)."""
    li, yang, fan = people("li.na"), people("yang.xiuying"), people("fan.ming")
    response = li.post("/archives/request",
                       {"household": LYC, "purpose": "业主车辆被刮", "question": "车牌号"})
    url = response.headers["Location"]

    own = li.get(url).get_data(as_text=True)
    assert "批准</button>" not in own and "不批准" not in own
    # the page names who may approve now and why it went up; nobody is flagged 无人可办
    assert "无人可办" not in own and "可办理岗位" in own
    assert "客服经理" in own.split("可办理岗位", 1)[1].split("</p>", 1)[0]
    assert "何静" in own.split("可办理岗位", 1)[1].split("</p>", 1)[0]
    assert "已转上一级" in own and "丽雅苑管理处客服主管只有申请人本人" in own
    refused = li.post(f"{url}/approve", {"decision": "approve"})
    assert refused.status_code == 403 and "不能审批自己的申请" in refused.get_data(as_text=True)

    number = url.rsplit("/", 1)[1]
    task = services.runtime.get_case(number, "li.na").tasks[0]
    assert task.task_name == "approve_request" and task.candidate_group == "cs_manager@sz-property"
    from engine.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.runtime.claim_task(task.task_id, "li.na")
    other = yang.get(url).get_data(as_text=True)  # 金海湾's supervisor: may read, may not approve
    assert "批准</button>" not in other and "可办理岗位" in other
    assert "李娜" not in other.split("可办理岗位", 1)[1].split("</p>", 1)[0]  # the requester is no holder
    assert fan.get(url).status_code == 403  # another subsidiary sees nothing of it


def test_the_cs_manager_approves_a_supervisors_own_request_and_the_other_company_cannot(
    people: Callable[[str], Browser], services: Services, client: FlaskClient
) -> None:
    """R5.2 主管以上: he.jing (深圳物业's 客服经理) approves li.na's request; 华南区域's 客服经理 may not,
    neither on the page nor by the API; the desk relays the answer."""
    li, he, feng = people("li.na"), people("he.jing"), people("feng.tingting")
    url = li.post("/archives/request", {"household": LYC, "purpose": "业主车辆被刮",
                                        "question": "车牌号"}).headers["Location"]
    number = url.rsplit("/", 1)[1]
    [task] = services.runtime.get_case(number, "li.na").tasks

    page = he.get(url).get_data(as_text=True)
    assert "批准</button>" in page and "已转上一级" in page and "车牌号" in page
    inbox = he.get("/inbox?view=queue").get_data(as_text=True)
    assert number in inbox and "无人可办" not in inbox.split(number, 1)[1].split("</tr>", 1)[0]

    assert feng.get(url).status_code == 403
    foreign = feng.post(f"{url}/approve", {"decision": "approve"})
    assert foreign.status_code == 403 and number not in foreign.get_data(as_text=True)
    headers = {"Authorization": f"Bearer {services.issue_token('feng.tingting', 'test')}"}
    by_api = client.post(f"/api/v1/tasks/{task.task_id}/complete", headers=headers,
                         json={"task": "archive_access.approve_request", "data": {"decision": "approve"}})
    assert by_api.status_code == 403 and number not in by_api.get_data(as_text=True)
    mine = {"Authorization": f"Bearer {services.issue_token('li.na', 'test')}"}
    own = client.post(f"/api/v1/tasks/{task.task_id}/complete", headers=mine,
                      json={"task": "archive_access.approve_request", "data": {"decision": "approve"}})
    assert own.status_code == 403
    assert [t.task_name for t in services.runtime.get_case(number, "li.na").tasks] == ["approve_request"]

    assert he.post(f"{url}/approve", {"decision": "approve", "decision_note": "同意"}).status_code == 302
    zhang = people("zhang.wei")
    zhang.post(f"{url}/relay", {"answer": "车牌 粤B·12345", "documents": "vehicle_register"})
    assert "车牌 粤B·12345" in li.get(url).get_data(as_text=True)


def test_when_nobody_above_may_approve_the_inbox_and_the_page_agree_with_the_check(
    people: Callable[[str], Browser], services: Services
) -> None:
    """Every level gone (no active 客服经理, 副总经理 or 总经理 at 深圳物业): the request stays with the
    project's 客服主管, who asked it. Her inbox offers her no claim and flags it 无人可办, as the page
    does."""
    from sqlalchemy import update

    from engine.store.models import Staff

    li = people("li.na")
    with services.store.write() as tx:
        tx.session.execute(update(Staff).where(Staff.login.in_(["he.jing", "wu.jianping", "lin.lihua"]))
                           .values(active=False))
    url = li.post("/archives/request", {"household": LYC, "purpose": "业主车辆被刮",
                                        "question": "车牌号"}).headers["Location"]
    number = url.rsplit("/", 1)[1]
    page = li.get(url).get_data(as_text=True)
    assert "无人可办" in page and "已转上一级" not in page
    queue = li.get("/inbox?view=queue").get_data(as_text=True)
    row = queue.split(number, 1)[1].split("</tr>", 1)[0]
    assert "无人可办" in row and "/claim" not in row


def test_the_approver_and_the_relaying_clerk_see_what_they_decide_on(
    people: Callable[[str], Browser],
) -> None:
    guard, li, zhang = people("peng.jun"), people("li.na"), people("zhang.wei")
    url = guard.post("/archives/request", {"household": LYC, "purpose": "业主车辆被刮", "question": "车牌号"}
                     ).headers["Location"]
    approve = li.get(url).get_data(as_text=True)
    assert "本环节依据" in approve and "业主车辆被刮" in approve and "车牌号" in approve
    assert "批准</button>" in approve
    li.post(f"{url}/approve", {"decision": "approve", "decision_note": "同意，仅告知车牌"})
    relay = zhang.get(url).get_data(as_text=True)
    assert "业主车辆被刮" in relay and "同意，仅告知车牌" in relay
