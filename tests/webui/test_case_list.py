"""Find any case (issue 15): the list and search page, the Excel export, earlier cases, the API's filters."""

from __future__ import annotations

from io import BytesIO

from openpyxl import load_workbook

from tests.webui.conftest import open_complaint


def test_the_case_list_finds_a_closed_or_open_case_by_each_key(login) -> None:
    desk = login("wang.fang")
    first = open_complaint(desk, customer_name="张先生", customer_phone="13812345678", room="3-1-1202")
    second = open_complaint(desk, customer_name="李娜", customer_phone="13900005678")
    page = desk.get("/cases").get_data(as_text=True)
    assert "案件查询" in page and first in page and second in page and "138****5678" in page
    assert "13812345678" not in page  # phones masked in the list (R0.8)
    for query, found, absent in (("张先生", first, second), ("5678", first, second), ("1202", first, None),
                                 (first[-6:], first, second), ("天花板", first, None), ("张", first, second)):
        html = desk.get("/cases", query_string={"q": query}).get_data(as_text=True)
        assert found in html, query
        if absent and query != "5678":
            assert absent not in html, query
    both = desk.get("/cases", query_string={"q": "5678"}).get_data(as_text=True)
    assert first in both and second in both  # the last four digits of either phone


def _listed(browser, **args) -> str:  # type: ignore[no-untyped-def]
    """The list fragment (as htmx fetches it: no flash messages around it)."""
    response = browser.get("/cases", query_string=args, headers={"HX-Request": "true"})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def test_filters_and_the_htmx_fragment(login, services) -> None:
    desk = login("wang.fang")
    number = open_complaint(desk)
    html = _listed(desk, process="complaint", state="open", category="facilities")
    assert number in html and "<html" not in html
    assert number not in _listed(desk, process="repair")
    assert number not in _listed(desk, category="service")
    assert number not in _listed(desk, **{"from": "2026-11-24"})
    assert number in _listed(desk, **{"from": "2026-11-23", "to": "2026-11-23"})
    assert number not in _listed(desk, overdue="1")  # its first deadline is still ahead
    with services.store.read() as tx:
        holders = {t.assignee for t in tx.case_tasks(tx.find_case(number).id) if t.assignee}
    for login_name, name in services.staff_names().items():
        if login_name in holders:
            assert number in _listed(desk, assignee=name)
    assert number not in _listed(desk, assignee="李娜")  # holds no task of it


def test_bad_search_input_is_a_chinese_422_that_keeps_what_was_typed(login) -> None:
    desk = login("wang.fang")
    for args, text in (({"q": "8"}, "太短"), ({"from": "2026-02-30"}, "不是日期"),
                       ({"from": "2026-12-01", "to": "2026-11-01"}, "结束日期早于开始日期"),
                       ({"assignee": "没有这个人"}, "没有名为"), ({"process": "x"}, "没有这种案件类型")):
        response = desk.get("/cases", query_string=args)
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and text in html, args
        for key, value in args.items():
            assert key == "process" or f'value="{value}"' in html, args  # what was typed stays


def test_another_subsidiarys_staff_never_see_the_case(login) -> None:
    desk = login("wang.fang")
    number = open_complaint(desk, customer_name="张先生")
    foreign = login("fan.ming")
    assert number not in _listed(foreign)
    assert number not in _listed(foreign, q="张先生")
    assert "没有符合条件的案件" in _listed(foreign, q=number)
    export = foreign.get("/cases/export.xlsx", query_string={"q": number})
    assert export.status_code == 200 and export.headers["X-Kefu-Total"] == "0"
    assert foreign.get(f"/cases/{number}/earlier").status_code == 403
    group = login("zheng.xiaoyan")  # the group CS centre sees every subsidiary's cases
    assert number in _listed(group, q="张先生")


def test_the_export_is_an_excel_sheet_whose_typed_cells_are_never_formulas(login) -> None:
    desk = login("wang.fang")
    number = open_complaint(desk, customer_name="=HYPERLINK(\"http://evil\",\"x\")", room="+1-1202")
    response = desk.get("/cases/export.xlsx", query_string={"q": number})
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("案件编号", "类型", "投诉类别", "状态")
    assert rows[1][0] == number and rows[1][1] == "投诉" and rows[1][3] == "已受理"
    assert rows[1][4] == "'=HYPERLINK(\"http://evil\",\"x\")" and rows[1][6] == "'+1-1202"
    assert all(cell.data_type == "s" for cell in sheet[2] if cell.value is not None)


def test_intake_and_the_case_page_show_the_customers_and_the_households_earlier_cases(login) -> None:
    desk = login("wang.fang")
    first = open_complaint(desk, customer_phone="13812340000", room="5-2-803")
    html = desk.get("/cases/earlier", query_string={"customer_phone": "13812340000", "room": ""}).get_data(
        as_text=True)
    assert first in html and "同一客户" in html
    by_room = desk.get("/cases/earlier", query_string={"customer_phone": "", "room": "5-2-803"}).get_data(
        as_text=True)
    assert first in by_room and "同一房屋" in by_room
    second = open_complaint(desk, customer_phone="13812340000", room="5-2-803")
    on_page = desk.get(f"/cases/{second}/earlier").get_data(as_text=True)
    assert first in on_page and second not in on_page
    assert "earlier-slot" in desk.get(f"/cases/{second}").get_data(as_text=True)
    assert "earlier-slot" in desk.get("/cases/new").get_data(as_text=True)


def test_the_api_lists_with_the_same_filters(client, services, login) -> None:
    desk = login("wang.fang")
    number = open_complaint(desk, customer_name="张先生", customer_phone="13812345678")
    token = services.issue_token("wang.fang", "t")

    def get(query: str):  # type: ignore[no-untyped-def]
        return client.get(f"/api/v1/cases?{query}", headers={"Authorization": f"Bearer {token}"})

    body = get("q=5678&category=facilities&overdue=false").get_json()
    assert [c["number"] for c in body["items"]] == [number]
    assert body["items"][0]["customer_phone"] == "138****5678"
    assert get("q=8").status_code == 422
    assert get("overdue=maybe").status_code == 422
    assert get("assignee=nobody").get_json()["total"] == 0
    doc = client.get("/api/v1/openapi.json").get_json()
    names = {p["name"] for p in doc["paths"]["/cases"]["get"]["parameters"]}
    assert {"q", "category", "overdue", "assignee", "from", "to", "page"} <= names


def test_the_export_takes_time_in_proportion_to_its_rows(login, monkeypatch) -> None:
    """A 10,000-row export took 40 s in the request (docs/scaling.md item 57): each row found its cells
    through ``sheet.max_row``, which reads every cell written so far, and asked for the policy version
    in force to name its category. Three rows cost the same scans of the sheet and the same category
    look-ups as one."""
    from openpyxl.worksheet.worksheet import Worksheet

    from webui.services import Services

    counted: list[str] = []
    for name in ("max_row", "max_column"):
        size = getattr(Worksheet, name)
        monkeypatch.setattr(Worksheet, name,
                            property(lambda sheet, s=size, n=name: counted.append(n) or s.fget(sheet)))
    naming = Services.choice_name
    monkeypatch.setattr(Services, "choice_name", lambda *a: counted.append("choice_name") or naming(*a))
    desk = login("wang.fang")
    numbers = [open_complaint(desk) for _ in range(3)]
    counted.clear()
    one = desk.get("/cases/export.xlsx", query_string={"q": numbers[0]})
    for_one, counted[:] = list(counted), []
    three = desk.get("/cases/export.xlsx")
    assert one.headers["X-Kefu-Exported"] == "1" and int(three.headers["X-Kefu-Exported"]) >= 3
    assert counted == for_one and counted.count("choice_name") == 1
    sheet = load_workbook(BytesIO(three.data)).active
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row
               if cell.value is not None)
