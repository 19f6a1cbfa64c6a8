"""Persistence of kefu: SQLAlchemy models, Alembic migrations, ``Store`` and its repository ``Tx``."""

from engine.store.audit import ChainProblem
from engine.store.db import Store
from engine.store.records import AuditRecord, CaseRecord, StaffRecord, TaskRecord, UnitRecord
from engine.store.repo import Tx

__all__ = [
    "AuditRecord",
    "CaseRecord",
    "ChainProblem",
    "StaffRecord",
    "Store",
    "TaskRecord",
    "Tx",
    "UnitRecord",
]
