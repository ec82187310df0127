"""OCDS publication: releases written with the change they describe; packages, feed and records read them.

Releases are immutable and public. Records are compiled with `ocdsmerge`, whose merge rules
come from the OCDS release schema named by the `OCDS_RELEASE_SCHEMA` setting (a URL or a
file), loaded once per process.

Tenders and awards do not call into this module: a release is written as an in-transaction
reaction (`kernel.outbox.reaction`, registered by `procurement.wiring` from `reactions()`) to
the event that announces the change, so it commits or rolls back with the change.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import ocdsmerge
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.clock import now
from kernel.errors import InvalidInput, NotFound, Unavailable
from kernel.outbox import Reaction, reaction
from marketplace.api import TradingParty, hub_summary, trading_parties
from procurement.award.repository import AwardRepository
from procurement.bid.repository import BidRepository
from procurement.events import (
    BidsOpened,
    TenderAmended,
    TenderAwarded,
    TenderCancelled,
    TenderPublished,
    TenderUnsuccessful,
)
from procurement.ocds.models import Release
from procurement.ocds.release import (
    EXTENSIONS,
    VERSION,
    AwardedUnits,
    AwardFacts,
    LotBids,
    TenderFacts,
    build_release,
    timestamp,
)
from procurement.ocds.repository import ReleaseRepository
from procurement.pool.repository import PoolRepository
from procurement.settings import ProcurementSettings
from procurement.tender.models import Tender, TenderStatus
from procurement.tender.repository import TenderRepository

MAX_FEED_PAGE = 100


def reactions() -> list[Reaction]:
    """The release each event of a published tender is written as, with its tags."""
    return [
        reaction(TenderPublished, _release("tender")),
        reaction(TenderAmended, _release("tenderAmendment")),
        reaction(TenderCancelled, _release("tenderCancellation")),
        reaction(BidsOpened, _release("tenderUpdate")),
        reaction(TenderUnsuccessful, _release("tenderUpdate")),
        reaction(TenderAwarded, _release("award", "contract")),
    ]


class _OfTender(Protocol):
    @property
    def tender_id(self) -> uuid.UUID: ...


def _release(*tags: str) -> Callable[[AsyncSession, _OfTender], Awaitable[None]]:
    async def write(session: AsyncSession, event: _OfTender) -> None:
        tender = await session.get(Tender, event.tender_id)
        assert tender is not None  # noqa: S101 - the event names a tender changed in this transaction
        await publish(session, tender, list(tags))

    return write


async def publish(session: AsyncSession, tender: Tender, tags: list[str]) -> Release:
    """Write the tender's next release (tagged `tags`) from its current state, in the caller's
    transaction — unless it would only repeat the latest one, which is then returned as it is.
    (A tender without any bid is already unsuccessful when its bids are opened: ending it as
    unsuccessful afterwards changes nothing in its open data.)"""
    repo = ReleaseRepository(session)
    await repo.lock_for_publishing()
    facts = await _facts(session, tender)
    sequence = await repo.count(tender.ocid) + 1
    date = now()
    release_id = f"{tender.ocid}-{sequence:04d}-{tags[0]}"
    body = build_release(facts, ocid=tender.ocid, release_id=release_id, date=date, tags=tags)
    latest = await repo.latest(tender.ocid)
    if latest is not None and _news(latest.body) == _news(body):
        return latest
    release = Release(ocid=tender.ocid, release_id=release_id, tender_id=tender.id, date=date, tag=tags, body=body)
    await repo.add(release)
    return release


def _news(body: dict[str, Any]) -> dict[str, Any]:
    """What a release says, apart from its own id and date."""
    return {key: value for key, value in body.items() if key not in ("id", "date")}


async def _facts(session: AsyncSession, tender: Tender) -> TenderFacts:
    pools = PoolRepository(session)
    tenders = TenderRepository(session)
    pool = await pools.of_tender(tender.pool_id)
    lots = await tenders.lots(tender.id)
    tenderers = None
    lot_bids = None
    if tender.bids_opened():
        bids = await BidRepository(session).submitted(tender.id)
        tenderers = await trading_parties(session, tender.hub_id, sorted({b.organization_id for b in bids}))
        lines = await BidRepository(session).lines([b.id for b in bids])
        numbers = {lot.id: lot.number for lot in lots}
        counts = {lot.number: [0, 0] for lot in lots}
        for bid in bids:
            # Valid for a lot: nothing the supplier lacked there, and nothing lacked bid-wide (lot None).
            lacking = {problem["lot"] for problem in bid.ineligibility or []}
            for line in lines[bid.id]:
                number = numbers[line.lot_id]
                counts[number][0] += 1
                counts[number][1] += int(None not in lacking and number not in lacking)
        lot_bids = {number: LotBids(bids=b, valid=v) for number, (b, v) in counts.items()}
    buyers = await trading_parties(session, tender.hub_id, await pools.participants(pool.id))
    award = None
    if tender.status is TenderStatus.awarded:
        award = await _award_facts(session, tender, {lot.id: lot.number for lot in lots}, buyers, tenderers or [])
    return TenderFacts(
        tender=tender,
        pool=pool,
        lots=lots,
        delivery_points={p.id: p for p in await pools.delivery_points(pool.id)},
        amendments=await tenders.amendments(tender.id),
        hub=await hub_summary(session, tender.hub_id),
        buyers=buyers,
        tenderers=tenderers,
        lot_bids=lot_bids,
        award=award,
    )


async def _award_facts(
    session: AsyncSession,
    tender: Tender,
    numbers: dict[uuid.UUID, int],
    buyers: list[TradingParty],
    tenderers: list[TradingParty],
) -> AwardFacts:
    awards = AwardRepository(session)
    record = await awards.of_tender(tender.id)
    assert record is not None  # noqa: S101 - an awarded tender has one
    assert record.decided_at is not None  # noqa: S101 - set when it was decided
    parties = {p.organization_id: p for p in [*buyers, *tenderers]}
    award_lines = [
        AwardedUnits(
            lot=numbers[lot_id],
            bid_id=bid_id,
            supplier=parties[supplier],
            quantity=quantity,
            unit_price_minor=unit_price_minor,
            currency=currency,
        )
        for lot_id, bid_id, supplier, quantity, unit_price_minor, currency in await awards.priced_final_lines(tender.id)
    ]
    contract_rows = await awards.contract_rows(tender.id)
    contracts = [
        AwardedUnits(
            lot=numbers[lot_id],
            bid_id=bid_id,
            supplier=parties[supplier],
            quantity=quantity,
            unit_price_minor=unit_price_minor,
            currency=currency,
            buyer=parties[buyer],
            order_id=order_id,
        )
        for order_id, lot_id, bid_id, buyer, supplier, quantity, unit_price_minor, currency in contract_rows
    ]
    return AwardFacts(
        date=record.decided_at, justification=record.justification, awards=award_lines, contracts=contracts
    )


def _package(settings: ProcurementSettings, uri: str, releases: list[Release]) -> dict[str, Any]:
    return {
        "uri": uri,
        "version": VERSION,
        "extensions": EXTENSIONS,
        "publishedDate": timestamp(max((r.date for r in releases), default=now())),
        "publisher": {"name": settings.ocds_publisher_name},
        "releases": [r.body for r in releases],
    }


async def tender_package(
    session: AsyncSession, settings: ProcurementSettings, tender_id: Any, uri: str
) -> dict[str, Any]:
    """Every release of one tender (404 for a tender never published)."""
    releases = await ReleaseRepository(session).of_tender(tender_id)
    if not releases:
        raise NotFound("no published tender with this id")
    return _package(settings, uri, releases)


@dataclass(frozen=True)
class FeedPage:
    package: dict[str, Any]
    next: str | None
    """The URL of the next page; None on the last. (Not in the package: OCDS 1.1 packages have no
    `links`, that takes the pagination extension; the controller sends it as a `Link` header.)"""


async def feed(
    session: AsyncSession,
    settings: ProcurementSettings,
    uri: str,
    since: dt.datetime | None,
    cursor: str | None,
    limit: int,
) -> FeedPage:
    """Releases in publication order (dated `since` or later), `limit` per page, and the URL that
    continues after the last one."""
    if not 1 <= limit <= MAX_FEED_PAGE:
        raise InvalidInput.query("limit", f"must be between 1 and {MAX_FEED_PAGE}")
    if since is not None and since.tzinfo is None:
        raise InvalidInput.query("since", "give a time zone (e.g. 2026-11-01T00:00:00Z)")
    after = 0 if cursor is None else _position(cursor)
    releases = await ReleaseRepository(session).feed(since, after, limit + 1)
    following = None
    if len(releases) > limit:
        base = uri.split("?", maxsplit=1)[0]
        following = f"{base}?{_query(since, releases[limit - 1].position, limit)}"
    return FeedPage(package=_package(settings, uri, releases[:limit]), next=following)


def _position(cursor: str) -> int:
    """A feed position from the next page's URL (a BIGINT: anything else would fail in the database)."""
    if not cursor.isdigit() or int(cursor) >= 2**63:
        raise InvalidInput.query("cursor", "use the cursor from the next page's URL (the Link header)")
    return int(cursor)


def _query(since: dt.datetime | None, cursor: int, limit: int) -> str:
    parts = [f"cursor={cursor}", f"limit={limit}"]
    if since is not None:
        parts.insert(0, f"since={timestamp(since).replace('+', '%2B')}")
    return "&".join(parts)


async def record_package(session: AsyncSession, settings: ProcurementSettings, ocid: str, uri: str) -> dict[str, Any]:
    """The record of one contracting process: its releases and the compiled release (ocdsmerge)."""
    releases = await ReleaseRepository(session).of_ocid(ocid)
    if not releases:
        raise NotFound("no record with this ocid")
    merger = await _merger(settings.ocds_release_schema)
    bodies = [r.body for r in releases]
    return {
        "uri": uri,
        "version": VERSION,
        "extensions": EXTENSIONS,
        "publishedDate": timestamp(max(r.date for r in releases)),
        "publisher": {"name": settings.ocds_publisher_name},
        "records": [{"ocid": ocid, "releases": bodies, "compiledRelease": merger.create_compiled_release(bodies)}],
    }


async def _merger(schema: str) -> ocdsmerge.Merger:
    try:
        return await asyncio.to_thread(_load_merger, schema)
    except Exception as exc:
        raise Unavailable(f"the OCDS release schema could not be loaded from {schema}: {exc}") from exc


@functools.cache
def _load_merger(schema: str) -> ocdsmerge.Merger:
    return ocdsmerge.Merger(schema=schema)
