"""``kefu serve`` and ``kefu api-token``: URL, demo logins, demo cases, tokens."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from engine.cli.common import CliContext
from engine.cli.serve import register
from webui.demo import DEMO_LOGINS
from webui.serving import gunicorn_available


@pytest.fixture
def cli(settings, clock):
    @click.group()
    @click.pass_context
    def root(ctx):
        ctx.obj = CliContext(settings=settings, clock=clock)

    register(root)
    return root


def test_serve_prints_url_and_demo_logins_and_seeds_cases(cli, monkeypatch, settings):
    calls = []

    class Master:  # gunicorn's, not run
        def run(self) -> None:
            pass

    monkeypatch.setattr("waitress.serve", lambda *a, **k: calls.append(("waitress", k)))
    monkeypatch.setattr("webui.serving._gunicorn", lambda *a, **k: calls.append(("gunicorn", k)) or Master())
    result = CliRunner().invoke(cli, ["serve", "--port", "5099"])
    assert result.exit_code == 0, result.output
    assert "http://localhost:5099/" in result.output
    for login, _ in DEMO_LOGINS:
        assert login in result.output
    password = (settings.data_dir / "demo_password").read_text(encoding="utf-8")
    assert f"password: {password}" in result.output
    assert "seeded 14 demo cases (9 complaints, 3 repairs, 2 consultations)" in result.output
    server, served = calls[0]
    assert (served["host"], served["port"], served["threads"]) == ("127.0.0.1", 5099, 8)
    assert server == ("gunicorn" if gunicorn_available() else "waitress")  # one process: gunicorn on Linux
    assert server == "waitress" or served["workers"] == 1
    again = CliRunner().invoke(cli, ["serve", "--port", "5099"])
    assert again.exit_code == 0, (again.output, again.exception)
    assert "seeded" not in again.output and f"password: {password}" in again.output


def test_demo_cases_cover_every_stage(services, clock):
    from webui.demo import prepare_demo

    _, numbers = prepare_demo(services, clock.now())
    cases = [services.runtime.get_case(n, "zheng.xiaoyan") for n in numbers]
    statuses = {c.status for c in cases}
    assert {"received", "order_raised", "dispatched", "in_progress", "closing", "closed"} <= statuses
    assert any(c.closed_at is not None for c in cases) and any(c.tasks for c in cases)
    by_process = {}
    for c in cases:
        by_process.setdefault(c.process_id, []).append(c)
    assert len(by_process["repair"]) == 3 and len(by_process["consultation"]) == 2
    from engine.repair_orders import dispatch_order

    issued = [c for c in by_process["repair"] if "issue_order" not in {t.task_name for t in c.tasks}]
    assert issued, [t.task_name for c in by_process["repair"] for t in c.tasks]
    for c in issued:  # advanced past issue_order: the numbered dispatch order exists
        assert dispatch_order(services.runtime, c.number, "zheng.xiaoyan").number.startswith("PG-")


def test_api_token_command_prints_a_token_that_works(cli, client, services):
    result = CliRunner().invoke(cli, ["api-token", "wang.fang", "--label", "hotline", "--expires", "90d"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    assert token.startswith("kefu_") and "not shown again" in result.stderr
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listed = CliRunner().invoke(cli, ["api-token", "list", "--login", "wang.fang"])
    assert listed.exit_code == 0 and "hotline" in listed.output and token[:13] in listed.output
    assert "live" in listed.output and "1 token(s)" in listed.output and token not in listed.output
    revoked = CliRunner().invoke(cli, ["api-token", "revoke", token[:13]])
    assert revoked.exit_code == 0 and "revoked token #1" in revoked.output
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "revoked" in CliRunner().invoke(cli, ["api-token", "list"]).output


@pytest.mark.parametrize("args, message", [
    (["api-token", "nobody.here"], "no active staff member"),
    (["api-token", "wang.fang", "--expires", "soon"], "not a span"),
    (["api-token", "revoke", "kefu_zzzzzzzz"], "no API token"),
])
def test_api_token_command_refuses_bad_input_clearly(cli, args, message):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code != 0 and message in result.output + str(result.exception)


def test_the_readme_login_table_names_someone_for_every_post_a_lane_needs():
    """Issue 15: the deputy GM was missing, so nobody following the README could close a complaint.
    Each subsidiary with demo cases needs, for every lane of the processes it has cases of, a login of
    the table holding that lane's role within the subsidiary (or at the group above it)."""
    import re

    import yaml

    from engine.policy import load_policy_set
    from engine.processes import ProcessRegistry
    from tests.conftest import ROOT
    from webui.demo import DEMO_CASES, DEMO_OTHER

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("| demo login | who |", 1)[1].split("\n\n", 1)[0]
    logins = set(re.findall(r"^\| `([a-z.]+)`", table, re.M)) | set(re.findall(r"`([a-z]+\.[a-z]+)`", table))
    org = yaml.safe_load((ROOT / "engine/demo/org.yaml").read_text())
    staff = {s["login"]: s for s in org["staff"]}
    parents = {u["code"]: u.get("parent") for u in org["units"]}

    def within(unit: str, top: str) -> bool:
        while unit:
            if unit == top:
                return True
            unit = parents.get(unit) or ""
        return False

    def held(subsidiary: str) -> set[str]:
        roles = set()
        for login in logins:
            for role in staff[login]["roles"]:
                name, _, unit = role.partition("@")
                unit = unit or staff[login]["unit"]
                if within(unit, subsidiary) or within(subsidiary, unit):  # in it, or above it (the group)
                    roles.add(name)
        return roles

    registry = ProcessRegistry.load(ROOT / "processes")
    demo = {"complaint", "visitor_reception", "archive_access"} | {p for p, *_ in DEMO_OTHER}  # and the desks
    kinds = {"sz-property": demo, "hn-region": {"complaint"}}
    assert len(DEMO_CASES) >= 4  # every 4th demo complaint is 华南区域's (webui.demo.seed_demo_cases)
    policies = load_policy_set(ROOT / "policies")
    for subsidiary, processes in kinds.items():
        lanes = policies.effective(subsidiary).get("lanes")
        used = set().union(*(registry.get(p).lanes for p in processes))
        needed = {lanes[lane]["role"] for lane in used}
        assert needed - held(subsidiary) == set(), subsidiary
    assert {login for login, _ in DEMO_LOGINS} <= logins
