"""Fixtures of the hostile suite: the web tests' fixtures, and ``world``: the demo organisation with
objects of each kind on both sides of the subsidiary line, on SQLite and on PostgreSQL.

The suite's figures (requests tried, 5xx, cross-subsidiary writes accepted, orphans) are collected in
``FIGURES`` and printed at the end of the run, one line per backend.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hostile.world import World, build_world, dispose
from tests.webui.conftest import (  # noqa: F401  (fixtures, found by name)
    app,
    client,
    login,
    services,
    settings,
    template_db,
)

FIGURES: dict[str, Counter[str]] = defaultdict(Counter)


def _own_database(backend: str, factory, directory: Path) -> str:  # type: ignore[no-untyped-def]
    """A database of the suite's own (the shared PostgreSQL test database is emptied by other tests)."""
    if backend == "sqlite":
        return f"sqlite:///{directory / 'hostile.db'}"
    import uuid

    from tests.conftest import _pg_admin_url, _pg_connect, _with_database, skip_or_fail

    admin = _pg_admin_url()
    try:
        conn = _pg_connect(admin)
    except Exception as exc:  # psycopg.OperationalError and DNS errors alike
        skip_or_fail(f"PostgreSQL not reachable at {admin}: {exc}".splitlines()[0])
    name = f"kefu_hostile_{uuid.uuid4().hex[:12]}"
    with conn:  # type: ignore[attr-defined]
        conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
    factory.created.append(name)  # dropped with the other test databases at the end of the session
    return _with_database(admin, name)


@pytest.fixture(scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, database_factory, tmp_path_factory) -> Iterator[World]:  # type: ignore[no-untyped-def]
    """The demo world on a database of each backend, built once per session and backend."""
    directory = Path(tmp_path_factory.mktemp(f"hostile-{request.param}"))
    built = build_world(_own_database(request.param, database_factory, directory), directory / "data")
    built.backend = request.param  # type: ignore[attr-defined]
    yield built
    dispose(built)


def pytest_terminal_summary(terminalreporter) -> None:  # type: ignore[no-untyped-def]
    """One line of figures per backend the suite ran on."""
    if not FIGURES:
        return
    terminalreporter.section("hostile suite")
    for backend, figures in sorted(FIGURES.items()):
        terminalreporter.write_line(
            f"{backend}: requests tried {figures['requests']}, 5xx {figures['5xx']}, "
            f"cross-subsidiary writes accepted {figures['cross_writes']}, orphans {figures['orphans']}"
            f" (matrix cells {figures['matrix']}, fuzz requests {figures['fuzz']})")
