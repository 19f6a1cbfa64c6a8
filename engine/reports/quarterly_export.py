"""The quarterly analysis and the year-end bad-debt analysis as titled tables, Excel and PDF."""

from __future__ import annotations

from typing import Any

from engine.reports.export import LEVEL_NAMES, Chart, Section, tables_pdf, tables_xlsx

__all__ = [
    "bad_debt_sections",
    "bad_debt_title",
    "bad_debt_xlsx",
    "quarterly_charts",
    "quarterly_pdf",
    "quarterly_sections",
    "quarterly_title",
    "quarterly_xlsx",
]


def _percent(rate: float | None) -> str:
    return "-" if rate is None else f"{rate * 100:.1f}%"


def _change(change: dict[str, Any]) -> str:
    sign = "+" if change["difference"] > 0 else ""
    rate = "" if change["rate"] is None else f"（{sign}{change['rate'] * 100:.1f}%）"
    return f"{sign}{change['difference']}{rate}"


def quarterly_title(figures: dict[str, Any]) -> str:
    """E.g. ``深圳物业公司 2026年第3季度 客户投诉分析``."""
    period = figures["period"]
    which = f"第{int(period[5:])}季度" if "Q" in period else f"第{int(period[5:])}期"
    return f"{figures['unit_name']} {period[:4]}年{which} 客户投诉分析"


def _heading(figures: dict[str, Any]) -> list[tuple[str, str]]:
    first, last = figures["months"]
    return [
        ("单位", f"{figures['unit_name']}（{LEVEL_NAMES.get(figures['level'], figures['level'])}）"),
        ("期间", f"{first} 至 {last}"),
        ("状态", "已结束" if figures["final"] else "进行中"),
    ]


def quarterly_sections(figures: dict[str, Any]) -> list[Section]:
    """Totals with the changes, the trend over the periods, the types, and the bad-debt figures."""
    t = figures["totals"]
    previous, last = figures["against_previous"], figures["against_last_year"]
    out = [
        Section(
            "一、投诉总量",
            ("项目", "本期", "较上期", "较去年同期"),
            tuple(
                (label, t[key], _change(previous[key]), _change(last[key]))
                for label, key in (
                    ("受理投诉", "received"),
                    ("有效投诉", "valid"),
                    ("无法解决（坏账）", "unresolvable"),
                )
            ),
        )
    ]
    rows = [
        (
            p["period"],
            p["received"],
            p["valid"],
            p["closed"],
            p["unresolvable"],
            _percent(p["completion_on_time_rate"]),
            _percent(p["satisfied_rate"]),
        )
        for p in figures["trend"]
    ]
    rows.append(
        (
            f"{figures['period']}（本期）",
            t["received"],
            t["valid"],
            t["closed"],
            t["unresolvable"],
            _percent(t["completion_on_time_rate"]),
            _percent(t["satisfied_rate"]),
        )
    )
    out.append(
        Section(
            "二、趋势（前四期及本期）",
            ("期间", "受理", "有效", "已结案", "无法解决", "按时完成率", "满意率"),
            tuple(rows),
        )
    )
    out.append(
        Section(
            "三、投诉类型（最终原因）",
            ("类别", "本期", "上期", "去年同期"),
            tuple((i["name"], i["count"], i["previous"], i["last_year"]) for i in figures["types"]),
        )
    )
    w = t["without_unresolvable"]
    out.append(
        Section(
            "四、含与不含无法解决投诉（坏账）",
            ("口径", "有效投诉", "已结案", "结案率"),
            (
                ("含无法解决", t["valid"], t["closed"], _percent(t["closure_rate"])),
                ("不含无法解决", w["valid"], w["closed"], _percent(w["closure_rate"])),
            ),
        )
    )
    return out


def quarterly_charts(figures: dict[str, Any]) -> list[Chart]:
    """The trend of valid complaints and the types, for the PDF."""
    periods = [*figures["trend"], {"period": figures["period"], **figures["totals"]}]
    return [
        Chart("有效投诉趋势", [p["period"] for p in periods], [p["valid"] for p in periods]),
        Chart(
            "投诉类型（本期）", [i["name"] for i in figures["types"]], [i["count"] for i in figures["types"]]
        ),
    ]


def quarterly_xlsx(figures: dict[str, Any]) -> bytes:
    """The analysis as an Excel workbook."""
    return tables_xlsx(quarterly_title(figures), _heading(figures), quarterly_sections(figures), "季度分析")


def quarterly_pdf(figures: dict[str, Any], group_name: str = "") -> bytes:
    """The analysis as a PDF in the group's format, with its charts."""
    return tables_pdf(
        quarterly_title(figures),
        _heading(figures),
        quarterly_sections(figures),
        group_name,
        quarterly_charts(figures),
    )


def bad_debt_title(figures: dict[str, Any]) -> str:
    """E.g. ``深圳物业公司 2026年度 无法解决投诉（坏账）专项分析``."""
    return f"{figures['unit_name']} {figures['year']}年度 无法解决投诉（坏账）专项分析"


def bad_debt_sections(figures: dict[str, Any]) -> list[Section]:
    """Both figures, the counts by project and cause, and the list."""
    names = figures["names"]
    w, wo = figures["with_unresolvable"], figures["without_unresolvable"]
    units, categories = names.get("units", {}), names.get("categories", {})
    return [
        Section(
            "一、含与不含无法解决投诉",
            ("口径", "有效投诉", "已结案", "结案率"),
            (
                ("含无法解决", w["valid"], w["closed"], _percent(w["closure_rate"])),
                ("不含无法解决（次年起不再计入）", wo["valid"], wo["closed"], _percent(wo["closure_rate"])),
            ),
        ),
        Section(
            "二、按项目",
            ("项目", "数量"),
            tuple((units.get(k, k), n) for k, n in figures["by_project"].items()),
        ),
        Section(
            "三、按投诉类别（最终原因）",
            ("类别", "数量"),
            tuple((categories.get(k, k), n) for k, n in figures["by_category"].items()),
        ),
        Section(
            "四、无法解决投诉明细",
            ("编号", "项目", "类别", "受理时间", "投诉内容", "处理情况", "结案时间"),
            tuple(
                (
                    i["number"],
                    units.get(i["project"], i["project"] or ""),
                    categories.get(i["category"], i["category"] or ""),
                    i["received_at"][:16].replace("T", " "),
                    i["content"],
                    i["corrective"],
                    i["closed_at"][:16].replace("T", " "),
                )
                for i in figures["items"]
            ),
            wide=True,
        ),
    ]


def bad_debt_xlsx(figures: dict[str, Any]) -> bytes:
    """The special analysis as an Excel workbook."""
    heading = [
        ("单位", figures["unit_name"]),
        ("年度", str(figures["year"])),
        ("无法解决投诉", str(figures["unresolvable"])),
    ]
    return tables_xlsx(
        bad_debt_title(figures), heading, bad_debt_sections(figures), "坏账专项分析", "无法解决投诉明细"
    )
