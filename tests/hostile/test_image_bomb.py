"""Issue 13 item 8: an uploaded photo's pixel count is capped (setting ``max_image_pixels``)."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from engine.errors import ConfigError
from engine.settings import Settings, load_settings
from tests.hostile.world import counts
from tests.webui.conftest import open_complaint


def png_header(width: int, height: int) -> bytes:
    """A PNG that claims ``width``×``height`` (a browser would allocate them) with one tiny IDAT."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(
        b"IEND", b"")


def photo(width: int, height: int, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 10, 10)).save(out, fmt)
    return out.getvalue()


def attach(browser, number: str, body: bytes, name: str = "p.png"):  # type: ignore[no-untyped-def]
    data = {"file": (io.BytesIO(body), name), "csrf_token": browser.token}
    return browser.client.post(f"/cases/{number}/attachments", data=data, content_type="multipart/form-data")


def test_a_20000_by_20000_png_is_refused_with_the_reason_in_chinese(login, services):
    browser = login("wang.fang")
    number = open_complaint(browser)
    response = attach(browser, number, png_header(20000, 20000))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "照片不能超过 50 百万像素（此图为 20000×20000）" in html
    assert counts(services, "attachments") == {"attachments": 0}


def test_the_api_refuses_it_too(client, services, login):
    number = open_complaint(login("wang.fang"))
    headers = {"Authorization": f"Bearer {services.issue_token('wang.fang', 'bomb')}"}
    response = client.post(f"/api/v1/cases/{number}/attachments", headers=headers,
                           data={"file": (io.BytesIO(png_header(20000, 20000)), "bomb.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "20000×20000" in response.get_json()["error"]["fields"]["file"]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_an_ordinary_photo_is_accepted_and_the_cap_is_the_setting(login, services, fmt):
    browser = login("wang.fang")
    number = open_complaint(browser)
    body = photo(120, 90, fmt)
    assert attach(browser, number, body, f"p.{fmt.lower()}").status_code == 302
    services.max_image_pixels = 100 * 80  # KEFU_MAX_IMAGE_PIXELS
    refused = attach(browser, number, body, f"q.{fmt.lower()}")
    assert refused.status_code == 422 and "此图为 120×90" in refused.get_data(as_text=True)


def test_the_setting_is_read_from_the_environment():
    assert Settings().max_image_pixels == 50_000_000
    assert load_settings({"KEFU_MAX_IMAGE_PIXELS": "24000000"}).max_image_pixels == 24_000_000
    with pytest.raises(ConfigError, match="KEFU_MAX_IMAGE_PIXELS"):
        load_settings({"KEFU_MAX_IMAGE_PIXELS": "lots"})
