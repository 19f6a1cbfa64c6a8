"""``kefu process check`` (engine/processes/check.py): every problem, against the policy and the actions.

One small diagram per check code under tests/data/check/; exports of bpmn.io and Camunda Modeler 5
(plain BPMN 2.0, no spiff extensions) under tests/data/modelers/ either load or get their list.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.actions import default_actions
from engine.cli import main
from engine.clock import FixedClock
from engine.org import load_org
from engine.policy import PolicySet, load_policy_set
from engine.processes import ProcessRegistry
from engine.processes.check import Finding, check_files
from engine.runtime import Runtime
from engine.store import Store
from tests.conftest import ROOT

DATA = ROOT / "tests" / "data"
CHECK = DATA / "check"
MODELERS = DATA / "modelers"


@pytest.fixture(scope="module")
def policies() -> PolicySet:
    return load_policy_set(ROOT / "policies")


def check(paths: list[Path], policies: PolicySet) -> list[Finding]:
    return check_files(paths, policies=policies, actions=default_actions())


def test_the_shipped_diagrams_have_no_problems(policies: PolicySet) -> None:
    assert check(sorted((ROOT / "processes").glob("*.bpmn")), policies) == []


@pytest.mark.parametrize(
    ("stem", "file", "line", "element_id", "code", "fragment"),
    [
        ("lane_unknown", "bpmn", 9, "desk", "diagram.E023", "bound to 'cs_dsk', which is not a key"),
        ("name_unset", "bpmn", 20, "f_yes", "diagram.E039", "reads 'acepted'"),
        ("policy_key_unknown", "bpmn", 16, "review", "diagram.E040", "'complaint.deadlines.visit'?"),
        ("choices_unknown", "forms.yaml", 2, "review", "diagram.E040", "choices_from 'chanels'"),
        ("policy_key_not_duration", "bpmn", 16, "review", "diagram.E041", "not a duration"),
        ("shows_unknown", "forms.yaml", 5, "review", "diagram.E042", "shows 'ordr_txet', which no form"),
        ("action_unknown", "bpmn", 20, "call", "diagram.E050", "did you mean 'notify.roles'?"),
        ("action_param_missing", "bpmn", 20, "call", "diagram.E051", "needs parameter 'message' (通知内容"),
        ("action_param_unknown", "bpmn", 24, "call", "diagram.E052", "no parameter 'mesage'"),
        ("action_param_type", "bpmn", 22, "call", "diagram.E053", "is list, not str"),
        ("action_param_literal", "bpmn", 24, "call", "diagram.E053", "must be int; the value"),
    ],
)
def test_each_problem_names_file_line_element_and_code(policies: PolicySet, stem: str, file: str, line: int,
                                                       element_id: str, code: str, fragment: str) -> None:
    findings = check([CHECK / f"{stem}.bpmn"], policies)

    assert len(findings) == 1, findings
    found = findings[0]
    assert (found.path, found.line, found.element_id, found.code) == (str(CHECK / f"{stem}.{file}"), line,
                                                                      element_id, code)
    assert fragment in found.message
    assert str(found).startswith(f"{CHECK / f'{stem}.{file}'}:{line}: [{element_id}] {code} ")


# Issue 14's problem classes that loading refuses too: ``kefu process check`` reports each in the same
# form, file:line: [element id] code message (the refusal tests load the same files).
INVALID = DATA / "invalid"


@pytest.mark.parametrize(
    ("problem", "stem", "line", "element_id", "code", "fragment"),
    [
        ("an element kefu cannot run: a task without a type", "plain_task", 8, "call_owner", "diagram.E021",
         "a task without a type"),
        ("an element kefu cannot run: a service task without an action", "service_task", 10, "call_crm",
         "diagram.E021", "serviceTaskOperator"),
        ("a user task in no lane", "no_lane", 10, "review", "diagram.E020", "no lane"),
        ("a called diagram not next to it", "missing_called", 10, "visit", "diagram.E003",
         "'kefu process export DIR' writes the current versions"),
        ("a user task without a form", "missing_form", 17, "review", "diagram.E031",
         "has no entry under 'tasks:' in missing_form.forms.yaml"),
        ("an expression outside the allow-list: import", "script_import", 11, "work", "diagram.E011",
         "import is not allowed"),
        ("an expression outside the allow-list: a call", "script_open", 11, "work", "diagram.E012",
         "calling 'open'"),
        ("an expression outside the allow-list: a dunder", "script_dunder", 11, "work", "diagram.E011",
         "'__builtins__'"),
        ("an expression outside the allow-list: a due property", "due_attribute", 20, "review",
         "diagram.E011", "property 'due'"),
        ('isExecutable="false": named, not skipped', "not_executable", 5, "not_executable", "diagram.E004",
         'isExecutable="false"'),
    ],
)
def test_process_check_reports_each_problem_class_as_file_line_element_code(
        capsys: pytest.CaptureFixture[str], problem: str, stem: str, line: int, element_id: str, code: str,
        fragment: str) -> None:
    path = INVALID / f"{stem}.bpmn"
    rc = main(["process", "check", str(path)])
    out, err = capsys.readouterr()
    assert rc == 1, problem
    (printed,) = out.splitlines()
    assert printed.startswith(f"{path}:{line}: [{element_id}] {code} "), printed
    assert fragment in printed
    assert err == "error: 1 problem(s) in 1 file(s)\n"


def test_an_expression_outside_the_allow_list_is_reported_with_the_names_it_reads(
        policies: PolicySet) -> None:
    """Every problem, not the first: the attribute access and the name nothing sets, on the same line."""
    findings = check([INVALID / "condition_attribute.bpmn"], policies)
    assert [(f.line, f.element_id, f.code) for f in findings] == [(12, "f_vip", "diagram.E011"),
                                                                 (12, "f_vip", "diagram.E039")]
    assert "attribute access" in findings[0].message


def test_every_check_case_file_is_tested() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    assert {p.stem for p in CHECK.glob("*.bpmn") if f'("{p.stem}",' not in source} == set()


def test_a_bpmn_io_draft_gets_its_list(policies: PolicySet) -> None:
    findings = check([MODELERS / "bpmnio_draft.bpmn"], policies)
    assert [(f.line, f.element_id, f.code) for f in findings] == [
        (3, "Process_0m3wj2c", "diagram.E004"),  # bpmn.io saves isExecutable="false": named, not skipped
        (7, "Activity_1kp0y5e", "diagram.E021"),  # a task without a type
    ]


def test_a_camunda_modeler_export_gets_its_list(policies: PolicySet) -> None:
    findings = check([MODELERS / "camunda_complaint.bpmn"], policies)
    assert [(f.line, f.element_id, f.code) for f in findings] == [
        (4, "StartEvent_1", "diagram.E022"),  # camunda:formKey
        (7, "review", "diagram.E022"),  # camunda:assignee
        (7, "review", "diagram.E022"),  # camunda:candidateGroups
        (9, "review", "diagram.E022"),  # camunda:taskListener
        (18, "review_sla", "diagram.E014"),  # PT4H unquoted
        (28, "Flow_approved", "diagram.E010"),  # ${approved == true} is JUEL, not Python
        (31, "Flow_rejected", "diagram.E010"),
        (33, "notify_crm", "diagram.E021"),  # a service task without a kefu action
        (33, "notify_crm", "diagram.E022"),  # camunda:class
    ]
    assert "historyTimeToLive" not in " ".join(f.message for f in findings)  # harmless: not reported


@pytest.mark.parametrize("stem", ["bpmnio_ready", "camunda_ready"])
def test_exports_with_lanes_forms_and_python_conditions_load_and_run(policies: PolicySet, store: Store,
                                                                     clock: FixedClock, stem: str) -> None:
    assert check([MODELERS / f"{stem}.bpmn"], policies) == []
    texts = {p.name: p.read_text(encoding="utf-8") for p in MODELERS.glob(f"{stem}.*")}
    registry = ProcessRegistry.from_texts(texts, MODELERS)
    runtime = Runtime(store, policies, registry, clock, policies.calendars_dir)
    runtime.import_org(load_org(ROOT / "engine" / "demo" / "org.yaml"))
    case = runtime.open_case(stem, {"room": "3栋1202"}, "zhang.wei")
    assert [t.role for t in case.tasks] == ["cs_specialist"]  # the lane's name is its policy key
    data = ({"request": "大堂地面湿滑", "needs_check": False} if stem == "bpmnio_ready"
            else {"borrower": "周先生"})
    assert runtime.complete_task(case.tasks[0].task_id, "zhang.wei", data).status == "closed"


def test_the_cli_prints_every_problem_and_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["process", "check", str(CHECK / "action_unknown.bpmn"), str(CHECK / "name_unset.bpmn")])
    out, err = capsys.readouterr()
    assert rc == 1
    assert out.splitlines() == [
        f"{CHECK / 'action_unknown.bpmn'}:20: [call] diagram.E050 no action 'notify.role'; did you mean "
        "'notify.roles'?",
        f"{CHECK / 'name_unset.bpmn'}:20: [f_yes] diagram.E039 the condition reads 'acepted', which no form "
        "field, script, action result or message sets; did you mean 'accepted'?",
    ]
    assert err == "error: 2 problem(s) in 2 file(s)\n"


def test_the_cli_json_is_what_the_modeler_reads(capsys: pytest.CaptureFixture[str]) -> None:
    main(["process", "check", "--json", str(CHECK / "lane_unknown.bpmn")])
    found = json.loads(capsys.readouterr().out)
    assert found == [{"file": "lane_unknown.bpmn", "path": str(CHECK / "lane_unknown.bpmn"), "line": 9,
                      "element_id": "desk", "code": "diagram.E023", "message": found[0]["message"]}]


def test_the_cli_says_so_when_there_is_nothing_to_fix(capsys: pytest.CaptureFixture[str]) -> None:
    shipped = sorted((ROOT / "processes").glob("*.bpmn"))
    assert main(["process", "check", *map(str, shipped)]) == 0
    assert capsys.readouterr().out.strip() == f"{len(shipped)} file(s) checked: no problems"


def test_the_cli_lists_the_actions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["process", "actions", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [a["name"] for a in listed] == default_actions().names()


def test_not_completed_by_must_name_an_earlier_user_task_of_the_process(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """R6.3 ``not_completed_by`` names the steps whose completer may not take this one: a step that does
    not exist (a typo, a script task, a user task of another process) or never comes before it (the
    countersign named on the record it follows) is refused by ``kefu process check``, with the line."""
    for source in (ROOT / "processes").iterdir():  # its callers too: they set what it reads
        (tmp_path / source.name).write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    path = tmp_path / "return_visit.bpmn"
    text = path.read_text(encoding="utf-8")
    both = 'value="record_return_visit supervisor_record_return_visit"'
    assert text.count(f'name="not_completed_by" {both}') == 2
    text = text.replace('value="record_return_visit supervisor_record_return_visit"',
                        'value="record_return_vist, rv_prepare"', 1)
    text = text.replace('value="record_return_visit supervisor_record_return_visit"',
                        'value="check_closure"', 1)
    record = ('<bpmn:userTask id="record_return_visit" name="回访记录与满意度 record the visit, '
              'satisfaction">\n      <bpmn:extensionElements><spiffworkflow:properties>\n')
    assert record in text
    text = text.replace(record, record + '        <spiffworkflow:property name="not_completed_by" '
                                         'value="countersign_phone_record" />\n')
    path.write_text(text, encoding="utf-8")
    rc = main(["process", "check", str(path)])
    out, err = capsys.readouterr()
    assert rc == 1
    found = [line.split(f"{path}:", 1)[1] for line in out.splitlines()]
    assert [line.split(" diagram.E024 ")[0].split(": ", 1)[1] for line in found] == [
        "[record_return_visit]", "[countersign_phone_record]", "[countersign_phone_record]",
        "[manager_countersign_phone_record]"]
    assert "names 'countersign_phone_record', which never comes before 'record_return_visit'" in found[0]
    assert "names 'record_return_vist', which is no user task of process 'return_visit'" in found[1]
    assert "names 'rv_prepare', which is no user task" in found[2]
    assert "names 'check_closure', which is no user task of process 'return_visit'" in found[3]
    assert err == "error: 4 problem(s) in 1 file(s)\n"
