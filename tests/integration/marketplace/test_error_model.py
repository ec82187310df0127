"""One error model for invalid input: every offending field at once, named where the caller wrote it, in plain words.

Body fields are JSON paths (`$.lines[1].quantity`), query parameters `query:<name>`, headers
`header:<Name>`; all of it is the one `invalid-input` problem (422), whether msgspec, Litestar
or a service found it. JSON that does not parse is another matter: 400 `malformed-request`.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Annotated, Any, get_args, get_origin

import msgspec
import pytest
from litestar import Litestar
from litestar.params import ParameterKwarg
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.validation import Rule
from kernel.web import parameters_of
from tests.factories.catalog import create_listing, listing_body
from tests.factories.identity import Account, register
from tests.factories.organization import (
    admitted_organization,
    create_hub,
    create_organization,
    organization_body,
    platform_admin,
)

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


# --- What callers send is read strictly ------------------------------------------------------


@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
async def test_a_body_is_refused_with_415_naming_json_when_not_sent_as_json(
    client: Client, content_type: str | None
) -> None:
    owner = await register(client)
    headers = {**owner.headers, **({"Content-Type": content_type} if content_type else {})}
    response = await client.post("/api/v1/organizations", content=json.dumps(organization_body()), headers=headers)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/unsupported-media-type")
    assert "application/json" in response.json()["detail"]
    listed = await client.get("/api/v1/organizations", headers=owner.headers)
    assert listed.json()["total"] == 0


async def test_a_body_is_read_when_its_json_content_type_has_parameters(client: Client) -> None:
    owner = await register(client)
    response = await client.post(
        "/api/v1/organizations",
        content=json.dumps(organization_body()).encode(),
        headers={**owner.headers, "Content-Type": "application/json; charset=utf-8"},
    )
    assert response.status_code == 201, response.text


async def test_json_of_the_wrong_kind_is_refused_rather_than_converted(client: Client) -> None:
    """Text for a whole number was read as a number ("1e-400" as 0), 1.0 as 1, a number as a time."""
    owner = await register(client)
    for count in ("1e-400", "3", 3.0):
        response = await client.post(
            "/api/v1/organizations", json=organization_body(employee_count=count), headers=owner.headers
        )
        assert invalid_input(response) == {"$.employee_count": "must be a whole number"}
    assert (await client.get("/api/v1/organizations", headers=owner.headers)).json()["total"] == 0


@pytest.mark.parametrize(
    "hidden",
    ["\u202e", "\u200b", "\u2066", "\x00", "\n", "\ufeff"],
    ids=["right-to-left-override", "zero-width-space", "isolate", "nul", "new-line", "byte-order-mark"],
)
async def test_names_and_titles_with_hidden_characters_are_refused_naming_the_field(
    client: Client, producer: tuple[Account, dict[str, Any]], hidden: str
) -> None:
    owner, organization = producer
    renamed = await client.patch(
        f"/api/v1/organizations/{organization['id']}",
        json={"legal_name": f"Zioła{hidden}gpj.exe"},
        headers=owner.headers,
    )
    assert list(invalid_input(renamed)) == ["$.legal_name"]
    body = listing_body()
    body["translations"]["pl"]["title"] = f"Miód{hidden}lipowy"
    listed = await client.post(f"/api/v1/organizations/{organization['id']}/listings", json=body, headers=owner.headers)
    assert list(invalid_input(listed)) == ["$.translations.pl.title"]
    registered = await client.post(
        "/api/v1/auth/register",
        json={
            "email": f"hidden-{uuid.uuid4().hex[:8]}@example.org",
            "password": "a long passphrase",
            "full_name": f"Maria{hidden}Z",
        },
    )
    assert list(invalid_input(registered)) == ["$.full_name"]


async def test_an_order_list_refuses_a_day_outside_the_window_naming_the_parameter(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    """`placed_to=9999-12-31` was a 500: the day after it cannot be computed."""
    coordinator, owner = await register(client), await register(client)
    hub = await create_hub(client, await platform_admin(client, sessions, settings), [coordinator])
    organization = await admitted_organization(client, hub, owner, coordinator, kind="buyer")
    for url, account in [
        (f"/api/v1/organizations/{organization['id']}/orders", owner),
        (f"/api/v1/hubs/{hub['id']}/orders", coordinator),
    ]:
        for day in ("9999-12-31", "0001-01-01"):
            response = await client.get(
                url, params={"placed_from": "2026-01-01", "placed_to": day}, headers=account.headers
            )
            assert list(invalid_input(response)) == ["query:placed_to"], url
        fine = await client.get(
            url, params={"placed_from": "2026-01-01", "placed_to": "2026-12-31"}, headers=account.headers
        )
        assert fine.status_code == 200, fine.text
    converted = await client.get(
        "/api/v1/fx/convert",
        params={"amount_minor": 100, "from": "EUR", "to": "PLN", "on": "9999-12-31"},
        headers=owner.headers,
    )
    assert list(invalid_input(converted)) == ["query:on"]


async def test_every_decimal_day_and_time_a_caller_sends_is_bounded_by_its_type(app: Litestar) -> None:
    """No decimal, date or time reaches a service unchecked: each one a body, a parameter or a
    dependency's parameter takes carries a `Rule` of `kernel.validation` (finite, bounded, its
    decimal places), which decoding (`JsonRequest`) and `check_parameters` apply."""
    unruled = {
        f"{route.path} {where}"
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        for parameter in parameters_of(handler)
        if parameter.name == "data"
        or (isinstance(parameter.kwarg_definition, ParameterKwarg) and not parameter.is_di_field)
        for where in _unruled(parameter.raw, parameter.name)
    }
    assert not unruled, sorted(unruled)


def _unruled(annotation: Any, path: str, ruled: bool = False, seen: frozenset[type] = frozenset()) -> list[str]:
    """The paths of the decimal, date and time values inside `annotation` that carry no `Rule`."""
    while get_origin(annotation) is Annotated:
        annotation, *metadata = get_args(annotation)
        ruled = ruled or any(isinstance(item, Rule) for item in metadata)
    if isinstance(annotation, type) and issubclass(annotation, Decimal | dt.date):
        return [] if ruled else [path]
    if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct):
        if annotation in seen:
            return []
        return [
            found
            for field in msgspec.structs.fields(annotation)
            for found in _unruled(field.type, f"{path}.{field.name}", seen=seen | {annotation})
        ]
    return [found for arg in get_args(annotation) for found in _unruled(arg, path, ruled, seen)]


async def test_a_query_string_too_long_to_read_is_a_problem_not_plain_text(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, _ = producer
    response = await client.get(f"/api/v1/organizations?filler={'x' * 9000}", headers=owner.headers)
    assert response.status_code == 414, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/uri-too-long")


async def test_a_preflight_from_another_origin_gets_no_permission_and_no_plain_text(client: Client) -> None:
    response = await client.options(
        "/api/v1/organizations",
        headers={"Origin": "https://elsewhere.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204, response.text
    assert "access-control-allow-origin" not in response.headers
