"""Parallel branches merge only what each changed (engine.runtime.branches): SpiffWorkflow's join let
the branch arriving last overwrite a field another branch had set with its stale copy."""

from __future__ import annotations

from pathlib import Path

import pytest
from SpiffWorkflow import TaskState
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.spiff.specs.defaults import UserTask

import engine.runtime.branches  # noqa: F401  (installs the join merge)

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="split" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f0</bpmn:outgoing></bpmn:startEvent>
    <bpmn:parallelGateway id="fork"><bpmn:incoming>f0</bpmn:incoming>
      <bpmn:outgoing>fa</bpmn:outgoing><bpmn:outgoing>fb</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:userTask id="a"><bpmn:incoming>fa</bpmn:incoming><bpmn:outgoing>fa2</bpmn:outgoing></bpmn:userTask>
    <bpmn:userTask id="b"><bpmn:incoming>fb</bpmn:incoming><bpmn:outgoing>fb2</bpmn:outgoing></bpmn:userTask>
    <bpmn:parallelGateway id="join"><bpmn:incoming>fa2</bpmn:incoming><bpmn:incoming>fb2</bpmn:incoming>
      <bpmn:outgoing>f1</bpmn:outgoing></bpmn:parallelGateway>
    <bpmn:scriptTask id="after"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>seen = status + "/" + owner</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f0" sourceRef="start" targetRef="fork" />
    <bpmn:sequenceFlow id="fa" sourceRef="fork" targetRef="a" />
    <bpmn:sequenceFlow id="fb" sourceRef="fork" targetRef="b" />
    <bpmn:sequenceFlow id="fa2" sourceRef="a" targetRef="join" />
    <bpmn:sequenceFlow id="fb2" sourceRef="b" targetRef="join" />
    <bpmn:sequenceFlow id="f1" sourceRef="join" targetRef="after" />
    <bpmn:sequenceFlow id="f2" sourceRef="after" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


def _workflow(tmp_path: Path) -> BpmnWorkflow:
    path = tmp_path / "split.bpmn"
    path.write_text(DIAGRAM, encoding="utf-8")
    parser = SpiffBpmnParser()
    parser.add_bpmn_files([str(path)])
    wf = BpmnWorkflow(parser.get_spec("split"))
    wf.task_tree.set_data(status="received", owner="desk", note="intake")
    wf.do_engine_steps()
    return wf


def _complete(wf: BpmnWorkflow, name: str, **data: object) -> None:
    [task] = [t for t in wf.get_tasks(state=TaskState.READY, spec_class=UserTask) if t.task_spec.name == name]
    task.set_data(**data)
    task.run()
    wf.do_engine_steps()


@pytest.mark.parametrize("order", [("a", "b"), ("b", "a")])
def test_a_field_one_branch_set_survives_the_other_branchs_stale_copy(tmp_path: Path,
                                                                        order: tuple[str, str]) -> None:
    wf = _workflow(tmp_path)
    changes = {"a": {"status": "in_progress"}, "b": {"owner": "engineering"}}
    for name in order:
        _complete(wf, name, **changes[name])
    assert wf.is_completed()
    # each branch's change is kept, whichever arrived at the join last; untouched fields stay
    assert wf.data["seen"] == "in_progress/engineering"
    assert (wf.data["status"], wf.data["owner"], wf.data["note"]) == ("in_progress", "engineering", "intake")


def test_the_later_change_of_the_same_field_wins_whatever_branch_made_it(tmp_path: Path) -> None:
    wf = _workflow(tmp_path)
    _complete(wf, "b", status="b_first")
    _complete(wf, "a", status="a_later")
    assert wf.data["seen"] == "a_later/desk"
    wf = _workflow(tmp_path)
    _complete(wf, "a", status="a_first")
    _complete(wf, "b", status="b_later")
    assert wf.data["seen"] == "b_later/desk"
