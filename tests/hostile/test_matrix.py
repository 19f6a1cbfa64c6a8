"""Issue 13: the authorisation matrix — every demo role × every resource kind × own/other subsidiary,
read and write, through the web pages and the API, against a table of what each should be allowed.

The attackers work for 深圳物业 (SZP) or the group; "own" objects belong to 深圳物业, "other" ones to
华南区域 (HNR). A cell is *allowed* when the answer is not a refusal (2xx, 3xx, or a 409/422 that comes
after the permission check), *denied* on a 403 or 404. A denial on a page must say so in Chinese and
must not name the other subsidiary's object.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.hostile.conftest import FIGURES
from tests.hostile.world import World

# One demo login per role: (role, level). Group-level staff are above both subsidiaries.
ROLES = {
    "wang.fang": "cs_specialist", "li.na": "cs_supervisor", "lin.lihua": "cs_centre_gm",
    "he.jing": "cs_manager",
    "yang.fan": "department_head", "gao.jianhua": "expert_adviser", "deng.haitao": "engineer",
    "peng.jun": "security_guard", "hu.xuemei": "archive_clerk", "xu.lan": "org_admin",
    "zheng.xiaoyan": "cs_manager (group)", "gu.yan": "org_admin (group)", "qian.lu": "process_owner (group)",
}
GROUP = {"zheng.xiaoyan", "gu.yan", "qian.lu"}
SUBSIDIARY = set(ROLES) - GROUP
EVERYONE = set(ROLES)
FAQ_EDITORS = {"wang.fang", "li.na", "he.jing", "gao.jianhua", "zheng.xiaoyan"}  # consultation.faq_editors

# The table: (kind, operation) → (who may on their own side, who may on the other side).
# "In the subsidiary" (case.read and what follows it) is everyone of 深圳物业 plus the group.
EXPECTED: dict[tuple[str, str], tuple[set[str], set[str]]] = {
    ("case", "read"): (EVERYONE, GROUP),
    ("case", "write"): (EVERYONE, GROUP),                       # a comment
    ("task", "read"): (EVERYONE, GROUP),                        # the task on its case
    ("task", "write"): ({"wang.fang"}, set()),                  # claim: holders of its candidate group only
    ("visitor", "read"): (EVERYONE, GROUP),
    ("visitor", "write"): (EVERYONE, GROUP),                    # the host's answer taken by phone
    ("archive_request", "read"): (EVERYONE, GROUP),
    ("archive_request", "write"): (EVERYONE, GROUP),            # a request for a household's archive
    ("disposal", "read"): ({"he.jing", "zheng.xiaoyan"}, {"he.jing", "zheng.xiaoyan"}),  # the review page
    ("disposal", "write"): ({"he.jing", "zheng.xiaoyan"}, {"zheng.xiaoyan"}),           # a legal hold
    ("dispatch_order", "read"): (EVERYONE, GROUP),
    ("faq", "read"): (EVERYONE, EVERYONE),                      # the book is the group's
    ("faq", "write"): (FAQ_EDITORS, FAQ_EDITORS),
    ("org", "read"): ({"xu.lan", "gu.yan"}, {"gu.yan"}),
    ("org", "write"): ({"xu.lan", "gu.yan"}, {"gu.yan"}),      # a password reset of a staff member
    ("calendar", "read"): (EVERYONE, EVERYONE),
    ("calendar", "write"): ({"gu.yan"}, {"gu.yan"}),            # publish a year (group org_admin)
    # R2.18 a subsidiary's weekly list: its managers read it (not a project's supervisor), the group's
    # too; only its reviewer (complaint.escalation.leftover_review_to, the CS-centre GM) signs it
    ("review", "read"): ({"he.jing", "lin.lihua", "zheng.xiaoyan"}, {"zheng.xiaoyan"}),
    ("review", "write"): ({"lin.lihua"}, set()),
}


@dataclass
class Probe:
    """One request of a cell: the method, the path and what to send."""

    method: str
    path: str
    form: dict[str, Any] | None = None
    files: bool = False


def _web_probe(world: World, kind: str, op: str, side: str) -> Probe:
    ids = {k: v[side] for k, v in world.ids.items()}
    return {
        ("case", "read"): Probe("GET", f"/cases/{ids['case']}"),
        ("case", "write"): Probe("POST", f"/cases/{ids['case']}/comments", {"text": "矩阵测试"}),
        ("task", "read"): Probe("GET", f"/cases/{ids['matrix_case']}"),
        ("task", "write"): Probe("POST", f"/tasks/{ids['matrix_task']}/claim", {}),
        ("visitor", "read"): Probe("GET", f"/visitors/{ids['visit']}"),
        ("visitor", "write"): Probe("POST", f"/visitors/{ids['visit']}/host", {"answer": "accepted"}),
        ("archive_request", "read"): Probe("GET", f"/archives/requests/{ids['archive_request']}"),
        ("archive_request", "write"): Probe("POST", "/archives/request", {
            "household": ids["household"], "purpose": "核实车位", "question": "车牌号"}),
        ("disposal", "read"): Probe("GET", "/archives/disposal"),
        ("disposal", "write"): Probe("POST", "/archives/disposal", {"record": ids["record"], "action": "hold",
                                                                   "note": "诉讼保全"}),
        ("dispatch_order", "read"): Probe("GET", f"/repair/{ids['repair']}/order"),
        ("faq", "read"): Probe("GET", f"/faq/{ids['faq']}"),
        ("faq", "write"): Probe("POST", "/faq/new", {"line": "property", "question": f"矩阵测试问题{side}？",
                                                     "answer": "矩阵测试答案。", "keywords": "矩阵"}),
        ("org", "read"): Probe("GET", f"/org/units/{ids['unit']}"),
        ("org", "write"): Probe("POST", f"/org/staff/{ids['staff']}/password", {}),
        ("review", "read"): Probe("GET", f"/reviews/{ids['review']}"),
        ("review", "write"): Probe("POST", f"/reviews/{ids['review']}/sign", {}),
        ("calendar", "read"): Probe("GET", "/calendar"),
        ("calendar", "write"): Probe("POST", "/calendar/publish", {"year": "2031", "region": "", "notice": "",
                                                                   "amendment": ""}),
    }[(kind, op)]


# Kinds that belong to the whole group: "own" and "other" are the same book and calendar.
GROUP_WIDE = {"faq", "calendar"}
API_CELLS = {("case", "read"), ("case", "write"), ("task", "read"), ("task", "write")}


def _api_probe(world: World, kind: str, op: str, side: str) -> Probe:
    ids = {k: v[side] for k, v in world.ids.items()}
    return {
        ("case", "read"): Probe("GET", f"/api/v1/cases/{ids['case']}"),
        ("case", "write"): Probe("POST", f"/api/v1/cases/{ids['case']}/attachments", files=True),
        ("task", "read"): Probe("GET", f"/api/v1/cases/{ids['matrix_case']}"),
        ("task", "write"): Probe("POST", f"/api/v1/tasks/{ids['matrix_task']}/claim"),
    }[(kind, op)]


def _outcome(status: int) -> str:
    if status in (403, 404):
        return "deny"
    if status < 400 or status in (409, 422):
        return "allow"
    return f"error {status}"


def _detail(html: str) -> str:
    return html.split('<p class="detail">', 1)[1].split("</p>", 1)[0] if '<p class="detail">' in html else ""


def _send(call: Callable[..., Any], probe: Probe, **extra: Any) -> Any:
    if probe.method == "GET":
        return call("GET", probe.path, **extra)
    if probe.files:
        photo = (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 40), "m.png")
        return call("POST", probe.path, data={"file": photo}, content_type="multipart/form-data", **extra)
    return call("POST", probe.path, **extra, **({"data": probe.form} if probe.form is not None else {}))


def _release(world: World, login: str, task: str) -> None:
    """Put a claimed task back, so the next attacker finds it as it was."""
    world.services.runtime.release_task(task, login)


def _cells() -> list[tuple[str, str, str]]:
    return [(kind, op, side) for (kind, op) in EXPECTED for side in ("own", "other")]


@pytest.mark.parametrize("login", sorted(ROLES))
def test_every_role_gets_exactly_what_the_table_allows(world: World, login: str) -> None:
    prepare_matrix(world)
    browser = world.browser(login)
    client, headers = world.api(login)
    wrong: list[str] = []
    leaks: list[str] = []
    cross = 0
    tried = 0

    def web(method: str, path: str, **kw: Any) -> Any:
        if method == "GET":
            return browser.get(path)
        data = dict(kw.pop("data", {}) or {})
        data["csrf_token"] = browser.token
        return browser.client.post(path, data=data, **kw)

    def api(method: str, path: str, **kw: Any) -> Any:
        return client.open(path, method=method, headers=headers, **kw)

    for kind, op, side in _cells():
        own, other = EXPECTED[(kind, op)]
        expected = "allow" if login in (own if side == "own" else other) else "deny"
        channels = [("web", _web_probe(world, kind, op, "sz" if side == "own" else "hn"), web)]
        if (kind, op) in API_CELLS:
            channels.append(("api", _api_probe(world, kind, op, "sz" if side == "own" else "hn"), api))
        for channel, probe, call in channels:
            response = _send(call, probe)
            tried += 1
            got = _outcome(response.status_code)
            if kind == "task" and op == "write" and response.status_code == 200 or (
                    response.status_code == 302 and probe.path.startswith("/tasks/")):
                _release(world, login, probe.path.split("/")[-2])
            if got != expected:
                wrong.append(f"{login} {kind} {op} {side} via {channel}: expected {expected}, got "
                             f"{response.status_code} {probe.method} {probe.path}")
            if got == "allow" and side == "other" and op == "write" and login in SUBSIDIARY \
                    and kind not in GROUP_WIDE:
                cross += 1
            if got == "deny" and channel == "web" and response.status_code == 403:
                detail = _detail(response.get_data(as_text=True))
                foreign = [v["hn"] for v in world.ids.values() if v["hn"] in detail and len(v["hn"]) > 4]
                if not any("\u4e00" <= ch <= "\u9fff" for ch in detail) or foreign:
                    leaks.append(f"{login} {kind} {op} {side}: {detail!r}")
    figures = FIGURES[world.backend]  # type: ignore[attr-defined]
    figures.update(requests=tried, matrix=tried, cross_writes=cross)  # Counter.update adds
    assert not wrong, "\n".join(wrong)
    assert not leaks, "\n".join(leaks)
    assert cross == 0


def prepare_matrix(world: World) -> None:
    """A fresh complaint on each side whose first task nobody holds yet (the claim cells need one)."""
    if "matrix_task" in world.ids:
        return
    from tests.webui.conftest import INTAKE

    cases, tasks = {}, {}
    for side, receiver in (("sz", "wang.fang"), ("hn", "fan.ming")):
        view = world.services.runtime.open_case("complaint", INTAKE, receiver)
        cases[side] = view.number
        tasks[side] = view.tasks[0].task_id
    world.ids["matrix_case"], world.ids["matrix_task"] = cases, tasks
