"""``kefu review``: the reviews of R2.18 — the weekly leftover and monthly major-complaint lists
(generate, note, sign off) and the quarterly systemic analysis's department tasks (answer).

Every command acts as ``--as LOGIN`` (``review.read``, ``review.generate``, ``review.sign``,
``review.answer``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from engine.cli.common import CliContext, pass_cli

__all__ = ["register"]


@click.group("review")
def review_group() -> None:
    """Weekly leftover and monthly major-complaint reviews, quarterly systemic analysis (R2.18)."""


def _open(cli: CliContext) -> Any:
    from engine.policy import load_policy_set
    from engine.reviews import Reviews

    store = cli.open_store("review")
    return Reviews(store, cli.clock, load_policy_set(cli.settings.policies_dir))


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value.isoformat() if hasattr(value, "isoformat") else value


def _line(r: dict[str, Any]) -> str:
    from engine.reviews import KINDS

    if r["kind"] == "systemic":
        size = f"{len(r['summary'].get('departments', {}))} department(s)"
    else:
        size = f"{r.get('noted', 0)}/{r.get('items', 0)} noted"
    signed = f" by {r['signed_by']}" if r["signed_by"] else ""
    return (f"#{r['id']} {r['unit']} {r['kind']} {r['period']} ({KINDS[r['kind']][2]}): {size}, "
            f"{r['status']}{signed}")


@review_group.command("list")
@click.option("--kind", type=click.Choice(["leftover", "major", "systemic"]))
@click.option("--unit", metavar="CODE",
              help="A subsidiary (default: one's own, or every one for group staff).")
@pass_cli
def list_command(cli: CliContext, kind: str | None, unit: str | None) -> None:
    """The lists one may read, newest first."""
    for r in _open(cli).listing(cli.actor, kind=kind, unit=unit):
        click.echo(_line(r))


@review_group.command("generate")
@click.option("--kind", required=True, type=click.Choice(["leftover", "major"]))
@click.option("--unit", metavar="CODE", help="The subsidiary (default: one's own).")
@pass_cli
def generate_command(cli: CliContext, kind: str, unit: str | None) -> None:
    """This period's list, generated now unless the worker has (the same list, as at the period's moment)."""
    book = _open(cli)
    made = book.generate(cli.actor, kind, unit)
    click.echo(_line({**made, "items": len(book.show(cli.actor, made["id"])["items"])}))


@review_group.command("show")
@click.argument("review")
@click.option("--json", "as_json", is_flag=True, help="One JSON object with the complaints and notes.")
@click.option("--xlsx", "xlsx", type=click.Path(path_type=Path, dir_okay=False), help="Also write the Excel.")
@pass_cli
def show_command(cli: CliContext, review: str, as_json: bool, xlsx: Path | None) -> None:
    """A list with each complaint and its note (an analysis with its department tasks)."""
    book = _open(cli)
    found = book.show(cli.actor, review)
    if xlsx is not None:
        from engine.review_export import review_xlsx
        from engine.store.worker_repo import WorkerRepo

        policy = book.policy(found["unit"])
        with book.store.read() as tx:
            units = tx.units()
            names = {s.login: s.name for s in WorkerRepo(tx).all_staff()}
        labels = {"categories": {str(c["code"]): str(c["name"]) for c in policy.get("complaint.categories")},
                  "departments": {str(d["code"]): str(d["name"]) for d in policy.get("departments")},
                  "units": {c: u.name for c, u in units.items()}}
        unit_name = units[found["unit"]].name if found["unit"] in units else found["unit"]
        xlsx.write_bytes(review_xlsx(found, unit_name, names, labels, policy.calendar))
    if as_json:
        sys.stdout.write(json.dumps(_plain(found), ensure_ascii=False, indent=2) + "\n")
        return
    click.echo(_line({**found, "items": len(found["items"]),
                      "noted": sum(1 for i in found["items"] if i["noted_at"])}))
    for item in found["items"]:
        click.echo(f"  [{item['id']}] {item['position']}. {item['case_number']} "
                   f"{item['data'].get('severity') or ''}: {item['note'] or '(no note yet)'}")
    for task in found["tasks"]:
        answered = f"answered by {task['answered_by']}" if task["answered_by"] else "not answered"
        click.echo(f"  task #{task['id']} {task['department']}: {task['data'].get('count')} complaint(s), "
                   f"due {task['due_at'].isoformat()}, {answered}")


@review_group.command("note")
@click.argument("review")
@click.argument("item")
@click.option("--text", required=True, help="The reviewer's note on this complaint.")
@pass_cli
def note_command(cli: CliContext, review: str, item: str, text: str) -> None:
    """Write the note on one complaint of an open list (ITEM: the id ``show`` prints in brackets)."""
    done = _open(cli).note(cli.actor, review, item, text)
    click.echo(f"#{review} {done['case_number']}: noted")


@review_group.command("sign")
@click.argument("review")
@pass_cli
def sign_command(cli: CliContext, review: str) -> None:
    """Sign the list off once every complaint has a note; it is frozen from then on."""
    done = _open(cli).sign(cli.actor, review)
    click.echo(f"#{done['id']} {done['unit']} {done['kind']} {done['period']}: signed by {done['signed_by']} "
               f"at {done['signed_at'].isoformat()}")


@review_group.command("tasks")
@click.option("--all", "everything", is_flag=True, help="Answered ones too.")
@pass_cli
def tasks_command(cli: CliContext, everything: bool) -> None:
    """One's systemic-issue tasks (the department's), by due time."""
    for task in _open(cli).my_tasks(cli.actor, open_only=not everything):
        state = f"answered {task['answered_at'].isoformat()}" if task["answered_at"] else "open"
        click.echo(f"#{task['id']} {task['data'].get('period')} {task['department']} "
                   f"due {task['due_at'].isoformat()}: {state}")


@review_group.command("answer")
@click.argument("task")
@click.option("--text", required=True, help="The optimisation measures and the corrective plan.")
@pass_cli
def answer_command(cli: CliContext, task: str, text: str) -> None:
    """Answer a systemic-issue task for one's department (once; after its due time it is fined)."""
    done = _open(cli).answer(cli.actor, task, text)
    late = " (late)" if done["answered_at"] > done["due_at"] else ""
    click.echo(f"#{done['id']} {done['department']}: answered{late}")


def register(group: click.Group) -> None:
    """Add the review commands to ``kefu``."""
    group.add_command(review_group)
