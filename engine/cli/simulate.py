"""``kefu simulate``: the timeline of one case under the current rules, and beside it under an overlay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from engine.cli.common import CliContext, parse_moment, pass_cli
from engine.clock import local_minutes

__all__ = ["register"]


def _line(sim: Any) -> list[str]:
    lines = [f"{sim.label}: {sim.number} {sim.status} · fines {sim.total_fines} yuan"
             + (" · stopped at the horizon" if sim.truncated else "")]
    lines += [f"  {local_minutes(e.at, sim.zone)}  {e.kind:<9} {e.text}" for e in sim.events]
    return lines


def _as_json(sim: Any) -> dict[str, Any]:
    def when(moment: Any) -> str | None:
        return moment.isoformat() if moment is not None else None

    return {"label": sim.label, "number": sim.number, "status": sim.status, "outcome": sim.outcome,
            "truncated": sim.truncated, "total_fines": sim.total_fines,
            "steps": [{"task": s.task, "title": s.title, "opened_at": when(s.opened_at),
                       "due_at": when(s.due_at), "done_at": when(s.done_at), "holder": s.holder,
                       "done_by": s.done_by, "late": s.late}
                      for s in sim.steps],
            "fines": [{"at": when(f.at), "person": f.person, "kind": f.kind, "amount": f.amount,
                       "text": f.text} for f in sim.fines],
            "events": [{"at": when(e.at), "kind": e.kind, "task": e.task, "text": e.text}
                       for e in sim.events]}


@click.command("simulate")
@click.argument("process")
@click.option("--at", "at_text", required=True, metavar="ISO8601", help="When the case is received.")
@click.option("--unit", required=True, metavar="CODE", help="The project (or unit) that takes the case.")
@click.option("--path", "path_name", default="happy", show_default=True,
              help="How the case is worked: happy (every step on time), late (every step past its deadline), "
                   "or another path of the process's script in engine/simulation/paths/ (repair: emergency; "
                   "visitor_reception: host_absent, desk; archive_access: refused).")
@click.option("--overlay", "overlay_file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="A changed overlay file (e.g. a copy of policies/subsidiaries/sz-property.yaml) to run "
                   "beside the current rules; its unit is the file's name unless --overlay-unit says "
                   "otherwise.")
@click.option("--overlay-unit", metavar="CODE", help="The policy unit whose file --overlay replaces.")
@click.option("--policy-draft", "draft_id", type=int, metavar="ID",
              help="A policy draft made in the browser (its number; needs --as LOGIN who may read it) to "
                   "run beside the current rules.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@pass_cli
def simulate_command(cli: CliContext, process: str, at_text: str, unit: str, path_name: str,
                     overlay_file: Path | None, overlay_unit: str | None, draft_id: int | None,
                     as_json: bool) -> None:
    """Run one case of PROCESS received --at in --unit through the real engine on a throw-away database."""
    from engine.errors import KefuError
    from engine.policy import load_policy_set
    from engine.policy_drafts import PolicyDesk
    from engine.policy_versions import VersionedPolicies
    from engine.processes import ProcessRegistry
    from engine.simulation import Overlay, compare, org_of, simulate
    from engine.store import Store

    at = parse_moment(at_text)
    store = Store(cli.settings.database_url)
    try:
        store.require_schema()
        org = org_of(store)
    finally:
        store.dispose()
    if overlay_file is not None and draft_id is not None:
        raise click.UsageError("give --overlay or --policy-draft, not both")
    store = Store(cli.settings.database_url)
    click.get_current_context().call_on_close(store.dispose)
    # the files with the versions published in the browser and in force at --now
    versioned = VersionedPolicies(store, cli.settings.policies_dir, cli.clock,
                                  load_policy_set(cli.settings.policies_dir))
    policies = versioned.current()
    registry = ProcessRegistry.load(cli.settings.processes_dir)
    runs = [simulate(process, at, unit, path_name, policies=policies, registry=registry, org=org)]
    if draft_id is not None:
        if not cli.actor:
            raise KefuError("say who you are: add --as LOGIN (someone who may read the draft) before "
                            "the command")
        draft = PolicyDesk(store, versioned, cli.clock).draft(cli.actor, draft_id)
        runs.append(simulate(process, at, unit, path_name, policies=policies, registry=registry, org=org,
                             overlay=Overlay(draft.unit, draft.text, label=f"草案第{draft.id}号")))
    if overlay_file is not None:
        overlay = Overlay(overlay_unit or overlay_file.stem, overlay_file.read_text(encoding="utf-8"),
                          label=f"overlay {overlay_file.name}")
        runs.append(simulate(process, at, unit, path_name, policies=policies, registry=registry, org=org,
                             overlay=overlay))
    if as_json:
        click.echo(json.dumps([_as_json(r) for r in runs], ensure_ascii=False, indent=2))
        return
    for sim in runs:
        click.echo("\n".join(_line(sim)))
    if len(runs) == 2:
        changed = [r for r in compare(*runs).rows if r.changed]
        click.echo("changed due times:" if changed else "no due time changes")
        for row in changed:
            old = local_minutes(row.left.due_at, runs[0].zone) if row.left and row.left.due_at else "—"
            new = local_minutes(row.right.due_at, runs[1].zone) if row.right and row.right.due_at else "—"
            click.echo(f"  {row.title}: {old} → {new}")


def register(group: click.Group) -> None:
    """Add ``simulate`` to the ``kefu`` command group."""
    group.add_command(simulate_command)


