"""Server-side sessions: logout, log out everywhere, time limits, deactivation; API token refusals."""

from __future__ import annotations

from datetime import timedelta

from engine.org import load_org
from tests.webui.conftest import DEMO_ORG, PASSWORD, Browser


def _cookie(browser: Browser) -> str:
    cookie = browser.client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(app, cookie: str):
    """A different client presenting a saved copy of the session cookie."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def test_a_cookie_saved_before_logout_no_longer_opens_the_inbox(app, login):
    browser = login("wang.fang")
    saved = _cookie(browser)
    assert _replay(app, saved).get("/inbox").status_code == 200
    assert browser.post("/logout").status_code == 302
    response = _replay(app, saved).get("/inbox")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_the_session_cookie_holds_no_login_and_the_database_no_secret(app, login, services):
    browser = login("wang.fang")
    [row] = services.credentials.sessions("wang.fang")
    cookie = _cookie(browser)
    assert "wang.fang" not in cookie and row.id_hash not in cookie
    assert row.user_agent and row.ip == "127.0.0.1"


def test_the_account_page_lists_my_sessions_and_ends_another_one(app, login):
    phone, desk = login("wang.fang"), login("wang.fang")
    page = desk.get("/account").get_data(as_text=True)
    assert "当前会话" in page and "结束此会话" in page and "在所有设备上退出登录" in page
    ref = page.split('name="ref" value="')[1].split('"')[0]
    assert desk.post("/account/sessions/end", {"ref": ref}).status_code == 302
    assert "该会话已结束" in desk.get("/account").get_data(as_text=True)
    assert phone.client.get("/inbox").status_code == 302
    assert desk.client.get("/inbox").status_code == 200


def test_a_session_of_someone_else_cannot_be_ended_from_my_page(app, login, services):
    mine, theirs = login("wang.fang"), login("zhang.wei")
    [their_session] = services.credentials.sessions("zhang.wei")
    ref = services.credentials.ref(their_session)
    mine.post("/account/sessions/end", {"ref": ref})
    assert "没有找到这个会话" in mine.get("/account").get_data(as_text=True)
    assert theirs.client.get("/inbox").status_code == 200


def test_log_out_everywhere_ends_every_session_including_this_one(app, login):
    browsers = [login("wang.fang") for _ in range(3)]
    response = browsers[0].post("/account/sessions/end-all")
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert all(b.client.get("/inbox").status_code == 302 for b in browsers)


def test_log_out_everywhere_needs_the_csrf_token(login):
    browser = login("wang.fang")
    assert browser.client.post("/account/sessions/end-all").status_code == 400
    assert browser.client.get("/inbox").status_code == 200


def test_an_idle_session_ends_and_so_does_an_old_one(app, login, clock):
    browser = login("wang.fang")
    clock.advance(timedelta(hours=2, minutes=1))
    assert browser.client.get("/inbox").status_code == 302
    busy = login("wang.fang")
    for _ in range(12):
        clock.advance(timedelta(hours=1))
        busy.client.get("/inbox")
    assert busy.client.get("/inbox").status_code == 302


def test_deactivating_a_staff_member_ends_their_sessions_and_tokens(app, client, login, services):
    browser = login("wang.fang")
    token = services.issue_token("wang.fang", "hotline")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks", headers=auth).status_code == 200
    org = load_org(DEMO_ORG)
    staff = {k: v for k, v in org.staff.items() if k != "wang.fang"}
    services.runtime.import_org(type(org)(org.path, org.group, org.units, staff))
    assert browser.client.get("/inbox").status_code == 302
    refused = client.get("/api/v1/tasks", headers=auth)
    assert refused.status_code == 401
    error = refused.get_json()["error"]
    assert error["code"] == "api.E401" and error["reason"] == "revoked" and "revoked" in error["message"]
    again = Browser(app.test_client())
    assert again.post("/login", {"login": "wang.fang", "password": PASSWORD}).status_code == 401


def test_revoked_and_expired_tokens_get_a_clear_401(client, services, clock):
    token = services.issue_token("wang.fang", "hotline")
    short = services.issue_token("wang.fang", "pilot", timedelta(days=1))
    [first, second] = services.credentials.tokens("wang.fang")
    services.credentials.revoke_token(str(first.id))
    revoked = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert revoked.status_code == 401 and revoked.get_json()["error"]["reason"] == "revoked"
    assert revoked.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {short}"}).status_code == 200
    clock.advance(timedelta(days=1))
    expired = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {short}"})
    assert expired.status_code == 401 and "expired at" in expired.get_json()["error"]["message"]
    assert second.prefix in expired.get_json()["error"]["message"]


def test_a_token_of_a_staff_member_made_inactive_directly_is_refused(client, services):
    from sqlalchemy import update

    from engine.store.models import Staff

    token = services.issue_token("wang.fang", "hotline")
    with services.store.write() as tx:
        tx.conn.execute(update(Staff).where(Staff.login == "wang.fang").values(active=False))
    refused = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and refused.get_json()["error"]["reason"] == "inactive"
