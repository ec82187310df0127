"""Orders for goods awarded in a tender: placed by the hub on the buyers' behalf, at the awarded price.

They differ from checkout orders in three ways: they name no listing (the goods were bid
for) and take no listing stock (the supplier's bid capacity is its promise); they carry the
tender's reference; and their payment method follows the hub's terms for the buyer —
invoice when the hub grants the buyer invoice terms, else card when the service takes
cards, else invoice due on receipt. Each buyer gets one checkout for all its awarded orders.

Written with COPY, because one tender can make thousands of orders at once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from kernel import clock, codes
from kernel.bulk import copy_rows, row_of
from kernel.errors import NotFound
from kernel.fx import find_rate
from kernel.money import from_minor, line_total, money
from kernel.outbox import emit_many
from marketplace.events import OrderPlaced
from marketplace.order.models import Checkout, Order, OrderLine, OrderStatus, PaymentMethod
from marketplace.order.repository import OrderRepository
from marketplace.order.taxes import tax_parties
from marketplace.payment import stripe_currency
from marketplace.payment.models import Invoice
from marketplace.payment.service import InvoiceService
from marketplace.tax.breakdown import TaxedAmount, vat_of
from marketplace.tax.models import VatCategory
from marketplace.tax.service import TaxService


class AwardedOrder(msgspec.Struct, frozen=True, kw_only=True):
    """One supplier's awarded goods for one buyer at one delivery place."""

    buyer_organization_id: uuid.UUID
    producer_organization_id: uuid.UUID
    hub_id: uuid.UUID
    reference: str
    """The tender's OCDS id and lot, shown to both parties."""
    sku: str
    title: str
    language: str
    unit_code: str
    classification_scheme: str = "CPV"
    classification_code: str = ""
    """The pool's goods: whether they are goods or services decides their VAT across borders."""
    quantity: Decimal
    currency: str
    unit_price_minor: int
    """Per unit, in `currency` (the currency the supplier bid in)."""
    delivery_jurisdiction: str
    delivery_address: dict[str, str]


async def place_awarded_orders(
    session: AsyncSession, awarded: Sequence[AwardedOrder], placed_by: uuid.UUID, *, stripe_enabled: bool
) -> list[uuid.UUID]:
    """Place one order per item of `awarded` (ids returned in the same order), one checkout per buyer."""
    if not awarded:
        return []
    repo = OrderRepository(session)
    buyers = sorted({item.buyer_organization_id for item in awarded})
    hub_ids = {item.hub_id for item in awarded}
    terms: dict[uuid.UUID, int | None] = {}
    for hub_id in hub_ids:
        terms |= await repo.invoice_terms(hub_id, buyers)
    currencies = await repo.default_currencies(buyers)
    parties = await tax_parties(session, [*buyers, *{item.producer_organization_id for item in awarded}])
    book = await TaxService(session).rate_book(clock.today())
    now = clock.now()
    rates: dict[tuple[str, str], tuple[str, Decimal, dt.date, str]] = {}

    checkouts: dict[uuid.UUID, dict[str, Any]] = {}
    orders: list[Order] = []
    lines: list[dict[str, Any]] = []
    for item in awarded:
        buyer = item.buyer_organization_id
        method = _payment_method(terms.get(buyer), stripe_enabled=stripe_enabled)
        display = currencies[buyer]
        if buyer not in checkouts:
            checkouts[buyer] = {
                "id": uuid7(),
                "buyer_organization_id": buyer,
                "hub_id": item.hub_id,
                "placed_by": placed_by,
                "payment_method": method,
                "display_currency": display,
                "delivery_jurisdiction": item.delivery_jurisdiction,
                "delivery_address": item.delivery_address,
                "created_at": now,
                "updated_at": now,
            }
        unit_price = from_minor(item.unit_price_minor, item.currency)
        net = line_total(unit_price, item.quantity, item.currency).amount_minor
        seller = parties[item.producer_organization_id]
        # A tender's prices are bid net, for goods of the standard category (raises `NoRate`, 409,
        # when the supplier's country has no rates: an award is not placed at a guessed rate).
        taken = book.treatment(
            seller,
            parties[buyer],
            VatCategory.standard,
            item.classification_scheme,
            item.classification_code,
            codes.jurisdiction_country(item.delivery_jurisdiction),
        )
        vat = vat_of([TaxedAmount(code=taken.code, rate=taken.rate, net_minor=net)], item.currency)
        total = net + vat
        if (item.currency, display) not in rates:
            rates[(item.currency, display)] = await _rate(session, item.currency, display)
        shown, rate, rate_date, rate_source = rates[(item.currency, display)]
        order = Order(
            id=uuid7(),
            checkout_id=checkouts[buyer]["id"],
            buyer_organization_id=buyer,
            producer_organization_id=item.producer_organization_id,
            hub_id=item.hub_id,
            status=OrderStatus.pending_payment,
            payment_method=method,
            currency=item.currency,
            total_minor=total,
            vat_minor=vat,
            seller_vat_number=seller.vat_number,
            buyer_vat_number=parties[buyer].vat_number,
            display_currency=shown,
            display_total_minor=money(from_minor(total, item.currency) * rate, shown).amount_minor,
            fx_rate=rate,
            fx_rate_date=rate_date,
            fx_rate_source=rate_source,
            delivery_jurisdiction=item.delivery_jurisdiction,
            delivery_address=item.delivery_address,
            placed_by=placed_by,
            status_changed_at=now,
            note=None,
            tender_reference=item.reference,
            created_at=now,
            updated_at=now,
        )
        orders.append(order)
        lines.append(
            {
                "order_id": order.id,
                "position": 0,
                "listing_id": None,
                "listing_version": None,
                "sku": item.sku,
                "title": item.title,
                "language": item.language,
                "unit_code": item.unit_code,
                "quantity": item.quantity,
                "unit_price": unit_price,
                "tier_min_quantity": item.quantity,
                "total_minor": net,
                "vat_code": taken.code,
                "vat_rate": taken.rate,
                "vat_note": taken.note.value if taken.note else None,
            }
        )
    _invoice_what_cards_cannot_pay(checkouts.values(), orders)
    invoiced = [order for order in orders if order.payment_method is PaymentMethod.invoice]
    invoices = await InvoiceService(session).issue(invoiced, {b: terms.get(b) or 0 for b in buyers})
    await copy_rows(session, Checkout, list(checkouts.values()))
    await copy_rows(session, Order, [row_of(order) for order in orders])
    await copy_rows(session, OrderLine, lines)
    await copy_rows(session, Invoice, [row_of(invoice) for invoice in invoices])
    await emit_many(
        session,
        [
            OrderPlaced(
                order_id=order.id,
                checkout_id=order.checkout_id,
                buyer_organization_id=order.buyer_organization_id,
                producer_organization_id=order.producer_organization_id,
                hub_id=order.hub_id,
                payment_method=order.payment_method.value,
                currency=order.currency,
                total_minor=order.total_minor,
            )
            for order in orders
        ],
    )
    return [order.id for order in orders]


def _invoice_what_cards_cannot_pay(checkouts: Iterable[dict[str, Any]], orders: list[Order]) -> None:
    """An award is binding, so a card checkout whose total Stripe would refuse (above its maximum,
    below its minimum, a currency it does not charge in) is not refused: it is invoiced, due at once."""
    for checkout in checkouts:
        if checkout["payment_method"] is not PaymentMethod.stripe:
            continue
        own = [order for order in orders if order.checkout_id == checkout["id"]]
        total = sum(order.display_total_minor for order in own)
        if stripe_currency.chargeable_problem(total, own[0].display_currency) is not None:
            checkout["payment_method"] = PaymentMethod.invoice
            for order in own:
                order.payment_method = PaymentMethod.invoice


def _payment_method(net_days: int | None, *, stripe_enabled: bool) -> PaymentMethod:
    if net_days is None and stripe_enabled:
        return PaymentMethod.stripe
    return PaymentMethod.invoice


async def _rate(session: AsyncSession, currency: str, display: str) -> tuple[str, Decimal, dt.date, str]:
    """The currency the buyer sees the order in, and the rate into it: its own currency when a
    rate is known, else the order's (an award is not held up for want of an exchange rate)."""
    try:
        return display, *await find_rate(session, currency, display, clock.today())
    except NotFound:
        return currency, *await find_rate(session, currency, currency, clock.today())
