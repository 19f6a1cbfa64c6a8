"""Issue 13 item 8: refusals and "not found" pages tell nothing about the other subsidiary."""

from __future__ import annotations

from tests.hostile.world import World


def _near(number: str) -> str:
    """The number with its last digit changed: a typo away from it."""
    return number[:-1] + ("2" if number[-1] != "2" else "3")


def test_did_you_mean_never_suggests_a_case_of_another_subsidiary(world: World) -> None:
    foreign, own = world.ids["case"]["hn"], world.ids["case"]["sz"]
    browser = world.browser("wang.fang")
    client, headers = world.api("wang.fang")
    typo = foreign.replace("000001", "00001")  # TS-HNR-2026-00001: closest to the foreign case only
    page = browser.get(f"/cases/{typo}")
    api = client.get(f"/api/v1/cases/{typo}", headers=headers)
    assert page.status_code == 404 and api.status_code == 404
    assert foreign not in page.get_data(as_text=True) and foreign not in api.get_data(as_text=True)
    own_typo = own.replace("000001", "00001")
    helped = browser.get(f"/cases/{own_typo}").get_data(as_text=True)
    assert f"您是否要找 {own}" in helped  # the hint still helps inside one's own subsidiary


def test_did_you_mean_never_suggests_a_household_of_another_subsidiary(world: World) -> None:
    foreign = world.ids["household"]["hn"]
    page = world.browser("hu.xuemei").get(f"/archives/household/{foreign[:-1]}9?why=核对")
    assert page.status_code == 404 and foreign not in page.get_data(as_text=True)


def test_a_refusal_is_chinese_and_names_no_foreign_case_or_task(world: World) -> None:
    foreign = world.ids["case"]["hn"]
    tasks = world.services.runtime.get_case(foreign, "zheng.xiaoyan").tasks
    browser = world.browser("wang.fang")
    for path in (f"/cases/{foreign}", f"/repair/{world.ids['repair']['hn']}/order",
                 f"/visitors/{world.ids['visit']['hn']}"):
        response = browser.get(path)
        html = response.get_data(as_text=True).replace(path, "")  # the language switch echoes the address
        assert response.status_code == 403
        assert "无权" in html or "其他公司" in html
        assert foreign not in html and world.ids["repair"]["hn"] not in html
        assert not any(t.title in html for t in tasks if t.title)
    response = browser.post(f"/tasks/{tasks[0].task_id}/claim", {})
    html = response.get_data(as_text=True).replace(f"/tasks/{tasks[0].task_id}/claim", "")
    assert response.status_code in (403, 404) and tasks[0].title not in html and foreign not in html
