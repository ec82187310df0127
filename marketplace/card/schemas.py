"""Wire formats of card payments: payout accounts, a checkout's card payment and Stripe's webhook."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from kernel.money import Amount

Url = Annotated[
    str, msgspec.Meta(pattern=r"^https?://[^\s]+$", max_length=2000, examples=["https://hub.example/payouts"])
]


class OnboardingRequest(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    return_url: Url
    """Where Stripe sends the producer back when onboarding is done (or left)."""
    refresh_url: Url
    """Where Stripe sends the producer when the link expired: ask for a fresh link from there."""


class PayoutAccountRead(msgspec.Struct, kw_only=True, frozen=True):
    organization_id: uuid.UUID
    stripe_account_id: str
    transfers_active: bool
    """Buyers can pay this producer's orders by card only once Stripe activates transfers."""
    details_submitted: bool
    payouts_enabled: bool


class OnboardingLink(msgspec.Struct, kw_only=True, frozen=True):
    url: str
    """Single use; open it in the producer's browser before `expires_at`."""
    expires_at: dt.datetime
    account: PayoutAccountRead


class CardTransferRead(msgspec.Struct, kw_only=True, frozen=True):
    """A producer's card money for one paid order: its share of what the platform received, less
    the hub's fee, transferred to its Stripe account; and what a refund took back."""

    order_id: uuid.UUID
    buyer: str
    """The order's buyer, by name."""
    status: str
    """`made` once Stripe confirmed the transfer; `pending` while it waits (see `pending_reason`);
    `dropped` when none is due (the order was cancelled before it went out)."""
    pending_reason: str | None
    charged: Amount
    """What the buyer paid for the order, in the checkout's currency."""
    share: Amount
    """The order's share of what the platform received, in its settlement currency."""
    fee: Amount
    """The hub's fee, kept from the share."""
    amount: Amount
    """Transferred to the producer (or to be): the share less the fee."""
    reversed: Amount
    """Taken back from the transfer for refunds to the buyer's card."""
    refunded: Amount | None
    """Given back to the buyer's card for the order (cancelled, rejected, a dispute), if anything."""
    due_at: dt.datetime
    """When the transfer fell due (the payment succeeded)."""


class CardRefundRead(msgspec.Struct, kw_only=True, frozen=True):
    order_id: uuid.UUID
    amount: Amount
    reason: str
    status: str
    """`made` once Stripe confirmed it; `pending` while it waits to be retried."""


class CardPaymentRead(msgspec.Struct, kw_only=True, frozen=True):
    checkout_id: uuid.UUID
    payment_intent_id: str
    client_secret: str
    """Confirm the payment with it in the browser (Stripe.js `confirmPayment`)."""
    amount: Amount
    status: str
    """Stripe's PaymentIntent status: requires_payment_method, processing, succeeded, ..."""
    last_error: str | None
    order_ids: list[uuid.UUID]
    refunds: list[CardRefundRead]
    """Refunds made for orders (cancelled, rejected, disputes)."""
    refunded: Amount
    """All refunded on the charge, as Stripe reports it (including any made in Stripe's dashboard)."""
    settled: Amount | None
    """What the platform received for the charge, in its settlement currency (once it succeeded)."""
    chargeback_status: str | None


class HostedPayment(msgspec.Struct, kw_only=True, frozen=True):
    """A checkout's payment on Stripe's hosted payment page (its Checkout Session)."""

    checkout_id: uuid.UUID
    url: str | None
    """Stripe's page to send the buyer to; None when there is nothing left to pay there (the
    session was paid: its payment is recorded, and confirmed or being confirmed)."""
    session_status: str
    """The Checkout Session's: `open`, `complete` or `expired`."""
    payment_status: str | None
    """The status of the PaymentIntent Stripe made when the buyer paid (None before): `processing`,
    `succeeded`, ..."""
    amount: Amount


class WebhookReceipt(msgspec.Struct, kw_only=True, frozen=True):
    event_id: str
    duplicate: bool
    """The event was handled before; nothing was done again."""


class PaymentAttention(msgspec.Struct, kw_only=True, frozen=True):
    """A card payment matter a hub coordinator should look at."""

    kind: str
    """`transfer_pending` (a producer not paid yet), `refund_pending`, `refund_failed` (Stripe could
    not give the money back: settle it with the buyer), `reversal_pending`, or `chargeback_open`
    (answer it in Stripe's dashboard)."""
    checkout_id: uuid.UUID
    order_id: uuid.UUID | None
    producer_organization_id: uuid.UUID | None
    amount: Amount
    """The transfer's amount, the refund's, or the disputed payment's."""
    reason: str | None
    """Why it waits, in Stripe's or our words; a chargeback's reason."""
    attempts: int
    since: dt.datetime
    organization_name: str | None = None
    """Whom it concerns, by name: the order's producer for a transfer, refund or reversal; the buyer
    for a chargeback."""
