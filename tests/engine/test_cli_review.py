"""``kefu review generate|list|show|note|sign|tasks|answer`` on the demo org (R2.18)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from engine.cli import main

COMPLAINT = {"customer_name": "周先生", "customer_phone": "13912345678", "room": "3栋1单元1202",
             "description": "楼上漏水", "customer_request": "尽快维修", "channel": "phone",
             "category": "facilities", "urgency": "normal", "scope": "household", "severity": "general",
             "read_back_confirmed": True, "project": "sz-property-lyc"}


@pytest.fixture
def kefu(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
         tmp_path: Path):
    """Run ``kefu`` on the test database at ``now``; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))

    def run(*args: str, actor: str | None = None,
            now: str = "2026-12-01T10:00:00+08:00") -> tuple[int, str, str]:
        code = main(["--db", db_url, "--now", now, *(["--as", actor] if actor else []), *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("init", "--demo")[0] == 0
    return run


def test_generate_note_sign_and_answer_from_the_command_line(kefu, db_url: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    code, out, err = kefu("case", "open", "complaint", "--data", json.dumps(COMPLAINT, ensure_ascii=False),
                          actor="wang.fang", now="2026-11-24T10:00:00+08:00")
    assert code == 0, err
    number = out.strip().splitlines()[-1]
    code, out, err = kefu("review", "generate", "--kind", "leftover", actor="he.jing")
    assert code == 0, err
    assert out.strip().endswith("sz-property leftover 2026-W49 (遗留投诉周复盘): 0/1 noted, open")
    review = out.split()[0].lstrip("#")
    code, _, err = kefu("review", "generate", "--kind", "leftover", "--unit", "sz-property", actor="han.xue")
    assert code != 0  # 华南区域's GM neither generates 深圳物业's list …
    assert kefu("review", "show", review, actor="han.xue")[0] != 0  # … nor reads it
    code, out, err = kefu("review", "show", review, "--json", "--xlsx", str(tmp_path / "w.xlsx"),
                          actor="lin.lihua")
    assert code == 0, err
    shown = json.loads(out)
    [item] = shown["items"]
    assert item["case_number"] == number and item["data"]["project"] == "sz-property-lyc"
    sheet = load_workbook(tmp_path / "w.xlsx")["清单"]
    assert sheet["B7"].value == number
    # the sheet names what it shows, as the web page's download does: no status or category codes
    assert (sheet["F6"].value, sheet["G6"].value) == ("投诉分类", "状态")
    assert (sheet["F7"].value, sheet["G7"].value) == ("房屋设备管理", "已受理")
    assert sheet["B4"].value == "待签认"
    code, _, err = kefu("review", "sign", review, actor="lin.lihua")
    assert code != 0 and "1 complaint(s) have no note yet" in err
    code, _, err = kefu("review", "note", review, str(item["id"]), "--text", "周五前完成", actor="he.jing")
    assert code != 0  # the CS manager does not sign the GM's list
    assert kefu("review", "note", review, str(item["id"]), "--text", "周五前完成", actor="lin.lihua")[0] == 0
    code, out, err = kefu("review", "sign", review, actor="lin.lihua")
    assert code == 0 and "signed by lin.lihua" in out, err
    code, out, _ = kefu("review", "list", "--kind", "leftover", actor="lin.lihua")
    assert f"#{review} sz-property leftover 2026-W49" in out and "1/1 noted, signed by lin.lihua\n" in out
    assert kefu("review", "list", actor="han.xue")[1].count("sz-property") == 0


def test_a_department_head_answers_its_task_from_the_command_line(kefu, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from engine.store import Store
    from engine.store.review_repo import ReviewRepo
    from tests.conftest import shanghai

    store = Store(db_url)
    with store.write() as tx:
        repo = ReviewRepo(tx)
        review = repo.add({"kind": "systemic", "unit": "sz-property", "period": "2026Q3",
                           "occurrence_at": shanghai("2026-10-08 09:00"), "reviewer_role": None,
                           "generated_by": "worker", "generated_at": shanghai("2026-10-08 09:00"),
                           "status": "open", "signed_by": None, "signed_at": None,
                           "summary": {"departments": {"finance": 1}}}, [])
        assert review is not None
        task = repo.add_task({"review_id": review, "subsidiary": "sz-property", "department": "finance",
                              "candidate_group": "department_head@sz-property-finance",
                              "opened_at": shanghai("2026-10-08 09:00"),
                              "due_at": shanghai("2026-10-23 09:00"),
                              "data": {"period": "2026Q3", "count": 1, "categories": {"billing": 1}},
                              "answer": None, "answered_by": None, "answered_at": None})
    store.dispose()
    code, out, err = kefu("review", "tasks", actor="ma.xiaoli")
    assert code == 0 and f"#{task} 2026Q3 finance due 2026-10-23T01:00:00+00:00: open" in out, err
    assert kefu("review", "tasks", actor="cai.wen")[1] == ""
    code, _, err = kefu("review", "answer", str(task), "--text", "越权", actor="cai.wen")
    assert code != 0
    code, out, err = kefu("review", "answer", str(task), "--text", "统一收费单据", actor="ma.xiaoli",
                          now="2026-10-24T10:00:00+08:00")
    assert code == 0 and out.strip() == f"#{task} finance: answered (late)", err
