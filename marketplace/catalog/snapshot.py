"""Listings as other packages may read them in bulk: search indexes these snapshots.

A snapshot is the listing's whole current state plus what buyers filter by but
the listing row does not hold: its producer's name, whether the producer may sell
at all, its hub-verified inclusion attributes and the hub jurisdictions it may
legally sell into today. Built for many listings at once, in a fixed number of
queries per batch (plus three per hub jurisdiction for eligibility).

The same judgement weighs a change to a hub's rules before it is made (`rule_change_preview`):
where the hub's offered listings may be sold now, and where they might be after it.
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
from marketplace.catalog.schemas import AffectedListing, PlaceEffect, RulePreview
from marketplace.compliance.models import Requirement, prefix_matches
from marketplace.compliance.service import Goods, Reader, RuleChange, check_eligibility_many
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
    eligible = await _eligible_in(session, rows, producers, clock.today())
    return [_snapshot(row, producers[row["organization_id"]], eligible[row["id"]]) for row in rows]


async def rule_change_preview(session: AsyncSession, change: RuleChange, *, shown: int = 5) -> RulePreview:
    """Where the hub's offered listings may be sold today, as they may now and as they might once
    `change` is made, without making it (the change is judged in memory: nothing is written). For
    each jurisdiction of the producers' hubs inside the place the rule is about: how many listings
    become unavailable there and how many available, with the first `shown` of each.

    No access check: `ComplianceService.propose_*` built the change for one who may make it.
    """
    repo = ListingRepository(session)
    offered = await repo.offered_ids_of_hub(change.hub_id)
    rows = await repo.rows_by_id(offered)
    producers = await repo.producer_facts({row["organization_id"] for row in rows}) if rows else {}
    rule = change.rule
    if isinstance(rule, Requirement):
        # Only goods the requirement is about can change; a recognition may change any.
        rows = [
            row
            for row in rows
            if row["classification_scheme"].value == rule.classification_scheme.value
            and prefix_matches(rule.classification_prefix, row["classification_code"])
        ]
    day = clock.today()
    reached = [
        place
        for place in sorted({j for facts in producers.values() for j in facts.jurisdictions})
        if codes.jurisdiction_covers(change.place, place)
    ]
    before = await _eligible_in(session, rows, producers, day, places=reached)
    after = await _eligible_in(session, rows, producers, day, places=reached, change=change)
    rows.sort(key=lambda row: (producers[row["organization_id"]].name, _title(row), row["id"]))
    effects = []
    for place in reached:
        lost = [row for row in rows if place in before[row["id"]] and place not in after[row["id"]]]
        gained = [row for row in rows if place not in before[row["id"]] and place in after[row["id"]]]
        effects.append(
            PlaceEffect(
                jurisdiction=place,
                unavailable=len(lost),
                available=len(gained),
                becoming_unavailable=[_affected(row, producers) for row in lost[:shown]],
                becoming_available=[_affected(row, producers) for row in gained[:shown]],
            )
        )
    return RulePreview(hub_id=change.hub_id, offered=len(offered), checked_on=day, places=effects)


def _title(row: dict[str, Any]) -> str:
    texts: dict[str, dict[str, str]] = row["translations"]
    return texts.get(row["default_language"], {}).get("title", "")


def _affected(row: dict[str, Any], producers: dict[uuid.UUID, ProducerFacts]) -> AffectedListing:
    return AffectedListing(
        listing_id=row["id"],
        organization_id=row["organization_id"],
        producer_name=producers[row["organization_id"]].name,
        titles={language: text["title"] for language, text in sorted(row["translations"].items())},
        default_language=row["default_language"],
    )


async def _eligible_in(
    session: AsyncSession,
    rows: list[dict[str, Any]],
    producers: dict[uuid.UUID, ProducerFacts],
    day: dt.date,
    *,
    places: Sequence[str] | None = None,
    change: RuleChange | None = None,
) -> dict[uuid.UUID, list[str]]:
    """For each listing, the jurisdictions of its producer's hubs (or only those of `places`) that
    it ships to and may legally be sold into on `day` (as if `change` were made, given one)."""
    eligible: dict[uuid.UUID, list[str]] = {row["id"]: [] for row in rows}
    every = sorted({j for facts in producers.values() for j in facts.jurisdictions})
    for jurisdiction in every if places is None else [place for place in every if place in places]:
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
        results = (
            await check_eligibility_many(session, goods, jurisdiction, day, reader=Reader.others, change=change)
            if goods
            else []
        )
        for row, result in zip(candidates, results, strict=True):
            if result.eligible:
                eligible[row["id"]].append(jurisdiction)
    return eligible


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
