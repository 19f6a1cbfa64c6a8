"""The hostile suite's world: the demo organisation on a real database, with something of each kind on
both sides of the subsidiary line (深圳物业 SZP ↔ 华南区域 HNR), and the app serving it.

Built once per backend (SQLite, PostgreSQL) and module; every test of the suite attacks it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from flask import Flask
from flask.testing import FlaskClient

from engine import archives, visitors
from engine.clock import FixedClock
from engine.org import load_org
from engine.settings import Settings
from tests.conftest import ROOT, shanghai
from tests.webui.conftest import Browser
from webui import create_app
from webui.services import Services, build_services

NOW = "2026-11-23 10:00"
SZ_HOUSE, HN_HOUSE = "lyc-3-1-1202", "bhw-2-1-1501"
WALK_IN = {"purpose": "visit_resident", "customer_name": "李明", "id_type": "passport",
           "id_number": "E12345678"}
REPAIR = {"customer_name": "李女士", "customer_phone": "13612345678", "room": "5栋2单元801",
          "location": "in_home", "location_detail": "主卫", "description": "卫生间水龙头漏水",
          "channel": "phone"}


@dataclass
class World:
    """The app, its services, the demo password and the ids of each kind on each side (``sz``/``hn``)."""

    app: Flask
    services: Services
    clock: FixedClock
    password: str
    ids: dict[str, dict[str, str]] = field(default_factory=dict)
    browsers: dict[str, Browser] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def browser(self, login: str) -> Browser:
        """A signed-in browser for ``login`` (kept; signed in again when its session has ended)."""
        known = self.browsers.get(login)
        if known is not None and known.client.get("/account").status_code == 200:
            return known
        browser = Browser(self.app.test_client())
        browser.get("/login")
        response = browser.post("/login", {"login": login, "password": self.password})
        assert response.status_code == 302, f"{login} cannot sign in: {response.status_code}"
        browser.get("/inbox")
        self.browsers[login] = browser
        return browser

    def token(self, login: str) -> str:
        """An API token of ``login`` (issued once)."""
        if login not in self.tokens:
            self.tokens[login] = self.services.issue_token(login, "hostile suite")
        return self.tokens[login]

    def api(self, login: str) -> tuple[FlaskClient, dict[str, str]]:
        """A client and the bearer header of ``login``."""
        return self.app.test_client(), {"Authorization": f"Bearer {self.token(login)}"}


def _task_of(services: Services, number: str, viewer: str, name: str | None = None) -> str:
    tasks = services.runtime.get_case(number, viewer).tasks
    return next(t.task_id for t in tasks if name is None or t.task_name == name)


def build_world(database_url: str, data_dir: Path) -> World:
    """Migrate; load the demo organisation, households, FAQ and cases; add one object of each kind per
    side."""
    from engine.faq import FaqBook
    from webui.demo import prepare_demo

    clock = FixedClock(shanghai(NOW))
    settings = Settings(database_url=database_url, data_dir=data_dir, secret_key="hostile-suite")
    services = build_services(settings, clock)
    runtime = services.runtime
    runtime.register_processes()
    runtime.import_org(load_org(ROOT / "engine" / "demo" / "org.yaml"))
    visitors.import_households(runtime, ROOT / "engine" / "demo" / "households.yaml")
    doc = yaml.safe_load((ROOT / "engine" / "demo" / "faq.yaml").read_text(encoding="utf-8"))
    book = FaqBook.for_policy(runtime.store, clock, runtime.policies.effective(None))
    for item in doc["entries"][:2]:
        book.add(line=item["line"], question=item["question"], answer=item["answer"],
                 keywords=item.get("keywords", ""), actor=doc["editor"])
    password, numbers = prepare_demo(services, clock.now())
    assert password
    app = create_app(settings, services=services)
    app.config["TESTING"] = True
    world = World(app, services, clock, password)

    sz_case = next(n for n in numbers if n.startswith("TS-SZP-"))
    hn_case = next(n for n in numbers if n.startswith("TS-HNR-"))
    sz_repair = runtime.open_case("repair", REPAIR, "wang.fang").number
    hn_repair = runtime.open_case("repair", {**REPAIR, "room": "2栋1单元1501"}, "fan.ming").number
    for number, who in ((sz_repair, "wang.fang"), (hn_repair, "fan.ming")):
        task = _task_of(services, number, who, "issue_order")
        runtime.claim_task(task, who)
        runtime.complete_task(task, who, {"order_items": "更换水龙头", "order_note": "下午在家"})
    sz_visit = visitors.register_visit(runtime, "peng.jun", {**WALK_IN, "household": SZ_HOUSE}).number
    hn_visit = visitors.register_visit(runtime, "fan.ming", {**WALK_IN, "household": HN_HOUSE}).number
    sz_request = archives.request_access(runtime, "peng.jun", SZ_HOUSE, "联系车主", "车牌号").number
    hn_request = archives.request_access(runtime, "fan.ming", HN_HOUSE, "联系车主", "车牌号").number
    faq_id = str(min(e.id for e in book.entries(include_retired=True)))
    from engine.reviews import Reviews

    lists = Reviews(services.store, clock, services.policies)
    sz_review = str(lists.generate("he.jing", "leftover")["id"])  # R2.18: each side's weekly list
    hn_review = str(lists.generate("feng.tingting", "leftover")["id"])
    world.ids = {
        "case": {"sz": sz_case, "hn": hn_case},
        "task": {"sz": _task_of(services, sz_case, "zheng.xiaoyan"),
                 "hn": _task_of(services, hn_case, "zheng.xiaoyan")},
        "repair": {"sz": sz_repair, "hn": hn_repair},
        "visit": {"sz": sz_visit, "hn": hn_visit},
        "archive_request": {"sz": sz_request, "hn": hn_request},
        "household": {"sz": SZ_HOUSE, "hn": HN_HOUSE},
        "record": {"sz": f"case:{sz_request}", "hn": f"case:{hn_request}"},
        "faq": {"sz": faq_id, "hn": faq_id},
        "unit": {"sz": "sz-property-lyc-cs", "hn": "hn-region-bhw-cs"},
        "staff": {"sz": "zhou.jie", "hn": "dong.chen"},
        "review": {"sz": sz_review, "hn": hn_review},
    }
    return world


def dispose(world: World) -> None:
    """Close the database connections."""
    world.services.store.dispose()


def counts(services: Services, *tables: str) -> dict[str, int]:
    """Row counts of ``tables``."""
    from sqlalchemy import text

    with services.store.read() as tx:
        return {t: int(tx.session.execute(text(f"select count(*) from {t}")).scalar() or 0) for t in tables}


def ids_flat(world: World) -> dict[str, Any]:
    """Every id of the world, for a look at what the suite attacks."""
    return {f"{kind}.{side}": value for kind, sides in world.ids.items() for side, value in sides.items()}
