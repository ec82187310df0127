"""The OpenAPI document tells a client how to authenticate, what each tag is and what to send, and its
page at /schema loads only this server's own files."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest
from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.params import BodyKwarg
from litestar.testing import AsyncTestClient

from marketplace.catalog.listing_files import XLSX_MEDIA_TYPE
from marketplace.organization.schemas import ORGANIZATION_CREATE_EXAMPLE
from tests.factories.identity import register

Client = AsyncTestClient[Any]

# The request bodies of the main journeys: each must show a working example.
JOURNEY_BODIES = [
    ("post", "/api/v1/auth/register"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/organizations"),
    ("post", "/api/v1/organizations/{organization_id}/listings"),
    ("post", "/api/v1/checkouts"),
    ("post", "/api/v1/pools"),
    ("post", "/api/v1/pools/{pool_id}/commitments"),
    ("post", "/api/v1/tenders"),
    ("put", "/api/v1/tenders/{tender_id}/bids/{organization_id}"),
]


async def test_openapi_declares_bearer_token_and_api_key_as_either_credential(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": schemes["bearer"]["description"],
    }
    assert "bhk_" in schemes["bearer"]["description"]  # an API key also works as the bearer token
    assert (schemes["apiKey"]["type"], schemes["apiKey"]["in"], schemes["apiKey"]["name"]) == (
        "apiKey",
        "header",
        "X-API-Key",
    )
    assert document["security"] == [{"bearer": []}, {"apiKey": []}]  # alternatives, not both at once


async def test_openapi_describes_exactly_the_tags_the_operations_use(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    used = {tag for path in document["paths"].values() for operation in path.values() for tag in operation["tags"]}
    described = {tag["name"]: tag.get("description", "") for tag in document["tags"]}
    assert set(described) == used
    assert all(description.strip() for description in described.values()), described


async def test_openapi_shows_an_example_for_each_journey_request_body(client: Client) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    for method, path in JOURNEY_BODIES:
        schema = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]
        assert schema.get("examples"), f"{method.upper()} {path} has no request-body example"


def _documented_bodies(app: Litestar) -> list[tuple[str, Any, Any]]:
    """(handler, body type, example) for every request-body example the route handlers declare."""
    handlers = [
        (f"{handler.handler_name} {route.path}", handler.parsed_fn_signature.parameters.get("data"))
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if isinstance(handler, HTTPRouteHandler)
    ]
    return [
        (name, data.annotation, example.value)
        for name, data in handlers
        if data is not None and isinstance(data.kwarg_definition, BodyKwarg)
        for example in data.kwarg_definition.examples or []
    ]


def test_every_request_body_example_is_accepted_by_its_body_type(app: Litestar) -> None:
    bodies = _documented_bodies(app)
    assert len(bodies) >= len(JOURNEY_BODIES)
    for name, body_type, example in bodies:
        try:
            msgspec.json.decode(msgspec.json.encode(example), type=body_type)
        except msgspec.ValidationError as exc:
            pytest.fail(f"the example of {name} is refused: {exc}")


async def test_docs_page_loads_only_this_servers_own_files(client: Client) -> None:
    page = await client.get("/schema")
    assert page.status_code == 200
    head = page.text.split("<body", 1)[0]
    loaded = re.findall(r"""(?:src|href)=["']([^"']+)["']""", head)
    assert loaded, "the page names no script or stylesheet"
    assert all(url.startswith("/schema/assets/") for url in loaded), loaded
    for url in loaded:
        asset = await client.get(url)
        assert asset.status_code == 200, url
        assert asset.headers["content-type"].split(";")[0] in {"text/css", "text/javascript", "image/png"}, url
    # Only what the page needs: not the package's demo page, which loads a public petstore.
    assert (await client.get("/schema/assets/index.html")).status_code == 404


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _walk(node: Any) -> Any:
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from _walk(child)


async def test_every_error_answer_is_documented_as_a_problem(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                assert response["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, f"{method} {path} {status}"
    award = document["paths"]["/api/v1/tenders/{tender_id}/award"]["get"]["responses"]
    assert {"401", "403", "404", "422"} <= set(award), "a signed-in read of one tender's award"
    checkout = document["paths"]["/api/v1/checkouts"]["post"]["responses"]
    assert {"401", "403", "409", "413", "415", "422"} <= set(checkout)
    places = document["paths"]["/api/v1/places/countries"]["get"]["responses"]
    assert "401" not in places, "places are public"
    assert "503" in document["paths"]["/ready"]["get"]["responses"]
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}


async def test_document_has_no_untyped_alternatives_and_names_every_format(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    untyped = [node for node in _walk(document) if isinstance(node, dict) and {} in node.get("oneOf", [])]
    assert not untyped, untyped[:3]
    paths = document["paths"]
    dashboard = paths["/api/v1/hubs/{hub_id}/dashboard"]["get"]["responses"]["200"]["content"]
    assert dashboard["application/json"]["schema"] == {"$ref": "#/components/schemas/Dashboard"}
    assert "text/csv" in dashboard
    chart = paths["/api/v1/hubs/{hub_id}/dashboard/charts/{chart}"]["get"]["responses"]["200"]["content"]
    assert set(chart) == {"image/svg+xml", "image/png"}
    export = paths["/api/v1/organizations/{organization_id}/listings/export"]["get"]["responses"]["200"]["content"]
    assert set(export) == {"text/csv", "application/x-ndjson", XLSX_MEDIA_TYPE}


async def test_document_says_which_bodies_refuse_unknown_fields(client: Client) -> None:
    schemas = (await client.get("/schema/openapi.json")).json()["components"]["schemas"]
    assert schemas["ListingCreate"]["additionalProperties"] is False
    assert schemas["CheckoutCreate"]["additionalProperties"] is False
    # What the service answers stays open to new fields.
    assert "additionalProperties" not in schemas["ListingRead"]


async def test_options_answers_the_methods_the_path_allows(client: Client) -> None:
    answer = await client.options(
        "/api/v1/tenders/00000000-0000-0000-0000-000000000000/bids/00000000-0000-0000-0000-000000000000"
    )
    assert answer.status_code == 204, answer.text
    assert {method.strip() for method in answer.headers["allow"].split(",")} == {"GET", "PUT", "DELETE", "OPTIONS"}


async def test_the_documented_example_of_each_organisation_field_is_accepted(client: Client) -> None:
    """An example in the document is one a reader may copy: the organisation body with every field's
    first documented example (the subdivision's was `PL-DS`, a code ISO 3166-2 retired in 2018) is created."""
    document = (await client.get("/schema/openapi.json")).json()
    body = dict(ORGANIZATION_CREATE_EXAMPLE)
    for name, field in document["components"]["schemas"]["OrganizationCreate"]["properties"].items():
        if field.get("examples"):
            body[name] = field["examples"][0]
    assert body["subdivision"] == "PL-02"
    owner = await register(client)
    created = await client.post("/api/v1/organizations", json=body, headers=owner.headers)
    assert created.status_code == 201, created.text
