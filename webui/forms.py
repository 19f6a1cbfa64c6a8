"""Read a submitted HTML form into the plain data a form spec cleans (only declared fields)."""

from __future__ import annotations

from typing import Any

from werkzeug.datastructures import MultiDict

from engine.errors import FormError

__all__ = ["form_data", "form_error"]


def form_data(fields: list[dict[str, Any]], submitted: MultiDict[str, str]) -> dict[str, Any]:
    """Declared fields only: lists for multi-choice, True/False for checkboxes, text otherwise."""
    out: dict[str, Any] = {}
    for spec in fields:
        name = spec["name"]
        if spec["type"] == "multi_choice":
            out[name] = submitted.getlist(name)
        elif spec["type"] == "boolean" and not spec["required"]:
            out[name] = submitted.get(name) in ("on", "true", "1")
        elif name in submitted:
            out[name] = submitted.get(name, "")
    return out


def form_error(message: str, errors: dict[str, tuple[str, str]]) -> FormError:
    """A FormError with English and Chinese field messages ({field: (en, zh)})."""
    error = FormError(message, {k: en for k, (en, _) in errors.items()})
    error.errors_zh = {k: zh for k, (_, zh) in errors.items()}  # type: ignore[attr-defined]
    return error
