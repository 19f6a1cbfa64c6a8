"""Diagrams and forms: parse, check and version BPMN processes; bind host functions; clean form data.

Modules: ``registry`` (ProcessRegistry, ProcessDefinition), ``diagram`` (XML checks), ``check``
(``kefu process check``: every problem, with the policy and the actions; codes E023–E053 there),
``expressions`` (the allow-list), ``forms`` and ``fields`` (forms files, cleaning), ``host`` (host
functions, script engine, timer clock).

Refusal codes (``DiagramError.code``; each error names file, line where known, and element id):

    diagram.E001  the BPMN file is not well-formed XML or fails the BPMN/spiff XSD or SpiffWorkflow's parse
    diagram.E002  SpiffWorkflow cannot build the process spec (structure: no start event, bad refs …)
    diagram.E003  process missing or duplicated (unknown id, called process not found, id reused)
    diagram.E004  a process with steps is not executable (``isExecutable="false"``): named, not skipped
    diagram.E010  an expression or script is empty or not valid Python
    diagram.E011  an expression or script uses a construct outside the allow-list (import, attribute,
                  dunder, lambda, def, loop, 'a[k] = …' …)
    diagram.E012  a call to anything but a host function or safe builtin (``open(...)``), or a
                  forbidden builtin named
    diagram.E013  a script (or message variable) assigns to a reserved name (host function, builtin, keyword)
    diagram.E014  a timer literal is not quoted (``PT4H`` instead of ``"PT4H"``)
    diagram.E020  a user task is in no lane
    diagram.E021  an element kefu cannot run (a task without a type, manual/send task, DMN, complex
                  gateway, non-Python script, thrown message, service task without a kefu action)
    diagram.E022  another engine's extension kefu would ignore (``camunda:assignee``, ``formKey`` …)
    diagram.E024  a user task's ``not_completed_by`` names no user task of its process, or one that never
                  comes before it (the steps whose completer may not take this one, R6.3)
    diagram.E030  the forms file is not valid YAML or not shaped ``{start, tasks}``
    diagram.E031  a user task has no forms entry
    diagram.E032  a forms entry names no user task of its diagram
    diagram.E033  a field name is not a plain identifier or is reserved
    diagram.E034  a field name appears twice in one form
    diagram.E035  a field type is unknown
    diagram.E036  a field is malformed (choices missing, unknown key, bad label, bad default …)
    diagram.E038  a forms file has no diagram next to it

Host function failures at run time raise ``HostFunctionError`` (``process.E001``), which SpiffWorkflow
wraps in its ``WorkflowTaskException``; the runtime runs every engine step inside
``workflow_errors()``, which turns any SpiffWorkflow exception into ``StepError`` (``process.E002``,
or the code of the kefu error underneath, e.g. ``calendar.E001``) naming the step and the process.
"""

from engine.processes.expressions import (
    HOST_FUNCTION_NAMES,
    RESERVED_NAMES,
    SAFE_BUILTINS,
    ExpressionRefused,
    check_expression,
)
from engine.processes.fields import FIELD_TYPES
from engine.processes.forms import FieldSpec, FormSpec
from engine.processes.host import (
    HostFunctionError,
    StepClock,
    build_script_engine,
    evaluate_expression,
    host_functions,
    timer_clock,
    workflow_errors,
)
from engine.processes.registry import ProcessDefinition, ProcessRegistry, UserTaskInfo, stages_of

__all__ = [
    "FIELD_TYPES",
    "HOST_FUNCTION_NAMES",
    "RESERVED_NAMES",
    "SAFE_BUILTINS",
    "ExpressionRefused",
    "FieldSpec",
    "FormSpec",
    "HostFunctionError",
    "ProcessDefinition",
    "ProcessRegistry",
    "StepClock",
    "UserTaskInfo",
    "build_script_engine",
    "check_expression",
    "evaluate_expression",
    "host_functions",
    "stages_of",
    "timer_clock",
    "workflow_errors",
]
