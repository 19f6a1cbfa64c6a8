"""``kefu simulate`` from the command line: the current rules, an overlay file and a policy draft."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main
from engine.clock import FixedClock
from engine.policy import load_policy_set
from engine.policy_drafts import PolicyDesk
from engine.policy_versions import VersionedPolicies
from engine.store import Store
from tests.conftest import ROOT, shanghai

AT = "2026-11-23T10:00:00+08:00"


@pytest.fixture
def kefu(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'kefu.db'}"
    monkeypatch.setenv("KEFU_DATA_DIR", str(tmp_path / "data"))

    def run(*args: str, actor: str | None = None) -> tuple[int, str, str]:
        code = main(["--db", url, "--now", AT, *(["--as", actor] if actor else []), *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("init", "--demo")[0] == 0
    run.url = url  # type: ignore[attr-defined]
    return run


def reply_due(run: dict) -> str:  # type: ignore[type-arg]
    return next(s["due_at"] for s in run["steps"] if s["task"] == "reply_customer")


def test_a_policy_draft_runs_beside_the_rules_in_force(kefu) -> None:  # type: ignore[no-untyped-def]
    store = Store(kefu.url)
    try:
        policies = VersionedPolicies(store, ROOT / "policies", FixedClock(shanghai("2026-11-23 10:00")),
                                     load_policy_set(ROOT / "policies"))
        desk = PolicyDesk(store, policies, FixedClock(shanghai("2026-11-23 10:00")))
        draft = desk.create("song.yu", "sz-property")
        desk.save("song.yu", draft.id, draft.text.replace("reply: 24 hours", "reply: 12 hours"))
    finally:
        store.dispose()
    code, _, err = kefu("simulate", "consultation", "--at", AT, "--unit", "sz-property-lyc", "--policy-draft",
                        str(draft.id))
    assert code == 1 and "add --as LOGIN" in err
    code, _, err = kefu("simulate", "consultation", "--at", AT, "--unit", "sz-property-lyc", "--policy-draft",
                        str(draft.id), actor="fan.ming")
    assert code == 1  # 华南区域 may not read 深圳物业's draft
    code, out, _ = kefu("simulate", "consultation", "--at", AT, "--unit", "sz-property-lyc", "--policy-draft",
                        str(draft.id), "--json", actor="song.yu")
    assert code == 0
    current, drafted = json.loads(out)
    assert (current["label"], drafted["label"]) == ("现行细则", f"草案第{draft.id}号")
    assert reply_due(current) == "2026-11-24T10:00:00+08:00"
    assert reply_due(drafted) == "2026-11-23T22:00:00+08:00"


def test_an_overlay_file_and_the_text_output(kefu, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    overlay = tmp_path / "sz-property.yaml"
    text = (ROOT / "policies" / "subsidiaries" / "sz-property.yaml").read_text(encoding="utf-8")
    overlay.write_text(text.replace("reply: 24 hours", "reply: 12 hours"), encoding="utf-8")
    code, out, _ = kefu("simulate", "consultation", "--at", AT, "--unit", "sz-property-lyc", "--overlay",
                        str(overlay))
    assert code == 0
    assert "changed due times:" in out
    assert "答复客户 reply to the customer: 2026-11-24 10:00 → 2026-11-23 22:00" in out


@pytest.mark.parametrize(("process", "path", "first"), [
    ("repair", "emergency", ("notify_leaders", "2026-11-23T10:00:00+08:00")),
    ("visitor_reception", "happy", ("check_in", "2026-11-23T11:00:00+08:00")),
    ("archive_access", "refused", ("approve_request", "2026-11-24T10:00:00+08:00")),
])
def test_every_process_with_a_script_is_simulated_from_the_command_line(  # type: ignore[no-untyped-def]
        kefu, process: str, path: str, first: tuple[str, str]) -> None:
    code, out, err = kefu("simulate", process, "--at", AT, "--unit", "sz-property-lyc", "--path", path,
                          "--json")
    assert code == 0, err
    [current] = json.loads(out)
    assert (current["steps"][0]["task"], current["steps"][0]["due_at"]) == first
    assert current["status"] == "closed"


def test_a_time_given_in_utc_is_shown_on_the_policy_clock_at_a_year_end(kefu) -> None:  # type: ignore[no-untyped-def]
    """--at 2026-12-31T16:00Z is 2027-01-01 00:00 in Shanghai: every line reads the policy zone's wall clock
    (the date flips too), the same as for the same moment given as +08:00; before, the events were printed
    in the offset --at was typed in ("2026-12-31 16:00  received") beside due times in +08:00."""
    code, utc, err = kefu("simulate", "consultation", "--at", "2026-12-31T16:00:00Z", "--unit",
                          "sz-property-lyc")
    assert code == 0, err
    code, local, err = kefu("simulate", "consultation", "--at", "2027-01-01T00:00:00+08:00", "--unit",
                            "sz-property-lyc")
    assert code == 0, err
    assert "  2027-01-01 00:00  received  " in utc
    assert "2026-12-31 16:00" not in utc
    assert utc == local
