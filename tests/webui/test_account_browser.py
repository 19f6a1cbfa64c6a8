"""Chromium opens 我的账户 (issue 18): the signed-in person's unit is named from the staff row read
with the session (no read of every org unit), in Chinese. Screenshots go to ``KEFU_TEST_SHOTS``."""

from __future__ import annotations

import os
from pathlib import Path

from tests.webui.live import serve
from tests.webui.test_org_browser import _page


def test_the_account_page_names_the_persons_unit(chromium, app, services, tmp_path: Path) -> None:  # noqa: F811
    from playwright.sync_api import expect

    with serve(app) as url:
        page = _page(chromium, url, "wang.fang")
        page.goto(f"{url}/account")
        expect(page.locator("p.muted").first).to_contain_text("王芳")
        expect(page.locator("p.muted").first).to_contain_text("客服中心")
        folder = Path(os.environ.get("KEFU_TEST_SHOTS") or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / "i18-account-unit.png"), full_page=True)
