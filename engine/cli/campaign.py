"""``kefu campaign``: survey campaigns of a project's households (R6.3): open, record a visit, progress.

Every command acts as ``--as LOGIN`` (``campaign.open``, ``campaign.visit``, ``campaign.read``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from engine.cli.common import CliContext, pass_cli

__all__ = ["register"]


@click.group("campaign")
def campaign_group() -> None:
    """Quarterly opinion visits and half-yearly satisfaction surveys (R6.3)."""


def _open(cli: CliContext) -> Any:
    from engine.campaigns import Campaigns
    from engine.policy import load_policy_set

    store = cli.open_store("campaign")
    return Campaigns(store, cli.clock, load_policy_set(cli.settings.policies_dir), cli.settings.data_dir)


@campaign_group.command("open")
@click.option("--project", required=True, metavar="CODE")
@click.option("--kind", required=True, type=click.Choice(["opinion", "survey"]))
@click.option("--day", metavar="YYYY-MM-DD", help="A day of the period (default: today).")
@pass_cli
def open_command(cli: CliContext, project: str, kind: str, day: str | None) -> None:
    """Open the project's campaign for the period: its households become the ones to reach."""
    c = _open(cli).open(cli.actor, project, kind, day)
    click.echo(f"#{c.id} {c.project} {c.kind} {c.starts_on}..{c.ends_on} target {c.target_percent}%")


@campaign_group.command("visit")
@click.argument("campaign")
@click.option("--household", required=True, metavar="CODE")
@click.option("--method", required=True, type=click.Choice(["signed_survey", "phone"]))
@click.option("--record", required=True, help="The owner's answers (the detailed record of a call).")
@click.option("--satisfaction", metavar="CODE", help="A code of satisfaction.scale (required for a survey).")
@click.option("--second-signer", metavar="LOGIN", help="The colleague who co-signs a phone record.")
@click.option(
    "--form",
    "form",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="The owner's signed form (PDF, PNG or JPEG) of a signed survey.",
)
@click.option("--day", metavar="YYYY-MM-DD", help="The day of the visit (default: today).")
@pass_cli
def visit_command(
    cli: CliContext,
    campaign: str,
    household: str,
    method: str,
    record: str,
    satisfaction: str | None,
    second_signer: str | None,
    form: Path | None,
    day: str | None,
) -> None:
    """Record one household's visit."""
    visit = _open(cli).record(
        cli.actor,
        campaign,
        household=household,
        method=method,
        record=record,
        satisfaction=satisfaction,
        second_signer=second_signer,
        day=day,
        signed_form=form.read_bytes() if form else None,
    )
    click.echo(f"#{campaign} {visit['household']} {visit['method']} {visit['visited_on']}")


@campaign_group.command("status")
@click.argument("campaign")
@click.option("--json", "as_json", is_flag=True, help="One JSON object, with the households still to reach.")
@click.option("--xlsx", "xlsx", type=click.Path(path_type=Path, dir_okay=False), help="Also write the Excel.")
@pass_cli
def status_command(cli: CliContext, campaign: str, as_json: bool, xlsx: Path | None) -> None:
    """The campaign's coverage against its target, live."""
    from engine.campaign_export import campaign_xlsx

    campaigns = _open(cli)
    progress = campaigns.progress(cli.actor, campaign)
    if xlsx is not None:
        visits = campaigns.visits(cli.actor, campaign)
        xlsx.write_bytes(campaign_xlsx(progress, visits, progress.campaign.project, {}))
    if as_json:
        sys.stdout.write(json.dumps(progress.as_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    figures = progress.as_dict()
    rate = "-" if figures["coverage"] is None else f"{figures['coverage'] * 100:.2f}%"
    click.echo(
        f"#{figures['id']} {figures['project']} {figures['kind']} "
        f"{figures['starts_on']}..{figures['ends_on']}: "
        f"{figures['reached']}/{figures['households']} = {rate} (target {figures['target_percent']}%, "
        f"{'met' if figures['met'] else str(figures['needed']) + ' more needed'})"
    )


@campaign_group.command("list")
@pass_cli
def list_command(cli: CliContext) -> None:
    """The campaigns of one's projects, newest first."""
    for p in _open(cli).listing(cli.actor):
        c = p.campaign
        click.echo(f"#{c.id} {c.project} {c.kind} {c.starts_on}..{c.ends_on} {p.reached}/{p.households}")


def register(group: click.Group) -> None:
    """Add the campaign commands to ``kefu``."""
    group.add_command(campaign_group)
