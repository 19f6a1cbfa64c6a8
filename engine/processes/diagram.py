"""Load-time checks on a diagram's XML: every piece of code it carries passes the allow-list.

The checks read the XML rather than SpiffWorkflow's specs because the XML keeps the element ids
and source lines an author needs to find the problem.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from engine.errors import DiagramError
from engine.processes.expressions import RESERVED_NAMES, ExpressionRefused, check_expression

__all__ = ["BPMN_NS", "LANE_PROPERTY", "SPIFF_NS", "LaneBinding", "check_diagram_code", "element_index",
           "has_flow_nodes", "lane_bindings", "parse_xml", "service_operators"]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# Other engines' extension namespaces: their attributes and elements mean something to Camunda,
# Zeebe, Activiti or Flowable, and nothing to kefu.
FOREIGN_NS = {
    "http://camunda.org/schema/1.0/bpmn": "Camunda",
    "http://camunda.org/schema/zeebe/1.0": "Zeebe",
    "http://activiti.org/bpmn": "Activiti",
    "http://flowable.org/bpmn": "Flowable",
}
# Foreign attributes that change nothing about what a step does (history, scheduling hints).
_HARMLESS_FOREIGN = {"historyTimeToLive", "versionTag", "isStartableInTasklist", "asyncBefore", "asyncAfter",
                     "exclusive", "jobPriority", "taskPriority", "candidateStarterGroups",
                     "candidateStarterUsers"}
# The property on a lane that names its policy ``lanes:`` key (the lane's name is for people).
LANE_PROPERTY = "policy_lane"


def _b(tag: str) -> str:
    return f"{{{BPMN_NS}}}{tag}"


def _s(tag: str) -> str:
    return f"{{{SPIFF_NS}}}{tag}"


_TIMER_TAGS = {_b("timeDate"), _b("timeDuration"), _b("timeCycle")}
_EXPRESSION_TAGS = _TIMER_TAGS | {
    _b("conditionExpression"),
    _b("condition"),
    _b("loopCardinality"),
    _b("completionCondition"),
    _b("loopCondition"),
    _b("messagePath"),
    _s("messagePayload"),
    _s("expression"),
    _s("payloadExpression"),
}
_SCRIPT_TAGS = {_b("script"), _s("preScript"), _s("postScript")}
_VARIABLE_TAGS = {_s("messageVariable"), _s("variableName")}
_EXPRESSION_PROPERTIES = ("due", "assignee", "notify", "statistic_due", "statistic_done")
_UNSUPPORTED = {
    _b("businessRuleTask"): "business rule tasks (DMN) run code outside the allow-list; use a script task",
    _b("task"): "a task without a type does nothing in kefu and nobody sees it in an inbox; make it a user "
                "task (in a lane, with a form), a script task or a service task calling an action",
    _b("manualTask"): "a manual task does nothing in kefu and nobody sees it in an inbox; make it a "
                      "user task in a lane, with a form",
    _b("sendTask"): "kefu delivers no messages a diagram sends; call the notify.roles action from a service "
                    "task instead",
    _b("complexGateway"): "SpiffWorkflow cannot run complex gateways; use exclusive, inclusive or parallel "
                          "gateways",
}
_THROWING = {_b("intermediateThrowEvent"), _b("endEvent")}
_OPERATOR_PATH = f"{_b('extensionElements')}/{_s('serviceTaskOperator')}"
_UNQUOTED_ISO = re.compile(r"(R\d*_?)?P(T?\d)", re.IGNORECASE)


def parse_xml(text: str, path: str) -> etree._Element:
    """The XML root of a BPMN text; DiagramError ``diagram.E001`` with the line when malformed."""
    try:
        return etree.fromstring(
            text.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, no_network=True)
        )
    except etree.XMLSyntaxError as exc:
        raise DiagramError(
            f"not well-formed XML: {exc.msg}", path=path, line=exc.lineno, code="diagram.E001"
        ) from None


def owner_id(element: etree._Element) -> str | None:
    """The id of the BPMN element an expression belongs to (skipping event definitions, loops and
    extension elements, whose ``id`` names an operator or a parameter)."""
    node = element.getparent()
    while node is not None:
        qname = etree.QName(node)
        name = qname.localname
        if (node.get("id") and qname.namespace == BPMN_NS
                and not name.endswith(("EventDefinition", "LoopCharacteristics"))):
            return node.get("id")
        node = node.getparent()
    return None


def element_index(root: etree._Element) -> dict[str, int]:
    """Element id → source line, for every element with an id."""
    return {el.get("id"): el.sourceline for el in root.iter() if isinstance(el.tag, str) and el.get("id")}


def _code_elements(root: etree._Element) -> Iterator[tuple[etree._Element, str, str, str]]:
    """(element, text, mode, what) for every expression and script the diagram carries."""
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag
        parent = el.getparent()
        if tag in _SCRIPT_TAGS:
            yield el, el.text or "", "exec", etree.QName(el).localname
        elif tag in _EXPRESSION_TAGS:
            yield el, el.text or "", "eval", etree.QName(el).localname
        elif (
            tag == _b("formalExpression")
            and parent is not None
            and parent.tag == _b("correlationPropertyRetrievalExpression")
        ):
            yield el, el.text or "", "eval", "correlation expression"
        elif tag == _s("property") and el.get("name") in _EXPRESSION_PROPERTIES:
            yield el, el.get("value") or "", "eval", f"property {el.get('name')!r}"
        elif tag == _s("parameter") and parent is not None and parent.tag == _s("parameters"):
            yield el, el.get("value") or "", "eval", f"parameter {el.get('id')!r}"


def check_diagram_code(root: etree._Element, path: str) -> list[DiagramError]:
    """Every problem a diagram's XML shows on its own: elements kefu cannot run, other engines'
    extensions, non-executable processes, and the allow-list over every piece of code it carries."""
    problems: list[DiagramError] = []

    def add(message: str, el: etree._Element, code: str, element_id: str | None = None) -> None:
        problems.append(DiagramError(message, path=path, line=el.sourceline,
                                     element_id=element_id or el.get("id") or owner_id(el), code=code))

    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        tag = el.tag
        if tag in _UNSUPPORTED:
            add(_UNSUPPORTED[tag], el, "diagram.E021")
        elif tag == _b("scriptTask") and el.get("scriptFormat") not in (None, "", "python"):
            add(f"script format {el.get('scriptFormat')!r}: kefu runs Python scripts only", el,
                "diagram.E021")
        elif tag == _b("serviceTask") and el.find(_OPERATOR_PATH) is None:
            add("a service task needs <spiffworkflow:serviceTaskOperator id=\"ACTION\"> naming a kefu action "
                "(kefu process actions lists them)", el, "diagram.E021")
        elif tag in _THROWING and el.find(_b("messageEventDefinition")) is not None:
            add("kefu delivers no messages a diagram throws; call the notify.roles action from a service "
                "task instead", el, "diagram.E021")
        elif tag == _b("process") and el.get("isExecutable", "true") != "true" and has_flow_nodes(el):
            add(f"process {el.get('id')!r} is not executable (isExecutable=\"{el.get('isExecutable')}\"); "
                "kefu runs only executable processes: set isExecutable=\"true\" (a modeler calls it "
                "'Executable')", el, "diagram.E004")
        if tag in _VARIABLE_TAGS:
            _check_variable(el, (el.text or "").strip(), add)
        if tag == _s("serviceTaskOperator") and el.get("resultVariable"):
            _check_variable(el, el.get("resultVariable", "").strip(), add)
        _check_foreign(el, add)
    for el, text, mode, what in _code_elements(root):
        element_id = owner_id(el)
        try:
            check_expression(text, mode="exec" if mode == "exec" else "eval")
        except ExpressionRefused as exc:
            line = el.sourceline + (exc.lineno - 1 if exc.lineno and mode == "exec" else 0)
            problems.append(
                DiagramError(
                    f"{what} {_quote(text)}: {exc.reason}",
                    path=path,
                    line=line,
                    element_id=element_id,
                    code=exc.code,
                )
            )
            continue
        if el.tag in _TIMER_TAGS:
            body = ast.parse(text.strip(), mode="eval").body
            if isinstance(body, ast.Name) and _UNQUOTED_ISO.match(body.id):
                problems.append(
                    DiagramError(
                        f'{what}: {body.id} is read as a variable name; quote the literal: "{body.id}"',
                        path=path,
                        line=el.sourceline,
                        element_id=element_id,
                        code="diagram.E014",
                    )
                )
    return problems


def _check_variable(el: etree._Element, name: str, add: Any) -> None:
    if not name.isidentifier() or name in RESERVED_NAMES or name.startswith("_"):
        add(f"variable name {name!r} is not a plain, unreserved identifier", el, "diagram.E013", owner_id(el))


def _check_foreign(el: etree._Element, add: Any) -> None:
    """Other engines' attributes and extension elements: kefu would silently ignore them."""
    ns = etree.QName(el).namespace
    if ns in FOREIGN_NS:
        parent = el.getparent()
        if parent is not None and etree.QName(parent).namespace in FOREIGN_NS:
            return  # reported with its outermost foreign element
        add(f"{FOREIGN_NS[ns]} extension <{etree.QName(el).localname}> is not run by kefu; remove it "
            "(kefu's equivalents: lanes bound to policy roles, forms files, service tasks calling actions, "
            "Python expressions)", el, "diagram.E022", owner_id(el))
        return
    for name in el.attrib:
        qname = etree.QName(name)
        if qname.namespace in FOREIGN_NS and qname.localname not in _HARMLESS_FOREIGN:
            add(f"{FOREIGN_NS[qname.namespace]} attribute {qname.localname}={el.get(name)!r} is not run by "
                f"kefu; remove it ({_FOREIGN_HINTS.get(qname.localname, 'kefu has no equivalent')})",
                el, "diagram.E022")


_FOREIGN_HINTS = {
    "assignee": "a lane bound to a policy role decides who works a step; an 'assignee' property names "
                "a person",
    "candidateGroups": "a lane bound to a policy role decides who works a step",
    "candidateUsers": "a lane bound to a policy role decides who works a step",
    "formKey": "a step's form is its entry in the .forms.yaml file",
    "formRef": "a step's form is its entry in the .forms.yaml file",
    "dueDate": "a 'due' property with deadline(...) sets a step's due time",
    "class": "a service task calls a kefu action with spiffworkflow:serviceTaskOperator",
    "expression": "a service task calls a kefu action with spiffworkflow:serviceTaskOperator",
    "delegateExpression": "a service task calls a kefu action with spiffworkflow:serviceTaskOperator",
    "type": "a service task calls a kefu action with spiffworkflow:serviceTaskOperator",
    "topic": "a service task calls a kefu action with spiffworkflow:serviceTaskOperator",
    "resultVariable": "spiffworkflow:serviceTaskOperator has resultVariable",
}


def has_flow_nodes(process: etree._Element) -> bool:
    """True when a process holds steps (an empty one only draws a participant, e.g. the customer)."""
    return any(isinstance(c.tag, str) and etree.QName(c).localname not in {"laneSet", "documentation",
                                                                          "extensionElements"}
               for c in process)


@dataclass(frozen=True)
class LaneBinding:
    """The lane a flow node is drawn in: the policy ``lanes:`` key it is bound to and its label."""

    key: str
    label: str
    lane_id: str | None


def lane_bindings(root: etree._Element) -> dict[str, LaneBinding]:
    """Flow node id → its lane's binding: the lane's ``policy_lane`` property, else its name.

    A lane's name is for people (the role's name, e.g. 客服专员); the machine-readable key of the
    policy's ``lanes:`` map is ``<spiffworkflow:property name="policy_lane" value="cs_desk"/>`` in the
    lane's ``extensionElements``. Diagrams without the property (kefu's first versions, plain
    bpmn.io exports) are read by the lane's name.
    """
    out: dict[str, LaneBinding] = {}
    for lane in root.iter(_b("lane")):
        key = None
        for prop in lane.iterfind(f"{_b('extensionElements')}/{_s('properties')}/{_s('property')}"):
            if prop.get("name") == LANE_PROPERTY and (prop.get("value") or "").strip():
                key = prop.get("value", "").strip()
        name = (lane.get("name") or "").strip()
        binding = LaneBinding(key or name, name or key or "", lane.get("id"))
        for ref in lane.iterfind(_b("flowNodeRef")):
            if ref.text and ref.text.strip():
                out[ref.text.strip()] = binding
    return out


@dataclass(frozen=True)
class ServiceOperator:
    """A service task's call: the action name, its parameters (name → (type, expression)), result variable."""

    task_id: str
    action: str
    params: dict[str, tuple[str, str]]
    result_variable: str | None
    line: int | None
    param_lines: dict[str, int]


def service_operators(root: etree._Element) -> list[ServiceOperator]:
    """Every ``spiffworkflow:serviceTaskOperator`` of the diagram, with its service task's id."""
    out = []
    for task in root.iter(_b("serviceTask")):
        op = task.find(_OPERATOR_PATH)
        if op is None:
            continue
        params: dict[str, tuple[str, str]] = {}
        lines: dict[str, int] = {}
        for param in op.iterfind(f"{_s('parameters')}/{_s('parameter')}"):
            name = param.get("id") or ""
            params[name] = (param.get("type") or "", param.get("value") or "")
            lines[name] = param.sourceline
        out.append(ServiceOperator(task.get("id") or "", op.get("id") or "", params,
                                   op.get("resultVariable") or None, op.sourceline, lines))
    return out


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= 80 else flat[:77] + "...")
