"""Who is told of each procurement event, and what: one teller per event, subscribed to the outbox.

A teller decides the kinds of message an event makes (each a template in the marketplace's one
message catalog, `marketplace/mail/templates/<kind>.jinja`), whom each is for and the values it
shows. The audience is always the organisations the event concerns (every member of each) or the
hub's coordinators, never anyone else:

- PoolOpened: the hub's buying organisations (`pool_opened`);
- PoolClosed, PoolFailed: the buyers with a commitment in the pool (`pool_closed`, `pool_failed`);
- TenderPublished: the producers the tender alerts, by `procurement.notice.rules` (`tender_published`);
- TenderAmended: those alerted, and the bidders so far (`tender_amended`);
- TenderCancelled: the bidders, those alerted and the pool's buyers (`tender_cancelled`);
- BidsOpened, AwardProposed: the hub's coordinators (`bids_opened`, `award_proposed`);
- TenderAwarded: each winner what it won (`tender_awarded_winner`), each other bidder that it won
  nothing (`tender_awarded_loser`), each of the pool's buyers what it receives and the orders placed
  for it (`tender_awarded_buyer`);
- TenderUnsuccessful: the pool's buyers, the bidders and, if there were bids, the hub's coordinators
  (`tender_unsuccessful`).

Each organisation gets its own message (the item's title in its language, its own figures), so
no message shows one organisation what is another's: no bidder learns another's prices, and
nothing about a bid is told before the deadline opens them all (a bidder is told only that its
own bid stands).

Delivered after the fact, a message is sent only while it is still news: an opened pool while it
is open, a published or amended tender while it takes bids (a cancellation or the deadline tells
the rest). Anything that ends something is always told.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.money import from_minor, line_total
from kernel.outbox import Subscriber
from marketplace.api import (
    Audience,
    InLanguages,
    Notice,
    Notifier,
    TradingParty,
    hub_members,
    hub_summary,
    listed_goods,
    telling,
    trading_parties,
)
from procurement.award.models import Allocation
from procurement.award.repository import AwardRepository
from procurement.bid.repository import BidRepository
from procurement.events import (
    AwardProposed,
    BidsOpened,
    PoolClosed,
    PoolFailed,
    PoolOpened,
    TenderAmended,
    TenderAwarded,
    TenderCancelled,
    TenderPublished,
    TenderUnsuccessful,
)
from procurement.notice.rules import family_prefix, ships_into
from procurement.pool.models import Commitment, DemandPool, PoolStatus
from procurement.pool.repository import PoolRepository
from procurement.tender.models import Lot, Tender, TenderStatus
from procurement.tender.repository import TenderRepository

Teller = Callable[[AsyncSession, Any, uuid.UUID], Awaitable[list[Notice]]]


def subscribers(notifier: Notifier) -> list[Subscriber]:
    """One `notify_on_<Event>` subscriber per procurement event somebody is told of: one notice per
    organisation told (its own figures, its language)."""
    return [telling(notifier, event_type, teller) for event_type, teller in tellers(notifier).items()]


def tellers(notifier: Notifier) -> dict[type[Any], Teller]:
    """Event type -> what to tell whom (an empty list: nobody, this time)."""

    async def awarded(session: AsyncSession, event: TenderAwarded, event_id: uuid.UUID) -> list[Notice]:
        return await tender_awarded(session, event, event_id, notifier.url)

    return {
        PoolOpened: pool_opened,
        PoolClosed: pool_closed,
        PoolFailed: pool_failed,
        TenderPublished: tender_published,
        TenderAmended: tender_amended,
        TenderCancelled: tender_cancelled,
        BidsOpened: bids_opened,
        AwardProposed: award_proposed,
        TenderAwarded: awarded,
        TenderUnsuccessful: tender_unsuccessful,
    }


#: The kinds of message each event's teller may send.
KINDS: dict[type[Any], tuple[str, ...]] = {
    PoolOpened: ("pool_opened",),
    PoolClosed: ("pool_closed",),
    PoolFailed: ("pool_failed",),
    TenderPublished: ("tender_published",),
    TenderAmended: ("tender_amended",),
    TenderCancelled: ("tender_cancelled",),
    BidsOpened: ("bids_opened",),
    AwardProposed: ("award_proposed",),
    TenderAwarded: ("tender_awarded_winner", "tender_awarded_loser", "tender_awarded_buyer"),
    TenderUnsuccessful: ("tender_unsuccessful",),
}


# --- pools ------------------------------------------------------------------------------------


async def pool_opened(session: AsyncSession, event: PoolOpened, event_id: uuid.UUID) -> list[Notice]:
    """Every buying organisation admitted to the hub (buyers and both), while the pool is open."""
    repo = PoolRepository(session)
    pool = await repo.get(event.pool_id)
    if pool is None or pool.status is not PoolStatus.open:
        return []  # closed before anyone could be told: there is nothing to commit to
    hub = await hub_summary(session, event.hub_id)
    points = await repo.delivery_points(pool.id)
    shared = {
        "hub_name": hub.name,
        "points": ", ".join(point.name for point in points),
        "opens_at": pool.opens_at.isoformat(),
        "closes_at": pool.closes_at.isoformat(),
        "unit": pool.unit,
        "currency": pool.currency,
        "reserve_unit_price_minor": pool.reserve_unit_price_minor,
        "minimum_total_quantity": _quantity(pool.minimum_total_quantity),
    }
    buyers = await _parties(session, event.hub_id, await hub_members(session, event.hub_id, as_="buyer"))
    return [
        _to_organization("pool_opened", event_id, party, {**shared, "title": _title(pool, party)}, _pool_page(pool))
        for party in buyers
    ]


async def pool_closed(session: AsyncSession, event: PoolClosed, event_id: uuid.UUID) -> list[Notice]:
    """The buyers with a commitment: which of theirs are now binding."""
    return await _pool_ended(session, "pool_closed", event.pool_id, event.hub_id, event.participant_ids, event_id)


async def pool_failed(session: AsyncSession, event: PoolFailed, event_id: uuid.UUID) -> list[Notice]:
    """The buyers with a commitment: nothing is binding."""
    return await _pool_ended(
        session,
        "pool_failed",
        event.pool_id,
        event.hub_id,
        event.participant_ids,
        event_id,
        minimum_total_quantity=event.minimum_total_quantity,
    )


async def _pool_ended(
    session: AsyncSession,
    kind: str,
    pool_id: uuid.UUID,
    hub_id: uuid.UUID,
    participant_ids: Sequence[uuid.UUID],
    event_id: uuid.UUID,
    **extra: Any,
) -> list[Notice]:
    repo = PoolRepository(session)
    pool = await repo.get(pool_id)
    if pool is None or not participant_ids:
        return []
    hub = await hub_summary(session, hub_id)
    points = {point.id: point.name for point in await repo.delivery_points(pool.id)}
    active = [c for c in await repo.commitments(pool.id, None) if c.active]
    total = sum((c.quantity for c in active), Decimal(0))
    notices = []
    for party in await _parties(session, hub_id, participant_ids):
        own = [
            {
                "quantity": _quantity(c.quantity),
                "point": points[c.delivery_point_id],
                "needed_by": c.needed_by.isoformat(),
            }
            for c in active
            if c.organization_id == party.organization_id
        ]
        context = {
            "hub_name": hub.name,
            "title": _title(pool, party),
            "unit": pool.unit,
            "total_quantity": _quantity(total),
            "commitments": own,
            **extra,
        }
        notices.append(_to_organization(kind, event_id, party, context, _pool_page(pool)))
    return notices


# --- tenders ----------------------------------------------------------------------------------


async def alerted_producers(
    session: AsyncSession, tender: Tender, pool: DemandPool, lots: Sequence[Lot]
) -> set[uuid.UUID]:
    """The producers the tender alerts: admitted to its hub, with an active listing of the tender's
    classification family that ships into one of its lots' jurisdictions (`procurement.notice.rules`)."""
    prefix = family_prefix(pool.classification_scheme, pool.classification_code)
    places = {lot.jurisdiction for lot in lots}
    goods = await listed_goods(session, tender.hub_id, pool.classification_scheme, prefix)
    return {item.organization_id for item in goods if ships_into(item.ships_to, places)}


async def tender_published(session: AsyncSession, event: TenderPublished, event_id: uuid.UUID) -> list[Notice]:
    """The supplier alert: each producer the tender alerts, while it takes bids."""
    found = await _tender(session, event.tender_id, TenderStatus.published)
    if found is None:
        return []
    tender, pool, lots = found
    shared = await _tender_context(session, tender, pool, lots)
    return [
        _to_organization(
            "tender_published", event_id, party, {**shared, "title": _title(pool, party)}, _tender_page(tender)
        )
        for party in await _parties(session, tender.hub_id, await alerted_producers(session, tender, pool, lots))
    ]


async def tender_amended(session: AsyncSession, event: TenderAmended, event_id: uuid.UUID) -> list[Notice]:
    """Those the tender alerts and those who bid so far, while it takes bids: what changed, the
    deadline now in force, and (to a bidder) that its bid stands as it was."""
    found = await _tender(session, event.tender_id, TenderStatus.published)
    if found is None:
        return []
    tender, pool, lots = found
    amendment = next(
        (a for a in await TenderRepository(session).amendments(tender.id) if a.number == event.amendment), None
    )
    shared = {
        **await _tender_context(session, tender, pool, lots),
        "amendment": event.amendment,
        "rationale": amendment.rationale if amendment else "",
        "changed": [change["field"] for change in amendment.changes] if amendment else [],
        "material": event.material,
        "bid_deadline": event.bid_deadline.isoformat(),
    }
    bidders = set(event.bidder_ids)
    told = bidders | await alerted_producers(session, tender, pool, lots)
    return [
        _to_organization(
            "tender_amended",
            event_id,
            party,
            {**shared, "title": _title(pool, party), "has_bid": party.organization_id in bidders},
            _tender_page(tender),
        )
        for party in await _parties(session, tender.hub_id, told)
    ]


async def tender_cancelled(session: AsyncSession, event: TenderCancelled, event_id: uuid.UUID) -> list[Notice]:
    """Its bidders (their bids will never be opened), the other producers it alerts (no bids are
    taken any more) and the buyers whose demand it pooled (nothing is ordered)."""
    found = await _tender(session, event.tender_id, None)
    if found is None:
        return []
    tender, pool, lots = found
    hub = await hub_summary(session, tender.hub_id)
    bidders = set(event.bidder_ids)
    buyers = set(await PoolRepository(session).participants(pool.id))
    alerted = await alerted_producers(session, tender, pool, lots)
    notices = []
    for party in await _parties(session, tender.hub_id, bidders | buyers | alerted):
        organization = party.organization_id
        # A producer that also buys is told as what concerns it most: its bid first.
        role = "bidder" if organization in bidders else "buyer" if organization in buyers else "supplier"
        context = {"hub_name": hub.name, "title": _title(pool, party), "reason": event.reason, "role": role}
        notices.append(_to_organization("tender_cancelled", event_id, party, context, _tender_page(tender)))
    return notices


# --- evaluation and award -----------------------------------------------------------------------


async def bids_opened(session: AsyncSession, event: BidsOpened, event_id: uuid.UUID) -> list[Notice]:
    """The hub's coordinators: how many bids were opened (public from now on) and that the evaluation runs."""
    found = await _tender(session, event.tender_id, None)
    if found is None:
        return []
    tender, pool, _ = found
    context = {"title": await _coordinators_title(session, tender, pool), "bid_count": event.bid_count}
    return [_to_coordinators("bids_opened", event_id, tender, context)]


async def award_proposed(session: AsyncSession, event: AwardProposed, event_id: uuid.UUID) -> list[Notice]:
    """The hub's coordinators: an award waits for their decision (and what the proposal could not do)."""
    found = await _tender(session, event.tender_id, None)
    if found is None:
        return []
    tender, pool, _ = found
    shortfall = Decimal(event.shortfall)
    context = {
        "title": await _coordinators_title(session, tender, pool),
        "unit": pool.unit,
        "optimal": event.optimal,
        "shortfall": _quantity(shortfall) if shortfall > 0 else None,
    }
    return [_to_coordinators("award_proposed", event_id, tender, context)]


async def tender_unsuccessful(session: AsyncSession, event: TenderUnsuccessful, event_id: uuid.UUID) -> list[Notice]:
    """The pool's buyers, the bidders and (if there were any) the hub's coordinators: nothing is
    awarded. Why, in general words only: the reasons recorded name what each bidder lacked, which
    is no other bidder's business."""
    found = await _tender(session, event.tender_id, None)
    if found is None:
        return []
    tender, pool, _ = found
    hub = await hub_summary(session, tender.hub_id)
    shared = {"hub_name": hub.name, "no_bids": not event.bidder_ids}
    bidders = set(event.bidder_ids)
    notices = [
        _to_organization(
            "tender_unsuccessful",
            event_id,
            party,
            {
                **shared,
                "title": _title(pool, party),
                "role": "bidder" if party.organization_id in bidders else "buyer",
            },
            _tender_page(tender),
        )
        for party in await _parties(session, tender.hub_id, bidders | set(event.buyer_ids))
    ]
    if bidders:  # with no bid at all, the coordinators heard it when the bids were opened
        coordinators = {**shared, "title": await _coordinators_title(session, tender, pool), "role": "coordinator"}
        notices.append(_to_coordinators("tender_unsuccessful", event_id, tender, coordinators))
    return notices


async def tender_awarded(
    session: AsyncSession, event: TenderAwarded, event_id: uuid.UUID, url: Callable[[str], str]
) -> list[Notice]:
    """Each winner what it won (its own prices), each bidder that won nothing only that, and each of
    the pool's buyers what it receives per delivery point and the orders placed for it (`url` makes
    each order's address)."""
    found = await _tender(session, event.tender_id, None)
    if found is None:
        return []
    tender, pool, lots = found
    awards = AwardRepository(session)
    won = await awards.priced_final_lines(tender.id)
    allocations = await awards.allocations(tender.id)
    bidders = {bid.organization_id for bid in await BidRepository(session).submitted(tender.id)}
    commitments = [c for c in await PoolRepository(session).commitments(pool.id, None) if c.active]
    buyers = {c.organization_id for c in commitments} | {a.buyer_organization_id for a in allocations}
    told = bidders | buyers | {a.supplier_organization_id for a in allocations} | {row[2] for row in won}
    award = _Award(
        tender=tender,
        pool=pool,
        lots={lot.id: lot for lot in lots},
        parties={party.organization_id: party for party in await _parties(session, tender.hub_id, told)},
        shared={"hub_name": (await hub_summary(session, tender.hub_id)).name, "unit": pool.unit},
        event_id=event_id,
    )
    losers = [
        award.notice("tender_awarded_loser", organization_id, {}, _tender_page(tender))
        for organization_id in sorted(bidders - {row[2] for row in won})
    ]
    return _winners(award, won, allocations) + losers + _buyers(award, sorted(buyers), commitments, allocations, url)


@dataclass(frozen=True)
class _Award:
    """What every message of one award shows alike."""

    tender: Tender
    pool: DemandPool
    lots: dict[uuid.UUID, Lot]
    parties: dict[uuid.UUID, TradingParty]
    shared: dict[str, Any]
    event_id: uuid.UUID

    def notice(self, kind: str, organization_id: uuid.UUID, context: dict[str, Any], link: str) -> Notice:
        party = self.parties[organization_id]
        values = {**self.shared, "title": _title(self.pool, party), **context}
        return _to_organization(kind, self.event_id, party, values, link)


def _winners(award: _Award, won: Sequence[Sequence[Any]], allocations: Sequence[Allocation]) -> list[Notice]:
    """Per winner: the lots it won, at its own prices, and how many orders were placed with it."""
    lots_won: dict[uuid.UUID, list[dict[str, Any]]] = defaultdict(list)
    for lot_id, _, organization_id, quantity, unit_price_minor, currency in won:
        lot = award.lots[lot_id]
        lots_won[organization_id].append(
            {
                "number": lot.number,
                "name": lot.name,
                "quantity": _quantity(quantity),
                "unit_price_minor": unit_price_minor,
                "currency": currency,
                "total_minor": _total_minor(unit_price_minor, quantity, currency),
            }
        )
    orders_with: dict[uuid.UUID, set[uuid.UUID]] = defaultdict(set)
    for allocation in allocations:
        orders_with[allocation.supplier_organization_id].add(allocation.order_id)
    return [
        award.notice(
            "tender_awarded_winner",
            organization_id,
            {"lots": sorted(lots, key=lambda lot: lot["number"]), "order_count": len(orders_with[organization_id])},
            _tender_page(award.tender),
        )
        for organization_id, lots in sorted(lots_won.items())
    ]


def _buyers(
    award: _Award,
    buyers: Sequence[uuid.UUID],
    commitments: Sequence[Commitment],
    allocations: Sequence[Allocation],
    url: Callable[[str], str],
) -> list[Notice]:
    """Per buyer: what it committed and received at each delivery point, and each order placed for
    it. The message leads to its order when there is one, else to the tender."""
    committed: dict[uuid.UUID, dict[uuid.UUID, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    for commitment in commitments:
        committed[commitment.organization_id][commitment.delivery_point_id] += commitment.quantity
    received: dict[uuid.UUID, list[Allocation]] = defaultdict(list)
    for allocation in allocations:
        received[allocation.buyer_organization_id].append(allocation)
    notices = []
    for organization_id in buyers:
        own = received[organization_id]
        points = committed[organization_id]
        listed = [a.listed_total_minor for a in own]
        context = {
            "lots": [
                {
                    "name": lot.name,
                    "committed": _quantity(points[lot.delivery_point_id]),
                    "allocated": _quantity(sum((a.quantity for a in own if a.lot_id == lot.id), Decimal(0))),
                }
                for lot in award.lots.values()
                if points.get(lot.delivery_point_id)
            ],
            "orders": [
                {
                    "quantity": _quantity(a.quantity),
                    "supplier": award.parties[a.supplier_organization_id].name,
                    "point": award.lots[a.lot_id].name,
                    "total_minor": _total_minor(a.unit_price_minor, a.quantity, a.currency),
                    "currency": a.currency,
                    "url": url(_order_page(a.order_id)),
                }
                for a in own
            ],
            "currency": award.pool.currency,
            "pooled_total_minor": sum(a.pooled_total_minor for a in own),
            # Savings only where every unit had a listed price to compare with.
            "listed_total_minor": sum(v for v in listed if v is not None) if own and None not in listed else None,
        }
        link = _order_page(own[0].order_id) if len(own) == 1 else _tender_page(award.tender)
        notices.append(award.notice("tender_awarded_buyer", organization_id, context, link))
    return notices


# --- helpers ----------------------------------------------------------------------------------


def _pool_page(pool: DemandPool) -> str:
    return f"/pools/{pool.id}"


def _tender_page(tender: Tender) -> str:
    return f"/tenders/{tender.id}"


def _award_page(tender: Tender) -> str:
    return f"/hubs/{tender.hub_id}/tenders/{tender.id}/award"


def _order_page(order_id: uuid.UUID) -> str:
    return f"/orders/{order_id}"


def _scoped(event_id: uuid.UUID, kind: str, scope: uuid.UUID) -> uuid.UUID:
    """The id a notice is written under: one per event, kind and audience, so that a person told
    twice of one event (a member of two organisations it concerns) keeps both messages, and a
    redelivered event writes neither again."""
    return uuid.uuid5(event_id, f"{kind}:{scope}")


def _to_organization(kind: str, event_id: uuid.UUID, party: TradingParty, context: dict[str, Any], link: str) -> Notice:
    return Notice(
        kind=kind,
        event_id=_scoped(event_id, kind, party.organization_id),
        audience=Audience(organizations=[party.organization_id]),
        context={**context, "organization_name": party.name},
        link=link,
    )


def _to_coordinators(kind: str, event_id: uuid.UUID, tender: Tender, context: dict[str, Any]) -> Notice:
    return Notice(
        kind=kind,
        event_id=_scoped(event_id, kind, tender.hub_id),
        audience=Audience(coordinators_of=[tender.hub_id]),
        context=context,
        link=_award_page(tender),
    )


async def _parties(
    session: AsyncSession, hub_id: uuid.UUID, organization_ids: Collection[uuid.UUID]
) -> list[TradingParty]:
    return await trading_parties(session, hub_id, sorted(set(organization_ids)))


def _title(pool: DemandPool, party: TradingParty) -> InLanguages:
    """The item's title in each reader's language where the pool has it, else in the organisation's (as
    its orders show it)."""
    return _titles(pool, pool.language_for(party.languages))


def _titles(pool: DemandPool, fallback: str) -> InLanguages:
    return InLanguages({tag: text["title"] for tag, text in pool.translations.items()}, fallback)


async def _coordinators_title(session: AsyncSession, tender: Tender, pool: DemandPool) -> InLanguages:
    return _titles(pool, pool.language_for((await hub_summary(session, tender.hub_id)).languages))


async def _tender(
    session: AsyncSession, tender_id: uuid.UUID, status: TenderStatus | None
) -> tuple[Tender, DemandPool, list[Lot]] | None:
    """The tender, its pool and lots; None when it is gone or (given `status`) no longer in it."""
    repo = TenderRepository(session)
    tender = await repo.get(tender_id)
    if tender is None or (status is not None and tender.status is not status):
        return None
    return tender, await PoolRepository(session).of_tender(tender.pool_id), await repo.lots(tender.id)


async def _tender_context(
    session: AsyncSession, tender: Tender, pool: DemandPool, lots: Sequence[Lot]
) -> dict[str, Any]:
    hub = await hub_summary(session, tender.hub_id)
    return {
        "hub_name": hub.name,
        "unit": pool.unit,
        "lots": [{"number": lot.number, "name": lot.name, "quantity": _quantity(lot.quantity)} for lot in lots],
        "bid_deadline": tender.bid_deadline.isoformat(),
        "credential_types": list(tender.required_credential_types),
    }


def _quantity(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _total_minor(unit_price_minor: int, quantity: Decimal, currency: str) -> int:
    """What `quantity` costs at the unit price, as the order placed for it totals it."""
    return line_total(from_minor(unit_price_minor, currency), quantity, currency).amount_minor
