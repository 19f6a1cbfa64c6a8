"""Alembic environment: kefu always passes an open connection in ``config.attributes``."""

from __future__ import annotations

from alembic import context

from engine.store.models import load_all_models

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - kefu never runs alembic without a connection
    raise RuntimeError("run migrations through engine.store.Store.migrate()")

context.configure(
    connection=connection,
    target_metadata=load_all_models().metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
