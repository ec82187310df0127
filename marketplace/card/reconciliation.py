"""Reconciliation: card payments compared with what Stripe has, repaired where they can be.

Webhooks can be missed (an endpoint down for longer than Stripe retries, a Connect secret not
set), answers can be lost, money moves can wait for a producer's account. Run on a schedule and
by `borderhub payments reconcile`, this goes over every card payment of the period and every
money move still waiting, and
- takes each PaymentIntent's status from Stripe (a missed success marks its orders paid);
- records refunds and transfers Stripe made for our orders whose answer was lost, and the
  refunded total of each charge (including refunds made in Stripe's dashboard);
- makes the transfers owed for paid orders that have none, and retries every pending transfer
  (after fetching the producer's account, in case its `account.updated` was missed), refund and
  reversal;
- cancels PaymentIntents of ours that no checkout records (made by an attempt whose answer was
  lost), or refunds them if someone paid one;
and reports what it repaired and what is left for a person (a transfer still refused, a refund
made in the dashboard that names no order).

Each item is checked in a savepoint of the caller's transaction: one that fails is reported and
the others go on.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal

import msgspec
import stripe
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from marketplace.card.repository import CardRepository
from marketplace.card.service import CANCELLABLE, CardPaymentService, metadata_of, transfer_group
from marketplace.order.models import OrderStatus
from marketplace.order.repository import OrderRepository
from marketplace.order.service import OrderService
from marketplace.payment.models import CardPayment, CardRefund, CardTransfer, MoveStatus
from marketplace.payment.repository import PaymentRepository
from marketplace.payment.stripe_currency import from_stripe
from marketplace.payment.stripe_gateway import PaymentProviderError, StripeGateway

_log = structlog.get_logger("borderhub.payment")

#: The scheduled run looks this far back; `borderhub payments reconcile --since` any distance.
RECONCILE_DAYS = 3
#: A PaymentIntent no checkout records may belong to a request still committing: left alone this long.
ORPHAN_GRACE = dt.timedelta(minutes=15)
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


class Finding(msgspec.Struct, frozen=True, kw_only=True):
    kind: str
    """missed_payment_status, orders_paid, unrecorded_refund, unrecorded_transfer, transfer_made,
    refund_made, reversal_made, orphan_payment_cancelled, orphan_payment_refunded (repaired);
    still_pending, dashboard_refund, error (for a person)"""
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
    session: AsyncSession,
    gateway: StripeGateway,
    fee_percent: Decimal,
    *,
    since: dt.datetime,
    progress: Progress | None = None,
) -> ReconciliationReport:
    """Compare card payments since `since` and every waiting money move with Stripe; repair what can be."""
    run = _Run(session, gateway, fee_percent, progress or (lambda step, done, of: None))
    await run.payments(since)
    await run.orphans(since)
    await run.waiting_moves()
    return run.report


class _Run:
    def __init__(self, session: AsyncSession, gateway: StripeGateway, fee_percent: Decimal, progress: Progress) -> None:
        self.session = session
        self.gateway = gateway
        self.fee_percent = fee_percent
        self.progress = progress
        self.service = CardPaymentService(session, gateway)
        self.payments_repo = PaymentRepository(session)
        self.report = ReconciliationReport()
        self.tried: set[tuple[str, uuid.UUID]] = set()
        """Moves already tried in this run (kind, order id): each is tried once per run."""

    def found(self, kind: str, subject: object, detail: str, *, repaired: bool = True) -> None:
        self.report.findings.append(Finding(kind=kind, subject=str(subject), detail=detail, repaired=repaired))

    async def each(self, step: str, items: list[uuid.UUID], check: Callable[[uuid.UUID], Awaitable[None]]) -> None:
        for done, item in enumerate(items, 1):
            try:
                async with self.session.begin_nested():
                    await check(item)
            except Exception as exc:  # noqa: BLE001 - one item's failure is reported, the run goes on
                _log.warning("reconciliation item failed", step=step, item=str(item), error=repr(exc))
                self.found("error", item, f"{step}: {exc}", repaired=False)
            self.report.checked += 1
            self.progress(step, done, len(items))

    # --- card payments of the period ------------------------------------------------------------

    async def payments(self, since: dt.datetime) -> None:
        await self.each("payments", await CardRepository(self.session).payments_to_check(since), self.payment)

    async def payment(self, checkout_id: uuid.UUID) -> None:
        payment = await self.payments_repo.card_payment(checkout_id)
        assert payment is not None  # noqa: S101 - listed from the table
        before = payment.status
        await self.service.sync_payment(payment.payment_intent_id)
        if payment.status != before:
            self.found("missed_payment_status", checkout_id, f"the payment was {before}, Stripe has {payment.status}")
        if payment.status != "succeeded":
            return
        await self.orders_settled(payment)
        await self.refunds_at_stripe(payment)
        await self.transfers_at_stripe(payment)
        await self.transfers_owed(payment)
        await self.refunds_owed(payment)

    async def orders_settled(self, payment: CardPayment) -> None:
        """Orders of a succeeded payment still awaiting it (the job that marks them paid was lost)."""
        waiting = [
            order.id
            for order in await OrderRepository(self.session).by_ids(payment.order_ids)
            if order.status is OrderStatus.pending_payment
        ]
        if waiting:
            await OrderService(self.session).settle_card_payment(waiting)
            self.found(
                "orders_paid", payment.checkout_id, f"{len(waiting)} order(s) of a succeeded payment marked paid"
            )

    async def refunds_at_stripe(self, payment: CardPayment) -> None:
        refunded = 0
        for refund in await self.gateway.refunds_of(payment.payment_intent_id):
            if refund.status in ("failed", "canceled"):
                continue
            refunded += from_stripe(refund.amount, payment.currency)
            order_id = _uuid(metadata_of(refund, "order_id"))
            if order_id is None or order_id not in payment.order_ids:
                if not await self.payments_repo.card_refund_by_stripe_id(refund.id):
                    self.found(
                        "dashboard_refund",
                        payment.checkout_id,
                        f"refund {refund.id} of {refund.amount} ({refund.currency}) names no order of the checkout",
                        repaired=False,
                    )
                continue
            record = await self.payments_repo.card_refund(order_id, for_update=True)
            if record is not None and record.status is MoveStatus.made:
                continue
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
                await self.payments_repo.add(record)
            record.status, record.pending_reason, record.stripe_refund_id = MoveStatus.made, None, refund.id
            record.reversal_status = MoveStatus.pending
            await self.session.flush()
            self.found("unrecorded_refund", order_id, f"Stripe made refund {refund.id}; now recorded")
        payment.refunded_minor = max(payment.refunded_minor, refunded)
        await self.session.flush()

    async def transfers_at_stripe(self, payment: CardPayment) -> None:
        for transfer in await self.gateway.transfers_of_group(transfer_group(payment.checkout_id)):
            order_id = _uuid(metadata_of(transfer, "order_id"))
            if order_id is None or order_id not in payment.order_ids:
                continue
            record = await self.payments_repo.card_transfer(order_id, for_update=True)
            if record is not None and record.status is MoveStatus.pending:
                record.status, record.pending_reason = MoveStatus.made, None
                record.stripe_transfer_id, record.destination = transfer.id, str(transfer.destination)
                await self.session.flush()
                self.found("unrecorded_transfer", order_id, f"Stripe made transfer {transfer.id}; now recorded")

    async def transfers_owed(self, payment: CardPayment) -> None:
        for order in await OrderRepository(self.session).by_ids(payment.order_ids):
            if order.status in _PAID and await self.payments_repo.card_transfer(order.id) is None:
                await self.retry_transfer(order.id)

    async def refunds_owed(self, payment: CardPayment) -> None:
        """Orders cancelled or rejected before or after the payment succeeded, with no refund yet."""
        for order in await OrderRepository(self.session).by_ids(payment.order_ids):
            if order.status in _GIVEN_BACK and await self.payments_repo.card_refund(order.id) is None:
                await self.service.refund(order.id, order.display_total_minor, order.status.value, look_first=True)
                await self.outcome("refund", order.id, await self.payments_repo.card_refund(order.id))

    async def retry_transfer(self, order_id: uuid.UUID) -> None:
        account = await self.inactive_account(order_id)
        if account is not None:
            await self.service.sync_account(account)  # its account.updated may have been missed
        await self.service.transfer(order_id, self.fee_percent, look_first=True)
        await self.outcome("transfer", order_id, await self.payments_repo.card_transfer(order_id))

    async def inactive_account(self, order_id: uuid.UUID) -> str | None:
        """The Stripe id of the order's producer's account, if we believe it cannot take transfers."""
        order = await OrderRepository(self.session).get(order_id)
        if order is None:
            return None
        account = await self.payments_repo.payout_account(order.producer_organization_id)
        return None if account is None or account.transfers_active else account.stripe_account_id

    async def outcome(self, kind: str, order_id: uuid.UUID, record: CardTransfer | CardRefund | None) -> None:
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
        orphans: list[stripe.PaymentIntent] = []
        async for intent in self.gateway.payment_intents_since(int(since.timestamp())):
            checkout_id = _uuid(metadata_of(intent, "checkout_id"))
            if checkout_id is None or dt.datetime.fromtimestamp(intent.created, dt.UTC) > settle_before:
                continue
            recorded = await self.payments_repo.card_payment(checkout_id)
            if recorded is None or recorded.payment_intent_id != intent.id:
                orphans.append(intent)
        for done, intent in enumerate(orphans, 1):
            try:
                await self.orphan(intent)
            except PaymentProviderError as exc:
                self.found("error", intent.id, f"orphan payment: {exc}", repaired=False)
            self.report.checked += 1
            self.progress("orphan payments", done, len(orphans))

    async def orphan(self, intent: stripe.PaymentIntent) -> None:
        if intent.status in CANCELLABLE:
            await self.gateway.cancel_payment_intent(intent.id, "duplicate")
            self.found("orphan_payment_cancelled", intent.id, "a PaymentIntent no checkout records was cancelled")
        elif intent.status == "succeeded":
            refunded = sum(r.amount for r in await self.gateway.refunds_of(intent.id) if r.status != "failed")
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
        cards = CardRepository(self.session)
        transfers, refunds, _ = await cards.waiting_moves()
        await self.each("pending transfers", self.untried("transfer", transfers), self.retry_transfer)
        await self.each("pending refunds", self.untried("refund", refunds), self.retry_refund)
        # Reversals last: refunds just made are due for one.
        _, _, reversals = await cards.waiting_moves()
        await self.each("pending reversals", self.untried("reversal", reversals), self.retry_reversal)

    def untried(self, kind: str, order_ids: list[uuid.UUID]) -> list[uuid.UUID]:
        return [order_id for order_id in order_ids if (kind, order_id) not in self.tried]

    async def retry_refund(self, order_id: uuid.UUID) -> None:
        record = await self.payments_repo.card_refund(order_id)
        assert record is not None  # noqa: S101 - listed from the table
        await self.service.refund(order_id, record.amount_minor, record.reason, look_first=True)
        await self.outcome("refund", order_id, await self.payments_repo.card_refund(order_id))

    async def retry_reversal(self, order_id: uuid.UUID) -> None:
        await self.service.reverse(order_id, look_first=True)
        await self.outcome("reversal", order_id, await self.payments_repo.card_refund(order_id))


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
