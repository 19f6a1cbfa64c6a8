"""``kefu doctor`` on the demo database: clean passes; each kind of damage is reported with a hint."""

from __future__ import annotations

from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from engine.audit_anchor import AnchorSettings, AuditAnchor
from engine.doctor import run_doctor


@pytest.fixture
def demo(services, clock):
    from webui.demo import prepare_demo

    _, numbers = prepare_demo(services, clock.now())
    return numbers


@pytest.fixture
def anchor(tmp_path, services, clock) -> AnchorSettings:
    settings = AnchorSettings(directory=tmp_path / "worm", interval=timedelta(hours=1), key="doctor-test")
    AuditAnchor(services.store, clock, settings).checkpoint()
    return settings


def _sql(services, statement: str, **params) -> None:
    with services.store.engine.begin() as conn:
        conn.execute(text(statement), params)


def _problems(services, anchor, *checks: str) -> list[str]:
    return [str(f) for f in run_doctor(services.runtime, anchor, checks or ("workflow", "inbox", "numbers",
                                                                              "domain", "audit"))]


def _open_case(services, demo, process: str = "complaint") -> tuple[str, str]:
    with services.store.read() as tx:
        row = tx.conn.execute(text("SELECT c.id, c.number FROM cases c JOIN inbox_tasks t "
                                   "ON t.case_id = c.id WHERE c.process_id = :p LIMIT 1"),
                              {"p": process}).first()
    return row[0], row[1]


def test_a_clean_demo_database_passes_every_check(services, demo, anchor) -> None:
    warnings: list[str] = []
    assert run_doctor(services.runtime, anchor, warnings=warnings) == [] and warnings == []


def test_a_case_without_its_workflow_state_is_reported(services, demo, anchor) -> None:
    case_id, number = _open_case(services, demo)
    _sql(services, "UPDATE cases SET workflow = '' WHERE id = :c", c=case_id)
    [finding] = _problems(services, anchor, "workflow")
    assert f"case {number} has no workflow state" in finding and "hint: restore" in finding


def test_inbox_rows_that_differ_from_the_ready_tasks_are_reported(services, demo, anchor) -> None:
    case_id, number = _open_case(services, demo)
    with services.store.read() as tx:
        task_id = tx.case_tasks(case_id)[0].task_id
    _sql(services, "DELETE FROM inbox_tasks WHERE task_id = :t", t=task_id)
    _sql(services, "INSERT INTO inbox_tasks (task_id, case_id, task_spec, title, created_at, number, "
                   "process_id) VALUES ('ffffffff-0000-0000-0000-000000000000', :c, 'ghost', 'ghost', "
                   "'2026-11-23 01:00:00', :n, 'complaint')", c=case_id, n=number)
    findings = _problems(services, anchor, "inbox")
    assert any(f"ready task {task_id[:8]} has no inbox row" in f for f in findings)
    assert any("inbox row ffffffff is not a ready task" in f and "hint: delete" in f for f in findings)


def test_a_gap_and_a_reset_sequence_are_reported(services, demo, anchor) -> None:
    case_id, number = _open_case(services, demo)
    for table in ("inbox_tasks", "attachments", "audit_events"):
        _sql(services, f"DELETE FROM {table} WHERE case_id = :c", c=case_id)
    _sql(services, "DELETE FROM cases WHERE id = :c", c=case_id)
    prefix, short, year, _seq = number.split("-")
    findings = _problems(services, anchor, "numbers", "audit")
    assert any(f"sequence {prefix}-{short}-{year}" in f and number in f and "missing" in f for f in findings)
    assert any(f"case {number}" in f and "is missing" in f and f.startswith("[audit]") for f in findings)
    _sql(services, "UPDATE number_sequences SET last = 1 WHERE prefix = :p", p=prefix)
    assert any("beyond its last (1)" in f for f in _problems(services, anchor, "numbers"))


def test_domain_rows_without_their_case_and_cases_without_their_rows_are_reported(services, demo, anchor):
    with services.store.read() as tx:
        case_id, order = tx.conn.execute(text("SELECT case_id, number FROM dispatch_orders LIMIT 1")).first()
    _sql(services, "DELETE FROM dispatch_orders WHERE case_id = :c", c=case_id)
    [finding] = _problems(services, anchor, "domain")
    assert "issued a dispatch order but has no order row" in finding
    _sql(services, "INSERT INTO penalties (key, month, occurred_at, subsidiary, staff, role, kind, "
                   "amount, case_id, case_number, detail, created_at) VALUES ('k1', '2026-11', "
                   "'2026-11-23 01:00:00', 'sz-property', 'yang.fan', 'department_head', 'overdue', 200, "
                   "'gone', 'TS-SZP-2026-999998', '{}', '2026-11-23 01:00:00')")
    assert any("penalty #1 (200 yuan to yang.fan) is for case TS-SZP-2026-999998" in f
               for f in _problems(services, anchor, "domain"))
    _sql(services, "INSERT INTO legal_holds (record, reason, placed_by, placed_at) "
                   "VALUES ('case:TS-SZP-2026-999999', 'x', 'he.jing', '2026-11-23 01:00:00')")
    assert any("legal hold on case:TS-SZP-2026-999999: no such case" in f
               for f in _problems(services, anchor, "domain"))


def test_a_visitor_case_without_its_visit_row_is_reported(services, demo, anchor, clock) -> None:
    from engine.visitors import import_households
    from tests.conftest import ROOT

    import_households(services.runtime, ROOT / "engine" / "demo" / "households.yaml")
    desk = services.actor("peng.jun")
    from engine.visitors import register_visit

    form = {"customer_name": "李明", "id_type": "resident_id", "id_number": "440305199003071236",
            "purpose": "visit_resident", "household": "lyc-3-1-1202", "host_name": "周建国"}
    visit = register_visit(services.runtime, desk.login, form)
    _sql(services, "DELETE FROM visits WHERE case_id = (SELECT id FROM cases WHERE number = :n)",
         n=visit.number)
    assert any(f"visitor case {visit.number} has no visit row" in f
               for f in _problems(services, anchor, "domain"))


def test_kefu_doctor_exits_non_zero_listing_the_problems(services, demo, settings, clock, tmp_path) -> None:
    import click

    from engine.cli.common import CliContext
    from engine.cli.doctor import register

    @click.group()
    @click.pass_context
    def root(ctx):
        ctx.obj = CliContext(settings=settings, clock=clock)

    register(root)
    clean = CliRunner().invoke(root, ["doctor"])
    assert clean.exit_code == 0, clean.output
    assert "no problems" in clean.stdout and "no audit checkpoint" in clean.stderr
    case_id, number = _open_case(services, demo)
    _sql(services, "UPDATE cases SET workflow = '' WHERE id = :c", c=case_id)
    broken = CliRunner().invoke(root, ["doctor", "--check", "workflow"])
    assert broken.exit_code != 0 and f"case {number} has no workflow state" in broken.stderr
    assert "1 problem(s)" in str(broken.exception)


def test_the_org_check_names_a_department_the_category_matrix_needs_without_a_head(services, demo, anchor):
    assert _problems(services, anchor, "org") == []
    _sql(services, "UPDATE staff SET active = :no WHERE login = 'zhu.hong'", no=False)  # 资金部 of 深圳物业
    [problem] = _problems(services, anchor, "org")
    assert problem.startswith("[org] sz-property: 资金部 (sz-property-treasury) has no department head, "
                              "needed by 营销签约")  # 003 第20条: 财务部、资金部无条件配合
    assert "give someone role department_head in sz-property-treasury" in problem
    _sql(services, "UPDATE staff SET active = :no WHERE login = 'lei.ming'", no=False)  # and 华南's
    assert [p.split(" has")[0] for p in _problems(services, anchor, "org")] == [
        "[org] hn-region: 资金部 (hn-region-treasury)", "[org] sz-property: 资金部 (sz-property-treasury)"]
