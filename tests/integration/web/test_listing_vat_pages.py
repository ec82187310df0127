"""A listing's VAT category on the pages: the producer's form offers the categories her country has,
each with its rate today, saves the one chosen and shows it on the listing's page; a category the
country lacks is named beside the field (and in the spreadsheet import's table, with the values to
write); buyers read that the prices are net."""

from __future__ import annotations

from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories.catalog import create_listing
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.organization import create_organization, german_registration
from tests.integration.web.pages import csrf_of, sign_in_page
from tests.integration.web.test_listing_pages import form_fields

Client = AsyncTestClient[Litestar]


async def _german_producer(client: Client) -> tuple[Account, dict[str, Any]]:
    """A producer in Görlitz (German rates: 19 % standard, 7 % reduced, no super-reduced), signed in on the pages."""
    owner = await register(client, full_name="Jana Krause")
    organization = await create_organization(
        client,
        owner,
        registration=german_registration(),
        country="DE",
        subdivision="DE-SN",
        municipality="Görlitz",
        default_currency="EUR",
        languages=["de"],
    )
    client.cookies.clear()
    assert (await sign_in_page(client, owner.email, PASSWORD)).status_code == 303
    return owner, organization


def _honey(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title-de": "Lindenhonig",
        "description-de": "Honig von den Linden an der Neiße",
        "default_language": "de",
        "sku": "HONIG-LINDE-1",
        "scheme": "CPV",
        "code": "03142100-9",
        "unit": "KGM",
        "pack_size": "1",
        "min_order_quantity": "",
        "lead_time_days": "2",
        "stock_on_hand": "250",
        "tier-0-min_quantity": "1",
        "tier-0-unit_price": "12.50",
        "ships_to": ["DE-SN"],
        "status": "active",
        "vat_category": "reduced",
    }
    fields.update(overrides)
    return fields


async def _post(client: Client, form_page: str, action: str, fields: dict[str, Any]) -> httpx.Response:
    shown = await client.get(form_page)
    assert shown.status_code == 200, shown.text
    return await client.post(action, data={"_csrf_token": csrf_of(shown.text), **fields}, follow_redirects=False)


async def _listings(client: Client, owner: Account, organization: dict[str, Any]) -> list[dict[str, Any]]:
    found = await client.get(f"/api/v1/organizations/{organization['id']}/listings", headers=owner.headers)
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


async def test_the_form_saves_the_category_and_the_listing_page_shows_its_rate_when_a_german_producer_lists_goods(
    client: Client,
) -> None:
    owner, organization = await _german_producer(client)
    new = f"/organizations/{organization['id']}/listings/new"
    form = await client.get(new)
    assert '<option value="reduced">Reduced rate — 7% in Germany</option>' in form.text
    assert '<option value="standard" selected>Standard rate — 19% in Germany</option>' in form.text
    assert 'value="super_reduced"' not in form.text  # Germany has none: not offered

    created = await _post(client, new, new, _honey())

    assert created.status_code == 303, created.text
    [listing] = await _listings(client, owner, organization)
    assert (listing["vat_category"], listing["vat_rate"]) == ("reduced", "7")
    edit = (await client.get(f"/listings/{listing['id']}/edit")).text
    assert "<dt>VAT</dt><dd>Reduced rate — 7% in Germany</dd>" in edit
    assert '<option value="reduced" selected>Reduced rate — 7% in Germany</option>' in edit


async def test_changing_the_category_on_the_form_makes_a_new_version_when_the_producer_saves_it(client: Client) -> None:
    owner, organization = await _german_producer(client)
    listing = await create_listing(client, owner, organization, vat_category="reduced")
    edit = f"/listings/{listing['id']}/edit"
    fields = form_fields((await client.get(edit)).text, edit)
    assert fields["vat_category"] == ["reduced"]
    fields["vat_category"] = ["standard"]

    saved = await client.post(edit, data=fields, follow_redirects=False)

    assert saved.status_code == 303, saved.text
    read = (await client.get(f"/api/v1/listings/{listing['id']}", headers=owner.headers)).json()
    assert (read["vat_category"], read["vat_rate"], read["version"]) == ("standard", "19", 2)
    assert "Texts or details changed" in (await client.get(f"/listings/{listing['id']}/history")).text
    assert "<dt>VAT</dt><dd>Standard rate — 19% in Germany</dd>" in (await client.get(edit)).text


async def test_a_category_the_country_lacks_is_named_beside_the_field_and_nothing_is_created_when_it_is_posted(
    client: Client,
) -> None:
    owner, organization = await _german_producer(client)
    new = f"/organizations/{organization['id']}/listings/new"

    refused = await _post(client, new, new, _honey(vat_category="super_reduced"))

    assert refused.status_code == 422
    assert (
        '<p class="error" id="f-vat_category-error">Germany has no VAT rate of this category today. '
        "Choose another one.</p>" in refused.text
    )
    assert 'href="#f-vat_category"' in refused.text
    assert 'value="Lindenhonig"' in refused.text  # what was typed is kept
    assert await _listings(client, owner, organization) == []


async def test_buyers_read_that_the_prices_are_net_when_they_open_a_listing(client: Client) -> None:
    owner, organization = await _german_producer(client)
    listing = await create_listing(client, owner, organization, vat_category="reduced")
    client.cookies.clear()
    buyer = await register(client)
    assert (await sign_in_page(client, buyer.email, PASSWORD)).status_code == 303

    shown = await client.get(f"/listings/{listing['id']}")

    assert shown.status_code == 200, shown.text
    assert "Prices are net, plus VAT where it is due." in shown.text


async def test_the_import_table_names_the_values_to_write_when_a_row_has_a_category_the_country_lacks(
    client: Client,
) -> None:
    owner, organization = await _german_producer(client)
    path = f"/organizations/{organization['id']}/listings/import"
    body = (
        b"sku,title[de],default_language,classification_scheme,classification_code,unit,price_tiers,stock_on_hand,"
        b"ships_to,vat_category\nHONIG-1,Lindenhonig,de,HS,0409.00,KGM,1:12,30,DE-SN,super_reduced\n"
    )
    shown = await client.get(path)

    rejected = await client.post(
        path,
        data={"_csrf_token": csrf_of(shown.text)},
        files={"file": ("honig.csv", body, "text/csv")},
        follow_redirects=False,
    )

    assert rejected.status_code == 422, rejected.text
    assert "VAT category" in rejected.text
    assert "Germany has no VAT rate of this category today. Write one of: standard or reduced." in rejected.text
    assert await _listings(client, owner, organization) == []
