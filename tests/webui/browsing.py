"""Browser-test helpers: the usual viewports, signing in, and a fresh signed-in page (Playwright)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.webui.conftest import PASSWORD

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def sign_in(page: Any, url: str, login: str) -> None:
    """Sign ``login`` in on the login page of ``url`` and wait for the inbox."""
    page.goto(f"{url}/login")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button.primary")
    page.wait_for_url("**/inbox")


def signed_in(chromium: Any, url: str, login: str, viewport: str | dict[str, int] = "desktop", *,
              locale: str = "zh-CN", timeout: int = 15000, **options: Any) -> tuple[Any, Any]:
    """(context, page): a new browser context (``viewport`` by name or size, ``locale``, other context
    ``options``) whose page has ``login`` signed in, waiting at most ``timeout`` ms for anything."""
    size = VIEWPORTS[viewport] if isinstance(viewport, str) else viewport
    context = chromium.new_context(viewport=size, locale=locale, **options)
    page = context.new_page()
    page.set_default_timeout(timeout)
    sign_in(page, url, login)
    return context, page


def seen_on_diagram(page: Any, script: str, shot: str | None = None) -> Any:
    """Wait for the case page's diagram to be drawn, scroll to it and return what ``script`` (a JS
    function) reads off it; with ``KEFU_SHOTS=<dir>`` also save the diagram's card as ``shot``."""
    from playwright.sync_api import expect

    expect(page.locator("#diagram.ready")).to_be_visible()
    page.locator("#diagram").scroll_into_view_if_needed()
    seen = page.evaluate(script)
    shots = os.environ.get("KEFU_SHOTS")
    if shots and shot:
        page.locator("#diagram-card").screenshot(path=str(Path(shots) / shot))
    return seen
