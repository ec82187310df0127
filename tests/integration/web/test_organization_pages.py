"""The organisation pages: one's organisations, creating one on the form, its profile with its hubs
(applying to one), its permits and certificates, and what a stranger or an unproven account sees."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import Engine, event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.compliance import (
    PDF,
    add_recognition,
    add_requirement,
    days,
    upload_credential,
    verified_credential,
)
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.organization import create_hub, create_organization, platform_admin
from tests.factories.photos import phone_jpeg
from tests.factories.procurement import build_procurement, closed_pool, published_tender
from tests.integration.web.pages import csrf_of, sign_in_page

#: A Polish NIP that passes its check digit (the API's example), and one that does not.
GOOD_NIP, BAD_NIP = "615-123-45-61", "615-123-45-62"


async def _signed_in(client: AsyncTestClient[Litestar], **extra: Any) -> Account:
    account = await register(client, **extra)
    client.cookies.clear()
    signed_in = await sign_in_page(client, account.email, PASSWORD)
    assert signed_in.status_code == 303
    return account


async def _post(
    client: AsyncTestClient[Litestar], form_page: str, action: str, fields: dict[str, Any]
) -> httpx.Response:
    """Open `form_page`, then post `fields` (a list is a repeated field: ticked checkboxes) to `action`."""
    shown = await client.get(form_page)
    assert shown.status_code == 200, shown.text
    return await client.post(action, data={"_csrf_token": csrf_of(shown.text), **fields}, follow_redirects=False)


def _herb_grower(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "legal_name": "Zioła Zielińska",
        "kind": "producer",
        "registration_scheme": "PL-NIP",
        "registration_id": GOOD_NIP,
        "country": "PL",
        "subdivision": "PL-02",
        "municipality": "Zgorzelec",
        "languages": ["pl", "de"],
        "default_currency": "PLN",
        "employee_count": "3",
        "women_led": "yes",
    }
    fields.update(overrides)
    return fields


async def _my_organizations(client: AsyncTestClient[Litestar], account: Account) -> list[dict[str, Any]]:
    listed = await client.get("/api/v1/organizations", headers=account.headers)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def test_an_organisation_created_on_the_form_shows_its_region_by_name_to_a_german_reader(
    client: AsyncTestClient[Litestar],
) -> None:
    await _signed_in(client, preferred_language="de")

    form = await client.get("/organizations/new")
    assert form.status_code == 200
    assert ">Niederschlesien</option>" in form.text  # regions offered by name, in German
    created = await _post(client, "/organizations/new", "/organizations/new", _herb_grower())

    assert created.status_code == 303, created.text
    location = created.headers["location"]
    assert re.fullmatch(r"/organizations/[0-9a-f-]{36}\?notice=organization-created", location)
    profile = await client.get(location)
    assert profile.status_code == 200
    assert "<h1>Zioła Zielińska</h1>" in profile.text
    assert "Zgorzelec, Niederschlesien, Polen" in profile.text
    assert "Polnisch, Deutsch" in profile.text  # the languages it writes in, named in German
    assert "PL-02" not in profile.text
    listed = await client.get("/organizations")
    assert "Zioła Zielińska" in listed.text
    assert "Zgorzelec, Niederschlesien, Polen" in listed.text


async def test_a_bad_registration_number_and_a_missing_name_are_both_named_on_the_form_when_nothing_is_created(
    client: AsyncTestClient[Litestar],
) -> None:
    account = await _signed_in(client)

    refused = await _post(
        client, "/organizations/new", "/organizations/new", _herb_grower(legal_name="", registration_id=BAD_NIP)
    )

    assert refused.status_code == 422
    assert 'id="f-legal_name-error"' in refused.text
    assert 'id="f-registration_id-error"' in refused.text
    assert "check digit" in refused.text  # the service's reason, on the number's field
    assert f'value="{BAD_NIP}"' in refused.text  # what was typed is kept
    assert 'value="PL-02" selected' in refused.text
    assert await _my_organizations(client, account) == []


async def test_an_application_to_a_hub_shows_as_pending_then_as_admitted_when_a_coordinator_admits_it(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    coordinator = await register(client)
    hub = await create_hub(client, await platform_admin(client, sessions, settings), [coordinator])
    owner = await register(client)
    organization = await create_organization(client, owner, inclusion={"women_led": True})
    client.cookies.clear()
    await sign_in_page(client, owner.email, PASSWORD)
    profile_path = f"/organizations/{organization['id']}"

    applied = await _post(client, profile_path, f"{profile_path}/applications", {"hub_id": hub["id"], "note": "Herbs"})

    assert applied.status_code == 303, applied.text
    pending = await client.get(profile_path)
    assert hub["name"] in pending.text
    assert "Applied: waiting for the hub" in pending.text
    admitted = await client.post(
        f"/api/v1/hubs/{hub['id']}/memberships/{organization['id']}/admit", headers=coordinator.headers
    )
    assert admitted.status_code == 200, admitted.text
    verified = await client.put(
        f"/api/v1/hubs/{hub['id']}/organizations/{organization['id']}/inclusion/women_led",
        json={"verified": True},
        headers=coordinator.headers,
    )
    assert verified.status_code == 200, verified.text
    now = await client.get(profile_path)
    assert "Admitted: trades in the hub" in now.text
    assert "Applied: waiting for the hub" not in now.text
    assert f"Verified by {hub['name']} on " in now.text  # the declaration, vouched for by the hub


async def test_a_recorded_credential_appears_in_the_list_with_its_state(client: AsyncTestClient[Litestar]) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    client.cookies.clear()
    await sign_in_page(client, owner.email, PASSWORD)
    path = f"/organizations/{organization['id']}/credentials"

    recorded = await _post(
        client,
        path,
        path,
        {
            "credential_type": "organic",
            "number": "PL-EKO-07-00042",
            "issuer": "Polska Izba Produktu Ekologicznego",
            "issuing_country": "PL",
            "issuing_region": "",
            "valid_from": days(-30),
            "valid_until": days(335),
            "document_url": "https://certificates.example.org/organic.pdf",
        },
    )

    assert recorded.status_code == 303, recorded.text
    listed = await client.get(path)
    assert "Organic certificate" in listed.text
    assert "PL-EKO-07-00042" in listed.text
    assert "Waiting for a hub&#39;s coordinators to check it" in listed.text
    api = await client.get(f"/api/v1/organizations/{organization['id']}/credentials", headers=owner.headers)
    assert [c["number"] for c in api.json()["items"]] == ["PL-EKO-07-00042"]


async def test_a_credential_ending_before_it_starts_is_refused_on_its_field(client: AsyncTestClient[Litestar]) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    client.cookies.clear()
    await sign_in_page(client, owner.email, PASSWORD)
    path = f"/organizations/{organization['id']}/credentials"

    refused = await _post(
        client,
        path,
        path,
        {
            "credential_type": "organic",
            "number": "PL-EKO-07-00043",
            "issuing_country": "PL",
            "valid_from": days(30),
            "valid_until": days(1),
            "document_url": "https://certificates.example.org/organic.pdf",
        },
    )

    assert refused.status_code == 422
    assert 'id="f-valid_until-error"' in refused.text


def _certificate(**overrides: str) -> dict[str, str]:
    fields = {
        "credential_type": "organic",
        "number": "PL-EKO-07-00044",
        "issuer": "Polska Izba Produktu Ekologicznego",
        "issuing_country": "PL",
        "issuing_region": "PL-02",
        "valid_from": days(-30),
        "valid_until": days(335),
        "document_url": "",
    }
    fields.update(overrides)
    return fields


async def _upload(
    client: AsyncTestClient[Litestar], path: str, fields: dict[str, str], filename: str, content: bytes
) -> httpx.Response:
    """Open the credentials page, then send its form as a browser does: multipart, the document in `file`."""
    shown = await client.get(path)
    assert shown.status_code == 200, shown.text
    return await client.post(
        path,
        data={"_csrf_token": csrf_of(shown.text), **fields},
        files={"file": (filename, content, "application/pdf")},
        follow_redirects=False,
    )


async def _credentials_of(client: AsyncTestClient[Litestar], owner: Account, organization: dict[str, Any]) -> Any:
    listed = await client.get(f"/api/v1/organizations/{organization['id']}/credentials", headers=owner.headers)
    assert listed.status_code == 200, listed.text
    return listed.json()["items"]


async def test_an_uploaded_pdf_is_listed_with_its_issuer_and_a_link_that_opens_the_document(
    client: AsyncTestClient[Litestar],
) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    client.cookies.clear()
    await sign_in_page(client, owner.email, PASSWORD)
    path = f"/organizations/{organization['id']}/credentials"
    form = await client.get(path)
    assert 'enctype="multipart/form-data"' in form.text
    assert 'accept=".pdf,image/jpeg,image/png"' in form.text

    recorded = await _upload(client, path, _certificate(), "Świadectwo 2026.pdf", PDF)

    assert recorded.status_code == 303, recorded.text
    listed = await client.get(recorded.headers["location"])
    assert "It is recorded." in listed.text
    assert "Polska Izba Produktu Ekologicznego" in listed.text
    assert "Dolnośląskie, Poland, where it was issued" in listed.text
    [credential] = await _credentials_of(client, owner, organization)
    link = f"{path}/{credential['id']}/document"
    assert f'href="{link}"' in listed.text
    assert "Open the document (PDF, 1 kB)" in listed.text
    opened = await client.get(link)
    assert opened.status_code == 200
    assert (opened.headers["content-type"], opened.content) == ("application/pdf", PDF)
    assert opened.headers["content-disposition"].startswith('inline; filename="Swiadectwo 2026.pdf"')
    assert opened.headers["cache-control"].startswith("private")
    assert opened.headers["x-content-type-options"] == "nosniff"


async def test_a_text_file_is_refused_with_the_reason_on_the_file_field_and_nothing_is_recorded(
    client: AsyncTestClient[Litestar],
) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    client.cookies.clear()
    await sign_in_page(client, owner.email, PASSWORD)
    path = f"/organizations/{organization['id']}/credentials"

    refused = await _upload(client, path, _certificate(), "certificate.pdf", b"Organic certificate PL-EKO-07-00044\n")

    assert refused.status_code == 422
    assert 'id="f-file-error"' in refused.text
    assert "This file is not a PDF, JPEG or PNG document." in refused.text
    assert 'value="Polska Izba Produktu Ekologicznego"' in refused.text  # what was typed is kept
    assert await _credentials_of(client, owner, organization) == []


async def test_a_truncated_jpeg_is_refused_as_damaged_on_the_file_field_and_nothing_is_recorded(
    client: AsyncTestClient[Litestar],
) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    client.cookies.clear()
    await sign_in_page(client, owner.email, PASSWORD)
    path = f"/organizations/{organization['id']}/credentials"
    scan = phone_jpeg(640, 480)

    refused = await _upload(client, path, _certificate(), "scan.jpg", scan[: len(scan) // 2])

    assert refused.status_code == 422
    damaged = "This picture is damaged or incomplete. Save it again, or choose another one."
    assert f'<p class="error" id="f-file-error">{damaged}' in refused.text
    assert 'value="Polska Izba Produktu Ekologicznego"' in refused.text  # what was typed is kept
    assert await _credentials_of(client, owner, organization) == []


async def test_a_credential_without_an_issuer_or_any_document_is_refused_on_both_fields(
    client: AsyncTestClient[Litestar],
) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    client.cookies.clear()
    await sign_in_page(client, owner.email, PASSWORD)
    path = f"/organizations/{organization['id']}/credentials"

    refused = await _upload(client, path, _certificate(issuer=""), "", b"")

    assert refused.status_code == 422
    assert 'id="f-issuer-error"' in refused.text
    assert 'id="f-file-error"' in refused.text
    assert "Upload the document, or give a link to it." in refused.text
    assert await _credentials_of(client, owner, organization) == []


async def test_a_stranger_gets_the_not_found_page_for_a_credentials_document(
    client: AsyncTestClient[Litestar],
) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    uploaded = await upload_credential(client, owner, organization, PDF, "certificate.pdf")
    assert uploaded.status_code == 201, uploaded.text
    await _signed_in(client)

    answer = await client.get(f"/organizations/{organization['id']}/credentials/{uploaded.json()['id']}/document")

    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert PDF not in answer.content


async def test_a_verified_credential_shows_where_it_is_accepted_and_the_open_tenders_that_ask_for_it(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    await add_recognition(client, p.hub, p.coordinator, issued_in="PL", recognised_in="DE-SN")
    await add_requirement(client, p.hub, p.coordinator, destination="DE-SN", description="Organic food into Saxony")
    await published_tender(client, p, await closed_pool(client, p), required_credential_types=["organic"])
    credential = await verified_credential(
        client, p.hub, p.market.honey_maker, p.coordinator, p.market.producer_a, issuing_jurisdiction="PL-02"
    )
    client.cookies.clear()
    await sign_in_page(client, p.market.honey_maker.email, PASSWORD)

    shown = await client.get(f"/organizations/{p.market.producer_a['id']}/credentials")

    assert shown.status_code == 200
    assert f"Verified by {p.hub['name']} on " in shown.text
    assert "Not given" in shown.text  # its issuer: recorded through the API, without one
    assert "Accepted in" in shown.text
    assert "Dolnośląskie, Poland, where it was issued" in shown.text
    assert f"Sachsen, Germany, recognised there by {p.hub['name']}" in shown.text
    assert f"Selling into Sachsen, Germany under the rules of {p.hub['name']}: Organic food into Saxony" in shown.text
    assert "Open tenders that ask for it" in shown.text
    assert '<span lang="de">Honig für Schulküchen</span>, in ' in shown.text
    assert "Open the linked document" in shown.text
    assert credential["document"] is None


async def test_the_credentials_page_reads_no_tender_that_does_not_ask_for_a_kind_of_credential_it_lists(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    await published_tender(client, p, await closed_pool(client, p), required_credential_types=["organic"])
    await verified_credential(client, p.hub, p.market.honey_maker, p.coordinator, p.market.producer_a)
    client.cookies.clear()
    await sign_in_page(client, p.market.honey_maker.email, PASSWORD)
    path = f"/organizations/{p.market.producer_a['id']}/credentials"
    before = await _statements_of(client, path)
    # Two more open tenders in the hub: one asks for no credential, one for a kind the producer has not.
    await published_tender(client, p, await closed_pool(client, p))
    await published_tender(client, p, await closed_pool(client, p), required_credential_types=["export_licence"])

    after = await _statements_of(client, path)

    assert after.count == before.count, "the page reads the tenders that do not concern it"
    assert after.text.count('<span lang="de">Honig für Schulküchen</span>, in ') == 1


@dataclasses.dataclass
class _Statements:
    text: str
    count: int


async def _statements_of(client: AsyncTestClient[Litestar], path: str) -> _Statements:
    """The page at `path`, and how many SQL statements showing it ran."""
    count = 0

    def counted(*_: object) -> None:
        nonlocal count
        count += 1

    event.listen(Engine, "before_cursor_execute", counted)
    try:
        shown = await client.get(path)
    finally:
        event.remove(Engine, "before_cursor_execute", counted)
    assert shown.status_code == 200, shown.text
    return _Statements(text=shown.text, count=count)


async def test_a_stranger_gets_the_not_found_page_for_another_organisation(client: AsyncTestClient[Litestar]) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    await _signed_in(client)

    for path in (f"/organizations/{organization['id']}", f"/organizations/{organization['id']}/credentials"):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")
        assert organization["legal_name"] not in answer.text


async def test_an_unproven_account_is_told_to_prove_its_address_when_it_creates_an_organisation(
    client: AsyncTestClient[Litestar],
) -> None:
    account = await _signed_in(client, verified=False)

    refused = await _post(client, "/organizations/new", "/organizations/new", _herb_grower())

    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    assert "Prove your e-mail address first" in refused.text
    assert await _my_organizations(client, account) == []
