"""``kefu process list|deploy|export|diff|migrate`` and ``kefu init`` after a deploy (engine.cli.main)."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ROOT
from tests.engine.conftest import Kefu

NOW = "2026-11-23T10:00:00+08:00"
REPAIR = {"customer_name": "李女士", "customer_phone": "13612345678", "room": "5栋2单元801",
          "location": "in_home", "description": "水龙头漏水", "channel": "phone"}


def draft(tmp_path: Path, old: str = 'name="工程人员接单 engineer accepts"',
          new: str = 'name="工程人员接单（新版）"') -> Path:
    """A copy of the repair diagram (and its forms) with one change."""
    folder = tmp_path / "draft"
    folder.mkdir(exist_ok=True)
    text = (ROOT / "processes" / "repair.bpmn").read_text(encoding="utf-8")
    assert old in text
    (folder / "repair.bpmn").write_text(text.replace(old, new), encoding="utf-8")
    forms = (ROOT / "processes" / "repair.forms.yaml").read_text(encoding="utf-8")
    (folder / "repair.forms.yaml").write_text(forms, encoding="utf-8")
    return folder / "repair.bpmn"


def test_deploy_list_diff_migrate_export_round_trip(kefu: Kefu, tmp_path: Path) -> None:
    assert kefu("init", "--demo")[0] == 0
    form = tmp_path / "repair.json"
    form.write_text(json.dumps(REPAIR, ensure_ascii=False), encoding="utf-8")
    code, out, _ = kefu("case", "open", "repair", "--data", f"@{form}", actor="zhang.wei")
    number = out.strip().splitlines()[-1]

    code, _, err = kefu("process", "deploy", str(draft(tmp_path)), actor="zhang.wei")
    assert code == 1 and "may not deploy processes" in err and "process_owner" in err
    broken = draft(tmp_path, 'value="order_items"', 'value="order_itmes"')
    code, _, err = kefu("process", "deploy", str(broken), actor="qian.lu")
    assert code == 1
    assert "repair.bpmn" in err and "diagram.E039" in err and "reads 'order_itmes'" in err
    code, out, _ = kefu("process", "deploy", str(draft(tmp_path)), actor="qian.lu")
    assert code == 0 and "process repair v2" in out and "deployed, current" in out

    code, out, _ = kefu("process", "list", "repair")
    rows = out.splitlines()
    assert rows[0].startswith("  repair") and " v1 " in rows[0] and "1 open case(s)" in rows[0]
    assert rows[1].startswith("* repair") and " v2 " in rows[1] and "qian.lu" in rows[1]
    assert json.loads(kefu("process", "list", "--json")[1])[0]["process"] == "archive_access"

    code, out, _ = kefu("process", "diff", "repair", "v1", "v2")
    assert code == 0 and "~ repair/accept_order" in out and "'工程人员接单（新版）'" in out

    code, out, _ = kefu("process", "migrate", "repair", "--to", "v2", "--dry-run", actor="qian.lu")
    assert code == 0 and f"{number}  v1 → v2  can move" in out and "1 of 1 case(s) can move" in out
    assert "v1" in kefu("process", "list", "repair")[1].splitlines()[0]  # nothing moved yet
    code, out, _ = kefu("process", "migrate", "repair", "--to", "v2", "--cases", number, actor="qian.lu")
    assert code == 0 and f"{number}  v1 → v2  moved" in out
    code, _, err = kefu("process", "migrate", "repair", "--to", "v2", actor="zhang.wei")
    assert code == 1 and "process_owner" in err

    code, out, _ = kefu("init")
    assert "process repair v1" in out and "known, not current: v2 (deployed by qian.lu) stays current" in out
    code, out, _ = kefu("process", "export", str(tmp_path / "export"))
    exported = (tmp_path / "export" / "repair.bpmn").read_text(encoding="utf-8")
    assert code == 0 and "工程人员接单（新版）" in exported


def test_the_diff_lists_the_sequence_flows_added_removed_and_changed(kefu: Kefu, tmp_path: Path) -> None:
    """The CLI lists what the diff page colours on the flows: id, source → target, name, condition."""
    assert kefu("init", "--demo")[0] == 0
    folder = draft(tmp_path).parent  # the accept step renamed, and two flow changes:
    bpmn = folder / "repair.bpmn"
    text = bpmn.read_text(encoding="utf-8")
    text = text.replace(">is_municipal</bpmn:conditionExpression>",  # a condition changed
                        ">is_municipal and not is_emergency</bpmn:conditionExpression>")
    text = text.replace("flow_19_handling_to_closed", "flow_20_handling_to_closed")  # removed + added
    bpmn.write_text(text, encoding="utf-8")
    code, out, err = kefu("process", "deploy", str(bpmn), actor="qian.lu")
    assert code == 0, err

    code, out, _ = kefu("process", "diff", "repair", "v1", "v2")
    assert code == 0
    lines = out.splitlines()
    assert "  ~ repair/municipal_gw 市政设施故障? municipal fault?: cond_task_specs" in lines  # SpecDiff
    assert "  + flow repair/flow_20_handling_to_closed: handling → closed (no condition)" in lines
    assert "  - flow repair/flow_19_handling_to_closed: handling → closed (no condition)" in lines
    assert ("  ~ flow repair/flow_03_municipal_gw_to_handling: municipal_gw → handling 「市政故障」 "
            "if is_municipal and not is_emergency "
            "(condition 'is_municipal' → 'is_municipal and not is_emergency')") in lines
    assert not [line for line in lines if "flow" in line and "repair_handling/" in line]  # stages unchanged

    flows = json.loads(kefu("process", "diff", "repair", "v1", "v2", "--json")[1])["flows"]
    assert list(flows) == ["repair"]
    assert [f["id"] for f in flows["repair"]["changed"]] == ["flow_03_municipal_gw_to_handling"]
    assert flows["repair"]["changed"][0]["before"]["condition"] == "is_municipal"
    assert kefu("process", "diff", "repair", "v2", "v2")[1].splitlines()[1:] == []  # nothing changed


def test_process_list_shows_each_stage_under_the_process_that_calls_it(kefu: Kefu) -> None:
    assert kefu("init")[0] == 0
    code, out, _ = kefu("process", "list")
    assert code == 0
    names = [row[2:28].rstrip() for row in out.splitlines()]
    complaint = names.index("complaint")
    assert names[complaint + 1:complaint + 4] == ["  └ complaint_claim", "  └ complaint_handling",
                                                  "    └ complaint_closure"]
    rows = {name.lstrip(" └"): row for name, row in zip(names, out.splitlines(), strict=True)}
    assert rows["complaint_plan"].endswith("stage of complaint_handling")
    assert rows["complaint_handling"].endswith("stage of complaint")
    assert "stage" not in rows["complaint"] and "stage" not in rows["repair"]
    assert "stage" not in rows["return_visit"]  # called by the complaint and the repair, but runs alone too
    listed = {v["process"]: v["stage_of"] for v in json.loads(kefu("process", "list", "--json")[1])}
    assert listed["complaint_work"] == "complaint_handling" and listed["complaint"] is None
    code, out, _ = kefu("process", "list", "complaint_plan")
    assert code == 0 and out.startswith("* complaint_plan") and "stage of complaint_handling" in out


def test_opening_a_case_on_a_stage_is_refused_with_the_process_to_open(kefu: Kefu, tmp_path: Path) -> None:
    assert kefu("init", "--demo")[0] == 0
    form = tmp_path / "plan.json"
    form.write_text(json.dumps(REPAIR, ensure_ascii=False), encoding="utf-8")
    code, out, err = kefu("case", "open", "complaint_plan", "--data", f"@{form}", actor="zhang.wei")
    assert code == 1 and "is a stage of another process" in err and "open the process that calls it" in err
