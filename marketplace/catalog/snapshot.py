"""Listings as other packages may read them in bulk: search indexes these snapshots.

A snapshot is the listing's whole current state plus what buyers filter by but
the listing row does not hold: its producer's name, whether the producer may sell
at all, its hub-verified inclusion attributes and the hub jurisdictions it may
legally sell into today. Built for many listings at once, in a fixed number of
queries per batch (plus three per hub jurisdiction for eligibility).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock, codes
from marketplace.catalog.models import ListingStatus
from marketplace.catalog.repository import ListingRepository, ProducerFacts
from marketplace.compliance.service import Goods, Reader, check_eligibility_many
from marketplace.organization.models import OrganizationKind


class ListingText(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    description: str


class ListingSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    listing_id: uuid.UUID
    organization_id: uuid.UUID
    producer_name: str
    version: int
    status: str
    offered: bool
    """Active, and its producer sells and is admitted to a hub: what buyers may find."""
    default_language: str
    translations: dict[str, ListingText]
    classification_scheme: str
    classification_code: str
    unit_code: str
    min_order_quantity: Decimal
    currency: str
    unit_price: Decimal
    """At the first tier, the price for the minimum order (volume tiers only get cheaper)."""
    in_stock: bool
    """At least one minimum order is in stock."""
    origin_country: str
    origin_subdivision: str | None
    ships_to: list[str]
    inclusion: list[str]
    """Hub-verified inclusion attributes of the producer (self-declared ones are not here)."""
    eligible_in: list[str]
    """The jurisdictions of the producer's hubs that the listing ships to and may legally be sold into today."""
    created_at: dt.datetime


async def listing_snapshots(session: AsyncSession, listing_ids: Sequence[uuid.UUID]) -> list[ListingSnapshot]:
    """The snapshots of the listings that exist (deleted or unknown ids are left out)."""
    repo = ListingRepository(session)
    rows = await repo.rows_by_id(list(listing_ids))
    if not rows:
        return []
    producers = await repo.producer_facts({row["organization_id"] for row in rows})
    day = clock.today()
    eligible: dict[uuid.UUID, list[str]] = {row["id"]: [] for row in rows}
    for jurisdiction in sorted({j for facts in producers.values() for j in facts.jurisdictions}):
        candidates = [
            row
            for row in rows
            if jurisdiction in producers[row["organization_id"]].jurisdictions
            and any(codes.jurisdiction_covers(area, jurisdiction) for area in row["ships_to"])
        ]
        goods = [
            Goods(
                seller_organization_id=row["organization_id"],
                classification_scheme=row["classification_scheme"].value,
                classification_code=row["classification_code"],
                credential_ids=list(row["credential_ids"]) or None,
            )
            for row in candidates
        ]
        # Only whether it is eligible is kept; the messages are read by no one.
        results = await check_eligibility_many(session, goods, jurisdiction, day, reader=Reader.others) if goods else []
        for row, result in zip(candidates, results, strict=True):
            if result.eligible:
                eligible[row["id"]].append(jurisdiction)
    return [_snapshot(row, producers[row["organization_id"]], eligible[row["id"]]) for row in rows]


def _snapshot(row: dict[str, Any], producer: ProducerFacts, eligible_in: list[str]) -> ListingSnapshot:
    status: ListingStatus = row["status"]
    minimum: Decimal = row["min_order_quantity"]
    return ListingSnapshot(
        listing_id=row["id"],
        organization_id=row["organization_id"],
        producer_name=producer.name,
        version=row["version"],
        status=status.value,
        offered=status is ListingStatus.active
        and producer.kind is not OrganizationKind.buyer
        and bool(producer.jurisdictions),
        default_language=row["default_language"],
        translations={
            language: ListingText(title=text["title"], description=text.get("description", ""))
            for language, text in sorted(row["translations"].items())
        },
        classification_scheme=row["classification_scheme"].value,
        classification_code=row["classification_code"],
        unit_code=row["unit_code"],
        min_order_quantity=minimum,
        currency=row["currency"],
        unit_price=Decimal(row["price_tiers"][0]["unit_price"]),
        in_stock=row["stock_on_hand"] >= minimum,
        origin_country=row["origin_country"],
        origin_subdivision=row["origin_subdivision"],
        ships_to=list(row["ships_to"]),
        inclusion=producer.inclusion,
        eligible_in=eligible_in,
        created_at=row["created_at"],
    )
