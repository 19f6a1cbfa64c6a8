"""The rankings (R7.2) as titled tables and as an Excel workbook (text cells stay text)."""

from __future__ import annotations

import io
from typing import Any

from engine.reports.export import LEVEL_NAMES, Section
from engine.spreadsheet import safe_cell

__all__ = ["ranking_sections", "ranking_title", "ranking_xlsx"]


def ranking_title(figures: dict[str, Any]) -> str:
    """E.g. ``华锦集团 2026年11月 投诉处理综合排名``."""
    year, month = figures["month"].split("-")
    return f"{figures['unit_name']} {year}年{int(month)}月 投诉处理综合排名"


def _value(value: Any) -> Any:
    return "-" if value is None else value


def ranking_sections(figures: dict[str, Any]) -> list[Section]:
    """The rankings' tables in print order: companies (group only), projects, specialists."""
    weights = "、".join(f"{m['name']}{m['weight']}%" for m in figures["metrics"])
    efficiency = f"处理效率（%，{figures['efficiency_hours']}工作小时内结案）"
    header = ("名次", "单位", "有效投诉", "按时完成率（%）", efficiency, "客户满意度（分）", "综合得分")

    def units(items: list[dict[str, Any]]) -> tuple[tuple[Any, ...], ...]:
        return tuple((_value(i["rank"]) if i["rank"] is not None else "不排名", i["name"], i["valid"],
                      _value(i["on_time_rate"]), _value(i["efficiency"]), _value(i["satisfaction"]),
                      _value(i["score"])) for i in items)

    out = []
    if figures["level"] == "group":
        out.append(Section(f"一、公司综合排名（权重：{weights}）", header, units(figures["companies"])))
    out.append(Section(f"{'二' if out else '一'}、项目综合排名（权重：{weights}）", header,
                       units(figures["projects"])))
    rule = figures["specialist_rule"]
    out.append(Section(
        f"{'三' if len(out) == 2 else '二'}、客服专员客户满意度排名"
        f"（连续{rule['months']}个月倒数后{rule['bottom']}名"
        f"予以经济处罚{rule['penalty']}元）",
        ("名次", "姓名", "评价宗数", "满意度评分", "倒数后列", "连续月数", "处罚"),
        tuple((s["rank"], s["name"], s["rated"], s["rating"], "是" if s["bottom"] else "",
               s["bottom_months"] or "", "已标记" if s["flagged"] else "") for s in figures["specialists"])))
    return out


def ranking_xlsx(figures: dict[str, Any]) -> bytes:
    """One sheet: the title, the unit and month, then every table."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "综合排名"
    bold = Font(bold=True)

    def put(row: tuple[Any, ...], strong: bool = False) -> None:
        sheet.append([None] * len(row))
        at = sheet.max_row
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=at, column=col)
            if isinstance(value, str):
                cell.value = safe_cell(value)
                cell.data_type = "s"
            else:
                cell.value = value
            if strong:
                cell.font = bold

    put((ranking_title(figures),), strong=True)
    put(("单位", f"{figures['unit_name']}（{LEVEL_NAMES.get(figures['level'], figures['level'])}）"))
    put(("月份", f"{figures['month']}（{'已结月' if figures['final'] else '本月进行中'}）"))
    for section in ranking_sections(figures):
        put(())
        put((section.title,), strong=True)
        put(section.header, strong=True)
        for row in section.rows:
            put(row)
    for letter, width in zip("ABCDEFG", (10, 24, 12, 14, 22, 14, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
