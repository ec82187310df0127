"""The API documentation page in a real browser: it renders offline, from this server alone, and
its Authorize button really authorizes the requests tried from it."""

from __future__ import annotations

import httpx
from playwright.async_api import Page, expect

from tests.browser.conftest import OffHostRequests
from tests.factories.identity import register

RENDER_TIMEOUT_MS = 30_000  # Swagger UI lays out ~120 operations; slow on a 2-core machine


async def open_docs(page: Page, live_server: str) -> None:
    response = await page.goto(f"{live_server}/schema")
    assert response is not None
    assert response.status == 200
    login = page.locator(".opblock-post .opblock-summary-path[data-path='/api/v1/auth/login']")
    await expect(login).to_be_visible(timeout=RENDER_TIMEOUT_MS)


async def test_api_docs_render_operations_styles_and_examples_without_other_hosts(
    page: Page, live_server: str, off_host_requests: OffHostRequests
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    await open_docs(page, live_server)
    bid = page.locator(
        ".opblock-put .opblock-summary-path[data-path='/api/v1/tenders/{tender_id}/bids/{organization_id}']"
    )
    await expect(bid).to_be_visible()
    # Styled by the served stylesheet, not the browser's defaults: POST operations are green.
    await expect(page.locator(".opblock-post").first).to_have_css("border-top-color", "rgb(73, 204, 144)")

    authorize = page.get_by_role("button", name="Authorize").first
    await expect(authorize).to_be_visible()
    await authorize.click()
    dialog = page.locator(".modal-ux")
    await expect(dialog).to_contain_text("Authorization: Bearer <token>")
    await expect(dialog).to_contain_text("X-API-Key")
    await dialog.get_by_role("button", name="Close").first.click()

    register_operation = page.locator(".opblock", has=page.locator("[data-path='/api/v1/auth/register']"))
    await register_operation.locator(".opblock-summary-control").click()
    await expect(register_operation).to_contain_text("maria@ziola.example")

    assert off_host_requests == [], "the docs page tried to load from other hosts"
    assert errors == []


async def test_api_key_entered_in_authorize_is_sent_when_trying_an_operation(page: Page, live_server: str) -> None:
    async with httpx.AsyncClient(base_url=live_server) as http:
        account = await register(http)
        issued = await http.post("/api/v1/me/api-keys", json={"name": "docs page"}, headers=account.headers)
        assert issued.status_code == 201, issued.text
    await open_docs(page, live_server)

    await page.get_by_role("button", name="Authorize").first.click()
    api_key = page.locator(".modal-ux .auth-container", has_text="X-API-Key")
    await api_key.locator("input").fill(issued.json()["key"])
    await api_key.get_by_role("button", name="Apply credentials").click()
    await page.locator(".modal-ux").get_by_role("button", name="Close").first.click()

    me = page.locator(".opblock-get", has=page.locator("[data-path='/api/v1/me']"))
    await me.locator(".opblock-summary-control").click()
    await me.get_by_role("button", name="Try it out").click()
    await me.get_by_role("button", name="Execute").click()
    await expect(me.locator(".live-responses-table")).to_contain_text(account.email)
