"""Writes of the transition hot path, compiled by SQLAlchemy once per dialect and run on the driver.

Every transition writes the case row, its audit events and its inbox rows. For these small
statements SQLAlchemy's per-execution work (the compiled-cache lookup by structural key, parameter
construction, result set-up) cost more than the database's own work; run on the DB-API cursor they
took about 3 % less of a transition (``bench/intake.py``). What stays SQLAlchemy's: the statement is
written in Core and compiled by the connection's dialect, and every parameter passes through its
column type's bind processor (UTC datetimes, JSON, booleans) as in a normal execution. Only writes
go this way; rows are always read through SQLAlchemy (``first_value`` returns the driver's value of a
``RETURNING`` column, e.g. the integer of a number sequence).

The number-sequence upsert goes this way for a second reason: SQLAlchemy cannot cache the compiled
form of ``INSERT … ON CONFLICT DO UPDATE`` (its cache key is ``None``), so every case opened compiled it
anew.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import UpdateBase

__all__ = ["DirectWrite"]


@dataclass(frozen=True)
class _Compiled:
    sql: str
    names: tuple[str, ...]  # bind names in the statement's order
    positional: bool
    processors: dict[str, Callable[[Any], Any]]

    def parameters(self, row: Mapping[str, Any]) -> tuple[Any, ...] | dict[str, Any]:
        try:
            values = [(self.processors[n](row[n]) if n in self.processors else row[n]) for n in self.names]
        except KeyError as exc:
            raise KeyError(f"no value for parameter {exc.args[0]!r} of: {self.sql}") from None
        return tuple(values) if self.positional else dict(zip(self.names, values, strict=True))


class DirectWrite:
    """An INSERT/UPDATE/DELETE whose parameters are all named ``bindparam``s, run on the driver.

    Constants belong in the rows too (``bindparam("step")`` with ``step=1``, not ``+ 1``): a value
    fixed in the statement would be skipped by the driver, so it is refused.
    """

    def __init__(self, statement: UpdateBase) -> None:
        self.statement = statement
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect)
            if compiled.positional:
                names = tuple(compiled.positiontup or ())
            else:
                names = tuple(compiled.bind_names[b] for b in compiled.binds.values())
            processors: dict[str, Callable[[Any], Any]] = {}
            for bind in compiled.binds.values():
                name = compiled.bind_names[bind]
                if bind.value is not None or bind.callable is not None:
                    raise ValueError(f"parameter {name!r} has a value in the statement; "
                                     "direct writes take every value from the rows")
                processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
                if processor is not None:
                    processors[name] = processor
            found = self._compiled[dialect.name] = _Compiled(compiled.string, names, compiled.positional,
                                                             processors)
        return found

    def first_value(self, conn: Connection, row: Mapping[str, Any]) -> Any:
        """Execute once and return the first column of the first row it returns (None if none)."""
        compiled = self._compile(conn.dialect)
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, compiled.parameters(row))
            found = cursor.fetchone()
            return None if found is None else found[0]
        finally:
            cursor.close()

    def send(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> Callable[[], int]:
        """Send once per row without waiting for the result: inside a psycopg pipeline
        (``CaseTx.case_writes``) the statement goes with the others in one round trip. Returns a
        function that gives the affected rows once the pipeline has synced (and closes the cursor)."""
        compiled = self._compile(conn.dialect)
        params = [compiled.parameters(row) for row in rows]
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        if len(params) == 1:
            cursor.execute(compiled.sql, params[0])
        else:
            cursor.executemany(compiled.sql, params)

        def affected() -> int:
            try:
                return int(cursor.rowcount)
            finally:
                cursor.close()

        return affected

    def run(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Execute once per row (one ``executemany`` for several) in ``conn``'s transaction.

        Returns the number of rows the database reports as affected.
        """
        if not rows:
            return 0
        compiled = self._compile(conn.dialect)
        params = [compiled.parameters(row) for row in rows]
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            if len(params) == 1:
                cursor.execute(compiled.sql, params[0])
            else:
                cursor.executemany(compiled.sql, params)
            return int(cursor.rowcount)
        finally:
            cursor.close()
