"""No dead keys: every policy key is read by the code that enforces it (DESIGN: a rule that nothing
enforces must not be shown to a subsidiary as a rule in force).

How "read" is established — statically, from the sources, so that a key no test happens to exercise
still counts and a key that only a test reads does not:

* The keys are the catalogue's (``engine/policy/catalogue.py``): group.yaml must define every one and
  an overlay may set nothing else (``policy.E004``), so subsidiaries' and projects' keys are covered.
* The readers are the enforcing code: the Python of ``engine/`` and ``webui/`` (string constants and
  f-strings from the syntax tree: docstrings and comments do not count), the templates, the BPMN
  *expressions* of ``processes/`` (scripts, conditions, timers, ``due``/``assignee``/``notify``
  properties: not names, lanes' documentation or comments) and the forms' ``choices_from`` and
  ``required_from``. The catalogue and the rules document (``rules.py``) only describe keys; they do
  not count.
* A key is read when (1) a reader names it whole; or (2) an f-string with a dotted constant head
  matches it (``f"numbering.prefix.{process_id}"``); or (3) a Python file reads a branch above it whole
  (``policy.get("complaint.penalties.overdue_short")``) *and* names each remaining segment (the leaf the
  code uses: ``band["up_to_days"]``, ``f"{role}_per_day"``). A branch read whole does not make its
  other leaves read.
* ``lanes.<lane>`` is read when a diagram has a user task in that lane (the runtime resolves every lane
  through the policy: ``EffectivePolicy.lane``).
* A record list's fields that are rules (not labels such as ``name``) must be named in a file that reads
  the list: ``urgency[].emergency_plan`` in the complaint diagram, ``abnormal[].notify`` in visitors.py.

No key is allowed unread: issue 16 wired the last ones (R7 statistics, R8 assessment, the R6.3
survey campaigns), so ``catalogue.NOT_IN_FORCE`` (the keys the rules document would leave out) is
empty, and a key added without code that reads it fails here.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from lxml import etree

from engine.policy import PolicySet
from engine.policy.catalogue import ENTRIES, NOT_IN_FORCE, RECORD_FIELDS
from engine.policy.schema import leaves
from engine.processes import ProcessRegistry
from tests.conftest import ROOT

# Fields of record lists that name or describe an entry rather than set a rule.
LABEL_FIELDS = frozenset({"code", "name", "en", "help", "group", "scheme", "unit"})
DESCRIBE_ONLY = ("engine/policy/catalogue.py", "engine/policy/rules.py")
_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"
_EXPRESSION_TAGS = {f"{_BPMN}script", f"{_BPMN}conditionExpression", f"{_BPMN}timeDate",
                    f"{_BPMN}timeDuration", f"{_BPMN}timeCycle"}
_QUOTED = re.compile(r"""["']([A-Za-z_][\w.|]*)["']""")


@dataclass
class Source:
    """What one reader file names: whole strings and f-string patterns."""

    path: str
    names: set[str] = field(default_factory=set)
    patterns: list[re.Pattern[str]] = field(default_factory=list)  # whole f-strings with a dotted head
    fragments: list[re.Pattern[str]] = field(default_factory=list)  # any f-string, for leaf segments
    python: bool = False

    def names_segment(self, segment: str) -> bool:
        return segment in self.names or any(p.fullmatch(segment) for p in self.fragments)


def _fstring(node: ast.JoinedStr) -> tuple[str, str]:
    parts, head, constant = [], "", True
    for value in node.values:
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            parts.append(re.escape(value.value))
            head += value.value if constant else ""
        else:
            parts.append(r"[A-Za-z0-9_]+")
            constant = False
    return "".join(parts), head


def _python(path: Path) -> Source:
    source = Source(str(path.relative_to(ROOT)), python=True)
    tree = ast.parse(path.read_text(encoding="utf-8"))
    owners = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                  if isinstance(n, owners) and n.body and isinstance(n.body[0], ast.Expr)
                  and isinstance(n.body[0].value, ast.Constant)}
    inside_fstring = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                and id(node) not in inside_fstring:
            source.names.add(node.value)
        elif isinstance(node, ast.JoinedStr):
            pattern, head = _fstring(node)
            source.fragments.append(re.compile(pattern))
            if "." in head:
                source.patterns.append(re.compile(pattern))
    return source


def _template(path: Path) -> Source:
    text = re.sub(r"<!--.*?-->|\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.DOTALL)
    return Source(str(path.relative_to(ROOT)), names=set(_QUOTED.findall(text)))


def _bpmn(path: Path) -> Source:
    root = etree.parse(str(path)).getroot()
    texts = [el.text or "" for el in root.iter() if el.tag in _EXPRESSION_TAGS]
    texts += [el.get("value") or "" for el in root.iter(f"{_SPIFF}property")]
    texts += [el.get("value") or "" for el in root.iter(f"{_SPIFF}parameter")]  # a service task's parameters
    return Source(str(path.relative_to(ROOT)), names={m for t in texts for m in _QUOTED.findall(t)})


def _forms(path: Path) -> Source:
    names: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("choices_from", "required_from") and isinstance(value, str):
                    names.add(value)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(path.read_text(encoding="utf-8")))
    return Source(str(path.relative_to(ROOT)), names=names)


def readers() -> list[Source]:
    """Every reader file of the shipped code, diagrams and forms."""
    out = [_python(p) for folder in ("engine", "webui") for p in sorted((ROOT / folder).rglob("*.py"))
           if str(p.relative_to(ROOT)) not in DESCRIBE_ONLY]
    out += [_template(p) for p in sorted((ROOT / "webui" / "templates").rglob("*.html"))]
    out += [_bpmn(p) for p in sorted((ROOT / "processes").glob("*.bpmn"))]
    out += [_forms(p) for p in sorted((ROOT / "processes").glob("*.forms.yaml"))]
    return out


SOURCES = readers()
LANES_IN_DIAGRAMS = {t.lane for d in ProcessRegistry.load(ROOT / "processes").definitions()
                     for t in d.user_tasks.values() if t.lane}


def who_reads(key: str) -> list[str]:
    """The reader files that read ``key`` (empty when nothing does)."""
    if key.startswith("lanes."):
        return ["processes/*.bpmn (a user task's lane)"] if key[len("lanes."):] in LANES_IN_DIAGRAMS else []
    segments = key.split(".")
    found = []
    for source in SOURCES:
        if key in source.names or any(p.fullmatch(key) for p in source.patterns):
            found.append(source.path)
            continue
        for cut in range(len(segments) - 1, 1, -1):
            branch, rest = ".".join(segments[:cut]), segments[cut:]
            if source.python and branch in source.names and all(source.names_segment(s) for s in rest):
                found.append(f"{source.path} (branch {branch})")
                break
    return found


@pytest.mark.parametrize("key", sorted(e.key for e in ENTRIES))
def test_every_policy_key_is_read_by_the_code_that_enforces_it(key: str) -> None:
    assert who_reads(key), (
        f"policy key {key!r} is read by no code, diagram expression or form: wire it where the rule is "
        "enforced, or remove it from group.yaml, the overlays and the catalogue"
    )


def test_every_key_is_in_force_and_the_rules_document_leaves_none_out() -> None:
    assert NOT_IN_FORCE == frozenset()


def test_every_lane_of_the_diagrams_is_a_policy_key_and_every_lane_key_a_diagrams() -> None:
    keys = {e.key[len("lanes."):] for e in ENTRIES if e.key.startswith("lanes.")}
    assert keys == LANES_IN_DIAGRAMS


@pytest.mark.parametrize(
    ("key", "name"),
    sorted((e.key, name) for e in ENTRIES if e.kind == "records"
           for name in RECORD_FIELDS[e.fields] if name not in LABEL_FIELDS),
)
def test_every_rule_field_of_a_record_list_is_read_where_the_list_is(key: str, name: str) -> None:
    readers_of_list = [s for s in SOURCES if key in s.names]
    assert any(name in s.names or any(p.fullmatch(name) for p in s.fragments) for s in readers_of_list), (
        f"{key}[].{name} is named by no reader of {key} ({[s.path for s in readers_of_list]}): wire it or "
        "remove the field"
    )


def test_overlays_set_only_catalogued_keys(policy_set: PolicySet) -> None:
    catalogued = {e.key for e in ENTRIES}
    for unit in policy_set.units:
        values = dict(policy_set.file(unit).values)
        values.pop("extends", None)
        assert set(leaves(values)) <= catalogued, unit


def test_the_check_itself_finds_a_dead_key_and_a_branch_read_without_its_leaf() -> None:
    # mutation checks of the mechanism: names in docstrings do not count; a branch read whole counts
    # for a leaf only when the file names that leaf
    assert who_reads("visitor.id_check")
    assert not who_reads("visitor.no_such_key")
    assert "engine/worker/penalties.py (branch complaint.penalties.overdue_short)" in \
        who_reads("complaint.penalties.overdue_short.responsible_per_day")
    assert who_reads("complaint.penalties.overdue_short.no_such_leaf") == []
