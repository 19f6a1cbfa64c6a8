"""Fixtures of the worker tests: the scenario ``Desk`` on a fresh database, and a worker beside it."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from engine.clock import FixedClock
from engine.org import load_org
from engine.policy import PolicySet, load_policy_set
from engine.processes import ProcessRegistry
from engine.runtime import Runtime
from engine.store import Store
from engine.worker import Worker
from tests.conftest import ROOT, shanghai
from tests.scenarios.conftest import DEMO_ORG, Desk

REQUIRED_BY = "2026-11-27T17:00:00+08:00"


@functools.lru_cache(maxsize=1)
def shipped_policies() -> PolicySet:
    """The shipped policy tree (immutable: shared by the session)."""
    return load_policy_set(ROOT / "policies")


@functools.lru_cache(maxsize=1)
def shipped_processes() -> ProcessRegistry:
    """The shipped diagrams."""
    return ProcessRegistry.load(ROOT / "processes")


def make_desk(store: Store, clock: FixedClock) -> Desk:
    """A desk on ``store`` with the demo org, at the clock's time."""
    policies = shipped_policies()
    runtime = Runtime(store, policies, shipped_processes(), clock, policies.calendars_dir)
    runtime.register_processes()
    org = load_org(DEMO_ORG)
    runtime.import_org(org)
    return Desk(runtime, clock, org)


def make_worker(desk: Desk, tmp_path: Path, **kwargs: Any) -> Worker:
    """A worker on the desk's store, runtime and clock."""
    rt = desk.runtime
    return Worker(rt.store, rt, rt.policies, desk.clock, data_dir=tmp_path, **kwargs)


@pytest.fixture
def desk(store: Store) -> Iterator[Desk]:
    """The scenario desk on the fresh database of ``store`` (SQLite, then PostgreSQL)."""
    yield make_desk(store, FixedClock(shanghai("2026-11-23 10:00")))


@pytest.fixture
def sqlite_desk(tmp_path: Path) -> Iterator[Desk]:
    """The scenario desk on a SQLite file only (for tests that gain nothing from PostgreSQL)."""
    store = Store(f"sqlite:///{tmp_path / 'kefu.db'}")
    store.migrate()
    yield make_desk(store, FixedClock(shanghai("2026-11-23 10:00")))
    store.dispose()


def to_work(desk: Desk, number: str, agreed: str = "2026-11-26T17:00:00+08:00") -> None:
    """Raise and sign the order, agree the plan and reply: the case waits at carry_out_work."""
    desk.complete(number, "raise_order", order_summary="请物业部处理楼上漏水",
                  required_completion=REQUIRED_BY)
    desk.complete(number, "sign_order", order_decision="sign")
    desk.visit_photo(number)
    desk.complete(number, "visit_customer", contact_result="agreed", visit_record="已上门",
                  plan="修复防水层", agreed_completion=agreed, customer_confirmed_plan=True)
    desk.complete(number, "reply_customer", reply_method="phone", reply_content="已安排",
                  done_within_reply_window=True)


def progress(desk: Desk, number: str, text: str = "今日进展") -> None:
    """Enter the day's progress (R2.10)."""
    desk.complete(number, "carry_out_work", progress=text, work_result="in_progress")
