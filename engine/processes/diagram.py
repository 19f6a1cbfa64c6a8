"""Load-time checks on a diagram's XML: every piece of code it carries passes the allow-list.

The checks read the XML rather than SpiffWorkflow's specs because the XML keeps the element ids
and source lines an author needs to find the problem.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from lxml import etree

from engine.errors import DiagramError
from engine.processes.expressions import RESERVED_NAMES, ExpressionRefused, check_expression

__all__ = ["BPMN_NS", "SPIFF_NS", "check_diagram_code", "element_index", "parse_xml"]

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"


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
_EXPRESSION_PROPERTIES = ("due", "assignee", "notify")
_UNSUPPORTED = {
    _b("businessRuleTask"): "business rule tasks (DMN) run code outside the allow-list; use a script task",
    _b("serviceTask"): "service tasks have no implementation in kefu; use a script task or a message",
}
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
    """The id of the BPMN element an expression belongs to (skipping event definitions and loops)."""
    node = element.getparent()
    while node is not None:
        name = etree.QName(node).localname
        if node.get("id") and not name.endswith(("EventDefinition", "LoopCharacteristics")):
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


def check_diagram_code(root: etree._Element, path: str) -> list[DiagramError]:
    """Every problem with the code a diagram carries: allow-list, reserved names, unsupported tasks."""
    problems: list[DiagramError] = []
    for el in root.iter():
        if isinstance(el.tag, str) and el.tag in _UNSUPPORTED:
            problems.append(
                DiagramError(
                    _UNSUPPORTED[el.tag],
                    path=path,
                    line=el.sourceline,
                    element_id=el.get("id"),
                    code="diagram.E021",
                )
            )
        if isinstance(el.tag, str) and el.tag in _VARIABLE_TAGS:
            name = (el.text or "").strip()
            if not name.isidentifier() or name in RESERVED_NAMES or name.startswith("_"):
                problems.append(
                    DiagramError(
                        f"variable name {name!r} is not a plain, unreserved identifier",
                        path=path,
                        line=el.sourceline,
                        element_id=owner_id(el),
                        code="diagram.E013",
                    )
                )
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


def _quote(text: str) -> str:
    flat = " ".join(text.split())
    return repr(flat if len(flat) <= 80 else flat[:77] + "...")
