"""The demo of `borderhub serve --demo` on the pages: every demo person (producers, buyers and the
hub's coordinator) signs in on the sign-in page and, in each of the four languages, every page
reachable from the start page (two clicks deep) opens, in that language; so does every page of the
public tender portal for someone not signed in. The journeys themselves are tested in the browser tests; this
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


async def pages_reachable(client: AsyncTestClient[Any], language: str, start: str = "/") -> dict[str, int]:
    """Every page at most `DEPTH` clicks from `start`, and its status; fails on a page that is not
    in `language`."""
    seen: dict[str, int] = {}
    waiting = deque([(start, 0)])
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


@pytest.mark.parametrize(("email", "role"), [(email, role) for email, _, _, role in demo_people()])
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
            if role == "coordinator":
                hub = r"/hubs/[0-9a-f-]{36}"
                for section in ("/organizations", "/pools", "/tenders", "/disputes", "/dashboards", "/settings"):
                    assert any(re.fullmatch(hub + section, path) for path in reached), section
                # The work queue leads to the bread tender's proposed award and the applicant.
                assert any(re.fullmatch(hub + r"/tenders/[0-9a-f-]{36}/award", path) for path in reached)
                assert any(re.fullmatch(hub + r"/organizations/[0-9a-f-]{36}", path) for path in reached)
            if role == "producer":
                assert any(re.fullmatch(r"/organizations/[0-9a-f-]{36}/listings", path) for path in reached)


async def test_every_page_of_the_public_portal_opens_in_each_language_without_signing_in(
    app: Litestar, demo: None
) -> None:
    async with AsyncTestClient(app=app) as client:
        for language in LANGUAGES:
            switched = await submit(client, "/", "/language", {"language": language, "next": "/"})
            assert switched.status_code == 303, switched.text
            reached = await pages_reachable(client, language, start="/portal")
            broken = {path: status for path, status in reached.items() if status != 200}
            assert broken == {}, language
            portal = r"/portal/[0-9a-f-]{36}"
            for page in ("", "/catalogue", "/open-data", "/become-a-supplier", r"/tenders/[0-9a-f-]{36}"):
                assert any(re.fullmatch(portal + page, path) for path in reached), page
