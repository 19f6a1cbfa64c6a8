"""A survey campaign (R6.3) as an Excel workbook: its coverage, the visits, the households still to reach."""

from __future__ import annotations

from io import BytesIO
from typing import Any

from engine.campaigns import KIND_ZH, METHOD_ZH, Progress
from engine.spreadsheet import safe_row

__all__ = ["campaign_xlsx"]


def campaign_xlsx(
    progress: Progress, visits: list[dict[str, Any]], project_name: str, names: dict[str, str]
) -> bytes:
    """The workbook: 进度, 回访记录, 未回访住户."""
    from openpyxl import Workbook

    c = progress.campaign
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "进度"
    sheet.append([f"{project_name} {KIND_ZH[c.kind]} {c.starts_on}至{c.ends_on}"])
    for label, value in (
        ("应回访户数", progress.households),
        ("已回访户数", progress.reached),
        ("回访率", round(progress.coverage or 0, 4)),
        ("目标回访率", c.target_percent / 100),
        ("尚需回访户数", progress.needed),
        ("是否达标", "是" if progress.met else "否"),
    ):
        sheet.append([label, value])
    done = book.create_sheet("回访记录")
    done.append(
        ["房号", "业主", "方式", "满意度", "回访记录", "回访日期", "记录人", "第二签字人", "签字问卷"]
    )
    for v in visits:
        done.append(
            safe_row(
                [
                    v["room"],
                    v["owner_name"],
                    METHOD_ZH.get(v["method"], v["method"]),
                    v["satisfaction"] or "",
                    v["record"],
                    v["visited_on"].isoformat(),
                    names.get(v["recorded_by"], v["recorded_by"]),
                    names.get(v["second_signer"] or "", v["second_signer"] or ""),
                    v["file"] or "",
                ]
            )
        )
    left = book.create_sheet("未回访住户")
    left.append(["房号", "业主", "住户编号"])
    for h in progress.remaining:
        left.append(safe_row([h["room"], h["owner_name"], h["code"]]))
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
