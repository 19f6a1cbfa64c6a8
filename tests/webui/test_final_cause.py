"""The final cause (R2.2) and the visit record (R2.7) on the case page: both categories, the change in
the timeline, the refusal without a photo in Chinese; the other subsidiary may not do the visit."""

from __future__ import annotations

from tests.webui.conftest import open_complaint
from webui.demo import visit_photo

VISIT = {"_spec": "visit_customer", "contact_result": "agreed", "visit_record": "已上门查看",
         "plan": "约谈当班保安并向客户致歉", "agreed_completion": "2026-11-25T17:00",
         "customer_confirmed_plan": "true", "plan_category": "attitude"}


def _at_visit(login, services) -> tuple[str, str]:
    """A complaint (房屋设备管理 at intake) whose order is signed; (number, the visit task's id)."""
    number = open_complaint(login("wang.fang"), category="facilities")
    runtime = services.runtime
    for login_name, form in (("wang.fang", {"order_summary": "请物业部上门", "required_completion":
                                            "2026-11-26T17:00:00+08:00"}),
                             ("lin.lihua", {"order_decision": "sign"})):
        task = runtime.get_case(number, login_name).tasks[0]
        runtime.claim_task(task.task_id, login_name)
        runtime.complete_task(task.task_id, login_name, form)
    visit = runtime.get_case(number, "yang.fan").tasks[0]
    assert visit.task_name == "visit_customer"
    runtime.claim_task(visit.task_id, "yang.fan")
    return number, visit.task_id


def test_a_plan_without_a_photo_is_refused_in_chinese_and_keeps_the_input(login, services):
    number, task = _at_visit(login, services)
    head = login("yang.fan")
    page = head.post(f"/cases/{number}/tasks/{task}/complete", VISIT)
    html = page.get_data(as_text=True)
    assert page.status_code in (200, 422)
    assert "还没有上传上门照片" in html and "约谈当班保安并向客户致歉" in html  # nothing typed is lost
    assert services.runtime.get_case(number, "yang.fan").tasks[0].task_name == "visit_customer"


def test_the_case_page_shows_the_final_cause_beside_the_intakes_and_the_change(login, services):
    number, task = _at_visit(login, services)
    visit_photo(services.runtime, number, "yang.fan")
    head = login("yang.fan")
    done = head.post(f"/cases/{number}/tasks/{task}/complete", VISIT)
    assert done.status_code == 302, done.get_data(as_text=True)[:800]
    html = login("li.na").get(f"/cases/{number}").get_data(as_text=True)
    assert "服务态度（受理时：房屋设备管理）（暂定，待核定）" in html
    assert "改定投诉原因分类" in html and "房屋设备管理 → 服务态度" in html
    assert "上门记录已核对（客户确认、照片）" in html
    assert "case.category_changed" not in html and "visit.recorded" not in html


def test_the_other_subsidiary_may_not_do_the_visit(login, services):
    number, task = _at_visit(login, services)
    visit_photo(services.runtime, number, "yang.fan")
    other = login("fan.ming")  # 华南区域 滨海湾's CS specialist: the other subsidiary
    response = other.post(f"/cases/{number}/tasks/{task}/complete", VISIT)
    assert response.status_code in (403, 404)
    case = services.runtime.get_case(number, "zheng.xiaoyan")
    assert case.category == "facilities" and case.tasks[0].task_name == "visit_customer"
