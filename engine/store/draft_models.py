"""Drafts of process diagrams: what a process owner is editing in the web modeler, one per owner and process.

A draft holds the process's own diagram and forms texts as last saved, the version it started from
and the findings of the check run on that save (``engine.process_drafts``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.store.models import Base

__all__ = ["ProcessDraft"]


class ProcessDraft(Base):
    """One owner's draft of one process: diagram XML, forms YAML, base version, the last check's findings."""

    __tablename__ = "process_drafts"
    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    process_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    bpmn_name: Mapped[str] = mapped_column(String(200))
    bpmn_text: Mapped[str] = mapped_column(Text)
    forms_name: Mapped[str] = mapped_column(String(200))
    forms_text: Mapped[str] = mapped_column(Text)
    base_version: Mapped[str | None] = mapped_column(String(64))
    findings: Mapped[list[Any]]
    clean: Mapped[bool] = mapped_column(Boolean)
    saved_at: Mapped[datetime]
