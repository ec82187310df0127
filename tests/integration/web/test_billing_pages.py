"""The invoicing details page of an organisation: its administrators fill in the form (each problem
beside its field, countries named in the reader's language), its members read the details."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories.identity import PASSWORD, Account, register
from tests.factories.organization import create_organization, german_registration
from tests.integration.web.pages import csrf_of, sign_in_page

Client = AsyncTestClient[Litestar]


async def _signed_in(client: Client, **extra: Any) -> Account:
    account = await register(client, **extra)
    client.cookies.clear()
    signed_in = await sign_in_page(client, account.email, PASSWORD)
    assert signed_in.status_code == 303
    return account


async def _german(client: Client, owner: Account) -> dict[str, Any]:
    return await create_organization(
        client,
        owner,
        legal_name="Görlitzer Honig GmbH",
        registration=german_registration(),
        country="DE",
        subdivision="DE-SN",
        municipality="Görlitz",
        default_currency="EUR",
        languages=["de"],
    )


async def _post(client: Client, path: str, fields: dict[str, str]) -> Any:
    shown = await client.get(path)
    assert shown.status_code == 200, shown.text
    return await client.post(path, data={"_csrf_token": csrf_of(shown.text), **fields}, follow_redirects=False)


def _error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="f-{field}-error">(.*?)</p>', html, re.DOTALL)
    assert found is not None, f"no problem shown beside {field}"
    return found.group(1)


async def test_an_admin_saves_the_invoicing_details_on_the_form_when_they_are_valid(client: Client) -> None:
    owner = await _signed_in(client)
    organization = await _german(client, owner)
    path = f"/organizations/{organization['id']}/billing"
    profile = await client.get(f"/organizations/{organization['id']}")
    assert f'<a href="{path}">Invoicing details</a>' in profile.text

    form = await client.get(path)
    assert form.status_code == 200
    assert 'type="radio" name="vat_scheme" value="not_registered" checked' in form.text
    # The small business's exemption is the German one, marked as German text.
    assert '<span lang="de">§ 19 UStG</span>' in form.text
    assert 'name="leitweg_id"' in form.text
    saved = await _post(
        client,
        path,
        {
            "vat_scheme": "registered",
            "street": "Berliner Straße 5",
            "postal_code": "02826",
            "vat_number": "DE 136 695 976",
            "iban": "DE89370400440532013000",
            "bic": "COBADEFFXXX",
            "invoice_email": "rechnungen@example.org",
            "phone": "+49 3581 123456",
            "leitweg_id": "",
        },
    )

    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"{path}?notice=billing-saved"
    shown = await client.get(saved.headers["location"])
    assert "The invoicing details are saved." in shown.text
    assert 'value="DE136695976"' in shown.text
    assert 'value="DE89 3704 0044 0532 0130 00"' in shown.text
    assert 'type="radio" name="vat_scheme" value="registered" checked' in shown.text
    read = await client.get(f"/api/v1/organizations/{organization['id']}/billing", headers=owner.headers)
    assert (read.json()["vat_number"], read.json()["iban"], read.json()["leitweg_id"]) == (
        "DE136695976",
        "DE89370400440532013000",
        None,
    )


async def test_each_problem_is_shown_beside_its_field_naming_countries_in_the_readers_language_when_the_form_is_wrong(
    client: Client,
) -> None:
    owner = await _signed_in(client, preferred_language="de")
    organization = await _german(client, owner)
    path = f"/organizations/{organization['id']}/billing"

    refused = await _post(
        client,
        path,
        {
            "vat_scheme": "registered",
            "vat_number": "PL5260250274",
            "iban": "PL61109010140000071219812874",
            "bic": "COBADEFF",
        },
    )

    assert refused.status_code == 422
    vat_problem = _error_of(refused.text, "vat_number")
    # The countries by their German names.
    assert "Polen" in vat_problem
    assert "Deutschland" in vat_problem
    bic_problem = _error_of(refused.text, "bic")
    assert "Deutschland" in bic_problem
    assert "Polen" in bic_problem
    assert 'value="PL5260250274"' in refused.text  # what was typed is kept
    assert 'href="#f-vat_number"' in refused.text  # the summary at the top leads to the field
    assert 'id="f-iban-error"' not in refused.text  # the IBAN itself is fine
    read = await client.get(f"/api/v1/organizations/{organization['id']}/billing", headers=owner.headers)
    assert (read.json()["vat_scheme"], read.json()["vat_number"]) == ("not_registered", None)


async def test_a_member_reads_the_details_without_a_form_when_not_an_admin(client: Client) -> None:
    owner = await register(client)
    organization = await _german(client, owner)
    path = f"/organizations/{organization['id']}/billing"
    details = {
        "vat_scheme": "small_business",
        "iban": "DE89370400440532013000",
        "invoice_email": "rechnungen@example.org",
    }
    assert (
        await client.put(f"/api/v1/{path.removeprefix('/')}", json=details, headers=owner.headers)
    ).status_code == 200
    member = await _signed_in(client)
    sent = await client.post(
        f"/api/v1/organizations/{organization['id']}/invitations",
        json={"email": member.email, "role": "member"},
        headers=owner.headers,
    )
    accepted = await client.post(
        f"/api/v1/invitations/{sent.json()['invitation']['id']}/accept",
        json={"token": sent.json()["accept_token"]},
        headers=member.headers,
    )
    assert accepted.status_code == 200, accepted.text

    shown = await client.get(path)

    assert shown.status_code == 200
    assert "Small business" in shown.text
    assert "DE89 3704 0044 0532 0130 00" in shown.text
    assert "rechnungen@example.org" in shown.text
    assert f'action="{path}"' not in shown.text
    assert 'name="vat_scheme"' not in shown.text
    refused = await client.post(path, data={"_csrf_token": csrf_of(shown.text), "vat_scheme": "not_registered"})
    assert refused.status_code == 403


async def test_the_page_is_a_404_page_when_the_reader_is_no_member(client: Client) -> None:
    owner = await register(client)
    organization = await _german(client, owner)
    await _signed_in(client)

    shown = await client.get(f"/organizations/{organization['id']}/billing")

    assert shown.status_code == 404
    assert "Görlitzer Honig" not in shown.text
