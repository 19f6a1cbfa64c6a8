"""``kefu assessment issue|appeal|decide|list|statement`` on the demo org (R8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.cli import main

NOW = "2026-11-30T10:00:00+08:00"


@pytest.fixture
def kefu(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
         tmp_path: Path):
    """Run ``kefu`` on the test database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))

    def run(*args: str, actor: str | None = None) -> tuple[int, str, str]:
        code = main(["--db", db_url, "--now", NOW, *(["--as", actor] if actor else []), *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("init", "--demo")[0] == 0
    return run


def test_issue_appeal_decide_and_the_statement_from_the_command_line(kefu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for day, points in (("2026-11-03", "1"), ("2026-11-04", "2"), ("2026-11-05", "2")):
        code, out, err = kefu("assessment", "issue", "--person", "wang.fang", "--issue", "etiquette",
                              "--points", points, "--on", day, "--text", "未使用规范用语", actor="li.na")
        assert code == 0, err
    assert out.strip() == "#3 2026-11-05 wang.fang etiquette 2 point(s) in_force supervisor li.na"
    code, out, _ = kefu("assessment", "statement", "--month", "2026-11", actor="wang.fang")
    mine = json.loads(out)
    assert (mine["points"], mine["total"], mine["shared_with_supervisor"], mine["published"]) == (
        5, "37.50", "7.50", True)
    code, _, err = kefu("assessment", "issue", "--person", "wang.fang", "--issue", "etiquette",
                        "--points", "1", "--on", "2026-11-05", "--text", "x", actor="shi.lei")
    assert code == 1 and "belongs to another subsidiary" in err  # 华南区域's CS supervisor: refused
    assert kefu("assessment", "appeal", "3", "--reason", "系统故障", actor="wang.fang")[1].strip() == (
        "#3 appealed to cs_manager (level 1)")
    code, out, _ = kefu("assessment", "decide", "3", "--decision", "reduced", "--points", "1",
                        "--answer", "改扣1分", actor="he.jing")
    assert out.strip() == "#3 2026-11-05 wang.fang etiquette 1 point(s) in_force (was 2)"
    code, out, _ = kefu("assessment", "statement", "--month", "2026-11", "--unit", "sz-property",
                        actor="he.jing")
    unit = json.loads(out)
    assert [(p["person"], p["points"], p["total"]) for p in unit["people"]] == [
        ("wang.fang", 4, "14.00"), ("li.na", 0, "6.00")]
    book = tmp_path / "nov.xlsx"
    assert kefu("assessment", "statement", "--month", "2026-11", "--unit", "sz-property", "--format", "xlsx",
                "--out", str(book), actor="he.jing")[0] == 0
    assert load_workbook(book)["考核汇总"]["C3"].value == 4
    code, _, err = kefu("assessment", "statement", "--month", "2026-11", "--unit", "sz-property",
                        actor="feng.tingting")
    assert code == 1 and err
    code, out, _ = kefu("assessment", "list", "--month", "2026-11", "--unit", "sz-property-lyc",
                        actor="li.na")
    assert out.strip().splitlines()[-1] == "3 notice(s)"
