"""The holiday calendar as administrators keep it: each region's years and their source, and a year
added from the State Council's notice (the calendar page).

``calendar_years`` lists a region's years with where their days come from: a file written from
``chinesecalendar`` (official data), from an imported notice, by hand, or no file yet (provisional:
computed from the law by ``engine.statutory``, no make-up workdays). ``preview_notice`` reads a
pasted notice (``engine.notice``) without writing anything and says what it would change: the days
by holiday, the days added to or removed from what kefu uses now, days it sets in the neighbouring
years, and how many open cases have deadlines on the provisional year. ``publish_notice`` writes the
year's file (whole or not at all), recomputes every open deadline that rested on the provisional
year (``engine.runtime.recompute``: each change is a ``deadline.recomputed`` event of its case) and
appends one ``calendar.published`` event to the system audit chain.

Only a group-level organisation administrator may do either (``calendar.publish``: one region's
holidays serve every subsidiary). A year that already has a file is not replaced from the browser:
web processes keep official years cached until they restart, so a replacement is a server task
(``kefu calendar import YEAR --notice FILE --force``, then a restart).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from engine.calendar import CalendarDays
from engine.errors import CalendarError, FormError
from engine.notice import Notice, apply_notices
from engine.permissions import Target, require, subject_of
from engine.runtime.access import load_staff
from engine.runtime.recompute import RecomputeReport, replace_provisional_year

__all__ = [
    "DayChange",
    "by_holiday",
    "NoticePreview",
    "Published",
    "YearStatus",
    "calendar_regions",
    "calendar_years",
    "preview_notice",
    "publish_notice",
    "year_status",
]

_YEAR_FILE = re.compile(r"^(?P<region>[a-z][a-z0-9_]*)-(?P<year>\d{4})\.yaml$")
_WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@dataclass(frozen=True)
class YearStatus:
    """One year of a region: ``file``/``provisional``/``missing``, its source, and its day counts."""

    year: int
    status: str
    source_kind: str  # chinesecalendar | notice | manual | provisional | missing
    source: str
    holidays: int
    workdays: int


@dataclass(frozen=True)
class DayChange:
    """A day the notice sets differently from what kefu uses now."""

    day: date
    kind: str  # holiday | workday
    name: str
    change: str  # added | removed | renamed

    @property
    def weekday(self) -> str:
        """周一 … 周日."""
        return _WEEKDAYS_ZH[self.day.weekday()]


@dataclass(frozen=True)
class NoticePreview:
    """What publishing the notice would write and change; nothing has been written."""

    year: int
    region: str
    titles: list[str]
    before: YearStatus
    holidays: dict[date, str]
    workdays: dict[date, str]
    changes: list[DayChange]
    other_years: list[tuple[date, str, str]]  # (day, holiday|workday, name) outside the year
    open_cases: int  # open cases with a deadline on the provisional year

    def by_holiday(self) -> list[tuple[str, list[date], list[date]]]:
        """(holiday name, days off, make-up workdays) in calendar order."""
        return by_holiday(self.holidays, self.workdays)


@dataclass(frozen=True)
class Published:
    """A published year: its file, its source, and the recomputation of the open deadlines."""

    path: Path
    source: str
    holidays: int
    workdays: int
    report: RecomputeReport
    changes: list[dict[str, Any]] = field(default_factory=list)


Grouped = list[tuple[str, list[date], list[date]]]


def by_holiday(holidays: Mapping[date, str], workdays: Mapping[date, str]) -> Grouped:
    """(holiday name, days off, make-up workdays) of a year, in calendar order."""
    names: dict[str, tuple[list[date], list[date]]] = {}
    for day, name in sorted(holidays.items()):
        names.setdefault(name, ([], []))[0].append(day)
    for day, name in sorted(workdays.items()):
        names.setdefault(name, ([], []))[1].append(day)
    return sorted(((n, off, work) for n, (off, work) in names.items()),
                  key=lambda item: min(item[1] + item[2]))


def calendar_regions(policies: Any) -> list[str]:
    """The holiday regions in use: each unit's ``calendar.region``, and every region with a year file."""
    regions = {str(policies.effective(None).get("calendar.region"))}
    for code in getattr(policies, "units", ()):
        regions.add(str(policies.effective(code).get("calendar.region")))
    directory = Path(policies.calendars_dir)
    if directory.is_dir():
        regions.update(m.group("region") for p in directory.iterdir() if (m := _YEAR_FILE.match(p.name)))
    return sorted(regions)


def calendar_years(calendars_dir: str | Path, region: str, today: date) -> list[YearStatus]:
    """The years of ``region`` that have a file, and last year to next year: status and source each."""
    days = CalendarDays.load(calendars_dir, region)
    directory = Path(calendars_dir)
    years = {today.year - 1, today.year, today.year + 1}
    if directory.is_dir():
        years.update(int(m.group("year")) for p in directory.iterdir()
                     if (m := _YEAR_FILE.match(p.name)) and m.group("region") == region)
    return [year_status(days, year) for year in sorted(years)]


def year_status(days: CalendarDays, year: int) -> YearStatus:
    """One year's status, source and counts (a missing year has no days)."""
    status = days.status(year)
    if status == "missing":
        return YearStatus(year, status, "missing", "", 0, 0)
    data = days.year(year)
    return YearStatus(year, status, data.source_kind, data.source, len(data.holidays), len(data.workdays))


def _require(runtime: Any, actor: str) -> None:
    with runtime.store.read() as tx:
        subject = subject_of(load_staff(tx, actor), tx.units)
    require(subject, "calendar.publish", Target("calendar", None))


def _notices(texts: Sequence[str]) -> list[Notice]:
    notices = [Notice(t.strip(), f"notice {i}" if i > 1 else "notice") for i, t in enumerate(texts, start=1)
               if t and t.strip()]
    if not notices:
        error = FormError("paste the text of the State Council's notice", {"notice": "required"},
                          zh="请粘贴国务院办公厅节假日安排通知的全文")
        error.errors_zh = {"notice": "必填"}  # type: ignore[attr-defined]
        raise error
    return notices


def _unreadable(exc: CalendarError) -> FormError:
    where = f"第{exc.line}行" if exc.line else ""
    zh = f"通知{where}无法识别，未写入任何内容（{exc.code}）：{exc.message}"
    error = FormError(f"the notice cannot be read: {exc}",
                      {"notice": f"{exc.location} {exc.message}".strip()}, code=exc.code, zh=zh)
    error.errors_zh = {"notice": f"{where}无法识别（{exc.code}）：{exc.message}"}  # type: ignore[attr-defined]
    return error


def preview_notice(runtime: Any, actor: str, year: int, texts: Sequence[str],
                   region: str = "cn") -> NoticePreview:
    """Read the notice(s) for ``year`` and say what publishing would change; nothing is written."""
    _require(runtime, actor)
    days = CalendarDays.load(runtime.policies.calendars_dir, region)
    before = year_status(days, year)
    if before.status == "file":
        error = FormError(f"{year} already has its holiday file ({before.source}); it is replaced on the "
                          f"server with kefu calendar import {year} --notice FILE --force",
                          {"year": f"{year} is official already"},
                          zh=f"{year}年已有正式节假日安排（{before.source}）；如需替换，请在服务器上执行 "
                             f"kefu calendar import {year} --notice 文件 --force")
        error.errors_zh = {"year": f"{year}年已有正式安排"}  # type: ignore[attr-defined]
        raise error
    try:
        read = apply_notices(_notices(texts), year, days.rules)
    except CalendarError as exc:
        raise _unreadable(exc) from None
    holidays, workdays = read.of_year(year)
    current = days.year(year) if before.status == "provisional" else None
    changes: list[DayChange] = []
    for kind, new, old in (("holiday", holidays, dict(current.holidays) if current else {}),
                           ("workday", workdays, dict(current.workdays) if current else {})):
        for day in sorted(set(new) | set(old)):
            if day not in old:
                changes.append(DayChange(day, kind, new[day], "added"))
            elif day not in new:
                changes.append(DayChange(day, kind, old[day], "removed"))
            elif new[day] != old[day]:
                changes.append(DayChange(day, kind, new[day], "renamed"))
    changes.sort(key=lambda c: (c.day, c.kind))
    with runtime.store.read() as tx:
        open_cases = len(tx.provisional_cases([year]))
    return NoticePreview(year, region, list(read.titles), before, holidays, workdays, changes,
                         read.other_years(), open_cases)


def publish_notice(runtime: Any, actor: str, year: int, texts: Sequence[str],
                   region: str = "cn") -> Published:
    """Write ``year``'s file from the notice(s), recompute the deadlines that rested on the provisional
    year, and audit it (``calendar.published``)."""
    preview = preview_notice(runtime, actor, year, texts, region)
    try:
        path, read, report = replace_provisional_year(runtime, year, _notices(texts), region=region)
    except CalendarError as exc:
        raise _unreadable(exc) from None
    holidays, workdays = read.of_year(year)
    now = runtime.clock.now()
    with runtime.store.write() as tx:
        tx.append_audit(None, [{"actor": actor, "action": "calendar.published", "data": {
            "region": region, "year": year, "file": path.name, "source": read.source,
            "before": preview.before.source or preview.before.status, "holidays": len(holidays),
            "workdays": len(workdays), "days_changed": len(preview.changes),
            "recomputed": {"cases": report.cases, "deadlines": report.deadlines, "changed": report.changed,
                           "failed": [case for case, _ in report.failed]}}}], now)
    return Published(path, read.source, len(holidays), len(workdays), report, list(report.changes))
