"""Issue 13 items 3 and 6 in the hostile suite: sessions and API tokens end on the server, on SQLite
and on PostgreSQL — a copied cookie or a leaked token stops working the moment it is revoked."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from tests.hostile.world import World

VICTIM, VICTIM_2 = "liu.yang", "chen.jing"  # CS specialists of 锦华园 (深圳物业); nobody else uses them here


def _cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def _replay(world: World, cookie: str) -> FlaskClient:
    thief = world.app.test_client()
    thief.set_cookie("session", cookie)
    return thief


def _signed_in(response) -> bool:  # type: ignore[no-untyped-def]
    return response.status_code == 200


def test_a_copied_cookie_dies_with_logout_and_with_log_out_everywhere(world: World) -> None:
    first = world.browser(VICTIM)
    saved = _cookie(first.client)
    assert _signed_in(_replay(world, saved).get("/inbox"))
    assert first.post("/logout").status_code == 302
    assert _replay(world, saved).get("/inbox").status_code == 302  # back to the login page

    one, two = world.browser(VICTIM), world.browser(VICTIM)
    del world.browsers[VICTIM]
    two_cookie = _cookie(two.client)
    assert one.post("/account/sessions/end-all").status_code == 302
    assert _replay(world, two_cookie).get("/inbox").status_code == 302
    assert one.client.get("/inbox").status_code == 302


def test_revoked_expired_and_deactivated_tokens_get_a_401(world: World) -> None:
    services, client = world.services, world.app.test_client()
    token = services.issue_token(VICTIM_2, "leaked")
    short = services.issue_token(VICTIM_2, "pilot", timedelta(hours=1))
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/tasks", headers=auth).status_code == 200
    [leaked] = [t for t in services.credentials.tokens(VICTIM_2) if t.label == "leaked"]
    services.credentials.revoke_token(str(leaked.id))
    refused = client.get("/api/v1/tasks", headers=auth)
    assert refused.status_code == 401 and refused.get_json()["error"]["reason"] == "revoked"

    browser = world.browser(VICTIM_2)
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {short}"}).status_code == 200
    admin = world.browser("xu.lan")  # 深圳物业's organisation administrator deactivates the account
    response = admin.post(f"/org/staff/{VICTIM_2}/deactivate", {"handover": "queue"})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    assert client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {short}"}).status_code == 401
    assert browser.client.get("/inbox").status_code == 302
    del world.browsers[VICTIM_2]


def test_a_token_of_the_other_subsidiary_reads_nothing_across(world: World) -> None:
    client, headers = world.api("fan.ming")
    number = world.ids["case"]["sz"]
    for path in (f"/api/v1/cases/{number}", f"/api/v1/cases/{number}/timeline"):
        response = client.get(path, headers=headers)
        assert response.status_code in (403, 404)
        assert world.ids["case"]["sz"] not in response.get_json()["error"]["message"]
