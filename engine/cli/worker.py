"""``kefu worker|penalties|outbox``: run the worker, export the penalty ledger, look into the outbox.

``kefu worker --once`` runs one sweep (cron, tests); without it the worker sweeps every
``--interval`` seconds until stopped. E-mail and webhook transports come from the settings
(``KEFU_SMTP_URL``, ``KEFU_MAIL_FROM``, ``KEFU_SMS_WEBHOOK_URL``, ``KEFU_WECOM_WEBHOOK_URL``);
a channel without one keeps its messages queued.
"""

from __future__ import annotations

import re
from pathlib import Path

import click

from engine.cli.common import CliContext, pass_cli
from engine.errors import KefuError
from engine.store import Store
from engine.store.worker_repo import WorkerRepo

__all__ = ["register"]


def _store(cli: CliContext) -> Store:
    store = Store(cli.settings.database_url)
    click.get_current_context().call_on_close(store.dispose)
    store.require_schema()
    return store


def _worker(cli: CliContext) -> object:
    from engine.policy import load_policy_set
    from engine.policy_versions import VersionedPolicies
    from engine.processes import ProcessRegistry
    from engine.runtime import Runtime
    from engine.worker import Worker, transports_from
    from engine.worker.events import install

    store = _store(cli)
    policies = VersionedPolicies(store, cli.settings.policies_dir, cli.clock,
                                 load_policy_set(cli.settings.policies_dir))
    registry = ProcessRegistry.load(cli.settings.processes_dir)
    from engine.audit_anchor import AnchorSettings, AuditAnchor

    runtime = Runtime(store, policies, registry, cli.clock, policies.calendars_dir,
                      workflow_cache=cli.settings.workflow_cache_size)
    install(runtime)
    anchor = AuditAnchor(store, cli.clock, AnchorSettings.from_settings(cli.settings))
    return Worker(store, runtime, policies, cli.clock, transports=transports_from(cli.settings),
                  data_dir=cli.settings.data_dir, anchor=anchor)


@click.command("worker")
@click.option("--once", is_flag=True, help="Run one sweep and exit (for cron and tests).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds between sweeps.")
@pass_cli
def worker_command(cli: CliContext, once: bool, interval: float) -> None:
    """Fire due timers, run the scheduled jobs once per period, deliver the outbox."""
    from engine.worker import Worker

    worker = _worker(cli)
    assert isinstance(worker, Worker)
    if not once:
        click.echo(f"kefu worker {worker.name}: sweeping every {interval:g} s (Ctrl-C stops)")
        try:
            worker.run_forever(interval)
        except KeyboardInterrupt:
            click.echo("stopped")
        return
    report = worker.run_once()
    for job, unit, period, result in report.runs:
        details = ", ".join(f"{k}={v}" for k, v in result.items())
        click.echo(f"ran {job} {unit} {period}: {details}")
    if report.reports is not None:
        for root, month, units in report.reports.runs:
            late = " (late: an alert was raised)" if (root, month) in report.reports.late else ""
            click.echo(f"monthly report {month} delivered for {', '.join(units)}{late}")
    for job, unit, period in report.skipped:
        click.echo(f"skipped {job} {unit} {period}: done or held by another worker")
    for job, unit, period, error in report.failures:
        click.echo(f"FAILED {job} {unit} {period}: {error}", err=True)
    d = report.delivery
    volume = ", ".join(f"{k}={v}" for k, v in sorted(report.volume.items())) or "none"
    if report.checkpoint:
        click.echo(f"audit checkpoint #{report.checkpoint}")
    if report.deputised:
        click.echo(f"tasks handed to the deputies of absent staff: {report.deputised}")
    if report.campaigns:  # R6.3 opened, checked at their period's end, below their coverage target
        click.echo("survey campaigns: " + ", ".join(f"{k}={v}" for k, v in sorted(report.campaigns.items())))
    overdue = report.overdue.get("overdue_task", 0)
    if report.overdue.get("contact_change_overdue"):  # R0.3 contact changes not acknowledged in time
        click.echo(f"contact changes escalated: {report.overdue['contact_change_overdue']}")
    click.echo(f"timers fired: {report.timers_fired}; jobs run: {len(report.runs)}; volume alerts: {volume}; "
               f"overdue alerts: {overdue}; sent: {d.sent}, retrying: {d.failed}, given up: {d.dead}, "
               f"held for working time: {d.held}")
    if report.failures:
        raise KefuError(f"{len(report.failures)} job run(s) failed; they run again on the next sweep")


@click.group("penalties")
def penalties_group() -> None:
    """The penalty ledger (R2.5, R2.15)."""


@penalties_group.command("export")
@click.option("--month", required=True, metavar="YYYY-MM", help="The ledger month.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="File to write.")
@click.option("--subsidiary", metavar="CODE", help="Only this subsidiary.")
@pass_cli
def export_command(cli: CliContext, month: str, fmt: str, out: Path, subsidiary: str | None) -> None:
    """Write a month's ledger for HR and finance; prints the file and the total last."""
    from engine.policy import load_policy_set
    from engine.worker.export import write_ledger

    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        raise KefuError(f"--month {month!r} is not YYYY-MM (e.g. 2026-11)")
    policies = load_policy_set(cli.settings.policies_dir)
    zone = str(policies.effective(subsidiary).get("calendar.timezone"))  # the group's when None
    with _store(cli).read() as tx:
        repo = WorkerRepo(tx)
        lines = repo.penalties(month, subsidiary)
        staff = {s.login: s.name for s in repo.all_staff()}
        units = {code: unit.name for code, unit in tx.units().items()}
    write_ledger(lines, out, fmt, zone, staff, units)
    click.echo(f"{len(lines)} line(s), {sum(line.amount for line in lines)} yuan")
    click.echo(str(out))


@click.group("outbox")
def outbox_group() -> None:
    """Messages waiting to be sent, sent, or given up."""


@outbox_group.command("list")
@click.option("--status", type=click.Choice(["pending", "sending", "sent", "dead"]), help="Only this status.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@pass_cli
def outbox_list(cli: CliContext, status: str | None, limit: int) -> None:
    """List outbox messages, newest first."""
    with _store(cli).read() as tx:
        messages = WorkerRepo(tx).messages(status, limit)
    for m in messages:
        when = (m.sent_at or m.next_attempt_at).isoformat(timespec="minutes")
        error = f"  ({m.last_error})" if m.last_error else ""
        click.echo(f"{m.id:>6} {m.status:<8} {m.channel:<6} {m.recipient:<16} {m.attempts} {when} "
                   f"{m.subject}{error}")
    click.echo(f"{len(messages)} message(s)")


def register(group: click.Group) -> None:
    """Add the worker commands to ``kefu``."""
    group.add_command(worker_command)
    group.add_command(penalties_group)
    group.add_command(outbox_group)
