"""kefu's engine: policies, the business calendar, processes, cases and their persistence.

The engine imports neither Flask nor ``webui``; its store, clock and policy set are passed in.
"""

from engine.clock import Clock, FixedClock, SystemClock
from engine.errors import (
    CalendarError,
    ConfigError,
    ConflictError,
    DiagramError,
    DurationError,
    FileError,
    FormError,
    KefuError,
    NotFoundError,
    PermissionDenied,
    PolicyError,
)
from engine.settings import Settings, load_settings

__all__ = [
    "CalendarError",
    "Clock",
    "ConfigError",
    "ConflictError",
    "DiagramError",
    "DurationError",
    "FileError",
    "FixedClock",
    "FormError",
    "KefuError",
    "NotFoundError",
    "PermissionDenied",
    "PolicyError",
    "Settings",
    "SystemClock",
    "load_settings",
]
