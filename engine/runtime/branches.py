"""Parallel branches' data: each branch contributes only what it changed.

SpiffWorkflow copies a task's data into every task after it, so each branch of a parallel split (a
parallel or inclusive gateway, a non-interrupting boundary event, a call activity beside another)
carries its own full copy of the case's data from the moment it started. Two places then let a stale
copy win over a field another branch set later:

- SpiffWorkflow's join (``UnstructuredJoin._run_hook``: the parallel and inclusive gateways' joins and
  the end join of every process) merges the branches' copies whole, the branch arriving last on top,
  so its copy of a field set meanwhile on another branch overwrites it;
- kefu read the case fields from the task completed last, so a step completed on one branch (the
  claim, the emergency plan) brought back that branch's copy of fields the main work had changed.

Both now take a *fold* of the branches: every task that ran, in the order it completed, contributes
the top-level keys whose value differs from the data it started with (its parent's; for the first
task of a called process, the calling step's input). The last writer of a key wins, whatever branch
it was on; a key no branch changed keeps its value. A call activity contributes through its called
process's own tasks (its copied-back data is one more stale copy), and multi-instance work is left
out of the case's fields as before (its data is per instance). Nested values are replaced whole by
the task that changed them (``SPIFFWORKFLOW-NOTES.md``: replace top-level keys).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.unstructured_join import UnstructuredJoin
from SpiffWorkflow.util.task import TaskState

__all__ = ["fold", "install_join_merge", "merged_workflow_data"]

_MISSING = object()


def _callers(top: Any) -> dict[int, Any]:
    """id(subprocess) -> the task that called it (a call activity's task, in any workflow)."""
    found: dict[int, Any] = {}
    for task_id, sub in top.subprocesses.items():
        caller = top.get_task_from_id(task_id)
        if caller is not None:
            found[id(sub)] = caller
    return found


def _base(task: Any, parent: Any, top: Any, callers: dict[int, Any]) -> Any:
    """The data ``task`` started with (None for the top workflow's root: it starts from nothing)."""
    if parent is None:
        return None
    if task.workflow is not top and parent.parent is None:  # the first task of a called process
        caller = callers.get(id(task.workflow))
        if caller is not None and caller.parent is not None:
            return caller.parent.data
    return parent.data


def fold(tasks: Iterable[Any], top: Any, start: dict[str, Any] | None = None) -> dict[str, Any]:
    """``start`` updated, in completion order, with what each of ``tasks`` changed (see module doc).
    Tasks that completed at the same instant keep the order they are given in."""
    callers = _callers(top)
    data: dict[str, Any] = dict(start or {})
    for task in sorted(tasks, key=lambda t: t.last_state_change):
        parent = task.parent
        if parent is None and task.workflow is not top:
            continue  # a called process's root: its first task carries the call's input
        base = _base(task, parent, top, callers)
        if base is None:
            data.update(task.data)
        elif task.data != base:  # most steps (gateways, events) change nothing
            for key, value in task.data.items():
                if base.get(key, _MISSING) != value:
                    data[key] = value
    return data


def _with_called(tasks: Iterable[Any], top: Any, keep: Callable[[Any], bool]) -> list[Any]:
    """Those of ``tasks`` that ``keep`` accepts, every call activity among them (whatever its state)
    replaced by the tasks of the process it called, recursively; a call activity whose process is
    gone counts as one task."""
    out: list[Any] = []
    stack = list(tasks)
    while stack:
        task = stack.pop()
        sub = top.subprocesses.get(task.id)
        if sub is not None:
            stack.extend(sub.tasks.values())
        elif keep(task):
            out.append(task)
    return out


def merged_workflow_data(wf: Any, include: Callable[[Any], bool]) -> dict[str, Any]:
    """The case's data across all branches of ``wf`` and the processes it called: the fold of every
    task that ``include`` accepts among the completed and READY ones."""
    def keep(task: Any) -> bool:
        return task.state in (TaskState.COMPLETED, TaskState.READY) and include(task)

    return fold(_with_called(wf.tasks.values(), wf, keep), wf)


def _branch_tasks(heads: Iterable[Any]) -> dict[Any, Any]:
    """Every task from each head up to its workflow's root (the branches and what they share)."""
    seen: dict[Any, Any] = {}
    for head in heads:
        task = head
        while task is not None and task.id not in seen:
            seen[task.id] = task
            task = task.parent
    return seen


def _join_run_hook(self: Any, my_task: Any) -> bool:
    """``UnstructuredJoin._run_hook`` merging only what each arriving branch changed (module doc)."""
    others = [t for t in my_task.workflow.tasks.values() if t.task_spec == self
              and t.has_state(TaskState.FINISHED_MASK) and not my_task.is_descendant_of(t)]
    heads = [t.parent for t in others if t.parent is not None]
    if my_task.parent is not None:
        heads.append(my_task.parent)
    top = my_task.workflow.top_workflow
    tasks = _branch_tasks(heads).values()

    def keep(task: Any) -> bool:
        return task.state == TaskState.COMPLETED

    merged = fold(_with_called(tasks, top, keep), top, start=my_task.parent.data if my_task.parent else None)
    for task in others:
        # as SpiffWorkflow: a branch reset into after the join keeps no stale descendants
        if task.has_state(TaskState.COMPLETED):
            task._drop_children(force=True)
    my_task.data = deepcopy(merged)
    return True


def install_join_merge() -> None:
    """Make every join (parallel, inclusive, a process's end) merge branch changes (idempotent)."""
    if getattr(UnstructuredJoin._run_hook, "__kefu__", False):
        return
    _join_run_hook.__kefu__ = True  # type: ignore[attr-defined]
    UnstructuredJoin._run_hook = _join_run_hook


install_join_merge()
