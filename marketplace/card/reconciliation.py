"""Reconciliation: card payments compared with what Stripe has, repaired where they can be.

Webhooks can be missed (an endpoint down for longer than Stripe retries, a Connect secret not
set), answers can be lost, money moves can wait for a producer's account. Run on a schedule and
by `borderhub payments reconcile`, this goes over every card payment of the period and every
money move still waiting, and
- takes each PaymentIntent's status from Stripe (a missed success marks its orders paid);
- records the transfers and refunds Stripe made for our orders whose answer was lost, refunds
  Stripe could not complete after all, and the refunded total of each charge (including refunds
  made in Stripe's dashboard);
- makes the transfers owed for paid orders that have none and the refunds owed for orders given
  back, and retries every waiting transfer (after fetching the producer's account, in case its
  `account.updated` was missed), refund and reversal;
- records a PaymentIntent that Stripe's hosted payment page made for a checkout whose events were
  missed as that checkout's payment;
- cancels PaymentIntents of our checkouts that no checkout records (made by an attempt whose
  answer was lost), or refunds them if someone paid one;
and reports what it repaired and what is left for a person (a transfer still refused, a refund
Stripe could not complete, a refund made in the dashboard that names no order).

Each item is checked in a transaction of its own: one that fails is reported and the others go
on, and no lock is held longer than its item takes.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal

import msgspec
import stripe
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel import clock
from kernel.db import transaction
from marketplace.card.repository import CardRepository
from marketplace.card.service import (
    CANCELLABLE,
    ORPHAN_GRACE,
    CardPaymentService,
    metadata_of,
    transfer_group,
    uuid_or_none,
)
from marketplace.order.models import OrderStatus
from marketplace.order.repository import OrderRepository
from marketplace.order.service import OrderService
from marketplace.payment.models import CardPayment, CardRefund, CardTransfer, MoveStatus
from marketplace.payment.repository import PaymentRepository
from marketplace.payment.stripe_currency import from_stripe
from marketplace.payment.stripe_gateway import PaymentProviderError, StripeGateway

_log = structlog.get_logger("borderhub.payment")

#: The daily run looks this far back (Stripe retries a webhook for three days).
RECONCILE_DAYS = 3
#: Orders whose share is owed to the producer.
_PAID = frozenset(
    {
        OrderStatus.paid,
        OrderStatus.accepted,
        OrderStatus.shipped,
        OrderStatus.delivered,
        OrderStatus.completed,
        OrderStatus.disputed,
    }
)
#: Orders whose money goes back to the card in full.
_GIVEN_BACK = frozenset({OrderStatus.cancelled, OrderStatus.rejected})
#: Refunds that gave no money back.
_NOT_REFUNDED = ("failed", "canceled")


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    """Repaired: missed_payment_status, orders_paid, unrecorded_refund, unrecorded_transfer,
    transfer_made, refund_made, reversal_made, hosted_payment_recorded, orphan_payment_cancelled,
    orphan_payment_refunded.
    For a person: still_pending, refund_failed, dashboard_refund, error."""
    subject: str
    """The checkout, order or PaymentIntent it concerns."""
    detail: str
    repaired: bool


class ReconciliationReport(msgspec.Struct, kw_only=True):
    checked: int = 0
    findings: list[Finding] = msgspec.field(default_factory=list)

    @property
    def repaired(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.repaired]

    @property
    def unresolved(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.repaired]

    def summary(self) -> dict[str, int]:
        return {"checked": self.checked, "repaired": len(self.repaired), "unresolved": len(self.unresolved)}


Progress = Callable[[str, int, int], None]
"""Told (step, done, of) as the run goes."""


async def reconcile(
    sessions: async_sessionmaker[AsyncSession],
    gateway: StripeGateway,
    fee_percent: Decimal,
    *,
    since: dt.datetime,
    progress: Progress | None = None,
) -> ReconciliationReport:
    """Compare card payments since `since` and every waiting money move with Stripe; repair what can be."""
    run = _Run(sessions, gateway, fee_percent, progress or (lambda step, done, of: None))
    async with transaction(sessions) as session:
        checkouts = await CardRepository(session).payments_to_check(since)
    await run.each("payments", checkouts, run.payment)
    await run.orphans(since)
    await run.waiting_moves()
    return run.report


class _Item:
    """What checking one item works with: its own transaction's session and services."""

    def __init__(self, session: AsyncSession, gateway: StripeGateway) -> None:
        self.session = session
        self.service = CardPaymentService(session, gateway)
        self.payments = PaymentRepository(session)
        self.orders = OrderRepository(session)


class _Run:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        gateway: StripeGateway,
        fee_percent: Decimal,
        progress: Progress,
    ) -> None:
        self.sessions = sessions
        self.gateway = gateway
        self.fee_percent = fee_percent
        self.progress = progress
        self.report = ReconciliationReport()
        self.tried: set[tuple[str, uuid.UUID]] = set()
        """Moves already tried in this run (kind, order id): each is tried once per run."""

    def found(self, kind: str, subject: object, detail: str, *, repaired: bool = True) -> None:
        self.report.findings.append(Finding(kind=kind, subject=str(subject), detail=detail, repaired=repaired))

    async def each(
        self, step: str, items: list[uuid.UUID], check: Callable[[_Item, uuid.UUID], Awaitable[None]]
    ) -> None:
        for done, item in enumerate(items, 1):
            try:
                async with transaction(self.sessions) as session:
                    await check(_Item(session, self.gateway), item)
            except Exception as exc:  # noqa: BLE001 - one item's failure is reported, the run goes on
                _log.warning("reconciliation item failed", step=step, item=str(item), error=repr(exc))
                self.found("error", item, f"{step}: {exc}", repaired=False)
            self.report.checked += 1
            self.progress(step, done, len(items))

    # --- card payments of the period ------------------------------------------------------------

    async def payment(self, item: _Item, checkout_id: uuid.UUID) -> None:
        payment = await item.payments.card_payment(checkout_id)
        assert payment is not None  # noqa: S101 - listed from the table
        before = payment.status
        await item.service.sync_payment(payment.payment_intent_id)
        if payment.status != before:
            self.found("missed_payment_status", checkout_id, f"the payment was {before}, Stripe has {payment.status}")
        if payment.status != "succeeded":
            return
        await self.orders_settled(item, payment)
        await self.refunds_at_stripe(item, payment)
        await self.transfers_at_stripe(item, payment)
        for order in await item.orders.by_ids(payment.order_ids):
            if order.status in _PAID and await item.payments.card_transfer(order.id) is None:
                await self.retry_transfer(item, order.id)
            elif order.status in _GIVEN_BACK and await item.payments.card_refund(order.id) is None:
                await item.service.refund(order.id, order.display_total_minor, order.status.value)
                self.outcome("refund", order.id, await item.payments.card_refund(order.id))

    async def orders_settled(self, item: _Item, payment: CardPayment) -> None:
        """Orders of a succeeded payment still awaiting it (the job that marks them paid was lost)."""
        waiting = [o.id for o in await item.orders.by_ids(payment.order_ids) if o.status is OrderStatus.pending_payment]
        if waiting:
            await OrderService(item.session).settle_card_payment(waiting)
            self.found(
                "orders_paid", payment.checkout_id, f"{len(waiting)} order(s) of a succeeded payment marked paid"
            )

    async def refunds_at_stripe(self, item: _Item, payment: CardPayment) -> None:
        refunded = 0
        for refund in await self.gateway.refunds_of(payment.payment_intent_id):
            order_id = uuid_or_none(metadata_of(refund, "order_id"))
            record = await item.payments.card_refund_by_stripe_id(refund.id, for_update=True)
            if refund.status in _NOT_REFUNDED:
                if record is not None and record.status is MoveStatus.made:
                    await item.service.sync_refund(refund.id)
                    self.found(
                        "refund_failed",
                        record.order_id,
                        f"Stripe could not complete refund {refund.id}",
                        repaired=False,
                    )
                continue
            refunded += from_stripe(refund.amount, payment.currency)
            if record is not None:
                continue
            if order_id is None or order_id not in payment.order_ids:
                self.found(
                    "dashboard_refund",
                    payment.checkout_id,
                    f"refund {refund.id} of {refund.amount} ({refund.currency}) names no order of the checkout",
                    repaired=False,
                )
                continue
            await self.adopt_refund(item, payment, order_id, refund)
        payment.refunded_minor = max(payment.refunded_minor, refunded)
        await item.session.flush()

    async def adopt_refund(self, item: _Item, payment: CardPayment, order_id: uuid.UUID, refund: stripe.Refund) -> None:
        """A refund Stripe made for the order whose answer was lost: recorded, its reversal due."""
        record = await item.payments.card_refund(order_id, for_update=True)
        if record is None:
            record = CardRefund(
                order_id=order_id,
                currency=payment.currency,
                amount_minor=from_stripe(refund.amount, payment.currency),
                reason=metadata_of(refund, "reason") or "dispute",
                attempts=1,
                reversal_attempts=0,
                reversed_minor=0,
            )
            await item.payments.add(record)
        elif record.status is not MoveStatus.pending:
            return
        record.status, record.pending_reason, record.stripe_refund_id = MoveStatus.made, None, refund.id
        record.reversal_status = MoveStatus.pending
        await item.session.flush()
        self.found("unrecorded_refund", order_id, f"Stripe made refund {refund.id}; now recorded")
        await item.service.reverse(order_id)

    async def transfers_at_stripe(self, item: _Item, payment: CardPayment) -> None:
        for transfer in await self.gateway.transfers_of_group(transfer_group(payment.checkout_id)):
            order_id = uuid_or_none(metadata_of(transfer, "order_id"))
            if order_id is None or order_id not in payment.order_ids:
                continue
            if await item.service.adopt_transfer(order_id, transfer, self.fee_percent):
                self.found("unrecorded_transfer", order_id, f"Stripe made transfer {transfer.id}; now recorded")

    async def retry_transfer(self, item: _Item, order_id: uuid.UUID) -> None:
        record = await item.payments.card_transfer(order_id)
        order = await item.orders.get(order_id)
        if record is not None and order is not None:
            account = await item.payments.payout_account(order.producer_organization_id)
            if account is not None and not account.transfers_active:
                await item.service.sync_account(account.stripe_account_id)  # its account.updated may have been missed
        await item.service.transfer(order_id, self.fee_percent)
        self.outcome("transfer", order_id, await item.payments.card_transfer(order_id))

    def outcome(self, kind: str, order_id: uuid.UUID, record: CardTransfer | CardRefund | None) -> None:
        self.tried.add((kind, order_id))
        if record is None:
            return
        if kind == "reversal" and isinstance(record, CardRefund):
            status, reason = record.reversal_status, record.reversal_pending_reason
        else:
            status, reason = record.status, record.pending_reason
        if status is MoveStatus.made:
            self.found(f"{kind}_made", order_id, f"the {kind} was owed and is now made")
        elif status is MoveStatus.pending:
            self.found("still_pending", order_id, f"the {kind} still waits: {reason}", repaired=False)

    # --- PaymentIntents no checkout records -----------------------------------------------------

    async def orphans(self, since: dt.datetime) -> None:
        settle_before = clock.now() - ORPHAN_GRACE
        try:
            candidates = [
                intent
                async for intent in self.gateway.payment_intents_since(int(since.timestamp()))
                if dt.datetime.fromtimestamp(intent.created, dt.UTC) <= settle_before
            ]
        except PaymentProviderError as exc:
            self.found("error", "payment intents", f"Stripe's list could not be read: {exc}", repaired=False)
            return
        async with transaction(self.sessions) as session:
            orphans = [intent for intent in candidates if await _orphaned(session, intent)]
        for done, intent in enumerate(orphans, 1):
            try:
                if not await self.hosted(intent):
                    await self.orphan(intent)
            except PaymentProviderError as exc:
                self.found("error", intent.id, f"orphan payment: {exc}", repaired=False)
            self.report.checked += 1
            self.progress("orphan payments", done, len(orphans))

    async def hosted(self, intent: stripe.PaymentIntent) -> bool:
        """A PaymentIntent that Stripe's hosted payment page made for a checkout, its events missed:
        recorded now as the checkout's payment (its orders paid if it succeeded), not an orphan."""
        async with transaction(self.sessions) as session:
            if not await CardPaymentService(session, self.gateway).adopt_hosted(intent.id):
                return False
        self.found("hosted_payment_recorded", intent.id, "a payment made on Stripe's hosted page is now recorded")
        return True

    async def orphan(self, intent: stripe.PaymentIntent) -> None:
        if intent.status in CANCELLABLE:
            await self.gateway.cancel_payment_intent(intent.id, "duplicate")
            self.found("orphan_payment_cancelled", intent.id, "a PaymentIntent no checkout records was cancelled")
        elif intent.status == "succeeded":
            refunds = await self.gateway.refunds_of(intent.id)
            refunded = sum(refund.amount for refund in refunds if refund.status not in _NOT_REFUNDED)
            if refunded < intent.amount:
                await self.gateway.create_refund(
                    {"payment_intent": intent.id, "amount": intent.amount - refunded, "reason": "duplicate"}
                )
                self.found(
                    "orphan_payment_refunded",
                    intent.id,
                    f"a PaymentIntent no checkout records was paid ({intent.amount} {intent.currency}); refunded",
                )

    # --- money moves still waiting ----------------------------------------------------------------

    async def waiting_moves(self) -> None:
        async with transaction(self.sessions) as session:
            transfers, refunds = await CardRepository(session).waiting_transfers_and_refunds()
        await self.each("pending transfers", self.untried("transfer", transfers), self.retry_transfer)
        await self.each("pending refunds", self.untried("refund", refunds), self.retry_refund)
        # Reversals last: refunds just made are due for one.
        async with transaction(self.sessions) as session:
            reversals = await CardRepository(session).waiting_reversals()
        await self.each("pending reversals", self.untried("reversal", reversals), self.retry_reversal)

    def untried(self, kind: str, order_ids: list[uuid.UUID]) -> list[uuid.UUID]:
        return [order_id for order_id in order_ids if (kind, order_id) not in self.tried]

    async def retry_refund(self, item: _Item, order_id: uuid.UUID) -> None:
        record = await item.payments.card_refund(order_id)
        assert record is not None  # noqa: S101 - listed from the table
        await item.service.refund(order_id, record.amount_minor, record.reason)
        self.outcome("refund", order_id, await item.payments.card_refund(order_id))

    async def retry_reversal(self, item: _Item, order_id: uuid.UUID) -> None:
        await item.service.reverse(order_id)
        self.outcome("reversal", order_id, await item.payments.card_refund(order_id))


async def _orphaned(session: AsyncSession, intent: stripe.PaymentIntent) -> bool:
    """A PaymentIntent made for one of our checkouts that the checkout does not record."""
    checkout_id = uuid_or_none(metadata_of(intent, "checkout_id"))
    if checkout_id is None or await OrderRepository(session).checkout(checkout_id) is None:
        return False  # not ours: another system on the same Stripe account, or another database
    recorded = await PaymentRepository(session).card_payment(checkout_id)
    return recorded is None or recorded.payment_intent_id != intent.id
