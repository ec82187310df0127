"""Accounts for tests, created through the HTTP API as a user would."""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from litestar.testing import AsyncTestClient

_counter = itertools.count()
PASSWORD = "correct horse battery"
_TOKEN_IN_LINK = re.compile(r"[?&]token=([^\s&]+)")


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def mails(client: AsyncTestClient[Any], to: str, kind: str | None = None) -> list[dict[str, Any]]:
    """The messages to `to` in the demo's local mailbox (of `kind`), newest first."""
    response = await client.get("/api/v1/demo/mailbox", params={"to": to})
    assert response.status_code == 200, response.text
    return [mail for mail in response.json() if kind is None or mail["kind"] == kind]


def link_token(mail: dict[str, Any]) -> str:
    """The token of the link in a message."""
    found = _TOKEN_IN_LINK.search(mail["text"])
    assert found is not None, mail["text"]
    return unquote(found.group(1))


async def latest_token(client: AsyncTestClient[Any], to: str, kind: str) -> str:
    """The token of the link in the newest message of `kind` to `to`."""
    found = await mails(client, to, kind)
    assert found, f"no {kind} mail to {to}"
    return link_token(found[0])


async def verify_email(client: AsyncTestClient[Any], email: str) -> None:
    """Follow the newest verification link mailed to `email`, as its owner would."""
    token = await latest_token(client, email, "email_verification")
    verified = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert verified.status_code == 200, verified.text


async def sign_in_again(client: AsyncTestClient[Any], account: Account) -> Account:
    """The same account with a new session's access token (its old one may have been signed out)."""
    login = await client.post("/api/v1/auth/login", json={"email": account.email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return Account(id=account.id, email=account.email, token=login.json()["access_token"])


async def register(
    client: AsyncTestClient[Any], email: str | None = None, *, verified: bool = True, **extra: Any
) -> Account:
    """A new account, signed in; `verified` (the default): its address proven with the link mailed
    to it, so it may act for organisations."""
    email = email or f"user{next(_counter)}-{uuid.uuid4().hex[:6]}@example.org"
    body = {"email": email, "password": PASSWORD, "full_name": "Test User", **extra}
    registered = await client.post("/api/v1/auth/register", json=body)
    assert registered.status_code == 202, registered.text
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    # Registering answers alike for new and existing addresses, so the id comes from /me.
    me = await client.get("/api/v1/me", headers=headers)
    assert me.status_code == 200, me.text
    if verified and not me.json()["email_verified"]:
        await verify_email(client, email)
    return Account(id=uuid.UUID(me.json()["id"]), email=email, token=token)


async def ask_password_reset(
    client: AsyncTestClient[Any], email: str, run_worker: Callable[[], Awaitable[None]]
) -> Any:
    """Ask for a reset link, then let the worker decide whether to mail one (as `serve` does a moment after)."""
    asked = await client.post("/api/v1/auth/password-reset", json={"email": email})
    await run_worker()
    return asked
