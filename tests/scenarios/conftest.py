"""A desk to run whole processes through the real engine: shipped policies, diagrams and demo org."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from engine.clock import FixedClock
from engine.org import OrgData, load_org
from engine.policy import load_policy_set
from engine.processes import ProcessRegistry
from engine.runtime import CaseView, InboxItem, Runtime
from engine.store import Store
from tests.conftest import ROOT, shanghai

DEMO_ORG = ROOT / "engine" / "demo" / "org.yaml"


class Desk:
    """Drives cases as the staff of the demo org would, with an injected clock."""

    def __init__(self, runtime: Runtime, clock: FixedClock, org: OrgData) -> None:
        self.runtime, self.clock, self.org = runtime, clock, org

    # -- time ----------------------------------------------------------------------------------
    def at(self, text: str) -> None:
        """Set the clock to a Shanghai wall-clock time 'YYYY-MM-DD HH:MM'."""
        self.clock.set(shanghai(text))

    def wait(self, **delta: float) -> int:
        """Move the clock forward and fire what fell due; returns the number of cases advanced."""
        self.clock.advance(timedelta(**delta))
        return self.runtime.fire_due_timers()

    # -- people --------------------------------------------------------------------------------
    def within(self, unit: str, scope: str) -> bool:
        """True when ``unit`` is ``scope`` or lies under it."""
        return unit == scope or any(u.code == scope for u in self.org.ancestors(unit))

    def worker_for(self, item: InboxItem) -> str:
        """A staff member allowed to work ``item``: its assignee, else one holding its role in its unit."""
        if item.assignee:
            return item.assignee
        for person in self.org.staff.values():
            if item.role in person.roles and item.unit and self.within(person.unit, item.unit):
                return person.login
        raise AssertionError(f"nobody in the demo org holds {item.role}@{item.unit} for {item.task_name}")

    # -- cases ---------------------------------------------------------------------------------
    def open(self, actor: str = "zhang.wei", **overrides: Any) -> CaseView:
        """Open a complaint at 丽雅苑 with a complete R2.1 intake; keyword arguments replace fields."""
        data: dict[str, Any] = {
            "customer_name": "周先生", "customer_phone": "13912345678", "room": "3栋1单元1202",
            "event_time": "2026-11-22T20:00:00+08:00",
            "description": "楼上漏水，天花板渗水已两天。", "customer_request": "尽快维修并赔偿损失",
            "channel": "phone", "category": "facilities", "urgency": "normal", "scope": "household",
            "severity": "general", "read_back_confirmed": True,
        }
        data.update(overrides)
        return self.runtime.open_case("complaint", data, actor)

    def case(self, number: str) -> CaseView:
        """The case as the group CS manager sees it."""
        return self.runtime.get_case(number, "zheng.xiaoyan")

    def data(self, number: str) -> dict[str, Any]:
        """The case's workflow data as the group CS manager may read it."""
        return dict(self.runtime.case_data(number, "zheng.xiaoyan"))

    def open_tasks(self, number: str) -> dict[str, InboxItem]:
        """Open tasks of a case by task name."""
        return {t.task_name: t for t in self.case(number).tasks}

    def task(self, number: str, name: str) -> InboxItem:
        """The open task ``name`` of the case; fails with the open task names otherwise."""
        tasks = self.open_tasks(number)
        assert name in tasks, f"{name} is not open; open tasks: {sorted(tasks)}"
        return tasks[name]

    def complete(self, number: str, name: str, actor: str | None = None, **data: Any) -> CaseView:
        """Complete the open task ``name`` as ``actor`` (default: someone allowed to)."""
        item = self.task(number, name)
        return self.runtime.complete_task(item.task_id, actor or self.worker_for(item), data)

    def photograph(self, number: str, *stages: str, by: str = "deng.haitao") -> None:
        """Record one photo per repair stage on the case, as the case page's upload does (R3.3)."""
        from engine.store.web_queries import add_attachment

        case_id = self.case(number).id
        for stage in stages:
            add_attachment(self.runtime.store, case_id=case_id, task_id=None, filename=f"{stage}.jpg",
                           content_type="image/jpeg", size=1024, sha256=stage.ljust(64, "0"),
                           storage_path=f"attachments/{stage}.jpg", uploaded_by=by, at=self.clock.now(),
                           stage=stage)

    def visit_photo(self, number: str, by: str = "yang.fan") -> None:
        """Upload a photo of the visit on the case, as the department head does before agreeing a plan
        (R2.7)."""
        from engine.store.web_queries import add_attachment

        add_attachment(self.runtime.store, case_id=self.case(number).id, task_id=None, filename="上门照片",
                       content_type="image/jpeg", size=1024, sha256="v".ljust(64, "0"),
                       storage_path="attachments/visit.jpg", uploaded_by=by, at=self.clock.now())

    def due(self, number: str, name: str) -> datetime:
        """The due time of an open task, in Shanghai time."""
        item = self.task(number, name)
        assert item.due_at is not None, f"{name} has no due time"
        return item.due_at.astimezone(shanghai("2026-01-01 00:00").tzinfo)


@pytest.fixture
def desk(tmp_path: Path) -> Desk:
    """A fresh SQLite database with the demo org, at Monday 2026-11-23 10:00 Shanghai time."""
    clock = FixedClock(shanghai("2026-11-23 10:00"))
    store = Store(f"sqlite:///{tmp_path / 'kefu.db'}")
    store.migrate()
    policies = load_policy_set(ROOT / "policies")
    registry = ProcessRegistry.load(ROOT / "processes")
    runtime = Runtime(store, policies, registry, clock, calendars_dir=ROOT / "policies" / "calendars")
    runtime.register_processes()
    org = load_org(DEMO_ORG)
    runtime.import_org(org)
    yield Desk(runtime, clock, org)
    store.dispose()


def desk_with_overlay(tmp_path: Path, overlay: str, text: str, at: str = "2026-11-23 10:00") -> Desk:
    """A desk like ``desk`` on a copy of the shipped policies whose file ``overlay`` (e.g.
    ``subsidiaries/sz-property.yaml``) is replaced by ``text``; dispose its store when done."""
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    (policies / overlay).write_text(text, encoding="utf-8")
    clock = FixedClock(shanghai(at))
    store = Store(f"sqlite:///{tmp_path / 'kefu.db'}")
    store.migrate()
    runtime = Runtime(store, load_policy_set(policies), ProcessRegistry.load(ROOT / "processes"), clock,
                      calendars_dir=policies / "calendars")
    runtime.register_processes()
    org = load_org(DEMO_ORG)
    runtime.import_org(org)
    return Desk(runtime, clock, org)
