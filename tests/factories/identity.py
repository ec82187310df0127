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
    created = await client.post("/api/v1/auth/register", json=body)
    assert created.status_code == 201, created.text
    login = await client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return Account(id=uuid.UUID(created.json()["id"]), email=email, token=login.json()["access_token"])
