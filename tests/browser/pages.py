"""What the browser journeys check on every page: accessibility (axe), fitting a 360 px phone, the
keyboard, and the screenshots the README shows; and the links a person follows from their mail."""

from __future__ import annotations

import re
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Browser, BrowserContext, Page, Route

from tests.factories.identity import mails

#: Where `screenshot` writes (the README links this folder); the tests never compare pixels.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PHONE_WIDTH = 360
PHONE_HEIGHT = 780
DESKTOP_WIDTH = 1280
DESKTOP_HEIGHT = 800
#: A small phone (as a context's options): the narrowest screen the pages are made for.
PHONE: dict[str, Any] = {
    "viewport": {"width": PHONE_WIDTH, "height": PHONE_HEIGHT},
    "is_mobile": True,
    "has_touch": True,
}
#: WCAG 2.2 AA, as axe-core tags its rules.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
FAILING_IMPACTS = frozenset({"serious", "critical"})

_AXE = Axe()
_LINK = re.compile(r"https?://\S+?[?&]token=[^\s&]+")
_WITHOUT_SCRIPT: weakref.WeakSet[BrowserContext] = weakref.WeakSet()


async def new_context(
    browser: Browser, *, java_script: bool = True, phone: bool = False, locale: str = "en-GB"
) -> BrowserContext:
    """A fresh context (no cookies): with or without JavaScript, on a desktop or a small phone, with
    `locale` as the browser's language (its `Accept-Language`; English unless said, whatever the
    machine's own language)."""
    options: dict[str, Any] = dict(PHONE) if phone else {"viewport": {"width": DESKTOP_WIDTH, "height": DESKTOP_HEIGHT}}
    context = await browser.new_context(java_script_enabled=java_script, locale=locale, **options)
    if not java_script:
        _WITHOUT_SCRIPT.add(context)
    return context


def has_java_script(page: Page) -> bool:
    return page.context not in _WITHOUT_SCRIPT


async def assert_accessible(page: Page, name: str) -> None:
    """Fail on any serious or critical WCAG 2.2 AA violation axe finds on the page as it is now,
    naming each rule, its help and the elements that break it."""
    results = await _axe_results(page)
    found = [violation for violation in results["violations"] if violation["impact"] in FAILING_IMPACTS]
    if found:
        lines = [f"{name} ({page.url}): {len(found)} serious or critical accessibility violation(s)"]
        for violation in found:
            lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
            lines.extend(f"    {' '.join(map(str, node['target']))}: {node['html']}" for node in violation["nodes"])
        raise AssertionError("\n".join(lines))


async def _axe_results(page: Page) -> dict[str, Any]:
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    if has_java_script(page):
        return (await _AXE.run(page, options=options)).response  # type: ignore[no-any-return]
    # axe needs timers, and a page without JavaScript runs none (not even for evaluated code), so it
    # audits a copy of this page's document, with the same styles and viewport, its scripts not run.
    browser = page.context.browser
    assert browser is not None
    copier = _copiers.get(browser)
    if copier is None:
        copier = _copiers[browser] = await _Copier.open(browser)
    copy = await copier.copy(page)
    return (await _AXE.run(copy, options=options)).response  # type: ignore[no-any-return]


class _Copier:
    """One page (with JavaScript, for axe) per browser, that shows copies of other pages' documents."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.url = ""
        self.html = ""

    @classmethod
    async def open(cls, browser: Browser) -> _Copier:
        context = await browser.new_context()
        copier = cls(await context.new_page())
        await context.route("**/*", copier._serve)
        return copier

    async def copy(self, page: Page) -> Page:
        self.url, self.html = page.url, await page.content()
        if page.viewport_size is not None:
            await self.page.set_viewport_size(page.viewport_size)
        await self.page.goto(self.url)
        return self.page

    async def _serve(self, route: Route) -> None:
        request = route.request
        if request.url == self.url and request.resource_type == "document":
            await route.fulfill(status=200, content_type="text/html; charset=utf-8", body=self.html)
        elif request.resource_type == "script" or urlsplit(request.url).hostname != urlsplit(self.url).hostname:
            await route.abort("blockedbyclient")
        else:
            await route.continue_()


_copiers: weakref.WeakKeyDictionary[Browser, _Copier] = weakref.WeakKeyDictionary()


async def assert_fits_phone(page: Page) -> None:
    """Fail when the page is wider than a 360 px phone (something would scroll sideways), naming
    the elements that stick out."""
    size = page.viewport_size
    if size is None or size["width"] != PHONE_WIDTH:
        await page.set_viewport_size({"width": PHONE_WIDTH, "height": PHONE_HEIGHT})
    try:
        width, wide = await page.evaluate(
            """(limit) => [
                document.documentElement.scrollWidth,
                [...document.body.querySelectorAll("*")]
                    .filter((element) => element.getBoundingClientRect().right > limit + 0.5)
                    .map((element) => element.outerHTML.slice(0, 120)),
            ]""",
            PHONE_WIDTH,
        )
    finally:
        if size is not None and size["width"] != PHONE_WIDTH:
            await page.set_viewport_size(size)
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide on a {PHONE_WIDTH} px phone; too wide: {wide}"


async def screenshot(page: Page, name: str) -> None:
    """The page as it is now, whole, at phone and desktop widths: docs/screenshots/<name>-<width>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    try:
        for width, height in ((PHONE_WIDTH, PHONE_HEIGHT), (DESKTOP_WIDTH, DESKTOP_HEIGHT)):
            await page.set_viewport_size({"width": width, "height": height})
            await page.screenshot(path=SCREENSHOTS / f"{name}-{width}.png", full_page=True, animations="disabled")
    finally:
        if size is not None:
            await page.set_viewport_size(size)


async def focused(page: Page) -> dict[str, str]:
    """What has the keyboard focus: its tag, id, class, text and computed outline style."""
    return await page.evaluate(  # type: ignore[no-any-return]
        """() => {
            const element = document.activeElement;
            const style = getComputedStyle(element);
            return {
                tag: element.tagName.toLowerCase(), id: element.id, className: element.className,
                text: element.textContent.trim(), href: element.getAttribute("href") || "",
                outline: style.outlineStyle, outlineWidth: style.outlineWidth,
            };
        }"""
    )


async def mailed_link(http: httpx.AsyncClient, live_server: str, to: str, kind: str) -> str:
    """The link in the newest mail of `kind` to `to` (read from the demo mailbox, through the API),
    pointed at the live server (the mail names the configured public address)."""
    found = await mails(http, to, kind)  # type: ignore[arg-type]
    assert found, f"no {kind} mail to {to}"
    link = _LINK.search(found[0]["text"])
    assert link is not None, found[0]["text"]
    parts = urlsplit(link.group(0))
    return f"{live_server}{parts.path}?{parts.query}"
