"""Account journeys in a real browser, each with JavaScript and without: registering in Polish,
proving the address from the mail, signing in, switching to Czech, signing out; a forgotten
password; a wrong password; the keyboard. axe audits every page on the way.

Until the catalogs are translated, Polish and Czech pages still read in English: those journeys
find controls by their structure (form actions, field ids) and check the language on `html[lang]`.
Texts are asserted only on pages read in English.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from urllib.parse import quote

import httpx
from playwright.async_api import Page, expect

from tests.browser.conftest import OffHostRequests, OpenPage
from tests.browser.pages import assert_accessible, assert_fits_phone, focused, mailed_link, screenshot
from tests.factories.identity import PASSWORD, register

NEW_PASSWORD = "a river, two bridges and rye bread"


async def visit(page: Page, url: str) -> None:
    response = await page.goto(url)
    assert response is not None
    assert response.status == 200, f"{url}: {response.status}"


async def check(page: Page, name: str, *, phone: bool = False) -> None:
    """axe on the page as it is; and whether it fits a 360 px phone, for the main pages."""
    await assert_accessible(page, name)
    if phone:
        await assert_fits_phone(page)


async def test_a_person_registers_in_polish_proves_the_address_signs_in_switches_to_czech_and_signs_out(
    open_page: OpenPage, java_script: bool, live_server: str, off_host_requests: OffHostRequests
) -> None:
    page = await open_page(java_script=java_script, locale="pl-PL")
    html = page.locator("html")
    email = f"anna-{uuid.uuid4().hex[:8]}@ziola.example"
    pictures = java_script  # the same pages either way: one set of screenshots

    await visit(page, f"{live_server}/")
    await expect(html).to_have_attribute("lang", "pl-PL")
    # UNTRANSLATED: once the catalog has Polish, assert the heading and the links read in Polish.
    await check(page, "start page", phone=True)
    if pictures:
        await screenshot(page, "start")

    await register_on_the_page(page, live_server, "Anna Zielińska", email, pictures=pictures)
    await prove_the_address(page, live_server, email)

    await page.locator("header a[href^='/sign-in']").click()
    await expect(page.locator("main form[action='/sign-in']")).to_be_visible()
    await check(page, "sign in", phone=True)
    if pictures:
        await screenshot(page, "sign-in")
    await sign_in_on_the_page(page, email, PASSWORD)
    await expect(page.locator("header .who")).to_have_text("Anna Zielińska")
    await expect(html).to_have_attribute("lang", "pl")  # now the language of her profile
    await expect(page.locator("main .notice.warning")).to_have_count(0)  # the address is proven: no reminder
    await check(page, "start page, signed in", phone=True)

    await switch_language(page, "cs", java_script=java_script)
    await expect(html).to_have_attribute("lang", "cs")
    await expect(page.locator("header .who")).to_have_text("Anna Zielińska")
    # UNTRANSLATED: once the catalog has Czech, assert the heading reads in Czech.
    await check(page, "start page in Czech", phone=True)

    await page.locator("header form[action='/sign-out'] button[type=submit]").click()
    await expect(page).to_have_url(f"{live_server}/?notice=signed-out")
    await expect(page.locator("header .who")).to_have_count(0)
    await expect(page.locator("header a[href^='/sign-in']")).to_be_visible()
    await expect(html).to_have_attribute("lang", "cs")  # this browser keeps the language picked
    await check(page, "signed out")
    assert off_host_requests == []


async def register_on_the_page(page: Page, live_server: str, name: str, email: str, *, pictures: bool) -> None:
    """From a page's header, register (the form's own texts not read: it may be in any language)."""
    await page.locator("header a[href='/register']").click()
    await expect(page).to_have_url(f"{live_server}/register")
    # The form proposes the language the pages are read in.
    await expect(page.locator("#f-preferred_language")).to_have_value("pl")
    await check(page, "register", phone=True)
    if pictures:
        await screenshot(page, "register")
    await page.locator("#f-full_name").fill(name)
    await page.locator("#f-email").fill(email)
    await page.locator("#f-password").fill(PASSWORD)
    await page.locator("#f-password_again").fill(PASSWORD)
    await page.locator("main form[action='/register'] button[type=submit]").click()

    await expect(page).to_have_url(f"{live_server}/sign-in?notice=registered&email={quote(email)}")
    # UNTRANSLATED: once the catalog has Polish, assert the notice says the account is ready.
    await expect(page.locator("main [role=status]")).to_be_visible()
    await check(page, "sign in after registering")


async def prove_the_address(page: Page, live_server: str, email: str) -> None:
    """Open the link mailed to `email` (read from the demo mailbox) and press the page's button."""
    async with httpx.AsyncClient(base_url=live_server) as http:
        link = await mailed_link(http, live_server, email, "email_verification")
    await visit(page, link)
    await expect(page.locator("html")).to_have_attribute("lang", "pl-PL")
    await check(page, "prove the address")
    await page.locator("main form[action='/account/verify-email'] button[type=submit]").click()
    await expect(page).to_have_url(f"{live_server}/?notice=email-verified")
    # UNTRANSLATED: once the catalog has Polish, assert the notice says the address is proven.
    await expect(page.locator("main [role=status]")).to_be_visible()


async def sign_in_on_the_page(page: Page, email: str, password: str) -> None:
    await page.locator("#f-email").fill(email)
    await page.locator("#f-password").fill(password)
    await page.locator("main form[action='/sign-in'] button[type=submit]").click()


async def switch_language(page: Page, language: str, *, java_script: bool) -> None:
    """With the header's switcher: with JavaScript, choosing in the list is enough; without it,
    the button beside the list sends the choice."""
    choice = page.locator("header select[name=language]")
    await choice.select_option(language)
    if not java_script:
        await page.locator("header form[action='/language'] button[type=submit]").click()
    await expect(choice).to_have_value(language)


async def test_a_person_who_forgot_the_password_sets_a_new_one_from_the_mailed_link_and_signs_in_with_it(
    browser_page: Page, live_server: str, run_worker: Callable[[], Awaitable[None]]
) -> None:
    page = browser_page
    async with httpx.AsyncClient(base_url=live_server) as http:
        account = await register(http, full_name="Jan Nowak")
    main = page.locator("main")

    await visit(page, f"{live_server}/sign-in")
    await main.get_by_role("link", name="Forgot your password?").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Forgot your password?")
    await check(page, "forgot password", phone=True)
    await page.get_by_label("E-mail address").fill(account.email)
    await main.get_by_role("button", name="Send me a link").click()
    await expect(main.get_by_role("status")).to_contain_text(f"If {account.email} has an account, we sent a link")
    await check(page, "forgot password, link sent")

    await run_worker()  # the reset mail is sent after the answer, as `serve` does
    async with httpx.AsyncClient(base_url=live_server) as http:
        link = await mailed_link(http, live_server, account.email, "password_reset")
    await visit(page, link)
    await expect(page.get_by_role("heading", level=1)).to_have_text("Choose a new password")
    await check(page, "choose a new password", phone=True)
    await page.get_by_label("New password").fill(NEW_PASSWORD)
    await page.get_by_label("The password again").fill(NEW_PASSWORD)
    await main.get_by_role("button", name="Save the new password").click()

    await expect(page).to_have_url(f"{live_server}/sign-in?notice=password-changed")
    await expect(main.get_by_role("status")).to_have_text("Your password is changed. Sign in with the new one.")
    await check(page, "sign in after a new password")
    await page.get_by_label("E-mail address").fill(account.email)
    await page.get_by_label("Password").fill(NEW_PASSWORD)
    await main.get_by_role("button", name="Sign in").click()
    await expect(page).to_have_url(f"{live_server}/")
    await expect(page.locator("header .who")).to_have_text("Jan Nowak")


async def test_a_wrong_password_on_a_phone_shows_the_reason_above_the_form_and_the_right_one_signs_in(
    open_page: OpenPage, java_script: bool, live_server: str
) -> None:
    page = await open_page(java_script=java_script, phone=True)
    async with httpx.AsyncClient(base_url=live_server) as http:
        account = await register(http, verified=False, full_name="Petra Nováková")
    sign_in = page.locator("main").get_by_role("button", name="Sign in")

    await visit(page, f"{live_server}/sign-in")
    await page.get_by_label("E-mail address").fill(account.email)
    await page.get_by_label("Password").fill("not the password at all")
    await sign_in.click()

    alert = page.get_by_role("alert")
    await expect(alert).to_contain_text("Wrong e-mail or password.")
    if java_script:  # the script moves the focus to the problem, so it is read out first
        await expect(alert).to_be_focused()
    await expect(page.get_by_label("E-mail address")).to_have_value(account.email)
    await expect(page.locator("header .who")).to_have_count(0)
    await check(page, "sign in, wrong password", phone=True)

    await page.get_by_label("Password").fill(PASSWORD)
    await sign_in.click()
    await expect(page.locator("header .who")).to_have_text("Petra Nováková")
    # Not yet proven: every page reminds her, with a button to mail the link again.
    reminder = page.locator("main .notice.warning")
    await expect(reminder).to_contain_text("Prove your e-mail address")
    await expect(reminder.get_by_role("button", name="Send the link again")).to_be_visible()
    await check(page, "start page, address not proven", phone=True)


async def test_registering_with_empty_fields_ties_each_problem_to_its_field(
    browser_page: Page, live_server: str
) -> None:
    page = browser_page
    await visit(page, f"{live_server}/register")
    await page.locator("main form[action='/register'] button[type=submit]").click()

    await expect(page.get_by_role("alert")).to_be_visible()
    for name in ("full_name", "email", "password"):
        control = page.locator(f"#f-{name}")
        await expect(control).to_have_attribute("aria-invalid", "true")
        # The field's error is part of its accessible description (read with the field).
        error = await page.locator(f"#f-{name}-error").inner_text()
        assert error
        await expect(control).to_have_accessible_description(re.compile(re.escape(error)))
    await check(page, "register, every field missing", phone=True)

    # Each problem in the summary leads to its field.
    await page.get_by_role("alert").locator("a[href='#f-email']").click()
    await expect(page.locator("#f-email")).to_be_focused()


async def test_the_skip_link_is_the_first_tab_stop_and_the_focus_is_always_visible(
    browser_page: Page, live_server: str
) -> None:
    page = browser_page
    await visit(page, f"{live_server}/")

    await page.keyboard.press("Tab")
    skip = await focused(page)
    assert (skip["tag"], skip["href"]) == ("a", "#main"), skip
    assert skip["outline"] != "none", skip
    await expect(page.locator("a.skip")).to_be_in_viewport()

    await page.keyboard.press("Enter")
    assert (await focused(page))["id"] == "main"
    await page.keyboard.press("Tab")
    after_skip = await focused(page)
    assert after_skip["id"] == "home-q", after_skip  # the search box, the first control of the content
    assert after_skip["outline"] != "none", after_skip

    # Every stop through the header, the content and the footer shows where the focus is.
    await visit(page, f"{live_server}/")
    stops = []
    for _ in range(40):
        await page.keyboard.press("Tab")
        stop = await focused(page)
        if stop["tag"] == "body":  # past the last stop
            break
        stops.append(stop)
    assert len(stops) > 5, stops
    assert [stop for stop in stops if stop["outline"] == "none"] == []
