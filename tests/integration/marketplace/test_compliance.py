"""Compliance: credentials, their verification, hubs' recognitions and requirements, eligibility, expiry."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from kernel.db import transaction
from kernel.errors import InvalidInput
from kernel.outbox import OutboxEvent
from marketplace.api import Eligibility, Reader, check_eligibility
from marketplace.compliance.jobs import flag_expiring_credentials
from tests.factories.compliance import (
    add_recognition,
    add_requirement,
    credential_body,
    days,
    submit_credential,
    verified_credential,
)
from tests.factories.identity import Account, register
from tests.factories.organization import admitted_organization, create_hub, create_organization, platform_admin

Client = AsyncTestClient[Any]

GORLITZ = {
    "country": "DE",
    "subdivision": "DE-SN",
    "municipality": "Görlitz",
    "default_currency": "EUR",
    "registration": {"scheme": "DE-HRB", "id": "Dresden HRB 4711"},
}


@dataclass(frozen=True)
class Hub:
    """A Görlitz–Zgorzelec hub with one coordinator and one admitted seller in Zgorzelec (PL-02)."""

    admin: Account
    coordinator: Account
    owner: Account
    hub: dict[str, Any]
    seller: dict[str, Any]

    @property
    def url(self) -> str:
        return f"/api/v1/hubs/{self.hub['id']}"

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


async def eligibility(
    sessions: async_sessionmaker[AsyncSession], seller: dict[str, Any], **overrides: Any
) -> Eligibility:
    arguments: dict[str, Any] = {
        "seller_organization_id": uuid.UUID(seller["id"]),
        "classification_scheme": "CPV",
        "classification_code": "03110000-5",
        "destination": "PL-02",
        "reader": Reader.seller,
    }
    arguments.update(overrides)
    async with transaction(sessions) as session:
        return await check_eligibility(session, **arguments)


async def outbox(sessions: async_sessionmaker[AsyncSession], topic: str) -> list[dict[str, Any]]:
    async with transaction(sessions) as session:
        rows = await session.execute(
            select(OutboxEvent.payload).where(OutboxEvent.topic == topic).order_by(OutboxEvent.occurred_at)
        )
        return list(rows.scalars())


# --- credentials ----------------------------------------------------------------


async def test_owner_records_a_credential_that_awaits_verification_when_input_valid(client: Client, world: Hub) -> None:
    created = await client.post(
        world.credentials_url,
        json=credential_body(issuing_jurisdiction="pl-02", valid_until=days(10)),
        headers=world.owner.headers,
    )
    assert created.status_code == 201, created.text
    credential = created.json()
    assert credential["issuing_jurisdiction"] == "PL-02"
    assert credential["status"] == "submitted"
    assert credential["effective_status"] == "submitted"
    assert credential["expires_in_days"] == 10
    listed = await client.get(world.credentials_url, headers=world.owner.headers)
    assert [c["id"] for c in listed.json()["items"]] == [credential["id"]]
    one = await client.get(f"{world.credentials_url}/{credential['id']}", headers=world.coordinator.headers)
    assert one.status_code == 200
    assert one.json()["number"] == credential["number"]


async def test_credentials_are_filtered_by_status_and_an_unknown_status_is_422(client: Client, world: Hub) -> None:
    urls = []
    for valid_until in (days(10), days(40)):
        created = await client.post(
            world.credentials_url, json=credential_body(valid_until=valid_until), headers=world.owner.headers
        )
        assert created.status_code == 201, created.text
        urls.append(f"{world.url}/credentials/{created.json()['id']}")
    verified = await client.post(f"{urls[0]}/verify", headers=world.coordinator.headers)
    assert verified.status_code == 200, verified.text

    def ids(response: Any) -> list[str]:
        assert response.status_code == 200, response.text
        return [f"{world.url}/credentials/{c['id']}" for c in response.json()["items"]]

    for status, expected in (("verified", [urls[0]]), ("submitted", [urls[1]]), ("expired", []), ("rejected", [])):
        listed = await client.get(world.credentials_url, params={"status": status}, headers=world.owner.headers)
        assert ids(listed) == expected, status
    pending = await client.get(world.credentials_url, params={"status": "pending"}, headers=world.owner.headers)
    assert pending.status_code == 422, pending.text
    assert [e["field"] for e in pending.json()["errors"]] == ["query:status"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"valid_from": "2026-06-01", "valid_until": "2026-05-31"}, "$.valid_until"),
        ({"issuing_jurisdiction": "QQ"}, "$.issuing_jurisdiction"),
        ({"issuing_jurisdiction": "PL-99"}, "$.issuing_jurisdiction"),
        ({"document_url": "http://certificates.example.org/organic.pdf"}, "$.document_url"),
        ({"document_url": "ftp://certificates.example.org/organic.pdf"}, "$.document_url"),
        ({"document_url": "https://" + "a" * 2000}, "$.document_url"),
        ({"credential_type": "Organic Food"}, "$.credential_type"),
        ({"valid_until": "not a date"}, "$.valid_until"),
    ],
)
async def test_recording_a_credential_is_422_naming_the_field_when_input_invalid(
    client: Client, world: Hub, override: dict[str, Any], field: str
) -> None:
    response = await client.post(world.credentials_url, json=credential_body(**override), headers=world.owner.headers)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await client.get(world.credentials_url, headers=world.owner.headers)).json()["total"] == 0


async def test_credentials_are_404_when_caller_is_a_member_of_another_organization(client: Client, world: Hub) -> None:
    stranger = await register(client)
    await create_organization(client, stranger)
    credential = await submit_credential(client, world.owner, world.seller)
    assert (await client.get(world.credentials_url, headers=stranger.headers)).status_code == 404
    read = await client.get(f"{world.credentials_url}/{credential['id']}", headers=stranger.headers)
    assert read.status_code == 404
    created = await client.post(world.credentials_url, json=credential_body(), headers=stranger.headers)
    assert created.status_code == 404
    own_url = f"/api/v1/organizations/{(await create_organization(client, stranger))['id']}/credentials"
    assert (await client.get(f"{own_url}/{credential['id']}", headers=stranger.headers)).status_code == 404


async def test_recording_a_credential_is_403_when_caller_is_a_plain_member(client: Client, world: Hub) -> None:
    member = await register(client)
    invited = await client.post(
        f"/api/v1/organizations/{world.seller['id']}/invitations",
        json={"email": member.email, "role": "member"},
        headers=world.owner.headers,
    )
    accepted = await client.post(
        f"/api/v1/invitations/{invited.json()['invitation']['id']}/accept",
        json={"token": invited.json()["accept_token"]},
        headers=member.headers,
    )
    assert accepted.status_code == 200
    assert (await client.get(world.credentials_url, headers=member.headers)).status_code == 200
    response = await client.post(world.credentials_url, json=credential_body(), headers=member.headers)
    assert response.status_code == 403


async def test_buyer_organization_records_a_permit_when_it_only_buys(client: Client, world: Hub) -> None:
    buyer = await create_organization(client, world.owner, kind="buyer")
    response = await client.post(
        f"/api/v1/organizations/{buyer['id']}/credentials",
        json=credential_body(credential_type="trade_permit"),
        headers=world.owner.headers,
    )
    assert response.status_code == 201


async def test_recording_the_same_credential_twice_is_409(client: Client, world: Hub) -> None:
    body = credential_body()
    assert (await client.post(world.credentials_url, json=body, headers=world.owner.headers)).status_code == 201
    again = await client.post(world.credentials_url, json=body, headers=world.owner.headers)
    assert again.status_code == 409


async def test_credential_reads_as_expired_when_its_last_day_has_passed(client: Client, world: Hub) -> None:
    credential = await submit_credential(client, world.owner, world.seller, valid_until=days(-1))
    assert credential["status"] == "submitted"
    assert credential["effective_status"] == "expired"
    assert credential["expires_in_days"] == -1
    verify = await client.post(f"{world.url}/credentials/{credential['id']}/verify", headers=world.coordinator.headers)
    assert verify.status_code == 409


# --- verification ---------------------------------------------------------------


async def test_coordinator_verifies_then_rejects_with_a_reason_and_events_follow(
    client: Client, world: Hub, sessions: async_sessionmaker[AsyncSession]
) -> None:
    credential = await submit_credential(client, world.owner, world.seller)
    verify_url = f"{world.url}/credentials/{credential['id']}/verify"
    reject_url = f"{world.url}/credentials/{credential['id']}/reject"
    verified = await client.post(verify_url, headers=world.coordinator.headers)
    assert verified.status_code == 200
    assert verified.json()["status"] == "verified"
    assert verified.json()["decided_by_hub_id"] == world.hub["id"]
    assert (await client.post(verify_url, headers=world.coordinator.headers)).status_code == 409
    no_reason = await client.post(reject_url, json={}, headers=world.coordinator.headers)
    assert no_reason.status_code == 422
    assert "reason" in no_reason.json()["detail"]
    blank = await client.post(reject_url, json={"reason": "   "}, headers=world.coordinator.headers)
    assert blank.status_code == 422
    assert blank.json()["errors"][0]["field"] == "$.reason"
    rejected = await client.post(
        reject_url, json={"reason": "the certificate number is not in the register"}, headers=world.coordinator.headers
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["rejection_reason"] == "the certificate number is not in the register"
    seen = await client.get(f"{world.credentials_url}/{credential['id']}", headers=world.owner.headers)
    assert seen.json()["effective_status"] == "rejected"
    expected = {
        "hub_id": world.hub["id"],
        "organization_id": world.seller["id"],
        "credential_id": credential["id"],
        "credential_type": "organic",
    }
    assert await outbox(sessions, "marketplace.CredentialVerified") == [expected]
    assert await outbox(sessions, "marketplace.CredentialRejected") == [expected]


async def test_verifying_is_403_when_caller_is_not_a_coordinator_of_the_hub(client: Client, world: Hub) -> None:
    credential = await submit_credential(client, world.owner, world.seller)
    other_coordinator = await register(client)
    await create_hub(client, world.admin, [other_coordinator])
    url = f"{world.url}/credentials/{credential['id']}/verify"
    assert (await client.post(url, headers=world.owner.headers)).status_code == 403
    assert (await client.post(url, headers=other_coordinator.headers)).status_code == 403
    read = await client.get(f"{world.credentials_url}/{credential['id']}", headers=world.owner.headers)
    assert read.json()["status"] == "submitted"


async def test_rejecting_with_a_blank_reason_is_403_not_422_when_caller_is_not_a_coordinator(
    client: Client, world: Hub
) -> None:
    credential = await submit_credential(client, world.owner, world.seller)
    url = f"{world.url}/credentials/{credential['id']}/reject"
    refused = await client.post(url, json={"reason": "   "}, headers=world.owner.headers)
    assert refused.status_code == 403, refused.text
    assert "errors" not in refused.json()


async def test_verifying_is_404_when_the_organization_is_not_admitted_to_that_hub(client: Client, world: Hub) -> None:
    other_coordinator = await register(client)
    other_hub = await create_hub(client, world.admin, [other_coordinator])
    credential = await submit_credential(client, world.owner, world.seller)
    elsewhere = await client.post(
        f"/api/v1/hubs/{other_hub['id']}/credentials/{credential['id']}/verify", headers=other_coordinator.headers
    )
    assert elsewhere.status_code == 404
    applicant = await create_organization(client, world.owner)
    await client.post(
        f"{world.url}/memberships", json={"organization_id": applicant["id"]}, headers=world.owner.headers
    )
    pending_credential = await submit_credential(client, world.owner, applicant)
    pending = await client.post(
        f"{world.url}/credentials/{pending_credential['id']}/verify", headers=world.coordinator.headers
    )
    assert pending.status_code == 404
    unknown = await client.post(f"{world.url}/credentials/{uuid.uuid4()}/verify", headers=world.coordinator.headers)
    assert unknown.status_code == 404


async def test_hub_audit_log_shows_credential_recognition_and_requirement_writes(client: Client, world: Hub) -> None:
    credential = await verified_credential(client, world.hub, world.owner, world.coordinator, world.seller)
    recognition = await add_recognition(client, world.hub, world.coordinator)
    requirement = await add_requirement(client, world.hub, world.coordinator)
    log = await client.get(f"{world.url}/audit", headers=world.coordinator.headers)
    entries = {e["action"]: e for e in log.json()["items"]}
    assert entries["credential.submitted"]["actor_email"] == world.owner.email
    assert entries["credential.submitted"]["object_id"] == credential["id"]
    verified = entries["credential.verified"]
    assert verified["actor_email"] == world.coordinator.email
    assert verified["hub_id"] == world.hub["id"]
    assert verified["organization_id"] == world.seller["id"]
    assert verified["before"]["status"] == "submitted"
    assert verified["after"]["status"] == "verified"
    assert entries["recognition.created"]["object_id"] == recognition["id"]
    assert entries["requirement.created"]["after"]["classification_prefix"] == "0311"
    deleted = await client.delete(f"{world.url}/requirements/{requirement['id']}", headers=world.coordinator.headers)
    assert deleted.status_code == 204
    log = await client.get(f"{world.url}/audit", headers=world.coordinator.headers)
    assert log.json()["items"][0]["action"] == "requirement.deleted"


# --- recognitions and requirements ----------------------------------------------


async def test_coordinators_write_recognitions_anyone_signed_in_reads_them(client: Client, world: Hub) -> None:
    someone = await register(client)
    url = f"{world.url}/recognitions"
    body = {"credential_type": "organic", "issued_in": "de", "recognised_in": "PL"}
    assert (await client.post(url, json=body, headers=world.owner.headers)).status_code == 403
    created = await client.post(url, json=body, headers=world.coordinator.headers)
    assert created.status_code == 201
    assert created.json()["issued_in"] == "DE"
    assert (await client.post(url, json=body, headers=world.coordinator.headers)).status_code == 409
    listed = await client.get(url, headers=someone.headers)
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()["items"]] == [created.json()["id"]]
    assert (await client.get(url)).status_code == 401
    item = f"{url}/{created.json()['id']}"
    assert (await client.delete(item, headers=someone.headers)).status_code == 403
    assert (await client.delete(item, headers=world.coordinator.headers)).status_code == 204
    assert (await client.delete(item, headers=world.coordinator.headers)).status_code == 404
    assert (await client.get(url, headers=someone.headers)).json()["total"] == 0


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"issued_in": "XX"}, "$.issued_in"),
        ({"recognised_in": "PL-99"}, "$.recognised_in"),
        ({"issued_in": "PL", "recognised_in": "PL-02"}, "$.recognised_in"),
    ],
)
async def test_recognition_is_422_naming_the_field_when_input_invalid(
    client: Client, world: Hub, override: dict[str, Any], field: str
) -> None:
    body = {"credential_type": "organic", "issued_in": "DE", "recognised_in": "PL", **override}
    response = await client.post(f"{world.url}/recognitions", json=body, headers=world.coordinator.headers)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_coordinators_write_requirements_anyone_signed_in_reads_them(client: Client, world: Hub) -> None:
    someone = await register(client)
    url = f"{world.url}/requirements"
    body = {
        "classification_scheme": "CPV",
        "classification_prefix": "0311",
        "destination": "pl",
        "credential_type": "organic",
    }
    assert (await client.post(url, json=body, headers=someone.headers)).status_code == 403
    created = await client.post(url, json=body, headers=world.coordinator.headers)
    assert created.status_code == 201
    assert created.json()["destination"] == "PL"
    assert created.json()["description"] is None
    assert (await client.post(url, json=body, headers=world.coordinator.headers)).status_code == 409
    await add_requirement(client, world.hub, world.coordinator, destination="DE", credential_type="food_safety")
    filtered = await client.get(f"{url}?destination=PL", headers=someone.headers)
    assert [r["id"] for r in filtered.json()["items"]] == [created.json()["id"]]
    assert (await client.get(url, headers=someone.headers)).json()["total"] == 2
    assert (await client.get(f"/api/v1/hubs/{uuid.uuid4()}/requirements", headers=someone.headers)).status_code == 404


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"classification_scheme": "UNSPSC"}, "$.classification_scheme"),
        ({"classification_prefix": "03.11"}, "$.classification_prefix"),
        ({"classification_prefix": ""}, "$.classification_prefix"),
        ({"classification_prefix": "12345678901"}, "$.classification_prefix"),
        ({"classification_prefix": "031100005"}, "$.classification_prefix"),
        ({"destination": "Poland"}, "$.destination"),
        ({"description": "x" * 501}, "$.description"),
    ],
)
async def test_requirement_is_422_naming_the_field_when_input_invalid(
    client: Client, world: Hub, override: dict[str, Any], field: str
) -> None:
    body = {
        "classification_scheme": "CPV",
        "classification_prefix": "0311",
        "destination": "PL",
        "credential_type": "organic",
        **override,
    }
    response = await client.post(f"{world.url}/requirements", json=body, headers=world.coordinator.headers)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


# --- eligibility ----------------------------------------------------------------


async def test_seller_is_eligible_when_no_requirement_applies(
    world: Hub, sessions: async_sessionmaker[AsyncSession]
) -> None:
    result = await eligibility(sessions, world.seller)
    assert result == Eligibility(eligible=True, destination="PL-02", checked_on=clock.today(), unmet=[])


async def test_seller_is_eligible_when_a_verified_domestic_credential_meets_the_requirement(
    client: Client, world: Hub, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_requirement(client, world.hub, world.coordinator, destination="PL")
    before = await eligibility(sessions, world.seller)
    assert before.eligible is False
    assert before.unmet[0].message == (
        f"needs a verified organic credential valid on {clock.today().isoformat()} and recognised in PL-02 "
        "(you have no organic credential)"
    )
    await verified_credential(
        client, world.hub, world.owner, world.coordinator, world.seller, issuing_jurisdiction="PL"
    )
    assert (await eligibility(sessions, world.seller)).eligible is True
    assert (await eligibility(sessions, world.seller, destination="PL")).eligible is True


async def test_seller_is_not_eligible_when_a_foreign_credential_is_not_recognised(
    client: Client, world: Hub, sessions: async_sessionmaker[AsyncSession]
) -> None:
    german = await admitted_organization(client, world.hub, world.owner, world.coordinator, **GORLITZ)
    requirement = await add_requirement(client, world.hub, world.coordinator, destination="PL")
    await verified_credential(client, world.hub, world.owner, world.coordinator, german, issuing_jurisdiction="DE")
    result = await eligibility(sessions, german)
    assert result.eligible is False
    [unmet] = result.unmet
    assert str(unmet.requirement_id) == requirement["id"]
    assert str(unmet.hub_id) == world.hub["id"]
    assert (unmet.credential_type, unmet.destination) == ("organic", "PL")
    assert unmet.message == (
        f"needs a verified organic credential valid on {clock.today().isoformat()} and recognised in PL-02 "
        "(you have: organic issued in DE, not recognised in PL-02)"
    )
    # The German credential is domestic when selling into Saxony.
    assert (await eligibility(sessions, german, destination="DE-SN")).eligible is True


async def test_seller_is_eligible_when_the_hub_recognises_the_foreign_credential(
    client: Client, world: Hub, sessions: async_sessionmaker[AsyncSession]
) -> None:
    german = await admitted_organization(client, world.hub, world.owner, world.coordinator, **GORLITZ)
    await add_requirement(client, world.hub, world.coordinator, destination="PL")
    await verified_credential(client, world.hub, world.owner, world.coordinator, german, issuing_jurisdiction="DE-SN")
    # A recognition in another hub does not count for this hub's requirement.
    other_coordinator = await register(client)
    other_hub = await create_hub(client, world.admin, [other_coordinator])
    await add_recognition(client, other_hub, other_coordinator, issued_in="DE", recognised_in="PL")
    assert (await eligibility(sessions, german)).eligible is False
    await add_recognition(client, world.hub, world.coordinator, issued_in="DE", recognised_in="PL")
    assert (await eligibility(sessions, german)).eligible is True
    assert (await eligibility(sessions, german, destination="PL")).eligible is True


async def test_seller_is_not_eligible_when_the_credential_has_expired_by_the_delivery_day(
    client: Client, world: Hub, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_requirement(client, world.hub, world.coordinator)
    credential = await verified_credential(
        client, world.hub, world.owner, world.coordinator, world.seller, valid_until=days(10)
    )
    on = clock.today() + dt.timedelta(days=11)
    assert (await eligibility(sessions, world.seller, on=clock.today() + dt.timedelta(days=10))).eligible is True
    result = await eligibility(sessions, world.seller, on=on)
    assert result.eligible is False
    assert result.checked_on == on
    assert result.unmet[0].message == (
        f"needs a verified organic credential valid on {on.isoformat()} and recognised in PL-02 "
        f"(you have: organic issued in PL, expired {credential['valid_until']})"
    )


async def test_seller_is_not_eligible_when_the_credential_is_rejected_or_still_awaiting_verification(
    client: Client, world: Hub, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_requirement(client, world.hub, world.coordinator)
    submitted = await submit_credential(client, world.owner, world.seller)
    result = await eligibility(sessions, world.seller)
    assert result.eligible is False
    assert result.unmet[0].message.endswith("(you have: organic issued in PL, awaiting verification)")
    await client.post(
        f"{world.url}/credentials/{submitted['id']}/reject",
        json={"reason": "unreadable scan"},
        headers=world.coordinator.headers,
    )
    result = await eligibility(sessions, world.seller)
    assert result.eligible is False
    assert result.unmet[0].message.endswith("(you have: organic issued in PL, rejected)")


async def test_requirement_for_a_country_applies_to_its_regions_but_a_regional_one_only_to_its_region(
    client: Client, world: Hub, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_requirement(client, world.hub, world.coordinator, destination="PL", credential_type="organic")
    await add_requirement(client, world.hub, world.coordinator, destination="PL-02", credential_type="food_safety")
    into_region = await eligibility(sessions, world.seller, destination="PL-02")
    assert sorted(u.credential_type for u in into_region.unmet) == ["food_safety", "organic"]
    into_country = await eligibility(sessions, world.seller, destination="PL")
    assert [u.credential_type for u in into_country.unmet] == ["organic"]
    into_other_region = await eligibility(sessions, world.seller, destination="PL-04")
    assert [u.credential_type for u in into_other_region.unmet] == ["organic"]
    assert (await eligibility(sessions, world.seller, destination="DE")).eligible is True


async def test_requirement_applies_only_to_codes_under_its_prefix_in_its_scheme(
    client: Client, world: Hub, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_requirement(client, world.hub, world.coordinator, classification_prefix="0311")
    assert (await eligibility(sessions, world.seller, classification_code="03110000-5")).eligible is False
    assert (await eligibility(sessions, world.seller, classification_code="03111000-2")).eligible is False
    assert (await eligibility(sessions, world.seller, classification_code="03200000-3")).eligible is True
    hs = await eligibility(sessions, world.seller, classification_scheme="HS", classification_code="0311.00")
    assert hs.eligible is True
    await add_requirement(
        client, world.hub, world.coordinator, classification_scheme="HS", classification_prefix="0406"
    )
    cheese = await eligibility(sessions, world.seller, classification_scheme="HS", classification_code="0406.10")
    assert cheese.eligible is False


async def test_only_the_given_credentials_count_when_credential_ids_are_passed(
    client: Client, world: Hub, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await add_requirement(client, world.hub, world.coordinator)
    good = await verified_credential(client, world.hub, world.owner, world.coordinator, world.seller)
    other = await submit_credential(client, world.owner, world.seller, credential_type="food_safety")
    assert (await eligibility(sessions, world.seller, credential_ids=None)).eligible is True
    assert (await eligibility(sessions, world.seller, credential_ids=[uuid.UUID(good["id"])])).eligible is True
    restricted = await eligibility(sessions, world.seller, credential_ids=[uuid.UUID(other["id"])])
    assert restricted.eligible is False
    assert restricted.unmet[0].message.endswith("(you have no organic credential)")
    assert (await eligibility(sessions, world.seller, credential_ids=[])).eligible is False


async def test_requirements_of_a_hub_the_seller_is_not_admitted_to_do_not_apply(
    client: Client, world: Hub, sessions: async_sessionmaker[AsyncSession]
) -> None:
    other_coordinator = await register(client)
    other_hub = await create_hub(client, world.admin, [other_coordinator])
    await add_requirement(client, other_hub, other_coordinator)
    await client.post(
        f"/api/v1/hubs/{other_hub['id']}/memberships",
        json={"organization_id": world.seller["id"]},
        headers=world.owner.headers,
    )
    assert (await eligibility(sessions, world.seller)).eligible is True


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"destination": "XX"}, "$.destination"),
        ({"destination": "PL-99"}, "$.destination"),
        ({"classification_scheme": "UNSPSC"}, "$.classification_scheme"),
        ({"classification_code": "cheese"}, "$.classification_code"),
    ],
)
async def test_eligibility_is_invalid_naming_the_field_when_input_unknown(
    world: Hub, sessions: async_sessionmaker[AsyncSession], override: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        await eligibility(sessions, world.seller, **override)
    assert [e.field for e in raised.value.errors] == [field]


async def test_eligibility_endpoint_answers_members_and_is_422_for_an_unknown_destination(
    client: Client, world: Hub
) -> None:
    await add_requirement(client, world.hub, world.coordinator)
    url = f"/api/v1/organizations/{world.seller['id']}/eligibility"
    query = {"classification_scheme": "CPV", "classification_code": "03110000-5", "destination": "PL-02"}
    answer = await client.get(url, params=query, headers=world.owner.headers)
    assert answer.status_code == 200
    assert answer.json()["eligible"] is False
    assert answer.json()["unmet"][0]["credential_type"] == "organic"
    unknown = await client.get(url, params={**query, "destination": "ZZ"}, headers=world.owner.headers)
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "query:destination"
    stranger = await register(client)
    assert (await client.get(url, params=query, headers=stranger.headers)).status_code == 404


# --- expiry ---------------------------------------------------------------------


async def test_expiring_job_flags_each_credential_once_and_lists_show_them_soonest_first(
    client: Client, world: Hub, sessions: async_sessionmaker[AsyncSession]
) -> None:
    later = await verified_credential(
        client, world.hub, world.owner, world.coordinator, world.seller, valid_until=days(20)
    )
    sooner = await verified_credential(
        client, world.hub, world.owner, world.coordinator, world.seller, valid_until=days(5)
    )
    await verified_credential(client, world.hub, world.owner, world.coordinator, world.seller, valid_until=days(90))
    await submit_credential(client, world.owner, world.seller, valid_until=days(3))

    async with transaction(sessions) as session:
        await flag_expiring_credentials(session)
    async with transaction(sessions) as session:
        await flag_expiring_credentials(session)

    events = await outbox(sessions, "marketplace.CredentialExpiring")
    assert sorted(events, key=lambda e: str(e["valid_until"])) == [
        {
            "organization_id": world.seller["id"],
            "credential_id": sooner["id"],
            "credential_type": "organic",
            "valid_until": sooner["valid_until"],
        },
        {
            "organization_id": world.seller["id"],
            "credential_id": later["id"],
            "credential_type": "organic",
            "valid_until": later["valid_until"],
        },
    ]
    expiring = await client.get(f"{world.url}/credentials/expiring?within_days=30", headers=world.coordinator.headers)
    assert expiring.status_code == 200
    items = expiring.json()["items"]
    assert [c["id"] for c in items] == [sooner["id"], later["id"]]
    assert items[0]["organization_name"] == world.seller["legal_name"]
    assert items[0]["expires_in_days"] == 5
    assert items[0]["expiry_flagged_at"] is not None
    week = await client.get(f"{world.url}/credentials/expiring?within_days=7", headers=world.coordinator.headers)
    assert [c["id"] for c in week.json()["items"]] == [sooner["id"]]
    own = await client.get(f"{world.credentials_url}?expiring_within_days=30", headers=world.owner.headers)
    assert [c["id"] for c in own.json()["items"]] == [sooner["id"], later["id"]]
    assert (await client.get(world.credentials_url, headers=world.owner.headers)).json()["total"] == 4
    as_owner = await client.get(f"{world.url}/credentials/expiring", headers=world.owner.headers)
    assert as_owner.status_code == 403
    too_far = await client.get(f"{world.url}/credentials/expiring?within_days=400", headers=world.coordinator.headers)
    assert too_far.status_code == 422
    log = await client.get(f"{world.url}/audit", headers=world.coordinator.headers)
    assert [e["action"] for e in log.json()["items"]].count("credential.expiry_flagged") == 2


async def test_the_hub_lists_the_credentials_waiting_for_a_check_oldest_first(client: Client, world: Hub) -> None:
    first = await submit_credential(client, world.owner, world.seller)
    second = await submit_credential(client, world.owner, world.seller, credential_type="food_safety")
    await verified_credential(client, world.hub, world.owner, world.coordinator, world.seller)
    await submit_credential(client, world.owner, world.seller, valid_from=days(-60), valid_until=days(-1))  # expired

    waiting = await client.get(f"{world.url}/credentials/submitted", headers=world.coordinator.headers)
    assert waiting.status_code == 200, waiting.text
    assert [(c["id"], c["organization_name"]) for c in waiting.json()] == [
        (first["id"], world.seller["legal_name"]),
        (second["id"], world.seller["legal_name"]),
    ]
    assert (await client.get(f"{world.url}/credentials/submitted", headers=world.owner.headers)).status_code == 403
