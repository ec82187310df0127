"""The account pages in HTML: language chosen for the reader, sign-in with a cookie session and CSRF,
registration, password reset, and errors as pages (the API keeps problem+json)."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

from kernel.auth import SESSION_COOKIE
from tests.factories.identity import PASSWORD, register
from tests.factories.organization import create_organization
from tests.integration.web.pages import csrf_of, sign_in_page, submit


async def test_start_page_is_german_for_a_german_browser_and_english_otherwise(
    client: AsyncTestClient[Litestar],
) -> None:
    german = await client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"})
    assert german.status_code == 200
    assert german.headers["content-type"].startswith("text/html")
    assert '<html lang="de-DE">' in german.text
    assert "Anmelden" in german.text

    other = await client.get("/", headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in other.text
    assert "Sign in" in other.text


async def test_signing_in_on_the_page_sets_the_session_and_greets_the_person_by_name(
    client: AsyncTestClient[Litestar],
) -> None:
    account = await register(client, full_name="Maria Zielińska")
    client.cookies.clear()

    signed_in = await sign_in_page(client, account.email, PASSWORD)

    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/"
    assert SESSION_COOKIE in signed_in.cookies
    home = await client.get("/")
    assert "Maria Zielińska" in home.text


async def test_a_wrong_password_shows_the_form_again_with_the_reason(client: AsyncTestClient[Litestar]) -> None:
    account = await register(client)
    client.cookies.clear()

    refused = await sign_in_page(client, account.email, "not the password at all")

    assert refused.status_code == 401
    assert "Wrong e-mail or password." in refused.text
    assert f'value="{account.email}"' in refused.text  # what was typed is kept
    assert SESSION_COOKIE not in refused.cookies


async def test_a_form_posted_without_the_csrf_token_is_refused(client: AsyncTestClient[Litestar]) -> None:
    refused = await client.post("/sign-in", data={"email": "a@b.example", "password": "x" * 12})
    assert refused.status_code == 403


async def test_a_form_sent_with_a_stale_token_is_answered_by_a_page_saying_to_reload_the_form(
    client: AsyncTestClient[Litestar],
) -> None:
    form = await client.get("/sign-in")
    stale = csrf_of(form.text)
    client.cookies.clear()  # the browser dropped the token's cookie: the form's token is stale
    await client.get("/")  # a new cookie, another token

    refused = await client.post(
        "/sign-in",
        data={"_csrf_token": stale, "email": "a@b.example", "password": "x" * 12},
        headers={"Referer": "http://testserver.local/sign-in?next=%2Forders"},
        follow_redirects=False,
    )

    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "<h1>The form has expired</h1>" in refused.text
    assert "Go back, reload the page of the form and send it again." in refused.text
    assert '<a href="/sign-in?next=%2Forders">Open the form again</a>' in refused.text


async def test_a_form_posted_without_a_token_is_answered_in_the_readers_language(
    client: AsyncTestClient[Litestar],
) -> None:
    refused = await client.post(
        "/register",
        data={"full_name": "Jana Nováková"},
        headers={"Accept-Language": "cs", "Referer": "https://elsewhere.example/register"},
        follow_redirects=False,
    )

    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert '<html lang="cs">' in refused.text
    assert "Přihlásit" in refused.text  # the page around the message is Czech
    assert "Open the form again" not in refused.text  # no link to another site's page


async def test_registering_names_every_bad_field_in_the_readers_language(client: AsyncTestClient[Litestar]) -> None:
    answered = await submit(
        client,
        "/register",
        "/register",
        {"full_name": "", "email": "not-an-address", "password": "short", "password_again": "other"},
        **{"Accept-Language": "pl"},
    )
    assert answered.status_code == 422
    for field in ("full_name", "email", "password", "password_again"):
        assert f'id="f-{field}-error"' in answered.text, field
    assert 'aria-invalid="true"' in answered.text


async def test_an_unknown_page_is_a_page_and_an_unknown_api_path_stays_problem_json(
    client: AsyncTestClient[Litestar],
) -> None:
    page = await client.get("/no-such-page", headers={"Accept-Language": "cs"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="cs">' in page.text

    api = await client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"


async def test_choosing_a_language_keeps_it_for_the_browser_and_the_account(client: AsyncTestClient[Litestar]) -> None:
    account = await register(client, preferred_language="en")
    client.cookies.clear()
    await sign_in_page(client, account.email, PASSWORD)

    changed = await submit(client, "/", "/language", {"language": "cs", "next": "/search?q=med"})

    assert changed.status_code == 303
    assert changed.headers["location"] == "/search?q=med"
    me = await client.get("/api/v1/me", headers=account.headers)
    assert me.json()["preferred_language"] == "cs"
    home = await client.get("/")
    assert '<html lang="cs">' in home.text


async def test_the_start_page_of_a_signed_in_producer_leads_to_their_organisations_pages(
    client: AsyncTestClient[Litestar],
) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    client.cookies.clear()
    await sign_in_page(client, owner.email, PASSWORD)

    home = await client.get("/")

    assert organization["legal_name"] in home.text
    assert f'href="/organizations/{organization["id"]}/listings"' in home.text
    assert "Try it as one of the demo people" not in home.text
