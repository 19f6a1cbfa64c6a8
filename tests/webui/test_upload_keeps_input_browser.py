"""Uploads never lose typed input (issue 15): a photo is uploaded with htmx while a task form is being
filled; a reload keeps the draft. Desktop and a 390 px phone, in Chromium."""

from __future__ import annotations

import pytest

from tests.webui.browsing import VIEWPORTS, signed_in
from tests.webui.live import serve


def _png() -> bytes:
    """A real one-pixel PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        check = struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        return struct.pack(">I", len(data)) + kind + data + check

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
            + chunk(b"IEND", b""))


CASE = {"customer_name": "刘先生", "customer_phone": "13800138000", "room": "3栋1单元1202",
        "description": "楼上漏水", "customer_request": "尽快维修", "channel": "phone",
        "category": "facilities",
        "urgency": "normal", "scope": "household", "severity": "general", "read_back_confirmed": True,
        "project": "sz-property-lyc"}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_photo_upload_keeps_what_was_typed(chromium, app, services, tmp_path, viewport):
    from playwright.sync_api import expect

    number = services.runtime.open_case("complaint", CASE, "wang.fang").number
    tasks = services.runtime.get_case(number, "wang.fang").tasks
    task = next(t for t in tasks if t.task_name == "raise_order")
    services.runtime.claim_task(task.task_id, "wang.fang")
    photo = tmp_path / "leak.png"
    photo.write_bytes(_png())
    with serve(app) as url:
        context, page = signed_in(chromium, url, "wang.fang", viewport)
        page.goto(f"{url}/cases/{number}")
        page.fill("textarea[name=order_summary]", "请物业部1小时内上门，注意楼上防水层")
        page.set_input_files("form.upload input[type=file][capture]", str(photo))
        expect(page.locator("#attachments .files")).to_contain_text("leak.png")
        assert page.input_value("textarea[name=order_summary]") == "请物业部1小时内上门，注意楼上防水层"
        page.reload()  # even a reload keeps the draft of the form
        assert page.input_value("textarea[name=order_summary]") == "请物业部1小时内上门，注意楼上防水层"
        expect(page.locator("#attachments .files")).to_contain_text("leak.png")
        context.close()
