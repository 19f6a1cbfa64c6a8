"""Fixtures of the engine tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from engine.cli import main
from tests.conftest import ROOT

Kefu = Callable[..., tuple[int, str, str]]


@pytest.fixture
def kefu(request: pytest.FixtureRequest, db_url: str, monkeypatch: pytest.MonkeyPatch,
         capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Kefu:
    """Run ``kefu`` on the test database and the shipped diagrams at the test module's ``NOW`` (or
    ``now=``); returns (exit code, stdout, stderr). A module with other needs defines its own ``kefu``."""
    monkeypatch.setenv("KEFU_PROCESSES_DIR", str(ROOT / "processes"))
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))
    default_now = str(request.module.NOW)

    def run(*args: str, actor: str | None = None, now: str | None = None) -> tuple[int, str, str]:
        code = main(["--db", db_url, "--now", now or default_now, *(["--as", actor] if actor else []), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run
