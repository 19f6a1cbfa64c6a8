"""The main menu in Chromium: every item of the longest menus (the group's organisation administrator,
the group CS manager, a project's CS supervisor) lies inside the viewport on a 390 px phone and at
1024–1920 px, in Chinese and in English; the menu wraps instead of clipping or scrolling sideways, and
every item is reached with the Tab key. ``KEFU_SHOTS=<dir>`` saves ``polish-nav-<login>-<width>.png``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.webui.browsing import signed_in
from tests.webui.conftest import PASSWORD
from tests.webui.live import serve

WIDTHS = (390, 1024, 1280, 1366, 1440, 1920)
PEOPLE = ("gu.yan", "zheng.xiaoyan", "li.na")  # group org admin, group CS manager, project CS supervisor

# Each menu item and each control of the user box, with how far it sticks out of the viewport or of
# the menu (0 when it fits), and whether the page scrolls sideways.
_MEASURE = """() => {
  const width = document.documentElement.clientWidth;
  const nav = document.querySelector('nav.mainnav');
  const items = [...nav.querySelectorAll('a'), ...document.querySelectorAll('.userbox a, .userbox button')];
  const out = items.map(el => {
    const box = el.getBoundingClientRect();
    return {text: el.textContent.trim(), left: box.left, right: box.right, width: box.width,
            height: box.height, visible: box.width > 0 && box.height > 0};
  });
  return {width, items: out, menu: nav.querySelectorAll('a').length,
          navOverflow: nav.scrollWidth - nav.clientWidth,
          pageOverflow: document.documentElement.scrollWidth - width};
}"""


def _login(chromium, url: str, who: str, width: int, locale: str):  # type: ignore[no-untyped-def]
    return signed_in(chromium, url, who, {"width": width, "height": 900}, locale=locale)


def _assert_fits(measured: dict, where: str) -> None:  # type: ignore[type-arg]
    assert measured["navOverflow"] <= 0, f"{where}: the menu scrolls sideways ({measured['navOverflow']}px)"
    assert measured["pageOverflow"] <= 0, f"{where}: the page scrolls sideways ({measured['pageOverflow']}px)"
    for item in measured["items"]:
        assert item["visible"], f"{where}: {item['text']} is not shown"
        assert item["left"] >= 0 and item["right"] <= measured["width"] + 0.5, (
            f"{where}: {item['text']} is clipped "
            f"({item['left']:.0f}–{item['right']:.0f} of {measured['width']})")


def test_every_menu_item_is_inside_the_viewport_at_every_width(chromium, app, services) -> None:
    menus: dict[str, int] = {}
    shots = os.environ.get("KEFU_SHOTS")
    with serve(app) as url:
        for who in PEOPLE:
            services.set_password(who, PASSWORD)
            for width in WIDTHS:
                context, page = _login(chromium, url, who, width, "zh-CN")
                measured = page.evaluate(_MEASURE)
                _assert_fits(measured, f"{who} at {width}px")
                menus[who] = measured["menu"]
                if shots and width in (390, 1280):
                    page.screenshot(path=str(Path(shots) / f"polish-nav-{who}-{width}.png"))
                context.close()
        most = max(menus, key=lambda who: menus[who])
        assert menus[most] >= 15, menus  # the administrator's and the managers' long menus are measured
        # In English the labels are longer: the longest menu still fits at 1280 px and on the phone.
        for width in (390, 1280):
            context, page = _login(chromium, url, most, width, "en-GB")
            page.click(".userbox button:has-text('English')")
            page.wait_for_load_state()
            measured = page.evaluate(_MEASURE)
            assert "Inbox" in [i["text"] for i in measured["items"]]
            _assert_fits(measured, f"{most} at {width}px in English")
            if shots:
                page.screenshot(path=str(Path(shots) / f"polish-nav-{most}-{width}-en.png"))
            context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_the_tab_key_reaches_every_menu_item_in_order(chromium, app, services, width: int) -> None:
    services.set_password("gu.yan", PASSWORD)
    with serve(app) as url:
        context, page = _login(chromium, url, "gu.yan", width, "zh-CN")
        expected = page.locator("nav.mainnav a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        reached = []
        for _ in range(len(expected) + 3):  # the name (brand link) comes first
            page.keyboard.press("Tab")
            href = page.evaluate("() => document.activeElement.closest('nav.mainnav') ? "
                                 "document.activeElement.getAttribute('href') : null")
            if href:
                reached.append(href)
        assert reached == expected
        context.close()
