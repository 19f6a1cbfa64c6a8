"""Settings: one frozen object built once from ``KEFU_``-prefixed environment variables."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from datetime import timedelta
from difflib import get_close_matches
from pathlib import Path

from engine.errors import ConfigError

__all__ = ["PROJECT_ROOT", "Settings", "load_settings", "parse_span"]

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
    # Operational limits (not business rules, so not in policies/): spans like 30m, 2h, 7d.
    session_idle_timeout: str = "2h"  # a web session unused this long ends
    session_max_age: str = "12h"  # and any web session ends this long after sign-in
    audit_checkpoint_interval: str = "1h"  # how often the worker anchors the audit log
    audit_checkpoint_dir: Path | None = None  # default <data_dir>/audit-checkpoints; WORM in production
    audit_key: str = ""  # HMAC key of the checkpoints; default: generated into <data_dir>/audit_key
    max_image_pixels: int = 50_000_000  # an uploaded photo of more pixels (width × height) is refused
    # live workflows of the cases a process wrote last, kept for their next step (0: none): up to about
    # 0.45 MB each (a complaint near its end), so at most ~45 MB a process; engine/runtime/wfcache.py
    workflow_cache_size: int = 100

    def span(self, name: str) -> timedelta:
        """A span setting as a timedelta; ConfigError naming the variable when it is malformed."""
        return parse_span(str(getattr(self, name)), f"KEFU_{name.upper()}")

    @property
    def checkpoint_dir(self) -> Path:
        """Where the audit checkpoints are written."""
        return Path(self.audit_checkpoint_dir or Path(self.data_dir) / "audit-checkpoints")

    def with_overrides(self, **changes: object) -> Settings:
        """A copy with some values replaced (None values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]


_SPAN = re.compile(r"\s*(\d{1,6})\s*(s|m|h|d)\s*")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_span(text: str, what: str = "span") -> timedelta:
    """``90d``, ``12h``, ``30m`` or ``45s`` as a timedelta (positive); ConfigError otherwise."""
    found = _SPAN.fullmatch(text or "")
    if found is None or int(found.group(1)) == 0:
        raise ConfigError(f"{what}: {text!r} is not a span such as 30m, 2h or 90d "
                          "(a whole number of s, m, h or d, above zero)")
    return timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})


_ENV_NAMES = {f"KEFU_{f.name.upper()}": f.name for f in fields(Settings)}
# read by the test suite only: a PostgreSQL to test against, a folder to keep the browser tests' screenshots
# (a run with KEFU_TEST_SHOTS set also runs the CLI tests, whose `kefu` reads these settings)
_ALLOWED_EXTRA = {"KEFU_TEST_POSTGRES_URL", "KEFU_TEST_SHOTS", "KEFU_SHOTS"}


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
        values[attr] = Path(raw) if attr.endswith("_dir") else _number(name, raw) if attr in _INTS else raw
    return Settings(**values)  # type: ignore[arg-type]


_INTS = {f.name for f in fields(Settings) if isinstance(f.default, int)}
_ZERO_ALLOWED = {"workflow_cache_size"}  # 0 turns the feature off


def _number(name: str, raw: str) -> int:
    text = raw.strip().replace("_", "")
    zero = _ENV_NAMES[name] in _ZERO_ALLOWED if name in _ENV_NAMES else False
    if not (text.isascii() and text.isdigit() and 0 < len(text) <= 12 and (int(text) > 0 or zero)):
        if zero:
            raise ConfigError(f"{name}: {raw!r} is not a whole number of 0 or more (such as 200; 0 turns "
                              "it off)")
        raise ConfigError(f"{name}: {raw!r} is not a whole number above zero (such as 50000000)")
    return int(text)
