"""What a consortium may advance against an order, and why not: a pure function of the rules and the facts.

Every figure is whole minor units or basis points; the fee is rounded half-up once, at the end.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from marketplace.financing.models import BASIS_POINTS
from marketplace.order.models import OrderStatus, PaymentMethod
from marketplace.organization.models import InclusionAttribute
from marketplace.payment.models import InvoiceStatus

DAYS_A_YEAR = 365
#: Orders a producer has confirmed and not yet been paid for: what may be advanced against.
CONFIRMED = frozenset({OrderStatus.accepted, OrderStatus.shipped, OrderStatus.delivered, OrderStatus.completed})


@dataclass(frozen=True)
class Rules:
    """The consortium's rules for one currency, and its better terms for verified inclusion attributes."""

    advance_share_bp: int
    flat_fee_bp: int
    annual_rate_bp: int
    max_tenor_days: int
    min_completed_orders: int
    max_per_producer_minor: int
    max_per_buyer_minor: int
    inclusion: dict[InclusionAttribute, tuple[int, int, int]]
    """Per attribute: share bonus, flat fee discount, annual rate discount (basis points)."""


@dataclass(frozen=True)
class Facts:
    """What the service knows of the order, its producer and buyer, and the consortium's money today."""

    today: dt.date
    payment_method: PaymentMethod
    order_status: OrderStatus
    invoice_status: InvoiceStatus | None
    receivable_minor: int
    """What the buyer still owes on the order's invoice."""
    due_on: dt.date | None
    verified: frozenset[InclusionAttribute]
    """The producer's hub-verified inclusion attributes."""
    delivered_orders: int
    written_off: int
    """The producer's advances written off before (with this consortium)."""
    producer_exposure_minor: int
    buyer_exposure_minor: int
    capital_available_minor: int
    """Funders' cash not yet lent or promised to approved advances."""


@dataclass(frozen=True)
class Refusal:
    code: str
    """Stable: `card_order`, `not_confirmed`, `invoice_settled`, `overdue`, `tenor`, `record`,
    `written_off`, `producer_limit`, `buyer_limit`, `capital`, `too_small`; and `above_maximum` for
    an amount asked above the most allowed."""
    message: str


@dataclass(frozen=True)
class Terms:
    share_bp: int
    flat_fee_bp: int
    annual_rate_bp: int
    applied: tuple[InclusionAttribute, ...]
    """The verified attributes whose better terms apply."""


@dataclass(frozen=True)
class Offer:
    terms: Terms
    by_share_minor: int
    producer_room_minor: int
    buyer_room_minor: int
    capital_room_minor: int
    maximum_minor: int
    days: int
    """From today to the invoice's due date: what the annual rate is charged for."""
    refusals: tuple[Refusal, ...]

    @property
    def possible(self) -> bool:
        return not self.refusals

    def fee_minor(self, amount_minor: int) -> int:
        """The fee for advancing `amount_minor` today."""
        return fee(amount_minor, self.terms, self.days)


def terms_for(rules: Rules, verified: Iterable[InclusionAttribute]) -> Terms:
    """The base terms bettered by the best share bonus and the best discounts among the verified attributes."""
    applied = tuple(sorted(a for a in set(verified) if a in rules.inclusion))
    bonus = max((rules.inclusion[a][0] for a in applied), default=0)
    fee_off = max((rules.inclusion[a][1] for a in applied), default=0)
    rate_off = max((rules.inclusion[a][2] for a in applied), default=0)
    return Terms(
        share_bp=min(BASIS_POINTS, rules.advance_share_bp + bonus),
        flat_fee_bp=max(0, rules.flat_fee_bp - fee_off),
        annual_rate_bp=max(0, rules.annual_rate_bp - rate_off),
        applied=applied,
    )


def fee(amount_minor: int, terms: Terms, days: int) -> int:
    """Flat fee plus the annual rate for `days` (actual/365) on `amount_minor`, rounded half-up once."""
    numerator = amount_minor * (terms.flat_fee_bp * DAYS_A_YEAR + terms.annual_rate_bp * max(days, 0))
    denominator = BASIS_POINTS * DAYS_A_YEAR
    return (2 * numerator + denominator) // (2 * denominator)


def offer(rules: Rules, facts: Facts) -> Offer:
    """What may be advanced against the order today: the smallest of the share of what the buyer
    owes, the room under the producer's and the buyer's limits, and the capital available; with
    every reason it may not, in words a producer understands."""
    terms = terms_for(rules, facts.verified)
    days, refusals = _order_refusals(rules, facts)
    by_share = facts.receivable_minor * terms.share_bp // BASIS_POINTS
    producer_room = rules.max_per_producer_minor - facts.producer_exposure_minor
    buyer_room = rules.max_per_buyer_minor - facts.buyer_exposure_minor
    capital_room = facts.capital_available_minor
    if producer_room <= 0:
        refusals.append(
            Refusal("producer_limit", "the producer already owes the consortium as much as its rules allow")
        )
    if buyer_room <= 0:
        refusals.append(
            Refusal("buyer_limit", "the consortium has advanced as much against this buyer's orders as its rules allow")
        )
    if capital_room <= 0:
        refusals.append(Refusal("capital", "the consortium has no capital left to lend in this currency"))
    maximum = max(0, min(by_share, producer_room, buyer_room, capital_room))
    if not refusals and maximum == 0:
        refusals.append(Refusal("too_small", "the buyer owes too little on the order to advance on"))
    return Offer(
        terms=terms,
        by_share_minor=by_share,
        producer_room_minor=max(0, producer_room),
        buyer_room_minor=max(0, buyer_room),
        capital_room_minor=max(0, capital_room),
        maximum_minor=maximum if not refusals else 0,
        days=days,
        refusals=tuple(refusals),
    )


def _order_refusals(rules: Rules, facts: Facts) -> tuple[int, list[Refusal]]:
    """The days to the invoice's due date, and why the order or its producer do not qualify."""
    refusals: list[Refusal] = []
    if facts.payment_method is not PaymentMethod.invoice:
        refusals.append(Refusal("card_order", "the order is paid by card at checkout, so there is nothing to wait for"))
    if facts.order_status not in CONFIRMED:
        refusals.append(
            Refusal("not_confirmed", f"the order is {facts.order_status.value.replace('_', ' ')}, not confirmed")
        )
    days = 0
    if facts.invoice_status is not InvoiceStatus.issued or facts.receivable_minor <= 0 or facts.due_on is None:
        if facts.payment_method is PaymentMethod.invoice:
            refusals.append(Refusal("invoice_settled", "the buyer owes nothing more on the order's invoice"))
    else:
        days = (facts.due_on - facts.today).days
        if days <= 0:
            refusals.append(Refusal("overdue", f"the invoice fell due on {facts.due_on.isoformat()}"))
        elif days > rules.max_tenor_days:
            refusals.append(
                Refusal(
                    "tenor",
                    f"the invoice falls due in {days} days; the consortium advances for at most "
                    f"{rules.max_tenor_days} days",
                )
            )
    if facts.delivered_orders < rules.min_completed_orders:
        refusals.append(
            Refusal(
                "record",
                f"the producer has delivered {facts.delivered_orders} orders; the consortium asks for at least "
                f"{rules.min_completed_orders}",
            )
        )
    if facts.written_off:
        refusals.append(Refusal("written_off", "an earlier advance to the producer was written off"))
    return days, refusals
