"""A dispute as the pages show it, to the order's buyer and producer (`web.disputes`) and to its hub's
coordinators (`web.hub_disputes`) alike: the reason and each side in words, both organisations by
name, and where the dispute stands in a sentence with the money in currency units. The thread itself
is `disputes/_thread.jinja`, which both pages include."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.api import trading_parties
from marketplace.dispute.models import DisputeOutcome, DisputeReason, DisputeStatus
from marketplace.dispute.schemas import DisputeRead
from marketplace.order.models import Party
from marketplace.order.schemas import OrderRead
from web.page import Reader


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


REASONS = {
    DisputeReason.damaged: _("The goods arrived damaged"),
    DisputeReason.wrong_goods: _("Other goods than ordered arrived"),
    DisputeReason.short_quantity: _("Less arrived than ordered"),
    DisputeReason.quality: _("The quality is not as described"),
    DisputeReason.late: _("The goods arrived too late"),
    DisputeReason.other: _("Something else"),
}
PARTIES = {
    Party.buyer: _("Buyer"),
    Party.producer: _("Producer"),
    Party.coordinator: _("Hub coordinator"),
}


async def party_names(db_session: AsyncSession, order: OrderRead) -> dict[str, str]:
    """The buyer's and the producer's names, by side."""
    parties = await trading_parties(
        db_session, order.hub_id, sorted({order.buyer_organization_id, order.producer_organization_id})
    )
    by_id = {party.organization_id: party.name for party in parties}
    return {
        Party.buyer.value: by_id.get(order.buyer_organization_id, ""),
        Party.producer.value: by_id.get(order.producer_organization_id, ""),
    }


def side_names(reader: Reader) -> dict[str, str]:
    """Each side of a dispute (who wrote a message), in the reader's language."""
    return {party.value: reader.gettext(said) for party, said in PARTIES.items()}


def dispute_state(reader: Reader, dispute: DisputeRead, order: OrderRead) -> str:
    """Where the dispute stands, in a sentence."""
    f = reader.formats
    if dispute.status is DisputeStatus.open:
        return reader.gettext("Open: waiting for the producer's answer.")
    if dispute.status is DisputeStatus.answered:
        return reader.gettext("Answered by the producer: waiting for the decision of the hub's coordinators.")
    decided = {"date": f.datetime(dispute.resolved_at) if dispute.resolved_at else ""}
    refund = dispute.refund.amount_minor if dispute.refund else 0
    currency = dispute.refund.currency if dispute.refund else order.total.currency
    if dispute.outcome is DisputeOutcome.full_refund:
        return reader.gettext("Resolved on %(date)s: the full amount of %(amount)s is refunded.") % {
            **decided,
            "amount": f.money(refund, currency),
        }
    if dispute.outcome is DisputeOutcome.partial_refund:
        return reader.gettext("Resolved on %(date)s: %(amount)s of %(total)s is refunded.") % {
            **decided,
            "amount": f.money(refund, currency),
            "total": f.money(order.total.amount_minor, order.total.currency),
        }
    return reader.gettext("Resolved on %(date)s: the dispute is rejected and nothing is refunded.") % decided
