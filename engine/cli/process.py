"""``kefu process …``: check diagrams, list the actions they may call, deployed versions, migration.

``check FILE…`` prints every problem as ``file:line: [element id] code message`` and exits 1 when
there is one. The other commands work on the database's deployed versions (see ``engine/runtime/
versions.py``): ``list``, ``deploy FILE…``, ``export DIR``, ``diff PROCESS V1 V2`` and ``migrate``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from engine.cli.common import CliContext, pass_cli
from engine.clock import local_minutes
from engine.errors import KefuError

__all__ = ["register"]


@click.group("process")
def process_group() -> None:
    """Diagrams: check, actions, deployed versions, migration of open cases."""


@process_group.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@pass_cli
def check_command(cli: CliContext, files: tuple[Path, ...], as_json: bool) -> None:
    """Check diagrams against SpiffWorkflow, kefu, the policy and the actions; every problem, file:line."""
    from engine.actions import default_actions
    from engine.policy import load_policy_set
    from engine.processes.check import check_files

    policies = load_policy_set(cli.settings.policies_dir)
    findings = check_files(list(files), policies=policies, actions=default_actions())
    if as_json:
        click.echo(json.dumps([f.as_dict() for f in findings], ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            click.echo(str(finding))
    if findings:
        raise KefuError(f"{len(findings)} problem(s) in {len(files)} file(s)")
    if not as_json:
        click.echo(f"{len(files)} file(s) checked: no problems")


@process_group.command("actions")
@click.option("--json", "as_json", is_flag=True, help="Print the registry as JSON (what the modeler reads).")
def actions_command(as_json: bool) -> None:
    """The actions a service task may call, with their parameters."""
    from engine.actions import default_actions

    described = default_actions().describe()
    if as_json:
        click.echo(json.dumps(described, ensure_ascii=False, indent=2))
        return
    for action in described:
        click.echo(f"{action['name']}  {action['label']['zh']} ({action['label']['en']})")
        for param in action["params"]:
            need = "required" if param["required"] else "optional"
            click.echo(f"    {param['name']}: {param['type']}, {need} — {param['label']['zh']}"
                       + (f"; {param['help']}" if param["help"] else ""))
        if action["result"]:
            click.echo(f"    → {action['result']}")


def _read_files(files: tuple[Path, ...]) -> dict[str, str]:
    """The texts of the given diagrams and, next to each, its forms file."""
    texts: dict[str, str] = {}
    for path in files:
        forms = path.name.endswith(".forms.yaml")
        bpmn = path.with_name(path.name[: -len(".forms.yaml")] + ".bpmn") if forms else path
        for one in (bpmn, bpmn.with_name(bpmn.name[: -len(".bpmn")] + ".forms.yaml")):
            if one.name in texts or not one.is_file():
                continue
            try:
                texts[one.name] = one.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise KefuError(f"cannot read {one}: {exc}") from None
        if bpmn.name not in texts:
            raise KefuError(f"no diagram {bpmn}; give the .bpmn file (its .forms.yaml comes along)")
    return texts


@process_group.command("list")
@click.argument("process", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def list_command(cli: CliContext, process: str | None, as_json: bool) -> None:
    """Deployed versions of every process (or one): current, who deployed when, open cases. A stage (a
    process that runs only as a call activity of another, e.g. complaint_plan) is listed under the
    process that calls it, marked "stage of …"; no case opens on it directly."""
    from engine.cli.cases import _runtime
    from engine.process_drafts import stage_order

    runtime = _runtime(cli)
    versions = runtime.process_versions(process)
    stages = runtime.process_stages()
    if as_json:
        rows = [{**v.as_dict(), "stage_of": stages.get(v.record.process_id)} for v in versions]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    by_process: dict[str, list[Any]] = {}
    for info in versions:
        by_process.setdefault(info.record.process_id, []).append(info)
    zone = runtime.zone
    for pid, depth in stage_order(list(by_process), stages):
        for info in by_process[pid]:
            v = info.record
            mark = "*" if v.current else " "
            when = local_minutes(v.deployed_at or v.created_at, zone)
            who = v.deployed_by or "files"
            name = "  " * depth + ("└ " if depth else "") + pid
            stage = f"  stage of {stages[pid]}" if stages.get(pid) else ("  stage" if pid in stages else "")
            click.echo(f"{mark} {name:<26} {v.label:<4} {v.version[:12]}  {v.source:<6} {who:<14} "
                       f"{when}  {info.open_cases} open case(s){stage}")


@process_group.command("deploy")
@click.argument("files", nargs=-1, required=True,
                type=click.Path(path_type=Path, dir_okay=False, exists=True))
@pass_cli
def deploy_command(cli: CliContext, files: tuple[Path, ...]) -> None:
    """Deploy diagrams (each with its forms file) as current versions; --as a process owner, clean check."""
    from engine.cli.cases import _actor, _runtime

    runtime = _runtime(cli)
    try:
        done = runtime.deploy(_read_files(files), _actor(cli))
    except KefuError as exc:
        for finding in getattr(exc, "findings", []):
            click.echo(str(finding), err=True)
        raise
    if not done:
        click.echo("nothing changed: the files are the current versions")
    for item in done:
        v = item.version
        click.echo(f"process {item.process_id} {v.label} {v.version[:12]} deployed, current")


@process_group.command("export")
@click.argument("directory", type=click.Path(path_type=Path, file_okay=False))
@pass_cli
def export_command(cli: CliContext, directory: Path) -> None:
    """Write the current versions' files into DIRECTORY (for version control)."""
    from engine.cli.cases import _runtime

    for path in _runtime(cli).export_processes(directory):
        click.echo(str(path))


@process_group.command("diff")
@click.argument("process")
@click.argument("old")
@click.argument("new", default="current")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (what the diff view colours).")
@pass_cli
def diff_command(cli: CliContext, process: str, old: str, new: str, as_json: bool) -> None:
    """What changed in PROCESS from version OLD to NEW (v3, 3, a hash prefix or 'current')."""
    from engine.cli.cases import _runtime

    diff = _runtime(cli).diff_versions(process, old, new)
    if as_json:
        click.echo(json.dumps(diff, ensure_ascii=False, indent=2))
        return
    click.echo(f"{process}: {diff['from']['label']} → {diff['to']['label']}")
    for spec, changes in diff["specs"].items():
        if changes["status"] in ("added", "removed"):
            click.echo(f"  process {spec}: {changes['status']}")
            continue
        for kind, sign in (("added", "+"), ("removed", "-")):
            for item in changes.get(kind, []):
                click.echo(f"  {sign} {spec}/{item['id']} {item['name']} ({item['type']})")
        for item in changes.get("changed", []):
            click.echo(f"  ~ {spec}/{item['id']} {item['name']}: {', '.join(item['changes'])}")
        for line in _flow_lines(spec, diff["flows"].get(spec)):
            click.echo(line)
    for task, entry in diff["forms"].items():
        for name in entry["added"]:
            click.echo(f"  + form {task}.{name}")
        for name in entry["removed"]:
            click.echo(f"  - form {task}.{name}")
        for name, what in entry["changed"].items():
            click.echo(f"  ~ form {task}.{name}: {'; '.join(what)}")
    for task, what in diff["tasks"].items():
        click.echo(f"  ~ task {task}: {'; '.join(what)}")


def _flow_lines(spec: str, flows: dict[str, Any] | None) -> list[str]:
    """The sequence flows of ``spec``'s diagram added (+), removed (-) and changed (~): the flow's id,
    source → target, its name and condition; a changed flow says what it was before."""
    if not flows:
        return []

    def shown(flow: dict[str, Any]) -> str:
        name = f" 「{flow['name']}」" if flow["name"] else ""
        condition = f" if {flow['condition']}" if flow["condition"] else " (no condition)"
        return f"{flow['source']} → {flow['target']}{name}{condition}"

    lines = [f"  + flow {spec}/{f['id']}: {shown(f)}" for f in flows["added"]]
    lines += [f"  - flow {spec}/{f['id']}: {shown(f)}" for f in flows["removed"]]
    for f in flows["changed"]:
        was = "; ".join(f"{part} {f['before'][part]!r} → {f[part]!r}" for part in f["changes"])
        lines.append(f"  ~ flow {spec}/{f['id']}: {shown(f)} ({was})")
    return lines


@process_group.command("migrate")
@click.argument("process")
@click.option("--to", "to", required=True, metavar="VERSION",
              help="Target version: v3, 3, a hash prefix, current.")
@click.option("--cases", "numbers", metavar="N1,N2…", help="Only these case numbers (comma-separated).")
@click.option("--dry-run", is_flag=True,
              help="Say for each case whether it can move, and why not; change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_cli
def migrate_command(cli: CliContext, process: str, to: str, numbers: str | None, dry_run: bool,
                    as_json: bool) -> None:
    """Move open cases of PROCESS to another version, case by case (--as a process owner)."""
    from engine.cli.cases import _actor, _runtime

    chosen = [n.strip() for n in numbers.split(",") if n.strip()] if numbers else None
    moves = _runtime(cli).migrate_cases(process, to, _actor(cli), numbers=chosen, dry_run=dry_run)
    if as_json:
        click.echo(json.dumps([m.as_dict() for m in moves], ensure_ascii=False, indent=2))
    for move in moves if not as_json else []:
        if move.error:
            state = f"FAILED: {move.error}"
        elif not move.movable:
            state = "cannot move: " + "; ".join(move.reasons)
        else:
            notes = ": " + "; ".join(move.notes) if move.notes else ""
            state = ("can move" if dry_run else "moved") + notes
        click.echo(f"{move.number}  {move.from_label} → {move.to_label}  {state}")
    failed = [m for m in moves if m.error or not m.movable]
    if not as_json:
        verb = "can move" if dry_run else "moved"
        click.echo(f"{sum(1 for m in moves if m.movable and not m.error)} of {len(moves)} case(s) {verb}")
    if failed and not dry_run:
        raise KefuError(f"{len(failed)} case(s) stayed on their version")


def register(group: click.Group) -> None:
    """Add ``kefu process`` to ``kefu``."""
    group.add_command(process_group)
