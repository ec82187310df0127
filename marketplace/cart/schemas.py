"""Wire formats of carts. Quantities and unit prices are decimals in the listing's unit and currency;
money is minor units."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

import msgspec

from kernel.money import Amount
from marketplace.catalog.models import ListingStatus
from marketplace.catalog.schemas import Quantity
from marketplace.order.models import PaymentMethod
from marketplace.order.schemas import Delivery, VatGroupRead


class CartLineAdd(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    listing_id: uuid.UUID
    quantity: Quantity
    """Added to what the cart already holds of the listing."""


class CartQuantity(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    quantity: Quantity


class CartCheckout(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A checkout of the whole cart: `CheckoutCreate` without its lines (the cart's are ordered)."""

    buyer_organization_id: uuid.UUID
    delivery: Delivery
    payment_method: PaymentMethod | None = None
    display_currency: str | None = None
    hub_id: uuid.UUID | None = None


class LineState(enum.StrEnum):
    """Whether a line can be ordered as it is now (its listing may have changed since it was added)."""

    orderable = "orderable"
    unavailable = "unavailable"
    """The listing is paused or archived, or its producer no longer sells."""
    short_of_stock = "short_of_stock"
    """Fewer units are in stock than the line holds."""
    quantity_not_orderable = "quantity_not_orderable"
    """Below the listing's minimum order or not whole packs (its terms changed since)."""


class CartLineVat(msgspec.Struct, kw_only=True, frozen=True):
    """A line's VAT as checkout decides it (`OrderLineRead.vat_category`, `vat_rate`, `vat_note`)."""

    category: str
    """EN 16931 VAT category code: S, Z, E, AE, K, G or O."""
    rate: Decimal
    """Percent."""
    note: str | None
    """Why no VAT, or the seller's VAT abroad (the invoice says it in words)."""


class CartLineRead(msgspec.Struct, kw_only=True, frozen=True):
    listing_id: uuid.UUID
    sku: str
    title: str
    language: str
    """The language `title` is in (the reader's, else the listing's default)."""
    unit: str
    """UN/CEFACT Rec 20 code of the listing's unit."""
    quantity: Decimal
    pack_size: Decimal
    min_order_quantity: Decimal
    stock_on_hand: Decimal
    status: ListingStatus
    unit_price: Decimal
    """At the tier for `quantity` (the first tier's below it), in `total.currency`, as it is now."""
    tier_min_quantity: Decimal
    total: Amount
    state: LineState
    problem: str | None
    """Why the quantity cannot be ordered (`quantity_not_orderable`), in the catalog's words."""
    added_at: dt.datetime
    vat: CartLineVat | None = None
    """The VAT checkout would put on the line today, for the cart's `buyer_organization_id` (None
    without one, or when `vat_problem` says why it cannot be decided)."""
    vat_problem: str | None = None
    """Why the line's VAT cannot be decided (its producer's country has no rate of the listing's
    VAT category today), in checkout's words: checkout refuses the line."""


class CartGroup(msgspec.Struct, kw_only=True, frozen=True):
    """The lines of one producer in one currency: one order at checkout."""

    producer_organization_id: uuid.UUID
    producer_name: str
    subtotal: Amount
    """Net: the lines' totals (prices are net of VAT)."""
    lines: list[CartLineRead]
    vat_breakdown: list[VatGroupRead] = msgspec.field(default_factory=list)
    """The lines whose VAT is decided, by VAT category and rate, each group's VAT its net sum times
    the rate rounded once, as checkout totals an order's (empty without a buyer)."""
    vat: Amount | None = None
    """The VAT checkout would charge on the group today; None without a buyer or when a line's VAT
    cannot be decided (its `vat_problem`)."""
    total: Amount | None = None
    """`subtotal` plus `vat`: what the order would cost the buyer (None as `vat`)."""


class CartRead(msgspec.Struct, kw_only=True, frozen=True):
    groups: list[CartGroup]
    """By producer, in the order their first line was added."""
    line_count: int
    orderable: bool
    """Every line can be ordered as it is (a checkout may still be refused: eligibility, hub)."""
    buyer_organization_id: uuid.UUID | None = None
    """The organisation the VAT is worked out for (its VAT status decides it); None: no VAT shown."""


class LeftOut(enum.StrEnum):
    """Why a line of an earlier order was not put in the cart again."""

    tendered = "tendered"
    """Goods awarded in a tender: they were bid for, not listed."""
    unavailable = "unavailable"
    quantity_not_orderable = "quantity_not_orderable"


class LineLeftOut(msgspec.Struct, kw_only=True, frozen=True):
    title: str
    reason: LeftOut


class RepeatedOrder(msgspec.Struct, kw_only=True, frozen=True):
    order_id: uuid.UUID
    added: list[uuid.UUID]
    """The listings whose quantities were added to the cart."""
    left_out: list[LineLeftOut]
