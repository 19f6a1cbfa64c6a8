"""Deployed process versions (engine/runtime/versions.py): init rules, deploy, list, export, diff.

Every test runs on SQLite and on PostgreSQL (the shared ``runtime`` fixture: shipped diagrams and
policies, the demo org, the files registered by ``register_processes``).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import DiagramError, NotFoundError, PermissionDenied
from engine.processes import ProcessRegistry
from engine.runtime import Runtime
from engine.store.process_repo import ProcessRepo
from tests.conftest import ROOT

OWNER = "qian.lu"  # 流程负责人 at the group
REPAIR = {"customer_name": "李女士", "customer_phone": "13612345678", "room": "5栋2单元801",
          "location": "in_home", "description": "水龙头漏水", "channel": "phone"}


def files(*names: str) -> dict[str, str]:
    """Shipped files by name."""
    return {n: (ROOT / "processes" / n).read_text(encoding="utf-8") for n in names}


def retitled_repair(title: str = "工程人员接单（新版）") -> dict[str, str]:
    texts = files("repair.bpmn", "repair.forms.yaml")
    texts["repair.bpmn"] = texts["repair.bpmn"].replace('name="工程人员接单 engineer accepts"',
                                                        f'name="{title}"')
    assert title in texts["repair.bpmn"]
    return texts


def labels(runtime: Runtime, process: str) -> list[tuple[str, bool, str, str | None]]:
    return [(v.record.label, v.record.current, v.record.source, v.record.deployed_by)
            for v in runtime.process_versions(process)]


def system_events(runtime: Runtime, action: str) -> list[dict[str, object]]:
    with runtime.store.read() as tx:
        return [{"actor": e.actor, **e.data} for e in tx.chain_events("system") if e.action == action]


def test_init_registers_each_file_once_and_makes_it_current(runtime: Runtime) -> None:
    again = runtime.register_processes()
    assert {r.status for r in again} == {"current"}
    assert labels(runtime, "repair") == [("v1", True, "init", None)]
    assert [e["process"] for e in system_events(runtime, "process.registered")] == sorted(
        d.process_id for d in runtime.registry.definitions())


def test_a_process_owner_deploys_a_new_version_and_new_cases_open_on_it(runtime: Runtime) -> None:
    old = runtime.open_case("repair", REPAIR, "zhang.wei")
    (done,) = runtime.deploy(retitled_repair(), OWNER)
    assert (done.process_id, done.version.label, done.status) == ("repair", "v2", "registered")
    assert labels(runtime, "repair") == [("v1", False, "init", None), ("v2", True, "deploy", OWNER)]
    new = runtime.open_case("repair", REPAIR, "zhang.wei")
    assert new.process_version == done.version.version != old.process_version
    assert [t.title for t in new.tasks] == [t.title for t in old.tasks]  # issue_order: not the retitled step
    counts = {v.record.label: v.open_cases for v in runtime.process_versions("repair")}
    assert counts == {"v1": 1, "v2": 1}
    (deployed,) = [e for e in system_events(runtime, "process.deployed")
                   if e["process"] == "repair" and e["to"] == "v2"]
    assert (deployed["actor"], deployed["from"], deployed["how"]) == (OWNER, "v1", "deployed repair.bpmn")
    assert runtime.deploy(retitled_repair(), OWNER) == []  # the same content again: nothing to do


@pytest.mark.parametrize("actor", ["zhang.wei", "fan.ming", "zheng.xiaoyan", "lin.lihua"])
def test_only_a_process_owner_of_the_group_may_deploy(runtime: Runtime, actor: str) -> None:
    with pytest.raises(PermissionDenied, match="process_owner"):
        runtime.deploy(retitled_repair(), actor)
    assert labels(runtime, "repair") == [("v1", True, "init", None)]


def test_the_role_held_in_a_subsidiary_does_not_let_anyone_deploy(runtime: Runtime) -> None:
    from engine.store import StaffRecord

    with runtime.store.write() as tx:  # a process owner of 华南区域 only: processes are group-wide
        tx.upsert_staff([StaffRecord("local.owner", "本地流程负责人", "hn-region", ("process_owner",),
                                     None, None, True)])
    with pytest.raises(PermissionDenied, match="at the group"):
        runtime.deploy(retitled_repair(), "local.owner")


def test_a_diagram_with_problems_is_not_deployed_and_every_problem_is_listed(runtime: Runtime) -> None:
    texts = retitled_repair()
    texts["repair.bpmn"] = (texts["repair.bpmn"].replace('value="order_items"', 'value="order_itmes"')
                            .replace('id="repair.issue_dispatch_order"', 'id="repair.issue_dispatch_ordr"'))
    with pytest.raises(DiagramError, match="deploy refused: 2 problem") as refused:
        runtime.deploy(texts, OWNER)
    codes = sorted(f.code for f in refused.value.findings)  # type: ignore[attr-defined]
    assert codes == ["diagram.E039", "diagram.E050"]
    assert labels(runtime, "repair") == [("v1", True, "init", None)]


def test_deploying_a_called_diagram_makes_new_versions_of_its_callers(runtime: Runtime) -> None:
    texts = files("return_visit.bpmn", "return_visit.forms.yaml")
    texts["return_visit.bpmn"] = texts["return_visit.bpmn"].replace(
        'name="联系客户回访 contact the customer"', 'name="联系客户回访（新版）"')
    done = runtime.deploy(texts, OWNER)
    # its callers, also through other calls: complaint → complaint_handling → complaint_review → return_visit,
    # repair → repair_handling → return_visit
    assert sorted(d.process_id for d in done) == [
        "complaint", "complaint_handling", "complaint_review", "consultation", "repair", "repair_handling",
        "return_visit"]
    for caller in ("repair", "complaint"):
        assert "联系客户回访（新版）" in runtime.current_definition(caller).sources["return_visit.bpmn"]


def test_init_never_replaces_a_deployed_version_without_force(runtime: Runtime, tmp_path: Path) -> None:
    runtime.deploy(retitled_repair(), OWNER)
    assert {r.process_id: r.status for r in runtime.register_processes()}["repair"] == "kept"
    assert labels(runtime, "repair")[-1] == ("v2", True, "deploy", OWNER)
    # new file content (a kefu upgrade, say) is stored, but the owner's version stays current
    changed = tmp_path / "processes"
    changed.mkdir()
    for name, text in files(*[p.name for p in (ROOT / "processes").iterdir()]).items():
        (changed / name).write_text(text.replace("工程人员接单 engineer accepts", "工程人员接单（升级）"),
                                    encoding="utf-8")
    runtime.registry = ProcessRegistry.load(changed)
    done = {r.process_id: r for r in runtime.register_processes()}
    repair = done["repair"]
    assert (repair.status, repair.version.label, repair.current.label) == ("stored", "v3", "v2")
    forced = {r.process_id: r for r in runtime.register_processes(force=True)}["repair"]
    assert (forced.status, forced.current.label) == ("current", "v3")
    assert labels(runtime, "repair")[-1] == ("v3", True, "init", None)


def test_init_makes_new_file_content_current_when_the_files_were_current(runtime: Runtime,
                                                                         tmp_path: Path) -> None:
    changed = tmp_path / "processes"
    changed.mkdir()
    for name, text in files(*[p.name for p in (ROOT / "processes").iterdir()]).items():
        (changed / name).write_text(text.replace("工程人员接单 engineer accepts", "工程人员接单（升级）"),
                                    encoding="utf-8")
    runtime.registry = ProcessRegistry.load(changed)
    done = {r.process_id: r.status for r in runtime.register_processes()}
    assert done["repair"] == "registered" and done["complaint"] == "current"
    # an older file content than the current version is not made current again
    runtime.registry = ProcessRegistry.load(ROOT / "processes")
    assert {r.process_id: r.status for r in runtime.register_processes()}["repair"] == "kept"


def test_export_writes_the_current_versions_back_to_files(runtime: Runtime, tmp_path: Path) -> None:
    runtime.deploy(retitled_repair(), OWNER)
    written = runtime.export_processes(tmp_path / "out")
    shipped = sorted(p.name for p in (ROOT / "processes").iterdir())
    assert sorted(p.name for p in written) == shipped
    assert "工程人员接单（新版）" in (tmp_path / "out" / "repair.bpmn").read_text(encoding="utf-8")
    exported = (tmp_path / "out" / "complaint.bpmn").read_text(encoding="utf-8")
    assert exported == files("complaint.bpmn")["complaint.bpmn"]
    runtime.registry = ProcessRegistry.load(tmp_path / "out")  # the exported files are the current versions
    assert {r.status for r in runtime.register_processes()} == {"current"}


def test_diff_names_the_changed_steps_forms_and_lanes(runtime: Runtime) -> None:
    texts = retitled_repair()
    forms = texts["repair.forms.yaml"]
    at = forms.index("    fields:\n", forms.index("  accept_order:\n")) + len("    fields:\n")
    helper = "      - {name: helper_name, type: text, label: {zh: 协助人员, en: Helper}}\n"
    texts["repair.forms.yaml"] = forms[:at] + helper + forms[at:]
    runtime.deploy(texts, OWNER)
    diff = runtime.diff_versions("repair", "v1", "current")
    assert (diff["from"]["label"], diff["to"]["label"]) == ("v1", "v2")
    changed = {c["id"]: c["changes"] for c in diff["specs"]["repair"]["changed"]}
    assert changed == {"accept_order": ["bpmn_name"]}
    assert diff["specs"]["return_visit"]["status"] == "same"
    assert diff["forms"] == {"accept_order": {"added": ["helper_name"], "removed": [], "changed": {}}}
    assert diff["tasks"] == {
        "accept_order": ["title '工程人员接单 engineer accepts' → '工程人员接单（新版）'"]}


@pytest.mark.parametrize(("ref", "label"), [("v1", "v1"), ("1", "v1"), ("current", "v2"), ("V2", "v2")])
def test_a_version_is_named_by_number_hash_or_current(runtime: Runtime, ref: str, label: str) -> None:
    runtime.deploy(retitled_repair(), OWNER)
    assert runtime.resolve_version("repair", ref).label == label
    v1 = runtime.resolve_version("repair", "v1")
    assert runtime.resolve_version("repair", v1.version[:8]) == v1


def test_unknown_versions_and_processes_say_what_exists(runtime: Runtime) -> None:
    with pytest.raises(NotFoundError, match=r"no version 'v9'; versions: v1 \("):
        runtime.resolve_version("repair", "v9")
    with pytest.raises(NotFoundError, match="did you mean 'repair'"):
        runtime.process_versions("repiar")


def test_the_stored_version_rows_count_per_process(runtime: Runtime) -> None:
    runtime.deploy(retitled_repair(), OWNER)
    with runtime.store.read() as tx:
        current = ProcessRepo(tx).current_versions()
    assert current["repair"].label == "v2" and current["complaint"].label == "v1"
