"""``kefu``: the command line of kefu. Each area registers its commands from its own module."""

from __future__ import annotations

import importlib
import sys

import click

from engine.cli.common import CliContext, clock_from, policies_option
from engine.errors import KefuError
from engine.settings import load_settings

__all__ = ["cli", "main"]

# Modules that define commands; each exposes ``register(group)``. Missing modules are skipped so
# the CLI grows area by area.
_COMMAND_MODULES = (
    "engine.cli.policy",
    "engine.cli.calendar",
    "engine.cli.cases",
    "engine.cli.serve",
    "engine.cli.worker",
    "engine.cli.doctor",
    "engine.cli.process",
    "engine.cli.report",
    "engine.cli.simulate",
    "engine.cli.assessment",
    "engine.cli.campaign",
    "engine.cli.review",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--db", "database_url", metavar="URL",
              help="Database URL (default: KEFU_DATABASE_URL or SQLite).")
@click.option("--now", metavar="ISO8601", help="The clock for this command (default: real time).")
@click.option("--as", "actor", metavar="USER", help="Act as this staff member (login name).")
@policies_option
@click.pass_context
def cli(ctx: click.Context, database_url: str | None, now: str | None, actor: str | None) -> None:
    """kefu 客服 — customer-service workflows: policies, calendar, cases and the task inbox."""
    existing = ctx.find_object(CliContext)
    settings = existing.settings if existing else load_settings()
    ctx.obj = CliContext(
        settings=settings.with_overrides(database_url=database_url,
                                         policies_dir=ctx.meta.get("kefu.policies_dir")),
        clock=clock_from(now),
        actor=actor,
    )


def _register_all() -> None:
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(cli)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``kefu`` script: KefuError → one line on stderr, exit 1."""
    try:
        rc = cli.main(args=argv, prog_name="kefu", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 1
    except KefuError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1
    return rc if isinstance(rc, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
