"""``kefu process …``: check diagrams, list the actions they may call, deployed versions, migration.

``check FILE…`` prints every problem as ``file:line: [element id] code message`` and exits 1 when
there is one. The other commands work on the database's deployed versions (see ``engine/runtime/
versions.py``): ``list``, ``deploy FILE…``, ``export DIR``, ``diff PROCESS V1 V2`` and ``migrate``.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from engine.cli.common import CliContext, pass_cli
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


def register(group: click.Group) -> None:
    """Add ``kefu process`` to ``kefu``."""
    group.add_command(process_group)
