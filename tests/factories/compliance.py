"""Credentials, recognitions and requirements for tests, created through the HTTP API."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from litestar.testing import AsyncTestClient

from kernel import clock
from tests.factories.identity import Account

_counter = itertools.count(1)


def days(offset: int) -> str:
    """Today (UTC) plus `offset` days, as the API writes dates."""
    return (clock.today() + dt.timedelta(days=offset)).isoformat()


def credential_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "credential_type": "organic",
        "number": f"PL-EKO-07-{next(_counter):05d}",
        "issuing_jurisdiction": "PL",
        "valid_from": days(-30),
        "valid_until": days(335),
        "document_url": "https://certificates.example.org/organic.pdf",
    }
    body.update(overrides)
    return body


async def submit_credential(
    client: AsyncTestClient[Any], owner: Account, organization: dict[str, Any], **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/organizations/{organization['id']}/credentials",
        json=credential_body(**overrides),
        headers=owner.headers,
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


#: The smallest file a PDF reader opens: one blank page.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def credential_fields(**overrides: Any) -> dict[str, str]:
    """A credential as the multipart form's text fields (no link: the document is the file)."""
    fields = {key: str(value) for key, value in credential_body(**overrides).items() if value is not None}
    if "document_url" not in overrides:
        fields.pop("document_url")
    return fields


async def upload_credential(
    client: AsyncTestClient[Any],
    owner: Account,
    organization: dict[str, Any],
    content: bytes = PDF,
    filename: str = "certificate.pdf",
    **overrides: Any,
) -> Any:
    """A credential submitted as the multipart form with its document in `file` (the response, unchecked)."""
    return await client.post(
        f"/api/v1/organizations/{organization['id']}/credentials",
        data=credential_fields(**overrides),
        files={"file": (filename, content, "application/octet-stream")},
        headers=owner.headers,
    )


async def verified_credential(
    client: AsyncTestClient[Any],
    hub: dict[str, Any],
    owner: Account,
    coordinator: Account,
    organization: dict[str, Any],
    **overrides: Any,
) -> dict[str, Any]:
    credential = await submit_credential(client, owner, organization, **overrides)
    response = await client.post(
        f"/api/v1/hubs/{hub['id']}/credentials/{credential['id']}/verify", headers=coordinator.headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def add_requirement(
    client: AsyncTestClient[Any], hub: dict[str, Any], coordinator: Account, **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "classification_scheme": "CPV",
        "classification_prefix": "0311",
        "destination": "PL",
        "credential_type": "organic",
        "description": "Organic produce sold into Poland needs an organic certificate",
    }
    body.update(overrides)
    response = await client.post(f"/api/v1/hubs/{hub['id']}/requirements", json=body, headers=coordinator.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def add_recognition(
    client: AsyncTestClient[Any], hub: dict[str, Any], coordinator: Account, **overrides: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {"credential_type": "organic", "issued_in": "DE", "recognised_in": "PL"}
    body.update(overrides)
    response = await client.post(f"/api/v1/hubs/{hub['id']}/recognitions", json=body, headers=coordinator.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
