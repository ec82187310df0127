"""VAT on the order pages, the checkout's confirmation and the cart: each line's rate (or why it
carries none), the total without VAT, the VAT per rate, the total with VAT and the invoice's VAT
notes; the cart shows the VAT checkout then charges; and the invoice's files (PDF, Factur-X,
XRechnung) for the seller's and the buyer's members, the not-found page for anyone else."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from babel import numbers
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from marketplace.invoicing.wording import note_text
from marketplace.tax.decision import VatNote
from tests.factories.catalog import create_listing
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.order import ADDRESS, Market, build_market, german_seller, place, set_billing
from tests.factories.organization import (
    create_organization,
    platform_admin,
)
from tests.integration.web.pages import sign_in_page, submit

Client = AsyncTestClient[Any]
LEITWEG_ID = "991-33333TEST-33"


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    answered = await sign_in_page(client, account.email, PASSWORD)
    assert answered.status_code == 303, answered.text


def money(amount_minor: int, currency: str) -> str:
    """As an English reader's page writes it (`€1,024.00`)."""
    return numbers.format_currency(Decimal(amount_minor) / 100, currency, locale="en")


def said(text: str) -> str:
    """A sentence as the page's HTML writes it (apostrophes escaped)."""
    return text.replace("'", "&#39;")


@pytest.fixture
async def german_goods(client: Client, market: Market) -> tuple[dict[str, Any], dict[str, Any]]:
    """A German beekeeper registered for VAT selling honey (reduced rate, 7 %) and candles (standard,
    19 %) in the market's hub; the town of Görlitz, a German buyer, registered for VAT too."""
    m = market
    owner, seller = await german_seller(client, m)
    await set_billing(client, m.buyer, m.buyer_org, vat_number="DE811128135")
    honey = await create_listing(client, owner, seller, vat_category="reduced")
    candles = await create_listing(
        client,
        owner,
        seller,
        vat_category="standard",
        translations={"en": {"title": "Beeswax candles", "description": "Candles of our own wax"}},
        default_language="en",
    )
    return honey, candles


async def test_an_order_page_shows_the_net_the_vat_per_rate_and_the_total_with_vat_when_a_german_seller_sells_reduced_and_standard_goods(  # noqa: E501
    client: Client, market: Market, german_goods: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    m = market
    honey, candles = german_goods
    placed = await place(client, m.buyer, m.checkout((honey, "20"), (candles, "3")))
    [order] = placed["orders"]
    await signed_in(client, m.buyer)

    for path in (f"/orders/{order['id']}", f"/checkouts/{placed['id']}"):
        page = (await client.get(path)).text
        # 20 kg of honey at €44.00 (7 %) and 3 kg of candles at €48.00 (19 %): VAT per rate, rounded once.
        assert '<th scope="col" class="number">VAT rate</th>' in page, path
        assert '<td class="number">7%</td>' in page, path
        assert '<td class="number">19%</td>' in page, path
        assert "Total without VAT" in page, path
        assert "VAT 7% on €880.00</th>\n" in page, path
        assert '<td class="number">€61.60</td>' in page, path
        assert "VAT 19% on €144.00</th>\n" in page, path
        assert '<td class="number">€27.36</td>' in page, path
        assert '<td class="number">€1,024.00</td>' in page, path
        assert "Total with VAT" in page, path
        assert "<strong>€1,112.96</strong>" in page, path
        assert order["total"]["amount_minor"] == 111296
        assert "Directive 2006/112/EC" not in page, path  # a domestic sale carries no VAT note

    orders = (await client.get("/orders")).text
    assert "Total with VAT" in orders
    assert "€1,112.96" in orders


async def test_an_order_page_says_it_is_an_intra_community_supply_when_a_polish_seller_sells_to_a_german_buyer_with_vat_numbers(  # noqa: E501
    client: Client, market: Market
) -> None:
    m = market
    await set_billing(client, m.honey_maker, m.producer_a, vat_number="PL5260250274")
    await set_billing(client, m.buyer, m.buyer_org, vat_number="DE136695976")
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    await signed_in(client, m.honey_maker)

    page = (await client.get(f"/orders/{order['id']}")).text

    assert '<td class="number">Intra-Community supply</td>' in page
    assert "Intra-Community supply: no VAT on PLN880.00" in page
    assert "<strong>PLN880.00</strong>" in page  # with VAT: no VAT is added
    assert said(note_text(VatNote.intra_community, "PL", "en")) in page
    invoice = (await client.get(f"/invoices/{order['invoice']['id']}")).text
    assert "Intra-Community supply: no VAT on PLN880.00" in invoice
    assert said(note_text(VatNote.intra_community, "PL", "en")) in invoice


async def test_the_seller_and_the_buyer_download_the_invoice_files_when_the_order_is_invoiced(
    client: Client, market: Market
) -> None:
    m = market
    await set_billing(
        client, m.honey_maker, m.producer_a, vat_number="PL5260250274", iban="PL61109010140000071219812874"
    )
    await set_billing(client, m.buyer, m.buyer_org, vat_number="DE136695976")
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    invoice = order["invoice"]

    await signed_in(client, m.buyer)
    page = (await client.get(f"/orders/{order['id']}")).text
    assert f'<a href="/invoices/{invoice["id"]}/pdf">Download the invoice as PDF</a>' in page
    assert f'href="/invoices/{invoice["id"]}/factur-x">Download the invoice as Factur-X' in page
    assert f'href="/invoices/{invoice["id"]}/xrechnung">Download the invoice as XRechnung (XML e-invoice)' in page
    invoice_page = (await client.get(f"/invoices/{invoice['id']}")).text
    assert f'<a href="/invoices/{invoice["id"]}/pdf">Download the invoice as PDF</a>' in invoice_page

    pdf = await client.get(f"/invoices/{invoice['id']}/pdf")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"].startswith("application/pdf")
    assert pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-disposition"] == f'attachment; filename="{invoice["number"]}.pdf"'
    assert pdf.headers["cache-control"] == "private, no-store"

    await signed_in(client, m.honey_maker)
    for kind, media_type, start in (
        ("pdf", "application/pdf", b"%PDF"),
        ("factur-x", "application/pdf", b"%PDF"),
        ("xrechnung", "application/xml", b"<?xml"),
    ):
        answered = await client.get(f"/invoices/{invoice['id']}/{kind}")
        assert answered.status_code == 200, kind
        assert answered.headers["content-type"].startswith(media_type), kind
        assert answered.content.startswith(start), kind
        assert answered.headers["content-disposition"].startswith("attachment; "), kind


async def test_the_invoice_page_offers_the_ksef_invoice_and_the_credit_note_when_a_polish_invoice_is_cancelled(
    client: Client, market: Market
) -> None:
    m = market
    await set_billing(client, m.honey_maker, m.producer_a, vat_number="PL5260250274", invoice_email="f@pasieka.example")
    await set_billing(client, m.buyer, m.buyer_org, vat_number="DE136695976")
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    invoice = order["invoice"]
    await signed_in(client, m.buyer)
    page = (await client.get(f"/invoices/{invoice['id']}")).text
    assert f'href="/invoices/{invoice["id"]}/ksef">Download the invoice as KSeF FA(3)' in page
    assert "credit-note" not in page
    cancelled = await client.post(f"/api/v1/orders/{order['id']}/cancel", json={}, headers=m.buyer.headers)
    assert cancelled.status_code == 200, cancelled.text

    page = (await client.get(f"/invoices/{invoice['id']}")).text
    assert f'href="/invoices/{invoice["id"]}/credit-note/pdf">Download the credit note as PDF</a>' in page
    credit_note = await client.get(f"/invoices/{invoice['id']}/credit-note/pdf")
    assert credit_note.status_code == 200
    assert credit_note.headers["content-disposition"] == f'attachment; filename="{invoice["number"]}-C1.pdf"'
    fa3 = await client.get(f"/invoices/{invoice['id']}/ksef")
    assert fa3.status_code == 200
    assert b"<P_12>0 WDT</P_12>" in fa3.content


async def test_a_stranger_gets_the_not_found_page_for_the_invoice_files(client: Client, market: Market) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    stranger = await register(client)
    await create_organization(client, stranger, kind="buyer")
    await signed_in(client, stranger)

    for kind in ("pdf", "factur-x", "xrechnung"):
        answered = await client.get(f"/invoices/{order['invoice']['id']}/{kind}")
        assert answered.status_code == 404, kind
        assert answered.headers["content-type"].startswith("text/html"), kind
        assert "This page does not exist, or it is not yours to see." in answered.text
        assert "Stadt Görlitz" not in answered.text
    client.cookies.clear()
    anonymous = await client.get(f"/invoices/{order['invoice']['id']}/pdf", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in?next=")


async def test_the_xrechnung_comes_first_when_the_buyer_has_a_leitweg_id(client: Client, market: Market) -> None:
    m = market
    await set_billing(client, m.buyer, m.buyer_org, vat_number="DE136695976", leitweg_id=LEITWEG_ID)
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    invoice_id = order["invoice"]["id"]

    await signed_in(client, m.buyer)
    page = (await client.get(f"/orders/{order['id']}")).text
    assert "German public administrations receive their invoices as XRechnung" in page
    assert page.index(f"/invoices/{invoice_id}/xrechnung") < page.index(f"/invoices/{invoice_id}/pdf")

    await signed_in(client, m.honey_maker)  # the seller's page lists the PDF first
    page = (await client.get(f"/orders/{order['id']}")).text
    assert "Leitweg-ID" not in page
    assert page.index(f"/invoices/{invoice_id}/pdf") < page.index(f"/invoices/{invoice_id}/xrechnung")


async def add_to_cart(client: Client, listing: dict[str, Any], quantity: str) -> None:
    added = await submit(client, "/cart", "/cart/lines", {"listing_id": listing["id"], "quantity": quantity})
    assert added.status_code == 303, added.text


async def check_out(client: Client, market: Market) -> Any:
    fields = {
        "buyer_organization_id": market.buyer_org["id"],
        "recipient": ADDRESS["recipient"],
        "street": ADDRESS["line1"],
        "postal_code": ADDRESS["postal_code"],
        "city": ADDRESS["city"],
        "payment_method": "invoice",
    }
    return await submit(client, "/checkout", "/checkout", fields)


async def test_the_cart_shows_the_vat_checkout_then_charges_when_the_buyer_is_registered_for_vat(
    client: Client, market: Market, german_goods: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    m = market
    honey, candles = german_goods
    await signed_in(client, m.buyer)
    await add_to_cart(client, honey, "20")
    await add_to_cart(client, candles, "3")

    cart = (await client.get("/cart")).text
    assert "The VAT shown is what checkout charges Stadt Görlitz today." in cart
    checkout_form = (await client.get("/checkout")).text
    placed = await check_out(client, m)
    assert placed.status_code == 303, placed.text
    checkout_id = placed.headers["location"].split("?")[0].rsplit("/", 1)[-1]
    checkout = await client.get(f"/api/v1/checkouts/{checkout_id}", headers=m.buyer.headers)
    assert checkout.status_code == 200, checkout.text
    [order] = checkout.json()["orders"]

    # What the cart showed is what the order charges: per rate, the VAT and its base; the total with VAT.
    assert [(g["rate"], g["taxable"]["amount_minor"], g["vat"]["amount_minor"]) for g in order["vat_breakdown"]] == [
        ("7", 88000, 6160),
        ("19", 14400, 2736),
    ]
    for group in order["vat_breakdown"]:
        base = money(group["taxable"]["amount_minor"], "EUR")
        assert f"VAT {group['rate']}% on {base}</th>" in cart
        assert f'<td class="number">{money(group["vat"]["amount_minor"], "EUR")}</td>' in cart
    total = money(order["total"]["amount_minor"], "EUR")
    assert f"<strong>{total}</strong>" in cart
    assert f"{total} with VAT" in checkout_form


async def test_the_cart_says_why_a_line_has_no_vat_when_the_producers_country_has_no_rate_of_its_category(
    client: Client,
    market: Market,
    german_goods: tuple[dict[str, Any], dict[str, Any]],
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    m = market
    honey, candles = german_goods
    admin = await platform_admin(client, sessions, settings)
    body = {
        "country": "DE",
        "category": "reduced",
        "rate": None,
        "valid_from": clock.today().isoformat(),
        "reason": "Abgeschafft",
    }
    corrected = await client.put("/api/v1/vat-rates", json=body, headers=admin.headers)
    assert corrected.status_code == 200, corrected.text
    await signed_in(client, m.buyer)
    await add_to_cart(client, honey, "20")
    await add_to_cart(client, candles, "3")

    cart = (await client.get("/cart")).text

    reason = said(
        "There is no VAT rate for these goods in Germany today: "
        "they can be ordered once the producer changes their VAT category."
    )
    assert reason in cart
    assert "VAT 19% on €144.00</th>" in cart  # the candles' VAT is known
    assert "Not known" in cart  # but not the total with VAT
    refused = await check_out(client, m)
    assert refused.status_code == 422
    assert reason in refused.text  # checkout refuses the line for the same reason
