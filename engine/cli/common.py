"""Shared pieces of the ``kefu`` command line: the context object and common options."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from engine.clock import Clock, FixedClock, SystemClock
from engine.settings import Settings

__all__ = ["CliContext", "parse_moment", "pass_cli", "policies_option"]

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class CliContext:
    """What every command gets: settings (with --db/--policies applied), the clock and the actor."""

    settings: Settings
    clock: Clock = field(default_factory=SystemClock)
    actor: str | None = None

    def open_store(self, acts: str | None = None) -> Any:
        """The configured database, disposed when the command ends, its schema checked first.

        ``acts`` names the command for the error when it needs ``--as LOGIN`` and none was given.
        """
        from engine.errors import KefuError
        from engine.store import Store

        if acts is not None and not self.actor:
            raise KefuError(f"say who acts: kefu --as LOGIN {acts} …")
        store = Store(self.settings.database_url)
        click.get_current_context().call_on_close(store.dispose)
        store.require_schema()
        return store


pass_cli = click.make_pass_decorator(CliContext)


def parse_moment(text: str) -> datetime:
    """Parse an ISO 8601 time with offset; a bad or naive value is a click usage error."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 time (e.g. 2026-11-23T11:50:00+08:00)"
        ) from None
    if moment.tzinfo is None:
        raise click.BadParameter(f"{text!r} has no offset; add one such as +08:00")
    return moment


def _set_policies(ctx: click.Context, _param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None:
        cli = ctx.find_object(CliContext)
        if cli is not None:
            cli.settings = cli.settings.with_overrides(policies_dir=value)
        else:  # the global option, parsed before the group made the context: the group applies it
            ctx.meta["kefu.policies_dir"] = value
    return value


def policies_option(func: F) -> F:
    """Add ``--policies DIR`` to a command (it overrides the global setting for that command)."""
    return click.option(
        "--policies",
        "policies_dir",
        type=click.Path(path_type=Path, file_okay=False),
        callback=_set_policies,
        expose_value=False,
        is_eager=True,
        help="Policy tree to use instead of the configured one.",
    )(func)


def clock_from(now: str | None) -> Clock:
    """A fixed clock at ``now`` when given, else the system clock."""
    return FixedClock(parse_moment(now)) if now else SystemClock()
