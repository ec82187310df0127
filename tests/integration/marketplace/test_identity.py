"""Registration, login, tokens and API keys through the HTTP API."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from litestar.types import Receive, Scope, Send
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel import auth, clock
from kernel.auth import issue_access_token
from kernel.db import transaction
from kernel.outbox import OutboxEvent, topic_of
from marketplace.events import RegistrationAttemptedForExistingAccount
from marketplace.identity import service as identity_service
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


async def test_registering_an_existing_address_answers_exactly_as_a_new_one_and_changes_nothing(
    client: Client, sessions: async_sessionmaker[AsyncSession], monkeypatch: pytest.MonkeyPatch
) -> None:
    hashed: list[str] = []

    def hash_and_count(password: str) -> str:
        hashed.append(password)
        return auth.hash_password(password)

    # Both answers take the same work: a password is hashed either way (no timing tells them apart).
    monkeypatch.setattr(identity_service, "hash_password", hash_and_count)
    new = await client.post(
        "/api/v1/auth/register", json={"email": "dup@example.org", "password": PASSWORD, "full_name": "Owner"}
    )
    again = await client.post(
        "/api/v1/auth/register",
        json={"email": "DUP@example.org", "password": "the attacker's password", "full_name": "Someone"},
    )
    assert hashed == [PASSWORD, "the attacker's password"]
    assert (new.status_code, again.status_code) == (202, 202)
    assert new.content == again.content == b'{"email":"dup@example.org","status":"registered"}'

    def headers(response: Any) -> dict[str, str]:
        return {k: v for k, v in response.headers.items() if k != "x-request-id"}

    assert headers(new) == headers(again)
    # The existing account keeps its password and name; its owner is to be told by e-mail.
    owner = await client.post("/api/v1/auth/login", json={"email": "dup@example.org", "password": PASSWORD})
    assert owner.status_code == 200
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {owner.json()['access_token']}"})
    assert me.json()["full_name"] == "Owner"
    other = await client.post(
        "/api/v1/auth/login", json={"email": "dup@example.org", "password": "the attacker's password"}
    )
    assert other.status_code == 401
    async with transaction(sessions) as session:
        events = (
            await session.execute(
                select(OutboxEvent.payload).where(
                    OutboxEvent.topic == topic_of(RegistrationAttemptedForExistingAccount)
                )
            )
        ).scalars()
        assert [(e["user_id"], e["email"]) for e in events] == [(me.json()["id"], "dup@example.org")]


async def test_register_is_422_naming_every_bad_field_for_new_and_existing_addresses(client: Client) -> None:
    existing = await register(client)
    for email in ("fresh@example.org", existing.email):
        response = await client.post(
            "/api/v1/auth/register",
            json={"email": email, "password": PASSWORD, "full_name": "  ", "preferred_language": "xx-QQ"},
        )
        assert response.status_code == 422, email
        assert {e["field"] for e in response.json()["errors"]} == {"$.full_name", "$.preferred_language"}


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


class FromAddress:
    """The app, as reached from `address` (changeable between requests): the test client itself
    always connects from "testclient"."""

    def __init__(self, app: Litestar) -> None:
        self.app = app
        self.address = "203.0.113.1"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope["client"] = (self.address, 50000)
        await self.app(scope, receive, send)


@pytest.fixture
async def network(app: Litestar) -> AsyncIterator[tuple[FromAddress, Client]]:
    """A client whose requests come from `FromAddress.address`, and the clock frozen (moved by tests)."""
    routed = FromAddress(app)
    with clock.frozen(clock.now()):
        async with AsyncTestClient(app=routed) as routed_client:
            yield routed, routed_client


async def login_from(network: tuple[FromAddress, Client], address: str, email: str, password: str) -> Any:
    routed, routed_client = network
    routed.address = address
    return await routed_client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_an_attacker_failing_from_one_address_slows_only_itself_never_locking_the_owner_out(
    network: tuple[FromAddress, Client],
) -> None:
    _, routed_client = network
    owner = await register(routed_client)
    attacker, home = "198.51.100.7", "2001:db8:1:2::5"
    waits: list[int] = []
    with contextlib.ExitStack() as later:
        failures = 0
        while failures < 20:
            response = await login_from(network, attacker, owner.email, "a guess at it")
            if response.status_code == 429:
                assert response.headers["content-type"].startswith("application/problem+json")
                waits.append(int(response.headers["retry-after"]))
                # The owner, signing in from elsewhere meanwhile, is never held up.
                assert (await login_from(network, home, owner.email, PASSWORD)).status_code == 200
                later.enter_context(clock.travel(dt.timedelta(seconds=waits[-1])))
                continue
            assert response.status_code == 401
            failures += 1
        # Five free tries, then the wait doubles from 1 s up to 15 minutes.
        assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900, 900]
        blocked = await login_from(network, attacker, owner.email, PASSWORD)
        assert (blocked.status_code, blocked.headers["retry-after"]) == (429, "900")  # even with the password
        assert (await login_from(network, home, owner.email, PASSWORD)).status_code == 200
        with clock.travel(dt.timedelta(seconds=899)):
            assert (await login_from(network, attacker, owner.email, PASSWORD)).status_code == 429
        with clock.travel(dt.timedelta(seconds=900)):
            assert (await login_from(network, attacker, owner.email, PASSWORD)).status_code == 200


async def test_an_account_attacked_from_many_addresses_slows_each_failing_one_and_still_admits_the_owner(
    network: tuple[FromAddress, Client],
) -> None:
    _, routed_client = network
    owner = await register(routed_client)
    for bot in range(10):  # 50 failures: 5 free ones from each of 10 addresses
        for _ in range(5):
            assert (await login_from(network, f"192.0.2.{bot}", owner.email, "guess")).status_code == 401
    # From now on a failing address waits after its first failure, not its fifth...
    assert (await login_from(network, "192.0.2.200", owner.email, "guess")).status_code == 401
    slowed = await login_from(network, "192.0.2.200", owner.email, "guess")
    assert (slowed.status_code, slowed.headers["retry-after"]) == (429, "1")
    # ...and an address that has not failed is never refused.
    assert (await login_from(network, "192.0.2.201", owner.email, PASSWORD)).status_code == 200
    with clock.travel(dt.timedelta(seconds=1)):
        assert (await login_from(network, "192.0.2.200", owner.email, "guess")).status_code == 401


async def test_request_is_401_when_token_expired(client: Client) -> None:
    account = await register(client)
    with clock.travel(-dt.timedelta(hours=2)):
        old = issue_access_token(account.id, TEST_JWT_SECRET, 60, session_id=uuid.uuid4())
    response = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"})
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert (await client.get("/api/v1/me", headers=account.headers)).status_code == 200
    with clock.travel(dt.timedelta(hours=1, seconds=1)):  # past the token's lifetime, by the service's clock
        later = await client.get("/api/v1/me", headers=account.headers)
    assert later.status_code == 401
    assert "expired" in later.json()["detail"]


async def test_request_is_401_when_token_tampered_or_signed_with_another_key(client: Client) -> None:
    account = await register(client)
    header, payload, signature = account.token.split(".")
    tampered = f"{header}.{payload}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    forged = issue_access_token(account.id, "another-secret-" + "y" * 30, 60, session_id=uuid.uuid4())
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
