"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from engine.clock import FixedClock

if TYPE_CHECKING:
    from engine.runtime import Runtime
    from engine.store import Store

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")


def skip_or_fail(reason: str) -> None:
    """Skip with a visible reason on a bare machine; under CI (CI=true) a missing service is a failure."""
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"CI must run this test: {reason}")
    pytest.skip(reason)


def shanghai(text: str) -> datetime:
    """A Shanghai wall-clock time from 'YYYY-MM-DD HH:MM'."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture
def clock() -> FixedClock:
    """A clock standing at Monday 2026-11-23 10:00 Shanghai time; tests move it."""
    return FixedClock(shanghai("2026-11-23 10:00"))


@pytest.fixture
def policies_dir() -> Path:
    """The shipped policy tree."""
    return ROOT / "policies"


@pytest.fixture
def processes_dir() -> Path:
    """The shipped diagrams."""
    return ROOT / "processes"


# --- databases (engine/store, engine/runtime) -------------------------------------------------------
# Every database test gets an empty, migrated database, so runtime tests that commit stay independent
# while the schema is built only once per backend and session: SQLite copies a migrated template file;
# PostgreSQL migrates one database kefu_test_<random> per session, empties its tables before each
# test and drops it at the end.

POSTGRES_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def _pg_admin_url() -> str:
    return os.environ.get("KEFU_TEST_POSTGRES_URL") or POSTGRES_DEFAULT


def _pg_connect(url: str) -> object:
    import psycopg

    conninfo = url.replace("postgresql+psycopg://", "postgresql://")
    return psycopg.connect(conninfo, autocommit=True, connect_timeout=3)


def _with_database(url: str, name: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(database=name).render_as_string(hide_password=False)


class _DatabaseFactory:
    """Hands out empty migrated databases; drops the PostgreSQL one at the end of the session."""

    def __init__(self, tmp_dir: Path) -> None:
        self.tmp_dir = tmp_dir
        self.templates: dict[str, str] = {}
        self.created: list[str] = []
        self.counter = 0

    def template(self, backend: str) -> str:
        from engine.store import Store

        if backend in self.templates:
            return self.templates[backend]
        if backend == "sqlite":
            url = f"sqlite:///{self.tmp_dir / 'template.db'}"
        else:
            admin = _pg_admin_url()
            try:
                conn = _pg_connect(admin)
            except Exception as exc:  # psycopg.OperationalError and DNS errors alike
                skip_or_fail(f"PostgreSQL not reachable at {admin}: {exc}".splitlines()[0])
            name = f"kefu_test_{uuid.uuid4().hex[:12]}"
            with conn:  # type: ignore[attr-defined]
                conn.execute(f'CREATE DATABASE "{name}"')  # type: ignore[attr-defined]
            self.created.append(name)
            url = _with_database(admin, name)
        store = Store(url)
        store.migrate()
        store.dispose()
        self.templates[backend] = url
        return url

    def fresh(self, backend: str) -> str:
        from engine.store.models import Base

        template = self.template(backend)
        self.counter += 1
        if backend == "sqlite":
            path = self.tmp_dir / f"kefu_{self.counter}.db"
            shutil.copyfile(template.removeprefix("sqlite:///"), path)
            return f"sqlite:///{path}"
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with _pg_connect(template) as conn:  # type: ignore[attr-defined]
            conn.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")
        return template

    def drop_all(self) -> None:
        if not self.created:
            return
        try:
            conn = _pg_connect(_pg_admin_url())
        except Exception:
            return
        with conn:  # type: ignore[attr-defined]
            for name in reversed(self.created):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def database_factory() -> Iterator[_DatabaseFactory]:
    """The session's database factory (templates migrated once per backend)."""
    # Its own directory: pytest's numbered tmp dirs are pruned by concurrent pytest sessions.
    directory = Path(tempfile.mkdtemp(prefix="kefu-test-databases-"))
    factory = _DatabaseFactory(directory)
    yield factory
    factory.drop_all()
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, database_factory: _DatabaseFactory) -> str:
    """An empty, migrated database on each backend: a SQLite file, then PostgreSQL (kefu_test_<random>)."""
    return database_factory.fresh(request.param)


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """A ``Store`` on the fresh database."""
    from engine.store import Store

    store = Store(db_url)
    yield store
    store.dispose()


@pytest.fixture
def runtime(store: Store, clock: FixedClock, policies_dir: Path, processes_dir: Path) -> Runtime:
    """A runtime on the shipped policies and diagrams with the demo org imported."""
    from engine.org import load_org
    from engine.policy import load_policy_set
    from engine.processes import ProcessRegistry
    from engine.runtime import Runtime

    policies = load_policy_set(policies_dir)
    rt = Runtime(store, policies, ProcessRegistry.load(processes_dir), clock, policies.calendars_dir)
    rt.import_org(load_org(ROOT / "engine" / "demo" / "org.yaml"))
    rt.register_processes()
    return rt
