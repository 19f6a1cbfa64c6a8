"""What one request reads (issue 18, bench/load.py): the policy versions in force once per request, not at
every policy lookup; the case page reads the names of the people it shows, not of all staff. A version
published meanwhile (by this process or another one on the same database) shows from the next request."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event

from engine.policy_drafts import PolicyDesk
from engine.policy_versions import VersionedPolicies
from tests.webui.conftest import open_complaint


@contextmanager
def statements(services) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(services.store.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(services.store.engine, "before_cursor_execute", record)


def _published_heads(seen: list[str]) -> int:
    return sum(s.startswith("SELECT policy_drafts.id, policy_drafts.unit, policy_drafts.effective_at")
               for s in seen)


def test_an_inbox_page_of_many_rows_reads_the_policy_versions_once(login, services):
    wang = login("wang.fang")
    numbers = [open_complaint(wang, customer_phone=f"1380013800{i}") for i in range(6)]
    for path in ("/inbox?view=queue", f"/cases/{numbers[0]}"):
        with statements(services) as seen:
            html = wang.get(path).get_data(as_text=True)
        assert _published_heads(seen) == 1, (path, _published_heads(seen))
        assert numbers[0] in html
    api = services.issue_token("wang.fang", "test")
    with statements(services) as seen:
        body = wang.client.get("/api/v1/tasks?view=queue", headers={"Authorization": f"Bearer {api}"}).json
    assert body["total"] == 6 and _published_heads(seen) == 1


def test_the_case_page_reads_only_the_names_it_shows(login, services):
    wang = login("wang.fang")
    number = open_complaint(wang)
    with statements(services) as seen:
        html = wang.get(f"/cases/{number}").get_data(as_text=True)
    name_reads = [s for s in seen if s.startswith("SELECT staff.login, staff.name")]
    # the names (with the queue's holders: the active staff of its unit and departments, item 35)
    assert name_reads and all(" WHERE staff.login IN " in s for s in name_reads)
    assert "王芳" in html  # the first receiver and the timeline's actor, by name


def test_a_version_published_by_another_process_shows_from_the_next_request(login, services, clock):
    wang = login("wang.fang")
    number = open_complaint(wang)
    # another process: its own VersionedPolicies and desk on the same database
    other = VersionedPolicies(services.store, services.policies.directory, clock, services.policies.base)
    desk = PolicyDesk(services.store, other, clock)
    draft = desk.create("song.yu", "sz-property")
    desk.save("song.yu", draft.id, re.sub(r"reply: \d+ hours", "reply: 12 hours", draft.text, count=1))
    desk.submit("song.yu", draft.id)
    desk.review("lv.qing", draft.id, approve=True)
    assert services.policy("sz-property").get("consultation.reply") == "24 hours"
    desk.publish("song.yu", draft.id, clock.now())
    with services.request():
        assert services.policy("sz-property").get("consultation.reply") == "12 hours"
    assert wang.get(f"/cases/{number}").status_code == 200


def test_inside_one_request_a_publication_reads_the_versions_again(services, clock):
    desk = PolicyDesk(services.store, services.policies, clock)
    draft = desk.create("song.yu", "sz-property")
    desk.save("song.yu", draft.id, re.sub(r"reply: \d+ hours", "reply: 12 hours", draft.text, count=1))
    desk.submit("song.yu", draft.id)
    desk.review("lv.qing", draft.id, approve=True)
    with services.request(), statements(services) as seen:
        assert services.policies.effective("sz-property").get("consultation.reply") == "24 hours"
        assert services.policies.effective("sz-property-lyc").get("consultation.reply") == "24 hours"
        assert _published_heads(seen) == 1
        desk.publish("song.yu", draft.id, clock.now())
        assert services.policies.effective("sz-property").get("consultation.reply") == "12 hours"



@contextmanager
def most_connections(services) -> Iterator[list[int]]:  # type: ignore[no-untyped-def]
    """[the most pooled connections checked out at once] while the block runs."""
    out, most = [0], [0]

    def checkout(*_args) -> None:  # type: ignore[no-untyped-def]
        out[0] += 1
        most[0] = max(most[0], out[0])

    def checkin(*_args) -> None:  # type: ignore[no-untyped-def]
        out[0] -= 1

    pool = services.store.engine.pool
    event.listen(pool, "checkout", checkout)
    event.listen(pool, "checkin", checkin)
    try:
        yield most
    finally:
        event.remove(pool, "checkout", checkout)
        event.remove(pool, "checkin", checkin)


RAISE_ORDER = {"order_summary": "请物业部处理", "required_completion": "2026-11-27T17:00:00+08:00"}


def test_an_api_completion_never_reads_all_the_units_nor_the_task_twice(login, services):
    """A completion through the API: the token's staff member comes with their unit's name and chain
    (no read of every org unit) and the form is checked in the completion's own transaction, against
    the task row it locks (a read transaction of its own before)."""
    wang = login("wang.fang")
    open_complaint(wang)
    api = services.issue_token("wang.fang", "test")
    headers = {"Authorization": f"Bearer {api}"}
    item = wang.client.get("/api/v1/tasks?view=queue", headers=headers).json["items"][0]
    wang.client.post(f"/api/v1/tasks/{item['task_id']}/claim", headers=headers)
    bare = wang.client.application.test_client()  # the API's way: a token, no session cookie
    with statements(services) as seen:
        wrong = bare.post(f"/api/v1/tasks/{item['task_id']}/complete", headers=headers,
                          json={"task": "complaint.sign_order", "data": {"order_decision": "sign"}})
    assert wrong.status_code == 409 and "complaint.raise_order" in wrong.get_json()["error"]["message"]
    with statements(services) as seen:
        done = bare.post(f"/api/v1/tasks/{item['task_id']}/complete", headers=headers,
                         json={"task": "complaint.raise_order", "data": RAISE_ORDER})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert not [s for s in seen if s.startswith("SELECT org_units.code, org_units.name, org_units.kind")]
    assert sum("FROM inbox_tasks" in s for s in seen) == 1  # the case's rows, with the lock
    # the token and its staff member in one statement; the completion's transaction answers the
    # permission question with that staff member, not reading the row again
    [token] = [s for s in seen if "FROM api_tokens" in s]
    assert "FROM api_tokens LEFT OUTER JOIN (staff LEFT OUTER JOIN org_units" in token
    assert not [s for s in seen if s.startswith("SELECT staff.") and "WHERE staff.login =" in s]


def _staff_reads(seen: list[str]) -> int:
    return sum(s.startswith("SELECT staff.") and "WHERE staff.login =" in s for s in seen)


def test_a_requests_writes_use_the_staff_member_it_authenticated_as(login, services):
    """Intake, claim and completion through the API, and a claim on the page: the person's staff row
    is read with their token or session and not again by the write (issue 18: one round trip each)."""
    wang = login("wang.fang")
    api = services.issue_token("wang.fang", "test")
    headers = {"Authorization": f"Bearer {api}"}
    bare = wang.client.application.test_client()
    with statements(services) as seen:
        opened = bare.post("/api/v1/cases", headers=headers, json={"process": "complaint", "data": {
            "customer_name": "刘先生", "customer_phone": "13800138000", "room": "3栋1单元1202",
            "category": "facilities", "description": "楼上漏水", "customer_request": "尽快维修",
            "channel": "phone", "urgency": "normal", "scope": "household", "severity": "general",
            "read_back_confirmed": True}})
    assert opened.status_code == 201, opened.get_data(as_text=True)
    assert _staff_reads(seen) == 0 and sum("FROM api_tokens" in s for s in seen) == 1
    number = opened.get_json()["number"]
    task = services.runtime.get_case(number, "wang.fang").tasks[0].task_id
    with statements(services) as seen:
        assert wang.post(f"/tasks/{task}/claim", {"next": f"/cases/{number}"}).status_code == 302
    assert _staff_reads(seen) == 0 and sum("FROM web_sessions" in s for s in seen) == 1
    with statements(services) as seen:
        done = bare.post(f"/api/v1/tasks/{task}/complete", headers=headers,
                         json={"task": "complaint.raise_order", "data": RAISE_ORDER})
    assert done.status_code == 200, done.get_data(as_text=True)
    assert _staff_reads(seen) == 0


def test_a_staff_change_inside_a_request_reads_the_staff_row_again(services):
    """What a request authenticated as is kept for its writes only until staff rows change in it (the
    org admin, the org import); outside a web request nothing is kept."""
    from engine.runtime.access import load_staff
    from engine.store.authenticated import authenticated
    from engine.store.org_repo import OrgRepo

    store = services.store
    with store.read() as tx:
        record = tx.staff("wang.fang")
    assert record is not None
    authenticated(record)  # outside a request: not kept
    with store.read() as tx, statements(services) as seen:
        load_staff(tx, "wang.fang")
    assert _staff_reads(seen) == 1
    with services.request():
        authenticated(record)
        with store.read() as tx, statements(services) as seen:
            assert load_staff(tx, "wang.fang") is record
        assert _staff_reads(seen) == 0
        with store.write() as tx:
            OrgRepo(tx).update_staff("wang.fang", roles=[*record.roles, "cs_supervisor"])
        with store.read() as tx, statements(services) as seen:
            again = load_staff(tx, "wang.fang")
        assert _staff_reads(seen) == 1 and "cs_supervisor" in again.roles


def test_a_transitions_notifications_read_the_policy_in_its_own_transaction(login, services):
    """The notifications of a step read the versions in force inside the step's transaction when the
    request has not read them yet: one pooled connection at a time (they took a second one, a read
    beside every such write). A step that tells nobody does not read them at all (it did, every
    step: a round trip of each completion)."""
    from engine.worker.events import install

    install(services.runtime)  # as kefu serve does (build_services)
    wang = login("wang.fang")
    number = open_complaint(wang)
    task = services.runtime.get_case(number, "wang.fang").tasks[0]
    with services.request(), statements(services) as seen, most_connections(services) as most:
        services.runtime.complete_task(task.task_id, "wang.fang", RAISE_ORDER)  # tells nobody
    assert most[0] == 1
    assert _published_heads(seen) == 0
    tasks = services.runtime.get_case(number, "wang.fang").tasks
    sign = next(t for t in tasks if t.task_name == "sign_order")
    with services.store.read() as tx:
        before = tx.conn.exec_driver_sql("SELECT count(*) FROM outbox_messages").scalar()
    with services.request(), statements(services) as seen, most_connections(services) as most:
        services.runtime.complete_task(sign.task_id, "lin.lihua", {"order_decision": "sign"})  # R2.10
    with services.store.read() as tx:
        assert tx.conn.exec_driver_sql("SELECT count(*) FROM outbox_messages").scalar() > before  # told
    assert most[0] == 1
    assert _published_heads(seen) == 1


def test_an_intake_reads_the_policy_versions_once(login, services):
    """An intake through the API reads the versions in force once: the request's reading is the one the
    case pins (read in its transaction when the request has none yet) and its notifications use; it
    read them two or three times (the request, the opening's transaction, the notifications)."""
    from engine.worker.events import install

    install(services.runtime)  # as kefu serve does (build_services)
    wang = login("wang.fang")
    api = services.issue_token("wang.fang", "test")
    bare = wang.client.application.test_client()
    with statements(services) as seen:
        opened = bare.post("/api/v1/cases", headers={"Authorization": f"Bearer {api}"}, json={
            "process": "complaint", "data": {
                "customer_name": "刘先生", "customer_phone": "13800138000", "room": "3栋1单元1202",
                "category": "facilities", "description": "楼上漏水", "customer_request": "尽快维修",
                "channel": "phone", "urgency": "normal", "scope": "household", "severity": "general",
                "read_back_confirmed": True}})
    assert opened.status_code == 201, opened.get_data(as_text=True)
    assert _published_heads(seen) == 1
    with services.request(), statements(services) as seen:  # no reading yet: read in the transaction
        services.runtime.open_case("complaint", {
            "customer_name": "刘先生", "customer_phone": "13800138001", "room": "3栋1单元1203",
            "category": "facilities", "description": "楼上漏水", "customer_request": "尽快维修",
            "channel": "phone", "urgency": "normal", "scope": "household", "severity": "general",
            "read_back_confirmed": True}, "wang.fang")
    assert _published_heads(seen) == 1


def test_a_photo_upload_reads_the_case_row_not_the_case_view(login, services):
    """The upload answers the permission question with the case's row: not its tasks nor its audit
    timeline (the case view it read cost a third of the request)."""
    import io

    from PIL import Image

    wang = login("wang.fang")
    number = open_complaint(wang)
    api = services.issue_token("wang.fang", "test")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 190, 170)).save(buffer, format="PNG")
    bare = wang.client.application.test_client()
    with statements(services) as seen:
        response = bare.post(f"/api/v1/cases/{number}/attachments",
                             headers={"Authorization": f"Bearer {api}"},
                             data={"file": (io.BytesIO(buffer.getvalue()), "photo.png", "image/png")},
                             content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert not [s for s in seen if s.startswith("SELECT") and "FROM inbox_tasks" in s]
    assert not [s for s in seen if s.startswith("SELECT") and "FROM audit_events" in s]
    case_id = services.runtime.get_case(number, "wang.fang").id
    assert [a.filename for a in services.attachments(case_id)] == ["photo.png"]


def test_an_inbox_first_page_reads_no_empty_names_nor_a_count_of_nothing(login, services):
    """The inbox's first page needs no count of the dated rows before it (there are none), and a page
    of unclaimed tasks no names: two statements on ``inbox_tasks`` (the dated rows, the undated ones with
    the tab counts: item 55; the counts alone before, and four statements and a staff read before that),
    and two when a dated row brings the tab counts with it (item 47)."""
    wang = login("wang.fang")
    open_complaint(wang)
    token = services.issue_token("wang.fang", "test")
    for view, total in (("mine", 0), ("queue", 1)):
        with statements(services) as seen:
            body = wang.client.get(f"/api/v1/tasks?view={view}",
                                   headers={"Authorization": f"Bearer {token}"}).json
        assert body["total"] == total and len(body["items"]) == total
        assert not [s for s in seen if s.startswith("SELECT staff.login, staff.name FROM staff")], view
        assert sum("FROM inbox_tasks" in s for s in seen) == 2, (view, seen)
    with statements(services) as seen:
        html = wang.get("/inbox?view=mine").get_data(as_text=True)
    assert "我的任务" in html and sum("FROM inbox_tasks" in s for s in seen) == 2



def test_the_case_page_reads_its_attachments_with_their_uploaders_names(login, services):
    """The attachments and their uploaders' names in one statement (a second read of the names before);
    an uploader no staff row names shows as the login."""
    import io

    from PIL import Image

    from engine.store.models import Attachment

    wang = login("wang.fang")
    number = open_complaint(wang)
    api = services.issue_token("wang.fang", "test")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 190, 170)).save(buffer, format="PNG")
    response = wang.client.application.test_client().post(
        f"/api/v1/cases/{number}/attachments", headers={"Authorization": f"Bearer {api}"},
        data={"file": (io.BytesIO(buffer.getvalue()), "photo.png", "image/png")},
        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)
    case_id = services.runtime.get_case(number, "wang.fang").id
    with statements(services) as seen:
        [photo] = services.attachments(case_id)
    assert len(seen) == 1 and "FROM attachments LEFT OUTER JOIN staff" in seen[0], seen
    assert (photo.filename, photo.uploaded_by) == ("photo.png", "王芳")
    with services.store.write() as tx:
        tx.session.query(Attachment).filter(Attachment.case_id == case_id).update(
            {"uploaded_by": "gone.person"})
    assert services.attachments(case_id)[0].uploaded_by == "gone.person"


def test_the_inbox_page_reads_the_signed_in_person_once(login, services):
    """The inbox page's contact changes to acknowledge ask about the signed-in person: the session's
    read answers it (its staff row was read a second time)."""
    wang = login("wang.fang")
    with statements(services) as seen:
        assert "我的任务" in wang.get("/inbox").get_data(as_text=True)
    assert _staff_reads(seen) == 0 and sum("FROM web_sessions" in s for s in seen) == 1


def test_an_inbox_page_without_contact_changes_reads_no_organisation(login, services):
    """With no contact change to acknowledge (the usual case), the inbox page does not read every org
    unit to decide who may acknowledge what."""
    wang = login("wang.fang")
    with statements(services) as seen:
        assert "我的任务" in wang.get("/inbox").get_data(as_text=True)
    assert not [s for s in seen if s.startswith("SELECT org_units.")], seen


def test_the_case_page_finds_the_queues_departments_in_the_units_it_read(login, services):
    """Who holds a case's open queue counts the staff of its unit's departments: the case page has read
    every org unit already and finds the departments there, not in another read of ``org_units``; the
    holders are the same as the read's."""
    from engine.store.web_queries import group_holders

    wang = login("wang.fang")
    number = open_complaint(wang)
    [task] = services.runtime.get_case(number, "wang.fang").tasks
    assert task.candidate_group
    with statements(services) as seen:
        assert wang.get(f"/cases/{number}").status_code == 200
    assert len([s for s in seen if s.startswith("SELECT org_units.")]) == 1, seen  # every unit, once
    groups = [task.candidate_group, "org_admin@sz-property", "cs_manager@sz-property"]
    read = group_holders(services.store, groups)
    assert group_holders(services.store, groups, services.units()) == read and any(read.values())


def test_the_case_page_reads_its_names_and_its_queues_holders_together(login, services):
    """The names the case page shows and who holds its open task's queue come from one read of ``staff``
    (two before: the names, then the holders)."""
    wang = login("wang.fang")
    number = open_complaint(wang)
    [task] = services.runtime.get_case(number, "wang.fang").tasks
    assert task.candidate_group and task.assignee is None
    with statements(services) as seen:
        html = wang.get(f"/cases/{number}").get_data(as_text=True)
    assert len([s for s in seen if s.startswith("SELECT staff.")]) == 1, seen
    assert "王芳" in html and "无人可办" not in html  # the first receiver named; the queue has holders


def test_the_inbox_pages_bell_counts_with_the_tabs(login, services):
    """The inbox page's bell count comes in the tab counts' statement (a statement of its own before); the
    bell shows the unread notifications as before, and the htmx table, which has no bell, counts none."""
    from sqlalchemy import insert

    from engine.store.worker_repo import NOTES

    wang = login("wang.fang")
    at = services.clock.now()
    with services.store.write() as tx:
        tx.conn.execute(insert(NOTES), [
            {"key": f"n{i}", "recipient": "wang.fang", "kind": "info", "title": "t", "body": "b",
             "case_number": None, "created_at": at, "read_at": at if i == 0 else None} for i in range(4)])
    with statements(services) as seen:
        html = wang.get("/inbox").get_data(as_text=True)
    assert '<span class="count">3</span>' in html and "：3" in html
    # with the tab counts: alone, or with the rows' statements when a page has rows (item 47)
    bells = [s for s in seen if "FROM notifications" in s]
    assert bells and all("FROM inbox_tasks" in s for s in bells), seen
    alone = "SELECT count(*) AS count_1 FROM (SELECT notifications"
    assert not [s for s in seen if s.startswith(alone)], seen
    with statements(services) as seen:
        wang.get("/inbox?view=queue", headers={"HX-Request": "true"})
    assert not [s for s in seen if "FROM notifications" in s], seen
    assert '<span class="count">3</span>' in wang.get("/notifications/bell").get_data(as_text=True)


def test_the_case_page_runs_statements_built_once(login, services):
    """Two case pages of different cases run the very same statement objects: none is
    built, nor cache-keyed by SQLAlchemy, per request (the case by number, its timeline, its attachments,
    the names and holders and the bell's count were)."""
    wang = login("wang.fang")
    numbers = [open_complaint(wang, customer_name=name) for name in ("刘先生", "王女士")]
    runs: list[list[int]] = []

    def record(_conn, clauseelement, *_args) -> None:  # type: ignore[no-untyped-def]
        runs[-1].append(id(clauseelement))

    for number in numbers:
        wang.get(f"/cases/{number}")
        runs.append([])
        event.listen(services.store.engine, "before_execute", record)
        try:
            assert number in wang.get(f"/cases/{number}").get_data(as_text=True)
        finally:
            event.remove(services.store.engine, "before_execute", record)
    assert len(runs[0]) >= 8 and runs[0] == runs[1], runs


def test_the_inbox_page_runs_statements_built_once(login, services):
    """Two inbox pages (with other searches) run the very same statement objects: the rows and
    counts (item 33), and the contact changes and the systemic tasks to show beside them, were built,
    and cache-keyed by SQLAlchemy, on every page."""
    wang = login("wang.fang")
    open_complaint(wang)
    runs: list[list[int]] = []

    def record(_conn, clauseelement, *_args) -> None:  # type: ignore[no-untyped-def]
        runs[-1].append(id(clauseelement))

    for path in ("/inbox?view=queue&q=138", "/inbox?view=queue&q=8000"):
        runs.append([])
        event.listen(services.store.engine, "before_execute", record)
        try:
            assert "组内待领" in wang.get(path).get_data(as_text=True)
        finally:
            event.remove(services.store.engine, "before_execute", record)
    assert len(runs[0]) >= 6 and runs[0] == runs[1], runs


def test_an_inbox_pages_tab_counts_come_with_its_rows(login, services):
    """The tab counts (with the bell's) are columns of the page's first statement that brings rows, not
    a statement of their own (item 47); a page without rows has them from its last rows statement
    (item 55: alone before). The API list the same."""
    wang = login("wang.fang")
    for phone in ("13800138001", "13800138002"):
        open_complaint(wang, customer_phone=phone)
    alone = "SELECT (SELECT count(*)"
    with statements(services) as seen:
        html = wang.get("/inbox?view=queue").get_data(as_text=True)
    rows = [s for s in seen if s.startswith("SELECT inbox_tasks.task_id")]
    assert rows and "count(*)" in rows[0] and "FROM notifications" in rows[0], seen
    assert not [s for s in seen if s.startswith(alone)], seen
    assert re.search(r'data-view="queue">.*?<span class="count">2</span>', html, re.S), html
    with statements(services) as seen:  # nothing claimed: the undated rows' statement brings the counts
        html = wang.get("/inbox?view=mine").get_data(as_text=True)
    assert not [s for s in seen if s.startswith(alone)], seen
    last = [s for s in seen if "FROM inbox_tasks" in s][-1]
    assert "AS page ON" in last and "count(*)" in last and "FROM notifications" in last, seen
    assert '<span class="count">2</span>' in html
    token = services.issue_token("wang.fang", "test")
    with statements(services) as seen:
        body = wang.client.get("/api/v1/tasks?view=queue", headers={"Authorization": f"Bearer {token}"}).json
    assert body["total"] == 2 and body["counts"]["queue"] == 2, body
    assert not [s for s in seen if s.startswith(alone)], seen


def test_a_page_and_an_api_read_take_one_pooled_connection_and_a_write_two(login, services):
    """docs/scaling.md item 48: a page's session check and its reads (an inbox page made 4, a case page
    5, the API list 2) share one connection (``Store.one_connection``); an API step its token's read and
    its write, one after the other."""
    wang = login("wang.fang")
    number = open_complaint(wang)
    api = {"Authorization": f"Bearer {services.issue_token('wang.fang', 'test')}"}
    assert wang.client.get("/api/v1/tasks", headers=api).status_code == 200  # its first use is recorded
    taken: list[int] = []

    def checkout(*_args) -> None:  # type: ignore[no-untyped-def]
        taken.append(1)

    event.listen(services.store.engine, "checkout", checkout)
    try:
        for path in ("/inbox?view=queue", "/inbox?view=mine", f"/cases/{number}"):
            taken.clear()
            assert wang.get(path).status_code == 200
            assert len(taken) == 1, (path, len(taken))
        taken.clear()
        listed = wang.client.get("/api/v1/tasks?view=queue", headers=api).json
        assert len(taken) == 1
        [task] = [t for t in listed["items"] if t["number"] == number]
        taken.clear()
        claimed = wang.client.post(f"/api/v1/tasks/{task['task_id']}/claim", headers=api)
        assert claimed.status_code == 200 and len(taken) == 2
    finally:
        event.remove(services.store.engine, "checkout", checkout)
    assert services.store.engine.pool.checkedout() == 0
    assert wang.get(f"/cases/{number}").status_code == 200
