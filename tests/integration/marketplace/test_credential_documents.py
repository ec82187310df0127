"""Credential documents through the API: a permit or certificate uploaded with its issuer (a PDF, JPEG
or PNG judged by its bytes), served only to the organisation's members and its hubs' coordinators;
a link kept as the alternative; and where a credential counts by its hubs' rules."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import uuid
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import migrate
from marketplace.api import Reader, check_eligibility
from marketplace.compliance.documents import MAX_DOCUMENT_BYTES
from tests.factories.compliance import (
    PDF,
    add_recognition,
    add_requirement,
    credential_body,
    credential_fields,
    submit_credential,
    upload_credential,
)
from tests.factories.identity import Account, register
from tests.factories.organization import admitted_organization, create_hub, platform_admin
from tests.factories.photos import phone_jpeg

Client = AsyncTestClient[Any]


@dataclasses.dataclass(frozen=True)
class Hub:
    """A Görlitz–Zgorzelec hub with one coordinator and one admitted seller in Zgorzelec (PL-02)."""

    admin: Account
    coordinator: Account
    owner: Account
    hub: dict[str, Any]
    seller: dict[str, Any]

    @property
    def credentials_url(self) -> str:
        return f"/api/v1/organizations/{self.seller['id']}/credentials"


@pytest.fixture
async def world(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Hub:
    admin = await platform_admin(client, sessions, settings)
    coordinator, owner = await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    seller = await admitted_organization(client, hub, owner, coordinator)
    return Hub(admin=admin, coordinator=coordinator, owner=owner, hub=hub, seller=seller)


def _image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (200, 200, 190)).save(buffer, kind)
    return buffer.getvalue()


#: A phone's JPEG cut off halfway, as an interrupted transfer leaves it: its header is whole.
_TRUNCATED_JPEG = phone_jpeg(640, 480)[: len(phone_jpeg(640, 480)) // 2]


def _fields(response: Any) -> list[str]:
    return [error["field"] for error in response.json()["errors"]]


def _stored(settings: Settings, organization: dict[str, Any]) -> list[Path]:
    folder = settings.data_dir / "files" / "credential-documents" / organization["id"]
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


async def test_an_uploaded_pdf_is_served_to_members_and_the_hubs_coordinators_and_to_nobody_else(
    client: Client, world: Hub
) -> None:
    uploaded = await upload_credential(
        client, world.owner, world.seller, PDF, "Zertifikat Öko 2026.pdf", issuer="Öko-Kontrollstelle DE-ÖKO-006"
    )

    assert uploaded.status_code == 201, uploaded.text
    credential = uploaded.json()
    assert credential["issuer"] == "Öko-Kontrollstelle DE-ÖKO-006"
    assert credential["document_url"] is None
    document = credential["document"]
    assert (document["media_type"], document["name"], document["size_bytes"]) == (
        "application/pdf",
        "Zertifikat Öko 2026.pdf",
        len(PDF),
    )
    assert document["url"] == f"{world.credentials_url}/{credential['id']}/document"
    for reader in (world.owner, world.coordinator):
        served = await client.get(document["url"], headers=reader.headers)
        assert served.status_code == 200, served.text
        assert served.content == PDF
        assert served.headers["content-type"] == "application/pdf"
        assert served.headers["cache-control"].startswith("private")
        assert served.headers["x-content-type-options"] == "nosniff"
        assert served.headers["content-disposition"] == (
            "inline; filename=\"Zertifikat Oko 2026.pdf\"; filename*=UTF-8''Zertifikat%20%C3%96ko%202026.pdf"
        )
    # A stranger, and a platform admin who is neither a member nor a coordinator: as if it did not exist.
    for outsider in (await register(client), world.admin):
        refused = await client.get(document["url"], headers=outsider.headers)
        assert refused.status_code == 404, refused.text
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert PDF not in refused.content
    client.cookies.clear()
    assert (await client.get(document["url"])).status_code == 401


@pytest.mark.parametrize(
    ("kind", "media_type", "name"), [("JPEG", "image/jpeg", "scan.jpg"), ("PNG", "image/png", "scan.png")]
)
async def test_a_photo_of_the_document_is_kept_byte_for_byte_under_the_extension_of_its_real_type(
    client: Client, world: Hub, kind: str, media_type: str, name: str
) -> None:
    content = _image(kind)

    uploaded = await upload_credential(client, world.owner, world.seller, content, "C:\\scans\\scan.txt")

    assert uploaded.status_code == 201, uploaded.text
    assert (uploaded.json()["document"]["media_type"], uploaded.json()["document"]["name"]) == (media_type, name)
    served = await client.get(uploaded.json()["document"]["url"], headers=world.owner.headers)
    assert (served.headers["content-type"], served.content) == (media_type, content)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"Certificate no. PL-EKO-07-00042, valid until 2027.\n", "is not a PDF, JPEG or PNG file"),
        (_image("GIF"), "is not a PDF, JPEG or PNG file"),
        (_image("PNG")[:200], "is damaged or incomplete: it cannot be read as an image"),
        (_TRUNCATED_JPEG, "is damaged or incomplete: it cannot be read as an image"),
        (b"", "is an empty file"),
        (PDF + b" " * MAX_DOCUMENT_BYTES, "is a file larger than 10 MB"),
    ],
    ids=["text", "gif", "damaged-png", "truncated-jpeg", "empty", "too-large"],
)
async def test_what_is_no_pdf_jpeg_or_png_of_at_most_10_mb_is_refused_on_the_file_field_and_nothing_is_kept(
    client: Client, world: Hub, settings: Settings, content: bytes, reason: str
) -> None:
    refused = await upload_credential(client, world.owner, world.seller, content, "certificate.pdf")

    assert refused.status_code == 422, refused.text
    assert [(e["field"], e["message"]) for e in refused.json()["errors"]] == [("$.file", reason)]
    listed = await client.get(world.credentials_url, headers=world.owner.headers)
    assert listed.json()["items"] == []
    assert _stored(settings, world.seller) == []


async def test_a_credential_needs_its_document_uploaded_or_linked_and_may_have_both(client: Client, world: Hub) -> None:
    body = credential_body()
    del body["document_url"]
    neither = await client.post(world.credentials_url, json=body, headers=world.owner.headers)
    assert neither.status_code == 422
    assert _fields(neither) == ["$.file"]
    form_without_file = await client.post(
        world.credentials_url, data=credential_fields(), files={"other": ("x", b"")}, headers=world.owner.headers
    )
    assert form_without_file.status_code == 422, form_without_file.text

    both = await upload_credential(
        client, world.owner, world.seller, document_url="https://register.example.org/PL-EKO-07/42"
    )

    assert both.status_code == 201, both.text
    assert both.json()["document_url"] == "https://register.example.org/PL-EKO-07/42"
    assert both.json()["document"]["media_type"] == "application/pdf"


async def test_a_json_credential_without_an_issuer_is_still_recorded_and_one_with_it_keeps_it(
    client: Client, world: Hub
) -> None:
    linked = await submit_credential(client, world.owner, world.seller)
    assert (linked["issuer"], linked["document"]) == (None, None)
    named = await submit_credential(client, world.owner, world.seller, issuer="  Bio-Siegel Prüfstelle  ")
    assert named["issuer"] == "Bio-Siegel Prüfstelle"

    # A linked credential has no document of ours to serve.
    missing = await client.get(f"{world.credentials_url}/{linked['id']}/document", headers=world.owner.headers)
    assert missing.status_code == 404


async def test_a_blank_issuer_or_a_body_of_another_type_is_refused(client: Client, world: Hub) -> None:
    blank = await client.post(
        world.credentials_url, json=credential_body(issuer=" \u202e "), headers=world.owner.headers
    )
    assert blank.status_code == 422, blank.text
    assert _fields(blank) == ["$.issuer"]
    as_text = await client.post(
        world.credentials_url,
        content=b"organic certificate",
        headers={**world.owner.headers, "Content-Type": "text/plain"},
    )
    assert as_text.status_code == 415
    bad_json = await client.post(
        world.credentials_url, content=b"{", headers={**world.owner.headers, "Content-Type": "application/json"}
    )
    assert bad_json.status_code == 400


async def test_a_stranger_can_neither_upload_nor_learn_that_the_organisation_exists(
    client: Client, world: Hub, settings: Settings
) -> None:
    stranger = await register(client)

    refused = await upload_credential(client, stranger, world.seller)

    assert refused.status_code == 404
    assert _stored(settings, world.seller) == []


async def test_a_credential_counts_where_issued_and_where_its_hubs_recognise_it_as_eligibility_decides(
    client: Client, world: Hub, sessions: async_sessionmaker[AsyncSession]
) -> None:
    # Saxony (DE-SN) recognises Polish organic certificates; Poland asks for one everywhere, Czechia too.
    await add_recognition(client, world.hub, world.coordinator, issued_in="PL", recognised_in="DE-SN")
    into_saxony = await add_requirement(client, world.hub, world.coordinator, destination="DE-SN")
    into_poland = await add_requirement(client, world.hub, world.coordinator, destination="PL")
    await add_requirement(client, world.hub, world.coordinator, destination="CZ")
    uploaded = await upload_credential(client, world.owner, world.seller, issuing_jurisdiction="PL-02")
    credential = uploaded.json()
    url = f"{world.credentials_url}/{credential['id']}/acceptance"

    waiting = (await client.get(url, headers=world.owner.headers)).json()
    verified = await client.post(
        f"/api/v1/hubs/{world.hub['id']}/credentials/{credential['id']}/verify", headers=world.coordinator.headers
    )
    assert verified.status_code == 200, verified.text
    counting = (await client.get(url, headers=world.coordinator.headers)).json()

    assert waiting["counts_today"] is False
    assert counting["counts_today"] is True
    assert counting["accepted_in"] == [
        {"jurisdiction": "PL-02", "hub_id": None},
        {"jurisdiction": "DE-SN", "hub_id": world.hub["id"]},
    ]
    # The Polish rule is met in Lower Silesia only (a regional certificate), the Saxon one whole, the Czech one not.
    assert sorted((u["requirement_id"], u["destination"]) for u in counting["unlocks"]) == sorted(
        [(into_saxony["id"], "DE-SN"), (into_poland["id"], "PL-02")]
    )
    seller = uuid.UUID(world.seller["id"])
    for destination, eligible in (("DE-SN", True), ("PL-02", True), ("PL-04", False), ("CZ", False)):
        async with sessions() as session:
            answer = await check_eligibility(
                session,
                seller_organization_id=seller,
                classification_scheme="CPV",
                classification_code="03110000-5",
                destination=destination,
                reader=Reader.seller,
            )
        assert answer.eligible is eligible, destination
    stranger = await register(client)
    assert (await client.get(url, headers=stranger.headers)).status_code == 404
    other = await client.get(f"{world.credentials_url}/{uuid.uuid4()}/acceptance", headers=world.owner.headers)
    assert other.status_code == 404


async def test_downgrading_past_the_documents_keeps_where_an_uploaded_document_is(
    client: Client, world: Hub, database_url: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    uploaded = await upload_credential(client, world.owner, world.seller)
    credential_id = uploaded.json()["id"]
    config = migrate.alembic_config(database_url)

    await asyncio.to_thread(command.downgrade, config, "0024")
    async with sessions() as session:
        kept = (
            await session.execute(
                text("SELECT document_url FROM marketplace.credential WHERE id = :id"), {"id": uuid.UUID(credential_id)}
            )
        ).scalar_one()
    await asyncio.to_thread(command.upgrade, config, "head")
    # The app's connections hold statements prepared against the table as it was.
    await client.app.state.engine.dispose()

    assert kept == f"file-storage:credential-documents/{world.seller['id']}/{credential_id}"
    read = await client.get(f"{world.credentials_url}/{credential_id}", headers=world.owner.headers)
    assert (read.json()["document_url"], read.json()["document"]) == (kept, None)
