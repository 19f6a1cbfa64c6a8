"""``Store``: the database engine, write/read transactions and programmatic Alembic migrations.

SQLite runs in WAL mode (``synchronous=FULL``) with a busy timeout, and every write transaction starts
with ``BEGIN IMMEDIATE`` so two writers queue instead of failing half-way. PostgreSQL uses its default
READ COMMITTED level; the repositories lock the case row with ``SELECT … FOR UPDATE``. Its reads run
in autocommit (no BEGIN and ROLLBACK round trips: under READ COMMITTED each statement takes its own
snapshot anyway); a read that needs a transaction-local setting starts one (``Tx.set_local``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from engine.errors import ConfigError
from engine.store.repo import Tx
from engine.store.sql import sqlite_digits

__all__ = ["Store"]

_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
POOL_SIZE = 16  # PostgreSQL connections kept per process (opened only as its threads need them)
POOL_OVERFLOW = 8  # then up to 8 more, each closed on return; a thread beyond 24 waits for one


def _sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=FULL")  # R0.6: a committed case and its number survive power loss
        cursor.close()
        # engine/store/sql.py's digits_of (PostgreSQL: regexp_replace)
        dbapi_connection.create_function("kefu_digits", 1, sqlite_digits, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("kefu_write", False)
        # Straight to the driver: this runs once per transaction, and SQLAlchemy's execution of a
        # plain statement cost more than SQLite's BEGIN itself.
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")  # type: ignore[union-attr]


class _Held:
    """One request's read connection (``Store.one_connection``): taken from the pool by its first read,
    lent to each read that follows on the same thread, given back when the request ends or a write
    starts."""

    __slots__ = ("busy", "conn", "ending", "store", "thread")

    def __init__(self, store: Store) -> None:
        self.store = store
        self.thread = threading.get_ident()
        self.conn: Connection | None = None
        self.busy = False  # a read is running on it: a read nested in it takes its own connection
        self.ending = False  # the request ended while a read ran on it: given back after that read

    def lends_to(self, store: Store) -> bool:
        return self.store is store and not self.busy and not self.ending \
            and self.thread == threading.get_ident()

    def give_back(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None:
            conn.close()


_HELD: ContextVar[_Held | None] = ContextVar("kefu_read_connection", default=None)


class Store:
    """kefu's database: open it with a URL, then use ``write()``/``read()`` transactions."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise ConfigError(f"database URL {url!r} is not valid; e.g. sqlite:///var/kefu.db") from None
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        self.url = parsed.render_as_string(hide_password=False)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "postgresql":
            # Keep a connection for every thread that needed one: with SQLAlchemy's default of 5, the
            # 6th to 8th concurrent request of `kefu serve` (8 threads) opened a new PostgreSQL
            # connection and closed it again on return, a backend started per request (bench/load.py).
            kwargs.update(pool_size=POOL_SIZE, max_overflow=POOL_OVERFLOW)
        if self.dialect == "sqlite":
            database = parsed.database or ""
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            _sqlite_hooks(self.engine)
        self._write_engine = self.engine.execution_options(kefu_write=True)
        # PostgreSQL reads: the pooled connection is switched to autocommit for the read and back when
        # it returns to the pool (client-side flags of psycopg, no round trip). A read used to cost
        # BEGIN, its statements and ROLLBACK: two of the round trips of every read-only request, a
        # third of the server's waiting on PostgreSQL under bench/load.py.
        self._autocommit_reads = self.dialect == "postgresql"
        self._read_engine = (self.engine.execution_options(isolation_level="AUTOCOMMIT")
                             if self._autocommit_reads else self.engine)

    @contextmanager
    def write(self) -> Iterator[Tx]:
        """A write transaction: commits when the block ends, rolls back on any exception.

        It runs on a Core connection; an ORM session joins it only when a repository function needs
        one (a transition never does: a session's bookkeeping per transaction was measurable). What
        was registered with ``tx.on_commit`` runs after the commit, never after a rollback.
        """
        held = _HELD.get()
        if held is not None and held.lends_to(self):
            held.give_back()  # one connection at a time per request; the next read takes one again
        with self._write_engine.connect() as conn:
            with conn.begin():
                tx = Tx(conn)
                try:
                    yield tx
                    tx.flush()
                finally:
                    tx.close()
            tx.committed()  # only reached when the block ended without an error and COMMIT succeeded

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read-only transaction (rolled back at the end). On PostgreSQL it runs in autocommit: each
        statement sees what was committed when it started, as it would in a READ COMMITTED transaction,
        without the BEGIN and ROLLBACK round trips; ``Tx.set_local`` opens a real transaction when a
        read needs a setting for its remaining statements (rolled back here, like any read).

        Inside ``one_connection`` (a web request) the reads share one pooled connection, each still its
        own transaction, begun and rolled back as here: no read sees an older state than a read of its
        own connection would."""
        held = _HELD.get()
        if held is not None and held.lends_to(self):
            with self._lent_read(held) as tx:
                yield tx
            return
        with self._read_engine.connect() as conn, conn.begin() as transaction:
            tx = Tx(conn, autocommit=self._autocommit_reads, reading=True)
            try:
                yield tx
            finally:
                tx.close()
                transaction.rollback()

    @contextmanager
    def _lent_read(self, held: _Held) -> Iterator[Tx]:
        """A read on the request's connection; a connection that failed is given back (the next read
        takes another)."""
        if held.conn is None:
            held.conn = self._read_engine.connect()
        conn = held.conn
        held.busy = True
        try:
            transaction = conn.begin()
            tx = Tx(conn, autocommit=self._autocommit_reads, reading=True)
            try:
                yield tx
            finally:
                tx.close()
                transaction.rollback()
        except BaseException:
            if conn.invalidated or conn.in_transaction():
                held.give_back()
            raise
        finally:
            held.busy = False
            if held.ending:
                held.give_back()

    @contextmanager
    def one_connection(self) -> Iterator[None]:
        """In this block (one web request, on this thread) ``read()`` takes a pooled connection once and
        reuses it, instead of a checkout, its autocommit switch and its reset on return per read: a
        page's session check and its reads made four to five each. A ``write()`` gives it back first, so
        a request holds one connection at a time, as before."""
        held = _Held(self)
        token = _HELD.set(held)
        try:
            yield
        finally:
            _HELD.reset(token)
            held.ending = True
            if not held.busy:  # a read still running (a streamed response) gives it back itself
                held.give_back()

    def migrate(self) -> str:
        """Bring the schema to the newest Alembic revision; returns that revision."""
        from alembic import command
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config(str(_MIGRATIONS / "alembic.ini"))
        config.set_main_option("script_location", str(_MIGRATIONS))
        try:
            with self._write_engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except OperationalError as exc:
            raise ConfigError(f"cannot reach the database {self.safe_url}: {exc.orig}") from None
        head = ScriptDirectory.from_config(config).get_current_head()
        return head or ""

    def schema_revision(self) -> str | None:
        """The Alembic revision the database is at, or None when kefu's schema is not there."""
        from sqlalchemy import inspect, text

        try:
            with self.engine.connect() as connection:
                if not inspect(connection).has_table("alembic_version"):
                    return None
                return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except OperationalError as exc:
            raise ConfigError(f"cannot reach the database {self.safe_url}: {exc.orig}") from None

    @staticmethod
    def missing_file(url: str) -> bool:
        """True for a SQLite URL whose file does not exist (opening it would create an empty one)."""
        parsed = make_url(url)
        database = parsed.database or ""
        return parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:") and \
            not Path(database).exists()

    @staticmethod
    def head_revision() -> str:
        """The newest migration shipped with this code."""
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        config = Config(str(_MIGRATIONS / "alembic.ini"))
        config.set_main_option("script_location", str(_MIGRATIONS))
        return ScriptDirectory.from_config(config).get_current_head() or ""

    def require_current_schema(self) -> None:
        """ConfigError unless the database is at the newest migration (``kefu init`` upgrades it)."""
        head = self.head_revision()
        current = self.schema_revision()
        if current != head:
            raise ConfigError(f"the database {self.safe_url} is at migration {current or 'none'}, not "
                              f"{head}; run 'kefu init' to upgrade it")

    def require_schema(self) -> None:
        """ConfigError unless the database has kefu's schema (run ``kefu init`` first)."""
        if self.schema_revision() is None:
            raise ConfigError(f"the database {self.safe_url} has no kefu schema; run 'kefu init' first")

    @property
    def safe_url(self) -> str:
        """The URL with its password hidden, for messages."""
        return make_url(self.url).render_as_string(hide_password=True)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
