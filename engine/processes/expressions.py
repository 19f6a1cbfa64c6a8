"""The allow-list every diagram expression and script passes at load time.

SpiffWorkflow runs scripts, conditions and timer expressions through plain ``eval``/``exec`` with no
sandbox, so a diagram is deployed code. This module parses each text with :mod:`ast` and accepts
only a small, side-effect-free subset of Python: names, literals, containers, operators,
comparisons, boolean ops, ``x if c else y``, subscripts with literal or name keys, comprehensions,
calls to host functions and a few safe builtins; in scripts also assignments to plain names and
``if``/``else``. No attribute access at all (``a.b`` is the road to ``__globals__``), no dunders, no
imports, no lambdas or definitions, no loops other than comprehensions.
"""

from __future__ import annotations

import ast
import builtins
import keyword
from collections.abc import Iterable
from typing import Literal

__all__ = [
    "HOST_FUNCTION_NAMES",
    "RESERVED_NAMES",
    "SAFE_BUILTINS",
    "ExpressionRefused",
    "check_expression",
]

HOST_FUNCTION_NAMES: frozenset[str] = frozenset(
    {"deadline", "policy", "responsible_department_for", "cooperating_departments_for", "now", "earliest"}
)
SAFE_BUILTINS: frozenset[str] = frozenset({"len", "min", "max", "str", "int", "bool", "any", "all", "sorted"})
RESERVED_NAMES: frozenset[str] = frozenset(
    HOST_FUNCTION_NAMES | set(dir(builtins)) | set(keyword.kwlist) | set(keyword.softkwlist)
)
_CONSTANT_NAMES = frozenset({"True", "False", "None"})

_EXPRESSION_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Store,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.operator,
    ast.unaryop,
    ast.boolop,
    ast.cmpop,
    ast.Subscript,
    ast.Slice,
    ast.Call,
    ast.keyword,
    ast.JoinedStr,
    ast.FormattedValue,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.comprehension,
)
_SCRIPT_NODES: tuple[type[ast.AST], ...] = (ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.If, ast.Pass)

_NODE_WORDS = {
    ast.Attribute: "attribute access ('.name')",
    ast.Import: "import",
    ast.ImportFrom: "import",
    ast.Lambda: "lambda",
    ast.FunctionDef: "function definition",
    ast.AsyncFunctionDef: "function definition",
    ast.ClassDef: "class definition",
    ast.With: "'with'",
    ast.Try: "'try'",
    ast.While: "'while' loop",
    ast.For: "'for' loop (use a comprehension)",
    ast.Global: "'global'",
    ast.Nonlocal: "'nonlocal'",
    ast.Delete: "'del'",
    ast.Starred: "'*' unpacking",
    ast.NamedExpr: "':=' assignment",
    ast.Await: "'await'",
    ast.Yield: "'yield'",
    ast.YieldFrom: "'yield'",
    ast.Return: "'return'",
    ast.Raise: "'raise'",
    ast.Assert: "'assert'",
    ast.AnnAssign: "annotated assignment",
}


class ExpressionRefused(ValueError):
    """An expression or script is outside the allow-list; ``lineno`` is 1-based within the text."""

    def __init__(self, reason: str, lineno: int | None = None, code: str = "diagram.E011") -> None:
        super().__init__(reason)
        self.reason = reason
        self.lineno = lineno
        self.code = code


def check_expression(
    expr: str,
    *,
    mode: Literal["eval", "exec"] = "eval",
    allowed_names: Iterable[str] = HOST_FUNCTION_NAMES | SAFE_BUILTINS,
) -> None:
    """Raise :class:`ExpressionRefused` (a ValueError) unless ``expr`` stays inside the allow-list.

    ``mode="eval"`` checks one expression (conditions, timers, ``due``); ``mode="exec"`` a script.
    ``allowed_names`` are the functions a call may name.
    """
    text = (expr or "").strip() if mode == "eval" else _dedent(expr or "")
    if not text:
        raise ExpressionRefused("the expression is empty", code="diagram.E010")
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        raise ExpressionRefused(f"not valid Python: {exc.msg}", exc.lineno, code="diagram.E010") from None
    _Checker(frozenset(allowed_names), script=(mode == "exec")).visit(tree)


def _dedent(script: str) -> str:
    """Strip the indentation a BPMN editor adds to every line of a script."""
    lines = script.splitlines()
    body = [line for line in lines if line.strip()]
    indent = min((len(line) - len(line.lstrip()) for line in body), default=0)
    return "\n".join(line[indent:] for line in lines)


class _Checker(ast.NodeVisitor):
    """Walks the tree, refusing the first node outside the allow-list."""

    def __init__(self, allowed_calls: frozenset[str], *, script: bool) -> None:
        self.allowed_calls = allowed_calls
        self.allowed_nodes = _EXPRESSION_NODES + (_SCRIPT_NODES if script else ())

    def refuse(self, node: ast.AST, reason: str, code: str = "diagram.E011") -> None:
        raise ExpressionRefused(reason, getattr(node, "lineno", None), code)

    def generic_visit(self, node: ast.AST) -> None:
        if not isinstance(node, self.allowed_nodes):
            word = _NODE_WORDS.get(type(node), f"'{type(node).__name__}'")
            self.refuse(node, f"{word} is not allowed in a diagram")
        super().generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        name = node.id
        if name.startswith("__"):
            self.refuse(node, f"the name {name!r} is not allowed (no dunder names)")
        if isinstance(node.ctx, ast.Store):
            if name in RESERVED_NAMES:
                self.refuse(node, f"cannot assign to {name!r}: it is a reserved name", "diagram.E013")
        elif name in dir(builtins) and name not in self.allowed_calls and name not in _CONSTANT_NAMES:
            self.refuse(node, f"the builtin {name!r} is not allowed in a diagram", "diagram.E012")

    def visit_Call(self, node: ast.Call) -> None:
        func = node.func
        if isinstance(func, ast.Attribute):
            self.refuse(node, "attribute access ('.name') is not allowed in a diagram")
        if not isinstance(func, ast.Name):
            self.refuse(
                node, "only a host function or safe builtin may be called, by its plain name", "diagram.E012"
            )
        assert isinstance(func, ast.Name)
        if func.id.startswith("__"):
            self.refuse(node, f"the name {func.id!r} is not allowed (no dunder names)")
        if func.id not in self.allowed_calls:
            allowed = ", ".join(sorted(self.allowed_calls))
            self.refuse(node, f"calling {func.id!r} is not allowed; callable here: {allowed}", "diagram.E012")
        for kw in node.keywords:
            if kw.arg is None:
                self.refuse(node, "'**' unpacking is not allowed in a diagram")
        for child in [*node.args, *(kw.value for kw in node.keywords)]:
            self.visit(child)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = node.slice
        if isinstance(key, ast.UnaryOp) and isinstance(key.operand, ast.Constant):
            key = key.operand
        if not isinstance(key, ast.Constant | ast.Name | ast.Slice):
            self.refuse(node, "a subscript key must be a literal or a name")
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            if not isinstance(target, ast.Name):
                self.refuse(node, "only plain names may be assigned (no 'a[k] = …', no unpacking)")
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if not isinstance(node.target, ast.Name):
            self.refuse(node, "only plain names may be assigned (no 'a[k] += …')")
        self.generic_visit(node)

    def visit_comprehension(self, node: ast.comprehension) -> None:
        targets = node.target.elts if isinstance(node.target, ast.Tuple) else [node.target]
        for target in targets:
            if not isinstance(target, ast.Name):
                self.refuse(node, "a comprehension may only bind plain names")
        if node.is_async:
            self.refuse(node, "'async for' is not allowed in a diagram")
        self.generic_visit(node)
