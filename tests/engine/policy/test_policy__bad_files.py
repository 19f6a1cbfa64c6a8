"""Every bad policy file is refused with its code, file and line (tests/data/policies, one case per file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.errors import PolicyError
from engine.policy import PolicyErrors, load_policy_set
from tests.engine.policy.conftest import bad_cases, build_tree, expectations


@pytest.mark.parametrize("case", bad_cases(), ids=lambda p: p.stem)
def test_bad_policy_file_is_refused_with_code_file_and_line(case: Path, tmp_path: Path) -> None:
    tree = build_tree(case, tmp_path)
    with pytest.raises(PolicyError) as caught:
        load_policy_set(tree)
    error = caught.value
    assert isinstance(error, PolicyErrors)
    found = [
        (e.code, Path(e.path or "").relative_to(tree).as_posix(), e.line, e.message) for e in error.errors
    ]
    for expected in expectations(case):
        matches = [f for f in found if f[:3] == (expected.code, expected.file, expected.line)]
        assert matches, f"{expected} not in {found}"
        assert any(expected.fragment in f[3] for f in matches), f"{expected.fragment!r} not in {matches}"


@pytest.mark.parametrize("case", bad_cases(), ids=lambda p: p.stem)
def test_every_bad_case_declares_what_it_expects(case: Path) -> None:
    assert expectations(case)


def test_errors_print_as_path_line_code_message(tmp_path: Path) -> None:
    tree = build_tree(bad_cases()[0].parent / "lengthened_deadline.yaml", tmp_path)
    with pytest.raises(PolicyErrors) as caught:
        load_policy_set(tree)
    assert str(caught.value.errors[0]).startswith(f"{tree / 'subsidiaries' / 'slow.yaml'}:7: policy.E016 ")
