"""What a page builds once per process (issue 18): the header's menu and the frame's fixed links, and the
case timeline's words, are not built again on every page; the menu still marks the page shown and
follows the reader's roles and language."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask

from tests.webui.conftest import open_complaint

NAV_AND_FRAME = {"case_list.index", "faq.index", "archives.index", "policies.index", "contacts.index",
                 "simulation.index", "campaigns.index", "assessment.index", "account.show", "auth.logout",
                 "auth.set_language"}


@contextmanager
def built(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[Any]]]:
    """The endpoints ``url_for`` builds and the texts ``_()`` translates while the block runs."""
    import webui.i18n as i18n

    seen: dict[str, list[Any]] = {"urls": [], "texts": []}
    url_for = app.url_for

    def counting_url_for(endpoint: str, **values: Any) -> str:
        seen["urls"].append(endpoint)
        return url_for(endpoint, **values)

    class Catalogue:
        def __init__(self, translations: Any) -> None:
            self.translations = translations

        def ugettext(self, text: str) -> str:
            seen["texts"].append(text)
            return str(self.translations.ugettext(text))

        def __getattr__(self, name: str) -> Any:
            return getattr(self.translations, name)

    translations = i18n.get_translations
    with monkeypatch.context() as patch:
        patch.setitem(app.jinja_env.globals, "url_for", counting_url_for)
        patch.setattr(app, "url_for", counting_url_for)
        patch.setattr(i18n, "get_translations", lambda: Catalogue(translations()))
        yield seen


def test_the_menu_and_the_frames_links_are_built_once(app, login, monkeypatch):
    wang = login("wang.fang")
    number = open_complaint(wang)
    for path in ("/inbox?view=queue", f"/cases/{number}"):
        wang.get(path)  # the process's first page of each kind builds them
        with built(app, monkeypatch) as seen:
            page = wang.get(path).get_data(as_text=True)
        assert '<nav class="mainnav">' in page and 'href="/static/kefu.css"' in page
        assert seen["urls"] and not NAV_AND_FRAME & set(seen["urls"]), (path, seen["urls"])
        assert path.startswith("/cases") or "static" not in seen["urls"]  # the case page has its own


def test_the_case_timelines_words_are_looked_up_once_per_language(app, login, monkeypatch):
    wang = login("wang.fang")
    number = open_complaint(wang)
    assert "opened the case" not in wang.get(f"/cases/{number}").get_data(as_text=True)
    with built(app, monkeypatch) as seen:
        page = wang.get(f"/cases/{number}").get_data(as_text=True)
    assert "受理了案件" in page and "opened the case" not in seen["texts"], seen["texts"]
    wang.post("/lang/en", {"next": "/inbox"})
    assert "opened the case" in wang.get(f"/cases/{number}").get_data(as_text=True)


def test_the_menu_marks_the_page_and_follows_the_reader(login):
    wang, li = login("wang.fang"), login("li.na")
    inbox, faq = wang.get("/inbox").get_data(as_text=True), wang.get("/faq").get_data(as_text=True)
    assert '<a href="/inbox" class="active">待办</a>' in inbox and '<a href="/faq" class="">' in inbox
    assert '<a href="/inbox" class="">待办</a>' in faq and '<a href="/faq" class="active">' in faq
    repair = wang.get("/cases/new/repair").get_data(as_text=True)
    assert '<a href="/cases/new/repair" class="active">' in repair
    assert '<a href="/cases/new" class="">' in repair
    assert "/reports" not in inbox and "/reports" in li.get("/inbox").get_data(as_text=True)  # supervisors
    wang.post("/lang/en", {"next": "/inbox"})
    english = wang.get("/inbox").get_data(as_text=True)
    assert '<a href="/inbox" class="active">Inbox</a>' in english and ">Contacts</a>" in english
    assert "通讯录" in li.get("/inbox").get_data(as_text=True)  # her language is hers
