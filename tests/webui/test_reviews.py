"""The 复盘 pages and API (R2.18): a manager generates the week's list, the reviewer notes each complaint
and signs it off, the Excel carries the notes; a department head answers its systemic task from the
inbox; every route refused to the other subsidiary with nothing written."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from engine.reviews import Reviews
from engine.store.review_repo import ReviewRepo
from tests.conftest import shanghai
from tests.webui.conftest import INTAKE

_COMPLAINT = {k: v for k, v in INTAKE.items() if v != ""} | {"read_back_confirmed": True}


@pytest.fixture(autouse=True)
def _setup(services):
    from tests.webui.conftest import PASSWORD

    for login in ("he.jing", "feng.tingting", "han.xue", "ma.xiaoli", "cai.wen"):
        services.set_password(login, PASSWORD)


def _list(services) -> dict:
    """A complaint on Monday 10:00, and the week after's list (W49) generated on Tuesday."""
    services.runtime.open_case("complaint", dict(_COMPLAINT), "wang.fang")
    services.clock.advance(timedelta(days=8))
    return Reviews(services.store, services.clock, services.policies).generate("he.jing", "leftover")


def _systemic_task(services) -> int:
    with services.store.write() as tx:
        repo = ReviewRepo(tx)
        review = repo.add({"kind": "systemic", "unit": "sz-property", "period": "2026Q3",
                           "occurrence_at": shanghai("2026-10-08 09:00"), "reviewer_role": None,
                           "generated_by": "worker", "generated_at": shanghai("2026-10-08 09:00"),
                           "status": "open", "signed_by": None, "signed_at": None,
                           "summary": {"from": "2026-07-01", "to": "2026-09-30",
                                       "departments": {"finance": 1}}}, [])
        assert review is not None
        return repo.add_task({"review_id": review, "subsidiary": "sz-property", "department": "finance",
                              "candidate_group": "department_head@sz-property-finance",
                              "opened_at": shanghai("2026-10-08 09:00"),
                              "due_at": shanghai("2026-12-23 09:00"),
                              "data": {"period": "2026Q3", "count": 1, "categories": {"billing": 1}},
                              "answer": None, "answered_by": None, "answered_at": None})


def test_the_reviewer_notes_each_complaint_signs_off_and_downloads_the_excel(login, services):
    services.runtime.open_case("complaint", dict(_COMPLAINT), "wang.fang")
    services.clock.advance(timedelta(days=8))
    he = login("he.jing")
    page = he.get("/reviews").get_data(as_text=True)
    assert "生成本期复盘清单" in page and "复盘" in page
    made = he.post("/reviews", {"kind": "leftover", "unit": "sz-property"})
    assert made.status_code == 302
    url = made.headers["Location"]
    assert "签认清单" not in he.get(url).get_data(as_text=True)  # the CS manager reads, the GM signs
    lin = login("lin.lihua")
    page = lin.get(url).get_data(as_text=True)
    assert "深圳物业公司 遗留投诉周复盘 2026-W49" in page and "签认清单" in page
    review_id = int(url.rsplit("/", 1)[1])
    with services.store.read() as tx:
        [item] = ReviewRepo(tx).items(review_id)
    refused = lin.post(f"{url}/sign")
    assert refused.status_code == 409 and "还有1宗投诉未填写复盘意见" in refused.get_data(as_text=True)
    blank = lin.post(f"{url}/items/{item['id']}", {"note": "  "})
    assert blank.status_code == 422 and "请填写复盘意见" in blank.get_data(as_text=True)
    assert lin.post(f"{url}/items/{item['id']}", {"note": "物业部周五前完成维修"}).status_code == 302
    assert lin.post(f"{url}/sign").status_code == 302
    page = lin.get(url).get_data(as_text=True)
    assert "已签认" in page and "已冻结" in page and "物业部周五前完成维修" in page
    assert lin.post(f"{url}/items/{item['id']}", {"note": "改"}).status_code == 409
    book = load_workbook(BytesIO(lin.get(f"{url}.xlsx").data))
    rows = list(book["清单"].iter_rows(values_only=True))
    assert rows[0][0] == "深圳物业公司 遗留投诉周复盘 2026-W49" and rows[3][1] == "已签认"
    assert rows[6][1] == item["case_number"] and rows[6][9] == "物业部周五前完成维修"


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [("get", "/reviews/{id}", None), ("get", "/reviews/{id}.xlsx", None),
     ("post", "/reviews/{id}/items/{item}", {"note": "越权"}), ("post", "/reviews/{id}/sign", {}),
     ("post", "/reviews", {"kind": "major", "unit": "sz-property"})])
@pytest.mark.parametrize("who", ["han.xue", "feng.tingting", "fan.ming"])
def test_the_other_subsidiary_gets_403_and_nothing_changes(login, services, method, path, data, who):
    made = _list(services)
    with services.store.read() as tx:
        [item] = ReviewRepo(tx).items(made["id"])
    other = login(who)
    url = path.format(id=made["id"], item=item["id"])
    response = other.get(url) if method == "get" else other.post(url, data)
    assert response.status_code == 403
    with services.store.read() as tx:
        repo = ReviewRepo(tx)
        assert [r["id"] for r in repo.reviews(unit="sz-property")] == [made["id"]]
        assert repo.items(made["id"])[0]["note"] is None and repo.review(made["id"])["status"] == "open"
    assert "sz-property" not in other.get("/reviews").get_data(as_text=True)


def test_a_department_head_answers_its_systemic_task_from_the_inbox(login, services):
    task = _systemic_task(services)
    ma = login("ma.xiaoli")
    inbox = ma.get("/inbox").get_data(as_text=True)
    assert "系统性问题整改任务" in inbox and f"/reviews/tasks/{task}" in inbox
    cai = login("cai.wen")  # 华南区域's finance head
    assert cai.get(f"/reviews/tasks/{task}").status_code == 403
    assert cai.post(f"/reviews/tasks/{task}", {"answer": "越权"}).status_code == 403
    assert "系统性问题整改任务" not in cai.get("/inbox").get_data(as_text=True)
    bad = ma.post(f"/reviews/tasks/{task}", {"answer": ""})
    assert bad.status_code == 422 and "请填写优化措施及整改方案" in bad.get_data(as_text=True)
    assert ma.post(f"/reviews/tasks/{task}", {"answer": "统一收费单据"}).status_code == 302
    assert "统一收费单据" in ma.get(f"/reviews/tasks/{task}").get_data(as_text=True)
    assert ma.post(f"/reviews/tasks/{task}", {"answer": "再答"}).status_code == 409
    assert "系统性问题整改任务" not in ma.get("/inbox").get_data(as_text=True)


def _api(app, services, login: str):
    token = services.issue_token(login, "reviews")
    client = app.test_client()

    def call(method: str, url: str, **kw):  # type: ignore[no-untyped-def]
        return client.open(url, method=method, headers={"Authorization": f"Bearer {token}"}, **kw)

    return call


def test_the_api_generates_notes_signs_and_refuses_the_other_subsidiary(app, services):
    services.runtime.open_case("complaint", dict(_COMPLAINT), "wang.fang")
    services.clock.advance(timedelta(days=8))
    he, lin, han = (_api(app, services, who) for who in ("he.jing", "lin.lihua", "han.xue"))
    made = he("POST", "/api/v1/reviews", json={"kind": "leftover", "unit": "sz-property"})
    assert made.status_code == 201
    body = made.get_json()
    assert (body["period"], len(body["items"])) == ("2026-W49", 1)
    item = body["items"][0]["id"]
    assert han("GET", f"/api/v1/reviews/{body['id']}").status_code == 403
    note = f"/api/v1/reviews/{body['id']}/items/{item}/note"
    assert han("POST", note, json={"note": "x"}).status_code == 403
    assert han("POST", "/api/v1/reviews", json={"kind": "major", "unit": "sz-property"}).status_code == 403
    assert han("GET", "/api/v1/reviews?unit=sz-property").status_code == 200
    assert han("GET", "/api/v1/reviews?unit=sz-property").get_json()["items"] == []
    assert lin("POST", f"/api/v1/reviews/{body['id']}/sign").status_code == 409
    assert lin("POST", note, json={"note": "已安排"}).status_code == 200
    signed = lin("POST", f"/api/v1/reviews/{body['id']}/sign")
    assert signed.status_code == 200 and signed.get_json()["status"] == "signed"
    assert he("GET", "/api/v1/reviews?kind=leftover").get_json()["items"][0]["noted"] == 1
    assert he("GET", "/api/v1/reviews/99999999999999999999").status_code == 404
    assert he("POST", "/api/v1/reviews", json={"kind": "systemic"}).status_code == 422
    task = _systemic_task(services)
    ma, cai = (_api(app, services, who) for who in ("ma.xiaoli", "cai.wen"))
    assert cai("POST", f"/api/v1/reviews/tasks/{task}/answer", json={"answer": "x"}).status_code == 403
    answered = ma("POST", f"/api/v1/reviews/tasks/{task}/answer", json={"answer": "统一收费单据"})
    assert answered.status_code == 200 and answered.get_json()["answered_by"] == "ma.xiaoli"


def test_a_systemic_task_of_a_department_nobody_heads_is_flagged_on_the_analysis(login, services):
    task = _systemic_task(services)
    with services.store.engine.begin() as conn:
        review = conn.execute(text("SELECT review_id FROM review_tasks WHERE id = :t"), {"t": task}).scalar()
    page = login("he.jing").get(f"/reviews/{review}").get_data(as_text=True)
    assert "无人可办" not in page  # 马晓丽 heads 财务部
    with services.store.engine.begin() as conn:  # she leaves: nobody can answer 财务部's task
        conn.execute(text("UPDATE staff SET active = :no WHERE login = 'ma.xiaoli'"), {"no": False})
    page = login("he.jing").get(f"/reviews/{review}").get_data(as_text=True)
    assert ">无人可办</span>" in page


def test_a_bad_list_form_comes_back_with_the_error(login):
    he = login("he.jing")
    bad = he.post("/reviews", {"kind": "monthly", "unit": "sz-property"})
    assert bad.status_code == 422 and "请选择复盘类型" in bad.get_data(as_text=True)
