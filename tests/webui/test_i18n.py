"""Translations: every message has a Chinese translation; the compiled catalogues are current."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "webui" / "translations"


def _catalog(lang: str):
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


def test_every_message_has_a_chinese_translation():
    template = {m.id for m in _catalog("zh") if m.id} | set()
    with open(TRANSLATIONS / "messages.pot", "rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    assert wanted <= template, f"run pybabel update: {sorted(wanted - template)[:5]}"
    missing = [m.id for m in _catalog("zh") if m.id and not m.string]
    assert not missing, f"untranslated: {missing[:5]}"


def test_compiled_catalogues_match_their_sources():
    """The .mo files the app reads hold exactly the .po files' translations (not a file-time check:
    a fresh clone's times say nothing)."""
    for lang in ("zh", "en"):
        po = {m.id: m.string for m in _catalog(lang) if m.id and m.string and not m.fuzzy}
        with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.mo", "rb") as fh:
            mo = {m.id: m.string for m in read_mo(fh) if m.id and m.string}
        changed = {k for k in po.keys() & mo.keys() if po[k] != mo[k]}
        stale = sorted(str(k) for k in (po.keys() ^ mo.keys()) | changed)
        assert not stale, f"run pybabel compile for {lang}: {stale[:5]}"


def test_pages_render_in_both_languages(login):
    browser = login("wang.fang")
    assert "我的任务" in browser.get("/inbox").get_data(as_text=True)
    browser.post("/lang/en", {"next": "/inbox"})
    assert "My tasks" in browser.get("/inbox").get_data(as_text=True)


def test_time_left_badges_and_task_titles_in_both_languages(app):
    from datetime import UTC, datetime

    from flask import session

    from webui.i18n import task_title, time_left

    due = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    expected = {
        "zh_CN": ('<span class="badge overdue" title="2026-11-23 10:00">超时 1天2小时</span>',
                  '<span class="badge warn" title="2026-11-23 10:00 · 按工作时间计">剩 1小时5分'
                  '<small class="wt">工时</small></span>',
                  '<span class="badge danger" title="2026-11-23 10:00">剩 25分钟</span>', "签发督办令"),
        "en": ('<span class="badge overdue" title="2026-11-23 10:00">Overdue 1 d 2 h</span>',
               '<span class="badge warn" title="2026-11-23 10:00 · working time">1 h 5 min left'
               '<small class="wt">WT</small></span>',
               '<span class="badge danger" title="2026-11-23 10:00">25 min left</span>', "sign the order"),
    }
    for language, (overdue, working, soon, title) in expected.items():
        with app.test_request_context():
            session["lang"] = language
            assert str(time_left(-(24 * 60 + 120), False, due)) == overdue
            assert str(time_left(65, True, due)) == working
            assert str(time_left(25, False, due)) == soon
            assert str(time_left(None, False, None)) == '<span class="badge none">—</span>'
            assert task_title("签发督办令 sign the order") == title
            assert task_title("plain title") == "plain title"


def test_a_page_looks_its_language_and_catalogue_up_once(login, monkeypatch):
    """A page's many ``_()`` and ``pick()`` ask Flask-Babel for the locale and the catalogue once per
    request (each lookup walks its request namespace); the next request asks again, so a switch of
    language shows on the next page."""
    import webui.i18n as i18n

    lookups: list[str] = []
    original = i18n.get_translations
    monkeypatch.setattr(i18n, "get_translations", lambda: lookups.append("catalogue") or original())
    browser = login("wang.fang")
    lookups.clear()
    page = browser.get("/inbox").get_data(as_text=True)
    assert "我的任务" in page and "待办" in page
    assert lookups == ["catalogue"]
    browser.post("/lang/en", {"next": "/inbox"})
    lookups.clear()
    page = browser.get("/inbox").get_data(as_text=True)
    assert "My tasks" in page and "我的任务" not in page
    assert lookups == ["catalogue"]
