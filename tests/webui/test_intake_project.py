"""Intake by staff above project level chooses the project (issue 15, R0.5)."""

from __future__ import annotations

from tests.webui.conftest import INTAKE, PASSWORD


def test_project_staff_default_to_their_own_project(login, services) -> None:
    desk = login("wang.fang")
    page = desk.get("/cases/new").get_data(as_text=True)
    assert 'name="project"' in page and 'value="sz-property-lyc" selected' in page
    response = desk.post("/cases/new", {**INTAKE, "project": "sz-property-lyc"})
    number = response.headers["Location"].split("/cases/")[1].split("?")[0]
    assert services.runtime.get_case(number, "wang.fang").project == "sz-property-lyc"


def test_staff_above_project_level_choose_and_the_case_lands_in_that_projects_queue(login, services) -> None:
    services.set_password("he.jing", PASSWORD)
    manager = login("he.jing")  # 深圳物业 CS manager: a subsidiary, no project of her own
    page = manager.get("/cases/new").get_data(as_text=True)
    assert "请选择项目" in page and "丽雅苑管理处" in page
    refused = manager.post("/cases/new", {**INTAKE})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "请选择案件所属项目" in html
    assert "3栋1单元1202" in html  # what was typed is kept
    bogus = manager.post("/cases/new", {**INTAKE, "project": "nowhere"})
    assert bogus.status_code == 422 and "请从列表中选择项目" in bogus.get_data(as_text=True)
    response = manager.post("/cases/new", {**INTAKE, "project": "sz-property-jhy"})
    assert response.status_code == 302
    number = response.headers["Location"].split("/cases/")[1].split("?")[0]
    case = services.runtime.get_case(number, "he.jing")
    assert case.project == "sz-property-jhy"
    assert {t.candidate_group for t in case.tasks} == {"cs_specialist@sz-property-jhy"}  # a queue people hold
