"""Owner-archive pages (R5): the checklist asks why, the requester sees only the answer, files are guarded."""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

import pytest
from flask import Flask

from engine import archives, visitors
from tests.conftest import ROOT
from tests.webui.conftest import PASSWORD, Browser
from webui import archives as archive_pages
from webui.services import Services

LYC = "lyc-3-1-1202"


@pytest.fixture
def people(app: Flask, services: Services, login: Callable[[str], Browser]) -> Callable[[str], Browser]:
    """Sign in anyone of the demo org, with the archive pages registered and one document filed."""
    if "archives" not in app.blueprints:
        archive_pages.init_app(app)
    visitors.import_households(services.runtime, ROOT / "engine" / "demo" / "households.yaml")
    archives.store_document(
        services.runtime,
        "hu.xuemei",
        LYC,
        "vehicle_register",
        "车辆登记表.txt",
        "车牌 粤B·12345".encode(),
        services.data_dir,
    )

    def sign_in(name: str) -> Browser:
        services.set_password(name, PASSWORD)
        return login(name)

    return sign_in


def test_the_checklist_asks_why_then_shows_what_is_missing(people: Callable[[str], Browser]) -> None:
    zhang = people("zhang.wei")
    assert "查阅事由" in zhang.get(f"/archives/household/{LYC}").get_data(as_text=True)
    html = zhang.get(f"/archives/household/{LYC}?why=核查入伙资料").get_data(as_text=True)
    assert "车辆登记表" in html and "缺失" in html and "缺 11 / 12" in html


def test_a_guard_gets_no_checklist_and_no_file(people: Callable[[str], Browser], services: Services) -> None:
    guard = people("peng.jun")
    assert guard.get(f"/archives/household/{LYC}?why=看看").status_code == 403
    with services.store.read() as tx:
        doc = next(e.data["document"] for e in tx.chain_events("system") if e.action == "archive.uploaded")
    response = guard.get(f"/archives/document/{doc}?why=看看")
    assert response.status_code == 403 and "粤B" not in response.get_data(as_text=True)


def test_an_allowed_view_serves_the_file_and_is_audited(
    people: Callable[[str], Browser], services: Services
) -> None:
    zhang = people("zhang.wei")
    with services.store.read() as tx:
        doc = next(e.data["document"] for e in tx.chain_events("system") if e.action == "archive.uploaded")
    response = zhang.get(f"/archives/document/{doc}?why=联系车主")
    assert response.status_code == 200 and "粤B·12345" in response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    with services.store.read() as tx:
        viewed = [e for e in tx.chain_events("system") if e.action == "archive.viewed"]
    assert viewed[-1].actor == "zhang.wei" and viewed[-1].data["why"] == "联系车主"


def test_a_request_is_approved_relayed_and_the_requester_reads_only_the_answer(
    people: Callable[[str], Browser],
) -> None:
    guard, li, zhang = people("peng.jun"), people("li.na"), people("zhang.wei")
    response = guard.post(
        "/archives/request", {"household": LYC, "purpose": "业主车辆被刮", "question": "车牌号"}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    url = response.headers["Location"]
    li.get(url)
    li.post(f"{url}/approve", {"decision": "approve"})
    zhang.get(url)
    zhang.post(f"{url}/relay", {"answer": "车牌 粤B·12345", "documents": "vehicle_register"})
    html = guard.get(url).get_data(as_text=True)
    assert "车牌 粤B·12345" in html and "/archives/document/" not in html


def test_an_upload_is_filed_with_its_checksum(people: Callable[[str], Browser]) -> None:
    clerk = people("hu.xuemei")
    response = clerk.post(
        f"/archives/household/{LYC}/upload",
        {"doc_type": "owner_pledge", "why": "归档", "file": (BytesIO(b"pledge"), "承诺书.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    html = clerk.get(f"/archives/household/{LYC}?why=核查").get_data(as_text=True)
    assert "承诺书.pdf" in html and "缺 10 / 12" in html


def test_the_disposal_review_page_is_for_the_cs_manager_only(people: Callable[[str], Browser]) -> None:
    assert people("he.jing").get("/archives/disposal").status_code == 200
    assert people("zhang.wei").get("/archives/disposal").status_code == 403
