"""Fixtures of the web tests: a migrated SQLite store with the test org, services, app and clients."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from engine.clock import FixedClock
from engine.org import load_org
from engine.policy_versions import VersionedPolicies
from engine.runtime import Runtime
from engine.settings import Settings
from engine.store import Store
from tests.conftest import shanghai
from webui import create_app
from webui.services import Services, build_services

PASSWORD = "demo-pass-123"
DEMO_ORG = Path(__file__).resolve().parents[2] / "engine" / "demo" / "org.yaml"
# Demo staff the tests use: two CS specialists of 丽雅苑 (sz-property-lyc), their supervisor, the
# subsidiary's CS-centre GM, a specialist of another subsidiary, the group CS manager and the
# head of 深圳物业's property department, its expert adviser and 丽雅苑's engineer; the organisation
# administrators of the group, 深圳物业 and 华南区域.
_DEFINITIONS: dict[str, object] = {}  # policies and diagrams, parsed once per session (immutable)
STAFF = ("wang.fang", "zhang.wei", "li.na", "lin.lihua", "fan.ming", "zheng.xiaoyan", "yang.fan",
         "gao.jianhua", "deng.haitao", "gu.yan", "xu.lan", "lu.fang", "song.yu", "ma.lin", "tang.jing",
         "lv.qing")
INTAKE = {
    "customer_name": "刘先生",
    "customer_phone": "13800138000",
    "room": "3栋1单元1202",
    "event_time": "",
    "description": "楼上漏水，天花板渗水",
    "customer_request": "尽快维修并赔偿",
    "evidence": "",
    "channel": "phone",
    "category": "facilities",
    "urgency": "normal",
    "scope": "household",
    "severity": "general",
    "read_back_confirmed": "true",
    "call_ended_at": "",
}


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database with the demo org and PASSWORD for the test staff, built once and copied."""
    path = tmp_path_factory.mktemp("template") / "kefu.db"
    settings = Settings(database_url=f"sqlite:///{path}", data_dir=path.parent / "data")
    svc = build_services(settings, FixedClock(shanghai("2026-11-23 09:00")))
    svc.runtime.import_org(load_org(DEMO_ORG))
    for login in STAFF:
        svc.set_password(login, PASSWORD)
    svc.store.dispose()
    _DEFINITIONS["policies"], _DEFINITIONS["registry"] = svc.policies.base, svc.registry
    return path


@pytest.fixture
def settings(tmp_path: Path, template_db: Path) -> Settings:
    """A fresh copy of the template database and an empty data dir under the test's tmp dir."""
    shutil.copy(template_db, tmp_path / "kefu.db")
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'kefu.db'}", data_dir=tmp_path / "data", secret_key="test-secret"
    )


@pytest.fixture
def services(settings: Settings, clock: FixedClock) -> Services:
    """Services over the real runtime (policies and diagrams loaded once per session)."""
    store = Store(settings.database_url)
    base, registry = _DEFINITIONS["policies"], _DEFINITIONS["registry"]
    policies = VersionedPolicies(store, base.directory, clock, base)  # the files and the published versions
    runtime = Runtime(store, policies, registry, clock, policies.calendars_dir)
    svc = Services(
        store=store,
        runtime=runtime,
        policies=policies,
        registry=registry,
        clock=clock,
        data_dir=settings.data_dir,
    )
    yield svc
    svc.store.dispose()


@pytest.fixture
def app(services: Services, settings: Settings) -> Flask:
    """The app with CSRF on (tests post the token like a browser)."""
    application = create_app(settings, services=services)
    application.config["TESTING"] = True
    return application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An anonymous browser."""
    return app.test_client()


def csrf_from(html: str) -> str:
    """The CSRF token of a rendered page."""
    found = re.search(r'name="csrf-token" content="([^"]+)"', html)
    assert found, "page has no CSRF token"
    return found.group(1)


class Browser:
    """A signed-in test client that posts forms with the page's CSRF token."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = ""

    def get(self, url: str, **kw):  # type: ignore[no-untyped-def]
        """GET and remember the CSRF token."""
        response = self.client.get(url, **kw)
        if response.mimetype == "text/html":
            found = re.search(r'name="csrf-token" content="([^"]+)"', response.get_data(as_text=True))
            if found:
                self.token = found.group(1)
        return response

    def post(self, url: str, data: dict | None = None, **kw):  # type: ignore[no-untyped-def]
        """POST a form with the CSRF token."""
        if not self.token:
            self.get("/login")
        body = dict(data or {})
        body.setdefault("csrf_token", self.token)
        return self.client.post(url, data=body, **kw)


@pytest.fixture
def login(app: Flask):  # type: ignore[no-untyped-def]
    """``login("zhang")`` → a signed-in Browser (a fresh client per call)."""

    def sign_in(name: str) -> Browser:
        browser = Browser(app.test_client())
        browser.get("/login")
        response = browser.post("/login", {"login": name, "password": PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        browser.get("/inbox")
        return browser

    return sign_in


def open_complaint(browser: Browser, **changes: str) -> str:
    """Submit the intake form; returns the new case number."""
    browser.get("/cases/new")
    response = browser.post("/cases/new", {**INTAKE, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response.headers["Location"].split("/cases/")[1].split("?")[0]


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium through Playwright, one per test module (skipped with the reason, or a failure
    under CI, when it is missing)."""
    from tests.conftest import skip_or_fail
    from tests.webui.live import CHROMIUM, CHROMIUM_ARGS

    if not Path(CHROMIUM).exists():
        skip_or_fail("Chromium not installed: apt-get install chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
