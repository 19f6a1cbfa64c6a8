"""Languages: Chinese (zh_CN) by default, English on request; label picking and time formatting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, g, has_request_context, session
from flask_babel import Babel, get_locale, get_translations
from flask_babel import gettext as _
from markupsafe import Markup

__all__ = ["LANGUAGES", "browser_name", "init_app", "lang", "localtime", "pick", "process_kind",
           "provisional_mark", "provisional_text", "span_text", "task_title", "time_left", "urgency_class"]

LANGUAGES = {"zh_CN": "中文", "en": "English"}


def _select_locale() -> str:
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else "zh_CN"


def _language() -> tuple[str, Any]:
    """("zh" or "en", the gettext catalogue) of this request, looked up once per request.

    Flask-Babel fixes a request's locale at its first lookup too (``get_locale`` keeps it); but each
    lookup, and each catalogue lookup of a template's ``_()``, walks its request namespace again
    (four context lookups a text): a case page asked about 110 times for the language and 76 times
    for the catalogue. Outside a request, Flask-Babel's answer (no locale, no translations)."""
    try:
        found: tuple[str, Any] | None = g.get("_kefu_language")
    except RuntimeError:  # no application context
        found = None
        kept = False
    else:
        kept = True
    if found is None:
        found = ("en" if str(get_locale()) == "en" else "zh", get_translations())
        if kept and has_request_context():
            g._kefu_language = found
    return found


def lang() -> str:
    """ "zh" or "en": the key to pick from a ``{zh, en}`` label."""
    return _language()[0]


def pick(text: Any) -> str:
    """The current language's half of a ``{zh, en}`` mapping (a plain text as is)."""
    if isinstance(text, dict):
        return str(text.get(lang()) or text.get("zh") or text.get("en") or "")
    return "" if text is None else str(text)


def localtime(moment: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A UTC time shown in the policy time zone."""
    if moment is None:
        return ""
    zone = current_app.config["KEFU_TIMEZONE"]
    return moment.astimezone(zone).strftime(fmt)


# Texts an inbox row needs, looked up once per language: each gettext call through Flask-Babel
# costs a catalogue lookup, and a page of 25 rows made about 70 of them (bench/inbox.py).
_ROW_TEXTS: dict[str, dict[str, str]] = {}


def _row_texts() -> dict[str, str]:
    language = lang()
    texts = _ROW_TEXTS.get(language)
    if texts is None:
        texts = _ROW_TEXTS[language] = {
            "days": _("%(d)s d %(h)s h"), "hours": _("%(h)s h %(m)s min"), "minutes": _("%(m)s min"),
            "overdue": _("Overdue %(t)s"), "left": _("%(t)s left"), "working": _("working time"),
            "wt": _("WT"),
        }
    return texts


def span_text(minutes: int) -> str:
    """ "2 d 3 h", "1 h 5 min", "25 min" (absolute value)."""
    texts = _row_texts()
    m = abs(int(minutes))
    days, rest = divmod(m, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return texts["days"] % {"d": days, "h": hours}
    if hours:
        return texts["hours"] % {"h": hours, "m": mins}
    return texts["minutes"] % {"m": mins}


def time_left(minutes: int | None, working: bool, due: datetime | None) -> Markup:
    """The time-left badge of a task: overdue by / left, with the due time as its tooltip."""
    if minutes is None:
        return Markup('<span class="badge none">—</span>')
    texts = _row_texts()
    span = span_text(minutes)
    if minutes < 0:
        return Markup('<span class="badge overdue" title="{}">{}</span>').format(
            localtime(due), texts["overdue"] % {"t": span})
    left = texts["left"] % {"t": span}
    if working:
        return Markup('<span class="badge {}" title="{} · {}">{}<small class="wt">{}</small></span>').format(
            urgency_class(minutes), localtime(due), texts["working"], left, texts["wt"])
    badge = Markup('<span class="badge {}" title="{}">{}</span>')
    return badge.format(urgency_class(minutes), localtime(due), left)


_BROWSERS = (("MicroMessenger", {"zh": "微信", "en": "WeChat"}), ("Edg/", {"zh": "Edge", "en": "Edge"}),
             ("Chrome/", {"zh": "Chrome", "en": "Chrome"}), ("Firefox/", {"zh": "Firefox", "en": "Firefox"}),
             ("Safari/", {"zh": "Safari", "en": "Safari"}))
_SYSTEMS = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
            ("Mac OS", "macOS"), ("Linux", "Linux"))


def browser_name(user_agent: str | None) -> str:
    """A session's browser as people name it (Chrome · Android), not its raw user-agent string."""
    agent = user_agent or ""
    other = {"zh": "其他浏览器", "en": "Other browser"}
    browser = next((name for key, name in _BROWSERS if key in agent), other)
    system = next((name for key, name in _SYSTEMS if key in agent), "")
    return pick(browser) + (f" · {system}" if system else "")


def provisional_text(year: int) -> str:
    """Why a deadline on a provisional calendar year may still move (the mark's tooltip, the banner)."""
    return _("%(year)s has no official holiday arrangement yet: this deadline is computed from the "
             "statutory holidays without make-up workdays (调休), and is recomputed when the State "
             "Council's notice is imported.", year=year)


def provisional_mark(year: int | None) -> Markup:
    """The 暂定日历 badge of a deadline computed on a provisional calendar year (nothing otherwise)."""
    if not year:
        return Markup("")
    return Markup('<span class="badge provisional" title="{}">{}</span>').format(
        provisional_text(year), _("Provisional calendar"))


def task_title(title: str) -> str:
    """A bilingual task title "中文 English" in the current language (other titles as they are)."""
    zh, sep, en = title.partition(" ")
    if sep and not zh.isascii():
        return zh if lang() == "zh" else en
    return title


def urgency_class(minutes: int | None) -> str:
    """CSS class of a time-left badge: overdue, danger (< 30 min), warn (< 2 h), ok, none."""
    if minutes is None:
        return "none"
    if minutes < 0:
        return "overdue"
    return "danger" if minutes < 30 else "warn" if minutes < 120 else "ok"


_KINDS: dict[str, dict[str, str]] = {}


def process_kind(process_id: str) -> str:
    """A process's short name in the current language (投诉, 报修 …), the id itself when unknown."""
    language = lang()
    kinds = _KINDS.get(language)
    if kinds is None:  # once per language: a table row must not pay six catalogue lookups
        kinds = _KINDS[language] = {
            "complaint": _("Complaint"), "repair": _("Repair"), "consultation": _("Consultation"),
            "visitor_reception": _("Visit"), "archive_access": _("Archive request"),
            "return_visit": _("Return visit"),
            "volume_escalation": pick({"zh": "投诉量预警", "en": "Volume escalation"}),  # R2.13
        }
    return kinds.get(process_id, process_id)


def capped(count: int) -> str:
    """A count as shown on a tab: "1000+" once it reaches the store's cap."""
    from engine.store.web_queries import COUNT_CAP

    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def init_app(app: Flask) -> None:
    """Install Flask-Babel and the template helpers."""
    Babel(app, locale_selector=_select_locale, default_locale="zh_CN", default_timezone="Asia/Shanghai")
    # Flask-Babel's template gettext, with the request's catalogue looked up once (``_language``)
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _language()[1].ugettext(s),
        ngettext=lambda s, p, n: _language()[1].ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _language()[1].upgettext(c, s),
        npgettext=lambda c, s, p, n: _language()[1].unpgettext(c, s, p, n),
    )
    app.jinja_env.globals.update(
        pick=pick,
        lang=lang,
        span_text=span_text,
        time_left=time_left,
        provisional_mark=provisional_mark,
        provisional_text=provisional_text,
        task_title=task_title,
        urgency_class=urgency_class,
        capped=capped,
        process_kind=process_kind,
        browser_name=browser_name,
        LANGUAGES=LANGUAGES,
        get_locale=get_locale,
    )
    app.jinja_env.filters["localtime"] = localtime
