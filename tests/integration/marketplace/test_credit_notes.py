"""Credit notes over HTTP: an invoice money was taken back on (its order cancelled, or a dispute's
refund) has a credit note naming it, valid under the EN 16931 rules, for the seller's and the
buyer's members only; an invoice nothing was taken back on has none."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import facturx
import pypdf
import pytest
from litestar.testing import AsyncTestClient
from lxml import etree
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from marketplace.invoicing.document import CreditReason
from marketplace.invoicing.validation import errors, validate
from marketplace.invoicing.wording import credit_reason_text
from tests.factories.catalog import create_listing
from tests.factories.identity import Account, register
from tests.factories.order import Market, build_market, german_seller, place, set_billing
from tests.factories.organization import create_organization

Client = AsyncTestClient[Any]
UBL = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


@pytest.fixture
async def seller(client: Client, market: Market) -> tuple[Account, dict[str, Any]]:
    """A German beekeeper selling honey at 7 % and candles at 19 % to the town of Görlitz."""
    owner, organization = await german_seller(
        client,
        market,
        street="Berliner Straße 12",
        postal_code="02826",
        iban="DE89370400440532013000",
        invoice_email="rechnung@honig.example",
        phone="+49 3581 123456",
    )
    await set_billing(
        client,
        market.buyer,
        market.buyer_org,
        vat_number="DE811128135",
        street="Untermarkt 6",
        postal_code="02826",
        invoice_email="rechnungseingang@goerlitz.example",
    )
    return owner, organization


async def invoiced_order(client: Client, market: Market, seller: tuple[Account, dict[str, Any]]) -> dict[str, Any]:
    """20 kg of honey (7 %) and 3 kg of candles (19 %)."""
    owner, organization = seller
    honey = await create_listing(client, owner, organization, vat_category="reduced")
    candles = await create_listing(client, owner, organization, vat_category="standard")
    [order] = (await place(client, market.buyer, market.checkout((honey, "20"), (candles, "3"))))["orders"]
    assert {group["rate"] for group in order["vat_breakdown"]} == {"7", "19"}
    return order


async def move(client: Client, account: Account, order: dict[str, Any], action: str, **body: Any) -> None:
    response = await client.post(f"/api/v1/orders/{order['id']}/{action}", json=body or None, headers=account.headers)
    assert response.status_code == 200, response.text


async def invoice_of(client: Client, account: Account, order: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"/api/v1/invoices/{order['invoice']['id']}", headers=account.headers)
    assert response.status_code == 200, response.text
    invoice: dict[str, Any] = response.json()
    return invoice


async def credit_note_xml(client: Client, account: Account, invoice: dict[str, Any]) -> Any:
    response = await client.get(f"/api/v1/invoices/{invoice['id']}/credit-note/xrechnung", headers=account.headers)
    assert response.status_code == 200, response.text
    assert f'filename="{invoice["number"]}-C1-xrechnung.xml"' in response.headers["content-disposition"]
    assert errors(validate(response.content)) == []
    return etree.fromstring(response.content)


async def factur_x_is_valid(client: Client, account: Account, invoice: dict[str, Any]) -> bytes:
    response = await client.get(f"/api/v1/invoices/{invoice['id']}/credit-note/factur-x", headers=account.headers)
    assert response.status_code == 200, response.text
    _, xml = facturx.get_xml_from_pdf(response.content, check_xsd=False)
    assert errors(validate(xml)) == []
    return bytes(xml)


def cents(tree: Any, path: str) -> int:
    return int(Decimal(tree.findtext(path, namespaces=UBL)) * 100)


def subtotals(tree: Any) -> list[tuple[str, int, int]]:
    """Each VAT group of a UBL document: (rate, taxable, tax) in cents."""
    return [
        (
            subtotal.findtext("cac:TaxCategory/cbc:Percent", namespaces=UBL),
            cents(subtotal, "cbc:TaxableAmount"),
            cents(subtotal, "cbc:TaxAmount"),
        )
        for subtotal in tree.iterfind("cac:TaxTotal/cac:TaxSubtotal", UBL)
    ]


async def test_a_cancelled_invoice_is_cancelled_in_full_by_a_valid_credit_note(
    client: Client, market: Market, seller: tuple[Account, dict[str, Any]]
) -> None:
    order = await invoiced_order(client, market, seller)
    await move(client, market.buyer, order, "cancel")
    invoice = await invoice_of(client, market.buyer, order)
    assert (invoice["status"], invoice["has_credit_note"]) == ("void", True)

    # The invoice itself still says what it said when issued, and stays a valid e-invoice.
    issued = await client.get(f"/api/v1/invoices/{invoice['id']}/xrechnung", headers=market.buyer.headers)
    assert errors(validate(issued.content)) == []
    tree = await credit_note_xml(client, market.buyer, invoice)
    assert etree.QName(tree).localname == "CreditNote"
    assert tree.findtext("cbc:CreditNoteTypeCode", namespaces=UBL) == "381"
    assert tree.findtext("cbc:ID", namespaces=UBL) == f"{invoice['number']}-C1"
    assert tree.findtext("cbc:IssueDate", namespaces=UBL) == clock.today().isoformat()
    reference = "cac:BillingReference/cac:InvoiceDocumentReference"
    assert tree.findtext(f"{reference}/cbc:ID", namespaces=UBL) == invoice["number"]
    assert tree.findtext(f"{reference}/cbc:IssueDate", namespaces=UBL) == invoice["issued_on"]
    # The invoice's own lines and totals, positive.
    assert len(tree.findall("cac:CreditNoteLine", UBL)) == len(order["lines"])
    assert cents(tree, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount") == invoice["amount"]["amount_minor"]
    assert cents(tree, "cac:TaxTotal/cbc:TaxAmount") == order["vat"]["amount_minor"]
    assert subtotals(tree) == [
        (group["rate"], group["taxable"]["amount_minor"], group["vat"]["amount_minor"])
        for group in order["vat_breakdown"]
    ]

    xml = await factur_x_is_valid(client, seller[0], invoice)
    assert b"<ram:TypeCode>381</ram:TypeCode>" in xml
    pdf = await client.get(f"/api/v1/invoices/{invoice['id']}/credit-note/pdf", headers=seller[0].headers)
    assert pdf.status_code == 200, pdf.text
    text = " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"{invoice['number']}-C1" in text


async def test_a_partial_refund_is_credited_over_the_vat_rates_to_the_cent(
    client: Client, market: Market, seller: tuple[Account, dict[str, Any]]
) -> None:
    owner, _ = seller
    order = await invoiced_order(client, market, seller)
    for account, action in ((owner, "accept"), (owner, "ship"), (market.buyer, "deliver")):
        await move(client, account, order, action)
    body = {"reason": "damaged", "message": "Four jars arrived broken.", "evidence_urls": []}
    opened = await client.post(f"/api/v1/orders/{order['id']}/dispute", json=body, headers=market.buyer.headers)
    assert opened.status_code == 201, opened.text
    refund = 12345  # 123.45 of 1,112.96: a share of neither rate that comes out even
    resolved = await client.post(
        f"/api/v1/orders/{order['id']}/dispute/resolve",
        json={"outcome": "partial_refund", "refund_minor": refund, "note": "Four jars refunded."},
        headers=market.coordinator.headers,
    )
    assert resolved.status_code == 200, resolved.text
    invoice = await invoice_of(client, owner, order)
    assert (invoice["status"], invoice["credited"]["amount_minor"], invoice["has_credit_note"]) == (
        "issued",
        refund,
        True,
    )

    issued = await client.get(f"/api/v1/invoices/{invoice['id']}/factur-x", headers=owner.headers)
    _, issued_xml = facturx.get_xml_from_pdf(issued.content, check_xsd=False)
    assert errors(validate(issued_xml)) == []  # BT-115 = BT-112 - BT-113 still holds after the credit
    tree = await credit_note_xml(client, owner, invoice)
    groups = subtotals(tree)
    assert [rate for rate, _, _ in groups] == ["7", "19"]
    assert sum(taxable + tax for _, taxable, tax in groups) == refund
    assert cents(tree, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount") == refund
    assert (
        cents(tree, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount") + cents(tree, "cac:TaxTotal/cbc:TaxAmount")
        == refund
    )
    for rate, taxable, tax in groups:
        assert abs(tax - taxable * Decimal(rate) / 100) <= 1
    # In proportion to each rate's gross on the invoice.
    gross = {g["rate"]: g["taxable"]["amount_minor"] + g["vat"]["amount_minor"] for g in order["vat_breakdown"]}
    for rate, taxable, tax in groups:
        assert abs((taxable + tax) - refund * gross[rate] / invoice["amount"]["amount_minor"]) < 1
    lines = tree.findall("cac:CreditNoteLine", UBL)
    assert [cents(line, "cbc:LineExtensionAmount") for line in lines] == [taxable for _, taxable, _ in groups]
    assert (
        tree.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=UBL) == (invoice["number"])
    )
    await factur_x_is_valid(client, market.buyer, invoice)


async def test_an_invoice_nothing_was_taken_back_on_has_no_credit_note(
    client: Client, market: Market, seller: tuple[Account, dict[str, Any]]
) -> None:
    order = await invoiced_order(client, market, seller)
    invoice = await invoice_of(client, market.buyer, order)
    assert invoice["has_credit_note"] is False
    for kind in ("pdf", "xrechnung", "factur-x"):
        response = await client.get(
            f"/api/v1/invoices/{invoice['id']}/credit-note/{kind}", headers=market.buyer.headers
        )
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["type"].endswith("/credit-note-not-found")


@pytest.mark.parametrize("kind", ["pdf", "xrechnung", "factur-x"])
async def test_nobody_but_the_seller_and_the_buyer_reads_a_credit_note(
    client: Client, market: Market, seller: tuple[Account, dict[str, Any]], kind: str
) -> None:
    order = await invoiced_order(client, market, seller)
    await move(client, market.buyer, order, "cancel")
    stranger = await register(client)
    await create_organization(client, stranger)
    for account in (stranger, market.coordinator, market.honey_maker):
        response = await client.get(
            f"/api/v1/invoices/{order['invoice']['id']}/credit-note/{kind}", headers=account.headers
        )
        assert response.status_code == 404, (account.email, response.text)
        assert response.json()["type"].endswith("/invoice-not-found")


async def test_a_paid_invoice_whose_order_is_cancelled_is_credited_in_full_and_owed_back(
    client: Client, market: Market, seller: tuple[Account, dict[str, Any]]
) -> None:
    order = await invoiced_order(client, market, seller)
    paid = await client.post(f"/api/v1/invoices/{order['invoice']['id']}/mark-paid", json={}, headers=seller[0].headers)
    assert paid.status_code == 200, paid.text
    await move(client, market.buyer, order, "cancel")
    invoice = await invoice_of(client, market.buyer, order)
    assert (invoice["status"], invoice["has_credit_note"]) == ("paid", True)
    assert invoice["owed_back"] == invoice["amount"]
    tree = await credit_note_xml(client, market.buyer, invoice)
    assert cents(tree, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount") == invoice["amount"]["amount_minor"]
    # Why: the order was cancelled (not a dispute), in the seller's language.
    amount = invoice["amount"]
    why = credit_reason_text(
        CreditReason.cancelled, invoice["number"], amount["amount_minor"], amount["currency"], "de"
    )
    assert " ".join(why.split()) in " ".join(tree.findtext("cbc:Note", namespaces=UBL).split())
