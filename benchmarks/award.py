"""Awarding a big pooled tender: evaluation, optimisation, allocation to buyers and order creation.

Run: `uv run python -m benchmarks.award [--scale 1]`.

In process, on a fresh embedded PostgreSQL with the demo hub. At scale 1: 100 delivery
points (lots: the most one pool may have through the API, `MAX_DELIVERY_POINTS`, so the
lots never grow past it — at scale 10 only buyers and bids do), 500 buyer organisations
committing at 20 points each (10,000 commitments, a fifth of them with a maximum unit
price), and 300 producers each bidding on 30 lots (9,000 offers, half in PLN, with total
capacities and a 60 % share cap so lots split).
Set-up goes through the services (bids sealed by `BidService.submit`) except the
commitments, which are copied in; the bids are opened by the minutely job's code.

Timed, as the worker and the coordinator run them: `AwardService.evaluate` (score every
offer, optimise, record the proposal) and `AwardService.confirm` (allocate to every
buyer, listed prices for the savings report, one order per buyer, supplier and point
through marketplace, allocations, the OCDS award + contract release). Each stage's time
comes from the award's own `stages`, which also say how long HiGHS took in each (the
award in `optimise`, the buyers' price segments in `allocate`): the solver's share.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from benchmarks.harness import machine
from borderhub.cli import load_demo_data
from borderhub.composition import compose
from borderhub.settings import ensure_secrets, load_settings
from kernel import embedded, migrate
from kernel.bulk import copy_rows
from kernel.db import create_engine, transaction
from marketplace.hub.schemas import HubApplication
from marketplace.hub.service import HubService
from marketplace.identity.schemas import UserRegister
from marketplace.identity.service import IdentityService, principal_of
from marketplace.organization.models import OrganizationKind
from marketplace.organization.schemas import OrganizationCreate, RegistrationIdentifier
from marketplace.organization.service import OrganizationService
from procurement.award.repository import AwardRepository
from procurement.award.service import AwardService
from procurement.bid.schemas import BidLineSubmit, BidSubmit
from procurement.bid.service import BidService
from procurement.demo import HONEY
from procurement.pool.models import Commitment
from procurement.pool.schemas import MAX_DELIVERY_POINTS, DeliveryPointCreate, PoolCreate
from procurement.pool.service import PoolService
from procurement.tender.schemas import TenderCreate
from procurement.tender.service import TenderService

LINES_PER_BID = 30
POINTS_PER_BUYER = 20


async def run(root: Path, url: str, scale: float) -> None:  # noqa: PLR0915 - one scenario, in order
    # As many lots as the API accepts in one pool, and no more: above scale 1 only buyers and bids grow.
    lots = min(max(round(100 * scale), LINES_PER_BID), MAX_DELIVERY_POINTS)
    buyers, bidders = max(round(500 * scale), 1), round(300 * scale)
    settings = ensure_secrets(load_settings(database_url=url, data_dir=root / "data", log_level="WARNING"))
    secret = settings.procurement.sealing_secret
    engine = create_engine(url)
    # The service's composition: events reach their subscribers, and OCDS releases are written.
    sessions = compose(settings).sessions(engine)
    rng = random.Random(2026)
    now = dt.datetime.now(dt.UTC)
    started = time.perf_counter()
    async with transaction(sessions) as session:
        demo = await load_demo_data(session, settings)
        if demo.hub_id is None or demo.coordinator is None:
            raise RuntimeError("the demo hub was already there; use a fresh data dir")
        hub_id, coordinator = demo.hub_id, demo.coordinator
        identity = IdentityService(session, settings, public_url=settings.marketplace.public_url)
        await identity.register(
            UserRegister(email="owner@bench.example", password="bench passphrase", full_name="Bench Owner"),  # noqa: S106
            verified=True,
        )
        user = await identity.repo.user_by_email("owner@bench.example")
        if user is None:
            raise RuntimeError("the bench owner was not registered")
        owner = principal_of(user)

        async def organization(i: int, kind: OrganizationKind, polish: bool) -> tuple[object, str]:
            # Valid numbers, distinct per kind: KRS numbers carry no check digit, a Handelsregister
            # number names its court and register (HRB for producers, HRA for buyers) and has six digits.
            buyer = kind is OrganizationKind.buyer
            registration = (
                RegistrationIdentifier(scheme="PL-KRS", id=f"{buyer:d}{i:09d}")
                if polish
                else RegistrationIdentifier(scheme="DE-HRB", id=f"Dresden {'HRA' if buyer else 'HRB'} {i + 1}")
            )
            created = await OrganizationService(session).create(
                owner,
                OrganizationCreate(
                    legal_name=f"Bench {kind.value} {i}",
                    kind=kind,
                    registration=registration,
                    country="PL" if polish else "DE",
                    subdivision="PL-02" if polish else "DE-SN",
                    default_currency="PLN" if polish else "EUR",
                    languages=["pl"] if polish else ["de"],
                    employee_count=3,
                ),
            )
            await HubService(session).apply(owner, hub_id, HubApplication(organization_id=created.id))
            await HubService(session).decide(coordinator, hub_id, created.id, admit=True, note=None)
            return created.id, "PLN" if polish else "EUR"

        producers = [await organization(i, OrganizationKind.producer, i % 2 == 0) for i in range(bidders)]
        buyer_ids = [(await organization(i, OrganizationKind.buyer, i % 3 == 0))[0] for i in range(buyers)]
        pools = PoolService(session)
        points = [
            DeliveryPointCreate(name=f"Delivery point {n}", jurisdiction="DE-SN" if n % 2 else "PL-02")
            for n in range(lots)
        ]
        pool = await pools.open_pool(
            coordinator,
            PoolCreate(
                hub_id=hub_id, item=HONEY, delivery_points=points, closes_at=now + dt.timedelta(hours=1), currency="EUR"
            ),
        )
        await copy_rows(
            session,
            Commitment,
            [
                {
                    "pool_id": pool.id,
                    "delivery_point_id": point.id,
                    "organization_id": buyer_id,
                    "quantity": Decimal(rng.randint(5, 50)),
                    "needed_by": (now + dt.timedelta(days=30)).date(),
                    # A fifth of the buyers will not pay more than 10.40 EUR a kilogram.
                    "max_unit_price_minor": 1040 if rng.random() < 0.2 else None,  # noqa: PLR2004
                    "withdrawn_at": None,
                    "committed_by": owner.user_id,
                }
                for buyer_id in buyer_ids
                for point in rng.sample(pool.delivery_points, min(POINTS_PER_BUYER, lots))
            ],
        )
        await pools.close_early(coordinator, pool.id)
        tenders = TenderService(session, settings.procurement.ocid_prefix)
        draft = await tenders.create(
            coordinator,
            TenderCreate(pool_id=pool.id, bid_deadline=now + dt.timedelta(days=1), max_share_percent=Decimal(60)),
        )
        tender = await tenders.publish(coordinator, draft.id)
    commitments = buyers * min(POINTS_PER_BUYER, lots)

    for organization_id, currency in producers:
        base = Decimal("42.50") if currency == "PLN" else Decimal("10.00")
        body = BidSubmit(
            currency=currency,
            lines=[
                BidLineSubmit(
                    lot_id=lot.id,
                    unit_price=base + Decimal(rng.randint(0, 120)) / 100,
                    max_quantity=Decimal(rng.randint(100, 600)),
                    lead_time_days=rng.randint(2, 14),
                )
                for lot in rng.sample(tender.lots, LINES_PER_BID)
            ],
            total_capacity=Decimal(rng.randint(2_000, 8_000)),
        )
        async with transaction(sessions) as session:
            await BidService(session, secret).submit(owner, tender.id, organization_id, body)  # type: ignore[arg-type]
    async with transaction(sessions) as session:
        await session.execute(
            text("UPDATE procurement.tender SET bid_deadline = now() WHERE id = :id"), {"id": tender.id}
        )
    async with transaction(sessions) as session:
        await BidService(session, secret).close_due()
    setup = time.perf_counter() - started

    service_time_limit = settings.procurement.award_time_limit_seconds
    begun = time.perf_counter()
    async with transaction(sessions) as session:
        await AwardService(session, time_limit=service_time_limit).evaluate(tender.id)
    evaluating = time.perf_counter() - begun
    begun = time.perf_counter()
    async with transaction(sessions) as session:
        await AwardService(session, time_limit=service_time_limit).confirm(coordinator, tender.id)
    confirming = time.perf_counter() - begun
    async with transaction(sessions) as session:
        award = await AwardRepository(session).of_tender(tender.id)
        orders = (
            await session.execute(
                text("SELECT count(*) FROM marketplace.purchase_order WHERE tender_reference IS NOT NULL")
            )
        ).scalar_one()
        release_bytes = (
            await session.execute(
                text("SELECT max(octet_length(body::text)) FROM procurement.ocds_release WHERE tender_id = :id"),
                {"id": tender.id},
            )
        ).scalar_one()
    await engine.dispose()
    assert award is not None  # noqa: S101 - just written

    total = evaluating + confirming
    solver = sum(stage.get("solver_seconds", 0.0) for stage in award.stages)
    print(
        f"### {dt.datetime.now(dt.UTC).date().isoformat()} — {machine()}; scale {scale:g}: {lots} lots, "
        f"{commitments:,} commitments from {buyers} buyers, {bidders} bids x {LINES_PER_BID} lots "
        f"(set-up {setup:.0f} s)"
    )
    print(f"- evaluate (job) {evaluating:.2f} s + confirm (coordinator) {confirming:.2f} s = **{total:.2f} s**")
    outcome = award.outcome or "proven optimal, nothing short"
    print(f"- solver (HiGHS, award and allocation): {solver:.2f} s = {solver / total:.0%} of the total; {outcome}")
    for stage in award.stages:
        print(f"  - {stage['stage']}: {stage['seconds']:.2f} s — {stage['detail']}")
    print(f"- {orders:,} orders; award + contract release {release_bytes / 1e6:.1f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=1.0, help="1: 100 lots (the API's most), 10,000 commitments, 300 bids"
    )
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="borderhub-bench-award-"))
    url = embedded.start(root / "pgdata", cleanup="delete")
    migrate.upgrade(url)  # Alembic runs its own event loop: before ours
    asyncio.run(run(root, url, args.scale))


if __name__ == "__main__":
    main()
