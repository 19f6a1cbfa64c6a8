"""``kefu calendar import|show`` and ``kefu deadline``: holiday files and deadlines from the command line."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import click

from engine.calendar import CalendarDays, forget_year, import_year, provisional_use
from engine.cli.common import CliContext, parse_moment, pass_cli, policies_option
from engine.durations import parse_duration
from engine.errors import KefuError

__all__ = ["register"]

_WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


@click.group("calendar")
def calendar_group() -> None:
    """Holiday and make-up workday (调休) files in policies/calendars/."""


@calendar_group.command("import")
@click.argument("year", type=int)
@click.option("--notice", "notices", multiple=True, metavar="FILE",
              type=click.Path(path_type=Path, dir_okay=False),
              help="The State Council's notice as text (repeat for a later notice that changes it).")
@click.option("--region", default="cn", show_default=True, help="Holiday region (chinesecalendar knows cn).")
@click.option("--force", is_flag=True, help="Overwrite an existing (possibly hand-edited) file.")
@policies_option
@pass_cli
def import_command(cli: CliContext, year: int, notices: tuple[Path, ...], region: str, force: bool) -> None:
    """Write policies/calendars/<region>-<YEAR>.yaml from a notice (--notice) or from chinesecalendar."""
    calendars_dir = cli.settings.policies_dir / "calendars"
    if notices:
        from engine.notice import Notice, import_notices

        path, read = import_notices(year, calendars_dir, [Notice.from_file(n) for n in notices], region,
                                    force=force)
        neighbour = CalendarDays.load(calendars_dir, region)
        for day, kind, name in read.other_years():
            listed = False
            if neighbour.status(day.year) == "file":
                data = neighbour.year(day.year)
                listed = (data.holidays if kind == "holiday" else data.workdays).get(day) == name
            state = (f"{neighbour.path_for(day.year).name} lists it" if listed
                     else f"add it to {neighbour.path_for(day.year)}")
            click.echo(f"warning: the notice also sets {day.isoformat()} ({name}, "
                       f"{'day off' if kind == 'holiday' else 'make-up workday'}) of {day.year}: {state}",
                       err=True)
    else:
        path = import_year(year, calendars_dir, region, force=force)
    forget_year(calendars_dir, region, year)
    data = CalendarDays.load(path.parent, region).year(year)
    click.echo(f"wrote {path}: {len(data.holidays)} holidays, {len(data.workdays)} make-up workdays "
               f"({data.source})")
    _recompute_open_deadlines(cli, year)


def _recompute_open_deadlines(cli: CliContext, year: int) -> None:
    """Recompute the open cases' deadlines that rested on ``year`` while it was provisional."""
    from engine.cli.cases import _runtime
    from engine.store import Store

    if Store.missing_file(cli.settings.database_url):
        return  # no database yet: no case can rest on the provisional year
    try:
        runtime = _runtime(cli)
        runtime.store.require_current_schema()
        report = runtime.recompute_provisional([year])
    except KefuError as exc:  # no database here (a draft policy tree): the worker does it later
        click.echo(f"note: open deadlines were not recomputed now ({exc}); the worker recomputes them "
                   "on its next sweep", err=True)
        return
    click.echo(f"recomputed {report.deadlines} deadline(s) of {report.cases} open case(s) that rested on "
               f"the provisional {year}: {report.changed} changed (each in its case's audit log)")
    for case, message in report.failed:
        click.echo(f"warning: case {case} kept its deadlines: {message}", err=True)


@calendar_group.command("show")
@click.argument("year", type=int)
@click.option("--region", default="cn", show_default=True, help="Holiday region.")
@policies_option
@pass_cli
def show_command(cli: CliContext, year: int, region: str) -> None:
    """List a year's holidays and make-up workdays (调休上班)."""
    days = CalendarDays.load(cli.settings.policies_dir / "calendars", region)
    data = days.year(year)
    if data.provisional:
        click.echo(f"provisional 暂定: no file {days.path_for(year)}; computed from the law "
                   f"({days.rules.path if days.rules else ''}): holidays only, no make-up workdays")
    else:
        click.echo(f"{data.path}")
    click.echo(f"source: {data.source}")
    sections = (("holidays 法定节假日", data.holidays), ("make-up workdays 调休上班", data.workdays))
    for title, table in sections:
        click.echo(f"{title}: {len(table)}")
        for day, name in sorted(table.items()):
            click.echo(f"  {_day(day)}  {name}")


def _day(day: date) -> str:
    return f"{day.isoformat()} {day:%a} {_WEEKDAYS_ZH[day.weekday()]}"


@click.command("deadline")
@click.argument("key", required=False)
@click.option("--duration", "duration_text", metavar="TEXT", help="A duration instead of a policy KEY.")
@click.option("--from", "start_text", metavar="ISO8601", help="Start time with offset (default: now).")
@click.option("--subsidiary", metavar="CODE", help="Use this subsidiary's effective policy.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@policies_option
@pass_cli
def deadline_command(
    cli: CliContext,
    key: str | None,
    duration_text: str | None,
    start_text: str | None,
    subsidiary: str | None,
    as_json: bool,
) -> None:
    """Print the deadline of a policy KEY (or --duration TEXT) from a start; the last line is ISO 8601."""
    if (key is None) == (duration_text is None):
        raise click.UsageError("give a policy KEY or --duration TEXT (one of them)")
    start = parse_moment(start_text) if start_text else cli.clock.now()
    effective = _effective_policy(cli, subsidiary)
    calendar = effective.calendar
    source = None
    if key is not None:
        duration = effective.duration(key)
        source = _provenance(effective, key)
    else:
        duration = parse_duration(duration_text or "")
    with provisional_use() as provisional:
        due = duration.apply(start, calendar)
    if as_json:
        record: dict[str, Any] = {
            "key": key,
            "duration": duration.text,
            "source": source,
            "subsidiary": subsidiary,
            "calendar": {"timezone": calendar.timezone, "region": calendar.region},
            "from": calendar.localize(start).isoformat(),
            "deadline": due.isoformat(),
            "provisional": sorted(provisional),
        }
        click.echo(json.dumps(record, ensure_ascii=False))
        return
    click.echo(f"duration: {duration.text}" + (f" ({key}, {source})" if key else ""))
    click.echo(f"calendar: {calendar.describe()}" + (f" (subsidiary {subsidiary})" if subsidiary else ""))
    click.echo(f"from:     {calendar.localize(start).isoformat()}")
    for year in sorted(provisional):
        click.echo(f"provisional 暂定: {year} has no holiday file; computed from the statutory rules "
                   "(no make-up workdays), so this deadline may change when the year is imported")
    click.echo(due.isoformat())


def _effective_policy(cli: CliContext, subsidiary: str | None) -> Any:
    # Imported here so that `kefu calendar …` keeps working even when the policy package cannot load.
    from engine.policy import load_policy_set

    return load_policy_set(cli.settings.policies_dir).effective(subsidiary)


def _provenance(effective: Any, key: str) -> str | None:
    where = effective.provenance(key)
    if where is None:
        return None
    line = getattr(where, "line", None)
    return f"{where.path}:{line}" if line is not None else str(where.path)


def register(group: click.Group) -> None:
    """Add ``calendar`` and ``deadline`` to the ``kefu`` command group."""
    group.add_command(calendar_group)
    group.add_command(deadline_command)
