"""The allow-list that every diagram expression and script passes at load time."""

from __future__ import annotations

import keyword

import pytest

from engine.processes import HOST_FUNCTION_NAMES, RESERVED_NAMES, ExpressionRefused, check_expression


@pytest.mark.parametrize(
    "expr",
    [
        "True",
        "urgency == 'emergency' and not major",
        "deadline('complaint.deadlines.visit', dispatched_at)",
        "deadline(key='complaint.deadlines.visit', start=None)",
        "earliest(deadline('complaint.deadlines.order_sign', order_raised_at), dispatch_due)",
        "responsible_department_for(category) in ['engineering', 'property']",
        "len(cooperating_departments_for(category)) > 0",
        "policy('complaint.categories')[0]['code']",
        "scores[-1] if scores else None",
        "items[1:3]",
        "{'a': 1, 'b': [1, 2, (3, 4)], 'c': {5}}",
        "[c for c in codes if c != 'x']",
        "{k: v for k, v in pairs}",
        "any(x > 1 for x in values)",
        "f'{customer_name} ({room})'",
        "sorted(names)[0] + str(int('3'))",
        "-amount <= 0 < max(1, 2) and min(3, 4) >= 1 or bool(x)",
    ],
)
def test_expression_inside_the_allow_list_is_accepted(expr: str) -> None:
    check_expression(expr)


@pytest.mark.parametrize(
    "script",
    [
        "received_at = now()\nstatus = 'received'",
        "if urgency == 'high':\n    priority = 1\nelif major:\n    priority = 2\nelse:\n    priority = 3",
        "count = 0\ncount += 1",
        "    indented = 1\n    second = indented + 1",
        "pass",
    ],
)
def test_script_inside_the_allow_list_is_accepted(script: str) -> None:
    check_expression(script, mode="exec")


@pytest.mark.parametrize(
    ("text", "mode", "code", "fragment"),
    [
        ("import os", "exec", "diagram.E011", "import"),
        ("from os import path", "exec", "diagram.E011", "import"),
        ("__import__('os')", "eval", "diagram.E011", "dunder"),
        ("x = __builtins__", "exec", "diagram.E011", "dunder"),
        ("deadline.__globals__", "eval", "diagram.E011", "attribute"),
        ("customer_name.upper()", "eval", "diagram.E011", "attribute"),
        ("policy('a').get('b')", "eval", "diagram.E011", "attribute"),
        ("open('/etc/passwd')", "eval", "diagram.E012", "'open'"),
        ("eval('1')", "eval", "diagram.E012", "'eval'"),
        ("getattr(x, 'y')", "eval", "diagram.E012", "'getattr'"),
        ("unknown_function(1)", "eval", "diagram.E012", "'unknown_function'"),
        ("[open][0]('x')", "eval", "diagram.E012", "plain name"),
        ("(lambda: 1)()", "eval", "diagram.E012", "plain name"),
        ("globals", "eval", "diagram.E012", "'globals'"),
        ("x = vars", "exec", "diagram.E012", "'vars'"),
        ("lambda: 1", "eval", "diagram.E011", "lambda"),
        ("def f():\n    pass", "exec", "diagram.E011", "function definition"),
        ("class C:\n    pass", "exec", "diagram.E011", "class"),
        ("with x:\n    pass", "exec", "diagram.E011", "with"),
        ("try:\n    x = 1\nexcept Exception:\n    pass", "exec", "diagram.E011", "try"),
        ("while True:\n    pass", "exec", "diagram.E011", "while"),
        ("for x in y:\n    pass", "exec", "diagram.E011", "for"),
        ("global x", "exec", "diagram.E011", "global"),
        ("del x", "exec", "diagram.E011", "del"),
        ("[*values]", "eval", "diagram.E011", "unpacking"),
        ("len(**kw)", "eval", "diagram.E011", "'**'"),
        ("(y := 1)", "eval", "diagram.E011", ":="),
        ("data['k'] = 1", "exec", "diagram.E011", "plain names"),
        ("a, b = 1, 2", "exec", "diagram.E011", "plain names"),
        ("values[a + b]", "eval", "diagram.E011", "subscript key"),
        ("x = 1", "eval", "diagram.E010", "not valid Python"),
        ("status = ", "exec", "diagram.E010", "not valid Python"),
        ("   ", "eval", "diagram.E010", "empty"),
        ("deadline = 'tomorrow'", "exec", "diagram.E013", "reserved"),
        ("len = 3", "exec", "diagram.E013", "reserved"),
        ("[1 for now in xs]", "eval", "diagram.E013", "reserved"),
    ],
)
def test_construct_outside_the_allow_list_is_refused_with_its_code(
    text: str, mode: str, code: str, fragment: str
) -> None:
    with pytest.raises(ExpressionRefused) as caught:
        check_expression(text, mode=mode)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert fragment in caught.value.reason


def test_refusal_is_a_value_error_carrying_the_line_within_the_script() -> None:
    with pytest.raises(ValueError) as caught:
        check_expression("a = 1\nb = 2\nimport os", mode="exec")
    assert isinstance(caught.value, ExpressionRefused)
    assert caught.value.lineno == 3


def test_allowed_names_narrow_what_may_be_called() -> None:
    with pytest.raises(ExpressionRefused, match="calling 'deadline'"):
        check_expression("deadline('k')", allowed_names={"len"})


def test_reserved_names_cover_host_functions_builtins_and_keywords() -> None:
    assert HOST_FUNCTION_NAMES <= RESERVED_NAMES
    assert {"open", "len", "type", "id", "print"} <= RESERVED_NAMES
    assert set(keyword.kwlist) <= RESERVED_NAMES
    assert "customer_name" not in RESERVED_NAMES
