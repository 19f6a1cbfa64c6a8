"""In-app notifications (issue 15): the bell's unread count, the list, read per person, from the outbox."""

from __future__ import annotations

from sqlalchemy import text

from engine.store.worker_repo import WorkerRepo
from tests.webui.conftest import PASSWORD, open_complaint


def _notify(services, login: str, key: str, title: str, case: str | None = None) -> None:
    with services.store.write() as tx:
        WorkerRepo(tx).add_notification(key=key, recipient=login, kind="test", title=title,
                                        body=f"{title}的正文", case_number=case,
                                        created_at=services.clock.now())


def test_the_bell_counts_unread_notices_and_read_is_per_person(login, services) -> None:
    _notify(services, "wang.fang", "a", "【投诉量预警】有效投诉8宗")
    _notify(services, "wang.fang", "b", "第二条通知")
    _notify(services, "zhang.wei", "c", "张伟的通知")
    fang = login("wang.fang")
    inbox = fang.get("/inbox").get_data(as_text=True)
    assert 'id="bell"' in inbox and '<span class="count">2</span>' in inbox
    page = fang.get("/notifications").get_data(as_text=True)
    assert "【投诉量预警】有效投诉8宗" in page and "第二条通知" in page and "张伟的通知" not in page
    with services.store.read() as tx:
        mine = WorkerRepo(tx).notifications("wang.fang")
    assert fang.post("/notifications/read", {"id": str(mine[0].id)}).status_code == 302
    assert '<span class="count">1</span>' in fang.get("/notifications/bell").get_data(as_text=True)
    assert fang.post("/notifications/read", {"id": "x"}).status_code == 400
    # another person's notice cannot be marked read by her
    with services.store.read() as tx:
        [theirs] = WorkerRepo(tx).notifications("zhang.wei")
    fang.post("/notifications/read", {"id": str(theirs.id)})
    wei = login("zhang.wei")
    assert '<span class="count">1</span>' in wei.get("/notifications/bell").get_data(as_text=True)
    assert fang.post("/notifications/read", {}).status_code == 302  # all of hers
    assert 'class="count"' not in fang.get("/notifications/bell").get_data(as_text=True)
    assert '<span class="count">1</span>' in wei.get("/notifications/bell").get_data(as_text=True)


def test_a_notice_of_a_case_opens_the_case_and_is_read(login, services) -> None:
    fang = login("wang.fang")
    number = open_complaint(fang)
    _notify(services, "wang.fang", "d", "督办令已签发", case=number)
    with services.store.read() as tx:
        [notice] = WorkerRepo(tx).notifications("wang.fang")
    response = fang.post(f"/notifications/{notice.id}/open", {"case": number})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{number}")
    with services.store.read() as tx:
        assert WorkerRepo(tx).notifications("wang.fang")[0].read_at is not None


def test_the_engines_in_app_channel_reaches_the_bell(login, services) -> None:
    """A signed 督办令 tells the responsible department at once (R2.10): their bell shows it."""
    from engine.worker.events import install

    install(services.runtime)  # as build_services does: notifications in the step's transaction
    fang = login("wang.fang")
    number = open_complaint(fang)
    runtime = services.runtime
    task = next(t for t in runtime.get_case(number, "wang.fang").tasks if t.task_name == "raise_order")
    runtime.complete_task(task.task_id, "wang.fang", {"order_summary": "上门查看漏水",
                                                      "required_completion": "2026-11-25T17:00"})
    sign = next(t for t in runtime.get_case(number, "wang.fang").tasks if t.task_name == "sign_order")
    runtime.complete_task(sign.task_id, "lin.lihua", {"order_decision": "sign"})
    with services.store.read() as tx:
        notes = tx.conn.execute(text("SELECT recipient, title FROM notifications WHERE case_number = :n"),
                                {"n": number}).all()
    assert notes, "the signed order told nobody in-app"
    recipient, title = notes[0]
    services.set_password(recipient, PASSWORD)
    page = login(recipient).get("/notifications").get_data(as_text=True)
    assert title in page
