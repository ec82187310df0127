"""Sessions that last: short access tokens with rotating refresh tokens, the list of one's sessions and
signing out (one, all), the web application's session cookie and the CSRF check that guards it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from structlog.testing import CapturingLogger

from borderhub.app import create_app
from borderhub.composition import Composition, compose
from borderhub.settings import Settings
from kernel import clock
from kernel.db import transaction
from marketplace.identity import sessions as identity_sessions
from marketplace.identity.sessions import revoke_sessions
from tests.factories.identity import PASSWORD, Account, register

Client = AsyncTestClient[Any]
ME = "/api/v1/me"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def login(client: Client, account: Account, user_agent: str = "test-agent/1.0") -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/login",
        json={"email": account.email, "password": PASSWORD},
        headers={"User-Agent": user_agent},
    )
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


async def refresh(client: Client, refresh_token: str) -> Any:
    return await client.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


async def status_of_me(client: Client, token: str) -> int:
    return (await client.get(ME, headers=bearer(token))).status_code


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


# --- access and refresh tokens -------------------------------------------------------------------


async def test_login_gives_a_short_access_token_and_a_refresh_token_when_the_password_is_right(
    client: Client,
) -> None:
    account = await register(client)
    tokens = await login(client, account)
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 900
    assert tokens["refresh_token"].startswith("bhr_")
    assert tokens["refresh_expires_in"] == 30 * 86400
    assert await status_of_me(client, tokens["access_token"]) == 200


async def test_refresh_gives_a_new_pair_and_the_spent_refresh_token_no_longer_works_when_used(
    client: Client,
) -> None:
    account = await register(client)
    first = await login(client, account)
    renewed = await refresh(client, first["refresh_token"])
    assert renewed.status_code == 200, renewed.text
    second = renewed.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["expires_in"] == 900
    assert await status_of_me(client, second["access_token"]) == 200
    # The spent token is refused...
    assert_problem(await refresh(client, first["refresh_token"]), 401)
    assert_problem(await refresh(client, "bhr_never-issued"), 401)


async def test_reusing_a_spent_refresh_token_signs_its_whole_session_out_when_it_was_copied(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = CapturingLogger()
    monkeypatch.setattr(identity_sessions, "_log", log)
    account = await register(client)
    elsewhere = await login(client, account, user_agent="another device")
    stolen = await login(client, account)
    newest = (await refresh(client, stolen["refresh_token"])).json()
    reused = await refresh(client, stolen["refresh_token"])
    assert "already used" in assert_problem(reused, 401)["detail"]
    # The revocation was committed despite the 401: the session's newest tokens stop working too.
    assert await status_of_me(client, newest["access_token"]) == 401
    assert_problem(await refresh(client, newest["refresh_token"]), 401)
    # ...and the owner's other sign-ins are left alone.
    assert await status_of_me(client, elsewhere["access_token"]) == 200
    assert [call.method_name for call in log.calls] == ["warning"]


async def test_refresh_token_is_refused_when_expired_and_lives_on_while_used(client: Client) -> None:
    account = await register(client)
    unused = await login(client, account)
    used = await login(client, account)
    with clock.travel(dt.timedelta(days=29)):
        used = (await refresh(client, used["refresh_token"])).json()
    with clock.travel(dt.timedelta(days=30, seconds=1)):
        expired = await refresh(client, unused["refresh_token"])
        assert "expired" in assert_problem(expired, 401)["detail"]
    with clock.travel(dt.timedelta(days=58)):  # 29 days after its last refresh
        again = await refresh(client, used["refresh_token"])
        assert again.status_code == 200, again.text


# --- the list of my sessions, and ending them ----------------------------------------------------


async def test_sessions_list_shows_only_mine_and_marks_the_current_one(client: Client) -> None:
    mine, theirs = await register(client), await register(client)
    phone = await login(client, mine, user_agent="Borderhub for Android")
    laptop = await login(client, mine, user_agent="Firefox on a laptop")
    await login(client, theirs)
    listed = await client.get(f"{ME}/sessions", headers=bearer(phone["access_token"]))
    assert listed.status_code == 200, listed.text
    sessions = listed.json()
    # register() signed in once too
    assert len(sessions) == 3
    current = [s for s in sessions if s["current"]]
    assert [s["user_agent"] for s in current] == ["Borderhub for Android"]
    assert {s["user_agent"] for s in sessions} >= {"Borderhub for Android", "Firefox on a laptop"}
    assert {s["kind"] for s in sessions} == {"token"}
    assert all(s["expires_at"] > s["created_at"] for s in sessions)
    from_laptop = (await client.get(f"{ME}/sessions", headers=bearer(laptop["access_token"]))).json()
    assert [s["user_agent"] for s in from_laptop if s["current"]] == ["Firefox on a laptop"]


async def test_ending_a_session_signs_it_out_and_another_users_session_is_404(client: Client) -> None:
    mine, theirs = await register(client), await register(client)
    phone = await login(client, mine, user_agent="phone")
    laptop = await login(client, mine, user_agent="laptop")
    their_sessions = (await client.get(f"{ME}/sessions", headers=theirs.headers)).json()
    refused = await client.delete(f"{ME}/sessions/{their_sessions[0]['id']}", headers=bearer(phone["access_token"]))
    assert_problem(refused, 404)
    assert await status_of_me(client, theirs.token) == 200
    assert_problem(await client.delete(f"{ME}/sessions/{uuid.uuid4()}", headers=bearer(phone["access_token"])), 404)

    sessions = (await client.get(f"{ME}/sessions", headers=bearer(phone["access_token"]))).json()
    [laptop_session] = [s for s in sessions if s["user_agent"] == "laptop"]
    ended = await client.delete(f"{ME}/sessions/{laptop_session['id']}", headers=bearer(phone["access_token"]))
    assert ended.status_code == 204, ended.text
    assert await status_of_me(client, laptop["access_token"]) == 401
    assert_problem(await refresh(client, laptop["refresh_token"]), 401)
    assert await status_of_me(client, phone["access_token"]) == 200
    left = (await client.get(f"{ME}/sessions", headers=bearer(phone["access_token"]))).json()
    assert laptop_session["id"] not in {s["id"] for s in left}


async def test_sign_out_everywhere_makes_every_token_of_mine_401_at_once_but_keeps_api_keys(client: Client) -> None:
    account, other = await register(client), await register(client)
    phone = await login(client, account)
    laptop = await login(client, account)
    key = (await client.post(f"{ME}/api-keys", json={"name": "script"}, headers=bearer(phone["access_token"]))).json()
    done = await client.post(f"{ME}/sessions/sign-out-everywhere", headers=bearer(phone["access_token"]))
    assert done.status_code == 204, done.text
    for token in (account.token, phone["access_token"], laptop["access_token"]):
        assert await status_of_me(client, token) == 401
    assert_problem(await refresh(client, laptop["refresh_token"]), 401)
    assert (await client.get(ME, headers={"X-API-Key": key["key"]})).status_code == 200
    assert await status_of_me(client, other.token) == 200


async def test_sign_out_everywhere_keeps_the_current_session_when_asked(client: Client) -> None:
    account = await register(client)
    phone = await login(client, account)
    done = await client.post(
        f"{ME}/sessions/sign-out-everywhere", json={"keep_current": True}, headers=bearer(phone["access_token"])
    )
    assert done.status_code == 204, done.text
    assert await status_of_me(client, phone["access_token"]) == 200
    assert await status_of_me(client, account.token) == 401
    assert len((await client.get(f"{ME}/sessions", headers=bearer(phone["access_token"]))).json()) == 1


async def test_logout_ends_only_the_current_session(client: Client) -> None:
    account = await register(client)
    phone = await login(client, account)
    out = await client.post("/api/v1/auth/logout", headers=bearer(phone["access_token"]))
    assert out.status_code == 204, out.text
    assert await status_of_me(client, phone["access_token"]) == 401
    assert_problem(await refresh(client, phone["refresh_token"]), 401)
    assert await status_of_me(client, account.token) == 200
    key = (await client.post(f"{ME}/api-keys", json={"name": "script"}, headers=account.headers)).json()
    assert_problem(await client.post("/api/v1/auth/logout", headers={"X-API-Key": key["key"]}), 403)


async def test_revoke_sessions_keeps_the_excepted_session_when_a_password_changes(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    account = await register(client)
    kept = await login(client, account, user_agent="kept")
    ended = await login(client, account, user_agent="ended")
    listed = (await client.get(f"{ME}/sessions", headers=bearer(kept["access_token"]))).json()
    [kept_id] = [s["id"] for s in listed if s["current"]]
    async with transaction(sessions) as session:
        revoked = await revoke_sessions(session, account.id, except_session_id=uuid.UUID(kept_id))
    assert len(revoked) == 2
    assert await status_of_me(client, kept["access_token"]) == 200
    assert (await refresh(client, kept["refresh_token"])).status_code == 200
    assert await status_of_me(client, ended["access_token"]) == 401
    assert await status_of_me(client, account.token) == 401


# --- the web application's session cookie, and CSRF ----------------------------------------------


@pytest.fixture
async def secure_client(app: Litestar, settings: Settings, composition: Composition) -> AsyncIterator[Client]:
    """A client reaching the service over https (an app of its own: one test client per app)."""
    async with AsyncTestClient(
        app=create_app(settings, composition), base_url="https://testserver.local"
    ) as test_client:
        yield test_client


async def csrf_token(client: Client) -> str:
    answer = await client.get("/api/v1/auth/csrf")
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["csrf_token"]
    assert client.cookies.get("borderhub_csrf") == token
    return token


async def cookie_sign_in(client: Client, account: Account) -> Any:
    token = await csrf_token(client)
    return await client.post(
        "/api/v1/auth/session",
        json={"email": account.email, "password": PASSWORD},
        headers={"X-CSRF-Token": token, "User-Agent": "Firefox"},
    )


def set_cookie(response: Any, name: str) -> list[str]:
    """The attributes of the cookie `name` set by `response`, lower-cased, without its value."""
    [header] = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    return [part.strip().lower() for part in header.split(";")[1:]]


async def test_cookie_sign_in_sets_an_http_only_lax_cookie_secure_only_over_https(
    client: Client, secure_client: Client
) -> None:
    account = await register(client)
    plain = await cookie_sign_in(client, account)
    assert plain.status_code == 200, plain.text
    assert plain.json()["kind"] == "cookie"
    assert plain.json()["current"] is True
    attributes = set_cookie(plain, "borderhub_session")
    assert {"httponly", "samesite=lax", "path=/"} <= set(attributes)
    assert "secure" not in attributes
    secure = await cookie_sign_in(secure_client, account)
    assert secure.status_code == 200, secure.text
    assert {"httponly", "samesite=lax", "secure"} <= set(set_cookie(secure, "borderhub_session"))


async def test_session_cookie_is_secure_over_http_when_the_public_url_is_https_as_behind_a_tls_proxy(
    app: Litestar, settings: Settings
) -> None:
    marketplace = msgspec.structs.replace(settings.marketplace, public_url="https://hub.example")
    proxied = msgspec.structs.replace(settings, marketplace=marketplace)
    # The proxy ends TLS and forwards plain http: the request's scheme alone would say "not secure".
    async with AsyncTestClient(app=create_app(proxied, compose(proxied))) as client:
        account = await register(client)
        signed_in = await cookie_sign_in(client, account)
        assert signed_in.status_code == 200, signed_in.text
        assert {"httponly", "samesite=lax", "secure"} <= set(set_cookie(signed_in, "borderhub_session"))
        out = await client.delete("/api/v1/auth/session", headers={"X-CSRF-Token": await csrf_token(client)})
        assert out.status_code == 204, out.text
        assert {"max-age=0", "secure"} <= set(set_cookie(out, "borderhub_session"))


async def test_cookie_authenticates_a_read_when_no_header_is_sent(client: Client) -> None:
    account = await register(client)
    assert (await cookie_sign_in(client, account)).status_code == 200
    me = await client.get(ME)
    assert me.status_code == 200, me.text
    assert me.json()["email"] == account.email
    sessions = (await client.get(f"{ME}/sessions")).json()
    assert [s["kind"] for s in sessions if s["current"]] == ["cookie"]


async def test_cookie_authenticated_change_is_403_without_the_csrf_token_and_succeeds_with_it(
    client: Client,
) -> None:
    account = await register(client)
    assert (await cookie_sign_in(client, account)).status_code == 200
    refused = await client.post(f"{ME}/api-keys", json={"name": "from the browser"})
    body = assert_problem(refused, 403)
    assert body["detail"] == "the form has expired or did not come from Borderhub; reload the page and try again"
    forged = await client.post(f"{ME}/api-keys", json={"name": "x"}, headers={"X-CSRF-Token": "forged" * 20})
    assert_problem(forged, 403)
    assert (await client.get(f"{ME}/api-keys")).json() == []
    token = await csrf_token(client)
    created = await client.post(f"{ME}/api-keys", json={"name": "from the browser"}, headers={"X-CSRF-Token": token})
    assert created.status_code == 201, created.text


async def test_bearer_and_api_key_requests_need_no_csrf_token_even_beside_a_session_cookie(client: Client) -> None:
    account = await register(client)
    created = await client.post(f"{ME}/api-keys", json={"name": "script"}, headers=account.headers)
    assert created.status_code == 201, created.text
    assert (await cookie_sign_in(client, account)).status_code == 200  # the client now holds the cookie
    again = await client.post(f"{ME}/api-keys", json={"name": "script 2"}, headers=account.headers)
    assert again.status_code == 201, again.text
    by_key = await client.post(
        "/api/v1/auth/logout", headers={"X-API-Key": created.json()["key"]}
    )  # not a CSRF refusal: the API key's own 403
    assert "API key" in assert_problem(by_key, 403)["detail"]


async def test_cookie_sign_in_is_403_without_the_csrf_token(client: Client) -> None:
    account = await register(client)
    refused = await client.post("/api/v1/auth/session", json={"email": account.email, "password": PASSWORD})
    assert "reload the page" in assert_problem(refused, 403)["detail"]
    assert "borderhub_session" not in client.cookies
    assert (await cookie_sign_in(client, account)).status_code == 200  # with the token it works


async def test_cookie_sign_in_with_a_wrong_password_is_401(client: Client) -> None:
    account = await register(client)
    token = await csrf_token(client)
    wrong = await client.post(
        "/api/v1/auth/session",
        json={"email": account.email, "password": "not the password"},
        headers={"X-CSRF-Token": token},
    )
    assert_problem(wrong, 401)
    assert "borderhub_session" not in client.cookies


async def test_cookie_sign_out_ends_the_session_and_clears_the_cookie(client: Client) -> None:
    account = await register(client)
    assert (await cookie_sign_in(client, account)).status_code == 200
    value = client.cookies["borderhub_session"]
    out = await client.delete("/api/v1/auth/session", headers={"X-CSRF-Token": await csrf_token(client)})
    assert out.status_code == 204, out.text
    assert "max-age=0" in set_cookie(out, "borderhub_session")
    assert "borderhub_session" not in client.cookies
    # The old cookie, kept by someone, no longer works.
    client.cookies.set("borderhub_session", value)
    assert (await client.get(ME)).status_code == 401


async def test_cookie_session_ends_after_14_idle_days_and_30_days_at_most(client: Client) -> None:
    account = await register(client)
    assert (await cookie_sign_in(client, account)).status_code == 200
    for days in (13, 26):  # each use moves the idle limit on...
        with clock.travel(dt.timedelta(days=days)):
            assert (await client.get(ME)).status_code == 200
    with clock.travel(dt.timedelta(days=30, seconds=1)):  # ...but not beyond 30 days from sign-in
        assert "expired" in assert_problem(await client.get(ME), 401)["detail"]

    client.cookies.clear()
    assert (await cookie_sign_in(client, account)).status_code == 200
    with clock.travel(dt.timedelta(days=14, seconds=1)):
        assert "expired" in assert_problem(await client.get(ME), 401)["detail"]
