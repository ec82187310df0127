"""A listing's VAT category: chosen when it is listed (standard unless said), read back with the rate
it means today in the producer's country, refused where that country has no such rate, changed like
any other detail (a new version), and taken from a spreadsheet's `vat_category` column."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.factories.catalog import create_listing, listing_body
from tests.factories.identity import Account, register
from tests.factories.organization import create_organization, german_registration

Client = AsyncTestClient[Any]

HEADER = (
    "sku,title[de],default_language,classification_scheme,classification_code,unit,price_tiers,"
    "stock_on_hand,ships_to,vat_category"
)


@pytest.fixture
async def german(client: Client) -> tuple[Account, dict[str, Any]]:
    """A producer in Görlitz: Germany has a standard (19 %) and a reduced (7 %) rate, and no super-reduced one."""
    owner = await register(client)
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
    return owner, organization


async def _listings(client: Client, owner: Account, organization: dict[str, Any]) -> list[dict[str, Any]]:
    found = await client.get(f"/api/v1/organizations/{organization['id']}/listings", headers=owner.headers)
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


async def _import(client: Client, owner: Account, organization: dict[str, Any], *rows: str, **params: str) -> Any:
    return await client.post(
        f"/api/v1/organizations/{organization['id']}/listings/import",
        content=("\n".join([HEADER, *rows]) + "\n").encode(),
        params=params,
        headers={**owner.headers, "Content-Type": "text/csv"},
    )


async def test_a_listing_reads_back_with_its_category_and_todays_rate_when_a_german_producer_lists_it_reduced(
    client: Client, german: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = german

    listing = await create_listing(client, owner, organization, vat_category="reduced")

    assert (listing["vat_category"], listing["vat_rate"]) == ("reduced", "7")
    read = (await client.get(f"/api/v1/listings/{listing['id']}", headers=owner.headers)).json()
    assert (read["vat_category"], read["vat_rate"]) == ("reduced", "7")
    [listed] = await _listings(client, owner, organization)
    assert (listed["vat_category"], listed["vat_rate"]) == ("reduced", "7")


async def test_a_listing_is_standard_rated_when_no_category_is_given(
    client: Client, german: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = german

    listing = await create_listing(client, owner, organization)

    assert (listing["vat_category"], listing["vat_rate"]) == ("standard", "19")


async def test_a_category_is_refused_naming_the_country_and_nothing_is_stored_when_the_country_has_no_such_rate(
    client: Client, german: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = german

    refused = await client.post(
        f"/api/v1/organizations/{organization['id']}/listings",
        json=listing_body(vat_category="super_reduced"),
        headers=owner.headers,
    )

    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [
        {"field": "$.vat_category", "message": "Germany has no super-reduced VAT rate; choose standard or reduced"}
    ]
    assert await _listings(client, owner, organization) == []


async def test_an_unknown_category_is_refused_naming_the_field_when_it_is_no_category_at_all(
    client: Client, german: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = german

    refused = await client.post(
        f"/api/v1/organizations/{organization['id']}/listings",
        json=listing_body(vat_category="luxury"),
        headers=owner.headers,
    )

    assert refused.status_code == 422, refused.text
    assert [error["field"] for error in refused.json()["errors"]] == ["$.vat_category"]


async def test_any_category_is_taken_with_no_rate_when_no_rates_of_the_producers_country_are_known(
    client: Client,
) -> None:
    owner = await register(client)
    trieste = await create_organization(
        client, owner, country="IT", subdivision=None, municipality="Trieste", default_currency="EUR"
    )

    listing = await create_listing(client, owner, trieste, vat_category="super_reduced")

    assert (listing["vat_category"], listing["vat_rate"]) == ("super_reduced", None)


async def test_changing_the_category_makes_a_new_version_with_the_new_rate_when_the_producer_patches_it(
    client: Client, german: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = german
    listing = await create_listing(client, owner, organization)
    url = f"/api/v1/listings/{listing['id']}"

    changed = await client.patch(url, json={"vat_category": "reduced"}, headers=owner.headers)

    assert changed.status_code == 200, changed.text
    assert (changed.json()["vat_category"], changed.json()["vat_rate"], changed.json()["version"]) == (
        "reduced",
        "7",
        2,
    )
    versions = (await client.get(f"{url}/versions", headers=owner.headers)).json()
    assert [v["change"] for v in versions] == ["created", "details"]
    refused = await client.patch(url, json={"vat_category": "super_reduced"}, headers=owner.headers)
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == ["$.vat_category"]
    kept = (await client.get(url, headers=owner.headers)).json()
    assert (kept["vat_category"], kept["version"]) == ("reduced", 2)


async def test_a_row_of_a_category_the_country_lacks_is_reported_in_its_column_when_a_file_is_imported(
    client: Client, german: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = german

    rejected = await _import(
        client,
        owner,
        organization,
        "BROT-1,Roggenbrot,de,CPV,15811100-7,H87,1:4.50,20,DE-SN,reduced",
        "HONIG-1,Lindenhonig,de,HS,0409.00,KGM,1:12,30,DE-SN,super_reduced",
        "KAESE-1,Bergkäse,de,HS,0406.90,KGM,1:22,10,DE-SN,luxury",
    )

    assert rejected.status_code == 422, rejected.text
    errors = rejected.json()["errors"]
    assert [(error["row"], error["field"]) for error in errors] == [(3, "vat_category"), (4, "vat_category")]
    assert errors[0]["message"] == "Germany has no super-reduced VAT rate; choose standard or reduced"
    assert await _listings(client, owner, organization) == []


async def test_a_file_without_the_column_lists_standard_and_the_export_carries_each_category_when_imported(
    client: Client, german: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = german
    header = HEADER.removesuffix(",vat_category")
    body = f"{header}\nBROT-1,Roggenbrot,de,CPV,15811100-7,H87,1:4.50,20,DE-SN\n".encode()
    imported = await client.post(
        f"/api/v1/organizations/{organization['id']}/listings/import",
        content=body,
        headers={**owner.headers, "Content-Type": "text/csv"},
    )
    assert imported.status_code == 200, imported.text
    reduced = await _import(client, owner, organization, "HONIG-1,Lindenhonig,de,HS,0409.00,KGM,1:12,30,DE-SN,reduced")
    assert reduced.status_code == 200, reduced.text

    by_sku = {item["sku"]: item for item in await _listings(client, owner, organization)}
    assert (by_sku["BROT-1"]["vat_category"], by_sku["HONIG-1"]["vat_category"]) == ("standard", "reduced")
    exported = await client.get(
        f"/api/v1/organizations/{organization['id']}/listings/export", params={"format": "csv"}, headers=owner.headers
    )
    assert sorted((row["sku"], row["vat_category"]) for row in csv.DictReader(io.StringIO(exported.text))) == [
        ("BROT-1", "standard"),
        ("HONIG-1", "reduced"),
    ]
    # Changing the category in the file, and only that, makes a new version of that listing alone.
    upsert = await _import(
        client, owner, organization, "HONIG-1,Lindenhonig,de,HS,0409.00,KGM,1:12,30,DE-SN,standard", mode="upsert"
    )
    assert (upsert.json()["updated"], upsert.json()["unchanged"]) == (1, 0)
    honey = {item["sku"]: item for item in await _listings(client, owner, organization)}["HONIG-1"]
    assert (honey["vat_category"], honey["vat_rate"], honey["version"]) == ("standard", "19", 2)
