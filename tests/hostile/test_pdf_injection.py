"""Issue 13 item 4: the dispatch order's free text is printed as text, never read as ReportLab markup."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from PIL import Image

from engine.print_order import render_order_pdf
from engine.repair_orders import PrintableOrder
from tests.hostile.pdftext import pdf_streams, pdf_text

COPIES = tuple({"code": c, "name": n} for c, n in (("owner", "业主联"), ("finance", "财务联"),
                                                  ("cs", "客服部联"), ("eng", "工程部联")))


def squeeze(text: str) -> str:
    """Without white space: a long line wraps, and the space where it wraps is not drawn."""
    return re.sub(r"\s", "", text)


def server_png(tmp_path: Path) -> Path:
    path = tmp_path / "secret.png"
    Image.new("RGB", (8, 8), (255, 0, 0)).save(path)
    return path


def payloads(tmp_path: Path) -> dict[str, str]:
    return {
        "broken tag (was a 500)": '"><img src=x onerror=alert(1)>',
        "server file": f'<img src="{server_png(tmp_path)}"/>',
        "live link": '<a href="javascript:alert(document.cookie)">查看详情</a>',
    }


def order_with(text: str) -> PrintableOrder:
    order = SimpleNamespace(number="PG-SZP-2026-000001", case_number="BX-SZP-2026-000001",
                            issued_by="zhang.wei", issued_at=datetime(2026, 11, 23, 10, 5), content={})
    rows = (("派工单号", order.number), ("业主", f"李{text}"), ("维修项目", text),
            ("备注", f"{text}\n第二行 & <b>"))
    return PrintableOrder(order, COPIES, rows, order.issued_at)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["broken tag (was a 500)", "server file", "live link"])
def test_the_order_prints_markup_as_text(tmp_path, name):
    text = payloads(tmp_path)[name]
    body = render_order_pdf(order_with(text), f"深圳物业{text}")
    assert body.startswith(b"%PDF")
    assert len(re.findall(rb"/Type /Page\b", body)) == 4
    printed = squeeze(pdf_text(body))
    assert printed.count(squeeze(text)) == 4 * 4  # company, owner, items and note on every copy
    assert "第二行&<b>" in printed
    assert b"/Subtype /Image" not in body and b"/XObject" not in body  # no file from the server's disk
    assert b"/Annot" not in body and b"/URI" not in body and b"/Link" not in body  # no live link
    assert not any(b"javascript" in s for s in pdf_streams(body) if b"/URI" in s)


def test_the_order_pdf_route_prints_a_hostile_order(app, login, services, tmp_path):
    from tests.webui.test_repair_print import INTAKE

    if "repair" not in app.blueprints:
        from webui import repair

        repair.init_app(app)
    browser = login("zhang.wei")
    text = "".join(payloads(tmp_path).values())
    case = services.runtime.open_case("repair", {**INTAKE, "description": text}, "zhang.wei")
    task = next(t for t in case.tasks if t.task_name == "issue_order")
    browser.get(f"/cases/{case.number}")
    response = browser.post(f"/cases/{case.number}/tasks/{task.task_id}/complete",
                            {"_spec": "issue_order", "order_items": text, "order_note": text})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    pdf = browser.get(f"/repair/{case.number}/order.pdf")
    assert pdf.status_code == 200
    body = pdf.get_data()
    # the description, the items and the note on each of the four copies
    assert squeeze(pdf_text(body)).count(squeeze(text)) == 4 * 3
    assert b"/Subtype /Image" not in body and b"/URI" not in body
