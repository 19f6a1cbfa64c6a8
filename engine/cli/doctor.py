"""``kefu doctor``: check a database's consistency; exit 1 listing each problem with a hint."""

from __future__ import annotations

import click

from engine.cli.common import CliContext, pass_cli
from engine.errors import KefuError

__all__ = ["register"]


@click.command("doctor")
@click.option("--check", "checks", multiple=True,
              type=click.Choice(["workflow", "inbox", "numbers", "domain", "audit", "org"]),
              help="Run only this check (repeatable; default: all).")
@pass_cli
def doctor_command(cli: CliContext, checks: tuple[str, ...]) -> None:
    """Workflow states, inbox rows, gapless numbers, domain rows, the audit log (with its anchor) and the
    department heads the category matrix needs."""
    from engine.audit_anchor import AnchorSettings
    from engine.cli.cases import _runtime
    from engine.doctor import CHECKS, run_doctor

    runtime = _runtime(cli)
    chosen = checks or CHECKS
    warnings: list[str] = []
    findings = run_doctor(runtime, AnchorSettings.from_settings(cli.settings), chosen, warnings)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    for finding in findings:
        click.echo(str(finding), err=True)
    if findings:
        raise KefuError(f"kefu doctor: {len(findings)} problem(s) in {runtime.store.safe_url}")
    click.echo(f"kefu doctor: {', '.join(chosen)}: no problems in {runtime.store.safe_url}")


def register(group: click.Group) -> None:
    """Add ``kefu doctor``."""
    group.add_command(doctor_command)
