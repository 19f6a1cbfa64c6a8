"""Languages: Chinese (zh_CN) by default, English on request; label picking and time formatting."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, session
from flask_babel import Babel, get_locale
from flask_babel import gettext as _

__all__ = ["LANGUAGES", "init_app", "lang", "localtime", "pick", "process_kind", "span_text", "urgency_class"]

LANGUAGES = {"zh_CN": "中文", "en": "English"}


def _select_locale() -> str:
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else "zh_CN"


def lang() -> str:
    """ "zh" or "en": the key to pick from a ``{zh, en}`` label."""
    return "en" if str(get_locale()) == "en" else "zh"


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


def span_text(minutes: int) -> str:
    """ "2 d 3 h", "1 h 5 min", "25 min" (absolute value)."""
    m = abs(int(minutes))
    days, rest = divmod(m, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h", d=days, h=hours)
    if hours:
        return _("%(h)s h %(m)s min", h=hours, m=mins)
    return _("%(m)s min", m=mins)


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
        }
    return kinds.get(process_id, process_id)


def capped(count: int) -> str:
    """A count as shown on a tab: "1000+" once it reaches the store's cap."""
    from engine.store.web_queries import COUNT_CAP

    return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)


def init_app(app: Flask) -> None:
    """Install Flask-Babel and the template helpers."""
    Babel(app, locale_selector=_select_locale, default_locale="zh_CN", default_timezone="Asia/Shanghai")
    app.jinja_env.globals.update(
        pick=pick,
        lang=lang,
        span_text=span_text,
        urgency_class=urgency_class,
        capped=capped,
        process_kind=process_kind,
        LANGUAGES=LANGUAGES,
        get_locale=get_locale,
    )
    app.jinja_env.filters["localtime"] = localtime
