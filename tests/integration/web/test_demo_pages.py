"""The demo of `borderhub serve --demo` on the pages: every demo producer and buyer signs in on the
sign-in page and, in each of the four languages, every page reachable from the start page (two
clicks deep) opens, in that language. The journeys themselves are tested in the browser tests; this
is the promise that the demo a new user opens has no dead end in any of its languages."""

from __future__ import annotations

import re
from collections import deque
from typing import Any
from urllib.parse import urldefrag

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.cli import load_demo_data
from borderhub.settings import Settings
from kernel.db import transaction
from marketplace.demo import DEMO_PASSWORD, demo_people
from tests.integration.web.pages import sign_in_page, submit

LANGUAGES = ("en", "de", "pl", "cs")
_LINK = re.compile(r'<a [^>]*href="(/[^"]*)"')
_HTML_LANG = re.compile(r'<html lang="([a-z]{2})">')
#: Not pages of the app: the API's documentation and the files pages load.
_NOT_PAGES = ("/schema", "/static/", "/api/")
#: Pages at most this many clicks from the start page are opened.
DEPTH = 2


@pytest.fixture
async def demo(sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    async with transaction(sessions) as session:
        await load_demo_data(session, settings)


def links_of(html: str) -> set[str]:
    found = {urldefrag(href.replace("&amp;", "&")).url for href in _LINK.findall(html)}
    return {href for href in found if href and not href.startswith(_NOT_PAGES)}


async def pages_reachable(client: AsyncTestClient[Any], language: str) -> dict[str, int]:
    """Every page at most `DEPTH` clicks from the start page, and its status; fails on a page that
    is not in `language`."""
    seen: dict[str, int] = {}
    waiting = deque([("/", 0)])
    while waiting:
        path, depth = waiting.popleft()
        if path in seen:
            continue
        response = await client.get(path)
        seen[path] = response.status_code
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        shown = _HTML_LANG.search(response.text)
        assert shown is not None, path
        assert shown.group(1) == language, f"{path} is in {shown.group(1)}, not {language}"
        if depth < DEPTH:
            waiting.extend((link, depth + 1) for link in links_of(response.text) if link not in seen)
    return seen


@pytest.mark.parametrize(
    ("email", "role"), [(email, role) for email, _, _, role in demo_people() if role in {"producer", "buyer"}]
)
async def test_every_page_a_demo_person_reaches_opens_in_each_language(
    app: Litestar, demo: None, email: str, role: str
) -> None:
    async with AsyncTestClient(app=app) as client:
        signed_in = await sign_in_page(client, email, DEMO_PASSWORD)
        assert signed_in.status_code == 303, signed_in.text
        for language in LANGUAGES:
            switched = await submit(client, "/", "/language", {"language": language, "next": "/"})
            assert switched.status_code == 303, switched.text
            reached = await pages_reachable(client, language)
            broken = {path: status for path, status in reached.items() if status != 200}
            assert broken == {}, f"{email} in {language}"
            # The person's own pages, not only the public ones, are among them.
            assert {"/orders", "/cart", "/organizations", "/account"} <= reached.keys()
            if role == "producer":
                assert any(re.fullmatch(r"/organizations/[0-9a-f-]{36}/listings", path) for path in reached)
