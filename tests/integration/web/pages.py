"""Helpers of the page tests: forms posted as a browser posts them (with the page's CSRF token)."""

from __future__ import annotations

import re
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found is not None, "the page has no form with a CSRF token"
    return found.group(1)


async def submit(
    client: AsyncTestClient[Litestar], form_page: str, action: str, fields: dict[str, Any], **headers: str
) -> httpx.Response:
    """Open `form_page`, then post `fields` to `action` as its form would (not following the redirect)."""
    shown = await client.get(form_page, headers=headers)
    assert shown.status_code == 200, shown.text
    data = {"_csrf_token": csrf_of(shown.text), **{key: str(value) for key, value in fields.items()}}
    return await client.post(action, data=data, headers=headers, follow_redirects=False)


async def sign_in_page(client: AsyncTestClient[Litestar], email: str, password: str) -> httpx.Response:
    return await submit(client, "/sign-in", "/sign-in", {"email": email, "password": password})
