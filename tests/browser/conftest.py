"""Browser tests: the real app over HTTP on a loopback port, driven in the system's headless Chromium.

Playwright's own browser download is not used: the tests drive an installed Chromium through
`executable_path` (`CHROMIUM_PATH`, else the first of chromium, chromium-browser, google-chrome on
PATH) and are skipped, saying so, when there is none.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Protocol
from urllib.parse import urlsplit

import pytest
import uvicorn
from litestar import Litestar
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.composition import Composition
from tests.browser.pages import new_context
from tests.worker import drain

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@pytest.fixture(scope="session")
def chromium_path() -> str:
    configured = os.environ.get("CHROMIUM_PATH")
    if configured:
        if not (os.path.isfile(configured) and os.access(configured, os.X_OK)):
            pytest.fail(f"CHROMIUM_PATH={configured} is not an executable file")
        return configured
    for name in CHROMIUM_NAMES:
        if found := shutil.which(name):
            return found
    pytest.skip(
        f"browser tests need Chromium: none of {', '.join(CHROMIUM_NAMES)} is on PATH and CHROMIUM_PATH is unset "
        "(Debian: apt-get install chromium)"
    )


@pytest.fixture(scope="session")
async def browser(chromium_path: str) -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium_path, headless=True)
        yield browser
        await browser.close()


class OffHostRequests(list[str]):
    """URLs the page tried to load from anywhere but this machine (each was aborted)."""


@pytest.fixture
def off_host_requests() -> OffHostRequests:
    return OffHostRequests()


class OpenPage(Protocol):
    async def __call__(self, *, java_script: bool = True, phone: bool = False, locale: str = "en-GB") -> Page: ...


@pytest.fixture
async def open_page(browser: Browser, off_host_requests: OffHostRequests) -> AsyncIterator[OpenPage]:
    """Opens fresh pages (each in its own context: no cookies) that may reach only loopback: any
    other request is aborted and recorded. With or without JavaScript, on a desktop or a 360 px
    phone, in a browser whose language is `locale`; all closed after the test."""
    contexts: list[BrowserContext] = []

    async def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK_HOSTS:
            await route.continue_()
        else:
            off_host_requests.append(route.request.url)
            await route.abort("blockedbyclient")

    async def open_(*, java_script: bool = True, phone: bool = False, locale: str = "en-GB") -> Page:
        context = await new_context(browser, java_script=java_script, phone=phone, locale=locale)
        contexts.append(context)
        await context.route("**/*", loopback_only)
        return await context.new_page()

    yield open_
    for context in contexts:
        await context.close()


@pytest.fixture
async def page(open_page: OpenPage) -> Page:
    """A fresh page with JavaScript that may reach only loopback."""
    return await open_page()


@pytest.fixture
async def page_without_js(open_page: OpenPage) -> Page:
    """A fresh page with JavaScript off (as some people browse, and as a page is before its script loads)."""
    return await open_page(java_script=False)


@pytest.fixture(params=[True, False], ids=["js", "no-js"])
def java_script(request: pytest.FixtureRequest) -> bool:
    """Runs the test twice: with JavaScript on and off (every journey works without it)."""
    return bool(request.param)


@pytest.fixture
async def browser_page(open_page: OpenPage, java_script: bool) -> Page:
    """A fresh page, with JavaScript in one run of the test and without it in the other."""
    return await open_page(java_script=java_script)


@pytest.fixture
async def live_server(app: Litestar) -> AsyncIterator[str]:
    """The app (tests/conftest.py's, on the test database) served by uvicorn on a free loopback port."""
    async with serving(app, loopback_listener()) as url:
        yield url


def loopback_listener() -> socket.socket:
    """A socket bound to a free loopback port (its address known before the app that serves on it is
    built, for an app that must know its own address)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    return listener


@asynccontextmanager
async def serving(app: Litestar, listener: socket.socket) -> AsyncIterator[str]:
    """`app` served by uvicorn on `listener` while the block runs: its address (`http://127.0.0.1:PORT`)."""
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
    task = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with asyncio.timeout(30):
            while not server.started:
                if task.done():
                    task.result()  # raises what stopped it
                    pytest.fail("the server stopped before it started")
                await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        listener.close()


@pytest.fixture
def run_worker(
    database_url: str, sessions: async_sessionmaker[AsyncSession], composition: Composition
) -> Callable[[], Awaitable[None]]:
    """Run the outbox worker until its queue is empty, as `serve` does a moment after each request
    (the test app runs none: a password reset link is mailed only then)."""

    async def run() -> None:
        await drain(database_url, sessions, composition.registry)

    return run
