"""Fixtures of the policy tests: the shipped policy set and bad trees built from tests/data/policies."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from engine.policy import PolicySet, load_policy_set
from tests.conftest import ROOT

SHIPPED = ROOT / "policies"
BAD = ROOT / "tests" / "data" / "policies"
_EXPECT = re.compile(r'^# expect: (policy\.E\d{3}) (\S+?)(?::(\d+))?(?: "(.*)")?$')


@dataclass(frozen=True)
class Expected:
    """One error a bad file must produce: code, file (relative to the tree), line and a message fragment."""

    code: str
    file: str
    line: int | None
    fragment: str


def case_files(case: Path) -> list[Path]:
    """The YAML files of a case (a file, or a directory of files)."""
    return sorted(case.glob("*.yaml")) if case.is_dir() else [case]


def expectations(case: Path) -> list[Expected]:
    """The ``# expect:`` lines of a case."""
    found = []
    for path in case_files(case):
        for text in path.read_text(encoding="utf-8").splitlines():
            match = _EXPECT.match(text)
            if match:
                line = int(match.group(3)) if match.group(3) else None
                found.append(Expected(match.group(1), match.group(2), line, match.group(4) or ""))
    return found


def build_tree(case: Path, root: Path) -> Path:
    """A copy of the shipped tree with the case's files placed where their ``# place:`` line says."""
    tree = root / "policies"
    shutil.copytree(SHIPPED, tree)
    for path in case_files(case):
        place = re.search(r"^# place: (\S+)$", path.read_text(encoding="utf-8"), re.MULTILINE)
        assert place, f"{path} has no '# place:' line"
        target = tree / place.group(1)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    return tree


def bad_cases() -> list[Path]:
    """Every bad file or directory under tests/data/policies."""
    return sorted(BAD.iterdir())


@pytest.fixture(scope="session")
def policy_set() -> PolicySet:
    """The shipped policy tree, loaded once."""
    return load_policy_set(SHIPPED)
