"""Accounts for tests, created through the HTTP API as a user would."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Any

from litestar.testing import AsyncTestClient

_counter = itertools.count()
PASSWORD = "correct horse battery"


@dataclass(frozen=True)
class Account:
    id: uuid.UUID
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def register(client: AsyncTestClient[Any], email: str | None = None, **extra: Any) -> Account:
    email = email or f"user{next(_counter)}-{uuid.uuid4().hex[:6]}@example.org"
    body = {"email": email, "password": PASSWORD, "full_name": "Test User", **extra}
    registered = await client.post("/api/v1/auth/register", json=body)
    assert registered.status_code == 202, registered.text
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    # Registering answers alike for new and existing addresses, so the id comes from /me.
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    return Account(id=uuid.UUID(me.json()["id"]), email=email, token=token)
