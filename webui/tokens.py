"""API tokens for integrations: handed out once, kept only as sha256 hashes in the data directory."""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path
from typing import Any

__all__ = ["ApiTokens"]


class ApiTokens:
    """A small JSON file of ``sha256(token) → {login, label, created}``."""

    def __init__(self, path: Path, clock: Any) -> None:
        self.path = Path(path)
        self.clock = clock

    @staticmethod
    def _hash(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()

    def _read(self) -> dict[str, dict[str, str]]:
        return json.loads(self.path.read_text(encoding="utf-8")) if self.path.exists() else {}

    def issue(self, login: str, label: str) -> str:
        """A new token acting as ``login`` (returned once, never stored in clear)."""
        token = "kefu_" + secrets.token_urlsafe(32)
        tokens = self._read()
        tokens[self._hash(token)] = {"login": login, "label": label, "created": self.clock.now().isoformat()}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".part")
        partial.write_text(json.dumps(tokens, indent=1, ensure_ascii=False), encoding="utf-8")
        partial.chmod(0o600)
        partial.replace(self.path)
        return token

    def login_for(self, token: str) -> str | None:
        """The login a token acts as, or None."""
        entry = self._read().get(self._hash(token))
        return None if entry is None else entry["login"]
