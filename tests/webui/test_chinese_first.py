"""Chinese first (issue 15): every page of the demo, as each demo login, in zh-CN, has no English words
or codes outside an allow-list (brand names, units, case-number prefixes).

The demo is what ``make run`` shows: the demo organisation, households, FAQ book and the seeded cases,
plus a visit and an archive request. Each login crawls every page it can reach by links from its
inbox (GET only); the visible text and the title, placeholder and aria-label attributes are read.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from engine import visitors
from engine.cli.cases import _demo_contacts, _demo_faq
from tests.conftest import ROOT
from tests.webui.conftest import PASSWORD
from webui.demo import DEMO_LOGINS, seed_demo_cases

# Words that may stand in a Chinese page: the language switch, brands and formats, units, the
# case-number prefixes, the bpmn-js credit and the CSRF/htmx plumbing never shown.
ALLOWED = {
    "English", "BPMN", "PDF", "Excel", "Word", "CSV", "KB", "MB", "APP", "SMS", "ID", "IP",
    "TS", "BX", "ZX", "FK", "DA", "PG", "LF", "HF", "YJ", "SZP", "HNR", "WT",  # number prefixes
    "chinesecalendar",  # the library a holiday file was generated from (the calendar page's source column)
    "Chrome", "Firefox", "Safari", "Edge", "Android", "iPhone", "iPad", "Windows", "macOS", "Linux",
}
WORD = re.compile(r"[A-Za-z][A-Za-z_]*[A-Za-z]")
# An e-mail address (a contact's, 通讯录) is data, not English: the whole address, local part @ a dotted
# domain, is left out; a word beside it is still read.
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# /org and /processes are read too: units, roles and processes by name. A code an administrator
# needs (a unit's code, a login, a diagram's id) may stand beside the name as <small class="code">,
# which is not read.
SKIP = re.compile(r"/(logout|lang/|static/|api/)|\.(bpmn|pdf|xlsx|csv|png|jpg)$|/attachments/\d+|/export")
SHOWN_ATTRS = ("title", "placeholder", "aria-label", "alt")
PAGES_PER_LOGIN = 60


class _Text(HTMLParser):
    """Visible text and shown attributes of a page, and its same-site links."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.words: list[str] = []
        self.links: list[str] = []
        self._hidden = 0
        self._login = False
        self._code = 0  # inside <small class="code">: a code shown to administrators beside its name

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in ("script", "style", "template"):
            self._hidden += 1
        if tag == "span" and "login" in str(values.get("class") or "").split():
            self._login = True  # one's own login, shown on purpose on the account page
        if tag == "small" and (self._code or "code" in str(values.get("class") or "").split()):
            self._code += 1
        if tag == "a" and values.get("href"):
            self.links.append(str(values["href"]))
        for name in SHOWN_ATTRS:
            if values.get(name) and not (tag == "img" and name == "alt"):  # a photo's alt is its file name
                self.words.append(str(values[name]))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1
        if tag == "span":
            self._login = False
        if tag == "small" and self._code:
            self._code -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden and not self._login and not self._code:
            self.words.append(data)


def _english(text: str) -> set[str]:
    return {w for w in WORD.findall(EMAIL.sub(" ", text)) if w not in ALLOWED}


@pytest.fixture
def demo(services, clock):
    """The demo as ``make run`` seeds it, plus a visit and an archive request."""
    visitors.import_households(services.runtime, ROOT / "engine" / "demo" / "households.yaml")
    _demo_faq(services.runtime)
    _demo_contacts(services.runtime)
    seed_demo_cases(services.runtime_at, clock.now())
    for login, _ in DEMO_LOGINS:
        services.set_password(login, PASSWORD)
    return services


def _crawl(browser, start: str) -> tuple[dict[str, set[str]], set[str]]:
    """Every page reachable from ``start`` by links (up to PAGES_PER_LOGIN): path → English words found,
    and the pages read."""
    seen: set[str] = set()
    queue = [start]
    found: dict[str, set[str]] = {}
    while queue and len(seen) < PAGES_PER_LOGIN:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = browser.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        parser = _Text()
        parser.feed(response.get_data(as_text=True))
        words = _english(" ".join(parser.words))
        if words:
            found[path] = words
        for href in parser.links:
            url = urlsplit(urljoin(path, href))
            if url.netloc or not url.path.startswith("/") or SKIP.search(url.path):
                continue
            target = url.path + (f"?{url.query}" if url.query else "")
            if target not in seen:
                queue.append(target)
    return found, seen


@pytest.mark.parametrize("who", [login for login, _ in DEMO_LOGINS])
def test_every_demo_page_reads_in_chinese(demo, login, who):
    browser = login(who)
    found, seen = _crawl(browser, "/inbox")
    assert found == {}, "\n".join(f"{path}: {sorted(words)}" for path, words in found.items())
    assert len(seen) >= 3  # inbox, account, at least one more page: the crawl ran


def test_the_supervisors_crawl_reads_cases_and_intake(demo, login):
    """The crawl is not empty: the supervisor reaches the case pages, the intake forms and the FAQ book."""
    _found, seen = _crawl(login("li.na"), "/inbox?view=all")
    assert len([p for p in seen if re.fullmatch(r"/cases/[A-Z]{2}-[A-Z]{3}-\d{4}-\d{6}", p)]) >= 5
    assert "/cases/new" in seen


def test_english_words_are_found():
    """The detector itself: an English status or urgency in a page is caught; units and prefixes are not."""
    found = _english("状态 dispatched · 紧急程度 normal · 2 KB · TS-SZP-2026-000001")
    assert found == {"dispatched", "normal"}
    # an e-mail address is data; the words around it are not
    assert _english("工作电子信箱 kefu@szwy.example · 联系电子信箱 lyc-cs@szwy.example") == set()
    assert _english("email kefu@szwy.example contact") == {"email", "contact"}
    assert _english("kefu at szwy.example") == {"kefu", "at", "szwy", "example"}


def _timeline_words(html: str) -> tuple[str, set[str]]:
    """The timeline section's visible text and the English words in it."""
    parser = _Text()
    parser.feed(html[html.rindex("<", 0, html.index('id="timeline"')):])
    text = " ".join(parser.words)
    return text, _english(text)


def test_cancelled_steps_and_messages_read_in_chinese_in_the_timeline(services, clock, login):
    """An expert who does not answer in time (the boundary timer cancels the step) and a repeat complaint
    (a message): the timeline says why in Chinese, never the engine's English reason or a message code."""
    from engine.org import load_org
    from tests.scenarios.conftest import DEMO_ORG, Desk
    from tests.scenarios.test_complaint import agree_plan, dispatch, finish_work, reply_by_phone

    desk = Desk(services.runtime, clock, load_org(DEMO_ORG))
    late = desk.open(category="real_estate").number
    dispatch(desk, late)
    agree_plan(desk, late, needs_expert=True)
    desk.wait(hours=25)  # R2.17: the expert's step is cancelled by its 24-hour timer
    repeat = desk.open().number
    dispatch(desk, repeat)
    agree_plan(desk, repeat)
    reply_by_phone(desk, repeat)
    finish_work(desk, repeat)
    desk.complete(repeat, "check_closure", check_result="accept", return_visit_needed=False)
    desk.runtime.send_message(repeat, "repeat_complaint", {"note": "又漏水了"}, "zhang.wei")
    browser = login("zheng.xiaoyan")

    text, words = _timeline_words(browser.get(f"/cases/{late}").get_data(as_text=True))
    assert words == set(), words
    assert "时限已到：顾问逾期（时限 " in text
    text, words = _timeline_words(browser.get(f"/cases/{repeat}").get_data(as_text=True))
    assert words == set(), words
    assert "收到重复投诉" in text


@pytest.mark.parametrize(("reason", "zh", "en"), [
    ("the process moved on", "流程已走向其他环节，此环节无需再办", "The process moved on"),
    ("deadline timer fired: 顾问逾期 adviser unreachable (due 2026-11-24T10:00:00+08:00)",
     "时限已到：顾问逾期（时限 2026-11-24 10:00）",
     "Deadline reached: adviser unreachable (due 2026-11-24 10:00)"),
    ("message 'repeat_complaint' arrived", "事件：收到重复投诉", "Event: repeat complaint"),
    ("message 'unknown' arrived", "收到外部消息", "A message arrived"),
    ("the case moved to v2", "案件已迁移到流程版本 v2", "The case moved to version v2"),
    ("投诉已撤回：客户撤回", "投诉已撤回：客户撤回", "投诉已撤回：客户撤回"),
])
def test_every_reason_the_engine_writes_has_a_chinese_text(app, reason, zh, en):
    """The engine's reasons (engine/runtime: transition, cases, migration) in both page languages."""
    from flask import session

    from webui.viewdata import cancel_reason

    messages = {"repeat_complaint": "收到重复投诉 repeat complaint"}
    localise = {"2026-11-24T10:00:00+08:00": "2026-11-24 10:00"}.get
    for lang, expected in (("zh_CN", zh), ("en", en)):
        with app.test_request_context("/"):
            session["lang"] = lang
            assert cancel_reason(reason, messages, lambda v: localise(v) or v) == expected
