"""Chromium drives the policy editor (issue 17): 深圳物业's policy editor tries 48 hours for the consultation
reply and sees the bound violation on its line (and cannot submit), writes 12 hours instead and simulates
it (the consultation's deadline moves from 24 to 12 hours), the group's reviewer approves, the editor
publishes with an effective time; a case opened before it keeps 24 hours, one opened after gets 12 — on
a desktop and on a 390 px phone."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import shanghai
from tests.webui.browsing import signed_in
from tests.webui.live import serve

SHOTS = os.environ.get("KEFU_TEST_SHOTS", "")  # a folder: keep the screenshots there to look at them
QUESTION = {"customer_name": "陈先生", "customer_phone": "13711112222", "room": "2栋1单元502",
            "channel": "phone", "question": "阳台可以封闭吗？"}


def _shot(page, name: str, focus: str | None = None) -> None:  # type: ignore[no-untyped-def]
    """Keep a screenshot of the window (scrolled to ``focus``) when KEFU_TEST_SHOTS names a folder."""
    if SHOTS and Path(SHOTS).is_dir():
        if focus:
            page.locator(focus).first.scroll_into_view_if_needed()
        page.screenshot(path=str(Path(SHOTS) / f"policy-{name}.png"))


def _page(chromium, url: str, login: str, width: int):  # type: ignore[no-untyped-def]
    return signed_in(chromium, url, login, {"width": width, "height": 900}, timeout=20000)[1]


def _replace_text(page, text: str) -> None:  # type: ignore[no-untyped-def]
    """Select everything in the code editor and type ``text`` over it."""
    page.click(".cm-content")
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def _due(services, clock, at: str):  # type: ignore[no-untyped-def]
    clock.set(shanghai(at))
    case = services.runtime.open_case("consultation", QUESTION, "zhang.wei")
    return next(t.due_at for t in case.tasks if t.task_name == "ask_expert")


@pytest.mark.parametrize("width", [1280, 390])
def test_an_editor_sees_48_hours_refused_on_its_line_then_publishes_12_hours(chromium, app, services, clock,
                                                                              width):
    from playwright.sync_api import expect

    with serve(app) as url:
        editor = _page(chromium, url, "song.yu", width)
        editor.goto(f"{url}/policies")
        editor.click("a:has-text('深圳物业公司')")
        expect(editor.locator("#diff")).to_contain_text("24小时")
        _shot(editor, f"unit-{width}")
        _shot(editor, f"unit-chapter-{width}", "li.changed")
        editor.click("button:has-text('起草修改')")
        expect(editor.locator(".cm-content")).to_contain_text("reply: 24 hours")
        original = editor.locator("#policy-text").input_value()

        _replace_text(editor, original.replace("reply: 24 hours", "reply: 48 hours"))
        finding = editor.locator("#findings-list li[data-line='8']")
        expect(finding).to_contain_text("第8行")
        expect(finding).to_contain_text("48小时长于集团规定的上限 24小时")
        expect(editor.locator("#check-status")).to_contain_text("发现 1 处问题")
        expect(editor.locator(".cm-lintRange-error")).to_have_count(1)
        _shot(editor, f"bound-{width}", ".cm-lintRange-error")
        _shot(editor, f"bound-findings-{width}", "#findings-list")
        editor.click("#save-draft")
        editor.click("#submit-draft")
        expect(editor.locator(".flash.error")).to_contain_text("不能提交审核")
        expect(editor.locator("#draft-status")).to_have_text("草稿")

        _replace_text(editor, original.replace("reply: 24 hours", "reply: 12 hours"))
        expect(editor.locator("#check-status")).to_contain_text("检查通过")
        editor.click("#save-draft")
        buttons = editor.locator(".simulate-draft button")
        expect(buttons).to_have_count(5)  # every process with a script, each whole on the screen
        for box in (buttons.nth(i).bounding_box() for i in range(5)):
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
        assert editor.evaluate("document.documentElement.scrollWidth") <= width
        _shot(editor, f"simulate-buttons-{width}", ".simulate-draft")
        if width > 400:  # the draft's simulation: a consultation received now (10:00) under both rules
            draft_page = editor.url
            editor.click("#simulate-consultation")
            expect(editor.locator("body")).to_contain_text("变化")
            expect(editor.locator("body")).to_contain_text("2026-11-23 22:00")  # 12 hours under the draft
            _shot(editor, "simulate-1280", "text=变化")
            editor.goto(draft_page)
        editor.click("#submit-draft")
        expect(editor.locator("#draft-status")).to_have_text("待审核")
        draft_url = editor.url

        reviewer = _page(chromium, url, "lv.qing", width)
        reviewer.goto(draft_url)
        expect(reviewer.locator("pre.diff")).to_contain_text("+  reply: 12 hours")
        _shot(reviewer, f"review-{width}")
        _shot(reviewer, f"review-diff-{width}", "pre.diff")
        reviewer.click("button:has-text('审核通过')")
        expect(reviewer.locator("#draft-status")).to_have_text("已审核待发布")

        editor.goto(draft_url)
        editor.fill("#effective-at", "2026-11-23T11:00")
        _shot(editor, f"publish-{width}", "#effective-at")
        editor.click("#publish-draft")
        expect(editor.locator("#draft-status")).to_have_text("已发布")
        expect(editor.locator("p.muted").first).to_contain_text("生效时间：2026-11-23 11:00")

    assert _due(services, clock, "2026-11-23 10:59") == shanghai("2026-11-24 10:59")  # before: 24 hours
    assert _due(services, clock, "2026-11-23 11:00") == shanghai("2026-11-23 23:00")  # after: 12 hours
    assert re.fullmatch(r"\d+", draft_url.rsplit("/", 1)[1])
