"""Scoring opened offers: who may win which lot and why not, evaluated prices and ranks."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from marketplace.api import OrganizationKind, TradingParty
from procurement.award.tendered import Tendered, score_offers
from procurement.pool.models import DemandPool
from procurement.tender.models import AwardMethod, Bid, BidLine, Lot, Tender

LOT1, LOT2 = Lot(id=uuid.uuid4(), number=1), Lot(id=uuid.uuid4(), number=2)
EARLY = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


def bidder(submitted_at: dt.datetime, ineligibility: list[dict[str, object]] | None = None) -> Bid:
    return Bid(id=uuid.uuid4(), organization_id=uuid.uuid4(), submitted_at=submitted_at, ineligibility=ineligibility)


def line(bid: Bid, lot: Lot, price: int | None, lead_time_days: int = 5) -> BidLine:
    return BidLine(
        bid_id=bid.id,
        lot_id=lot.id,
        unit_price_minor=price or 4250,
        currency="EUR" if price else "CZK",
        tender_unit_price_minor=price,
        max_quantity=Decimal(100),
        lead_time_days=lead_time_days,
    )


def party(bid: Bid, *attributes: str) -> TradingParty:
    return TradingParty(
        organization_id=bid.organization_id,
        name=str(bid.id),
        kind=OrganizationKind.producer,
        country="PL",
        subdivision=None,
        municipality=None,
        verified_inclusion=list(attributes),
        languages=["pl"],
    )


def tendered(bids: list[Bid], lines: list[BidLine], parties: list[TradingParty]) -> Tendered:
    tender = Tender(
        id=uuid.uuid4(),
        award_method=AwardMethod.lowest_evaluated_price,
        preference_margin_percent=Decimal(10),
        preferred_attributes=["women_led", "cooperative"],
    )
    return Tendered(
        tender=tender,
        pool=DemandPool(),
        lots=[LOT1, LOT2],
        points={},
        bids={b.id: b for b in bids},
        lines=lines,
        parties={p.organization_id: p for p in parties},
        commitments=[],
    )


def test_offers_are_eligible_per_lot_priced_with_the_margin_and_ranked() -> None:
    coop = bidder(EARLY)
    dairy = bidder(EARLY + dt.timedelta(hours=1))
    late_twin = bidder(EARLY + dt.timedelta(hours=2))
    lacking = bidder(
        EARLY,
        [{"lot": 2, "credential_type": "organic", "message": "needs a verified organic credential in PL-02"}],
    )
    no_rate = bidder(EARLY)
    rows = score_offers(
        tendered(
            [coop, dairy, late_twin, lacking, no_rate],
            [
                line(coop, LOT1, 1050),
                line(dairy, LOT1, 1000),
                line(late_twin, LOT1, 1000),
                line(lacking, LOT1, 990),
                line(lacking, LOT2, 990),
                line(no_rate, LOT1, None),
            ],
            [party(coop, "cooperative", "youth_led"), party(dairy, "youth_led"), party(late_twin), party(lacking)],
        )
    )
    by = {(row["bid_id"], row["lot_id"]): row for row in rows}
    coop1 = by[(coop.id, LOT1.id)]
    # Verified cooperative: evaluated 10 % cheaper (youth-led is verified but not preferred here).
    assert (coop1["evaluated_unit_price_minor"], coop1["preferred_for"]) == (945, ["cooperative"])
    assert by[(dairy.id, LOT1.id)]["evaluated_unit_price_minor"] == 1000
    # A credential lacking in lot 2's jurisdiction rules out lot 2 only.
    assert by[(lacking.id, LOT1.id)]["eligible"] is True
    lacking2 = by[(lacking.id, LOT2.id)]
    assert (lacking2["eligible"], lacking2["reasons"], lacking2["rank"]) == (
        False,
        ["needs a verified organic credential in PL-02"],
        None,
    )
    # An offer that could not be converted at the deadline cannot win, and says why.
    unconverted = by[(no_rate.id, LOT1.id)]
    assert (unconverted["eligible"], unconverted["reasons"]) == (False, ["no exchange rate from CZK at the deadline"])
    # Ranks per lot by evaluated price; equal prices: the earlier bid first.
    ranks = {row["bid_id"]: row["rank"] for row in rows if row["lot_id"] == LOT1.id}
    assert ranks == {coop.id: 1, lacking.id: 2, dairy.id: 3, late_twin.id: 4, no_rate.id: None}
    assert by[(lacking.id, LOT1.id)]["evaluated_unit_price_minor"] == 990
