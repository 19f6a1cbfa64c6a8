"""Fixtures of the runtime tests: the small ``ticket`` diagram, shipped policies, the demo org."""

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
from engine.runtime import CaseView, Runtime
from engine.store import Store
from tests.conftest import ROOT

DATA = Path(__file__).resolve().parent / "data"
DEMO_ORG = ROOT / "engine" / "demo" / "org.yaml"
TICKET = {"customer_name": "王先生", "customer_phone": "13912345678", "room": "1-101",
          "category": "facilities",
          "channel": "phone"}


@functools.lru_cache(maxsize=4)
def _policy_set(policies_dir: Path) -> PolicySet:
    return load_policy_set(policies_dir)  # immutable: shared by the tests of a session


def make_runtime(store: Store, clock: FixedClock, processes_dir: Path = DATA,
                 policies_dir: Path = ROOT / "policies") -> Runtime:
    """A runtime on ``processes_dir`` (default: the test diagram) and a policy tree."""
    shipped = policies_dir == ROOT / "policies"
    policies = _policy_set(policies_dir) if shipped else load_policy_set(policies_dir)
    return Runtime(store, policies, ProcessRegistry.load(processes_dir), clock, policies.calendars_dir)


@functools.lru_cache(maxsize=1)
def _demo_org() -> Any:
    return load_org(DEMO_ORG)


@pytest.fixture
def rt(store: Store, clock: FixedClock) -> Runtime:
    """A runtime on the ticket diagram with the demo org imported."""
    runtime = make_runtime(store, clock)
    runtime.import_org(_demo_org())
    return runtime


@pytest.fixture
def pg_rt(database_factory: Any, clock: FixedClock) -> Iterator[Runtime]:
    """The same runtime on PostgreSQL only, for what SQLite does not have: row locks whose length or
    order can be measured (SQLite's BEGIN IMMEDIATE serialises whole write transactions), pipelined
    round trips, TOAST compression."""
    store = Store(database_factory.fresh("postgresql"))
    runtime = make_runtime(store, clock)
    runtime.import_org(_demo_org())
    yield runtime
    store.dispose()


def open_ticket(rt: Runtime, actor: str = "zhang.wei", **data: Any) -> CaseView:
    """Open a ticket case with the standard form."""
    return rt.open_case("ticket", {**TICKET, **data}, actor)


def dispatch(rt: Runtime, actor: str = "zhang.wei") -> CaseView:
    """Open a ticket and complete its intake (not resolved): the case waits at ``handle``."""
    case = open_ticket(rt, actor)
    return rt.complete_task(case.tasks[0].task_id, actor, {"resolved": False})
