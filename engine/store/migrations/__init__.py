"""Alembic migrations of kefu's database (run by ``Store.migrate()``)."""
