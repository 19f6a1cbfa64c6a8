"""Typed errors of kefu.

Every error kefu raises on purpose derives from ``KefuError``; the web layer maps these to 4xx,
the CLI prints them on one line and exits non-zero. Anything else is a bug.

    KefuError
    ├── ConfigError          bad settings (unknown KEFU_ variable, bad URL)
    ├── FileError            an error located in a file: prints ``path:line: code message``
    │   ├── PolicyError      a policy file is invalid (codes policy.E0xx)
    │   ├── CalendarError    calendar data missing or invalid (codes calendar.E0xx)
    │   └── DiagramError     a BPMN diagram or forms file is refused (codes diagram.E0xx)
    ├── DurationError        a duration or schedule text cannot be parsed
    ├── ActionError          a domain action called from a service task is unknown, ill-called or failed
    ├── NotFoundError        unknown case, task, user, process …
    │   └── UnknownReference a form field names a record that does not exist (also a FormError)
    ├── PermissionDenied     the actor may not do this
    ├── FormError            submitted form data is invalid; ``errors`` maps field → message
    │   └── FieldConflict    a field that does not fit its object (also a ConflictError: 409)
    ├── StepError            a diagram step failed while it ran (SpiffWorkflow's exception, mapped)
    └── ConflictError        someone else changed the same thing first (stale task, lost race)
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "ActionError",
    "CalendarError",
    "ConfigError",
    "ConflictError",
    "DiagramError",
    "DurationError",
    "FieldConflict",
    "FileError",
    "FormError",
    "KefuError",
    "NotFoundError",
    "PermissionDenied",
    "PolicyError",
    "StepError",
    "UnknownReference",
]


class KefuError(Exception):
    """Root of every error kefu raises on purpose; ``code`` is stable, ``message`` is for people.

    ``zh`` is the Chinese text of the message when the error is meant for staff pages (the web shows
    it on Chinese pages, ``message`` on English ones); None when only the English text exists.
    """

    code: str = "kefu.E000"

    def __init__(self, message: str, *, code: str | None = None, zh: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.zh = zh
        if code is not None:
            self.code = code

    def __str__(self) -> str:
        return self.message


class ConfigError(KefuError):
    """Settings are wrong (unknown ``KEFU_`` variable, malformed value)."""

    code = "config.E001"


class FileError(KefuError):
    """An error that points into a file; printed as ``path:line: code message``."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.path = str(path) if path is not None else None
        self.line = line

    @property
    def location(self) -> str:
        """``path:line`` (or just ``path``), empty when the error has no file."""
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line is not None else self.path

    def __str__(self) -> str:
        loc = self.location
        return f"{loc}: {self.code} {self.message}" if loc else f"{self.code} {self.message}"


class PolicyError(FileError):
    """A policy file is invalid or an overlay breaks a group bound."""

    code = "policy.E000"


class CalendarError(FileError):
    """Calendar data is missing for a year, or a calendar file is malformed."""

    code = "calendar.E000"


class DiagramError(FileError):
    """A BPMN diagram or its forms file is refused; ``element_id`` names the BPMN element."""

    code = "diagram.E000"

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        element_id: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, path=path, line=line, code=code)
        self.element_id = element_id

    def __str__(self) -> str:
        base = super().__str__()
        if self.element_id and self.location:
            loc = self.location
            return f"{loc}: [{self.element_id}] {self.code} {self.message}"
        return base


class DurationError(KefuError):
    """A duration or schedule text cannot be parsed; the message quotes the text."""

    code = "duration.E001"


class ActionError(KefuError):
    """A service task's action is unknown, got a missing or ill-typed parameter, or failed."""

    code = "action.E001"


class NotFoundError(KefuError):
    """Something named does not exist (case, task, user, process, policy key)."""

    code = "kefu.E404"


class PermissionDenied(KefuError):
    """The actor may not do this (``engine.permissions`` decides; the text names no foreign record)."""

    code = "kefu.E403"


class FormError(KefuError):
    """Form data is invalid; ``errors`` maps each bad field to its message; input is kept by callers."""

    code = "form.E001"

    def __init__(self, message: str, errors: dict[str, str] | None = None, *, code: str | None = None,
                 zh: str | None = None):
        super().__init__(message, code=code, zh=zh)
        self.errors = dict(errors or {})

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        details = "; ".join(f"{k}: {v}" for k, v in self.errors.items())
        return f"{self.message} ({details})"


class StepError(KefuError):
    """A step of a diagram failed while it ran (script, condition, timer or due expression).

    The message names the step and the process, then the reason; ``code`` is the code of the kefu
    error underneath (``calendar.E001``, ``kefu.E404`` …) when there is one, else ``process.E002``.
    """

    code = "process.E002"


class ConflictError(KefuError):
    """Someone else changed the same record first; the message says who and what."""

    code = "kefu.E409"


class UnknownReference(NotFoundError, FormError):
    """A form field names a record that does not exist (an FAQ entry number): a 404 to the API,
    an error next to the field on a page (it is a FormError too, so the input is kept)."""

    code = "form.E404"

    def __init__(self, message: str, errors: dict[str, str] | None = None, *, zh: str | None = None) -> None:
        FormError.__init__(self, message, errors, zh=zh)


class FieldConflict(ConflictError, FormError):
    """A well-formed field that does not fit the object it is sent to (a photo stage on a case that is
    not a repair): a 409 to the API, an error next to the field on a page (it is a FormError too)."""

    code = "form.E409"

    def __init__(self, message: str, errors: dict[str, str] | None = None, *, zh: str | None = None) -> None:
        FormError.__init__(self, message, errors, zh=zh)
