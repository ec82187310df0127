"""An organisation's invoicing details: its address, VAT status and number, bank account, contact and
Leitweg-ID, each checked for its country, stored compact, read by its members, changed by its admins."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.audit import AuditEntry
from kernel.db import transaction
from tests.factories.identity import Account, register
from tests.factories.organization import create_organization, german_registration

Client = AsyncTestClient[Any]

#: Numbers that pass their checks (python-stdnum and schwifty), and some that do not.
GERMAN_VAT, POLISH_VAT, BAD_POLISH_VAT = "DE136695976", "PL5260250274", "PL5260250275"
GERMAN_IBAN, POLISH_IBAN, BAD_IBAN = "DE89370400440532013000", "PL61109010140000071219812874", "DE89370400440532013001"
LEITWEG_ID = "991-33333TEST-33"


async def _german(client: Client, owner: Account) -> dict[str, Any]:
    return await create_organization(
        client,
        owner,
        registration=german_registration(),
        country="DE",
        subdivision="DE-SN",
        municipality="Görlitz",
        default_currency="EUR",
        languages=["de"],
    )


async def _belgian(client: Client, owner: Account) -> dict[str, Any]:
    """An organisation of a country whose small-business exemption Borderhub does not know."""
    return await create_organization(
        client,
        owner,
        registration={"scheme": "BE-KBO", "id": f"0{uuid.uuid4().int % 10**9:09d}"},
        country="BE",
        subdivision=None,
        municipality="Eupen",
        default_currency="EUR",
        languages=["de", "fr"],
    )


async def _member(client: Client, owner: Account, organization: dict[str, Any], role: str) -> Account:
    """A new account that joined the organisation with `role`."""
    account = await register(client)
    sent = await client.post(
        f"/api/v1/organizations/{organization['id']}/invitations",
        json={"email": account.email, "role": role},
        headers=owner.headers,
    )
    assert sent.status_code == 201, sent.text
    accepted = await client.post(
        f"/api/v1/invitations/{sent.json()['invitation']['id']}/accept",
        json={"token": sent.json()["accept_token"]},
        headers=account.headers,
    )
    assert accepted.status_code == 200, accepted.text
    return account


def _url(organization: dict[str, Any]) -> str:
    return f"/api/v1/organizations/{organization['id']}/billing"


async def test_details_are_saved_compact_and_read_back_when_they_are_valid(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner = await register(client)
    organization = await _german(client, owner)
    admin = await _member(client, owner, organization, "admin")
    saved = await client.put(
        _url(organization),
        json={
            "vat_scheme": "registered",
            "street": " Berliner Straße 5 ",
            "postal_code": "02826",
            "vat_number": "de 136 695 976",
            "iban": "DE89 3704 0044 0532 0130 00",
            "bic": "cobadeffxxx",
            "leitweg_id": LEITWEG_ID,
            "invoice_email": "rechnungen@example.org",
            "phone": "+49 (3581) 123-456",
        },
        headers=admin.headers,
    )
    assert saved.status_code == 200, saved.text
    read = await client.get(_url(organization), headers=owner.headers)
    assert read.status_code == 200
    assert read.json() == saved.json()
    assert read.json() == {
        "organization_id": organization["id"],
        "country": "DE",
        "vat_scheme": "registered",
        "small_business_basis": "§ 19 UStG",
        "street": "Berliner Straße 5",
        "postal_code": "02826",
        "vat_number": GERMAN_VAT,
        "iban": GERMAN_IBAN,
        "bic": "COBADEFFXXX",
        "leitweg_id": LEITWEG_ID,
        "invoice_email": "rechnungen@example.org",
        "phone": "+49 (3581) 123-456",
    }
    async with transaction(sessions) as session:
        entry = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "organization.billing_changed"))
        ).scalar_one()
    assert entry.actor_id == admin.id
    assert entry.before is not None
    assert entry.before["vat_scheme"] == "not_registered"
    assert entry.after is not None
    assert entry.after["vat_number"] == GERMAN_VAT


async def test_a_vat_number_without_its_country_code_gets_it_when_it_is_saved(client: Client) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)  # Polish
    saved = await client.put(
        _url(organization),
        json={"vat_scheme": "registered", "vat_number": "526-025-02-74", "iban": "PL 6110 9010 1400 0007 1219 8128 74"},
        headers=owner.headers,
    )
    assert saved.status_code == 200, saved.text
    assert (saved.json()["vat_number"], saved.json()["iban"]) == (POLISH_VAT, POLISH_IBAN)


async def test_every_bad_field_is_named_and_nothing_is_stored_when_several_are_wrong(client: Client) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)  # Polish
    before = await client.put(_url(organization), json={"vat_scheme": "not_registered"}, headers=owner.headers)
    assert before.status_code == 200, before.text
    refused = await client.put(
        _url(organization),
        json={
            "vat_scheme": "registered",
            "street": "Kościuszki 12",
            "vat_number": BAD_POLISH_VAT,
            "iban": BAD_IBAN,
            "bic": "COBADE",
            "leitweg_id": LEITWEG_ID,
            "invoice_email": "faktury at example.org",
            "phone": "call us",
        },
        headers=owner.headers,
    )
    assert refused.status_code == 422, refused.text
    said = {error["field"]: error["message"] for error in refused.json()["errors"]}
    assert said == {
        "$.vat_number": "not a valid VAT number of Poland (PL): the check digit is wrong",
        "$.iban": "not a valid IBAN: the check digits are wrong",
        "$.bic": "not a valid BIC: it has 8 or 11 letters and digits, like COBADEFFXXX",
        "$.leitweg_id": "a Leitweg-ID is for German public buyers",
        "$.invoice_email": "is not an e-mail address, like invoices@example.org",
        "$.phone": "a phone number has 3 to 40 characters: digits, spaces and + - ( ) /",
    }
    assert (await client.get(_url(organization), headers=owner.headers)).json() == before.json()


async def test_another_countrys_number_and_an_unknown_exemption_are_named_when_given_together(client: Client) -> None:
    owner = await register(client)
    organization = await _belgian(client, owner)
    refused = await client.put(
        _url(organization),
        json={
            "vat_scheme": "small_business",
            "vat_number": GERMAN_VAT,
            "iban": "BE68-5390-0754",
            "leitweg_id": LEITWEG_ID,
        },
        headers=owner.headers,
    )
    assert refused.status_code == 422, refused.text
    said = {error["field"]: error["message"] for error in refused.json()["errors"]}
    assert said == {
        "$.vat_scheme": "Belgium (BE) has no small-business exemption in Borderhub",
        "$.vat_number": "this VAT number is from Germany (DE) but the organisation is registered in Belgium (BE)",
        "$.iban": "not a valid IBAN: it is not written like one, such as DE89 3704 0044 0532 0130 00",
        "$.leitweg_id": "a Leitweg-ID is for German public buyers",
    }
    read = await client.get(_url(organization), headers=owner.headers)
    assert (read.json()["vat_scheme"], read.json()["vat_number"], read.json()["small_business_basis"]) == (
        "not_registered",
        None,
        None,
    )


async def test_a_polish_vat_number_is_refused_when_the_organisation_is_german(client: Client) -> None:
    owner = await register(client)
    organization = await _german(client, owner)
    refused = await client.put(
        _url(organization), json={"vat_scheme": "small_business", "vat_number": POLISH_VAT}, headers=owner.headers
    )
    assert refused.status_code == 422
    assert refused.json()["errors"] == [
        {
            "field": "$.vat_number",
            "message": "this VAT number is from Poland (PL) but the organisation is registered in Germany (DE)",
        }
    ]


async def test_a_bic_is_refused_when_its_bank_is_in_another_country_than_the_account(client: Client) -> None:
    owner = await register(client)
    organization = await create_organization(client, owner)
    refused = await client.put(
        _url(organization),
        json={"vat_scheme": "not_registered", "iban": POLISH_IBAN, "bic": "COBADEFFXXX"},
        headers=owner.headers,
    )
    assert refused.status_code == 422
    assert [(e["field"], e["message"]) for e in refused.json()["errors"]] == [
        ("$.bic", "this BIC is of a bank in Germany (DE) but the IBAN is of an account in Poland (PL)")
    ]


async def test_saving_is_422_when_registered_for_vat_without_a_vat_number(client: Client) -> None:
    owner = await register(client)
    organization = await _german(client, owner)
    refused = await client.put(_url(organization), json={"vat_scheme": "registered"}, headers=owner.headers)
    assert refused.status_code == 422
    assert [(e["field"], e["message"]) for e in refused.json()["errors"]] == [
        ("$.vat_number", "is required when the organisation is registered for VAT")
    ]
    small = await client.put(_url(organization), json={"vat_scheme": "small_business"}, headers=owner.headers)
    assert small.status_code == 200, small.text
    assert small.json()["vat_number"] is None


async def test_a_member_reads_but_cannot_change_the_details_when_not_an_admin(client: Client) -> None:
    owner = await register(client)
    organization = await _german(client, owner)
    member = await _member(client, owner, organization, "member")
    assert (
        await client.put(_url(organization), json={"vat_scheme": "small_business"}, headers=owner.headers)
    ).status_code == 200
    refused = await client.put(_url(organization), json={"vat_scheme": "not_registered"}, headers=member.headers)
    assert refused.status_code == 403
    read = await client.get(_url(organization), headers=member.headers)
    assert read.status_code == 200
    assert read.json()["vat_scheme"] == "small_business"


async def test_the_details_are_404_when_the_caller_is_no_member(client: Client) -> None:
    owner, stranger = await register(client), await register(client)
    organization = await _german(client, owner)
    assert (await client.get(_url(organization), headers=stranger.headers)).status_code == 404
    changed = await client.put(_url(organization), json={"vat_scheme": "not_registered"}, headers=stranger.headers)
    assert changed.status_code == 404
    unknown = f"/api/v1/organizations/{uuid.uuid4()}/billing"
    assert (await client.get(unknown, headers=owner.headers)).status_code == 404
