"""The hub's settings pages: a coordinator reads the hub's places, rules, buyers' invoice terms and
coordinators in words; sees what a change to the rules does to the hub's listings before making it;
sets a buyer's terms and appoints coordinators; others find no such page."""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.catalog import create_listing
from tests.factories.compliance import add_recognition, add_requirement
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.organization import admitted_organization, create_hub, german_registration, platform_admin
from tests.integration.web.pages import csrf_of, sign_in_page, submit

Client = AsyncTestClient[Litestar]


@dataclass(frozen=True)
class World:
    admin: Account
    hub: dict[str, Any]
    coordinator: Account
    owner: Account
    buyer: Account
    buyer_org: dict[str, Any]

    @property
    def settings(self) -> str:
        return f"/hubs/{self.hub['id']}/settings"


@pytest.fixture
async def world(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> World:
    """A hub on the Neisse; a Polish beekeeper offering two honeys and a jam into Saxony and Poland;
    a German town that buys."""
    admin = await platform_admin(client, sessions, settings)
    coordinator, owner, buyer = await register(client), await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    producer = await admitted_organization(client, hub, owner, coordinator, legal_name="Pasieka Nowak")
    await create_listing(client, owner, producer)
    await create_listing(
        client, owner, producer, translations={"pl": {"title": "Miód gryczany"}, "en": {"title": "Buckwheat honey"}}
    )
    await create_listing(
        client,
        owner,
        producer,
        translations={"pl": {"title": "Dżem wiśniowy"}},
        classification={"scheme": "CPV", "code": "15332290-3"},
    )
    buyer_org = await admitted_organization(
        client,
        hub,
        buyer,
        coordinator,
        legal_name="Stadt Görlitz",
        kind="buyer",
        registration=german_registration(),
        country="DE",
        subdivision="DE-SN",
        municipality="Görlitz",
        default_currency="EUR",
        languages=["de"],
    )
    return World(admin, hub, coordinator, owner, buyer, buyer_org)


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    answered = await sign_in_page(client, account.email, PASSWORD)
    assert answered.status_code == 303, answered.text


async def requirements_of(client: Client, w: World) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/hubs/{w.hub['id']}/requirements", headers=w.coordinator.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def confirm(client: Client, preview: httpx.Response, action: str) -> httpx.Response:
    """Post the preview page's "Confirm" form as the browser would: its hidden fields as they are."""
    form = re.search(rf'<form method="post" action="{re.escape(action)}".*?</form>', preview.text, re.DOTALL)
    assert form is not None, f"the preview has no form posting to {action}"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form.group(0)))
    fields["_csrf_token"] = csrf_of(preview.text)
    return await client.post(action, data=fields, follow_redirects=False)


async def test_the_settings_page_says_the_hubs_places_rules_terms_and_coordinators_in_words(
    client: Client, world: World
) -> None:
    w = world
    await add_requirement(client, w.hub, w.coordinator, classification_prefix="03142100", destination="DE-SN")
    await add_recognition(client, w.hub, w.coordinator, issued_in="PL", recognised_in="DE")
    await signed_in(client, w.coordinator)

    shown = await client.get(w.settings)
    assert shown.status_code == 200, shown.text
    assert "Sachsen, Germany" in shown.text  # places by name
    assert "DE-SN" not in shown.text
    assert (
        "To change them, ask the platform's administrators." in shown.text
    )  # the places are read-only, and it says so
    assert "Natural honey (CPV codes beginning with 03142100)" in shown.text  # the goods by name
    assert "Organic certificate" in shown.text  # the credential by name, never `organic`
    assert (
        "To sell Natural honey (CPV codes beginning with 03142100) into Sachsen, Germany, a seller needs a verified "
        "“Organic certificate”" in shown.text
    )
    assert "“Organic certificate” issued in Poland is accepted in Germany as well." in shown.text
    assert "Stadt Görlitz" in shown.text  # the buyer and its terms
    assert "Now: pays invoices within 30 days." in shown.text
    assert w.coordinator.email in shown.text  # fellow coordinators see each other's addresses


async def test_a_new_requirement_says_how_many_listings_become_unavailable_where_before_anything_changes(
    client: Client, world: World
) -> None:
    w = world
    await signed_in(client, w.coordinator)
    form_page = f"{w.settings}/requirements/new"
    fields = {"scheme": "CPV", "code": "0314", "destination": "DE-SN", "credential_type": "organic"}
    preview = await submit(client, form_page, f"{w.settings}/requirements/preview", fields)
    assert preview.status_code == 200, preview.text
    assert "This change makes 2 listings unavailable in Sachsen, Germany." in preview.text
    assert "Linden honey" in preview.text  # the listings named, in the reader's language
    assert "Buckwheat honey" in preview.text
    assert "Dżem" not in preview.text  # the jam is no farm animal product: the rule does not reach it
    assert "Poland" not in preview.text.split("What this changes for buyers")[1].split("Confirm")[0]
    assert await requirements_of(client, w) == []  # nothing changed by looking

    made = await confirm(client, preview, f"{w.settings}/requirements")
    assert made.status_code == 303, made.text
    assert made.headers["location"] == f"{w.settings}?notice=requirement-added"
    [requirement] = await requirements_of(client, w)
    assert (requirement["classification_prefix"], requirement["destination"]) == ("0314", "DE-SN")
    after = await client.get(made.headers["location"])
    assert "The requirement is added." in after.text


async def test_removing_a_requirement_is_previewed_then_confirmed(client: Client, world: World) -> None:
    w = world
    requirement = await add_requirement(client, w.hub, w.coordinator, classification_prefix="0314", destination="DE")
    await signed_in(client, w.coordinator)

    preview = await submit(client, w.settings, f"{w.settings}/requirements/{requirement['id']}/remove/preview", {})
    assert preview.status_code == 200, preview.text
    assert "Remove this requirement?" in preview.text
    assert "This change makes 2 listings available in Sachsen, Germany." in preview.text
    assert len(await requirements_of(client, w)) == 1

    removed = await confirm(client, preview, f"{w.settings}/requirements/{requirement['id']}/remove")
    assert removed.status_code == 303, removed.text
    assert await requirements_of(client, w) == []


async def test_a_rule_with_bad_fields_is_shown_again_naming_each_field_with_what_was_typed(
    client: Client, world: World
) -> None:
    w = world
    await signed_in(client, w.coordinator)
    refused = await submit(
        client,
        f"{w.settings}/requirements/new",
        f"{w.settings}/requirements/preview",
        {"scheme": "CPV", "code": "", "destination": "", "credential_type": "", "description": "Bio only"},
    )
    assert refused.status_code == 422
    for field in ("code", "destination", "credential_type"):
        assert f'id="f-{field}-error"' in refused.text, field
    assert "Bio only" in refused.text  # what was typed is kept

    too_long = await submit(
        client,
        f"{w.settings}/requirements/new",
        f"{w.settings}/requirements/preview",
        {"scheme": "CPV", "code": "031421001", "destination": "DE-SN", "credential_type": "organic"},
    )
    assert too_long.status_code == 422
    assert "CPV codes have at most 8 digits." in too_long.text

    inside = await submit(
        client,
        f"{w.settings}/recognitions/new",
        f"{w.settings}/recognitions/preview",
        {"credential_type": "organic", "issued_in": "DE", "recognised_in": "DE-SN"},
    )
    assert inside.status_code == 422
    assert 'id="f-recognised_in-error"' in inside.text
    assert "already count in this one" in inside.text


async def test_a_buyers_invoice_terms_are_set_and_bad_days_named(client: Client, world: World) -> None:
    w = world
    await signed_in(client, w.coordinator)
    action = f"{w.settings}/invoice-terms/{w.buyer_org['id']}"
    field = f"days-{w.buyer_org['id']}"
    saved = await submit(client, w.settings, action, {field: "45"})
    assert saved.status_code == 303, saved.text
    shown = await client.get(saved.headers["location"])
    assert "The buyer&#39;s invoice terms are saved." in shown.text
    assert "Now: pays invoices within 45 days." in shown.text

    refused = await submit(client, w.settings, action, {field: "200"})
    assert refused.status_code == 422
    assert f'id="f-{field}-error"' in refused.text
    assert "Enter 120 or less." in refused.text

    none = await submit(client, w.settings, action, {field: ""})
    assert none.status_code == 303
    assert "Now: may not pay by invoice." in (await client.get(w.settings)).text


async def test_a_coordinator_is_appointed_by_a_known_address_and_an_unknown_one_is_named(
    client: Client, world: World
) -> None:
    w = world
    await signed_in(client, w.coordinator)
    unknown = await submit(client, w.settings, f"{w.settings}/coordinators", {"email": "nobody@example.org"})
    assert unknown.status_code == 422
    assert 'id="f-email-error"' in unknown.text
    assert "No one has an account with this e-mail address." in unknown.text
    assert 'value="nobody@example.org"' in unknown.text

    appointed = await submit(client, w.settings, f"{w.settings}/coordinators", {"email": w.buyer.email})
    assert appointed.status_code == 303, appointed.text
    assert w.buyer.email in (await client.get(w.settings)).text

    again = await submit(client, w.settings, f"{w.settings}/coordinators", {"email": w.buyer.email})
    assert again.status_code == 409
    assert "This person already coordinates the hub." in again.text

    dismissed = await submit(client, w.settings, f"{w.settings}/coordinators/{w.buyer.id}/dismiss", {})
    assert dismissed.status_code == 303
    assert w.buyer.email not in (await client.get(w.settings)).text


async def test_only_the_hubs_coordinators_find_its_settings_and_rules(client: Client, world: World) -> None:
    w = world
    requirement = await add_requirement(client, w.hub, w.coordinator)
    other_coordinator = await register(client)
    other_hub = await create_hub(client, w.admin, [other_coordinator])

    await signed_in(client, w.owner)  # a producer of the hub: not a coordinator
    refused = await client.get(w.settings)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert (await client.get(f"/hubs/{uuid.uuid4()}/settings")).status_code == 404

    # A coordinator of another hub: not this hub's pages, nor this hub's rule through their own hub's.
    await signed_in(client, other_coordinator)
    assert (await client.get(w.settings)).status_code == 403
    theirs = f"/hubs/{other_hub['id']}/settings"
    hidden = await submit(client, theirs, f"{theirs}/requirements/{requirement['id']}/remove/preview", {})
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("text/html")
    assert len(await requirements_of(client, w)) == 1


async def test_the_coordinator_chooses_on_the_settings_page_whether_the_public_catalogue_shows_prices(
    client: Client, world: World
) -> None:
    w = world
    catalogue = f"/portal/{w.hub['id']}/catalogue"
    price = re.compile(r"[0-9]+,[0-9]{2}\s*zł")  # a price, as a Polish reader reads it
    assert price.search((await client.get(catalogue, headers={"Accept-Language": "pl"})).text)  # shown by default
    await signed_in(client, w.coordinator)

    hidden = await submit(client, w.settings, f"{w.settings}/public-catalogue", {"shows_prices": "no"})
    assert hidden.status_code == 303, hidden.text
    shown = await client.get(hidden.headers["location"])
    assert "The public catalogue's prices are set as you chose." in html.unescape(shown.text)
    assert re.search(r'value="no" checked', shown.text)
    client.cookies.clear()
    assert not price.search((await client.get(catalogue, headers={"Accept-Language": "pl"})).text)

    await signed_in(client, w.owner)  # a producer of the hub is no coordinator
    refused = await submit(client, "/", f"{w.settings}/public-catalogue", {"shows_prices": "yes"})
    assert refused.status_code == 403
    hub = await client.get(f"/api/v1/hubs/{w.hub['id']}", headers=w.coordinator.headers)
    assert hub.json()["catalogue_shows_prices"] is False
