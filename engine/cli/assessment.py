"""``kefu assessment``: violation notices, appeals and the monthly statements (R8).

Every command acts as ``--as LOGIN`` and asks ``engine.permissions`` (``assessment.issue``,
``assessment.appeal``, ``assessment.decide``, ``assessment.read``) like the web pages do.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from engine.cli.common import CliContext, pass_cli

__all__ = ["register"]


@click.group("assessment")
def assessment_group() -> None:
    """Staff quality assessment: notices, appeals, statements (R8)."""


def _open(cli: CliContext) -> Any:
    from engine.assessment import Assessment
    from engine.policy import load_policy_set

    store = cli.open_store("assessment")
    return Assessment(store, cli.clock, load_policy_set(cli.settings.policies_dir))


def _line(n: Any) -> str:
    return (f"#{n.id} {n.occurred_on} {n.person} {n.issue} {n.points} point(s) {n.status}"
            f"{' (was ' + str(n.issued_points) + ')' if n.points != n.issued_points else ''}")


@assessment_group.command("issue")
@click.option("--person", required=True, metavar="LOGIN", help="Who the notice is about.")
@click.option("--issue", "issue", required=True, metavar="CODE", help="A code of assessment.issues.")
@click.option("--points", required=True, type=int)
@click.option("--on", "occurred_on", required=True, metavar="YYYY-MM-DD", help="The day it happened.")
@click.option("--text", required=True, help="What happened.")
@click.option("--supervisor", metavar="LOGIN", help="The direct supervisor (default: found in the org).")
@click.option("--proven", is_flag=True, help="The supervisor's share of the blame is proven (经查实): 70/30.")
@pass_cli
def issue_command(cli: CliContext, person: str, issue: str, points: int, occurred_on: str, text: str,
                  supervisor: str | None, proven: bool) -> None:
    """Issue a violation notice 过失通知单; prints it."""
    assessment = _open(cli)
    notice = assessment.issue(cli.actor, person=person, issue=issue, points=points, occurred_on=occurred_on,
                              text=text, supervisor=supervisor, supervisor_liable=proven)
    click.echo(f"{_line(notice)} supervisor {notice.supervisor or '-'}")


@assessment_group.command("appeal")
@click.argument("notice")
@click.option("--reason", required=True)
@pass_cli
def appeal_command(cli: CliContext, notice: str, reason: str) -> None:
    """Appeal a notice about oneself to the next level of the chain."""
    appeal = _open(cli).appeal(cli.actor, notice, reason)
    click.echo(f"#{appeal.notice_id} appealed to {appeal.role} (level {appeal.level + 1})")


@assessment_group.command("decide")
@click.argument("notice")
@click.option("--decision", required=True, type=click.Choice(["upheld", "reduced", "cancelled"]))
@click.option("--points", type=int, help="The points after a reduction.")
@click.option("--answer", required=True, help="The reasons of the decision.")
@pass_cli
def decide_command(cli: CliContext, notice: str, decision: str, points: int | None, answer: str) -> None:
    """Decide the appeal waiting at one's level."""
    found = _open(cli).decide(cli.actor, notice, decision, points=points, answer=answer)
    click.echo(_line(found))


@assessment_group.command("list")
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option("--unit", required=True, metavar="CODE", help="A subsidiary.")
@pass_cli
def list_command(cli: CliContext, month: str, unit: str) -> None:
    """The month's notices of a subsidiary."""
    figures = _open(cli).unit_month(cli.actor, unit, month)
    for n in figures["notices"]:
        click.echo(_line(n))
    click.echo(f"{len(figures['notices'])} notice(s)")


@assessment_group.command("statement")
@click.option("--month", required=True, metavar="YYYY-MM")
@click.option("--unit", metavar="CODE", help="Every person of a subsidiary (HR and finance).")
@click.option("--person", metavar="LOGIN", help="One person (default: oneself).")
@click.option("--format", "fmt", type=click.Choice(["json", "xlsx"]), default="json", show_default=True)
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False),
              help="File to write (xlsx: required).")
@pass_cli
def statement_command(cli: CliContext, month: str, unit: str | None, person: str | None, fmt: str,
                      out: Path | None) -> None:
    """A person's or a subsidiary's month: points, money, thresholds, the public list."""
    from engine.assessment_export import statements_xlsx
    from engine.errors import KefuError

    assessment = _open(cli)
    if unit:
        figures = assessment.unit_month(cli.actor, unit, month)
        body: dict[str, Any] = {"unit": unit, "month": month, "people": figures["people"],
                                "public": [p["person"] for p in figures["public"]]}
    else:
        figures = assessment.person_month(cli.actor, person or cli.actor, month)
        body = {"month": month, **figures["figures"]}
        figures = {**figures, "people": [figures["figures"]], "public": [figures["figures"]]
                   if figures["figures"]["published"] else []}
    if fmt == "xlsx":
        if out is None:
            raise KefuError("--format xlsx writes a file: add --out FILE")
        out.write_bytes(statements_xlsx(figures, figures.get("unit_name") or figures.get("name", "")))
        click.echo(str(out))
        return
    text = json.dumps(body, ensure_ascii=False, indent=2)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        out.write_text(text + "\n", encoding="utf-8")
        click.echo(str(out))


def register(group: click.Group) -> None:
    """Add the assessment commands to ``kefu``."""
    group.add_command(assessment_group)
