"""The monthly statistics as tables, as an Excel workbook and as a PDF in the group's format.

``sections(figures)`` turns the figures of ``engine.reports.monthly`` into titled tables with Chinese
headings and names (the web page, the workbook and the PDF all print these). Text from people (the
complaint's content and actions, unit and category names) is never trusted:

* in the workbook every text cell goes through ``engine.spreadsheet.safe_cell`` (a formula-like text
  gets a leading apostrophe) and is written as a string (``data_type = "s"``), so ``=HYPERLINK(…)``
  or ``+cmd|…`` typed into a complaint is shown as text and never evaluated as a formula;
* in the PDF every text is escaped before it reaches a ReportLab ``Paragraph`` (which reads markup:
  ``<img src>`` would embed a file of the server, ``<a href>`` make a link).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from engine.spreadsheet import safe_cell

__all__ = ["KIND_NAMES", "LEVEL_NAMES", "Chart", "Section", "monthly_charts", "report_pdf", "report_title",
           "report_xlsx", "sections", "tables_pdf", "tables_xlsx"]

KIND_NAMES = {"dispatch": "督办令签发（派单）", "visit": "上门沟通", "reply": "答复客户",
              "completion": "处理完成", "cooperation": "配合部门确认"}
LEVEL_NAMES = {"group": "集团", "subsidiary": "公司", "project": "项目"}


@dataclass(frozen=True)
class Section:
    """One titled table: a header row and rows of cells (text or numbers)."""

    title: str
    header: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    wide: bool = False  # long text columns (the list of complaints)


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def report_title(figures: dict[str, Any]) -> str:
    """E.g. ``深圳物业公司 2026年11月 客户投诉月度统计``."""
    year, month = figures["month"].split("-")
    return f"{figures['unit_name']} {year}年{int(month)}月 客户投诉月度统计"


def sections(figures: dict[str, Any]) -> list[Section]:
    """The report's tables in print order."""
    names = figures["names"]
    units, categories = names["units"], names["categories"]
    c = figures["complaints"]
    handling = figures["handling"]["average_working_hours"]
    visits = figures["return_visits"]
    out = [Section("一、投诉概况", ("项目", "数量"), (
        ("受理投诉", c["received"]), ("有效投诉（不含撤诉、合并的重复投诉）", c["valid"]),
        ("已结案", c["closed"]), ("未结案", c["open"]), ("无法解决（坏账）", c["unresolvable"]),
        ("平均处理时长（工作小时）", "-" if handling is None else handling),
        ("回访覆盖率", _percent(visits["coverage"])),
    ))]
    used = sorted({cat for per in c["by_project_category"].values() for cat in per})
    grid_rows = []
    for project, per in c["by_project_category"].items():
        grid_rows.append((units.get(project, project), *[per.get(cat, 0) for cat in used], sum(per.values())))
    grid_rows.append(("合计", *[c["by_category"].get(cat, 0) for cat in used], c["valid"]))
    out.append(Section("二、按项目及投诉类别（最终原因）",
                       ("项目", *[categories.get(x, x) for x in used], "合计"), tuple(grid_rows)))
    for title, key, table in (("三、按受理渠道", "by_channel", names["channels"]),
                              ("四、按紧急程度", "by_urgency", names["urgency"]),
                              ("五、按责任部门", "by_department", names["departments"])):
        out.append(Section(title, (title[2:].replace("按", ""), "数量"),
                           tuple((table.get(k, k), n) for k, n in c[key].items())))
    out.append(Section("六、按时完成率", ("时限", "到期", "按时", "超时", "按时率"), tuple(
        (KIND_NAMES.get(kind, kind), d["due"], d["on_time"], d["late"], _percent(d["rate"]))
        for kind, d in figures["deadlines"].items())))
    departments = names["departments"]
    out.append(Section("七、配合部门确认（按部门）", ("配合部门", "到期", "按时", "超时", "按时率"), tuple(
        (departments.get(code, code), d["due"], d["on_time"], d["late"], _percent(d["rate"]))
        for code, d in figures.get("cooperation_by_department", {}).items())))  # none in reports before 0026
    scale = names["satisfaction"]
    out.append(Section("八、回访与满意度", ("已结案", "已回访", "回访覆盖率", *scale.values()), (
        (visits["closed"], visits["visited"], _percent(visits["coverage"]),
         *[visits["satisfaction"].get(code, 0) for code in scale]),)))
    out.append(Section("九、报修与咨询", ("类型", "受理", "已结案", "未结案"), tuple(
        (label, figures[key]["received"], figures[key]["closed"], figures[key]["open"])
        for label, key in (("报修", "repairs"), ("咨询", "consultations")))))
    header = ("编号", "项目", "类别", "受理时间", "投诉内容", "整改措施", "是否结案")
    out.append(Section("十、投诉明细", header, tuple(
        (i["number"], units.get(i["project"], i["project"] or ""),
         categories.get(i["category"], i["category"] or ""),
         (i["received_at"] or "")[:16].replace("T", " "), i["content"], i["corrective"],
         ("已结案" if i["closed"] else "未结案") + ("" if i["valid"] else "（无效）"))
        for i in figures["items"]), wide=True))
    return out


def _heading(figures: dict[str, Any]) -> list[tuple[str, str]]:
    as_of = (figures["as_of"] or "")[:16].replace("T", " ")
    return [("单位", f"{figures['unit_name']}（{LEVEL_NAMES.get(figures['level'], figures['level'])}）"),
            ("月份", figures["month"]),
            ("统计截至", f"{as_of}（{'已结月' if figures['final'] else '本月进行中'}）")]


def report_xlsx(figures: dict[str, Any]) -> bytes:
    """The workbook: a summary sheet with every table and a sheet of the complaints; text stays text."""
    return tables_xlsx(report_title(figures), _heading(figures), sections(figures), "月度统计", "投诉明细")


def tables_xlsx(title: str, heading: list[tuple[str, str]], tables: list[Section], sheet_name: str,
                wide_name: str = "明细") -> bytes:
    """A workbook of titled tables: the title, the heading pairs, then each table on the first sheet
    (a ``wide`` table on a sheet of its own); every text cell is written as text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = sheet_name
    bold = Font(bold=True)

    def put(target: Any, row: tuple[Any, ...] | list[Any], strong: bool = False) -> None:
        target.append([None] * len(row))
        at = target.max_row
        for col, value in enumerate(row, start=1):
            cell = target.cell(row=at, column=col)
            if isinstance(value, str):
                cell.value = safe_cell(value)  # the project's one helper: a leading apostrophe
                cell.data_type = "s"  # and a text cell: never a formula, whatever the text starts with
            else:
                cell.value = value
            if strong:
                cell.font = bold
            cell.alignment = Alignment(wrap_text=True, vertical="top")

    put(sheet, (title,), strong=True)
    for label, value in heading:
        put(sheet, (label, value))
    for section in tables:
        target = sheet
        if section.wide:
            target = book.create_sheet(wide_name)
        else:
            put(sheet, ())
        put(target, (section.title,), strong=True)
        put(target, section.header, strong=True)
        for row in section.rows:
            put(target, row)
    for target in book.worksheets:
        target.column_dimensions["A"].width = 36 if target is sheet else 22
        for letter in "BCDEFG":
            target.column_dimensions[letter].width = 40 if target is not sheet and letter in "EF" else 14
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _text(value: object) -> str:
    """``value`` as Paragraph markup that draws exactly its characters: & < > escaped, lines kept."""
    text = "" if value is None else str(value)
    return "<br/>".join(escape(line) for line in text.splitlines()) if text else ""


def report_pdf(figures: dict[str, Any], group_name: str = "") -> bytes:
    """The PDF in the group's format: heading, unit, month, the charts, then every table."""
    return tables_pdf(report_title(figures), _heading(figures), sections(figures), group_name,
                      monthly_charts(figures))


def monthly_charts(figures: dict[str, Any]) -> list[Chart]:
    """The charts the printed month carries: causes, on-time rates, satisfaction."""
    names = figures["names"]
    c = figures["complaints"]
    causes = sorted(c["by_category"].items(), key=lambda kv: (-kv[1], kv[0]))
    visits = figures["return_visits"]["satisfaction"]
    return [
        Chart("投诉类别（最终原因）", [names["categories"].get(k, k) for k, _ in causes],
              [n for _, n in causes]),
        Chart("按时完成率（%）", [KIND_NAMES.get(k, k) for k in figures["deadlines"]],
              [round((d["rate"] or 0) * 100, 1) for d in figures["deadlines"].values()], percent=True),
        Chart("回访满意度", [names["satisfaction"].get(k, k) for k in visits], list(visits.values())),
    ]


@dataclass(frozen=True)
class Chart:
    """A bar chart the PDF draws: a title, the labels and their values."""

    title: str
    labels: list[str]
    values: list[float]
    percent: bool = False


def _drawing(chart: Chart, font: str, width: float) -> Any:
    """A ReportLab drawing of ``chart``: vertical bars with the value over each (labels escaped by
    being drawn as plain strings, never markup)."""
    from reportlab.graphics.charts.barcharts import VerticalBarChart
    from reportlab.graphics.shapes import Drawing, String
    from reportlab.lib import colors

    height = 150.0
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 12, chart.title, fontName=font, fontSize=10))
    if not chart.values or not any(chart.values):
        drawing.add(String(0, height - 40, "无数据", fontName=font, fontSize=9))
        return drawing
    bars = VerticalBarChart()
    bars.x, bars.y, bars.width, bars.height = 30, 34, width - 40, height - 60
    bars.data = [list(chart.values)]
    bars.categoryAxis.categoryNames = [label[:8] for label in chart.labels]
    bars.categoryAxis.labels.fontName = font
    bars.categoryAxis.labels.fontSize = 7
    bars.categoryAxis.labels.angle = 0 if len(chart.labels) <= 5 else 30
    bars.categoryAxis.labels.boxAnchor = "n" if len(chart.labels) <= 5 else "ne"
    bars.valueAxis.valueMin = 0
    bars.valueAxis.valueMax = 100 if chart.percent else max(chart.values) * 1.2
    bars.valueAxis.labels.fontSize = 7
    bars.bars[0].fillColor = colors.HexColor("#2f6fb0")
    bars.barLabelFormat = "%.1f" if chart.percent else "%d"
    bars.barLabels.fontSize = 7
    bars.barLabels.nudge = 6
    drawing.add(bars)
    return drawing


def tables_pdf(title_text: str, heading_pairs: list[tuple[str, str]], tables: list[Section],
               group_name: str = "", charts: list[Chart] | None = None) -> bytes:
    """A PDF in the group's format: the group's name, the title, the unit and period, the charts (two
    a row), then every table."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from engine.print_order import CHINESE_FONT, _font

    font = _font()
    assert font == CHINESE_FONT
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=20, alignment=1)
    heading = ParagraphStyle("heading", fontName=font, fontSize=11, leading=15, spaceBefore=6)
    cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=14 * mm,
                            bottomMargin=14 * mm, title=title_text, author=group_name or "kefu")
    story: list[object] = []
    if group_name:
        story.append(Paragraph(_text(group_name), heading))
    story.append(Paragraph(_text(title_text), title))
    story.append(Paragraph(_text("　".join(f"{k}：{v}" for k, v in heading_pairs)), cell))
    if charts:
        half = (doc.width - 6 * mm) / 2
        drawings = [_drawing(chart, font, half) for chart in charts]
        rows = [drawings[i:i + 2] + [""] * (2 - len(drawings[i:i + 2])) for i in range(0, len(drawings), 2)]
        story.append(Spacer(1, 3 * mm))
        story.append(Table(rows, colWidths=[half + 3 * mm, half + 3 * mm]))
    style = TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.black),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP")])
    for section in tables:
        story.append(Paragraph(_text(section.title), heading))
        data = [[Paragraph(_text(v), cell) for v in section.header]]
        data += [[Paragraph(_text(v), cell) for v in row] for row in section.rows]
        widths = None
        if section.wide and len(section.header) == 7:
            widths = [c * mm for c in (26, 18, 16, 20, 42, 42, 18)]
        table = Table(data, colWidths=widths, repeatRows=1)
        table.setStyle(style)
        story.append(table)
        story.append(Spacer(1, 2 * mm))
    doc.build(story)
    return buffer.getvalue()
