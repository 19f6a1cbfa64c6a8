"""Every refusal code, one small file per case under tests/data/invalid/."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import DiagramError
from engine.processes import ProcessDefinition


def load_case(invalid_dir: Path, valid_dir: Path, stem: str) -> None:
    """Build the case ``stem``; a forms-only case borrows the valid triage diagram as ``<stem>.bpmn``."""
    sources = {p.name: p.read_text(encoding="utf-8") for p in invalid_dir.glob(f"{stem}.*")}
    process_id = stem
    if f"{stem}.bpmn" not in sources:
        sources[f"{stem}.bpmn"] = (valid_dir / "triage.bpmn").read_text(encoding="utf-8")
        process_id = "triage"
    ProcessDefinition.from_sources(process_id, sources, base_dir=invalid_dir)


@pytest.mark.parametrize(
    ("stem", "code", "element_id", "line", "fragment"),
    [
        ("not_well_formed", "diagram.E001", None, 9, "not well-formed XML"),
        ("xsd_invalid", "diagram.E001", "f_broken", 9, "'targetRef' is required"),
        ("no_start", "diagram.E002", "no_start", 6, "No start event"),
        ("not_executable", "diagram.E004", "not_executable", 5, 'isExecutable="false"'),
        ("missing_called", "diagram.E003", "visit", 10, "'customer_visit'"),
        ("script_syntax", "diagram.E010", "work", 11, "not valid Python"),
        ("script_import", "diagram.E011", "work", 11, "import is not allowed"),
        ("script_dunder", "diagram.E011", "work", 11, "'__builtins__'"),
        ("condition_attribute", "diagram.E011", "f_vip", 12, "attribute access"),
        ("due_attribute", "diagram.E011", "review", 20, "property 'due'"),
        ("script_open", "diagram.E012", "work", 11, "calling 'open'"),
        ("script_reserved", "diagram.E013", "work", 12, "'deadline'"),
        ("timer_unquoted", "diagram.E014", "wait", 12, 'quote the literal: "PT4H"'),
        ("no_lane", "diagram.E020", "review", 10, "no lane"),
        ("service_task", "diagram.E021", "call_crm", 10, "serviceTaskOperator"),
        ("plain_task", "diagram.E021", "call_owner", 8, "a task without a type"),
        ("camunda_assignee", "diagram.E022", "review", 10, "Camunda attribute assignee='demo'"),
        ("service_parameter", "diagram.E011", "notify", 13, "parameter 'message'"),
        ("service_result_reserved", "diagram.E013", "issue", 11, "'deadline'"),
        ("forms_not_yaml", "diagram.E030", None, 5, "not valid YAML"),
        ("forms_unknown_key", "diagram.E030", None, 2, "['task']"),
        ("missing_form", "diagram.E031", "review", 17, "missing_form.forms.yaml"),
        ("forms_unknown_task", "diagram.E032", "reveiw", 5, "did you mean"),
        ("forms_reserved_field", "diagram.E033", "review", 6, "deadline"),
        ("forms_bad_identifier", "diagram.E033", "review", 5, "plain"),
        ("forms_duplicate_field", "diagram.E034", "review", 6, "twice"),
        ("forms_bad_type", "diagram.E035", "review", 5, "'email'"),
        ("forms_choice_without_choices", "diagram.E036", "review", 5, "choices_from"),
        ("forms_bad_pattern", "diagram.E036", "review", 5, "is not a regular expression"),
    ],
)
def test_refused_diagram_names_file_line_element_and_reason(
    invalid_dir: Path,
    valid_dir: Path,
    stem: str,
    code: str,
    element_id: str | None,
    line: int,
    fragment: str,
) -> None:
    file = f"{stem}.forms.yaml" if stem.startswith("forms_") else f"{stem}.bpmn"

    with pytest.raises(DiagramError) as caught:
        load_case(invalid_dir, valid_dir, stem)

    error = caught.value
    assert error.code == code
    assert error.path == str(invalid_dir / file)
    assert error.element_id == element_id
    assert error.line == line
    assert fragment in error.message
    assert str(error).startswith(f"{invalid_dir / file}:{line}: ")


def test_every_invalid_diagram_file_has_a_refusal_case(invalid_dir: Path) -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    stems = {p.name.split(".")[0] for p in invalid_dir.iterdir() if not p.name.startswith("org_")}

    assert {stem for stem in stems if f'("{stem}",' not in source} == set()
