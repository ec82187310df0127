"""SQL of card payments that reads orders and payment records together (money moves due, attention lists)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.order.models import Checkout, Order
from marketplace.organization.models import Organization
from marketplace.payment.models import CardPayment, CardRefund, CardTransfer, MoveStatus


class PendingMove(NamedTuple):
    """A money move that waits, as a coordinator sees it."""

    kind: str
    """transfer_pending, refund_pending, refund_failed or reversal_pending."""
    order_id: uuid.UUID
    checkout_id: uuid.UUID
    producer_organization_id: uuid.UUID
    currency: str
    amount_minor: int
    reason: str | None
    attempts: int
    since: dt.datetime
    producer_name: str


class OpenChargeback(NamedTuple):
    checkout_id: uuid.UUID
    chargeback_id: str
    reason: str | None
    status: str | None
    currency: str
    amount_minor: int
    since: dt.datetime
    buyer_name: str


#: Stripe's dispute statuses that still wait for an answer or a decision.
OPEN_CHARGEBACK = ("warning_needs_response", "warning_under_review", "needs_response", "under_review")


class CardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def pending_transfers_to(self, producer_organization_id: uuid.UUID) -> list[uuid.UUID]:
        """Orders of the producer whose transfer waits."""
        rows = await self.session.execute(
            select(CardTransfer.order_id)
            .join(Order, Order.id == CardTransfer.order_id)
            .where(
                Order.producer_organization_id == producer_organization_id, CardTransfer.status == MoveStatus.pending
            )
            .order_by(CardTransfer.order_id)
        )
        return list(rows.scalars())

    async def transfers_to(
        self, producer_organization_id: uuid.UUID
    ) -> list[tuple[CardTransfer, CardRefund | None, str]]:
        """The producer's transfers (newest first), each with its order's refund if there is one and
        the name of its order's buyer."""
        rows = await self.session.execute(
            select(CardTransfer, CardRefund, Organization.legal_name)
            .join(Order, Order.id == CardTransfer.order_id)
            .join(Organization, Organization.id == Order.buyer_organization_id)
            .outerjoin(CardRefund, CardRefund.order_id == CardTransfer.order_id)
            .where(Order.producer_organization_id == producer_organization_id)
            .order_by(CardTransfer.created_at.desc(), CardTransfer.order_id)
        )
        return [(transfer, refund, buyer) for transfer, refund, buyer in rows.all()]

    async def waiting_transfers_and_refunds(self) -> tuple[list[uuid.UUID], list[uuid.UUID]]:
        """Order ids whose transfer waits, and those whose refund waits."""
        transfers = await self.session.execute(
            select(CardTransfer.order_id)
            .where(CardTransfer.status == MoveStatus.pending)
            .order_by(CardTransfer.order_id)
        )
        refunds = await self.session.execute(
            select(CardRefund.order_id).where(CardRefund.status == MoveStatus.pending).order_by(CardRefund.order_id)
        )
        return list(transfers.scalars()), list(refunds.scalars())

    async def waiting_reversals(self) -> list[uuid.UUID]:
        """Order ids whose refund's reversal waits."""
        rows = await self.session.execute(
            select(CardRefund.order_id)
            .where(CardRefund.reversal_status == MoveStatus.pending)
            .order_by(CardRefund.order_id)
        )
        return list(rows.scalars())

    async def payments_to_check(self, since: dt.datetime) -> list[uuid.UUID]:
        """Checkouts whose card payment was started since `since`, or is not settled yet."""
        rows = await self.session.execute(
            select(CardPayment.checkout_id)
            .where(
                or_(
                    CardPayment.created_at >= since,
                    CardPayment.status.not_in(("succeeded", "canceled")),
                    CardPayment.settlement_amount_minor.is_(None) & (CardPayment.status == "succeeded"),
                )
            )
            .order_by(CardPayment.created_at)
        )
        return list(rows.scalars())

    async def pending_moves_of_hub(self, hub_id: uuid.UUID) -> list[PendingMove]:
        transfers = await self.session.execute(
            select(CardTransfer, Order, Organization.legal_name)
            .join(Order, Order.id == CardTransfer.order_id)
            .join(Organization, Organization.id == Order.producer_organization_id)
            .where(Order.hub_id == hub_id, CardTransfer.status == MoveStatus.pending)
        )
        refunds = await self.session.execute(
            select(CardRefund, Order, Organization.legal_name)
            .join(Order, Order.id == CardRefund.order_id)
            .join(Organization, Organization.id == Order.producer_organization_id)
            .where(
                Order.hub_id == hub_id,
                or_(
                    CardRefund.status.in_((MoveStatus.pending, MoveStatus.failed)),
                    CardRefund.reversal_status == MoveStatus.pending,
                ),
            )
        )
        moves = [
            PendingMove(
                "transfer_pending",
                order.id,
                order.checkout_id,
                order.producer_organization_id,
                transfer.currency,
                transfer.amount_minor,
                transfer.pending_reason,
                transfer.attempts,
                transfer.created_at,
                producer_name,
            )
            for transfer, order, producer_name in transfers.all()
        ]
        for refund, order, producer_name in refunds.all():
            if refund.status is not MoveStatus.made:
                kind, reason, attempts = f"refund_{refund.status.value}", refund.pending_reason, refund.attempts
            else:
                kind, reason, attempts = "reversal_pending", refund.reversal_pending_reason, refund.reversal_attempts
            moves.append(
                PendingMove(
                    kind,
                    order.id,
                    order.checkout_id,
                    order.producer_organization_id,
                    refund.currency,
                    refund.amount_minor,
                    reason,
                    attempts,
                    refund.created_at,
                    producer_name,
                )
            )
        return sorted(moves, key=lambda move: (move.since, move.order_id))

    async def open_chargebacks_of_hub(self, hub_id: uuid.UUID) -> list[OpenChargeback]:
        checkout_ids = select(Order.checkout_id).where(Order.hub_id == hub_id)
        rows = await self.session.execute(
            select(CardPayment, Organization.legal_name)
            .join(Checkout, Checkout.id == CardPayment.checkout_id)
            .join(Organization, Organization.id == Checkout.buyer_organization_id)
            .where(
                CardPayment.checkout_id.in_(checkout_ids),
                CardPayment.chargeback_id.is_not(None),
                CardPayment.chargeback_status.in_(OPEN_CHARGEBACK),
            )
            .order_by(CardPayment.updated_at)
        )
        return [
            OpenChargeback(
                payment.checkout_id,
                payment.chargeback_id or "",
                payment.chargeback_reason,
                payment.chargeback_status,
                payment.currency,
                payment.amount_minor,
                payment.updated_at,
                buyer_name,
            )
            for payment, buyer_name in rows.all()
        ]
