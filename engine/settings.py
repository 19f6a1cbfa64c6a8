"""Settings: one frozen object built once from ``KEFU_``-prefixed environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from difflib import get_close_matches
from pathlib import Path

from engine.errors import ConfigError

__all__ = ["PROJECT_ROOT", "Settings", "load_settings"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Where kefu finds its database, policies and diagrams."""

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'kefu.db'}"
    policies_dir: Path = PROJECT_ROOT / "policies"
    processes_dir: Path = PROJECT_ROOT / "processes"
    data_dir: Path = PROJECT_ROOT / "var"
    secret_key: str = ""
    base_url: str = ""  # kefu's public address for links sent by SMS/e-mail; default: the request's own
    smtp_url: str = ""  # smtp://[user:password@]host:port[?starttls=1], e-mail of the worker's outbox
    mail_from: str = "kefu@localhost"
    sms_webhook_url: str = ""  # SMS gateway adapter (JSON POST), see engine/worker/delivery.py
    wecom_webhook_url: str = ""  # WeCom (企业微信) adapter (JSON POST)

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some values replaced (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]


_ENV_NAMES = {f"KEFU_{f.name.upper()}": f.name for f in fields(Settings)}
_ALLOWED_EXTRA = {"KEFU_TEST_POSTGRES_URL"}  # read by the test suite only


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from ``environ`` (default ``os.environ``); unknown ``KEFU_`` names are refused."""
    env = os.environ if environ is None else environ
    values: dict[str, object] = {}
    for name, raw in env.items():
        if not name.startswith("KEFU_") or name in _ALLOWED_EXTRA:
            continue
        attr = _ENV_NAMES.get(name)
        if attr is None:
            hint = get_close_matches(name, list(_ENV_NAMES), n=1)
            tip = f"; did you mean {hint[0]}?" if hint else f"; known: {', '.join(sorted(_ENV_NAMES))}"
            raise ConfigError(f"unknown setting {name}{tip}")
        values[attr] = Path(raw) if attr.endswith("_dir") else raw
    return Settings(**values)  # type: ignore[arg-type]
