"""Demo procurement on top of the demo hub: a tendered school-milk pool open for offers, a bread
tender whose offers were opened and whose proposed award waits for the coordinator, and an open
honey pool for the coordinator to take from pool to award herself.

Loaded by `borderhub serve --demo` right after the hub, so the public OCDS feed of a fresh
demo is not empty. Goes through the same services as the API (validation, OCDS, events). The
bread tender's deadline is two seconds after it is published: its two bakeries offer in between,
and the loading waits for the deadline to pass (really: the clock is not moved).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from kernel.auth import Principal
from procurement.award.service import AwardService
from procurement.bid.schemas import BidLineSubmit, BidSubmit
from procurement.bid.service import BidService
from procurement.pool.models import PoolStatus
from procurement.pool.schemas import (
    Classification,
    CommitmentCreate,
    DeliveryPointCreate,
    Item,
    PoolCreate,
    Translation,
)
from procurement.pool.service import PoolService
from procurement.settings import ProcurementSettings
from procurement.tender.models import AwardMethod
from procurement.tender.schemas import TenderCreate, TenderRead
from procurement.tender.service import TenderService

CITY_BUYER = "einkauf@goerlitz.demo"
HOTEL_BUYER = "zakupy@hotel-zgorzelec.demo"
#: The bakeries that offer bread: a women-led one in Zgorzelec (in złoty) and one in Görlitz.
BAKERIES = {"anna@piekarnia-nowak.demo": ("PLN", "8.40"), "info@baeckerei-lehmann.demo": ("EUR", "2.10")}

MILK = Item(
    classification=Classification(scheme="CPV", code="15511000-3"),
    unit="LTR",
    translations={
        "de": Translation(title="Frischmilch für Schulen und Kitas", description="Vollmilch 3,5 %, in 1-l-Flaschen"),
        "pl": Translation(title="Świeże mleko dla szkół i przedszkoli", description="Mleko 3,5 %, butelki 1 l"),
    },
    default_language="de",
    quality_notes="Delivered chilled (2–6 °C), at least 7 days before best-before",
)
BREAD = Item(
    classification=Classification(scheme="CPV", code="15811100-7"),
    unit="H87",
    translations={
        "de": Translation(title="Roggenbrot für Schulküchen", description="Laibe zu 800 g bis 1 kg, täglich frisch"),
        "pl": Translation(title="Chleb żytni dla stołówek szkolnych", description="Bochenki 800 g–1 kg, codziennie"),
    },
    default_language="de",
)
HONEY = Item(
    classification=Classification(scheme="CPV", code="03142100-9"),
    unit="KGM",
    translations={
        "de": Translation(title="Blütenhonig für Großküchen"),
        "pl": Translation(title="Miód wielokwiatowy dla stołówek"),
    },
    default_language="pl",
)
POINTS = [
    DeliveryPointCreate(name="Görlitz, Schulverwaltungsamt", jurisdiction="DE-SN", address="Jägerkaserne 1"),
    DeliveryPointCreate(name="Zgorzelec, Hotel", jurisdiction="PL-02", address="ul. Daszyńskiego 15"),
]


async def load_procurement_demo(
    session: AsyncSession,
    settings: ProcurementSettings,
    hub_id: uuid.UUID,
    coordinator: Principal,
    members: dict[str, tuple[Principal, uuid.UUID]],
) -> list[str]:
    """Create the demo pools and tender; returns lines describing them."""
    now = clock.now()
    pools = PoolService(session)
    milk = await pools.open_pool(
        coordinator,
        PoolCreate(
            hub_id=hub_id,
            item=MILK,
            delivery_points=POINTS,
            closes_at=now + dt.timedelta(hours=1),
            currency="EUR",
            reserve_unit_price=Decimal("1.35"),
            minimum_total_quantity=Decimal(500),
        ),
    )
    needed_by = (now + dt.timedelta(days=45)).date()
    for email, point, litres in ((CITY_BUYER, 0, 1200), (HOTEL_BUYER, 1, 300)):
        buyer, organization_id = members[email]
        await pools.commit(
            buyer,
            milk.id,
            CommitmentCreate(
                organization_id=organization_id,
                delivery_point_id=milk.delivery_points[point].id,
                quantity=Decimal(litres),
                needed_by=needed_by,
            ),
        )
    closed = await pools.close_early(coordinator, milk.id)
    assert closed.status is PoolStatus.closed  # noqa: S101 - 1,500 l is above the 500 l minimum
    tenders = TenderService(session, settings.ocid_prefix)
    draft = await tenders.create(
        coordinator,
        TenderCreate(
            pool_id=milk.id,
            bid_deadline=now + dt.timedelta(days=14),
            award_method=AwardMethod.lowest_evaluated_price,
            preference_margin_percent=Decimal(10),
            max_share_percent=Decimal(80),
        ),
    )
    tender = await tenders.publish(coordinator, draft.id)
    bread = await _bread_tender_to_award(session, settings, hub_id, coordinator, members)
    honey = await pools.open_pool(
        coordinator,
        PoolCreate(
            hub_id=hub_id,
            item=HONEY,
            delivery_points=POINTS,
            closes_at=now + dt.timedelta(days=10),
            currency="EUR",
            # Reached by the hotel's 80 kg, so the coordinator may close it early and tender it.
            minimum_total_quantity=Decimal(50),
        ),
    )
    buyer, organization_id = members[HOTEL_BUYER]
    await pools.commit(
        buyer,
        honey.id,
        CommitmentCreate(
            organization_id=organization_id,
            delivery_point_id=honey.delivery_points[1].id,
            quantity=Decimal(80),
            needed_by=needed_by,
        ),
    )
    return [
        f"  tender open for bids until {tender.bid_deadline:%Y-%m-%d}: {tender.title} ({tender.ocid})",
        f"  offers opened, award proposed, waiting for the coordinator: {bread.title} ({bread.ocid})",
        f"  demand pool open until {honey.closes_at:%Y-%m-%d}: {honey.item.translations['pl'].title}",
    ]


async def _bread_tender_to_award(
    session: AsyncSession,
    settings: ProcurementSettings,
    hub_id: uuid.UUID,
    coordinator: Principal,
    members: dict[str, tuple[Principal, uuid.UUID]],
) -> TenderRead:
    """Bread for the city's school kitchens and the hotel, tendered; both bakeries offer; the
    deadline passes, the offers are opened and the award is proposed (as the worker would)."""
    pools = PoolService(session)
    pool = await pools.open_pool(
        coordinator,
        PoolCreate(
            hub_id=hub_id,
            item=BREAD,
            delivery_points=POINTS,
            closes_at=clock.now() + dt.timedelta(hours=1),
            currency="EUR",
            reserve_unit_price=Decimal("2.80"),
        ),
    )
    needed_by = clock.today() + dt.timedelta(days=30)
    for email, point, loaves in ((CITY_BUYER, 0, 600), (HOTEL_BUYER, 1, 150)):
        buyer, organization_id = members[email]
        await pools.commit(
            buyer,
            pool.id,
            CommitmentCreate(
                organization_id=organization_id,
                delivery_point_id=pool.delivery_points[point].id,
                quantity=Decimal(loaves),
                needed_by=needed_by,
            ),
        )
    await pools.close_early(coordinator, pool.id)
    tenders = TenderService(session, settings.ocid_prefix)
    deadline = clock.now() + dt.timedelta(seconds=2)
    draft = await tenders.create(
        coordinator,
        TenderCreate(
            pool_id=pool.id,
            bid_deadline=deadline,
            award_method=AwardMethod.lowest_evaluated_price,
            preference_margin_percent=Decimal(10),
        ),
    )
    tender = await tenders.publish(coordinator, draft.id)
    bids = BidService(session, settings.sealing_secret)
    for email, (currency, price) in BAKERIES.items():
        producer, organization_id = members[email]
        lines = [
            BidLineSubmit(lot_id=lot.id, unit_price=Decimal(price), max_quantity=Decimal(500), lead_time_days=1)
            for lot in tender.lots
        ]
        await bids.submit(producer, tender.id, organization_id, BidSubmit(currency=currency, lines=lines))
    await asyncio.sleep(max((deadline - clock.now()).total_seconds(), 0) + 0.1)
    await bids.close_due()
    await AwardService(session).evaluate(tender.id)
    return tender
