"""The inbox: tabs with counts, claim/release over htmx, filters, search, sort, pages, time left."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.webui.conftest import open_complaint


def _task_id(services, number):
    return services.runtime.get_case(number, "zheng.xiaoyan").tasks[0].task_id


def test_new_complaint_waits_in_the_cs_desk_queue_of_its_project(login, services):
    wang = login("wang.fang")
    number = open_complaint(wang)
    html = wang.get("/inbox?view=queue").get_data(as_text=True)
    assert number in html and "录入督办令" in html and "领取" in html
    assert "138****8000" in html and "13800138000" not in html  # R0.8: phone masked in lists
    assert '我的任务 <span class="count">0</span>' in html
    assert '组内待领 <span class="count">1</span>' in html


def test_claim_over_htmx_returns_the_table_and_moves_the_task_to_mine(login, services):
    wang = login("wang.fang")
    number = open_complaint(wang)
    task = _task_id(services, number)
    response = wang.post(f"/tasks/{task}/claim", {"view": "queue"}, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html  # a fragment, no full page
    assert '我的任务 <span class="count">1</span>' in html
    assert number in wang.get("/inbox?view=mine").get_data(as_text=True)
    assert number not in login("zhang.wei").get("/inbox?view=queue").get_data(as_text=True)


def test_release_gives_the_task_back_to_the_queue(login, services):
    wang = login("wang.fang")
    number = open_complaint(wang)
    task = _task_id(services, number)
    wang.post(f"/tasks/{task}/claim")
    response = wang.post(f"/tasks/{task}/release", {"view": "mine"})
    assert response.status_code == 302
    assert number in login("zhang.wei").get("/inbox?view=queue").get_data(as_text=True)


def test_claiming_a_task_someone_else_claimed_is_a_conflict(login, services):
    wang, zhang = login("wang.fang"), login("zhang.wei")
    task = _task_id(services, open_complaint(wang))
    wang.post(f"/tasks/{task}/claim")
    response = zhang.post(f"/tasks/{task}/claim")
    assert response.status_code == 409
    assert "wang.fang" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", ["TS-SZP-2026-000002", "2单元801", "139123", "王女士"])
def test_search_by_number_room_phone_and_customer_name(login, query):
    wang = login("wang.fang")
    open_complaint(wang)
    second = open_complaint(wang, customer_name="王女士", customer_phone="13912345678", room="5栋2单元801")
    html = wang.get(f"/inbox?view=queue&q={query}").get_data(as_text=True)
    assert second in html and "TS-SZP-2026-000001" not in html


def test_category_filter_and_sort(login):
    wang = login("wang.fang")
    first = open_complaint(wang)
    second = open_complaint(wang, category="environment")
    only = wang.get("/inbox?view=queue&category=environment").get_data(as_text=True)
    assert second in only and first not in only
    newest = wang.get("/inbox?view=queue&sort=-number").get_data(as_text=True)
    assert newest.index(second) < newest.index(first)


def test_pages_of_25(login, services):
    wang = login("wang.fang")
    for i in range(27):
        services.runtime.open_case("complaint", {**_intake(), "room": f"{i}号"}, "wang.fang")
    page1 = wang.get("/inbox?view=queue").get_data(as_text=True)
    page2 = wang.get("/inbox?view=queue&page=2").get_data(as_text=True)
    assert "共 27 条" in page1 and "第 1 / 2 页" in page1 and page1.count('class="casenum"') == 25
    assert page2.count('class="casenum"') == 2
    bad = wang.get("/inbox?view=queue&page=x")  # a bad page number is refused with the reason (issue 13)
    assert bad.status_code == 422 and "页码：须为 1 到 100000 之间的整数" in bad.get_data(as_text=True)


def test_time_left_turns_red_when_overdue_and_the_overdue_tab_counts_it(login, clock):
    wang = login("wang.fang")
    open_complaint(wang)
    assert "剩 30分钟" in wang.get("/inbox?view=queue").get_data(as_text=True)
    clock.advance(timedelta(minutes=45))
    html = wang.get("/inbox?view=overdue").get_data(as_text=True)
    assert "超时 15分钟" in html and "row-overdue" in html
    assert "tab active alert" in html


def test_time_left_is_counted_in_working_time_during_working_hours(login, services, clock):
    wang = login("wang.fang")
    open_complaint(wang)
    clock.advance(timedelta(minutes=10))
    html = wang.get("/inbox?view=queue").get_data(as_text=True)
    assert "剩 20分钟" in html and "工时" in html


def test_all_tab_only_for_supervisors(login):
    wang = login("wang.fang")
    open_complaint(wang)
    assert "全部在办" not in wang.get("/inbox").get_data(as_text=True)
    assert wang.get("/inbox?view=all").status_code == 403
    supervisor = login("li.na").get("/inbox?view=all").get_data(as_text=True)
    assert "全部在办" in supervisor and "TS-SZP-2026-000001" in supervisor


def test_unknown_view_falls_back_to_my_tasks(login):
    html = login("wang.fang").get("/inbox?view=bogus").get_data(as_text=True)
    assert 'aria-selected="true" class="tab active' in html and "我的任务" in html


def _intake():
    from tests.webui.conftest import INTAKE

    return {k: v for k, v in INTAKE.items() if v != ""}


def test_the_inbox_never_lists_a_step_its_due_deadline_cancelled(login, services, clock):
    """Issue 18: the list fires no timers (the worker does); until the worker has run, it leaves out the
    step the adviser's interrupting 24-hour timer cancels, and the case page fires that case's timer."""
    from webui.demo import answer_for, visit_photo, worker_for

    number = open_complaint(login("wang.fang"), category="real_estate")
    runtime = services.runtime

    def complete(name, **extra):  # type: ignore[no-untyped-def]
        case = runtime.get_case(number, "zheng.xiaoyan")
        task = next(t for t in case.tasks if t.task_name == name)
        who = worker_for(services.store, task)
        if task.assignee is None:
            runtime.claim_task(task.task_id, who)
        form = runtime.registry.get("complaint").forms[name].describe(services.policy(case.subsidiary))
        if name == "visit_customer":
            visit_photo(runtime, number, who)  # R2.7: an agreed plan needs a photo of the visit
        runtime.complete_task(task.task_id, who, {**answer_for(name, form, clock.now()), **extra})

    complete("raise_order")
    complete("sign_order")
    complete("visit_customer", needs_expert=True)
    expert = login("gao.jianhua")
    assert "专业顾问书面答复" in expert.get("/inbox?view=queue").get_data(as_text=True)
    clock.advance(timedelta(hours=25))  # R2.17: no answer in 24 hours; no worker has run
    assert "专业顾问书面答复" not in expert.get("/inbox?view=queue").get_data(as_text=True)
    with services.store.read() as tx:  # the list fired nothing: the timer waits for the worker
        assert tx.due_cases(clock.now(), 10) == [tx.find_case(number).id]
    titles = [t.title for t in runtime.get_case(number, "zheng.xiaoyan").tasks]
    assert any("指定临时顾问" in t for t in titles), titles
