"""The names of status and outcome codes: kept in :mod:`engine.labels` (the CLI's exports use them
too); imported from here by the web pages."""

from __future__ import annotations

from engine.labels import OUTCOMES, PROCESS_NAMES, STATUSES, outcome_name, status_name

__all__ = ["OUTCOMES", "PROCESS_NAMES", "STATUSES", "outcome_name", "status_name"]
