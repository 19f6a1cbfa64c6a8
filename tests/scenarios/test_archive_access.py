"""Owner-archive access requests (R5.2) and retention (R5.3) end to end through engine.archives."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import archives, visitors
from engine.clock import FixedClock
from engine.errors import ConflictError, PermissionDenied
from engine.org import load_org
from engine.policy import load_policy_set
from engine.processes import ProcessRegistry
from engine.runtime import Runtime
from engine.store import Store
from tests.conftest import ROOT, shanghai
from tests.scenarios.conftest import DEMO_ORG, Desk

LYC = "lyc-3-1-1202"
GUARD = "peng.jun"  # not allowed to read archives: must ask


@pytest.fixture
def office(desk: Desk, tmp_path: Path) -> tuple[Desk, Path]:
    """The desk with households and one stored document."""
    visitors.import_households(desk.runtime, ROOT / "engine" / "demo" / "households.yaml")
    data_dir = tmp_path / "data"
    archives.store_document(
        desk.runtime, "hu.xuemei", LYC, "vehicle_register", "车辆登记表.pdf", b"car", data_dir
    )
    return desk, data_dir


def ask(desk: Desk, direct_view: bool = False) -> str:
    return archives.request_access(
        desk.runtime,
        GUARD,
        LYC,
        "业主车辆被刮，需联系车主",
        "业主登记的车牌号",
        ["vehicle_register"],
        direct_view=direct_view,
    ).number


def test_an_approved_request_is_looked_up_and_relayed_and_the_requester_gets_only_the_answer(
    office: tuple[Desk, Path],
) -> None:
    desk, _data_dir = office
    n = ask(desk)
    assert n.startswith("DA-SZP-2026-")
    task = desk.task(n, "approve_request")
    assert task.role == "cs_supervisor" and task.unit == "sz-property-lyc"
    assert desk.due(n, "approve_request") == shanghai("2026-11-24 10:00")  # archive.deadlines.approve
    desk.complete(n, "approve_request", "li.na", decision="approve", decision_note="同意，仅告知车牌")
    assert desk.task(n, "relay_answer").role == "cs_specialist"
    archives.relay_answer(desk.runtime, n, "zhang.wei", "车牌 粤B·12345", ["vehicle_register"])
    answer = archives.read_answer(desk.runtime, n, GUARD)
    assert answer["answer"] == "车牌 粤B·12345" and answer["outcome"] == "relayed"
    assert set(answer) == {"number", "status", "outcome", "answer", "decision_note", "view_expires_at"}
    with desk.runtime.store.read() as tx:
        relayed = [e for e in tx.chain_events("system") if e.action == "archive.relayed"]
    assert relayed[0].actor == "zhang.wei"
    assert relayed[0].data["requester"] == GUARD and relayed[0].data["why"] == "业主车辆被刮，需联系车主"


def test_the_requester_never_gets_the_file_even_after_approval(office: tuple[Desk, Path]) -> None:
    desk, data_dir = office
    n = ask(desk, direct_view=True)  # the group policy does not allow direct views
    desk.complete(n, "approve_request", "li.na", decision="approve")
    assert "relay_answer" in desk.open_tasks(n)
    item = archives.checklist(desk.runtime, "zhang.wei", LYC, "转告")[8]
    assert item.code == "vehicle_register" and item.document_id is not None
    with pytest.raises(PermissionDenied):
        archives.view_document(desk.runtime, GUARD, item.document_id, "查车牌", data_dir)


def test_a_refused_request_closes_without_an_answer(office: tuple[Desk, Path]) -> None:
    desk, _ = office
    n = ask(desk)
    desk.complete(n, "approve_request", "li.na", decision="refuse", decision_note="理由不充分")
    answer = archives.read_answer(desk.runtime, n, GUARD)
    assert (answer["outcome"], answer["answer"], answer["decision_note"]) == ("refused", None, "理由不充分")


def test_someone_else_cannot_read_the_answer_or_relay_without_the_role(office: tuple[Desk, Path]) -> None:
    desk, _ = office
    n = ask(desk)
    desk.complete(n, "approve_request", "li.na", decision="approve")
    with pytest.raises(PermissionDenied):
        archives.relay_answer(desk.runtime, n, "deng.haitao", "x")
    archives.relay_answer(desk.runtime, n, "wang.fang", "车牌 粤B·12345")
    with pytest.raises(PermissionDenied):
        archives.read_answer(desk.runtime, n, "wang.fang")


def test_a_guard_cannot_approve_their_own_request(office: tuple[Desk, Path]) -> None:
    desk, _ = office
    n = ask(desk)
    with pytest.raises(PermissionDenied):
        desk.complete(n, "approve_request", GUARD, decision="approve")


@pytest.fixture
def lenient(tmp_path: Path) -> Iterator[tuple[Desk, Path]]:
    """A policy tree whose group allows approved direct views (archive.direct_view.allowed: true)."""
    policies = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", policies)
    group = policies / "group.yaml"
    text = group.read_text(encoding="utf-8")
    group.write_text(text.replace("    allowed: false ", "    allowed: true  ", 1), encoding="utf-8")
    clock = FixedClock(shanghai("2026-11-23 10:00"))
    store = Store(f"sqlite:///{tmp_path / 'kefu.db'}")
    store.migrate()
    runtime = Runtime(
        store,
        load_policy_set(policies),
        ProcessRegistry.load(ROOT / "processes"),
        clock,
        calendars_dir=policies / "calendars",
    )
    runtime.register_processes()
    org = load_org(DEMO_ORG)
    runtime.import_org(org)
    visitors.import_households(runtime, ROOT / "engine" / "demo" / "households.yaml")
    data_dir = tmp_path / "data"
    archives.store_document(runtime, "hu.xuemei", LYC, "vehicle_register", "车辆登记表.pdf", b"car", data_dir)
    yield Desk(runtime, clock, org), data_dir
    store.dispose()


def test_an_approved_direct_view_works_until_the_policy_time_then_expires(lenient: tuple[Desk, Path]) -> None:
    desk, data_dir = lenient
    n = ask(desk, direct_view=True)
    desk.complete(n, "approve_request", "li.na", decision="approve")
    assert desk.case(n).status == "view_granted"
    assert desk.data(n)["view_expires_at"] == "2026-11-24T10:00:00+08:00"  # archive.direct_view.expires
    doc = archives.checklist(desk.runtime, "zhang.wei", LYC, "核查")[8].document_id
    assert doc is not None
    _meta, content = archives.view_document(desk.runtime, GUARD, doc, "查车牌", data_dir)
    assert content == b"car"
    with desk.runtime.store.read() as tx:
        event = [e for e in tx.chain_events("system") if e.action == "archive.viewed"][-1]
    assert event.actor == GUARD and event.data["basis"] == f"direct view approved by request {n}"
    desk.at("2026-11-24 10:01")
    desk.runtime.fire_due_timers()
    assert desk.case(n).outcome == "view_expired"
    with pytest.raises(PermissionDenied):
        archives.view_document(desk.runtime, GUARD, doc, "再看一次", data_dir)
    with pytest.raises(PermissionDenied):  # the checklist is never part of a direct view
        archives.checklist(desk.runtime, GUARD, LYC, "看看")


def test_expired_records_go_on_the_disposal_review_list_for_a_person_to_decide(
    office: tuple[Desk, Path],
) -> None:
    desk, _ = office
    n = ask(desk)
    desk.complete(n, "approve_request", "li.na", decision="refuse")
    visit = visitors.register_visit(
        desk.runtime,
        GUARD,
        {"customer_name": "李明", "id_type": "passport", "id_number": "E12345678", "purpose": "fees"},
    )
    assert archives.disposal_review(desk.runtime, "he.jing") == []
    desk.at("2031-11-23 10:01")  # visit log: archive.retention.other_years = 5
    listed = {r.record: r for r in archives.disposal_review(desk.runtime, "he.jing")}
    assert set(listed) == {f"visit:{visit.number}"}
    desk.at("2036-11-23 10:01")  # access records are ※: 10 years
    listed = {r.record: r for r in archives.disposal_review(desk.runtime, "he.jing")}
    assert set(listed) == {f"visit:{visit.number}", f"case:{n}"}
    archives.decide_disposal(desk.runtime, "he.jing", f"visit:{visit.number}", "dispose", "已过保存期")
    assert [r.record for r in archives.disposal_review(desk.runtime, "he.jing")] == [f"case:{n}"]
    assert visitors.search_visits(desk.runtime, "he.jing")  # nothing was deleted by the system
    assert archives.disposal_review(desk.runtime, "feng.tingting") == []  # 华南区域 sees only its own


def test_a_legal_hold_keeps_a_record_off_the_list_and_blocks_decisions(office: tuple[Desk, Path]) -> None:
    desk, _ = office
    visit = visitors.register_visit(
        desk.runtime,
        GUARD,
        {"customer_name": "李明", "id_type": "passport", "id_number": "E12345678", "purpose": "fees"},
    )
    record = f"visit:{visit.number}"
    archives.place_legal_hold(desk.runtime, "he.jing", record, "诉讼证据保全")
    desk.at("2032-01-01 10:00")
    assert archives.disposal_review(desk.runtime, "he.jing") == []
    with pytest.raises(ConflictError, match="legal hold"):
        archives.decide_disposal(desk.runtime, "he.jing", record, "dispose")
    archives.lift_legal_hold(desk.runtime, "he.jing", record, "诉讼结束")
    assert [r.record for r in archives.disposal_review(desk.runtime, "he.jing")] == [record]


def test_owner_archives_are_permanent_and_never_listed(office: tuple[Desk, Path]) -> None:
    desk, _ = office
    desk.at("2126-11-23 10:00")
    assert archives.disposal_review(desk.runtime, "he.jing") == []


def test_only_the_policy_role_reviews_disposal_and_holds(office: tuple[Desk, Path]) -> None:
    desk, _ = office
    for login in ("zhang.wei", "li.na", "hu.xuemei", GUARD):
        with pytest.raises(PermissionDenied):
            archives.disposal_review(desk.runtime, login)
        with pytest.raises(PermissionDenied):
            archives.place_legal_hold(desk.runtime, login, "case:X", "试试")
