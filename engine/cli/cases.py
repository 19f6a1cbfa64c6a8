"""``kefu init|org|case|inbox|task|timers|audit``: cases and tasks from the command line.

Every command acts as the staff member named by the global ``--as LOGIN`` at the time ``--now``
(default: the real clock) against ``--db URL`` (default: ``KEFU_DATABASE_URL`` or the SQLite file
under ``var/``). Errors print one line and exit 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import Any

import click

from engine.cli.common import CliContext, pass_cli
from engine.clock import local_minutes
from engine.errors import ConflictError, FormError, KefuError, PermissionDenied
from engine.runtime import VIEWS, CaseView, InboxItem, Runtime
from engine.store import Store

__all__ = ["register"]

DEMO_ORG = Path(__file__).resolve().parent.parent / "demo" / "org.yaml"
DEMO_HOUSEHOLDS = DEMO_ORG.with_name("households.yaml")
DEMO_FAQ = DEMO_ORG.with_name("faq.yaml")
DEMO_CONTACTS = DEMO_ORG.with_name("contacts.yaml")


def _store(cli: CliContext) -> Store:
    """The store of this command; its connections close when the command ends."""
    store = Store(cli.settings.database_url)
    click.get_current_context().call_on_close(store.dispose)
    return store


def _runtime(cli: CliContext, *, store: Store | None = None, check: bool = True) -> Runtime:
    from engine.policy import load_policy_set
    from engine.policy_versions import VersionedPolicies
    from engine.processes import ProcessRegistry
    from engine.worker.events import install as install_notifications

    store = store or _store(cli)
    if check:
        store.require_schema()
    # the files under policies/ with the versions published in the browser over them
    policies = VersionedPolicies(store, cli.settings.policies_dir, cli.clock,
                                 load_policy_set(cli.settings.policies_dir))
    registry = ProcessRegistry.load(cli.settings.processes_dir)
    runtime = Runtime(store, policies, registry, cli.clock, policies.calendars_dir,
                      workflow_cache=cli.settings.workflow_cache_size)
    install_notifications(runtime)  # outbox rows in the transaction of the step that causes them
    return runtime


def _actor(cli: CliContext) -> str:
    if not cli.actor:
        raise KefuError("say who you are: add --as LOGIN before the command (e.g. kefu --as zhang.wei inbox)")
    return cli.actor


def _data(value: str | None) -> dict[str, Any]:
    """Form data from JSON text or ``@file``."""
    if not value:
        return {}
    text = value
    if value.startswith("@"):
        try:
            text = Path(value[1:]).read_text(encoding="utf-8")
        except OSError as exc:
            raise KefuError(f"cannot read {value[1:]}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise KefuError(f"--data is not valid JSON ({exc.msg} at column {exc.colno}); "
                        "e.g. '{\"room\": \"1-101\"}'") from None
    if not isinstance(data, dict):
        raise KefuError("--data must be a JSON object of field → value")
    return data


def _when(moment: datetime | None, zone: tzinfo) -> str:
    return local_minutes(moment, zone) if moment else "-"


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _keep_input(action: Callable[[], Any], data: dict[str, Any]) -> Any:
    """Run ``action``; on a conflict or form error print the typed input back before failing."""
    try:
        return action()
    except (ConflictError, FormError):
        click.echo("your input (not saved): " + json.dumps(data, ensure_ascii=False), err=True)
        raise


def _task_line(item: InboxItem, zone: tzinfo, now: datetime) -> str:
    late = " OVERDUE" if item.is_overdue(now) else ""
    who = item.assignee or item.candidate_group or "-"
    due = _when(item.due_at, zone)
    return f"{item.task_id[:8]}  {item.case_number}  {item.title}  [{who}]  due {due}{late}"


@click.command("init")
@click.option("--demo", is_flag=True,
              help="Also import the demo organisation and households (engine/demo/*.yaml).")
@click.option("--force", is_flag=True,
              help="Make the files under processes/ current even where a process owner deployed a version.")
@pass_cli
def init_command(cli: CliContext, demo: bool, force: bool) -> None:
    """Create or upgrade the database, register the process versions (and the demo org)."""
    store = _store(cli)
    revision = store.migrate()
    runtime = _runtime(cli, store=store, check=False)
    click.echo(f"database {store.safe_url} at schema {revision}")
    from engine.credentials import import_token_file

    imported = import_token_file(store, cli.settings.data_dir / "api_tokens.json", cli.clock)
    if imported:
        click.echo(f"api tokens: {imported} moved from api_tokens.json into the database")
    for done in runtime.register_processes(force=force):
        click.echo(_registration_line(done))
    from engine.reports.facts import backfill

    filled = backfill(runtime)
    if filled:
        click.echo(f"statistics: facts of {filled} earlier case(s) filled in")
    from engine.store.report_repo import ReportRepo

    zone = str(runtime.policies.effective(None).calendar.tz)
    with store.write() as tx:  # PostgreSQL, once per zone: transitions wait meanwhile (35 s a million cases)
        if ReportRepo(tx).build_cells(zone, cli.clock.now()):
            click.echo(f"statistics: report cells built for {zone} (a closed month is read from them)")
    if demo:
        _import_org(cli, runtime, DEMO_ORG)
        from engine.visitors import import_households

        households = import_households(runtime, DEMO_HOUSEHOLDS)
        click.echo(f"households {DEMO_HOUSEHOLDS.name}: {households} new")
        _demo_faq(runtime)
        _demo_contacts(runtime)


def _registration_line(done: Any) -> str:
    """One line per process of ``kefu init``: what became of its file."""
    v, cur = done.version, done.current
    head = f"process {done.process_id} {v.label} {v.version[:12]}"
    if done.status == "registered":
        return f"{head} registered, current"
    if done.status == "current":
        return f"{head} (known, current)"
    who = f"deployed by {cur.deployed_by}" if cur.deployed_by else "registered"
    what = "stored, not current" if done.status == "stored" else "known, not current"
    return (f"{head} {what}: {cur.label} ({who}) stays current; 'kefu init --force' makes the files "
            f"current, 'kefu process export DIR' writes {cur.label} to files")


def _demo_faq(runtime: Runtime) -> None:
    """Fill an empty FAQ book with the demo entries."""
    import yaml

    from engine.faq import FaqBook

    book = FaqBook.for_policy(runtime.store, runtime.clock, runtime.policies.effective(None))
    if book.entries(include_retired=True):
        click.echo(f"faq {DEMO_FAQ.name}: the book has entries, none added")
        return
    doc = yaml.safe_load(DEMO_FAQ.read_text(encoding="utf-8"))
    for item in doc["entries"]:
        book.add(line=item["line"], question=item["question"], answer=item["answer"],
                 keywords=item.get("keywords", ""), actor=doc["editor"])
    click.echo(f"faq {DEMO_FAQ.name}: {len(doc['entries'])} entries added")


def _demo_contacts(runtime: Runtime) -> None:
    """Publish the demo contacts for the units that publish none yet."""
    import yaml

    from engine.contacts import Contacts

    doc = yaml.safe_load(DEMO_CONTACTS.read_text(encoding="utf-8"))
    seeded = Contacts.of(runtime).seed(doc["contacts"])
    click.echo(f"contacts {DEMO_CONTACTS.name}: {seeded} unit(s) published")


def _import_org(cli: CliContext, runtime: Runtime, path: Path) -> None:
    from engine.org import load_org

    units, staff = runtime.import_org(load_org(path), actor=cli.actor or "system")
    click.echo(f"org {path.name}: {units} unit(s) and {staff} staff changed")


@click.group("org")
def org_group() -> None:
    """The organisation: units and staff."""


@org_group.command("import")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@pass_cli
def org_import_command(cli: CliContext, file: Path) -> None:
    """Insert or update units and staff from an org YAML file."""
    _import_org(cli, _runtime(cli), file)


@org_group.command("export")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Write the file here (default: print it).")
@pass_cli
def org_export_command(cli: CliContext, out: Path | None) -> None:
    """Write the organisation in the database (edited in the browser too) as an org YAML file."""
    from engine.org import render_org
    from engine.org_admin import reading_order
    from engine.store.org_repo import OrgRepo

    store = _store(cli)
    store.require_schema()
    with store.read() as tx:
        units, people = tx.units(), OrgRepo(tx).all_staff()
    group = next((u for u in units.values() if u.kind == "group"), None)
    if group is None:
        raise KefuError("the database has no organisation yet; import one with kefu org import FILE")
    text = render_org(group, [units[c] for c in reading_order(units)], people)  # kept on import again
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}: {len(units) - 1} unit(s), {len(people)} staff")


@click.group("case")
def case_group() -> None:
    """Cases: open, show, send a message."""


@case_group.command("open")
@click.argument("process")
@click.option("--data", "data_text", metavar="JSON|@FILE",
              help="The start form (add 'project' to choose one).")
@pass_cli
def case_open_command(cli: CliContext, process: str, data_text: str | None) -> None:
    """Open a case of PROCESS as --as (the first receiver); prints the case number last."""
    from engine.intake import open_case

    runtime = _runtime(cli)
    data = _data(data_text)
    base = cli.settings.base_url
    try:
        case = _keep_input(lambda: open_case(runtime, process, data, _actor(cli), answer_base=base), data)
    except PermissionDenied as exc:  # e.g. a worker-only process (R2.13): say it in Chinese too
        if exc.zh:
            click.echo(f"错误：{exc.zh}", err=True)
        raise
    zone, now = runtime.zone, cli.clock.now()
    click.echo(f"opened {case.process_id} case, status {case.status}")
    for item in case.tasks:
        click.echo("  " + _task_line(item, zone, now))
    click.echo(case.number)


def _show_case(case: CaseView, zone: tzinfo, now: datetime) -> None:
    click.echo(f"{case.number}  {case.process_id}  status {case.status}"
               + (f"  outcome {case.outcome}" if case.outcome else ""))
    click.echo(f"  first receiver {case.first_receiver}; unit {case.project or case.subsidiary}; "
               f"opened {_when(case.opened_at, zone)}; closed {_when(case.closed_at, zone)}")
    fields = {k: getattr(case, k) for k in ("customer_name", "customer_phone", "room", "category", "channel",
                                            "urgency", "scope", "responsible_department")}
    click.echo("  " + ", ".join(f"{k}={v}" for k, v in fields.items() if v))
    click.echo("open tasks:" if case.tasks else "open tasks: none")
    for item in case.tasks:
        click.echo("  " + _task_line(item, zone, now))
    if case.timeline:
        click.echo("timeline:")
    for ev in case.timeline:
        detail = next((str(ev.data[k]) for k in ("title", "name", "message", "reason") if ev.data.get(k)), "")
        extra = " (late)" if ev.data.get("late") else ""
        click.echo(f"  {_when(ev.at, zone)}  {ev.actor:<14} {ev.action:<15} {detail}{extra}")


@case_group.command("show")
@click.argument("number")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def case_show_command(cli: CliContext, number: str, as_json: bool) -> None:
    """Status, current tasks and the timeline of a case."""
    runtime = _runtime(cli)
    case = runtime.get_case(number, _actor(cli))
    if as_json:
        click.echo(json.dumps(_jsonable(asdict(case)), ensure_ascii=False, indent=2))
    else:
        _show_case(case, runtime.zone, cli.clock.now())


@case_group.command("message")
@click.argument("number")
@click.argument("name")
@click.option("--data", "data_text", metavar="JSON|@FILE", help="The message payload.")
@pass_cli
def case_message_command(cli: CliContext, number: str, name: str, data_text: str | None) -> None:
    """Deliver message NAME to a case (e.g. a customer's reply)."""
    runtime = _runtime(cli)
    data = _data(data_text)
    case = _keep_input(lambda: runtime.send_message(number, name, data, _actor(cli)), data)
    click.echo(f"{case.number}: message {name} delivered; status {case.status}")


@click.command("inbox")
@click.option("--view", type=click.Choice(VIEWS), default="mine", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def inbox_command(cli: CliContext, view: str, as_json: bool) -> None:
    """Open tasks of --as: mine, queue (unclaimed in my roles), overdue, all (supervisors)."""
    runtime = _runtime(cli)
    items = runtime.inbox(_actor(cli), view)
    if as_json:
        click.echo(json.dumps([_jsonable(asdict(i)) for i in items], ensure_ascii=False, indent=2))
        return
    zone, now = runtime.zone, cli.clock.now()
    for item in items:
        click.echo(_task_line(item, zone, now))
    click.echo(f"{len(items)} task(s) in view {view}")


@click.group("task")
def task_group() -> None:
    """Tasks: claim, release, complete (ids may be shortened to 8+ characters)."""


@task_group.command("claim")
@click.argument("task_id")
@pass_cli
def task_claim_command(cli: CliContext, task_id: str) -> None:
    """Take a task from the queue."""
    item = _runtime(cli).claim_task(task_id, _actor(cli))
    click.echo(f"claimed {item.task_id[:8]} {item.title} ({item.case_number})")


@task_group.command("release")
@click.argument("task_id")
@pass_cli
def task_release_command(cli: CliContext, task_id: str) -> None:
    """Give a claimed task back to its queue."""
    item = _runtime(cli).release_task(task_id, _actor(cli))
    click.echo(f"released {item.task_id[:8]} {item.title} ({item.case_number})")


@task_group.command("complete")
@click.argument("task_id")
@click.option("--data", "data_text", metavar="JSON|@FILE", help="The task's form.")
@pass_cli
def task_complete_command(cli: CliContext, task_id: str, data_text: str | None) -> None:
    """Submit a task's form."""
    runtime = _runtime(cli)
    data = _data(data_text)
    case = _keep_input(lambda: runtime.complete_task(task_id, _actor(cli), data), data)
    zone, now = runtime.zone, cli.clock.now()
    click.echo(f"{case.number}: status {case.status}" + (f", outcome {case.outcome}" if case.outcome else ""))
    for item in case.tasks:
        click.echo("  next: " + _task_line(item, zone, now))


@click.group("timers")
def timers_group() -> None:
    """Timers of waiting cases."""


@timers_group.command("fire")
@click.option("--limit", default=500, show_default=True, help="At most this many cases.")
@pass_cli
def timers_fire_command(cli: CliContext, limit: int) -> None:
    """Fire the timers due at --now; prints how many fired."""
    click.echo(str(_runtime(cli).fire_due_timers(limit=limit)))


@click.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@pass_cli
def audit_verify_command(cli: CliContext) -> None:
    """Check every hash chain and every checkpoint of the audit anchor; exit 1 listing what is broken."""
    from engine.audit_anchor import AnchorSettings, verify_audit

    store = _store(cli)
    store.require_schema()
    report = verify_audit(store, AnchorSettings.from_settings(cli.settings), cli.clock)
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    for problem in report.problems:
        click.echo(problem, err=True)
    if report.problems:
        raise KefuError(f"audit log: {len(report.problems)} problem(s)")
    newest = report.latest
    latest = f"; newest checkpoint #{newest.seq} of {local_minutes(newest.at, UTC)} UTC" if newest else ""
    click.echo(f"audit log intact: {report.chains} chain(s), {report.events} event(s), "
               f"{report.checkpoints} checkpoint(s){latest}")


@audit_group.command("checkpoint")
@click.option("--force", is_flag=True, help="Write one even if the interval has not passed.")
@pass_cli
def audit_checkpoint_command(cli: CliContext, force: bool) -> None:
    """Anchor the audit log now: write a signed checkpoint to KEFU_AUDIT_CHECKPOINT_DIR."""
    from engine.audit_anchor import AnchorSettings, AuditAnchor

    store = _store(cli)
    store.require_schema()
    written = AuditAnchor(store, cli.clock, AnchorSettings.from_settings(cli.settings)).checkpoint(force)
    if written is None:
        click.echo("no checkpoint: the last one is within KEFU_AUDIT_CHECKPOINT_INTERVAL (use --force)")
        return
    click.echo(f"checkpoint #{written.seq}: {len(written.entries)} chain(s) changed, "
               f"{written.chains} anchored")
    click.echo(str(written.path))


def register(group: click.Group) -> None:
    """Add the case and task commands to ``kefu``."""
    commands = (init_command, org_group, case_group, inbox_command, task_group, timers_group, audit_group)
    for command in commands:
        group.add_command(command)
