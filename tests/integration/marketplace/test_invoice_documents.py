"""An invoice's documents over HTTP: the PDF, the XRechnung and the Factur-X PDF of a real order,
valid under the EN 16931 rules, readable by the seller's and the buyer's members and nobody else."""

from __future__ import annotations

import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import facturx
import pypdf
import pytest
from litestar.testing import AsyncTestClient
from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from marketplace.invoicing.ksef import validate_fa3
from marketplace.invoicing.validation import errors, validate
from marketplace.invoicing.wording import note_text
from marketplace.tax.decision import VatNote
from tests.factories.catalog import create_listing
from tests.factories.identity import register
from tests.factories.order import EUR_PLN, Market, build_market, place, set_billing
from tests.factories.organization import admitted_organization, create_organization

Client = AsyncTestClient[Any]
LEITWEG_ID = "991-33333TEST-33"


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


@pytest.fixture
async def invoice(client: Client, market: Market) -> dict[str, Any]:
    """A Polish producer's honey, invoiced to the town of Görlitz (a public buyer): an intra-Community supply."""
    m = market
    await set_billing(
        client,
        m.honey_maker,
        m.producer_a,
        vat_number="PL5260250274",
        street="ul. Daszyńskiego 12",
        postal_code="59-900",
        iban="PL61109010140000071219812874",
        invoice_email="faktury@pasieka.example",
        phone="+48 75 775 12 34",
    )
    await set_billing(
        client,
        m.buyer,
        m.buyer_org,
        vat_number="DE136695976",
        street="Untermarkt 6",
        postal_code="02826",
        leitweg_id=LEITWEG_ID,
        invoice_email="rechnungseingang@goerlitz.example",
    )
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"), (m.jam, "5"))))["orders"]
    result: dict[str, Any] = order["invoice"]
    return result


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


async def test_the_buyer_gets_a_valid_xrechnung_citing_its_leitweg_id(
    client: Client, market: Market, invoice: dict[str, Any]
) -> None:
    response = await client.get(f"/api/v1/invoices/{invoice['id']}/xrechnung", headers=market.buyer.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert f'filename="{invoice["number"]}-xrechnung.xml"' in response.headers["content-disposition"]
    assert errors(validate(response.content)) == []
    assert LEITWEG_ID.encode() in response.content
    assert b"VATEX-EU-IC" in response.content
    assert b"PL5260250274" in response.content


async def test_the_pdf_is_bilingual_and_says_why_no_vat_was_charged(
    client: Client, market: Market, invoice: dict[str, Any]
) -> None:
    response = await client.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=market.honey_maker.headers)
    assert response.status_code == 200, response.text
    text = text_of(response.content)
    assert invoice["number"] in text
    for language in ("pl", "de"):  # the seller's language, then the buyer's
        assert " ".join(note_text(VatNote.intra_community, "PL", language).split()) in text
    assert "PL61 1090 1014 0000 0712 1981 2874" in text


async def test_the_factur_x_pdf_carries_a_valid_en16931_invoice(
    client: Client, market: Market, invoice: dict[str, Any]
) -> None:
    response = await client.get(f"/api/v1/invoices/{invoice['id']}/factur-x", headers=market.buyer.headers)
    assert response.status_code == 200, response.text
    _, xml = facturx.get_xml_from_pdf(response.content, check_xsd=False)
    assert errors(validate(xml)) == []
    assert invoice["number"].encode() in xml


@pytest.mark.parametrize("kind", ["pdf", "xrechnung", "factur-x"])
async def test_nobody_but_the_seller_and_the_buyer_reads_an_invoice(
    client: Client, market: Market, invoice: dict[str, Any], kind: str
) -> None:
    stranger = await register(client)
    await create_organization(client, stranger)
    for account in (stranger, market.coordinator, market.cheese_maker):
        response = await client.get(f"/api/v1/invoices/{invoice['id']}/{kind}", headers=account.headers)
        assert response.status_code == 404, (account.email, response.text)


async def test_a_polish_sellers_invoice_is_a_valid_ksef_fa3_xml_for_its_parties_only(
    client: Client, market: Market, invoice: dict[str, Any]
) -> None:
    response = await client.get(f"/api/v1/invoices/{invoice['id']}/ksef", headers=market.honey_maker.headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert f'filename="{invoice["number"]}-ksef-fa3.xml"' in response.headers["content-disposition"]
    assert validate_fa3(response.content) == []
    assert b"<NIP>5260250274</NIP>" in response.content
    assert b"<P_12>0 WDT</P_12>" in response.content
    assert b"<NrVatUE>136695976</NrVatUE>" in response.content
    stranger = await register(client)
    await create_organization(client, stranger)
    response = await client.get(f"/api/v1/invoices/{invoice['id']}/ksef", headers=stranger.headers)
    assert response.status_code == 404, response.text


async def test_an_invoice_in_euro_from_a_polish_seller_states_its_vat_in_zloty_too(
    client: Client, market: Market
) -> None:
    m = market
    seller_owner, buyer_owner = await register(client), await register(client)
    seller = await admitted_organization(client, m.hub, seller_owner, m.coordinator, default_currency="EUR")
    buyer = await admitted_organization(client, m.hub, buyer_owner, m.coordinator, kind="buyer")
    await set_billing(
        client, seller_owner, seller, vat_number="PL5260250274", invoice_email="f@pasieka.example", phone="+48 75 1"
    )
    await set_billing(client, buyer_owner, buyer, vat_number="PL6151000001")
    candles = await create_listing(client, seller_owner, seller)
    body = {**m.checkout((candles, "20")), "buyer_organization_id": buyer["id"], "payment_method": "invoice"}
    [order] = (await place(client, buyer_owner, body))["orders"]
    assert order["total"]["currency"] == "EUR"
    assert order["vat"]["amount_minor"] == 20240  # 23 % of 880.00 EUR
    response = await client.get(f"/api/v1/invoices/{order['invoice']['id']}/xrechnung", headers=buyer_owner.headers)
    assert errors(validate(response.content)) == []
    tree = etree.fromstring(response.content)
    ubl = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    assert tree.findtext("cbc:TaxCurrencyCode", namespaces=ubl) == "PLN"
    # The VAT in złoty at the stored EUR/PLN rate of the day before the invoice.
    in_pln = (Decimal("202.40") * EUR_PLN).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    amounts = [a.text for a in tree.iterfind("{*}TaxTotal/{*}TaxAmount") if a.get("currencyID") == "PLN"]
    assert amounts == [f"{in_pln:.2f}"]
