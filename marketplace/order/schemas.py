"""Wire formats of checkouts and orders. Quantities and unit prices are decimal strings; money is minor units."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec

from kernel.money import Amount, ConvertedAmount
from kernel.validation import bounded
from marketplace.catalog.schemas import MAX_QUANTITY, QUANTITY_DECIMALS
from marketplace.order.models import OrderStatus, PaymentMethod
from marketplace.payment.schemas import InvoiceSummary

Text = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class Address(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    recipient: Annotated[Text, msgspec.Meta(examples=["Stadtverwaltung Görlitz, Bauhof"])]
    line1: Annotated[Text, msgspec.Meta(examples=["Untermarkt 6-8"])]
    line2: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    postal_code: Annotated[str, msgspec.Meta(min_length=1, max_length=20, examples=["02826"])]
    city: Annotated[Text, msgspec.Meta(examples=["Görlitz"])]


class AddressRead(msgspec.Struct, kw_only=True, frozen=True):
    """Where an order goes. An order from a pooled tender goes to the pool's delivery point, whose
    address is one line without a separate postal code (`postal_code` null)."""

    recipient: str
    line1: str
    line2: str | None = None
    postal_code: str | None = None
    city: str


class DeliveryRead(msgspec.Struct, kw_only=True, frozen=True):
    jurisdiction: str
    address: AddressRead


class Delivery(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    jurisdiction: Annotated[
        str, msgspec.Meta(description="ISO 3166-1 or 3166-2 code of where the goods go", examples=["DE-SN"])
    ]
    address: Address


class CheckoutLine(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    listing_id: uuid.UUID
    quantity: Annotated[
        Decimal,
        msgspec.Meta(description='In the listing\'s unit, at most 3 decimal places, e.g. "20"'),
        bounded(places=QUANTITY_DECIMALS, below=int(MAX_QUANTITY)),
    ]


class CheckoutCreate(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    buyer_organization_id: uuid.UUID
    lines: Annotated[list[CheckoutLine], msgspec.Meta(min_length=1, max_length=100)]
    delivery: Delivery
    payment_method: PaymentMethod | None = None
    """Default: stripe when the service has Stripe keys, else invoice."""
    display_currency: str | None = None
    """ISO 4217; default: the buyer organisation's currency."""
    hub_id: uuid.UUID | None = None
    """The hub the trade happens in; default: the buyer's only hub (required if it belongs to several)."""


CHECKOUT_CREATE_EXAMPLE = {
    "buyer_organization_id": "0193b1a2-5c3d-7e4f-8a9b-0c1d2e3f4a01",
    "lines": [
        {"listing_id": "0193b1a2-5c3d-7e4f-8a9b-0c1d2e3f4b02", "quantity": "60"},
        {"listing_id": "0193b1a2-5c3d-7e4f-8a9b-0c1d2e3f4b03", "quantity": "25"},
    ],
    "delivery": {
        "jurisdiction": "DE-SN",
        "address": {
            "recipient": "Stadt Görlitz, Schulküche",
            "line1": "Untermarkt 6",
            "postal_code": "02826",
            "city": "Görlitz",
        },
    },
    "payment_method": "invoice",
}
"""A Görlitz school kitchen orders bread and cheese from two Polish producers at once (the README's
walk-through; shown in the OpenAPI document)."""


class OrderLineRead(msgspec.Struct, kw_only=True, frozen=True):
    listing_id: uuid.UUID | None
    """None for goods awarded in a tender."""
    listing_version: int | None
    sku: str
    title: str
    language: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    tier_min_quantity: Decimal
    total: Amount
    """Net: quantity times unit price (prices are net of VAT)."""
    vat_category: str
    """EN 16931 VAT category code: S (standard or reduced rate), Z (zero), E (exempt, or the
    seller's small-business exemption), AE (reverse charge), K (intra-Community supply), G (export
    outside the EU), O (not subject to VAT: the seller is not registered for it)."""
    vat_rate: Decimal
    """Percent."""
    vat_note: str | None
    """Why no VAT, or the seller's VAT abroad: not_registered, small_business, exempt,
    intra_community, reverse_charge, seller_rate_abroad, export, outside_scope (the invoice says it
    in words)."""


class VatGroupRead(msgspec.Struct, kw_only=True, frozen=True):
    category: str
    rate: Decimal
    taxable: Amount
    vat: Amount


class OrderRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    checkout_id: uuid.UUID
    status: OrderStatus
    buyer_organization_id: uuid.UUID
    producer_organization_id: uuid.UUID
    hub_id: uuid.UUID
    payment_method: PaymentMethod
    total: Amount
    """As placed, what the buyer pays: the lines' net totals plus `vat`."""
    vat: Amount
    """The VAT in `total`: per rate, the lines' net sum times the rate, rounded once (EN 16931)."""
    vat_breakdown: list[VatGroupRead]
    """The lines grouped by VAT category and rate."""
    credited: Amount
    """Taken off by a dispute's decision: credited on the invoice, or refunded to the card."""
    net_total: Amount
    """What the buyer paid in the end, `total - credited` (VAT included: "net" of credits, not of VAT)."""
    display_total: ConvertedAmount
    lines: list[OrderLineRead]
    delivery: DeliveryRead
    invoice: InvoiceSummary | None
    note: str | None
    tender_reference: str | None
    """The tender (OCDS id) and lot an awarded order comes from."""
    placed_by: uuid.UUID
    placed_at: dt.datetime
    status_changed_at: dt.datetime


class CheckoutRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    buyer_organization_id: uuid.UUID
    hub_id: uuid.UUID
    payment_method: PaymentMethod
    display_total: Amount
    """The orders' totals in the display currency, each converted at its own rate (see the orders)."""
    orders: list[OrderRead]
    placed_at: dt.datetime


class StatusChange(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Optional note: the reason for a cancel or rejection, the tracking reference of a shipment."""

    note: Reason | None = None


class OrderFilter(msgspec.Struct, kw_only=True, frozen=True):
    status: OrderStatus | None = None
    placed_from: dt.date | None = None
    placed_to: dt.date | None = None
