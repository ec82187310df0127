"""Checkouts, orders and their lines; the order lifecycle as an explicit state machine."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any, Protocol

import msgspec
from sqlalchemy import (
    CHAR,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    Uuid,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from marketplace.catalog.models import QUANTITY, UNIT_PRICE
from marketplace.db import MARKETPLACE_SCHEMA, enum_type
from marketplace.payment.models import InvoiceRow

_ORG = f"{MARKETPLACE_SCHEMA}.organization.id"


class PaymentMethod(enum.StrEnum):
    stripe = "stripe"
    invoice = "invoice"


class OrderStatus(enum.StrEnum):
    pending_payment = "pending_payment"
    paid = "paid"
    accepted = "accepted"
    shipped = "shipped"
    delivered = "delivered"
    completed = "completed"
    cancelled = "cancelled"
    rejected = "rejected"
    disputed = "disputed"


class OrderAction(enum.StrEnum):
    """What a party asks of an order (`POST /orders/{id}/{action}`) and the status it leads to."""

    accept = "accept"
    reject = "reject"
    cancel = "cancel"
    ship = "ship"
    deliver = "deliver"
    complete = "complete"

    @property
    def target(self) -> OrderStatus:
        return _ACTION_TARGETS[self]


class Party(enum.StrEnum):
    """Who moves an order on: its buyer, its producer, a coordinator of its hub, or the payment system."""

    buyer = "buyer"
    producer = "producer"
    coordinator = "coordinator"
    payments = "payments"


_S = OrderStatus
_P = Party

_ACTION_TARGETS = {
    OrderAction.accept: OrderStatus.accepted,
    OrderAction.reject: OrderStatus.rejected,
    OrderAction.cancel: OrderStatus.cancelled,
    OrderAction.ship: OrderStatus.shipped,
    OrderAction.deliver: OrderStatus.delivered,
    OrderAction.complete: OrderStatus.completed,
}

#: The only moves an order can make, and who may make each.
TRANSITIONS: dict[OrderStatus, dict[OrderStatus, frozenset[Party]]] = {
    _S.pending_payment: {
        _S.paid: frozenset({_P.payments}),
        # Invoice orders are accepted on the hub's net terms, before they are paid.
        _S.accepted: frozenset({_P.producer}),
        _S.cancelled: frozenset({_P.buyer, _P.producer, _P.coordinator, _P.payments}),
        _S.rejected: frozenset({_P.producer}),
    },
    _S.paid: {
        _S.accepted: frozenset({_P.producer}),
        _S.cancelled: frozenset({_P.buyer, _P.coordinator}),
        _S.rejected: frozenset({_P.producer}),
    },
    _S.accepted: {
        _S.shipped: frozenset({_P.producer}),
        _S.cancelled: frozenset({_P.buyer, _P.producer, _P.coordinator}),
    },
    _S.shipped: {_S.delivered: frozenset({_P.buyer, _P.producer})},
    _S.delivered: {
        _S.completed: frozenset({_P.buyer, _P.coordinator}),
        _S.disputed: frozenset({_P.buyer}),
    },
    _S.disputed: {_S.completed: frozenset({_P.coordinator})},
}

#: Orders in these states still hold the stock they reserved (a cancel or rejection gives it back).
HOLDS_STOCK = frozenset({_S.pending_payment, _S.paid, _S.accepted})
#: A card order not paid this long after checkout is cancelled, so unpaid carts do not hold stock.
UNPAID_CARD_ORDER_HOURS = 24

#: Card orders in these states were paid for: a cancel or rejection refunds the card.
PAID_FOR = frozenset({_S.paid, _S.accepted})


def parties_allowed(status: OrderStatus, method: PaymentMethod, to: OrderStatus) -> frozenset[Party] | None:
    """Who may move an order that is `status` (paid by `method`) to `to`; None when that move does
    not exist from there (`TRANSITIONS`). An order awaiting its card payment is accepted only once
    paid; invoice orders are accepted before, on the hub's net terms."""
    if to is _S.accepted and status is _S.pending_payment and method is not PaymentMethod.invoice:
        return None
    return TRANSITIONS.get(status, {}).get(to)


class Checkout(Entity):
    """One submission by a buyer: the orders it was split into share it (and one card payment)."""

    __tablename__ = "checkout"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    buyer_organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_ORG), index=True)
    hub_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.hub.id"))
    placed_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod, "payment_method"))
    display_currency: Mapped[str] = mapped_column(CHAR(3))
    delivery_jurisdiction: Mapped[str] = mapped_column(String(6))
    delivery_address: Mapped[dict[str, Any]] = mapped_column(JSONB)


class _Totals(Protocol):
    @property
    def total_minor(self) -> int: ...
    @property
    def credited_minor(self) -> int: ...


class NetOfCredits:
    """What the buyer paid in the end, for the stored order and for its row as a read fetches it
    (`OrderRow`): one rule for both."""

    __slots__ = ()

    @property
    def net_total_minor(self: _Totals) -> int:
        """The total (VAT included) less what a dispute's decision credited. The dashboards count
        this net of VAT (`dashboard.repository.NET_OF_VAT`)."""
        return self.total_minor - self.credited_minor


class Order(Entity, NetOfCredits):
    """What one producer owes one buyer from a checkout, priced and reserved when it was placed."""

    __tablename__ = "purchase_order"
    __table_args__ = (
        CheckConstraint("total_minor >= 0", name="total_not_negative"),
        CheckConstraint("credited_minor >= 0 AND credited_minor <= total_minor", name="credited_within_total"),
        Index("ix_purchase_order_buyer", "buyer_organization_id", "created_at"),
        Index("ix_purchase_order_producer", "producer_organization_id", "created_at"),
        Index("ix_purchase_order_hub", "hub_id", "created_at"),
        Index("ix_purchase_order_updated", "updated_at"),  # what the dashboard summary has not read yet
        {"schema": MARKETPLACE_SCHEMA},
    )

    checkout_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.checkout.id"), index=True)
    buyer_organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_ORG))
    producer_organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(_ORG))
    hub_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.hub.id"))
    status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus, "order_status"))
    payment_method: Mapped[PaymentMethod] = mapped_column(enum_type(PaymentMethod, "payment_method"))
    currency: Mapped[str] = mapped_column(CHAR(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    credited_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """Taken off the total by a dispute's decision (credited on the invoice, or refunded to the card)."""
    display_currency: Mapped[str] = mapped_column(CHAR(3))
    display_total_minor: Mapped[int] = mapped_column(BigInteger)
    fx_rate: Mapped[Decimal] = mapped_column(Numeric(20, 10))
    fx_rate_date: Mapped[dt.date] = mapped_column(Date)
    fx_rate_source: Mapped[str] = mapped_column(String(40))
    delivery_jurisdiction: Mapped[str] = mapped_column(String(6))
    delivery_address: Mapped[dict[str, Any]] = mapped_column(JSONB)
    placed_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    status_changed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(1000))
    """Why it was cancelled or rejected, or the shipment's tracking reference."""
    tender_reference: Mapped[str | None] = mapped_column(String(200))
    """Set on orders placed for an awarded tender: its OCDS id and lot ("ocds-…-1a2b lot 2")."""
    vat_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    """The VAT in `total_minor` (which is what the buyer pays): per VAT rate, the lines' net sum
    times the rate, rounded once (EN 16931). The net is `total_minor - vat_minor`."""
    seller_vat_number: Mapped[str | None] = mapped_column(String(20))
    buyer_vat_number: Mapped[str | None] = mapped_column(String(20))
    """The VAT numbers the lines' VAT was decided with (an intra-Community supply rests on the
    buyer's number on the day of the order), printed on its invoices."""

    def parties_allowed(self, to: OrderStatus) -> frozenset[Party] | None:
        """Who may move the order to `to` now; None when that move does not exist from here."""
        return parties_allowed(self.status, self.payment_method, to)


class OrderLine(Entity):
    """A listing at the version, tier and price it was ordered at (a snapshot: never updated)."""

    __tablename__ = "order_line"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    order_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.purchase_order.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    """Where the line was in the checkout (0-based), so orders read back in the buyer's order."""
    listing_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.listing.id"))
    """None for goods awarded in a tender: they were bid for, not ordered from a listing."""
    listing_version: Mapped[int | None] = mapped_column(Integer)
    sku: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(35))
    unit_code: Mapped[str] = mapped_column(String(3))
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    unit_price: Mapped[Decimal] = mapped_column(UNIT_PRICE)
    tier_min_quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    total_minor: Mapped[int] = mapped_column(BigInteger)
    """Net: quantity times unit price, rounded once."""
    vat_code: Mapped[str] = mapped_column(String(2), default="O", server_default="O")
    """EN 16931 VAT category code (S, Z, E, AE, K, G, O) decided when it was ordered (`marketplace.tax`)."""
    vat_rate: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0), server_default="0")
    vat_note: Mapped[str | None] = mapped_column(String(30))
    """Why no VAT or the seller's VAT abroad (`tax.decision.VatNote`), printed on the invoice."""


class OrderLineRow(msgspec.Struct, frozen=True, kw_only=True):
    """An order line as the order read fetches it, under `OrderLine`'s own names."""

    listing_id: uuid.UUID | None
    listing_version: int | None
    sku: str
    title: str
    language: str
    unit_code: str
    quantity: Decimal
    unit_price: Decimal
    tier_min_quantity: Decimal
    total_minor: int
    vat_code: str
    vat_rate: Decimal
    vat_note: str | None


class OrderRow(msgspec.Struct, NetOfCredits, frozen=True, kw_only=True):
    """One order as it is read (`OrderRepository.shown`): its columns under `Order`'s own names,
    its lines in checkout order, its invoice, and the reader's sides of it."""

    id: uuid.UUID
    checkout_id: uuid.UUID
    status: OrderStatus
    buyer_organization_id: uuid.UUID
    producer_organization_id: uuid.UUID
    hub_id: uuid.UUID
    payment_method: PaymentMethod
    currency: str
    total_minor: int
    credited_minor: int
    vat_minor: int
    display_currency: str
    display_total_minor: int
    fx_rate: Decimal
    fx_rate_date: dt.date
    fx_rate_source: str
    delivery_jurisdiction: str
    delivery_address: dict[str, Any]
    placed_by: uuid.UUID
    status_changed_at: dt.datetime
    note: str | None
    tender_reference: str | None
    created_at: dt.datetime
    lines: list[OrderLineRow]
    invoice: InvoiceRow | None
    buyer: bool
    """Whether the reader is a member of the buyer, of the producer, a coordinator of the hub."""
    producer: bool
    coordinator: bool
