"""Sign-in, sign-out, sessions, CSRF and the language switch."""

from __future__ import annotations

import pytest

from tests.webui.conftest import PASSWORD, Browser, csrf_from


def test_login_page_is_chinese_by_default(client):
    page = client.get("/login")
    assert page.status_code == 200
    assert "登录" in page.get_data(as_text=True)


def test_anonymous_visitor_is_sent_to_login_with_next(client):
    response = client.get("/inbox?view=queue")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize("password", ["wrong", ""])
def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, password):
    browser = Browser(client)
    response = browser.post("/login", {"login": "wang.fang", "password": password})
    assert response.status_code == 401
    assert "登录名或密码错误" in response.get_data(as_text=True)


def test_unknown_login_is_refused_the_same_way(client):
    response = Browser(client).post("/login", {"login": "nobody", "password": PASSWORD})
    assert response.status_code == 401


def test_login_redirects_to_next_but_never_off_site(client):
    browser = Browser(client)
    ok = browser.post("/login?next=/inbox?view=queue", {"login": "wang.fang", "password": PASSWORD})
    assert ok.headers["Location"] == "/inbox?view=queue"
    other = Browser(client.application.test_client())
    evil = other.post("/login?next=//evil.example/", {"login": "wang.fang", "password": PASSWORD})
    assert evil.headers["Location"] == "/inbox"


def test_logout_ends_the_session(login):
    browser = login("wang.fang")
    assert browser.post("/logout").status_code == 302
    assert browser.client.get("/inbox").status_code == 302


def test_passwords_are_stored_hashed(services):
    from engine.store.web_queries import password_hash

    stored = password_hash(services.store, "wang.fang")
    assert stored and PASSWORD not in stored and stored.startswith(("scrypt:", "pbkdf2:"))


def test_post_without_csrf_token_is_refused(login):
    browser = login("wang.fang")
    response = browser.client.post("/cases/new", data={"customer_name": "x"})
    assert response.status_code == 400
    assert "表单已过期" in response.get_data(as_text=True)


def test_login_form_itself_needs_the_csrf_token(client):
    response = client.post("/login", data={"login": "wang.fang", "password": PASSWORD})
    assert response.status_code == 400


def test_language_switch_to_english_and_back(login):
    browser = login("wang.fang")
    browser.post("/lang/en", {"next": "/inbox"})
    html = browser.get("/inbox").get_data(as_text=True)
    assert "My tasks" in html and 'lang="en"' in html
    browser.post("/lang/zh_CN", {"next": "/inbox"})
    assert "我的任务" in browser.get("/inbox").get_data(as_text=True)


def test_every_page_carries_a_csrf_meta_token_for_htmx(login):
    browser = login("wang.fang")
    html = browser.get("/inbox").get_data(as_text=True)
    assert csrf_from(html)
    assert "X-CSRFToken" in html


@pytest.mark.parametrize("target", [
    "/%09/evil.example/phish", "/%0a/evil.example", "/%0d/evil.example", "/%5C/evil.example",
    "/%5Cevil.example", "%5C%5Cevil.example", "//evil.example", "///evil.example", "https://evil.example/",
    "javascript:alert(1)", "/%7F/evil.example", "evil.example", "http:/evil.example",
])
def test_login_never_redirects_off_site_whatever_the_encoding(client, target):
    browser = Browser(client)
    response = browser.post(f"/login?next={target}", {"login": "wang.fang", "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/inbox"


def test_the_language_switch_never_redirects_off_site(login):
    browser = login("wang.fang")
    response = browser.post("/lang/en", {"next": "/\t/evil.example"})
    assert response.headers["Location"] == "/inbox"
    assert browser.post("/lang/en", {"next": "/cases?q=a"}).headers["Location"] == "/cases?q=a"


def test_a_nul_in_next_is_refused_before_the_sign_in(client):
    form = {"login": "wang.fang", "password": PASSWORD}
    response = Browser(client).post("/login?next=/%00/evil.example", form)
    assert response.status_code == 422 and "evil.example" not in response.headers.get("Location", "")
