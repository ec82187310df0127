"""Events marketplace publishes through the outbox (past tense; frozen; ids, not objects)."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec


class InvitationSent(msgspec.Struct, frozen=True, kw_only=True):
    """For the mailer: `accept_token` goes into the link sent to `email` (single use, expires)."""

    invitation_id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    role: str
    accept_token: str


class RegistrationAttemptedForExistingAccount(msgspec.Struct, frozen=True, kw_only=True):
    """Someone registered with the address of an existing account (answered exactly as a new
    registration, so the caller cannot tell). For the mailer: tell the owner, in
    `preferred_language`, and point them to signing in or resetting their password."""

    user_id: uuid.UUID
    email: str
    preferred_language: str | None


class OrganizationApplied(msgspec.Struct, frozen=True, kw_only=True):
    """An organisation asked to join a hub (first or again after a rejection): its coordinators decide."""

    hub_id: uuid.UUID
    organization_id: uuid.UUID


class PasswordResetAsked(msgspec.Struct, frozen=True, kw_only=True):
    """Someone asked for a password reset link for `email` (answered alike whether or not it has an
    account). Whether to mail one is decided after the answer, by `mail_password_reset`, so that the
    answer does the same work for every address."""

    email: str


class OrganizationAdmitted(msgspec.Struct, frozen=True, kw_only=True):
    hub_id: uuid.UUID
    organization_id: uuid.UUID


class OrganizationRejected(msgspec.Struct, frozen=True, kw_only=True):
    hub_id: uuid.UUID
    organization_id: uuid.UUID


class InclusionVerificationChanged(msgspec.Struct, frozen=True, kw_only=True):
    """A hub coordinator verified (or withdrew verification of) an inclusion attribute."""

    hub_id: uuid.UUID
    organization_id: uuid.UUID
    attribute: str
    verified: bool


class ListingChanged(msgspec.Struct, frozen=True, kw_only=True):
    """A listing was created or changed (`change`: created, details, prices, stock, active, paused, archived).

    Consumers re-read the listing; `version` lets them ignore stale or repeated deliveries.
    """

    listing_id: uuid.UUID
    organization_id: uuid.UUID
    version: int
    change: str


class ListingsImported(msgspec.Struct, frozen=True, kw_only=True):
    """A bulk import created or changed these listings of one producer (one event per chunk of up to
    10,000). Like `ListingChanged`, consumers re-read the listings."""

    organization_id: uuid.UUID
    listing_ids: list[uuid.UUID]


class CredentialVerified(msgspec.Struct, frozen=True, kw_only=True):
    """A coordinator of `hub_id` verified a credential of the organisation."""

    hub_id: uuid.UUID
    organization_id: uuid.UUID
    credential_id: uuid.UUID
    credential_type: str


class CredentialRejected(msgspec.Struct, frozen=True, kw_only=True):
    """A coordinator of `hub_id` rejected a credential (or withdrew its verification); the reason is on it."""

    hub_id: uuid.UUID
    organization_id: uuid.UUID
    credential_id: uuid.UUID
    credential_type: str


class CredentialExpiring(msgspec.Struct, frozen=True, kw_only=True):
    """A verified credential's last valid day is near (emitted once per credential, about 30 days ahead)."""

    organization_id: uuid.UUID
    credential_id: uuid.UUID
    credential_type: str
    valid_until: dt.date


class OrderPlaced(msgspec.Struct, frozen=True, kw_only=True):
    """A checkout created this order (one per producer); its stock is reserved."""

    order_id: uuid.UUID
    checkout_id: uuid.UUID
    buyer_organization_id: uuid.UUID
    producer_organization_id: uuid.UUID
    hub_id: uuid.UUID
    payment_method: str
    currency: str
    total_minor: int


class OrderStatusChanged(msgspec.Struct, frozen=True, kw_only=True):
    """An order moved from one status to another (see `marketplace.order.models.TRANSITIONS`)."""

    order_id: uuid.UUID
    buyer_organization_id: uuid.UUID
    producer_organization_id: uuid.UUID
    hub_id: uuid.UUID
    from_status: str
    to_status: str
    by_organization_id: uuid.UUID | None = None
    """The side that made the move (its buyer or its producer); None when it was neither or cannot be
    told: a coordinator, the payment system, or someone acting for both sides."""


class InvoicePaid(msgspec.Struct, frozen=True, kw_only=True):
    """The producer recorded that the buyer paid this invoice."""

    invoice_id: uuid.UUID
    order_id: uuid.UUID
    producer_organization_id: uuid.UUID
    buyer_organization_id: uuid.UUID
    amount_minor: int
    """What was paid, as the invoice keeps it (`paid`): its amount less what a dispute's decision had
    credited against it before the payment."""
    currency: str


class InvoiceIssued(msgspec.Struct, frozen=True, kw_only=True):
    """An invoice order was invoiced on the hub's net terms (when it was placed)."""

    invoice_id: uuid.UUID
    order_id: uuid.UUID
    producer_organization_id: uuid.UUID
    buyer_organization_id: uuid.UUID


class InvoiceOverdue(msgspec.Struct, frozen=True, kw_only=True):
    """An invoice is still unpaid after its due day (emitted once per invoice, by a daily job)."""

    invoice_id: uuid.UUID
    order_id: uuid.UUID
    producer_organization_id: uuid.UUID
    buyer_organization_id: uuid.UUID


class DisputeOpened(msgspec.Struct, frozen=True, kw_only=True):
    """The buyer contested a delivered order; the hub's coordinators mediate."""

    dispute_id: uuid.UUID
    order_id: uuid.UUID
    hub_id: uuid.UUID
    reason: str


class DisputeMessagePosted(msgspec.Struct, frozen=True, kw_only=True):
    """Someone answered in a dispute, or added evidence: `party` (buyer, producer or coordinator) is
    the side they wrote as, `author_organization_id` their organisation (None for a coordinator)."""

    dispute_id: uuid.UUID
    order_id: uuid.UUID
    hub_id: uuid.UUID
    message_id: uuid.UUID
    party: str
    author_organization_id: uuid.UUID | None


class DisputeResolved(msgspec.Struct, frozen=True, kw_only=True):
    """A coordinator decided: `outcome` full_refund, partial_refund or rejected, and the refund."""

    dispute_id: uuid.UUID
    order_id: uuid.UUID
    hub_id: uuid.UUID
    outcome: str
    refund_minor: int
    currency: str


class CardPaymentSucceeded(msgspec.Struct, frozen=True, kw_only=True):
    """Stripe took the buyer's money for a checkout: its orders are paid (or refunded, if cancelled meanwhile)."""

    checkout_id: uuid.UUID
    payment_intent_id: str
    order_ids: list[uuid.UUID]
    """The orders the payment covered."""


class CardTransferDue(msgspec.Struct, frozen=True, kw_only=True):
    """A card-paid order's share is to be transferred to its producer, less the hub's fee."""

    order_id: uuid.UUID


class TransferSent(msgspec.Struct, frozen=True, kw_only=True):
    """A card-paid order's share (less the hub's fee) went to its producer's Stripe account (once per order)."""

    order_id: uuid.UUID
    producer_organization_id: uuid.UUID


class CardRefundDue(msgspec.Struct, frozen=True, kw_only=True):
    """Money is to go back to the buyer's card for an order (and, in proportion, back from its producer)."""

    order_id: uuid.UUID
    amount_minor: int
    """In the card payment's currency."""
    currency: str
    reason: str
    """cancelled, rejected or dispute."""


class CardReversalDue(msgspec.Struct, frozen=True, kw_only=True):
    """An order's refund was made: the same proportion of its producer's transfer is to be taken back."""

    order_id: uuid.UUID


class CardPaymentDisputed(msgspec.Struct, frozen=True, kw_only=True):
    """The buyer's bank opened a chargeback on a checkout's card payment: the hub has to answer it in Stripe."""

    checkout_id: uuid.UUID
    hub_id: uuid.UUID
    chargeback_id: str
    reason: str
    amount_minor: int
    currency: str


class OrganizationChanged(msgspec.Struct, frozen=True, kw_only=True):
    """An organisation's profile changed (name, kind, place, currency, languages)."""

    organization_id: uuid.UUID


class ComplianceRulesChanged(msgspec.Struct, frozen=True, kw_only=True):
    """A hub added or removed a requirement or a recognition: who may sell where in it may have changed."""

    hub_id: uuid.UUID


class CredentialExpired(msgspec.Struct, frozen=True, kw_only=True):
    """A verified credential's last valid day has passed (emitted once per credential, the day after)."""

    organization_id: uuid.UUID
    credential_id: uuid.UUID
    credential_type: str
    valid_until: dt.date


class CredentialStarted(msgspec.Struct, frozen=True, kw_only=True):
    """A credential verified ahead of its first valid day has reached it (emitted once, that day)."""

    organization_id: uuid.UUID
    credential_id: uuid.UUID
    credential_type: str
    valid_from: dt.date


class FxRatesRecorded(msgspec.Struct, frozen=True, kw_only=True):
    """Reference exchange rates were imported or corrected for these currencies."""

    currencies: list[str]


class MailQueued(msgspec.Struct, frozen=True, kw_only=True):
    """A message was written to the outgoing mail (`marketplace.mail`): to be sent now."""

    mail_id: uuid.UUID


class ListingPhotoRemoved(msgspec.Struct, frozen=True, kw_only=True):
    """A producer removed a photo of a listing: its files (`file_keys`) are deleted once this commits."""

    listing_id: uuid.UUID
    organization_id: uuid.UUID
    photo_id: uuid.UUID
    file_keys: list[str]
