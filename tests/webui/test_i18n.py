"""Translations: every message has a Chinese translation; the compiled catalogues are current."""

from __future__ import annotations

from pathlib import Path

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


def test_compiled_catalogues_are_newer_than_their_sources():
    for lang in ("zh", "en"):
        po = TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        assert mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime - 1, f"run pybabel compile for {lang}"


def test_pages_render_in_both_languages(login):
    browser = login("wang.fang")
    assert "我的任务" in browser.get("/inbox").get_data(as_text=True)
    browser.post("/lang/en", {"next": "/inbox"})
    assert "My tasks" in browser.get("/inbox").get_data(as_text=True)
