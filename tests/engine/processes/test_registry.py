"""Loading diagrams: the definition API, versions, call activities and the shipped processes."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import DiagramError, NotFoundError
from engine.processes import FormSpec, ProcessDefinition, ProcessRegistry, UserTaskInfo


def test_valid_directory_loads_every_process_with_its_forms(valid_dir: Path) -> None:
    registry = ProcessRegistry.load(valid_dir)

    triage = registry.get("triage")

    assert triage.process_id == "triage"
    assert triage.name == "Triage a complaint"
    assert sorted(triage.sources) == ["triage.bpmn", "triage.forms.yaml"]
    assert triage.spec.name == "triage"
    assert isinstance(triage.start_form, FormSpec)
    assert triage.start_form.field_names == ("customer_name", "customer_phone", "category", "urgency")
    assert triage.forms["review"].field_names == ("accepted", "note")
    assert triage.forms["review"].title == {"zh": "审核投诉", "en": "Review the complaint"}
    assert triage.user_tasks["review"] == UserTaskInfo(
        name="review",
        title="Review the complaint",
        lane="cs_desk",
        due_expr="deadline('complaint.deadlines.visit', received_at)",
        assignee_expr="None",
        process_id="triage",
        file="triage.bpmn",
        lane_label="cs_desk",  # no policy_lane property: the lane's name is its policy key
    )
    assert [d.process_id for d in registry.definitions()] == [
        "cooling_off",
        "escalation",
        "site_visit",
        "triage",
    ]


def test_version_is_the_sha256_of_the_sources_and_changes_with_any_byte(valid_dir: Path) -> None:
    triage = ProcessRegistry.load(valid_dir).get("triage")
    changed = dict(triage.sources)
    changed["triage.forms.yaml"] += "\n# a comment\n"

    rebuilt = ProcessDefinition.from_sources("triage", changed)

    assert len(triage.version) == 64
    assert rebuilt.version != triage.version


def test_from_sources_rebuilds_the_same_definition_and_caches_it_by_version(valid_dir: Path) -> None:
    triage = ProcessRegistry.load(valid_dir).get("triage")

    again = ProcessDefinition.from_sources("triage", dict(triage.sources))

    assert again is triage


def test_call_activity_pulls_in_the_called_process_file_and_its_forms(valid_dir: Path) -> None:
    escalation = ProcessRegistry.load(valid_dir).get("escalation")

    assert sorted(escalation.sources) == [
        "escalation.bpmn",
        "escalation.forms.yaml",
        "site_visit.bpmn",
        "site_visit.forms.yaml",
    ]
    assert "site_visit" in escalation.subprocess_specs
    assert set(escalation.user_tasks) == {"approve", "visit"}
    assert escalation.lanes == {"cs_centre_gm", "responsible_department"}
    assert escalation.user_tasks["visit"].process_id == "site_visit"
    assert escalation.forms["visit"].field_names == ("visited_at",)


def test_unknown_process_id_suggests_the_closest_one(valid_dir: Path) -> None:
    registry = ProcessRegistry.load(valid_dir)

    with pytest.raises(NotFoundError) as caught:
        registry.get("triag")

    assert "did you mean 'triage'?" in str(caught.value)


def test_forms_file_without_a_diagram_is_refused(tmp_path: Path) -> None:
    (tmp_path / "orphan.forms.yaml").write_text("tasks: {}\n")

    with pytest.raises(DiagramError) as caught:
        ProcessRegistry.load(tmp_path)

    assert caught.value.code == "diagram.E038"
    assert caught.value.path == str(tmp_path / "orphan.forms.yaml")


def test_process_id_defined_in_two_files_is_refused(valid_dir: Path, tmp_path: Path) -> None:
    text = (valid_dir / "site_visit.bpmn").read_text()
    (tmp_path / "a.bpmn").write_text(text)
    (tmp_path / "b.bpmn").write_text(text)

    with pytest.raises(DiagramError) as caught:
        ProcessRegistry.load(tmp_path)

    assert caught.value.code == "diagram.E003"
    assert caught.value.element_id == "site_visit"
    assert caught.value.path == str(tmp_path / "b.bpmn")


def test_several_problems_are_reported_together(valid_dir: Path) -> None:
    text = (valid_dir / "triage.bpmn").read_text()
    text = text.replace('outcome = "late"', "import os").replace('outcome = "rejected"', "x = y.z")

    forms = (valid_dir / "triage.forms.yaml").read_text()

    with pytest.raises(DiagramError) as caught:
        ProcessDefinition.from_sources("triage", {"triage.bpmn": text, "triage.forms.yaml": forms})

    problems = caught.value.problems  # type: ignore[attr-defined]
    assert [(p.code, p.element_id) for p in problems] == [
        ("diagram.E011", "mark_late"),
        ("diagram.E011", "reject"),
    ]
    assert "and 1 more" in str(caught.value)


def test_code_problems_and_structure_problems_are_listed_together(valid_dir: Path) -> None:
    text = (valid_dir / "triage.bpmn").read_text().replace('outcome = "late"', "import os")

    with pytest.raises(DiagramError) as caught:
        ProcessDefinition.from_sources("triage", {"triage.bpmn": text})  # and no forms file

    problems = caught.value.problems  # type: ignore[attr-defined]
    assert [(p.code, p.element_id) for p in problems][:2] == [("diagram.E011", "mark_late"),
                                                              ("diagram.E031", "review")]


def test_shipped_processes_load(processes_dir: Path) -> None:
    registry = ProcessRegistry.load(processes_dir)

    complaint = registry.get("complaint")

    assert complaint.user_tasks
    assert all(task.lane for task in complaint.user_tasks.values())
    assert set(complaint.forms) == set(complaint.user_tasks)


def test_a_definitions_diagrams_are_read_from_its_sources_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The case page lists a case's diagrams on every view: a definition (one immutable process version)
    parses its BPMN files for that once; callers get their own list."""
    from engine.processes import registry as module

    complaint = ProcessRegistry.load(Path(__file__).resolve().parents[3] / "processes").get("complaint")
    complaint.__dict__.pop("_diagrams", None)  # the same version's definition is shared with earlier tests
    parsed: list[str] = []
    original = module.parse_xml
    monkeypatch.setattr(module, "parse_xml", lambda text, path: parsed.append(path) or original(text, path))
    first = complaint.diagrams()
    assert parsed and first[0].process_id == "complaint" and len(first) > 1  # with its called stages
    count = len(parsed)
    first.clear()
    again = complaint.diagrams()
    assert len(parsed) == count
    assert again == complaint._read_diagrams() and again[0].process_id == "complaint"


def test_a_definition_describes_its_forms_once_per_policy_fingerprint(
    policies_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The case page shows every form's labels and choice names: a definition describes its forms once per
    policy fingerprint (each choice list read out of the policy is a deep copy), and the same as
    ``FormSpec.describe`` would; another fingerprint is described on its own."""
    from engine.policy import EffectivePolicy
    from engine.policy.policyset import load_policy_set

    complaint = ProcessRegistry.load(Path(__file__).resolve().parents[3] / "processes").get("complaint")
    complaint.__dict__.pop("_described", None)  # the same version's definition is shared with earlier tests
    policies = load_policy_set(policies_dir)
    group, subsidiary = policies.effective(), policies.effective("sz-property-lyc")
    assert group.fingerprint != subsidiary.fingerprint
    reads: list[str] = []
    original = EffectivePolicy.get
    monkeypatch.setattr(EffectivePolicy, "get", lambda self, key: reads.append(key) or original(self, key))

    start, forms = complaint.described_forms(subsidiary)
    assert reads  # the choice lists and the required fields came out of the policy
    assert start == complaint.start_form.describe(subsidiary)
    assert dict(forms) == {spec: form.describe(subsidiary) for spec, form in complaint.forms.items()}
    assert any(f["choices"] for fields in forms.values() for f in fields)
    reads.clear()
    assert complaint.described_forms(subsidiary) == (start, forms)
    assert complaint.described_forms(subsidiary)[1] is forms
    assert reads == []
    other_start, _other = complaint.described_forms(group)
    assert reads and other_start == complaint.start_form.describe(group)
