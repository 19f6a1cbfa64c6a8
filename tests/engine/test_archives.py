"""Owner-archive access (R5.2): the authorization matrix, each role x each action x each subsidiary.

Nobody sees what they should not: a denied decision is also refused by the engine (no bytes, no audit
event of a view), and every allowed view is in the audit log with who, what, why and when.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import archives, visitors
from engine.clock import FixedClock
from engine.errors import PermissionDenied
from engine.org import load_org
from engine.policy import load_policy_set
from engine.processes import ProcessRegistry
from engine.runtime import Runtime
from engine.store import Store
from tests.conftest import ROOT, shanghai
from tests.scenarios.conftest import DEMO_ORG, Desk

LYC, JHY, BHW = (
    "lyc-3-1-1202",
    "jhy-1-1-0502",
    "bhw-2-1-1501",
)  # 丽雅苑, 锦华园 (sz-property); 滨海湾 (hn-region)
SZ = {LYC, JHY}

# login -> households whose archive files they may read (checklist, view, download, upload)
FILE_ACCESS = {
    "zhang.wei": {LYC},  # 客服专员 at 丽雅苑
    "li.na": {LYC},  # 客服主管 at 丽雅苑
    "liu.yang": {JHY},  # 客服专员 at 锦华园
    "he.jing": SZ,  # 客服经理 of 深圳物业公司
    "hu.xuemei": SZ,  # 档案员 of 深圳物业公司
    "tian.tian": {BHW},  # 客服专员 at 滨海湾 (华南区域)
    "shi.lei": {BHW},  # 客服主管 at 滨海湾
    "feng.tingting": {BHW},  # 客服经理 of 华南区域公司
    "zheng.xiaoyan": {LYC, JHY, BHW},  # 集团客服经理
    "peng.jun": set(),  # 安全员: not a role that reads archives
    "deng.haitao": set(),  # 工程人员
    "yang.fan": set(),  # 部门一把手
    "lin.lihua": set(),  # 售后服务中心总经理: not in archive.allowed_roles, must ask
    "chen.guodong": set(),  # 董事长
    "gao.jianhua": set(),  # 专业顾问
}
# login -> may review disposal / place legal holds (archive.disposal_reviewer / legal_hold_role: cs_manager)
RECORDS_STEWARDS = {"he.jing", "feng.tingting", "zheng.xiaoyan"}


def _desk(db: Path) -> Desk:
    clock = FixedClock(shanghai("2026-11-23 10:00"))
    store = Store(f"sqlite:///{db}")
    store.migrate()
    runtime = Runtime(
        store,
        load_policy_set(ROOT / "policies"),
        ProcessRegistry.load(ROOT / "processes"),
        clock,
        calendars_dir=ROOT / "policies" / "calendars",
    )
    runtime.register_processes()
    org = load_org(DEMO_ORG)
    runtime.import_org(org)
    visitors.import_households(runtime, ROOT / "engine" / "demo" / "households.yaml")
    return Desk(runtime, clock, org)


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    """The demo org and households on a fresh SQLite database, Monday 2026-11-23 10:00."""
    made = _desk(tmp_path / "kefu.db")
    yield made
    made.runtime.store.dispose()


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Desk, int, Path]]:
    """One database for the read-only matrix: 丽雅苑 3-1-1202's move-in notice filed by the archive clerk."""
    root = tmp_path_factory.mktemp("archives")
    made = _desk(root / "kefu.db")
    doc = archives.store_document(
        made.runtime,
        "hu.xuemei",
        LYC,
        "move_in_notice",
        "入伙通知书.pdf",
        b"%PDF-1.4 move-in notice",
        root / "data",
    )
    yield made, doc, root / "data"
    made.runtime.store.dispose()


MATRIX = [
    (login, household, action)
    for login in FILE_ACCESS
    for household in (LYC, JHY, BHW)
    for action in ("checklist", "view", "download", "upload")
]


@pytest.mark.parametrize(("login", "household", "action"), MATRIX)
def test_file_actions_follow_role_and_unit(
    shared: tuple[Desk, int, Path], login: str, household: str, action: str
) -> None:
    decision = archives.decide_access(shared[0].runtime, login, household, action)
    assert decision.allowed == (household in FILE_ACCESS[login]), decision.reason


@pytest.mark.parametrize("login", sorted(FILE_ACCESS))
@pytest.mark.parametrize("action", ["disposal_review", "legal_hold"])
def test_records_stewardship_is_the_subsidiary_cs_managers(
    shared: tuple[Desk, int, Path], login: str, action: str
) -> None:
    decision = archives.decide_access(shared[0].runtime, login, LYC, action)
    expected = login in RECORDS_STEWARDS and login != "feng.tingting"  # 华南 may not steward 丽雅苑
    assert decision.allowed == expected, decision.reason


HN = {"tian.tian", "shi.lei", "feng.tingting"}  # 华南区域: 丽雅苑 belongs to another subsidiary


@pytest.mark.parametrize("login", sorted(FILE_ACCESS))
def test_anyone_of_the_subsidiary_may_ask_and_nobody_reads_answers_outside_their_own_request(
    shared: tuple[Desk, int, Path], login: str
) -> None:
    assert archives.decide_access(shared[0].runtime, login, LYC, "request").allowed == (login not in HN)
    assert archives.decide_access(shared[0].runtime, login, BHW, "request").allowed == (
        login in HN or login == "zheng.xiaoyan")
    assert not archives.decide_access(shared[0].runtime, login, LYC, "read_answer").allowed


@pytest.fixture
def filed(desk: Desk, tmp_path: Path) -> tuple[Desk, int, Path]:
    """丽雅苑 3-1-1202 with its move-in notice stored by the archive clerk."""
    data_dir = tmp_path / "data"
    doc = archives.store_document(
        desk.runtime,
        "hu.xuemei",
        LYC,
        "move_in_notice",
        "入伙通知书.pdf",
        b"%PDF-1.4 move-in notice",
        data_dir,
    )
    return desk, doc, data_dir


@pytest.mark.parametrize("login", sorted(FILE_ACCESS))
def test_the_engine_refuses_the_file_to_everyone_the_matrix_denies(
    shared: tuple[Desk, int, Path], login: str
) -> None:
    desk, doc, data_dir = shared
    if LYC in FILE_ACCESS[login]:
        meta, content = archives.view_document(desk.runtime, login, doc, "核对入伙日期", data_dir)
        assert content == b"%PDF-1.4 move-in notice"
        return
    with pytest.raises(PermissionDenied):
        archives.view_document(desk.runtime, login, doc, "想看看", data_dir)
    with pytest.raises(PermissionDenied):
        archives.download_document(desk.runtime, login, doc, "想看看", data_dir)
    with pytest.raises(PermissionDenied):
        archives.checklist(desk.runtime, login, LYC, "想看看")
    with desk.runtime.store.read() as tx:
        actors = {
            e.actor for e in tx.chain_events("system") if e.action in {"archive.viewed", "archive.downloaded"}
        }
    assert login not in actors


def test_every_view_and_download_is_audited_with_who_what_why_and_when(filed: tuple[Desk, int, Path]) -> None:
    desk, doc, data_dir = filed
    archives.view_document(desk.runtime, "zhang.wei", doc, "核对入伙日期", data_dir)
    desk.at("2026-11-23 10:05")
    archives.download_document(desk.runtime, "he.jing", doc, "打印存档", data_dir)
    with desk.runtime.store.read() as tx:
        events = [e for e in tx.chain_events("system") if e.action.startswith("archive.")]
    assert [(e.actor, e.action) for e in events] == [
        ("hu.xuemei", "archive.uploaded"),
        ("zhang.wei", "archive.viewed"),
        ("he.jing", "archive.downloaded"),
    ]
    viewed = events[1]
    assert viewed.data["household"] == LYC and viewed.data["document"] == doc
    assert viewed.data["why"] == "核对入伙日期"
    assert viewed.at == shanghai("2026-11-23 10:00")
    assert events[2].at == shanghai("2026-11-23 10:05")
    assert desk.runtime.verify_audit_chain() == []


def test_a_view_without_a_reason_is_refused(filed: tuple[Desk, int, Path]) -> None:
    desk, doc, data_dir = filed
    with pytest.raises(Exception, match="say why"):
        archives.view_document(desk.runtime, "zhang.wei", doc, "  ", data_dir)


def test_the_checklist_shows_what_is_missing(filed: tuple[Desk, int, Path]) -> None:
    desk, _doc, _data_dir = filed
    items = archives.checklist(desk.runtime, "zhang.wei", LYC, "入伙资料核查")
    present = [i.code for i in items if i.present]
    assert present == ["move_in_notice"]
    assert len(items) == 12 and "identity_confirmation" in [i.code for i in items if not i.present]


def test_documents_are_stored_with_their_sha256_and_a_changed_file_is_detected(
    filed: tuple[Desk, int, Path],
) -> None:
    desk, doc, data_dir = filed
    import hashlib

    item = next(i for i in archives.checklist(desk.runtime, "zhang.wei", LYC, "核查") if i.present)
    assert item.sha256 == hashlib.sha256(b"%PDF-1.4 move-in notice").hexdigest()
    stored = data_dir / "archives" / LYC / item.sha256
    stored.write_bytes(b"tampered")
    with pytest.raises(archives.ArchiveIntegrityError, match="restore it from the backup"):
        archives.view_document(desk.runtime, "zhang.wei", doc, "核对", data_dir)


def test_an_unknown_document_type_is_refused_with_the_known_ones(desk: Desk, tmp_path: Path) -> None:
    with pytest.raises(Exception, match="document type 'passport' is unknown; use one of move_in_notice"):
        archives.store_document(desk.runtime, "hu.xuemei", LYC, "passport", "x.pdf", b"x", tmp_path)
