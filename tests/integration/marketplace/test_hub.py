"""Hubs: creation by platform admins, coordinators, admission of organisations, inclusion verification, audit."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.cli import main
from borderhub.settings import Settings
from kernel.db import transaction
from kernel.outbox import OutboxEvent
from marketplace.identity.models import User
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.organization import admitted_organization, create_hub, create_organization, platform_admin

Client = AsyncTestClient[Any]


@pytest.fixture
async def admin(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Account:
    return await platform_admin(client, sessions, settings)


async def test_platform_admin_creates_hub_with_coordinators_and_anyone_can_list_it(
    client: Client, admin: Account
) -> None:
    coordinator, someone = await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator], jurisdictions=["de-sn", "PL-02", "DE-SN"])
    assert hub["jurisdictions"] == ["DE-SN", "PL-02"]
    listed = await client.get("/api/v1/hubs", headers=someone.headers)
    assert [h["name"] for h in listed.json()["items"]] == [hub["name"]]
    assert listed.json()["items"][0]["i_coordinate"] is False
    as_coordinator = await client.get(f"/api/v1/hubs/{hub['id']}", headers=coordinator.headers)
    assert as_coordinator.json()["i_coordinate"] is True
    coordinators = await client.get(f"/api/v1/hubs/{hub['id']}/coordinators", headers=someone.headers)
    assert [(c["user_id"], c["email"]) for c in coordinators.json()] == [(str(coordinator.id), None)]
    as_peer = await client.get(f"/api/v1/hubs/{hub['id']}/coordinators", headers=coordinator.headers)
    assert [c["email"] for c in as_peer.json()] == [coordinator.email]


async def test_create_hub_is_403_when_caller_is_not_platform_admin(client: Client) -> None:
    user = await register(client)
    response = await client.post(
        "/api/v1/hubs",
        json={"name": "X", "jurisdictions": ["DE-SN", "PL-02"], "reporting_currency": "EUR", "languages": ["de"]},
        headers=user.headers,
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"jurisdictions": ["DE-SN", "QQ"]}, "$.jurisdictions[1]"),
        ({"jurisdictions": ["DE-SN", "de-sn"]}, "$.jurisdictions"),
        ({"municipalities": [{"name": "Praha", "jurisdiction": "CZ"}]}, "$.municipalities[0].jurisdiction"),
        ({"reporting_currency": "EURO"}, "$.reporting_currency"),
        ({"languages": ["zz"]}, "$.languages[0]"),
        ({"coordinator_emails": ["nobody@example.org"]}, "$.coordinator_emails[0]"),
    ],
)
async def test_create_hub_is_422_naming_the_field_when_input_invalid(
    client: Client, admin: Account, override: dict[str, Any], field: str
) -> None:
    body = {"name": "Neisse hub", "jurisdictions": ["DE-SN", "PL-02"], "reporting_currency": "EUR", "languages": ["de"]}
    response = await client.post("/api/v1/hubs", json={**body, **override}, headers=admin.headers)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await client.get("/api/v1/hubs", headers=admin.headers)).json()["total"] == 0


async def test_coordinator_admits_an_applicant_and_can_then_read_it(
    client: Client, admin: Account, sessions: async_sessionmaker[AsyncSession]
) -> None:
    coordinator, owner = await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    organization = await create_organization(client, owner)
    org_url = f"/api/v1/organizations/{organization['id']}"
    assert (await client.get(org_url, headers=coordinator.headers)).status_code == 404
    applied = await client.post(
        f"/api/v1/hubs/{hub['id']}/memberships",
        json={"organization_id": organization["id"], "note": "bakery"},
        headers=owner.headers,
    )
    assert applied.status_code == 201
    assert applied.json()["status"] == "pending"
    assert (await client.get(org_url, headers=coordinator.headers)).status_code == 200
    pending = await client.get(f"/api/v1/hubs/{hub['id']}/memberships?status=pending", headers=coordinator.headers)
    assert [m["organization_id"] for m in pending.json()["items"]] == [organization["id"]]
    admit_url = f"/api/v1/hubs/{hub['id']}/memberships/{organization['id']}/admit"
    assert (await client.post(admit_url, headers=owner.headers)).status_code == 403
    admitted = await client.post(admit_url, headers=coordinator.headers)
    assert admitted.status_code == 200
    assert admitted.json()["status"] == "admitted"
    read = await client.get(org_url, headers=owner.headers)
    assert read.json()["hubs"] == [{"hub_id": hub["id"], "status": "admitted"}]
    async with transaction(sessions) as session:
        topics = (await session.execute(select(OutboxEvent.topic, OutboxEvent.payload))).all()
    assert ("marketplace.OrganizationAdmitted", {"hub_id": hub["id"], "organization_id": organization["id"]}) in [
        (t, p) for t, p in topics
    ]


async def test_apply_is_422_when_organization_is_outside_the_hub(client: Client, admin: Account) -> None:
    coordinator, owner = await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    prague = await create_organization(
        client, owner, country="CZ", subdivision=None, default_currency="CZK", municipality="Praha"
    )
    response = await client.post(
        f"/api/v1/hubs/{hub['id']}/memberships", json={"organization_id": prague["id"]}, headers=owner.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "$.organization_id"


async def test_apply_is_404_for_someone_elses_organization(client: Client, admin: Account) -> None:
    coordinator, owner, intruder = await register(client), await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    organization = await create_organization(client, owner)
    response = await client.post(
        f"/api/v1/hubs/{hub['id']}/memberships", json={"organization_id": organization["id"]}, headers=intruder.headers
    )
    assert response.status_code == 404


async def test_only_a_coordinator_of_the_hub_verifies_declared_inclusion(client: Client, admin: Account) -> None:
    coordinator, other_coordinator, owner = await register(client), await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    other_hub = await create_hub(client, admin, [other_coordinator])
    organization = await admitted_organization(client, hub, owner, coordinator, inclusion={"women_led": True})
    path = f"/organizations/{organization['id']}/inclusion/women_led"
    by_owner = await client.put(f"/api/v1/hubs/{hub['id']}{path}", json={"verified": True}, headers=owner.headers)
    assert by_owner.status_code == 403
    by_other_hub = await client.put(
        f"/api/v1/hubs/{other_hub['id']}{path}", json={"verified": True}, headers=other_coordinator.headers
    )
    assert by_other_hub.status_code == 404
    by_other_coordinator = await client.put(
        f"/api/v1/hubs/{hub['id']}{path}", json={"verified": True}, headers=other_coordinator.headers
    )
    assert by_other_coordinator.status_code == 403
    not_declared = await client.put(
        f"/api/v1/hubs/{hub['id']}/organizations/{organization['id']}/inclusion/youth_led",
        json={"verified": True},
        headers=coordinator.headers,
    )
    assert not_declared.status_code == 422
    unknown_attribute = await client.put(
        f"/api/v1/hubs/{hub['id']}/organizations/{organization['id']}/inclusion/left_handed",
        json={"verified": True},
        headers=coordinator.headers,
    )
    assert unknown_attribute.status_code in (400, 404, 422)
    verified = await client.put(f"/api/v1/hubs/{hub['id']}{path}", json={"verified": True}, headers=coordinator.headers)
    assert verified.status_code == 200
    status = (await client.get(f"/api/v1/organizations/{organization['id']}", headers=owner.headers)).json()[
        "inclusion"
    ]
    assert status["women_led"]["verified_by_hub"] is True
    assert status["women_led"]["verified_by_hub_id"] == hub["id"]
    assert status["youth_led"]["verified_by_hub"] is False
    redeclared = await client.put(
        f"/api/v1/organizations/{organization['id']}/inclusion", json={"women_led": False}, headers=owner.headers
    )
    assert redeclared.json()["inclusion"]["women_led"] == {
        "declared": False,
        "verified_by_hub": False,
        "verified_by_hub_id": None,
        "verified_at": None,
        "evidence": None,
    }


async def test_hub_audit_log_shows_who_did_what_and_only_to_its_coordinators(client: Client, admin: Account) -> None:
    coordinator, owner = await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    organization = await admitted_organization(client, hub, owner, coordinator)
    await client.patch(
        f"/api/v1/organizations/{organization['id']}", json={"employee_count": 12}, headers=owner.headers
    )
    log = await client.get(f"/api/v1/hubs/{hub['id']}/audit", headers=coordinator.headers)
    assert log.status_code == 200
    entries = log.json()["items"]
    actions = [e["action"] for e in entries]
    assert actions[:3] == ["organization.updated", "hub.membership_admitted", "hub.membership_requested"]
    update = entries[0]
    assert update["actor_email"] == owner.email
    assert update["before"]["employee_count"] == 4
    assert update["after"]["employee_count"] == 12
    assert update["request_id"]
    assert "hub.created" in actions
    assert (await client.get(f"/api/v1/hubs/{hub['id']}/audit", headers=owner.headers)).status_code == 403


async def test_coordinators_appoint_and_dismiss_but_keep_at_least_one(client: Client, admin: Account) -> None:
    first, second = await register(client), await register(client)
    hub = await create_hub(client, admin, [first])
    url = f"/api/v1/hubs/{hub['id']}/coordinators"
    assert (await client.post(url, json={"email": second.email}, headers=second.headers)).status_code == 403
    appointed = await client.post(url, json={"email": second.email}, headers=first.headers)
    assert appointed.status_code == 201
    assert (await client.post(url, json={"email": second.email}, headers=first.headers)).status_code == 409
    assert (await client.delete(f"{url}/{first.id}", headers=second.headers)).status_code == 204
    last = await client.delete(f"{url}/{second.id}", headers=second.headers)
    assert last.status_code == 409


async def test_coordinators_need_a_proven_address_to_be_appointed_and_to_act(
    client: Client, admin: Account, sessions: async_sessionmaker[AsyncSession]
) -> None:
    coordinator, colleague = await register(client), await register(client)
    unverified = await register(client, verified=False)
    body = {"name": "Neisse hub", "jurisdictions": ["DE-SN", "PL-02"], "reporting_currency": "EUR", "languages": ["de"]}
    created = await client.post(
        "/api/v1/hubs", json={**body, "coordinator_emails": [unverified.email]}, headers=admin.headers
    )
    assert created.status_code == 422, created.text
    assert [e["field"] for e in created.json()["errors"]] == ["$.coordinator_emails[0]"]
    hub = await create_hub(client, admin, [coordinator])
    url = f"/api/v1/hubs/{hub['id']}/coordinators"
    appointed = await client.post(url, json={"email": unverified.email}, headers=coordinator.headers)
    assert appointed.status_code == 422, appointed.text
    assert [e["field"] for e in appointed.json()["errors"]] == ["$.email"]
    # A coordinator whose address is not proven (an account from before the check, say) may not act.
    async with transaction(sessions) as session:
        await session.execute(update(User).where(User.id == coordinator.id).values(email_verified_at=None))
    refused = await client.post(url, json={"email": colleague.email}, headers=coordinator.headers)
    assert refused.status_code == 403, refused.text
    assert refused.json()["type"].endswith("email-unverified")


async def test_cli_bootstraps_a_platform_admin_who_can_create_hubs(
    client: Client, database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    # The CLI runs its own event loop, so it runs in a thread beside the test's loop.
    result = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["admin", "create", "--email", "root@example.org", "--password", PASSWORD, "--data-dir", str(tmp_path)],
    )
    assert result.exit_code == 0, result.output
    assert "created platform administrator root@example.org" in result.output
    login = await client.post("/api/v1/auth/login", json={"email": "root@example.org", "password": PASSWORD})
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert (await client.get("/api/v1/me", headers=headers)).json()["is_platform_admin"] is True
    short = await asyncio.to_thread(
        CliRunner().invoke,
        main,
        ["admin", "create", "--email", "b@example.org", "--password", "short", "--data-dir", str(tmp_path)],
    )
    assert short.exit_code != 0
    assert "at least 10 characters" in short.output


async def test_rejected_organization_may_apply_again(client: Client, admin: Account) -> None:
    coordinator, owner = await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    organization = await create_organization(client, owner)
    memberships = f"/api/v1/hubs/{hub['id']}/memberships"
    await client.post(memberships, json={"organization_id": organization["id"]}, headers=owner.headers)
    twice = await client.post(memberships, json={"organization_id": organization["id"]}, headers=owner.headers)
    assert twice.status_code == 409
    rejected = await client.post(
        f"{memberships}/{organization['id']}/reject",
        json={"note": "registration document missing"},
        headers=coordinator.headers,
    )
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["note"] == "registration document missing"
    again = await client.post(memberships, json={"organization_id": organization["id"]}, headers=owner.headers)
    assert again.status_code == 201
    assert again.json()["status"] == "pending"


async def test_a_hub_cannot_overturn_another_hubs_verification_and_rejection_withdraws_its_own(
    client: Client, admin: Account
) -> None:
    first_coordinator, second_coordinator, owner = (
        await register(client),
        await register(client),
        await register(client),
    )
    first = await create_hub(client, admin, [first_coordinator])
    second = await create_hub(client, admin, [second_coordinator])
    organization = await admitted_organization(client, first, owner, first_coordinator, inclusion={"women_led": True})
    await client.post(
        f"/api/v1/hubs/{second['id']}/memberships", json={"organization_id": organization["id"]}, headers=owner.headers
    )
    await client.post(
        f"/api/v1/hubs/{second['id']}/memberships/{organization['id']}/admit", headers=second_coordinator.headers
    )
    path = f"/organizations/{organization['id']}/inclusion/women_led"
    verified = await client.put(
        f"/api/v1/hubs/{first['id']}{path}", json={"verified": True}, headers=first_coordinator.headers
    )
    assert verified.status_code == 200
    overturn = await client.put(
        f"/api/v1/hubs/{second['id']}{path}", json={"verified": False}, headers=second_coordinator.headers
    )
    assert overturn.status_code == 409
    org_url = f"/api/v1/organizations/{organization['id']}"
    assert (await client.get(org_url, headers=owner.headers)).json()["inclusion"]["women_led"][
        "verified_by_hub_id"
    ] == first["id"]
    await client.post(
        f"/api/v1/hubs/{first['id']}/memberships/{organization['id']}/reject",
        json={"note": "Seat moved outside our towns"},
        headers=first_coordinator.headers,
    )
    status = (await client.get(org_url, headers=owner.headers)).json()["inclusion"]["women_led"]
    assert (status["verified_by_hub"], status["verified_by_hub_id"]) == (False, None)
    assert (await client.get(org_url, headers=first_coordinator.headers)).status_code == 404


async def test_hub_audit_log_shows_neither_other_hubs_dealings_nor_history_before_applying(
    client: Client, admin: Account
) -> None:
    first_coordinator, second_coordinator, owner = (
        await register(client),
        await register(client),
        await register(client),
    )
    first = await create_hub(client, admin, [first_coordinator])
    second = await create_hub(client, admin, [second_coordinator])
    organization = await create_organization(client, owner)
    await client.post(
        f"/api/v1/organizations/{organization['id']}/invitations",
        json={"email": "private@example.org"},
        headers=owner.headers,
    )
    for hub, coordinator in ((first, first_coordinator), (second, second_coordinator)):
        await client.post(
            f"/api/v1/hubs/{hub['id']}/memberships", json={"organization_id": organization["id"]}, headers=owner.headers
        )
        await client.post(
            f"/api/v1/hubs/{hub['id']}/memberships/{organization['id']}/admit", headers=coordinator.headers
        )
    await client.patch(f"/api/v1/organizations/{organization['id']}", json={"employee_count": 9}, headers=owner.headers)
    entries = (await client.get(f"/api/v1/hubs/{first['id']}/audit", headers=first_coordinator.headers)).json()["items"]
    assert all(e["hub_id"] in (first["id"], None) for e in entries)
    actions = [e["action"] for e in entries if e["organization_id"] == organization["id"]]
    assert "organization.updated" in actions
    assert "hub.membership_admitted" in actions
    assert "invitation.sent" not in actions
    assert "organization.created" not in actions
    assert "private@example.org" not in str(entries)


async def test_rejecting_an_application_needs_a_reason(client: Client, admin: Account) -> None:
    coordinator, owner = await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    organization = await create_organization(client, owner)
    memberships = f"/api/v1/hubs/{hub['id']}/memberships"
    await client.post(memberships, json={"organization_id": organization["id"]}, headers=owner.headers)
    for body in (None, {"note": "  "}):
        unsaid = await client.post(f"{memberships}/{organization['id']}/reject", json=body, headers=coordinator.headers)
        assert unsaid.status_code == 422, unsaid.text
        assert unsaid.json()["errors"][0]["field"] == "$.note"
    waiting = await client.get(f"{memberships}?status=pending", headers=coordinator.headers)
    assert [m["organization_id"] for m in waiting.json()["items"]] == [organization["id"]]


async def test_refusing_a_declaration_with_an_empty_reason_is_403_not_422_for_someone_not_coordinating(
    client: Client, admin: Account
) -> None:
    coordinator, owner = await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    organization = await admitted_organization(client, hub, owner, coordinator, inclusion={"cooperative": True})
    refusal = f"/api/v1/hubs/{hub['id']}/organizations/{organization['id']}/inclusion/cooperative/refusal"
    by_owner = await client.post(refusal, json={"reason": ""}, headers=owner.headers)
    assert by_owner.status_code == 403, by_owner.text
    assert "errors" not in by_owner.json()


async def test_a_verification_keeps_the_evidence_seen_and_a_refusal_its_reason_until_the_declaration_changes(
    client: Client, admin: Account
) -> None:
    coordinator, owner = await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    organization = await admitted_organization(
        client, hub, owner, coordinator, inclusion={"women_led": True, "cooperative": True}
    )
    inclusion = f"/api/v1/hubs/{hub['id']}/organizations/{organization['id']}/inclusion"
    verified = await client.put(
        f"{inclusion}/women_led", json={"verified": True, "evidence": "KRS extract"}, headers=coordinator.headers
    )
    assert (verified.status_code, verified.json()["evidence"]) == (200, "KRS extract")
    org_url = f"/api/v1/organizations/{organization['id']}"
    assert (await client.get(org_url, headers=owner.headers)).json()["inclusion"]["women_led"]["evidence"] == (
        "KRS extract"
    )
    unsaid = await client.post(f"{inclusion}/cooperative/refusal", json={"reason": " "}, headers=coordinator.headers)
    assert unsaid.status_code == 422
    assert unsaid.json()["errors"][0]["field"] == "$.reason"
    by_owner = await client.post(f"{inclusion}/cooperative/refusal", json={"reason": "x"}, headers=owner.headers)
    assert by_owner.status_code == 403
    refused = await client.post(
        f"{inclusion}/cooperative/refusal", json={"reason": "No articles of a cooperative"}, headers=coordinator.headers
    )
    assert (refused.status_code, refused.json()["refused"], refused.json()["verified_by_hub"]) == (200, True, False)
    # Refusing what this hub verified withdraws the verification (and its evidence).
    withdrawn = await client.post(
        f"{inclusion}/women_led/refusal",
        json={"reason": "The extract was of another company"},
        headers=coordinator.headers,
    )
    assert withdrawn.status_code == 200, withdrawn.text
    women_led = (await client.get(org_url, headers=owner.headers)).json()["inclusion"]["women_led"]
    assert (women_led["declared"], women_led["verified_by_hub"], women_led["evidence"]) == (True, False, None)
    not_declared = await client.post(
        f"{inclusion}/youth_led/refusal", json={"reason": "x"}, headers=coordinator.headers
    )
    assert not_declared.status_code == 422
