"""Read the State Council's holiday notice (国务院办公厅关于YYYY年部分节假日安排的通知) into a year's days.

One numbered line per holiday, in the words the notices have used since 2008, e.g.::

    二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
    三、清明节：4月5日放假，4月6日（星期一）补休。
    四、劳动节：5月1日放假，与周末连休。
    一、元旦：2018年12月30日至2019年1月1日放假调休，共3天。2018年12月29日（星期六）上班。

Full-width or ASCII punctuation, 周 or 星期, a month left out after the first date of a range, a
year given or not (a December date in the 元旦 line without a year is in the year before), "与周末
连休" (the weekend next to the day joins the holiday), "补休", "共N天" and the weekday in brackets
are all read and cross-checked: a count or a weekday that does not match the dates is refused.
Notices that change an earlier one are read too (关于调整2019年劳动节假期安排的通知 replaces the
holiday's line; 关于延长2020年春节假期的通知 extends it). Numbered lines without a date are prose
and skipped; a line with a date that is not understood refuses the whole notice, with the line and
what was expected: nothing is ever half-imported.

A line naming two holidays (国庆节、中秋节) gives its days the name of the longer statutory holiday
(国庆节, 3 days by law), except the statutory day of the other (中秋, lunar 8/15), as published
calendars do; the statutory rules (``engine.statutory``) supply the law's days.

Error codes: ``calendar.E050`` a line is not understood, ``E051`` the notice is for another year or
is not a holiday notice, ``E052`` the dates contradict themselves (count, weekday, a day both off
and working, a day in two holidays), ``E053`` no holiday line found.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from engine.calendar import CalendarDays, YearDays, forget_year, render_year_days
from engine.errors import CalendarError
from engine.statutory import StatutoryRules

__all__ = ["HOLIDAY_NAMES", "Notice", "NoticeDays", "apply_notices", "import_notices", "read_notice"]

HOLIDAY_NAMES = ("元旦", "春节", "清明节", "劳动节", "端午节", "中秋节", "国庆节")
_ALIASES = {"清明": "清明节", "劳动": "劳动节", "五一": "劳动节", "端午": "端午节", "中秋": "中秋节",
            "国庆": "国庆节", "新年": "元旦"}
_NUMERALS = "一二三四五六七八九十"
_WEEKDAY = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_PUNCT = str.maketrans({"：": ":", "，": ",", "（": "(", "）": ")", "；": ";", "。": ".", "　": " ",
                        "〔": "[", "〕": "]"})
_DATE = re.compile(r"(?:(?P<y>\d{4})年)?(?:(?P<m>\d{1,2})月)?(?P<d>\d{1,2})日(?:\((?P<note>[^)]*)\))?")
_TITLE = re.compile(r"关于(?P<kind>调整|延长)?(?P<year>\d{4})年(?P<what>.*?)(?:安排)?的通知")
_SECTION = re.compile(rf"^(?:[{_NUMERALS}]+、|——)(?P<body>.+)$")
_NAMED = re.compile(r"^(?P<names>[^:,.\d]+?):(?P<rest>.+)$")
_CLAUSES = {  # clause (dates replaced by ⟨n⟩) → kind
    "range": re.compile(r"^⟨(\d+)⟩(?:至⟨(\d+)⟩)?(?:调休)?放假(?:调休|公休)?(?:(\d+)天)?$"),
    "count": re.compile(r"^共(\d+)天$"),
    "no_swap": re.compile(r"^不调休$"),
    "weekend": re.compile(r"^与周末连休$"),
    "off": re.compile(r"^(?:其中)?((?:⟨\d+⟩、?)+)(?:补休|调休|放假)$"),
    "work": re.compile(r"^((?:⟨\d+⟩、?)+)上班$"),
    "resume": re.compile(r"^⟨(\d+)⟩起正常上班$"),
    "extend": re.compile(r"^延长(?:\d{4}年)?(?P<name>\S+?)假期至⟨(\d+)⟩$"),
}
_EXPECTED = ("'M月D日[至[M月]D日]放假[调休]', '共N天', 'M月D日（周六）、M月D日（周日）上班', "
             "'M月D日补休', '与周末连休', '不调休' or '延长…假期至M月D日'")


@dataclass(frozen=True)
class Notice:
    """A notice's text and where it came from (for errors and the year file's source line)."""

    text: str
    name: str = "notice"

    @classmethod
    def from_file(cls, path: str | Path) -> Notice:
        """The notice in a UTF-8 text file; CalendarError when it cannot be read."""
        try:
            return cls(Path(path).read_text(encoding="utf-8-sig"), str(path))
        except (OSError, UnicodeDecodeError) as exc:
            raise CalendarError(f"cannot read the notice {path}: {exc}", code="calendar.E051") from None


@dataclass
class NoticeDays:
    """What one or more notices set: days off and make-up workdays, with their holiday names."""

    year: int
    holidays: dict[date, str] = field(default_factory=dict)
    workdays: dict[date, str] = field(default_factory=dict)
    titles: list[str] = field(default_factory=list)
    digests: list[str] = field(default_factory=list)

    def of_year(self, year: int) -> tuple[dict[date, str], dict[date, str]]:
        """The days off and workdays that fall in ``year`` (a 元旦 line may reach into the year before)."""
        return ({d: n for d, n in self.holidays.items() if d.year == year},
                {d: n for d, n in self.workdays.items() if d.year == year})

    def other_years(self) -> list[tuple[date, str, str]]:
        """``(date, 'holiday'|'workday', name)`` of the days outside the notice's year."""
        out = [(d, "holiday", n) for d, n in self.holidays.items() if d.year != self.year]
        out += [(d, "workday", n) for d, n in self.workdays.items() if d.year != self.year]
        return sorted(out)

    @property
    def source(self) -> str:
        """The ``source:`` line of a year file written from these notices."""
        return "notice " + " + ".join(f"{t} (sha256 {d[:12]})" for t, d in zip(self.titles, self.digests,
                                                                                strict=True))


def read_notice(notice: Notice, year: int, rules: StatutoryRules | None) -> NoticeDays:
    """The days one notice sets for ``year``; CalendarError (``calendar.E05x``) naming the line."""
    return apply_notices([notice], year, rules)


def apply_notices(notices: Sequence[Notice], year: int, rules: StatutoryRules | None) -> NoticeDays:
    """Read notices in order: a later line about a holiday replaces (or extends) an earlier one."""
    result = NoticeDays(year)
    for notice in notices:
        _Reader(notice, year, rules, result).read()
    return result


def import_notices(year: int, calendars_dir: str | Path, notices: Sequence[Notice], region: str = "cn",
                   *, force: bool = False) -> tuple[Path, NoticeDays]:
    """Write ``<calendars_dir>/<region>-<year>.yaml`` from the notices (a provisional year becomes official).

    An existing file is replaced only with ``force``. Nothing is written unless every notice was read.
    """
    days = CalendarDays.load(calendars_dir, region)
    path = days.path_for(year)
    if path.exists() and not force:
        raise CalendarError(f"{path} already exists ({days.year(year).source}); pass --force to replace it "
                            "with the notice", code="calendar.E021")
    read = apply_notices(notices, year, days.rules)
    holidays, workdays = read.of_year(year)
    data = YearDays(region, year, holidays, workdays, source=read.source)
    names = " ".join(f"--notice {Path(n.name).name}" for n in notices)
    text = render_year_days(data, [
        f"Statutory holidays and make-up workdays (调休) of {year}, region {region}.",
        f"Imported by `kefu calendar import {year} {names}` from:",
        *[f"  {title}" for title in read.titles],
        "You may edit this file. Each name is the holiday a date belongs to; a make-up workday",
        "carries the name of the holiday it makes up for.",
    ])
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)  # whole or not at all
    forget_year(calendars_dir, region, year)
    return path, read


class _Reader:
    """Reads one notice into a ``NoticeDays``."""

    def __init__(self, notice: Notice, year: int, rules: StatutoryRules | None, into: NoticeDays) -> None:
        self.notice, self.year, self.rules, self.into = notice, year, rules, into
        self.line_no = 0
        self.line = ""

    def fail(self, message: str, code: str = "calendar.E050") -> CalendarError:
        """An error pointing at the current line of the notice."""
        quoted = f": {self.line.strip()[:120]!r}" if self.line.strip() else ""
        return CalendarError(f"{message}{quoted}", path=self.notice.name, line=self.line_no or None,
                             code=code)

    def read(self) -> None:
        """Read every line; the result is changed only when the whole notice was understood."""
        lines = self.notice.text.translate(_PUNCT).splitlines()
        title, title_holiday, kind = self._title(lines)
        sections: list[tuple[int, str, str, list[str]]] = []  # (line, holiday names…, body)
        for number, raw in enumerate(lines, start=1):
            self.line_no, self.line = number, raw
            text = re.sub(r"\s+", "", raw)
            match = _SECTION.match(text)
            if match is None or not _DATE.search(match.group("body")):
                continue  # the title, the addressees, prose, the date of signing
            body = match.group("body")
            named = _NAMED.match(body)
            if named is not None and not _DATE.match(body):
                names = [self._holiday_name(n) for n in named.group("names").split("、")]
                body = named.group("rest")
            elif title_holiday is not None:
                names = [title_holiday]
            else:
                raise self.fail("a holiday line starts with the holiday's name, e.g. '二、春节：…'")
            sections.append((number, raw, body, names))
        if not sections:
            self.line_no, self.line = 0, ""
            raise self.fail(f"no holiday line found in {self.notice.name}: expected numbered lines such as "
                            "'一、元旦：1月1日放假，共1天。'", code="calendar.E053")
        staged = NoticeDays(self.year, dict(self.into.holidays), dict(self.into.workdays))
        for number, raw, body, names in sections:
            self.line_no, self.line = number, raw
            self._section(body, names, staged, extending=kind == "延长")
        self.into.holidays, self.into.workdays = staged.holidays, staged.workdays
        self.into.titles.append(title)
        self.into.digests.append(hashlib.sha256(self.notice.text.encode("utf-8")).hexdigest())

    def _title(self, lines: list[str]) -> tuple[str, str | None, str | None]:
        for number, raw in enumerate(lines, start=1):
            match = _TITLE.search(re.sub(r"\s+", "", raw))
            if match is None:
                continue
            self.line_no, self.line = number, raw
            if int(match.group("year")) != self.year:
                raise self.fail(f"this notice is for {match.group('year')}, not {self.year}",
                                code="calendar.E051")
            title = re.sub(r"\s+", "", raw).strip()
            title = title[title.find("国务院"):] if "国务院" in title else title
            holiday = None
            if match.group("kind"):
                found = [n for n in HOLIDAY_NAMES if n in match.group("what")]
                holiday = found[0] if len(found) == 1 else None
            return title, holiday, match.group("kind")
        self.line_no, self.line = 0, ""
        title = f"国务院办公厅关于{self.year}年部分节假日安排的通知"
        raise self.fail(f"{self.notice.name} has no title '{title}' (or 关于调整/延长…的通知); paste the "
                        "whole notice", code="calendar.E051")

    def _holiday_name(self, text: str) -> str:
        name = _ALIASES.get(text, text)
        if name not in HOLIDAY_NAMES:
            raise self.fail(f"{text!r} is not a statutory holiday ({'、'.join(HOLIDAY_NAMES)})")
        return name

    def _dates(self, body: str, names: list[str]) -> tuple[str, list[date]]:
        """The body with each date replaced by ⟨n⟩, and the dates (month and year filled in)."""
        found: list[date] = []
        month: int | None = None

        def replace(match: re.Match[str]) -> str:
            nonlocal month
            if match.group("m"):
                month = int(match.group("m"))
            if month is None:
                raise self.fail(f"{match.group(0)!r} has no month")
            if match.group("y"):
                year = int(match.group("y"))
                if abs(year - self.year) > 1:
                    raise self.fail(f"{year} is not {self.year} or a year next to it", code="calendar.E052")
            else:  # the 元旦 line reaches back into December of the year before
                year = self.year - 1 if month == 12 and "元旦" in names else self.year
            try:
                day = date(year, month, int(match.group("d")))
            except ValueError:
                raise self.fail(f"{match.group(0)!r} is not a date in {year}") from None
            self._check_weekday(day, match.group("note"), match.group(0))
            found.append(day)
            return f"⟨{len(found) - 1}⟩"

        return _DATE.sub(replace, body), found

    def _check_weekday(self, day: date, note: str | None, text: str) -> None:
        if not note:
            return
        said = re.search(r"(?:周|星期)([一二三四五六日天])", note)
        if said and _WEEKDAY[said.group(1)] != day.weekday():
            real = "一二三四五六日"[day.weekday()]
            raise self.fail(f"{text!r}: {day.isoformat()} is a 周{real}, the notice says 周{said.group(1)}",
                            code="calendar.E052")

    def _section(self, body: str, names: list[str], into: NoticeDays, *, extending: bool) -> None:
        marked, dates = self._dates(body, names)
        off: list[date] = []
        work: list[date] = []
        last_range: list[date] = []
        for clause in [c for c in re.split(r"[,.;]", marked) if c]:
            kind, match = next(((k, m) for k, p in _CLAUSES.items() if (m := p.match(clause))), (None, None))
            if match is None:
                raise self.fail(f"cannot read {self._unmark(clause, dates)!r}; expected {_EXPECTED}")
            if kind == "range":
                first = dates[int(match.group(1))]
                last = dates[int(match.group(2))] if match.group(2) else first
                if last < first:
                    raise self.fail(f"{first.isoformat()} to {last.isoformat()} runs backwards",
                                    code="calendar.E052")
                last_range = [first + timedelta(days=i) for i in range((last - first).days + 1)]
                if match.group(3):
                    self._count(int(match.group(3)), last_range)
                off += last_range
            elif kind == "count":
                self._count(int(match.group(1)), last_range)
            elif kind == "weekend":
                off += self._adjacent_weekend(last_range)
            elif kind == "off":
                off += [dates[int(i)] for i in re.findall(r"⟨(\d+)⟩", match.group(1))]
            elif kind == "work":
                work += [dates[int(i)] for i in re.findall(r"⟨(\d+)⟩", match.group(1))]
            elif kind == "extend":
                name = self._holiday_name(match.group("name"))
                end = dates[int(match.group(2))]
                held = [d for d, n in into.holidays.items() if n == name]
                if not held:
                    raise self.fail(f"cannot extend {name}: no earlier notice sets it; give the notice "
                                    "that does first", code="calendar.E052")
                start = max(held) + timedelta(days=1)
                for offset in range((end - start).days + 1):
                    into.holidays[start + offset * timedelta(days=1)] = name
                    into.workdays.pop(start + offset * timedelta(days=1), None)
                return
        if extending:
            raise self.fail("an extension notice says '延长…假期至M月D日'")
        self._store(names, off, work, into)

    def _count(self, said: int, days: list[date]) -> None:
        if not days:
            raise self.fail("'共N天' follows no range of days")
        if said != len(days):
            raise self.fail(f"the notice says {said} days, but {days[0].isoformat()} to "
                            f"{days[-1].isoformat()} is {len(days)}", code="calendar.E052")

    def _adjacent_weekend(self, days: list[date]) -> list[date]:
        if not days:
            raise self.fail("'与周末连休' follows no day off")
        joined = []
        before, after = days[0] - timedelta(days=1), days[-1] + timedelta(days=1)
        while before.weekday() >= 5:
            joined.append(before)
            before -= timedelta(days=1)
        while after.weekday() >= 5:
            joined.append(after)
            after += timedelta(days=1)
        return joined

    def _store(self, names: list[str], off: list[date], work: list[date], into: NoticeDays) -> None:
        main = self._main(names)
        for name in names:  # a later notice's line about a holiday replaces the earlier one's days
            for table in (into.holidays, into.workdays):
                for day in [d for d, n in table.items() if n == name]:
                    del table[day]
        for day in off:
            if day in into.holidays:
                raise self.fail(f"{day.isoformat()} is already a day off of {into.holidays[day]}",
                                code="calendar.E052")
            into.holidays[day] = self._name_of(day, names, main)
        for day in work:
            if day in into.holidays or day in into.workdays:
                what = "a day off" if day in into.holidays else "a workday already"
                raise self.fail(f"{day.isoformat()} is {what} and cannot be a make-up workday",
                                code="calendar.E052")
            into.workdays[day] = main

    def _main(self, names: list[str]) -> str:
        """The holiday a line's days are named after: the one with the most statutory days."""
        if len(names) == 1 or self.rules is None:
            return names[0]
        rules = self.rules

        def length(name: str) -> int:
            try:
                rule = rules.rule(name, self.year)
            except CalendarError:  # a year before the rules: the holidays' lengths have not changed order
                rule = rules.rule(name, rules.years[0])
            return rule.days if rule is not None else 0

        return max(names, key=lambda n: (length(n), -names.index(n)))

    def _name_of(self, day: date, names: list[str], main: str) -> str:
        if self.rules is None:
            return main
        first = self.rules.years[0]  # the anchors (lunar 8/15, Oct 1 …) are the same in every revision
        main_rule = self.rules.rule(main, first)
        if main_rule is not None and day in main_rule.dates(day.year):
            return main  # 2020: 中秋 fell on 10-01, which stays 国庆节
        for name in names:
            if name == main:
                continue
            rule = self.rules.rule(name, first)
            if rule is not None and day in rule.dates(day.year):
                return name
        return main

    @staticmethod
    def _unmark(clause: str, dates: list[date]) -> str:
        return re.sub(r"⟨(\d+)⟩", lambda m: f"{dates[int(m.group(1))]:%m月%d日}", clause)
