"""``kefu init|org|case|inbox|task|timers|audit`` round trip through ``engine.cli.main``."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

import engine.policy
from engine.cli import main
from tests.engine.runtime.conftest import DATA, DEMO_ORG

NOW = "2026-11-23T10:00:00+08:00"
_cached_policy_set = functools.lru_cache(maxsize=2)(engine.policy.load_policy_set)


@pytest.fixture
def kefu(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
         tmp_path: Path):
    """Run ``kefu`` on the test database and diagram; returns (exit code, stdout, stderr)."""
    monkeypatch.setenv("KEFU_PROCESSES_DIR", str(DATA))
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))  # audit key and checkpoints
    monkeypatch.setattr(engine.policy, "load_policy_set", _cached_policy_set)  # parsed once per session

    def run(*args: str, now: str = NOW, actor: str | None = None) -> tuple[int, str, str]:
        argv = ["--db", db_url, "--now", now, *(["--as", actor] if actor else []), *args]
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err

    return run


def test_cli_round_trip(kefu, tmp_path: Path, db_url: str) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = kefu("init", "--demo")
    assert code == 0 and "process ticket" in out and " 0 staff" not in out
    assert "households households.yaml: 4 new" in out and "faq faq.yaml: 9 entries added" in out
    # PostgreSQL: the group zone's report cells are built once, at the first init
    assert ("report cells built for Asia/Shanghai" in out) == db_url.startswith("postgresql")
    code, out, _ = kefu("init", "--demo")
    assert code == 0 and "(known, current)" in out and "0 staff changed" in out
    assert "report cells built" not in out
    assert "households.yaml: 0 new" in out and "the book has entries, none added" in out

    form = tmp_path / "form.json"
    form.write_text(json.dumps({"customer_name": "王先生", "category": "facilities", "room": "1-101"}),
                    encoding="utf-8")
    code, out, _ = kefu("case", "open", "ticket", "--data", f"@{form}", actor="zhang.wei")
    assert code == 0
    number = out.strip().splitlines()[-1]
    assert number == "T-SZP-2026-000001"

    code, out, _ = kefu("inbox", "--view", "queue", "--json", actor="wang.fang")
    [item] = json.loads(out)
    task = item["task_id"][:8]
    assert "due 2026-11-23 10:30" in kefu("inbox", "--view", "queue", actor="wang.fang")[1]

    assert kefu("task", "claim", task, actor="wang.fang")[0] == 0
    code, _, err = kefu("task", "complete", task, "--data", '{"resolved": false}', actor="zhang.wei")
    assert code == 1 and "claimed by wang.fang" in err
    assert 'your input (not saved): {"resolved": false}' in err
    assert kefu("task", "release", task, actor="wang.fang")[0] == 0
    code, out, _ = kefu("task", "complete", task, "--data", '{"resolved": false}', actor="zhang.wei")
    assert code == 0 and "status dispatched" in out and "处理 handle" in out

    code, out, _ = kefu("case", "show", number, actor="zhang.wei")
    assert code == 0 and "status dispatched" in out and "task.completed" in out
    code, out, _ = kefu("case", "show", number, "--json", actor="zhang.wei")
    assert json.loads(out)["number"] == number

    code, _, err = kefu("case", "message", number, "customer_reply", "--data", '{"verdict": "ok"}',
                        actor="zhang.wei")
    assert code == 1 and "waits for no message" in err

    assert kefu("timers", "fire", now="2026-11-24T09:00:00+08:00")[1].strip() == "0"
    assert kefu("timers", "fire", now="2026-11-24T10:00:01+08:00")[1].strip() == "1"
    code, out, _ = kefu("audit", "verify")
    assert code == 0 and "intact" in out


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_cli_errors_are_one_line(kefu) -> None:  # type: ignore[no-untyped-def]
    code, out, _ = kefu("init")
    assert code == 0 and "org" not in out
    code, out, _ = kefu("org", "import", str(DEMO_ORG))
    assert code == 0 and "unit(s)" in out
    code, _, err = kefu("inbox")
    assert code == 1 and "--as LOGIN" in err
    code, _, err = kefu("inbox", actor="zhang.we")
    assert code == 1 and err.strip() == "error: unknown staff login 'zhang.we'; did you mean 'zhang.wei'?"
    code, _, err = kefu("case", "open", "ticket", "--data", "{bad", actor="zhang.wei")
    assert code == 1 and "not valid JSON" in err
    code, _, err = kefu("task", "complete", "deadbeef", actor="zhang.wei")
    assert code == 1 and "no open task" in err


def test_cli_audit_checkpoint_then_verify_reports_a_deleted_case(kefu, db_url: str) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    from engine.store import Store

    kefu("init", "--demo")
    form = '{"customer_name": "王先生", "category": "facilities", "room": "1-101"}'
    number = kefu("case", "open", "ticket", "--data", form, actor="zhang.wei")[1].strip().splitlines()[-1]
    code, out, err = kefu("audit", "verify")
    assert code == 0 and "no audit checkpoint" in err and "intact" in out
    code, out, _ = kefu("audit", "checkpoint")
    assert code == 0 and out.startswith("checkpoint #1:") and out.strip().endswith(".json")
    assert "within KEFU_AUDIT_CHECKPOINT_INTERVAL" in kefu("audit", "checkpoint")[1]
    code, out, _ = kefu("audit", "verify")
    assert code == 0 and "1 checkpoint(s); newest checkpoint #1" in out
    store = Store(db_url)
    with store.engine.begin() as conn:
        case_id = conn.execute(text("SELECT id FROM cases WHERE number = :n"), {"n": number}).scalar()
        for table in ("inbox_tasks", "audit_events", "cases"):
            column = "id" if table == "cases" else "case_id"
            conn.execute(text(f"DELETE FROM {table} WHERE {column} = :c"), {"c": case_id})
    store.dispose()
    code, _, err = kefu("audit", "verify")
    assert code == 1 and f"case {number}" in err and "is missing" in err and "1 problem(s)" in err


def test_org_export_writes_what_import_reads_back(kefu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert kefu("org", "export")[0] == 1  # nothing to export yet: one line, exit 1
    assert kefu("init", "--demo")[0] == 0
    target = tmp_path / "org.yaml"
    code, out, _ = kefu("org", "export", "--out", str(target))
    assert code == 0 and out.startswith(f"wrote {target}: 39 unit(s), 62 staff")
    text = target.read_text(encoding="utf-8")
    assert "deputy: wu.jianping" in text and "roles: [org_admin]" in text
    code, out, _ = kefu("org", "import", str(target))
    assert code == 0 and "0 unit(s) and 0 staff changed" in out
