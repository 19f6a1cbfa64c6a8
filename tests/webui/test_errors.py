"""Errors: KefuError → friendly 4xx in the user's language; anything else → logged generic 500, no leak."""

from __future__ import annotations

import pytest

from engine.errors import ConflictError, FormError, KefuError, NotFoundError, PermissionDenied
from webui.errors import status_of


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFoundError("x"), 404),
        (PermissionDenied("x"), 403),
        (ConflictError("x"), 409),
        (FormError("x"), 422),
        (KefuError("x"), 400),
    ],
)
def test_engine_errors_map_to_4xx(error, status):
    assert status_of(error) == status


def _boom(app, exc):
    def view():
        raise exc

    app.add_url_rule("/boom", "boom", view)
    app.add_url_rule("/api/v1/boom", "api_boom", view)


def test_unexpected_error_is_a_generic_500_without_its_text(app, client, caplog):
    _boom(app, RuntimeError("secret database password in here"))
    response = client.get("/boom")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret" not in html and "RuntimeError" not in html
    assert "已记录日志" in html
    assert "secret database password" in caplog.text  # logged for the operator


def test_unexpected_api_error_is_json_500(app, client):
    _boom(app, ValueError("internal detail"))
    response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "kefu.E500"
    assert "internal detail" not in response.get_data(as_text=True)


def test_permission_error_page_is_in_the_users_language(app, client, login):
    _boom(app, PermissionDenied("wang.fang may not do that"))
    browser = login("wang.fang")
    zh = browser.get("/boom").get_data(as_text=True)
    assert "您无权执行此操作" in zh
    browser.post("/lang/en", {"next": "/inbox"})
    assert "You are not allowed to do this." in browser.get("/boom").get_data(as_text=True)


def test_unknown_route_is_a_friendly_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404 and "未找到" in response.get_data(as_text=True)


def test_wrong_method_is_405(client):
    assert client.get("/logout").status_code == 405


def test_oversized_upload_is_413(app, login):
    from io import BytesIO

    browser = login("wang.fang")
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = browser.post(
        "/cases/TS-1/attachments",
        {"file": (BytesIO(b"x" * 5000), "a.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413 and "文件太大" in response.get_data(as_text=True)
