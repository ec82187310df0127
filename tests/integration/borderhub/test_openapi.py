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
