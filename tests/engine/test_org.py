"""The organisation file: the demo org, lookups, and every refusal code."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.demo import DEMO_ORG_PATH
from engine.errors import FileError, NotFoundError
from engine.org import DEPARTMENT_CODES, ROLE_CODES, OrgData, load_org, parse_org

INVALID = Path(__file__).resolve().parents[1] / "data" / "invalid"
ROUTED_DEPARTMENTS = (
    "engineering",
    "property",
    "marketing",
    "design",
    "development",
    "commercial",
    "finance",
)


@pytest.fixture(scope="module")
def demo() -> OrgData:
    """The shipped demo organisation."""
    return load_org(DEMO_ORG_PATH)


def test_demo_org_has_a_group_two_subsidiaries_and_three_projects(demo: OrgData) -> None:
    subsidiaries = {u.code: u for u in demo.units.values() if u.kind == "subsidiary"}
    projects = {u.code: u.parent for u in demo.units.values() if u.kind == "project"}

    assert demo.group.code == "group"
    assert {code: u.company for code, u in subsidiaries.items()} == {
        "sz-property": "property",
        "hn-region": "region",
    }
    assert projects == {
        "sz-property-lyc": "sz-property",
        "sz-property-jhy": "sz-property",
        "hn-region-bhw": "hn-region",
    }


def test_demo_org_uses_every_department_and_every_role(demo: OrgData) -> None:
    assert {u.department for u in demo.units.values() if u.kind == "department"} == set(DEPARTMENT_CODES)
    assert {role for person in demo.staff.values() for role in person.roles} == set(ROLE_CODES)
    assert 30 <= len(demo.staff) <= 62


@pytest.mark.parametrize("project", ["sz-property-lyc", "sz-property-jhy", "hn-region-bhw"])
def test_every_project_has_a_cs_desk_with_two_specialists_and_a_supervisor(
    demo: OrgData, project: str
) -> None:
    desk = demo.department_unit(project, "cs_centre")

    assert desk is not None
    assert len(demo.staff_in(desk.code, "cs_specialist")) >= 2
    assert len(demo.staff_in(desk.code, "cs_supervisor")) == 1


@pytest.mark.parametrize("subsidiary", ["sz-property", "hn-region"])
@pytest.mark.parametrize("role", ["cs_centre_gm", "cs_centre_deputy_gm", "cs_manager"])
def test_every_subsidiary_cs_centre_has_its_managers(demo: OrgData, subsidiary: str, role: str) -> None:
    centre = demo.department_unit(subsidiary, "cs_centre")

    assert centre is not None
    assert len(demo.staff_in(centre.code, role)) == 1


@pytest.mark.parametrize("subsidiary", ["sz-property", "hn-region"])
@pytest.mark.parametrize("department", ROUTED_DEPARTMENTS)
def test_every_routed_department_has_a_head_in_its_department_unit(
    demo: OrgData, subsidiary: str, department: str
) -> None:
    unit = demo.department_unit(subsidiary, department)

    assert unit is not None
    assert len(demo.staff_in(unit.code, "department_head")) == 1


@pytest.mark.parametrize("subsidiary", ["sz-property", "hn-region"])
def test_every_subsidiary_has_a_chairman_and_a_leader_in_charge(demo: OrgData, subsidiary: str) -> None:
    assert len(demo.staff_in(subsidiary, "chairman")) == 1
    assert len(demo.staff_in(subsidiary, "leader_in_charge")) == 1


def test_group_has_one_cs_manager(demo: OrgData) -> None:
    [manager] = [
        s for s in demo.staff_with_role("cs_manager") if demo.enclosing(s.unit, "subsidiary") is None
    ]

    assert demo.unit(manager.unit).parent == "group"


def test_lookups_walk_the_tree(demo: OrgData) -> None:
    person = demo.person("zhang.wei")

    assert [u.code for u in demo.ancestors(person.unit)] == [
        "sz-property-lyc-cs",
        "sz-property-lyc",
        "sz-property",
        "group",
    ]
    project = demo.enclosing(person.unit, "project")
    assert project is not None and project.name == "丽雅苑管理处"
    assert person.name == "张伟"
    assert person.roles == ("cs_specialist",)


def test_unknown_login_suggests_the_closest(demo: OrgData) -> None:
    with pytest.raises(NotFoundError, match="did you mean 'zhang.wei'"):
        demo.person("zhang.wie")


def test_policy_lists_replace_the_built_in_codes() -> None:
    text = DEMO_ORG_PATH.read_text(encoding="utf-8")

    with pytest.raises(FileError) as caught:
        parse_org(text, "org.yaml", roles=[r for r in ROLE_CODES if r != "archive_clerk"])

    assert caught.value.code == "org.E006"
    assert "'archive_clerk'" in caught.value.message


@pytest.mark.parametrize(
    ("name", "code", "line", "fragment"),
    [
        ("org_not_yaml", "org.E001", 3, "not valid YAML"),
        ("org_unknown_key", "org.E001", 2, "'people'"),
        ("org_duplicate_code", "org.E002", 5, "'sz-property' is used twice"),
        ("org_duplicate_login", "org.E002", 7, "'zhang.wei' is used twice"),
        ("org_unknown_parent", "org.E003", 5, "did you mean 'sz-property'?"),
        ("org_unknown_unit", "org.E003", 6, "unknown unit 'sz-property-lyc'"),
        ("org_bad_kind", "org.E004", 4, "kind 'company'"),
        ("org_bad_parent_kind", "org.E004", 4, "not a subsidiary"),
        ("org_unknown_department", "org.E005", 5, "department 'it'"),
        ("org_unknown_role", "org.E006", 6, "unknown role 'boss'"),
        ("org_bad_phone", "org.E007", 6, "phone '12345'"),
        ("org_bad_login", "org.E007", 6, "login 'Zhang Wei'"),
        ("org_bad_active", "org.E007", 6, "'active' is true or false"),
    ],
)
def test_invalid_org_file_is_refused_with_path_line_and_code(
    name: str, code: str, line: int, fragment: str
) -> None:
    path = INVALID / f"{name}.yaml"

    with pytest.raises(FileError) as caught:
        load_org(path)

    assert caught.value.code == code
    assert caught.value.path == str(path)
    assert caught.value.line == line
    assert fragment in caught.value.message


def test_missing_org_file_is_a_file_error(tmp_path: Path) -> None:
    with pytest.raises(FileError) as caught:
        load_org(tmp_path / "org.yaml")

    assert caught.value.code == "org.E001"
