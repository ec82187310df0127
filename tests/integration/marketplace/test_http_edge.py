"""The HTTP edge: probes, the OpenAPI page, and problem+json for every kind of bad request."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient

from marketplace.catalog.listing_files import XLSX_MEDIA_TYPE
from marketplace.catalog.schemas import ImportReport, ListingCreate, ListingRead, Quote
from marketplace.compliance.schemas import CredentialCreate, CredentialRead, Eligibility
from marketplace.dispute.schemas import DisputeOpen, DisputeRead, DisputeResolution
from marketplace.order.schemas import CheckoutCreate, CheckoutRead, OrderRead
from marketplace.payment.schemas import InvoiceRead
from tests.factories.identity import register
from tests.factories.organization import create_organization

Client = AsyncTestClient[Any]


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["detail"]
    return body


async def test_health_and_ready_report_the_current_migration(client: Client) -> None:
    assert (await client.get("/health")).json() == {"status": "ok"}
    ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["database"] == "ok"
    assert ready.json()["migration"]


async def test_openapi_document_and_interactive_page_are_served(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    assert "/api/v1/organizations/{organization_id}" in document["paths"]
    create = document["components"]["schemas"]["OrganizationCreate"]
    assert {"legal_name", "country", "default_currency", "languages", "employee_count"} <= set(create["properties"])
    page = await client.get("/schema")
    assert page.status_code == 200
    assert "<html" in page.text.lower()


async def test_request_id_is_echoed_and_a_fresh_one_is_made_when_absent(client: Client) -> None:
    echoed = await client.get("/health", headers={"X-Request-ID": "trace-123"})
    assert echoed.headers["x-request-id"] == "trace-123"
    fresh = await client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert fresh.headers["x-request-id"] != "bad id with spaces"
    assert len(fresh.headers["x-request-id"]) == 32


async def test_unknown_route_and_wrong_method_are_problem_json(client: Client) -> None:
    assert_problem(await client.get("/api/v1/no-such-thing"), 404)
    assert_problem(await client.put("/api/v1/auth/login", json={}), 405)


async def test_malformed_json_is_400_and_wrong_types_are_422_naming_the_field(client: Client) -> None:
    owner = await register(client)
    headers = {**owner.headers, "content-type": "application/json"}
    assert_problem(await client.post("/api/v1/organizations", content=b'{"legal_name": "x",', headers=headers), 400)
    body = {"legal_name": 42, "kind": "producer"}
    problem = assert_problem(await client.post("/api/v1/organizations", content=json.dumps(body), headers=headers), 422)
    assert problem["errors"][0]["field"] == "$.legal_name"


@pytest.mark.parametrize("size", [2 * 1024 * 1024, 10 * 1024 * 1024])
async def test_oversized_body_is_413_and_nothing_is_created(client: Client, size: int) -> None:
    owner = await register(client)
    padding = "x" * size
    body = json.dumps({"legal_name": padding}).encode()
    assert_problem(
        await client.post(
            "/api/v1/organizations", content=body, headers={**owner.headers, "content-type": "application/json"}
        ),
        413,
    )
    assert (await client.get("/api/v1/organizations", headers=owner.headers)).json()["total"] == 0


async def test_unknown_fields_are_rejected_rather_than_silently_ignored(client: Client) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    problem = assert_problem(
        await client.patch(
            f"/api/v1/organizations/{organization['id']}", json={"is_verified": True}, headers=owner.headers
        ),
        422,
    )
    assert "is_verified" in problem["detail"]


@pytest.mark.parametrize(("page", "per_page"), [(0, 20), (1, 0), (1, 101)])
async def test_pagination_out_of_range_is_422(client: Client, page: int, per_page: int) -> None:
    owner = await register(client)
    assert_problem(
        await client.get(f"/api/v1/organizations?page={page}&per_page={per_page}", headers=owner.headers), 422
    )


async def test_page_beyond_the_end_is_empty_with_the_true_total(client: Client) -> None:
    owner = await register(client)
    for _ in range(3):
        await create_organization(client, owner)
    page = (await client.get("/api/v1/organizations?page=2&per_page=2", headers=owner.headers)).json()
    assert (len(page["items"]), page["total"]) == (1, 3)
    beyond = (await client.get("/api/v1/organizations?page=9&per_page=2", headers=owner.headers)).json()
    assert (beyond["items"], beyond["total"]) == ([], 3)


async def test_undecodable_or_absurd_input_is_4xx_never_5xx(client: Client) -> None:
    owner = await register(client)
    headers = {**owner.headers, "content-type": "application/json"}
    assert_problem(
        await client.post("/api/v1/organizations", content=b'{"legal_name": "\xff\xfe"}', headers=headers), 400
    )
    deep = b"[" * 100_000 + b"]" * 100_000
    assert_problem(await client.post("/api/v1/organizations", content=deep, headers=headers), 400)
    assert_problem(await client.get("/api/v1/organizations?page=999999999999999999", headers=owner.headers), 422)
    nul = await client.post("/api/v1/me/api-keys", json={"name": "erp\u0000sync"}, headers=owner.headers)
    assert_problem(nul, 422)
    assert (await client.get("/api/v1/me/api-keys", headers=owner.headers)).json() == []


async def test_openapi_documents_every_field_of_listings_and_credentials(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    schemas = dict(document["components"]["schemas"])
    # A credential is sent as JSON or as a form with its document: its body's schema is given inline.
    submit = document["paths"]["/api/v1/organizations/{organization_id}/credentials"]["post"]
    schemas[CredentialCreate.__name__] = submit["requestBody"]["content"]["application/json"]["schema"]
    for struct in (ListingCreate, ListingRead, Quote, ImportReport, CredentialCreate, CredentialRead, Eligibility):
        documented = schemas[struct.__name__]["properties"]
        assert set(documented) == {f.encode_name for f in msgspec.structs.fields(struct)}, struct.__name__
        # msgspec's inline schemas say anyOf where Litestar says oneOf; a described enum is an allOf of its $ref.
        typed = ("type", "oneOf", "anyOf", "allOf", "$ref")
        assert all(any(keyword in spec for keyword in typed) for spec in documented.values()), struct.__name__


async def test_openapi_documents_the_listing_file_upload_and_its_options(client: Client) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    upload = paths["/api/v1/organizations/{organization_id}/listings/import"]["post"]
    assert set(upload["requestBody"]["content"]) == {"text/csv", "application/x-ndjson", XLSX_MEDIA_TYPE}
    assert {p["name"] for p in upload["parameters"]} >= {"format", "mode", "dry_run"}
    assert "title[<language>]" in upload["description"]
    export = paths["/api/v1/organizations/{organization_id}/listings/export"]["get"]
    assert {p["name"] for p in export["parameters"]} >= {"format"}


async def test_openapi_documents_checkout_orders_invoices_and_disputes(client: Client) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    schemas = document["components"]["schemas"]
    for struct in (CheckoutCreate, CheckoutRead, OrderRead, InvoiceRead, DisputeOpen, DisputeRead, DisputeResolution):
        documented = schemas[struct.__name__]["properties"]
        assert set(documented) == {f.encode_name for f in msgspec.structs.fields(struct)}, struct.__name__
    checkout = document["paths"]["/api/v1/checkouts"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in checkout["parameters"]}
    assert checkout["responses"]["201"]["content"]["application/json"]["schema"]["$ref"].endswith("/CheckoutRead")
    mark_paid = document["paths"]["/api/v1/invoices/{invoice_id}/mark-paid"]["post"]
    assert "Idempotency-Key" in {p["name"] for p in mark_paid["parameters"]}
