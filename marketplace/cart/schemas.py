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
from marketplace.order.schemas import Delivery


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


class CartGroup(msgspec.Struct, kw_only=True, frozen=True):
    """The lines of one producer in one currency: one order at checkout."""

    producer_organization_id: uuid.UUID
    producer_name: str
    subtotal: Amount
    lines: list[CartLineRead]


class CartRead(msgspec.Struct, kw_only=True, frozen=True):
    groups: list[CartGroup]
    """By producer, in the order their first line was added."""
    line_count: int
    orderable: bool
    """Every line can be ordered as it is (a checkout may still be refused: eligibility, hub)."""


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
