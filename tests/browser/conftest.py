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
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
import uvicorn
from litestar import Litestar
from playwright.async_api import Browser, BrowserContext, Page, Route, async_playwright

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


@pytest.fixture
async def page(browser: Browser, off_host_requests: OffHostRequests) -> AsyncIterator[Page]:
    """A fresh page that may reach only loopback: any other request is aborted and recorded."""

    async def loopback_only(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOOPBACK_HOSTS:
            await route.continue_()
        else:
            off_host_requests.append(route.request.url)
            await route.abort("blockedbyclient")

    context: BrowserContext = await browser.new_context()
    await context.route("**/*", loopback_only)
    page = await context.new_page()
    yield page
    await context.close()


@pytest.fixture
async def live_server(app: Litestar) -> AsyncIterator[str]:
    """The app (tests/conftest.py's, on the test database) served by uvicorn on a free loopback port."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning"))
    serving = asyncio.create_task(server.serve(sockets=[listener]))
    try:
        async with asyncio.timeout(30):
            while not server.started:
                if serving.done():
                    serving.result()  # raises what stopped it
                    pytest.fail("the server stopped before it started")
                await asyncio.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await serving
        listener.close()
