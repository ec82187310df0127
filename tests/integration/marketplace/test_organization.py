"""Organisations: creation with validated codes, privacy between organisations, members and invitations."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.factories.identity import register
from tests.factories.organization import create_organization, organization_body

Client = AsyncTestClient[Any]


async def test_create_organization_makes_the_caller_owner_with_declared_inclusion(client: Client) -> None:
    owner = await register(client)
    organization = await create_organization(
        client,
        owner,
        country="pl",
        subdivision="pl-02",
        languages=["PL", "de-de"],
        inclusion={"women_led": True, "cooperative": True},
    )
    assert organization["my_role"] == "owner"
    assert organization["country"] == "PL"
    assert organization["subdivision"] == "PL-02"
    assert organization["languages"] == ["pl", "de-DE"]
    assert organization["inclusion"]["women_led"] == {
        "declared": True,
        "verified_by_hub": False,
        "verified_by_hub_id": None,
        "verified_at": None,
        "evidence": None,
    }
    assert organization["inclusion"]["youth_led"]["declared"] is False
    read = await client.get(f"/api/v1/organizations/{organization['id']}", headers=owner.headers)
    assert read.json()["legal_name"] == organization["legal_name"]
    mine = await client.get("/api/v1/organizations", headers=owner.headers)
    assert mine.json()["total"] == 1
    assert mine.json()["items"][0]["id"] == organization["id"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"country": "XX"}, "$.country"),
        ({"subdivision": "PL-ZZ"}, "$.subdivision"),
        ({"subdivision": "DE-SN"}, "$.subdivision"),
        ({"default_currency": "ABC"}, "$.default_currency"),
        ({"languages": ["pl", "qq-ZZ"]}, "$.languages[1]"),
        ({"employee_count": -1}, "$.employee_count"),
        ({"employee_count": "four"}, "$.employee_count"),
        ({"kind": "wholesaler"}, "$.kind"),
    ],
)
async def test_create_organization_is_422_naming_the_field_when_input_invalid(
    client: Client, override: dict[str, Any], field: str
) -> None:
    owner = await register(client)
    response = await client.post("/api/v1/organizations", json=organization_body(**override), headers=owner.headers)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert (await client.get("/api/v1/organizations", headers=owner.headers)).json()["total"] == 0


async def test_create_organization_is_409_when_registration_already_used_in_that_country(client: Client) -> None:
    owner = await register(client)
    first = await create_organization(client, owner)
    again = await client.post(
        "/api/v1/organizations", json=organization_body(registration=first["registration"]), headers=owner.headers
    )
    assert again.status_code == 409
    elsewhere = await client.post(
        "/api/v1/organizations",
        json=organization_body(
            registration=first["registration"], country="DE", subdivision="DE-SN", default_currency="EUR"
        ),
        headers=owner.headers,
    )
    assert elsewhere.status_code == 201


@pytest.mark.parametrize(
    ("registration", "message"),
    [
        ({"scheme": "PL-NIP", "id": "615-123-45-67"}, "not a valid Polish NIP: the check digit is wrong"),
        (
            {"scheme": "PL-REGON", "id": "12345678"},
            "not a valid Polish REGON: it has too few or too many digits (written like 123456785)",
        ),
        (
            {"scheme": "DE-HRB", "id": "HRB 4711"},
            "not a valid German Handelsregister number: it is not written like one (written like Dresden HRB 12345)",
        ),
        ({"scheme": "DE-USt-IdNr.", "id": "DE136695977"}, "not a valid German USt-IdNr.: the check digit is wrong"),
        ({"scheme": "CZ-IČO", "id": "25123890"}, "not a valid Czech IČO: the check digit is wrong"),
        ({"scheme": "VAT", "id": "6151234567"}, "not a valid EU VAT number: the check digit is wrong"),
    ],
)
async def test_create_organization_is_422_in_words_when_a_registration_number_fails_its_check(
    client: Client, registration: dict[str, str], message: str
) -> None:
    owner = await register(client)
    response = await client.post(
        "/api/v1/organizations", json=organization_body(registration=registration), headers=owner.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"field": "$.registration.id", "message": message}]
    assert (await client.get("/api/v1/organizations", headers=owner.headers)).json()["total"] == 0


_GERMAN = {"country": "DE", "subdivision": "DE-SN", "default_currency": "EUR"}


@pytest.mark.parametrize(
    ("first", "again", "place", "stored"),
    [
        (
            {"scheme": "PL-NIP", "id": "615-123-45-61"},
            {"scheme": "PL-VAT", "id": "PL 6151234561"},
            {},
            {"scheme": "PL-NIP", "id": "6151234561"},
        ),
        (
            {"scheme": "PL-VAT", "id": "6151234561"},
            {"scheme": "VAT", "id": "PL6151234561"},
            {},
            {"scheme": "PL-NIP", "id": "6151234561"},
        ),
        (
            {"scheme": "DE-USTID", "id": "DE136695976"},
            {"scheme": "DE-UST-IDNR.", "id": "136695976"},
            _GERMAN,
            {"scheme": "DE-USTIDNR", "id": "136695976"},
        ),
        (
            {"scheme": "VAT", "id": "DE136695976"},
            {"scheme": "DE-VAT", "id": "136695976"},
            _GERMAN,
            {"scheme": "DE-USTIDNR", "id": "136695976"},
        ),
        (
            {"scheme": "DE-HRB", "id": "Dresden HRB 4711"},
            {"scheme": "DE-HRA", "id": "HRB 4711 Dresden"},
            _GERMAN,
            {"scheme": "DE-HANDELSREGISTER", "id": "Dresden HRB 4711"},
        ),
    ],
)
async def test_create_organization_is_409_when_the_registration_is_taken_under_another_name_of_its_scheme(
    client: Client, first: dict[str, str], again: dict[str, str], place: dict[str, str], stored: dict[str, str]
) -> None:
    owner = await register(client)
    created = await create_organization(client, owner, registration=first, **place)
    assert created["registration"] == stored
    duplicate = await client.post(
        "/api/v1/organizations", json=organization_body(registration=again, **place), headers=owner.headers
    )
    assert duplicate.status_code == 409, duplicate.text
    assert duplicate.json()["type"].endswith("/registration-taken")
    assert f"{stored['scheme']} {stored['id']}" in duplicate.json()["detail"]
    assert (await client.get("/api/v1/organizations", headers=owner.headers)).json()["total"] == 1


async def test_a_registration_number_is_kept_compact_so_another_spelling_of_it_is_taken(client: Client) -> None:
    owner = await register(client)
    nip = await create_organization(client, owner, registration={"scheme": "pl-nip", "id": " 615-123-45-61 "})
    assert nip["registration"] == {"scheme": "PL-NIP", "id": "6151234561"}
    again = await client.post(
        "/api/v1/organizations",
        json=organization_body(registration={"scheme": "PL-NIP", "id": "615 123 45 61"}),
        headers=owner.headers,
    )
    assert again.status_code == 409, again.text
    # An EU VAT number without its country code gets the organisation's, and is a NIP then.
    vat = await create_organization(client, owner, registration={"scheme": "VAT", "id": "615-000-01-28"})
    assert vat["registration"] == {"scheme": "PL-NIP", "id": "6150000128"}
    register_number = await create_organization(
        client,
        owner,
        registration={"scheme": "DE-HRB", "id": "HRB 4711, Dresden"},
        country="DE",
        subdivision="DE-SN",
        default_currency="EUR",
    )
    assert register_number["registration"] == {"scheme": "DE-HANDELSREGISTER", "id": "Dresden HRB 4711"}
    # A scheme stdnum does not know (KRS numbers have no check digit) is kept as written.
    krs = await create_organization(client, owner, registration={"scheme": "PL-KRS", "id": "0000 123456"})
    assert krs["registration"] == {"scheme": "PL-KRS", "id": "0000 123456"}


async def test_member_of_another_organization_gets_404_reading_or_changing_it(client: Client) -> None:
    alice, bob = await register(client), await register(client)
    alices = await create_organization(client, alice)
    await create_organization(client, bob)
    org_url = f"/api/v1/organizations/{alices['id']}"
    for method, url, body in [
        ("GET", org_url, None),
        ("PATCH", org_url, {"legal_name": "Hijacked"}),
        ("PUT", f"{org_url}/inclusion", {"women_led": True}),
        ("GET", f"{org_url}/members", None),
        ("POST", f"{org_url}/invitations", {"email": "mallory@example.org"}),
        ("GET", f"/api/v1/organizations/{uuid.uuid4()}", None),
    ]:
        response = await client.request(method, url, json=body, headers=bob.headers)
        assert response.status_code == 404, (method, url, response.text)
        assert alices["legal_name"] not in response.text
    unchanged = await client.get(org_url, headers=alice.headers)
    assert unchanged.json()["legal_name"] == alices["legal_name"]
    assert unchanged.json()["inclusion"]["women_led"]["declared"] is False


async def test_update_changes_only_given_fields_and_rejects_unknown_currency(client: Client) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    url = f"/api/v1/organizations/{organization['id']}"
    updated = await client.patch(url, json={"employee_count": 7, "municipality": "Bogatynia"}, headers=owner.headers)
    assert updated.status_code == 200
    assert updated.json()["employee_count"] == 7
    assert updated.json()["municipality"] == "Bogatynia"
    assert updated.json()["legal_name"] == organization["legal_name"]
    bad = await client.patch(url, json={"default_currency": "XYZ", "employee_count": 9}, headers=owner.headers)
    assert bad.status_code == 422
    assert (await client.get(url, headers=owner.headers)).json()["employee_count"] == 7
    unknown_field = await client.patch(url, json={"country": "DE"}, headers=owner.headers)
    assert unknown_field.status_code in (400, 422)


async def test_invited_user_joins_with_the_invited_role_and_plain_member_cannot_manage(client: Client) -> None:
    owner, invitee, stranger = await register(client), await register(client), await register(client)
    organization = await create_organization(client, owner)
    base = f"/api/v1/organizations/{organization['id']}"
    sent = await client.post(
        f"{base}/invitations", json={"email": invitee.email.upper(), "role": "member"}, headers=owner.headers
    )
    assert sent.status_code == 201
    invitation_id = sent.json()["invitation"]["id"]
    token = {"token": sent.json()["accept_token"]}
    accept_url = f"/api/v1/invitations/{invitation_id}/accept"
    assert (await client.post(accept_url, json=token, headers=stranger.headers)).status_code == 404
    pending = await client.get("/api/v1/invitations", headers=invitee.headers)
    assert [i["id"] for i in pending.json()] == [invitation_id]
    wrong_token = await client.post(accept_url, json={"token": "guessed"}, headers=invitee.headers)
    assert wrong_token.status_code == 404
    accepted = await client.post(accept_url, json=token, headers=invitee.headers)
    assert accepted.status_code == 200
    assert accepted.json()["role"] == "member"
    assert (await client.post(accept_url, json=token, headers=invitee.headers)).status_code == 409
    members = await client.get(f"{base}/members", headers=invitee.headers)
    assert sorted(m["role"] for m in members.json()) == ["member", "owner"]
    forbidden = await client.patch(f"{base}", json={"legal_name": "Renamed by member"}, headers=invitee.headers)
    assert forbidden.status_code == 403
    cannot_invite = await client.post(f"{base}/invitations", json={"email": "x@example.org"}, headers=invitee.headers)
    assert cannot_invite.status_code == 403


async def test_admin_cannot_grant_owner_and_last_owner_cannot_leave(client: Client) -> None:
    owner, admin = await register(client), await register(client)
    organization = await create_organization(client, owner)
    base = f"/api/v1/organizations/{organization['id']}"
    sent = await client.post(f"{base}/invitations", json={"email": admin.email, "role": "admin"}, headers=owner.headers)
    await client.post(
        f"/api/v1/invitations/{sent.json()['invitation']['id']}/accept",
        json={"token": sent.json()["accept_token"]},
        headers=admin.headers,
    )
    self_promotion = await client.patch(f"{base}/members/{admin.id}", json={"role": "owner"}, headers=admin.headers)
    assert self_promotion.status_code == 403
    demote_owner = await client.patch(f"{base}/members/{owner.id}", json={"role": "member"}, headers=admin.headers)
    assert demote_owner.status_code == 403
    leave = await client.delete(f"{base}/members/{owner.id}", headers=owner.headers)
    assert leave.status_code == 409
    assert leave.json()["type"].endswith("/last-owner")
    promoted = await client.patch(f"{base}/members/{admin.id}", json={"role": "owner"}, headers=owner.headers)
    assert promoted.json()["role"] == "owner"
    assert (await client.delete(f"{base}/members/{owner.id}", headers=owner.headers)).status_code == 204
    assert (await client.get(base, headers=owner.headers)).status_code == 404


async def test_changed_declaration_drops_verification_only_for_that_attribute(client: Client) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner, inclusion={"women_led": True})
    url = f"/api/v1/organizations/{organization['id']}/inclusion"
    changed = await client.put(url, json={"women_led": True, "youth_led": True}, headers=owner.headers)
    assert changed.status_code == 200
    assert changed.json()["inclusion"]["youth_led"]["declared"] is True
    assert changed.json()["inclusion"]["women_led"]["declared"] is True


async def test_owner_lists_and_revokes_invitations_and_revoked_ones_cannot_be_accepted(client: Client) -> None:
    owner, invitee = await register(client), await register(client)
    organization = await create_organization(client, owner)
    base = f"/api/v1/organizations/{organization['id']}/invitations"
    issued = (await client.post(base, json={"email": invitee.email}, headers=owner.headers)).json()
    sent = issued["invitation"]
    duplicate = await client.post(base, json={"email": invitee.email}, headers=owner.headers)
    assert duplicate.status_code == 409
    listed = await client.get(base, headers=owner.headers)
    assert [(i["email"], i["status"]) for i in listed.json()] == [(invitee.email, "pending")]
    assert (await client.delete(f"{base}/{sent['id']}", headers=owner.headers)).status_code == 204
    assert (await client.get("/api/v1/invitations", headers=invitee.headers)).json() == []
    refused = await client.post(
        f"/api/v1/invitations/{sent['id']}/accept", json={"token": issued["accept_token"]}, headers=invitee.headers
    )
    assert refused.status_code == 409
    assert (await client.get(f"/api/v1/organizations/{organization['id']}", headers=invitee.headers)).status_code == 404


async def test_registering_the_invited_address_is_not_enough_to_take_over_an_invitation(client: Client) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    base = f"/api/v1/organizations/{organization['id']}"
    sent = await client.post(
        f"{base}/invitations", json={"email": "piotr@ziola.example", "role": "admin"}, headers=owner.headers
    )
    squatter = await register(client, email="piotr@ziola.example")
    invitation_id = sent.json()["invitation"]["id"]
    for body in ({"token": ""}, {"token": "x" * 43}, {}):
        response = await client.post(f"/api/v1/invitations/{invitation_id}/accept", json=body, headers=squatter.headers)
        assert response.status_code in (404, 422), body
    assert (await client.get(base, headers=squatter.headers)).status_code == 404


async def test_two_owners_demoting_each_other_at_once_leave_one_owner(client: Client) -> None:
    first, second = await register(client), await register(client)
    organization = await create_organization(client, first)
    base = f"/api/v1/organizations/{organization['id']}"
    sent = await client.post(
        f"{base}/invitations", json={"email": second.email, "role": "owner"}, headers=first.headers
    )
    await client.post(
        f"/api/v1/invitations/{sent.json()['invitation']['id']}/accept",
        json={"token": sent.json()["accept_token"]},
        headers=second.headers,
    )
    results = await asyncio.gather(
        client.patch(f"{base}/members/{second.id}", json={"role": "member"}, headers=first.headers),
        client.patch(f"{base}/members/{first.id}", json={"role": "member"}, headers=second.headers),
    )
    assert sorted(r.status_code for r in results) in ([200, 403], [200, 409])
    members = (await client.get(f"{base}/members", headers=first.headers)).json()
    assert [m["role"] for m in members].count("owner") == 1


async def test_blank_or_control_character_names_are_422_and_nothing_is_created(client: Client) -> None:
    owner = await register(client)
    for body in (organization_body(legal_name="   "), organization_body(legal_name="Bad\u0000Name")):
        response = await client.post("/api/v1/organizations", json=body, headers=owner.headers)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "$.legal_name"
    assert (await client.get("/api/v1/organizations", headers=owner.headers)).json()["total"] == 0
