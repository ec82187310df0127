"""One error model for invalid input: every offending field at once, named where the caller wrote it, in plain words.

Body fields are JSON paths (`$.lines[1].quantity`), query parameters `query:<name>`, headers
`header:<Name>`; all of it is the one `invalid-input` problem (422), whether msgspec, Litestar
or a service found it. JSON that does not parse is another matter: 400 `malformed-request`.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.factories.catalog import create_listing, listing_body
from tests.factories.identity import Account, register
from tests.factories.organization import create_organization

Client = AsyncTestClient[Any]


@pytest.fixture
async def producer(client: Client) -> tuple[Account, dict[str, Any]]:
    owner = await register(client)
    return owner, await create_organization(client, owner)


def invalid_input(response: Any) -> dict[str, str]:
    """The problem's fields and messages, after checking it is the one invalid-input problem in plain words."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/invalid-input")
    assert problem["title"] == "Invalid input"
    messages = {error["field"]: error["message"] for error in problem["errors"]}
    assert len(messages) == len(problem["errors"]), "each field is named once"
    for message in messages.values():
        assert "`" not in message
        assert "Expected" not in message
    return messages


async def test_a_listing_is_refused_naming_every_broken_rule_when_several_are(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    body = listing_body(
        classification={"scheme": "HS", "code": "12"},
        price_tiers=[{"min_quantity": "1", "unit_price": "-4.50"}],
        ships_to=["PL", "QQ"],
    )
    url = f"/api/v1/organizations/{organization['id']}/listings"
    response = await client.post(url, json=body, headers=owner.headers)
    assert set(invalid_input(response)) == {
        "$.classification.code",
        "$.price_tiers[0].unit_price",
        "$.ships_to[1]",
    }
    assert (await client.get(url, headers=owner.headers)).json()["total"] == 0


async def test_an_organisation_change_is_refused_naming_every_unknown_code(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    response = await client.patch(
        f"/api/v1/organizations/{organization['id']}",
        json={"languages": ["pl", "qq-ZZ", "xx-YY"], "default_currency": "ABC", "legal_name": "  "},
        headers=owner.headers,
    )
    assert set(invalid_input(response)) == {"$.legal_name", "$.default_currency", "$.languages[1]", "$.languages[2]"}
    unchanged = await client.get(f"/api/v1/organizations/{organization['id']}", headers=owner.headers)
    assert unchanged.json()["default_currency"] == organization["default_currency"]


async def test_a_body_names_each_bad_field_by_its_path_when_msgspec_would_stop_at_the_first(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    body = {
        "buyer_organization_id": organization["id"],
        "lines": [
            {"listing_id": str(uuid.uuid4()), "quantity": "2"},
            {"listing_id": str(uuid.uuid4()), "quantity": ["2"]},
            {"listing_id": "not-an-id"},
        ],
        "payment_method": "cash",
        "surprise": True,
    }
    response = await client.post("/api/v1/checkouts", json=body, headers=owner.headers)
    assert invalid_input(response) == {
        "$.lines[1].quantity": "must be a decimal number",
        "$.lines[2].listing_id": "must be a UUID, like 0b9e4a52-5f1c-4d8e-9a3b-2c7d1e6f8a90",
        "$.lines[2].quantity": "is required",
        "$.delivery": "is required",
        "$.payment_method": "must be one of: stripe, invoice",
        "$.surprise": "is not a known field",
    }


async def test_a_missing_required_field_is_named_by_its_own_path(client: Client) -> None:
    owner = await register(client)
    response = await client.post("/api/v1/organizations", json={"kind": "producer"}, headers=owner.headers)
    messages = invalid_input(response)
    assert messages["$.legal_name"] == "is required"
    assert "$" not in messages
    assert "$.data" not in messages
    no_body = await client.post("/api/v1/organizations", headers={**owner.headers, "Content-Type": "application/json"})
    assert invalid_input(no_body) == {"$": "is required"}


async def test_bad_query_parameters_are_all_named_as_query_parameters(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    url = f"/api/v1/organizations/{organization['id']}/listings"
    out_of_range = await client.get(f"{url}?per_page=0&page=0", headers=owner.headers)
    assert invalid_input(out_of_range) == {
        "query:page": "must be between 1 and 100000",
        "query:per_page": "must be between 1 and 100",
    }
    not_numbers = await client.get(f"{url}?per_page=many&page=first", headers=owner.headers)
    assert invalid_input(not_numbers) == {
        "query:page": "must be a whole number",
        "query:per_page": "must be a whole number",
    }
    unknown_status = await client.get(f"{url}?status=lost", headers=owner.headers)
    assert invalid_input(unknown_status) == {"query:status": "must be one of: active, paused, archived"}
    not_typed = await client.get("/api/v1/fx/convert?amount_minor=lots&from=EUR&to=PLN&on=soon", headers=owner.headers)
    assert invalid_input(not_typed) == {
        "query:amount_minor": "must be a whole number",
        "query:on": "must be a date, like 2026-12-01",
    }
    missing = await client.get("/api/v1/fx/convert?to=EUR", headers=owner.headers)
    assert invalid_input(missing) == {"query:amount_minor": "is required", "query:from": "is required"}


async def test_a_service_names_a_query_parameter_as_a_query_parameter(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    listing = await create_listing(client, owner, organization)
    response = await client.get(f"/api/v1/listings/{listing['id']}/eligibility?destination=QQ", headers=owner.headers)
    assert set(invalid_input(response)) == {"query:destination"}


async def test_a_bad_header_is_named_as_a_header(client: Client, producer: tuple[Account, dict[str, Any]]) -> None:
    owner, organization = producer
    listing = await create_listing(client, owner, organization)
    response = await client.post(
        "/api/v1/checkouts",
        json={
            "buyer_organization_id": organization["id"],
            "lines": [{"listing_id": listing["id"], "quantity": "2"}],
            "delivery": {
                "jurisdiction": "PL",
                "address": {
                    "recipient": "Urząd Miasta",
                    "line1": "ul. Daszyńskiego 1",
                    "postal_code": "59-900",
                    "city": "Zgorzelec",
                },
            },
        },
        headers={**owner.headers, "Idempotency-Key": "k" * 256},
    )
    assert set(invalid_input(response)) == {"header:Idempotency-Key"}


async def test_json_that_does_not_parse_is_a_malformed_request_not_invalid_input(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    response = await client.post(
        f"/api/v1/organizations/{organization['id']}/listings",
        content=b'{"sku": "X-1",',
        headers={**owner.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["type"].endswith("/malformed-request")
