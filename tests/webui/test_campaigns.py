"""The 回访调查 pages (R6.3): open a campaign, record visits both ways, follow the coverage; every
route refused to the other subsidiary with nothing changed."""

from __future__ import annotations

from io import BytesIO

import pytest
from openpyxl import load_workbook

from engine.campaigns import Campaigns
from engine.store.campaign_repo import CampaignRepo
from engine.store.visitor_repo import VisitorRepo

PDF = b"%PDF-1.4\n% signed\n"


@pytest.fixture(autouse=True)
def _setup(services):
    from tests.webui.conftest import PASSWORD

    for login in ("he.jing", "feng.tingting", "shi.lei"):
        services.set_password(login, PASSWORD)
    with services.store.write() as tx:
        for n in range(4):
            VisitorRepo(tx).upsert_household(f"lyc-w-{n}", "sz-property-lyc", f"7栋{n}0{n}", f"业主{n}")


def _opened(services) -> int:
    book = Campaigns(services.store, services.clock, services.policies, services.data_dir)
    return book.open("he.jing", "sz-property-lyc", "opinion").id


def _reached(services, campaign: int) -> int:
    with services.store.read() as tx:
        return CampaignRepo(tx).counts(campaign)[1]


def test_a_manager_opens_and_a_specialist_records_both_kinds_of_visit(login, services):
    he = login("he.jing")
    assert "开启本期回访调查" in he.get("/campaigns").get_data(as_text=True)
    opened = he.post("/campaigns", {"project": "sz-property-lyc", "kind": "opinion"})
    assert opened.status_code == 302
    url = opened.headers["Location"]
    wang = login("wang.fang")
    page = wang.get(url).get_data(as_text=True)
    assert "意见征询回访" in page and "7栋000 业主0" in page
    bad = wang.post(f"{url}/visits", {"household": "lyc-w-0", "method": "phone", "record": "电梯噪音"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert "电话回访记录须2人签字" in html and "电梯噪音" in html
    ok = wang.post(
        f"{url}/visits",
        {"household": "lyc-w-0", "method": "phone", "record": "电梯噪音", "second_signer": "zhang.wei"},
    )
    assert ok.status_code == 302
    signed = wang.post(
        f"{url}/visits",
        {
            "household": "lyc-w-1",
            "method": "signed_survey",
            "record": "满意",
            "signed_form": (BytesIO(PDF), "form.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert signed.status_code == 302
    page = wang.get(url).get_data(as_text=True)
    assert "50.0%" in page and "未达到目标回访率" in page  # 2 of 4; 98 % of 4 needs all 4
    book = load_workbook(BytesIO(wang.get(f"{url}.xlsx").data))
    assert [c.value for c in book["进度"]["B"]][1:3] == [4, 2]
    assert [r[0].value for r in book["未回访住户"].iter_rows(min_row=2)] == ["7栋202", "7栋303"]


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/campaigns/{id}", None),
        ("get", "/campaigns/{id}.xlsx", None),
        (
            "post",
            "/campaigns/{id}/visits",
            {"household": "lyc-w-0", "method": "phone", "record": "x", "second_signer": "tian.tian"},
        ),
        ("post", "/campaigns", {"project": "sz-property-lyc", "kind": "survey"}),
    ],
)
@pytest.mark.parametrize("who", ["feng.tingting", "shi.lei", "fan.ming"])
def test_the_other_subsidiary_gets_403_and_nothing_changes(login, services, method, path, data, who):
    campaign = _opened(services)
    other = login(who)
    url = path.format(id=campaign)
    response = other.get(url) if method == "get" else other.post(url, data)
    assert response.status_code == 403
    assert _reached(services, campaign) == 0
    with services.store.read() as tx:
        assert len(CampaignRepo(tx).campaigns()) == 1
    assert "丽雅苑" not in other.get("/campaigns").get_data(as_text=True)


def test_a_bad_open_form_comes_back_with_what_was_typed(login):
    he = login("he.jing")
    bad = he.post("/campaigns", {"project": "sz-property-lyc", "kind": "weekly"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "has-error" in html
    assert 'value="sz-property-lyc" selected' in html
