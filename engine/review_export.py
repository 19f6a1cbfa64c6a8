"""A review list or systemic analysis (R2.18) as an Excel workbook: its heading and sign-off, each
complaint with the reviewer's note, and the departments' tasks with their answers."""

from __future__ import annotations

from datetime import datetime
from io import BytesIO
from typing import Any

from engine.clock import local_minutes
from engine.labels import status_name
from engine.reviews import KINDS
from engine.spreadsheet import safe_row

__all__ = ["review_title", "review_xlsx"]

STATUS_ZH = {"open": "待签认", "signed": "已签认"}


def review_title(review: dict[str, Any], unit_name: str) -> str:
    """``深圳物业公司 遗留投诉周复盘 2026-W49``."""
    return f"{unit_name} {KINDS[review['kind']][2]} {review['period']}"


def _when(moment: Any, calendar: Any) -> str:
    return local_minutes(moment, calendar.tz) if moment is not None else ""


def review_xlsx(review: dict[str, Any], unit_name: str, names: dict[str, str],
                labels: dict[str, dict[str, str]], calendar: Any) -> bytes:
    """The workbook: 清单 (heading, complaints and notes) and, for the systemic analysis, 整改任务.
    ``labels``: the names of categories, departments and units; a complaint's status is named from
    :mod:`engine.labels` (已派单, not ``dispatched``), whoever writes the workbook."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "清单"
    sheet.append(safe_row([review_title(review, unit_name)]))
    sheet.append(safe_row(["截至", _when(review["occurrence_at"], calendar)]))
    by = names.get(review["generated_by"], review["generated_by"])
    sheet.append(safe_row(["生成", f"{by} {_when(review['generated_at'], calendar)}"]))
    signed = (f"{names.get(review['signed_by'] or '', review['signed_by'] or '')} "
              f"{_when(review['signed_at'], calendar)}") if review["signed_by"] else ""
    sheet.append(safe_row(["状态", STATUS_ZH.get(review["status"], review["status"]), signed]))
    sheet.append([])
    sheet.append(["序号", "投诉编号", "项目", "受理时间", "投诉性质", "投诉分类", "状态", "责任部门",
                  "投诉内容", "复盘意见", "填写人", "填写时间"])
    categories, departments, units = labels["categories"], labels["departments"], labels["units"]
    for item in review["items"]:
        data = item["data"]
        project, category = data.get("project") or "", data.get("category") or ""
        department, by = data.get("responsible_department") or "", item["noted_by"] or ""
        status = data.get("status") or ""
        sheet.append(safe_row([
            item["position"], item["case_number"], units.get(project, project),
            _when(datetime.fromisoformat(data["opened_at"]), calendar) if data.get("opened_at") else "",
            data.get("severity_name") or "",
            categories.get(category, category), status_name(status)["zh"] if status else "",
            departments.get(department, department), data.get("content") or "", item["note"] or "",
            names.get(by, by), _when(item["noted_at"], calendar)]))
    if review["kind"] == "systemic":
        tasks = book.create_sheet("整改任务")
        tasks.append(["责任部门", "投诉宗数", "投诉分类", "时限", "优化措施及整改方案", "提交人", "提交时间",
                      "是否逾期"])
        for task in review["tasks"]:
            counts = task["data"].get("categories", {})
            words = "、".join(f"{categories.get(c, c)}{n}宗" for c, n in sorted(counts.items()))
            late = task["answered_at"] is not None and task["answered_at"] > task["due_at"]
            tasks.append(safe_row([
                departments.get(task["department"], task["department"]), task["data"].get("count", 0), words,
                _when(task["due_at"], calendar), task["answer"] or "",
                names.get(task["answered_by"] or "", task["answered_by"] or ""),
                _when(task["answered_at"], calendar),
                "是" if late else ("" if task["answered_at"] is None else "否")]))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
