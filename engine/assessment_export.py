"""The assessment month as an Excel workbook for HR and finance (R8.1, 001 篇2 5.2 《员工违规处理情况汇总》).

Three sheets: 考核汇总 (each person's points, money and thresholds), 过失通知单 (every notice of the
month with its status after appeals) and 公布名单 (the public notice list). Money is yuan with two
decimals; every cell from people's text passes ``safe_row``.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from engine.assessment import STATUS_ZH
from engine.spreadsheet import safe_row

__all__ = ["STATEMENT_HEADER", "statement_rows", "statements_xlsx", "write_statements"]

STATEMENT_HEADER = ["员工", "登录名", "扣分", "通知单数", "扣分罚款（元）", "加罚（元）",
                    "由直属上司承担（元）", "承担下属连带责任（元）", "应扣合计（元）", "行政处分",
                    "建议开除", "公布张贴", "同一问题次数"]


def _yes(flag: bool) -> str:
    return "是" if flag else ""


def statement_rows(month: dict[str, Any]) -> list[list[Any]]:
    """The 考核汇总 rows of ``Assessment.unit_month``'s result (or a person's figures in a list)."""
    names = month["names"]
    rules = month["rules"]
    out = []
    for p in month["people"]:
        repeats = "、".join(f"{rules.issue_name(code)}×{n}" for code, n in p["repeats"].items())
        out.append(safe_row([names.get(p["person"], p["person"]), p["person"], p["points"], p["notices"],
                             float(p["point_fine"]), float(p["extra_fine"]),
                             float(p["shared_with_supervisor"]),
                             float(p["as_supervisor"]), float(p["total"]), _yes(p["sanction"]),
                             _yes(p["dismissal"]), _yes(p["published"]), repeats]))
    return out


def statements_xlsx(month: dict[str, Any], unit_name: str) -> bytes:
    """The workbook of a unit's month."""
    from openpyxl import Workbook

    names, rules = month["names"], month["rules"]
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "考核汇总"
    sheet.append([f"{unit_name} {month['month']} 员工服务质量考核汇总"])
    sheet.append(STATEMENT_HEADER)
    rows = statement_rows(month)
    for row in rows:
        sheet.append(row)
    sheet.append(["合计", "", sum(r[2] for r in rows), sum(r[3] for r in rows), "", "", "", "",
                  round(sum(r[8] for r in rows), 2)])
    notices = book.create_sheet("过失通知单")
    notices.append(["编号", "日期", "员工", "问题类别", "扣分", "原扣分", "直属上司", "经查实由上司连带",
                    "状态", "签发人", "违规事实"])
    for n in month["notices"]:
        notices.append(safe_row([n.id, n.occurred_on.isoformat(), names.get(n.person, n.person),
                                 rules.issue_name(n.issue), n.points, n.issued_points,
                                 names.get(n.supervisor, n.supervisor or ""), _yes(n.supervisor_liable),
                                 STATUS_ZH.get(n.status, n.status), names.get(n.issued_by, n.issued_by),
                                 n.text]))
    public = book.create_sheet("公布名单")
    public.append(["员工", "扣分", "同一问题次数"])
    for p in month["public"]:
        repeats = "、".join(f"{rules.issue_name(code)}×{n}" for code, n in p["repeats"].items())
        public.append(safe_row([names.get(p["person"], p["person"]), p["points"], repeats]))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_statements(month: dict[str, Any], unit_name: str, path: Path) -> Path:
    """Write the workbook to ``path`` (folders made); returns the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(statements_xlsx(month, unit_name))
    return path
