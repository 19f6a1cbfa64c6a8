"""A diagram step that fails (here: a policy tree without statutory rules cannot compute 2027) is shown
on the form that caused it, with everything typed kept: never a traceback, never a 500."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from flask import Flask

from engine.clock import FixedClock
from engine.policy import load_policy_set
from engine.runtime import Runtime
from engine.settings import Settings
from engine.store import Store
from tests.conftest import ROOT, shanghai
from tests.webui.conftest import _DEFINITIONS, INTAKE, PASSWORD, Browser, open_complaint
from webui import create_app
from webui.services import Services


@pytest.fixture
def lawless(settings: Settings, tmp_path: Path):  # type: ignore[no-untyped-def]
    """(app, clock) on the shipped policies without cn-statutory.yaml."""
    tree = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", tree)
    (tree / "calendars" / "cn-statutory.yaml").unlink()
    policies, registry = load_policy_set(tree), _DEFINITIONS["registry"]
    clock = FixedClock(shanghai("2026-12-30 10:00"))
    store = Store(settings.database_url)
    svc = Services(store=store, runtime=Runtime(store, policies, registry, clock, policies.calendars_dir),
                   policies=policies, registry=registry, clock=clock, data_dir=settings.data_dir)
    yield create_app(settings, services=svc), clock
    store.dispose()


def sign_in(app: Flask, login: str) -> Browser:
    browser = Browser(app.test_client())
    browser.get("/login")
    assert browser.post("/login", {"login": login, "password": PASSWORD}).status_code == 302
    browser.get("/inbox")  # the signed-in session's form token
    return browser


def test_a_step_that_fails_at_intake_is_shown_with_the_input_kept(lawless) -> None:  # type: ignore[no-untyped-def]
    app, clock = lawless
    clock.set(shanghai("2026-12-31 17:50"))
    browser = sign_in(app, "wang.fang")
    browser.get("/cases/new")
    response = browser.post("/cases/new", {**INTAKE, "customer_name": "周女士"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "流程步骤: 流程步骤「" in html and "no holiday data for 2027" in html
    assert "周女士" in html and "楼上漏水" in html  # nothing typed is lost
    assert "Traceback" not in html


def test_a_step_that_fails_on_completion_is_shown_on_the_task_form(lawless) -> None:  # type: ignore[no-untyped-def]
    app, clock = lawless
    browser = sign_in(app, "wang.fang")
    number = open_complaint(browser)  # 2026-12-30 10:00: every deadline still in 2026
    task_id = app.extensions["kefu"].runtime.get_case(number, "wang.fang").tasks[0].task_id
    browser.post(f"/tasks/{task_id}/claim", {"next": f"/cases/{number}"})
    clock.set(shanghai("2026-12-31 17:50"))  # the GM's sign deadline now reaches into 2027
    browser = sign_in(app, "wang.fang")  # a day later: a new session
    response = browser.post(f"/cases/{number}/tasks/{task_id}/complete",
                            {"_spec": "raise_order", "order_summary": "请物业部处理楼上漏水",
                             "required_completion": "2027-01-08T17:00"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400, html[:500]
    assert "no holiday data for 2027" in html and "请物业部处理楼上漏水" in html
    assert "Traceback" not in html
