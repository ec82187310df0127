"""Disputes: the buyer opens one on a delivered order, both sides write, a coordinator of the
order's hub decides (full or partial refund, or rejection), which completes the order.

A refund is a credit against what was sold, as a credit note is against an invoice: the order
keeps its total and records what was credited (its trade value is the rest); an invoice order's
invoice keeps its amount and asks only the rest (void when nothing is left), a card order's
refund goes back to the card."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, clock
from kernel.auth import Principal
from kernel.errors import Conflict, InvalidInput, NotFound
from kernel.money import Amount
from kernel.outbox import emit
from kernel.pagination import Page, PageParams
from marketplace.card.service import in_proportion
from marketplace.dispute.models import Dispute, DisputeMessage, DisputeOutcome, DisputeStatus
from marketplace.dispute.repository import DisputeRepository
from marketplace.dispute.schemas import (
    DisputeDecided,
    DisputeMessageRead,
    DisputeOpen,
    DisputeRead,
    DisputeReply,
    DisputeResolution,
    DisputeWaiting,
)
from marketplace.events import CardRefundDue, DisputeMessagePosted, DisputeOpened, DisputeResolved
from marketplace.hub.service import HubService
from marketplace.order.models import Order, OrderStatus, Party, PaymentMethod
from marketplace.order.repository import OrderRepository
from marketplace.order.service import NotYourMove, OrderNotFound, OrderService
from marketplace.organization.service import require_verified_email
from marketplace.payment.service import InvoiceService


class DisputeNotFound(NotFound):
    slug = "dispute-not-found"


class DisputeClosed(Conflict):
    slug = "dispute-resolved"


class DisputeExists(Conflict):
    slug = "dispute-exists"


#: Which side a message is written as, when the caller is on more than one.
_VOICE = (Party.buyer, Party.producer, Party.coordinator)


class DisputeService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = DisputeRepository(session)
        self.orders = OrderService(session)

    async def _order(self, principal: Principal, order_id: uuid.UUID) -> tuple[Order, set[Party]]:
        """The order locked for change and the caller's sides of it (404 when it is not theirs)."""
        order = await OrderRepository(self.session).get(order_id, for_update=True)
        parties = await self.orders.parties(principal, order) if order is not None else set()
        if order is None or not parties:
            raise OrderNotFound("no such order")
        return order, parties

    async def _dispute(self, order: Order) -> Dispute:
        dispute = await self.repo.of_order(order.id)
        if dispute is None:
            raise DisputeNotFound("the order has no dispute")
        return dispute

    async def open(self, principal: Principal, order_id: uuid.UUID, data: DisputeOpen) -> DisputeRead:
        """The buyer contests a delivered order (which becomes `disputed`).

        Raises `NotYourMove` (403) for anyone but the buyer, `TransitionNotAllowed` (409)
        unless the order is delivered, `DisputeExists` (409) for a second dispute.
        """
        order, parties = await self._order(principal, order_id)
        require_verified_email(principal)
        if await self.repo.of_order(order.id) is not None:
            raise DisputeExists("the order already has a dispute; add a message to it")
        await self.orders.transition(order, OrderStatus.disputed, parties, principal, note=None)
        dispute = Dispute(
            order_id=order.id,
            opened_by=principal.user_id,
            reason=data.reason,
            status=DisputeStatus.open,
            refund_minor=0,
            currency=order.currency,
        )
        await self.repo.add(dispute)
        message = _message(dispute, principal, Party.buyer, data.message, data.evidence_urls)
        await self.repo.add(message)
        read = _dispute_read(dispute, [message])
        await audit.record(
            self.session,
            principal,
            "dispute.opened",
            object_type="dispute",
            object_id=dispute.id,
            organization_id=order.producer_organization_id,
            hub_id=order.hub_id,
            after=read,
        )
        await emit(
            self.session,
            DisputeOpened(dispute_id=dispute.id, order_id=order.id, hub_id=order.hub_id, reason=data.reason.value),
        )
        return read

    async def read(self, principal: Principal, order_id: uuid.UUID) -> DisputeRead:
        order, _ = await self._order(principal, order_id)
        dispute = await self._dispute(order)
        return _dispute_read(dispute, await self.repo.messages(dispute.id))

    async def read_by_id(self, principal: Principal, dispute_id: uuid.UUID) -> DisputeRead:
        """The dispute by its own id (where the messages about it lead: `/disputes/{id}`), for its
        order's buyer, producer and hub coordinators; `DisputeNotFound` (404) for anyone else."""
        dispute = await self.repo.get(dispute_id)
        if dispute is None:
            raise DisputeNotFound("no such dispute")
        try:
            return await self.read(principal, dispute.order_id)
        except OrderNotFound:
            raise DisputeNotFound("no such dispute") from None

    async def waiting_in_hub(self, principal: Principal, hub_id: uuid.UUID) -> list[DisputeWaiting]:
        """The hub's disputes not decided yet (open or answered), the oldest first, with both
        sides' names: its coordinators' work (one read). `NotACoordinator` (403) for anyone else."""
        await HubService(self.session).require_coordinator(principal, hub_id)
        return [
            DisputeWaiting(
                id=dispute.id,
                order_id=dispute.order_id,
                status=dispute.status,
                reason=dispute.reason,
                buyer_name=buyer_name,
                producer_name=producer_name,
                opened_at=dispute.created_at,
            )
            for dispute, buyer_name, producer_name in await self.repo.waiting_in_hub(hub_id)
        ]

    async def decided_in_hub(self, principal: Principal, hub_id: uuid.UUID, page: PageParams) -> Page[DisputeDecided]:
        """One page of the hub's resolved disputes, the latest decided first, with both sides' names
        and the decision (its coordinators). `NotACoordinator` (403) for anyone else."""
        await HubService(self.session).require_coordinator(principal, hub_id)
        rows, total = await self.repo.decided_in_hub(hub_id, page.offset, page.per_page)
        items = [
            DisputeDecided(
                id=dispute.id,
                order_id=dispute.order_id,
                status=dispute.status,
                reason=dispute.reason,
                buyer_name=buyer_name,
                producer_name=producer_name,
                opened_at=dispute.created_at,
                outcome=dispute.outcome or DisputeOutcome.rejected,
                refund=Amount(amount_minor=dispute.refund_minor, currency=dispute.currency),
                resolved_at=dispute.resolved_at or dispute.updated_at,
            )
            for dispute, buyer_name, producer_name in rows
        ]
        return Page(items=items, page=page.page, per_page=page.per_page, total=total)

    async def reply(self, principal: Principal, order_id: uuid.UUID, data: DisputeReply) -> DisputeRead:
        """Either side (or a coordinator) adds a message; the producer's first one answers the dispute.
        `DisputeMessagePosted` tells the other parties."""
        order, parties = await self._order(principal, order_id)
        require_verified_email(principal)
        dispute = await self._dispute(order)
        if dispute.status is DisputeStatus.resolved:
            raise DisputeClosed("the dispute is resolved; it takes no more messages")
        party = next(p for p in _VOICE if p in parties)
        message = _message(dispute, principal, party, data.message, data.evidence_urls)
        if party is Party.producer and dispute.status is DisputeStatus.open:
            dispute.status = DisputeStatus.answered
        await self.repo.add(message)
        await audit.record(
            self.session,
            principal,
            "dispute.message",
            object_type="dispute",
            object_id=dispute.id,
            organization_id=order.producer_organization_id,
            hub_id=order.hub_id,
            after={"party": party.value, "status": dispute.status.value},
        )
        sides = {Party.buyer: order.buyer_organization_id, Party.producer: order.producer_organization_id}
        await emit(
            self.session,
            DisputeMessagePosted(
                dispute_id=dispute.id,
                order_id=order.id,
                hub_id=order.hub_id,
                message_id=message.id,
                party=party.value,
                author_organization_id=sides.get(party),
            ),
        )
        return _dispute_read(dispute, await self.repo.messages(dispute.id))

    async def resolve(self, principal: Principal, order_id: uuid.UUID, data: DisputeResolution) -> DisputeRead:
        """A coordinator of the order's hub decides; the order is completed, with the refund
        credited on it (its `net_total` is what is left).

        A full refund is the order's total; a partial one names `refund_minor` (more than 0,
        less than the total). For invoice orders the refund is credited on the invoice too
        (an unpaid one asks only the rest, or is void when credited in full; on a paid one the
        producer owes back what the buyer paid beyond the rest); card orders are refunded to the
        card in proportion.
        Raises `NotYourMove` (403) for anyone but a
        coordinator, `DisputeClosed` (409) for a second decision, `InvalidInput` (422)
        for a refund that does not fit the outcome.
        """
        order, parties = await self._order(principal, order_id)
        if Party.coordinator not in parties:
            raise NotYourMove("only a coordinator of the order's hub resolves a dispute")
        require_verified_email(principal)
        dispute = await self._dispute(order)
        if dispute.status is DisputeStatus.resolved:
            raise DisputeClosed(f"the dispute was already resolved ({dispute.outcome})")
        refund = _refund(data, order.total_minor)
        before = _dispute_read(dispute, [])
        order.credited_minor = refund
        await self.orders.transition(order, OrderStatus.completed, {Party.coordinator}, principal, note=data.note)
        if refund and order.payment_method is PaymentMethod.invoice:
            await InvoiceService(self.session).credit(order.id, refund)
        if refund and order.payment_method is PaymentMethod.stripe:
            # The card was charged in the checkout's currency: refund the same share of it.
            await emit(
                self.session,
                CardRefundDue(
                    order_id=order.id,
                    amount_minor=in_proportion(order.display_total_minor, refund, order.total_minor),
                    currency=order.display_currency,
                    reason="dispute",
                ),
            )
        dispute.status = DisputeStatus.resolved
        dispute.outcome = data.outcome
        dispute.refund_minor = refund
        dispute.resolved_by = principal.user_id
        dispute.resolved_at = clock.now()
        await self.repo.add(_message(dispute, principal, Party.coordinator, data.note, []))
        read = _dispute_read(dispute, await self.repo.messages(dispute.id))
        await audit.record(
            self.session,
            principal,
            "dispute.resolved",
            object_type="dispute",
            object_id=dispute.id,
            organization_id=order.producer_organization_id,
            hub_id=order.hub_id,
            before={"status": before.status.value},
            after={"status": read.status.value, "outcome": data.outcome.value, "refund_minor": refund},
        )
        await emit(
            self.session,
            DisputeResolved(
                dispute_id=dispute.id,
                order_id=order.id,
                hub_id=order.hub_id,
                outcome=data.outcome.value,
                refund_minor=refund,
                currency=order.currency,
            ),
        )
        return read


def _refund(data: DisputeResolution, total_minor: int) -> int:
    if data.outcome is DisputeOutcome.partial_refund:
        if data.refund_minor is None or not 0 < data.refund_minor < total_minor:
            raise InvalidInput.field(
                "refund_minor", f"a partial refund is more than 0 and less than the order's total ({total_minor})"
            )
        return data.refund_minor
    if data.refund_minor is not None:
        raise InvalidInput.field("refund_minor", f"only a partial refund names an amount, not {data.outcome.value}")
    return total_minor if data.outcome is DisputeOutcome.full_refund else 0


def _message(dispute: Dispute, principal: Principal, party: Party, body: str, evidence: list[str]) -> DisputeMessage:
    return DisputeMessage(
        dispute_id=dispute.id,
        author_id=principal.user_id,
        party=party.value,
        body=body,
        evidence_urls=list(evidence),
        created_at=clock.now(),
    )


def _dispute_read(dispute: Dispute, messages: list[DisputeMessage]) -> DisputeRead:
    return DisputeRead(
        id=dispute.id,
        order_id=dispute.order_id,
        status=dispute.status,
        reason=dispute.reason,
        outcome=dispute.outcome,
        refund=Amount(amount_minor=dispute.refund_minor, currency=dispute.currency)
        if dispute.status is DisputeStatus.resolved
        else None,
        messages=[
            DisputeMessageRead(
                party=m.party,
                author_id=m.author_id,
                message=m.body,
                evidence_urls=list(m.evidence_urls),
                at=m.created_at,
            )
            for m in messages
        ],
        opened_at=dispute.created_at,
        resolved_at=dispute.resolved_at,
    )
