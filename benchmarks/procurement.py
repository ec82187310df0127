"""Sealed bids at scale: submitting them, opening them at the deadline, and publishing the result.

Run: `uv run python -m benchmarks.procurement [--bids 300] [--lots 30]`.

In process, on a fresh embedded PostgreSQL with the demo hub: one owner registers
`--bids` producer organisations (half Polish, pricing in PLN; half German, in EUR), all
admitted to the hub. The coordinator pools demand over `--lots` delivery points (the
demo's two buyers commit at each), tenders it, and every producer bids on every lot
through `BidService.submit` (validation, eligibility per lot, sealing). The deadline is
then moved to now and the minutely job's work is timed: opening every bid (decrypt, FX
at the deadline's rate, eligibility again, lines written) and the `tenderUpdate` release.
Last, the public reads: the tender's release package, one feed page, the compiled record
(set OCDS_RELEASE_SCHEMA to a local copy of the release schema where there is no internet).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
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
from kernel.db import create_engine, transaction
from marketplace.hub.schemas import HubApplication
from marketplace.hub.service import HubService
from marketplace.identity.schemas import UserRegister
from marketplace.identity.service import IdentityService, principal_of
from marketplace.organization.models import OrganizationKind
from marketplace.organization.schemas import OrganizationCreate, RegistrationIdentifier
from marketplace.organization.service import OrganizationService
from procurement.bid.schemas import BidLineSubmit, BidSubmit
from procurement.bid.service import BidService
from procurement.demo import CITY_BUYER, HONEY, HOTEL_BUYER
from procurement.ocds import service as ocds
from procurement.pool.schemas import CommitmentCreate, DeliveryPointCreate, PoolCreate
from procurement.pool.service import PoolService
from procurement.tender.schemas import TenderCreate
from procurement.tender.service import TenderService


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


async def run(root: Path, url: str, bids: int, lots: int) -> None:  # noqa: PLR0915 - one scenario, in order
    settings = ensure_secrets(load_settings(database_url=url, data_dir=root / "data", log_level="WARNING"))
    secret = settings.procurement.sealing_secret
    engine = create_engine(url)
    # The service's composition: events reach their subscribers, and OCDS releases are written.
    sessions = compose(settings).sessions(engine)
    now = dt.datetime.now(dt.UTC)
    async with transaction(sessions) as session:
        demo = await load_demo_data(session, settings)
        if demo.hub_id is None or demo.coordinator is None:
            raise RuntimeError("the demo hub was already there; use a fresh data dir")
        hub_id, coordinator = demo.hub_id, demo.coordinator
        identity = IdentityService(session, settings, public_url=settings.marketplace.public_url)
        await identity.register(
            UserRegister(
                email="owner@bench.example",
                password="bench passphrase",  # noqa: S106 - a throw-away account
                full_name="Bench Owner",
            ),
            verified=True,
        )
        user = await identity.repo.user_by_email("owner@bench.example")
        if user is None:
            raise RuntimeError("the bench owner was not registered")
        owner = principal_of(user)
        producers = []
        for i in range(bids):
            polish = i % 2 == 0
            created = await OrganizationService(session).create(
                owner,
                OrganizationCreate(
                    legal_name=f"Bench Producer {i}",
                    kind=OrganizationKind.producer,
                    # Valid numbers: KRS numbers carry no check digit; a Handelsregister number names its court.
                    registration=(
                        RegistrationIdentifier(scheme="PL-KRS", id=f"{i:010d}")
                        if polish
                        else RegistrationIdentifier(scheme="DE-HRB", id=f"Dresden HRB {i + 1}")
                    ),
                    country="PL" if polish else "DE",
                    subdivision="PL-02" if polish else "DE-SN",
                    default_currency="PLN" if polish else "EUR",
                    languages=["pl"] if polish else ["de"],
                    employee_count=3,
                ),
            )
            await HubService(session).apply(owner, hub_id, HubApplication(organization_id=created.id))
            await HubService(session).decide(coordinator, hub_id, created.id, admit=True, note=None)
            producers.append((created.id, "PLN" if polish else "EUR"))
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
        for email in (CITY_BUYER, HOTEL_BUYER):
            buyer, organization_id = demo.members[email]
            for point in pool.delivery_points:
                await pools.commit(
                    buyer,
                    pool.id,
                    CommitmentCreate(
                        organization_id=organization_id,
                        delivery_point_id=point.id,
                        quantity=Decimal(50),
                        needed_by=(now + dt.timedelta(days=30)).date(),
                    ),
                )
        await pools.close_early(coordinator, pool.id)
        tenders = TenderService(session, settings.procurement.ocid_prefix)
        draft = await tenders.create(
            coordinator, TenderCreate(pool_id=pool.id, bid_deadline=now + dt.timedelta(days=1))
        )
        tender = await tenders.publish(coordinator, draft.id)

    latencies: list[float] = []
    started = time.perf_counter()
    for n, (organization_id, currency) in enumerate(producers):
        price = Decimal("42.50") if currency == "PLN" else Decimal("10.00")
        body = BidSubmit(
            currency=currency,
            lines=[
                BidLineSubmit(
                    lot_id=lot.id, unit_price=price + Decimal(n % 97) / 100, max_quantity=Decimal(60), lead_time_days=5
                )
                for lot in tender.lots
            ],
            total_capacity=Decimal(600),
        )
        begun = time.perf_counter()
        async with transaction(sessions) as session:
            await BidService(session, secret).submit(owner, tender.id, organization_id, body)
        latencies.append(time.perf_counter() - begun)
    submitting = time.perf_counter() - started

    async with transaction(sessions) as session:
        await session.execute(
            text("UPDATE procurement.tender SET bid_deadline = now() WHERE id = :id"), {"id": tender.id}
        )
    begun = time.perf_counter()
    async with transaction(sessions) as session:
        closed = await BidService(session, secret).close_due()
    opening = time.perf_counter() - begun
    if closed != 1:
        raise RuntimeError(f"expected the tender to close, closed {closed}")

    reads = {}
    async with transaction(sessions) as session:
        for name, call in (
            (
                "tender release package",
                lambda: ocds.tender_package(session, settings.procurement, tender.id, "http://bench/"),
            ),
            ("feed page (100)", lambda: ocds.feed(session, settings.procurement, "http://bench/", None, None, 100)),
            (
                "compiled record (ocdsmerge)",
                lambda: ocds.record_package(session, settings.procurement, tender.ocid, "http://bench/"),
            ),
        ):
            begun = time.perf_counter()
            await call()
            reads[name] = time.perf_counter() - begun
    await engine.dispose()

    ordered = sorted(latencies)
    print(f"### {dt.datetime.now(dt.UTC).date().isoformat()} — {machine()}; {bids} bids x {lots} lots")
    p50, p95 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.95)]
    print(
        f"- submit a bid ({lots} lines, eligibility per jurisdiction, sealed): p50 {_ms(p50)}, p95 {_ms(p95)}, "
        f"mean {_ms(statistics.fmean(ordered))}; all {bids}: {submitting:.1f} s"
    )
    print(
        f"- deadline: open {bids} bids ({bids * lots:,} lines: decrypt, FX, eligibility again)"
        f" + tenderUpdate release: {opening:.2f} s"
    )
    for name, seconds in reads.items():
        print(f"- {name}: {_ms(seconds)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bids", type=int, default=300)
    parser.add_argument("--lots", type=int, default=30)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="borderhub-bench-procurement-"))
    url = embedded.start(root / "pgdata", cleanup="delete")
    migrate.upgrade(url)  # Alembic runs its own event loop: before ours
    asyncio.run(run(root, url, args.bids, args.lots))


if __name__ == "__main__":
    main()
