"""``kefu serve``: run the web UI on the configured database (demo passwords and cases when empty)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import click

from engine.cli.common import CliContext, pass_cli

if TYPE_CHECKING:
    from engine.credentials import Credentials

__all__ = ["register"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="TCP port.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Requests served at once by each process.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Web processes on gunicorn (Linux); where gunicorn cannot run, 1 process on waitress.")
@click.option("--with-worker", is_flag=True,
              help="Also run the background worker (timers, jobs, outbox) next to the web server; "
                   "Ctrl-C stops both.")
@click.option(
    "--demo/--no-demo",
    default=True,
    show_default=True,
    help="Give staff without a password the demo password; seed demo cases into an empty database.",
)
@pass_cli
def serve_command(cli: CliContext, host: str, port: int, threads: int, workers: int, with_worker: bool,
                  demo: bool) -> None:
    """Start the web UI (staff pages and the /api/v1 JSON API)."""
    from webui import create_app
    from webui.demo import DEMO_CASES, DEMO_LOGINS, DEMO_OTHER, prepare_demo
    from webui.services import build_services

    services = build_services(cli.settings, cli.clock)
    password, seeded = prepare_demo(services, cli.clock.now()) if demo else (None, [])
    app = create_app(cli.settings, services=services)
    shown = "localhost" if host in ("127.0.0.1", "0.0.0.0") else host
    click.echo(f"kefu web UI: http://{shown}:{port}/   (API: http://{shown}:{port}/api/v1/openapi.json)")
    click.echo(f"database: {services.store.safe_url}")
    if seeded:
        other = Counter(process_id for process_id, *_ in DEMO_OTHER)
        counts = (f"{len(DEMO_CASES)} complaints, {other['repair']} repairs, "
                  f"{other['consultation']} consultations")
        click.echo(f"seeded {len(seeded)} demo cases ({counts}) at different stages: {', '.join(seeded)}")
    if password:
        click.echo(f"demo logins (password: {password}):")
        for login, what in DEMO_LOGINS:
            click.echo(f"  {login:<15} {what}")
    elif demo:
        click.echo("no staff yet: run `kefu init --demo` to import the demo organisation")
    from webui.ops import log_to_stdout
    from webui.serving import serve

    log_to_stdout()  # the access log: one JSON line per request
    with _background_worker(cli, with_worker):
        serve(app, services, host=host, port=port, threads=threads, workers=workers)


@contextmanager
def _background_worker(cli: CliContext, wanted: bool) -> Iterator[None]:
    """``kefu worker`` as a child process while the web server runs (``--with-worker``)."""
    if not wanted:
        yield
        return
    import os
    import signal
    import subprocess
    import sys

    # SIGINT as in a terminal even when started in the background (where it is ignored): Ctrl-C and
    # the stop below end a sweep's transaction and the worker cleanly.
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from engine.cli import main; sys.exit(main(sys.argv[1:]))")
    argv = [sys.executable, "-c", code, "worker"]
    env = {**os.environ, "KEFU_DATABASE_URL": cli.settings.database_url,  # --db and --policies too
           "KEFU_POLICIES_DIR": str(cli.settings.policies_dir)}
    child = subprocess.Popen(argv, env=env)
    click.echo(f"kefu worker started next to the web server (pid {child.pid})")
    owner = os.getpid()  # gunicorn's forked web processes leave this block too: only the parent stops it
    try:
        yield
    finally:
        if os.getpid() != owner:
            child.returncode = 0  # a forked web process: the worker is not its child, the parent stops it
        elif child.poll() is None:
            child.send_signal(signal.SIGINT)
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


class _TokenGroup(click.Group):
    """``kefu api-token LOGIN …`` issues; ``list`` and ``revoke`` are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["issue", *args]
        return super().parse_args(ctx, args)


@click.group("api-token", cls=_TokenGroup)
def api_token_group() -> None:
    """API tokens: kefu api-token LOGIN --label L [--expires 90d] | list [--login L] | revoke ID|PREFIX."""


def _credentials(cli: CliContext) -> Credentials:
    from engine.credentials import Credentials, import_token_file
    from engine.store import Store

    store = Store(cli.settings.database_url)
    click.get_current_context().call_on_close(store.dispose)
    store.require_schema()
    import_token_file(store, cli.settings.data_dir / "api_tokens.json", cli.clock)
    return Credentials(store, cli.clock)


def _expiry(_ctx: click.Context, _param: click.Parameter, value: str | None) -> timedelta | None:
    from engine.errors import ConfigError
    from engine.settings import parse_span

    if value is None:
        return None
    try:
        return parse_span(value, "--expires")
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None


@api_token_group.command("issue")
@click.argument("login")
@click.option("--label", default="integration", show_default=True, help="What the token is for.")
@click.option("--expires", callback=_expiry, metavar="SPAN",
              help="Lifetime such as 90d or 12h (default: none).")
@pass_cli
def api_token_issue(cli: CliContext, login: str, label: str, expires: timedelta | None) -> None:
    """Create an API token acting as LOGIN; printed once (only its hash is stored), last line."""
    from engine.errors import NotFoundError

    credentials = _credentials(cli)
    with credentials.store.read() as tx:
        staff = tx.staff(login)
    if staff is None or not staff.active:
        raise NotFoundError(f"no active staff member {login!r}; a token acts as an active staff member")
    token, record = credentials.issue_token(login, label, expires)
    until = record.expires_at.isoformat(timespec="minutes") if record.expires_at else "never"
    click.echo(f"token #{record.id} {record.prefix}… for {login} «{record.label}», expires {until}; "
               "store it now, it is not shown again:", err=True)
    click.echo(token)


@api_token_group.command("list")
@click.option("--login", help="Only this staff member's tokens.")
@pass_cli
def api_token_list(cli: CliContext, login: str | None) -> None:
    """Every token: id, prefix, staff member, label, created, last used, expiry and state."""
    credentials = _credentials(cli)
    now = cli.clock.now()
    rows = credentials.tokens(login)

    def when(moment: datetime | None) -> str:
        return moment.isoformat(timespec="minutes") if moment else "-"

    for t in rows:
        state = ("revoked" if t.revoked_at else "expired" if t.expires_at and t.expires_at <= now else "live")
        click.echo(f"{t.id:>5}  {t.prefix or '(imported)':<14} {t.login:<16} {state:<8} "
                   f"created {when(t.created_at)}  used {when(t.last_used_at)}  "
                   f"expires {when(t.expires_at)}  {t.label}")
    click.echo(f"{len(rows)} token(s)")


@api_token_group.command("revoke")
@click.argument("ref", metavar="ID|PREFIX")
@pass_cli
def api_token_revoke(cli: CliContext, ref: str) -> None:
    """Revoke a token by its id or prefix; it is refused (401) from the next request on."""
    record = _credentials(cli).revoke_token(ref)
    name = record.prefix or "(imported)"
    click.echo(f"revoked token #{record.id} {name} of {record.login} «{record.label}»")


def register(group: click.Group) -> None:
    """Add ``kefu serve`` and ``kefu api-token`` to the CLI."""
    group.add_command(serve_command)
    group.add_command(api_token_group)
