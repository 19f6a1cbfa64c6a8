"""``kefu serve``: run the web UI on the configured database (demo passwords and cases when empty)."""

from __future__ import annotations

from collections import Counter

import click

from engine.cli.common import CliContext, pass_cli

__all__ = ["register"]


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=5000, show_default=True, type=int, help="TCP port.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Requests served at once.")
@click.option(
    "--demo/--no-demo",
    default=True,
    show_default=True,
    help="Give staff without a password the demo password; seed demo cases into an empty database.",
)
@pass_cli
def serve_command(cli: CliContext, host: str, port: int, threads: int, demo: bool) -> None:
    """Start the web UI (staff pages and the /api/v1 JSON API)."""
    import waitress

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
    # waitress: a production WSGI server (pure Python, threads); put TLS in a reverse proxy in front.
    waitress.serve(app, host=host, port=port, threads=threads, ident="kefu")


@click.command("api-token")
@click.argument("login")
@click.option("--label", default="integration", show_default=True, help="What the token is for.")
@pass_cli
def api_token_command(cli: CliContext, login: str, label: str) -> None:
    """Create an API token acting as LOGIN (printed once; only its hash is stored)."""
    from webui.services import build_services

    services = build_services(cli.settings, cli.clock)
    click.echo(services.issue_token(login, label))


def register(group: click.Group) -> None:
    """Add ``kefu serve`` and ``kefu api-token`` to the CLI."""
    group.add_command(serve_command)
    group.add_command(api_token_command)
