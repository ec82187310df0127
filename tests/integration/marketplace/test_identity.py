"""Registration, login, tokens and API keys through the HTTP API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar.testing import AsyncTestClient

from kernel import clock
from kernel.auth import issue_access_token
from tests.conftest import TEST_JWT_SECRET
from tests.factories.identity import PASSWORD, register

Client = AsyncTestClient[Any]


async def test_register_then_login_gives_a_token_that_identifies_the_user(client: Client) -> None:
    account = await register(client, email="Ana.Novak@Example.org", preferred_language="sl")
    me = await client.get("/api/v1/me", headers=account.headers)
    assert me.status_code == 200
    assert me.json()["email"] == "ana.novak@example.org"
    assert me.json()["preferred_language"] == "sl"
    assert me.json()["is_platform_admin"] is False


async def test_register_is_409_when_email_already_registered_in_any_case(client: Client) -> None:
    await register(client, email="dup@example.org")
    again = await client.post(
        "/api/v1/auth/register", json={"email": "DUP@example.org", "password": PASSWORD, "full_name": "Someone"}
    )
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["type"].endswith("/email-taken")


async def test_register_is_422_naming_the_field_when_language_unknown(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"email": "x@example.org", "password": PASSWORD, "full_name": "X", "preferred_language": "xx-QQ"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "$.preferred_language"


async def test_register_is_422_when_password_too_short(client: Client) -> None:
    response = await client.post(
        "/api/v1/auth/register", json={"email": "y@example.org", "password": "short", "full_name": "Y"}
    )
    assert response.status_code == 422
    assert any(e["field"] == "$.password" for e in response.json()["errors"])


async def test_login_is_401_when_password_wrong(client: Client) -> None:
    account = await register(client)
    response = await client.post("/api/v1/auth/login", json={"email": account.email, "password": "wrong password!"})
    assert response.status_code == 401
    assert response.json()["detail"] == "wrong e-mail or password"


async def test_login_is_429_after_repeated_failures_even_with_the_right_password(client: Client) -> None:
    account = await register(client)
    for _ in range(5):
        failed = await client.post("/api/v1/auth/login", json={"email": account.email, "password": "nope nope nope"})
        assert failed.status_code == 401
    blocked = await client.post("/api/v1/auth/login", json={"email": account.email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0


async def test_request_is_401_when_token_expired(client: Client) -> None:
    account = await register(client)
    with clock.travel(-dt.timedelta(hours=2)):
        old = issue_access_token(account.id, TEST_JWT_SECRET, 60)
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert (await client.get("/api/v1/me", headers=account.headers)).status_code == 200
    with clock.travel(dt.timedelta(hours=1, seconds=1)):  # past the token's hour, by the service's clock
        later = await client.get("/api/v1/me", headers=account.headers)
    assert later.status_code == 401
    assert "expired" in later.json()["detail"]


async def test_request_is_401_when_token_tampered_or_signed_with_another_key(client: Client) -> None:
    account = await register(client)
    header, payload, signature = account.token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    forged = issue_access_token(account.id, "another-secret-" + "y" * 30, 60)
    for token in (tampered, forged, "not-a-jwt"):
        response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, token


async def test_request_is_401_without_credentials(client: Client) -> None:
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_api_key_authenticates_until_revoked(client: Client) -> None:
    account = await register(client)
    issued = await client.post("/api/v1/me/api-keys", json={"name": "erp sync"}, headers=account.headers)
    assert issued.status_code == 201
    key = issued.json()["key"]
    key_id = issued.json()["api_key"]["id"]
    for headers in ({"X-API-Key": key}, {"Authorization": f"Bearer {key}"}):
        me = await client.get("/api/v1/me", headers=headers)
        assert me.status_code == 200
        assert me.json()["id"] == str(account.id)
    listed = await client.get("/api/v1/me/api-keys", headers=account.headers)
    assert [k["name"] for k in listed.json()] == ["erp sync"]
    assert "key" not in listed.json()[0]
    assert listed.json()[0]["last_used_at"] is not None
    revoked = await client.delete(f"/api/v1/me/api-keys/{key_id}", headers=account.headers)
    assert revoked.status_code == 204
    assert (await client.get("/api/v1/me", headers={"X-API-Key": key})).status_code == 401


async def test_an_api_key_cannot_issue_further_api_keys(client: Client) -> None:
    account = await register(client)
    issued = await client.post("/api/v1/me/api-keys", json={"name": "erp sync"}, headers=account.headers)
    key = issued.json()["key"]
    minted = await client.post("/api/v1/me/api-keys", json={"name": "more"}, headers={"X-API-Key": key})
    assert minted.status_code == 403, minted.text
    assert "sign in with your password" in minted.json()["detail"]
    listed = await client.get("/api/v1/me/api-keys", headers=account.headers)
    assert [k["name"] for k in listed.json()] == ["erp sync"]


async def test_revoking_another_users_api_key_is_404_and_key_keeps_working(client: Client) -> None:
    owner = await register(client)
    other = await register(client)
    issued = await client.post("/api/v1/me/api-keys", json={"name": "k"}, headers=owner.headers)
    key_id = issued.json()["api_key"]["id"]
    response = await client.delete(f"/api/v1/me/api-keys/{key_id}", headers=other.headers)
    assert response.status_code == 404
    assert (await client.get("/api/v1/me", headers={"X-API-Key": issued.json()["key"]})).status_code == 200
    assert (await client.delete(f"/api/v1/me/api-keys/{uuid.uuid4()}", headers=owner.headers)).status_code == 404
