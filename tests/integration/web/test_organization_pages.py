"""The organisation pages: one's organisations, creating one on the form, its profile with its hubs
(applying to one), its permits and certificates, and what a stranger or an unproven account sees."""

from __future__ import annotations

import re
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.compliance import days
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.organization import create_hub, create_organization, platform_admin
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
