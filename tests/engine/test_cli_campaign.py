"""``kefu campaign open|visit|status|list`` on the demo org and households (R6.3)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.cli import main

NOW = "2026-11-23T10:00:00+08:00"


@pytest.fixture
def kefu(
    db_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
    tmp_path: Path,
):
    """Run ``kefu`` on the test database; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))

    def run(*args: str, actor: str | None = None) -> tuple[int, str, str]:
        code = main(["--db", db_url, "--now", NOW, *(["--as", actor] if actor else []), *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("init", "--demo")[0] == 0
    return run


def test_open_visit_and_follow_a_campaign_from_the_command_line(kefu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = kefu(
        "campaign", "open", "--project", "sz-property-lyc", "--kind", "opinion", actor="he.jing"
    )
    assert code == 0, err
    assert out.strip() == "#1 sz-property-lyc opinion 2026-10-01..2026-12-31 target 98%"
    code, _, err = kefu(
        "campaign",
        "visit",
        "1",
        "--household",
        "lyc-3-1-1202",
        "--method",
        "phone",
        "--record",
        "业主反映电梯噪音",
        actor="wang.fang",
    )
    assert code == 1 and "second_signer" in err
    assert (
        kefu(
            "campaign",
            "visit",
            "1",
            "--household",
            "lyc-3-1-1202",
            "--method",
            "phone",
            "--record",
            "业主反映电梯噪音",
            "--second-signer",
            "zhang.wei",
            actor="wang.fang",
        )[0]
        == 0
    )
    code, out, _ = kefu("campaign", "status", "1", actor="li.na")
    assert out.strip() == (
        "#1 sz-property-lyc opinion 2026-10-01..2026-12-31: 1/2 = 50.00% (target 98%, 1 more needed)"
    )
    book = tmp_path / "c.xlsx"
    code, out, _ = kefu("campaign", "status", "1", "--json", "--xlsx", str(book), actor="li.na")
    figures = json.loads(out)
    assert figures["remaining"] == [{"code": "lyc-5-2-0801", "room": "5栋2单元801", "owner_name": "吴丽"}]
    assert load_workbook(book)["未回访住户"]["A2"].value == "5栋2单元801"
    code, _, err = kefu("campaign", "status", "1", actor="fan.ming")
    assert code == 1 and "another subsidiary" in err
    assert kefu("campaign", "list", actor="wang.fang")[1].strip() == (
        "#1 sz-property-lyc opinion 2026-10-01..2026-12-31 1/2"
    )
