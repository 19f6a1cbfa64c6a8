"""R6.3 a phone return visit's record is signed by two people: the web and the API refuse the countersign
to whoever recorded the visit (claim and completion, with the reason), her inbox does not offer it, and the
other subsidiary's manager may not take it either."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import update

from engine.store.models import Staff
from tests.webui.conftest import PASSWORD, Browser
from webui.services import Services

REFUSED_ZH = "此环节须由另一人办理"


@pytest.fixture
def people(services: Services, login: Callable[[str], Browser]) -> Callable[[str], Browser]:
    """Sign in anyone of the demo org."""

    def sign_in(name: str) -> Browser:
        services.set_password(name, PASSWORD)
        return login(name)

    return sign_in


def recorded_by_li_na(services: Services) -> tuple[str, str]:
    """A return visit 李娜 received and recorded by phone: (case number, the countersign's task id)."""
    runtime = services.runtime
    data: dict[str, Any] = {"customer_name": "周先生", "customer_phone": "13912345678",
                            "room": "3栋1单元1202", "visit_subject": "报修的漏水是否已修好"}
    number = runtime.open_case("return_visit", data, "li.na").number
    [contact] = runtime.get_case(number, "li.na").tasks
    runtime.complete_task(contact.task_id, "li.na", {"reached": True, "attempt_note": "电话接通"})
    [record] = runtime.get_case(number, "li.na").tasks
    runtime.complete_task(record.task_id, "li.na", {
        "visit_method": "phone", "satisfaction": "satisfied", "return_visit_record": "致电业主，业主满意",
        "customer_agrees": True})
    [sign] = runtime.get_case(number, "li.na").tasks
    assert sign.task_name == "countersign_phone_record"
    return number, sign.task_id


def bearer(services: Services, login: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {services.issue_token(login, 'test')}"}


SIGN = {"task": "return_visit.countersign_phone_record", "data": {"countersign_confirmed": True}}


def test_the_recorder_is_refused_on_the_page_and_by_the_api_and_the_manager_signs(
        people: Callable[[str], Browser], services: Services, client: FlaskClient) -> None:
    number, task = recorded_by_li_na(services)
    li = people("li.na")
    claimed = li.post(f"/tasks/{task}/claim")
    assert claimed.status_code == 403 and REFUSED_ZH in claimed.get_data(as_text=True)
    completed = li.post(f"/cases/{number}/tasks/{task}/complete",
                        {"_spec": "countersign_phone_record", "countersign_confirmed": "true"})
    assert completed.status_code == 403 and REFUSED_ZH in completed.get_data(as_text=True)
    by_api = client.post(f"/api/v1/tasks/{task}/claim", headers=bearer(services, "li.na"))
    assert by_api.status_code == 403 and "did an earlier step of this case" in by_api.get_data(as_text=True)
    by_api = client.post(f"/api/v1/tasks/{task}/complete", headers=bearer(services, "li.na"), json=SIGN)
    assert by_api.status_code == 403 and "did an earlier step of this case" in by_api.get_data(as_text=True)
    # the case page tells her who may sign, not herself
    page = li.get(f"/cases/{number}").get_data(as_text=True)
    assert "已转上一级" in page and "只有已办理前一环节" in page

    # 华南区域's 客服经理 may not take 深圳物业's countersign, on the page or by the API
    feng = people("feng.tingting")
    assert feng.post(f"/tasks/{task}/claim").status_code == 403
    foreign = client.post(f"/api/v1/tasks/{task}/complete", headers=bearer(services, "feng.tingting"),
                          json=SIGN)
    assert foreign.status_code == 403 and number not in foreign.get_data(as_text=True)

    # 何静 (深圳物业's 客服经理) has it in her queue with a claim button, and signs
    he = people("he.jing")
    queue = he.get("/inbox?view=queue").get_data(as_text=True)
    row = queue.split(number, 1)[1].split("</tr>", 1)[0]
    assert f"/tasks/{task}/claim" in row and "无人可办" not in row
    # nor can she hand it to the recorder (转交), nor does the picker offer her
    transferred = he.post(f"/cases/{number}/tasks/{task}/transfer", {"to": "li.na", "reason": "请会签"})
    assert transferred.status_code == 422 and REFUSED_ZH in transferred.get_data(as_text=True)
    assert "li.na" not in [login for login, _name, _unit in services.transfer_candidates(
        services.actor("he.jing"), task)]
    assert client.post(f"/api/v1/tasks/{task}/complete", headers=bearer(services, "he.jing"),
                       json=SIGN).status_code == 200
    case = services.runtime.get_case(number, "li.na")
    assert case.status == "closed" and not case.tasks
    assert services.runtime.case_data(number, "li.na")["rv_signatures"] == 2


def test_her_inbox_does_not_offer_it_and_flags_it_when_nobody_else_may(
        people: Callable[[str], Browser], services: Services) -> None:
    """Nobody above her (深圳物业's 客服经理, 副总经理 and 总经理 gone): the countersign stays in 丽雅苑's
    客服主管 queue, whose only holder recorded the visit: no claim for her, 无人可办, nothing in her tasks."""
    with services.store.write() as tx:
        tx.session.execute(update(Staff).where(Staff.login.in_(["he.jing", "wu.jianping", "lin.lihua"]))
                           .values(active=False))
    number, task = recorded_by_li_na(services)
    li = people("li.na")
    queue = li.get("/inbox?view=queue").get_data(as_text=True)
    row = queue.split(number, 1)[1].split("</tr>", 1)[0]
    assert "无人可办" in row and "/claim" not in row
    assert number not in li.get("/inbox?view=mine").get_data(as_text=True)
    page = li.get(f"/cases/{number}").get_data(as_text=True)
    assert "无人可办" in page
    assert services.runtime.get_case(number, "li.na").tasks[0].assignee is None
