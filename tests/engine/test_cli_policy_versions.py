"""``kefu policy import|export`` (issue 17): the YAML files stay the source for version control; an edited
overlay is published by the group's policy reviewer with its effective time and reaches the cases opened
from then on; export writes what is in force back to the files."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from engine.cli import main
from tests.conftest import ROOT

NOW = "2026-11-23T10:00:00+08:00"
QUESTION = {"customer_name": "陈先生", "customer_phone": "13711112222", "room": "2栋1单元502",
            "channel": "phone", "question": "阳台可以封闭吗？"}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    folder = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", folder)
    return folder


@pytest.fixture
def kefu(db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
         tmp_path: Path, tree: Path):
    monkeypatch.setenv("KEFU_PROCESSES_DIR", str(ROOT / "processes"))
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("KEFU_POLICIES_DIR", str(tree))

    def run(*args: str, actor: str | None = None, now: str = NOW) -> tuple[int, str, str]:
        code = main(["--db", db_url, "--now", now, *(["--as", actor] if actor else []), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def _reply_due(kefu, tmp_path: Path, now: str) -> str:  # type: ignore[no-untyped-def]
    """Open a consultation at 丽雅苑 at ``now``; the case page's text (its open step with its due time)."""
    form = tmp_path / "q.json"
    form.write_text(json.dumps(QUESTION, ensure_ascii=False), encoding="utf-8")
    code, out, err = kefu("case", "open", "consultation", "--data", f"@{form}", actor="zhang.wei", now=now)
    assert code == 0, err
    code, out, err = kefu("case", "show", out.strip().splitlines()[-1], actor="zhang.wei", now=now)
    assert code == 0, err
    return out


def test_an_edited_file_is_imported_with_its_effective_time_and_exported_back(kefu, tree: Path,
                                                                              tmp_path: Path):
    assert kefu("init", "--demo")[0] == 0
    code, _, err = kefu("policy", "import", "--effective", "2026-11-23T14:00:00+08:00", actor="lv.qing")
    assert code == 1 and "first import is effective now" in err  # the files are in force already
    code, out, err = kefu("policy", "import", actor="lv.qing")  # record the files as they are
    assert code == 0 and "3 overlay(s) published" in out, err

    overlay = tree / "subsidiaries" / "sz-property.yaml"
    overlay.write_text(overlay.read_text(encoding="utf-8").replace("reply: 24 hours", "reply: 12 hours"),
                       encoding="utf-8")
    code, _, err = kefu("policy", "import", "--unit", "sz-property", actor="song.yu")
    assert code == 1 and "policy reviewer" in err  # an editor does not skip the review
    code, out, err = kefu("policy", "import", "--effective", "2026-11-23T14:00:00+08:00", actor="lv.qing")
    assert code == 0, err
    assert "published sz-property as version 4, effective 2026-11-23T06:00:00+00:00" in out
    assert "unchanged hn-region" in out and "1 overlay(s) published" in out

    before = _reply_due(kefu, tmp_path, "2026-11-23T13:00:00+08:00")
    after = _reply_due(kefu, tmp_path, "2026-11-23T14:00:00+08:00")
    assert "2026-11-24 13:00" in before  # the version in force at 13:00: 24 hours
    assert "2026-11-24 02:00" in after  # 12 hours from 14:00

    out_dir = tmp_path / "exported"
    code, out, _ = kefu("policy", "export", "--out", str(out_dir), now="2026-11-23T13:00:00+08:00")
    assert code == 0 and "3 overlay(s) exported" in out and "takes effect 2026-11-23T06:00:00+00:00" in out
    assert "reply: 24 hours" in (out_dir / "subsidiaries" / "sz-property.yaml").read_text(encoding="utf-8")
    code, out, _ = kefu("policy", "export", "--out", str(out_dir), now="2026-11-23T15:00:00+08:00")
    assert code == 0 and "3 overlay(s) exported" in out
    assert "reply: 12 hours" in (out_dir / "subsidiaries" / "sz-property.yaml").read_text(encoding="utf-8")
    code, out, _ = kefu("policy", "import", actor="lv.qing", now="2026-11-23T15:00:00+08:00")
    assert code == 0 and "0 overlay(s) published" in out  # the files and the database agree


def test_a_file_over_the_bounds_is_refused_with_its_line(kefu, tree: Path):
    assert kefu("init", "--demo")[0] == 0
    overlay = tree / "subsidiaries" / "sz-property.yaml"
    overlay.write_text(overlay.read_text(encoding="utf-8").replace("reply: 24 hours", "reply: 48 hours"),
                       encoding="utf-8")
    code, _, err = kefu("policy", "import", "--unit", "sz-property", actor="lv.qing")
    assert code == 1 and "sz-property.yaml:8" in err and "policy.E016" in err


def test_simulate_runs_a_browser_draft_beside_the_rules_in_force(kefu, tree: Path, db_url: str):
    from engine.clock import FixedClock
    from engine.policy_drafts import PolicyDesk
    from engine.policy_versions import VersionedPolicies
    from engine.store import Store
    from tests.conftest import shanghai

    assert kefu("init", "--demo")[0] == 0
    store = Store(db_url)
    clock = FixedClock(shanghai("2026-11-23 10:00"))
    desk = PolicyDesk(store, VersionedPolicies(store, tree, clock), clock)
    draft = desk.create("song.yu", "sz-property")
    desk.save("song.yu", draft.id, draft.text.replace("reply: 24 hours", "reply: 12 hours"))
    store.dispose()
    args = ("simulate", "consultation", "--at", "2026-11-23T10:00:00+08:00", "--unit", "sz-property-lyc",
            "--policy-draft", str(draft.id))
    code, _, err = kefu(*args)
    assert code == 1 and "--as LOGIN" in err
    code, _, err = kefu(*args, actor="ma.lin")  # 华南区域's editor may not read 深圳物业's draft
    assert code == 1
    code, out, err = kefu(*args, actor="song.yu")
    assert code == 0, err
    assert "草案第1号" in out and "changed due times:" in out
    assert re.search(r"2026-11-24 10:00 → 2026-11-23 22:00", out), out
