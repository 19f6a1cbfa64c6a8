"""``kefu report monthly``: a unit's monthly statistics (R7.1) as JSON, Excel or PDF;
``kefu report ranking``: the month's rankings (R7.2) as JSON or Excel.

With ``--as LOGIN`` the report is read as that staff member (``report.read``: a manager of one
subsidiary cannot read another's); without it the command runs with the operator's access to the
database, like ``kefu penalties export``. ``--now`` fixes the moment the figures are "as at" for
the running month. The JSON lists the month's first 50 complaints (``complaints.items_total`` says
how many there are, ``items_page.next`` where the API serves the next page; ``--items all`` lists
every one); the Excel and the PDF always list them all.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from engine.cli.common import CliContext, pass_cli
from engine.store import Store

__all__ = ["register"]


@click.group("report")
def report_group() -> None:
    """Statistics and reports (R7)."""


@report_group.command("monthly")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month (in the unit's time zone).")
@click.option("--unit", metavar="CODE", help="A group, subsidiary or project code (default: the group).")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx", "pdf"]), default="json",
              show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="File to write (required for xlsx and pdf; JSON goes to stdout without it).")
@click.option("--items", "items", type=click.Choice(["page", "all"]), default="page", show_default=True,
              help="JSON: list the first page of the month's complaints (complaints.items_total says how "
                   "many; items_page.next where the rest is) or all of them. Excel and PDF list all.")
@pass_cli
def monthly_command(cli: CliContext, month: str, unit: str | None, fmt: str, out: Path | None,
                    items: str) -> None:
    """The unit's figures for the month: counts, on-time rates, handling time, visits, the list."""
    from engine.errors import KefuError
    from engine.permissions import subject_of
    from engine.policy import load_policy_set
    from engine.reports.export import report_pdf, report_xlsx
    from engine.reports.monthly import ITEMS_PER_PAGE, monthly_statistics
    from engine.runtime.access import load_staff

    if fmt != "json" and out is None:
        raise KefuError(f"--format {fmt} writes a file: add --out FILE")
    store = cli.open_store()
    subject = None
    if cli.actor:
        with store.read() as tx:
            subject = subject_of(load_staff(tx, cli.actor), tx.units)
    policies = load_policy_set(cli.settings.policies_dir)
    per_page = ITEMS_PER_PAGE if fmt == "json" and items == "page" else None
    figures = monthly_statistics(store, policies, month, unit, now=cli.clock.now(), subject=subject,
                                 items_per_page=per_page)
    if fmt == "json":
        text = json.dumps(figures, ensure_ascii=False, indent=2)
        if out is None:
            sys.stdout.write(text + "\n")
            return
        out.write_text(text + "\n", encoding="utf-8")
    elif fmt == "xlsx":
        assert out is not None
        out.write_bytes(report_xlsx(figures))
    else:
        assert out is not None
        group = figures["names"]["units"].get("group", "")
        out.write_bytes(report_pdf(figures, group))
    click.echo(str(out))


@report_group.command("ranking")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month (in the unit's time zone).")
@click.option("--unit", metavar="CODE", help="A group, subsidiary or project code (default: the group).")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="File to write (required for xlsx; JSON goes to stdout without it).")
@pass_cli
def ranking_command(cli: CliContext, month: str, unit: str | None, fmt: str, out: Path | None) -> None:
    """The month's rankings (R7.2): companies, projects, CS specialists and who is flagged."""
    from engine.errors import KefuError
    from engine.policy import load_policy_set
    from engine.reports.ranking import monthly_ranking
    from engine.reports.ranking_export import ranking_xlsx

    if fmt != "json" and out is None:
        raise KefuError(f"--format {fmt} writes a file: add --out FILE")
    store = cli.open_store()
    figures = monthly_ranking(store, load_policy_set(cli.settings.policies_dir), month, unit,
                              now=cli.clock.now(), subject=_subject(cli, store))  # type: ignore[arg-type]
    _write(fmt, out, figures, {"xlsx": ranking_xlsx})


def _subject(cli: CliContext, store: Store) -> object:
    from engine.permissions import subject_of
    from engine.runtime.access import load_staff

    if not cli.actor:
        return None
    with store.read() as tx:
        return subject_of(load_staff(tx, cli.actor), tx.units)


def _write(fmt: str, out: Path | None, figures: dict[str, object], binary: dict[str, object]) -> None:
    if fmt == "json":
        text = json.dumps(figures, ensure_ascii=False, indent=2)
        if out is None:
            sys.stdout.write(text + "\n")
            return
        out.write_text(text + "\n", encoding="utf-8")
    else:
        assert out is not None
        make = binary[fmt]
        out.write_bytes(make(figures))  # type: ignore[operator]
    click.echo(str(out))


@report_group.command("quarterly")
@click.option("--quarter", required=True, metavar="YYYYQn",
              help="The period, e.g. 2026Q3 (statistics.analysis_every_months long).")
@click.option("--unit", metavar="CODE", help="A group, subsidiary or project code (default: the group).")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx", "pdf"]), default="json",
              show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="File to write (required for xlsx and pdf; JSON goes to stdout without it).")
@pass_cli
def quarterly_command(cli: CliContext, quarter: str, unit: str | None, fmt: str, out: Path | None) -> None:
    """The quarterly analysis: totals, trend against the previous quarters and last year, types."""
    from engine.errors import KefuError
    from engine.policy import load_policy_set
    from engine.reports.quarterly import quarterly_analysis
    from engine.reports.quarterly_export import quarterly_pdf, quarterly_xlsx

    if fmt != "json" and out is None:
        raise KefuError(f"--format {fmt} writes a file: add --out FILE")
    store = cli.open_store()
    subject = _subject(cli, store)
    figures = quarterly_analysis(store, load_policy_set(cli.settings.policies_dir), quarter, unit,
                                 now=cli.clock.now(), subject=subject)  # type: ignore[arg-type]
    _write(fmt, out, figures, {"xlsx": quarterly_xlsx, "pdf": quarterly_pdf})


@report_group.command("bad-debt")
@click.option("--year", required=True, type=int, metavar="YYYY", help="The year analysed.")
@click.option("--unit", metavar="CODE", help="A group, subsidiary or project code (default: the group).")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="File to write (required for xlsx; JSON goes to stdout without it).")
@pass_cli
def bad_debt_command(cli: CliContext, year: int, unit: str | None, fmt: str, out: Path | None) -> None:
    """The year-end special analysis of the unresolvable complaints (R2.16), with and without them."""
    from engine.errors import KefuError
    from engine.policy import load_policy_set
    from engine.reports.quarterly import bad_debt_analysis
    from engine.reports.quarterly_export import bad_debt_xlsx

    if fmt != "json" and out is None:
        raise KefuError(f"--format {fmt} writes a file: add --out FILE")
    store = cli.open_store()
    subject = _subject(cli, store)
    figures = bad_debt_analysis(store, load_policy_set(cli.settings.policies_dir), year, unit,
                                now=cli.clock.now(), subject=subject)  # type: ignore[arg-type]
    _write(fmt, out, figures, {"xlsx": bad_debt_xlsx})


@report_group.command("store")
@click.option("--month", required=True, metavar="YYYY-MM", help="The month.")
@click.option("--unit", metavar="CODE", help="A group, subsidiary or project code (default: the group).")
@click.option("--note", help="Why it is generated again (kept with the version).")
@pass_cli
def store_command(cli: CliContext, month: str, unit: str | None, note: str | None) -> None:
    """Generate and store a new version of a unit's month (earlier versions are kept); prints it."""
    from engine.errors import KefuError
    from engine.policy import load_policy_set
    from engine.reports.delivery import store_report

    store = cli.open_store()
    if not cli.actor:
        raise KefuError("say who generates it: kefu --as LOGIN report store …")
    from engine.permissions import require, subject_of
    from engine.reports.monthly import report_target, resolve_unit
    from engine.runtime.access import load_staff

    with store.read() as tx:
        units = tx.units()
        require(subject_of(load_staff(tx, cli.actor), tx.units), "report.read",
                report_target(units, resolve_unit(units, unit)))
    policies = load_policy_set(cli.settings.policies_dir)
    figures = store_report(store, policies, unit, month, cli.clock.now(), by=cli.actor,
                           data_dir=cli.settings.data_dir, note=note)
    state = "final" if figures["final"] else "running month"
    click.echo(f"{figures['unit']} {figures['month']} version {figures['version']} ({state})")
    click.echo(figures["file"])


@report_group.command("versions")
@click.option("--unit", metavar="CODE", help="Only this unit.")
@click.option("--month", metavar="YYYY-MM", help="Only this month.")
@pass_cli
def versions_command(cli: CliContext, unit: str | None, month: str | None) -> None:
    """The stored versions of the monthly reports, newest first."""
    from engine.store.report_repo import ReportRepo

    store = cli.open_store()
    with store.read() as tx:
        found = ReportRepo(tx).reports(unit, month)
    for r in found:
        frozen = "frozen" if r.frozen else "running"
        note = f"  {r.note}" if r.note else ""
        when = r.generated_at.isoformat(timespec="minutes")
        click.echo(f"{r.month} {r.unit:<20} v{r.version} {frozen:<7} {when} {r.generated_by}{note}")
    click.echo(f"{len(found)} version(s)")


def register(group: click.Group) -> None:
    """Add the report commands to ``kefu``."""
    group.add_command(report_group)
