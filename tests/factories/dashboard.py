"""A known two months of trade in a Görlitz–Zgorzelec hub (reporting in EUR), for dashboard figures.

Orders are written straight into the database (they must be dated in the past, which no API allows);
the hub and its coordinator are made through the API.

- Rates: 1 EUR = 4.0000 PLN from 2026-01-01, 4.2500 PLN from 2026-02-01; none for CZK.
- Producers P1–P6 in PL-02 (P_i reports i employees), P7 in DE-SN (7). Buyers B1–B5 in DE-SN, B6 in
  PL-02 (10 employees each).
- Verified by this hub: P1 women-led; P2 women-led and a cooperative; P7 youth-led. P3 only declares
  minority-led; P4's women-led was verified by another hub. Neither counts.
- December 2025: P6 → B2, 10.00 EUR (before the period: makes P6's cohort 2025-12).
- January 2026: P_i → B_i 400.00 PLN (= 100.00 EUR) for i = 1..5; P7 → B1 30.00 EUR; P1 → B1
  999.00 EUR cancelled (never counts).
- February 2026: P1 → B6 85.00 PLN (20.00 EUR, domestic); P6 → B2 212.50 PLN (50.00 EUR);
  P2 → B3 425.00 PLN (100.00 EUR) placed from a tender award; P3 → B4 1.00 PLN (0.2352941176 EUR,
  rounded to 0.24); P4 → B5 1,000 CZK (no rate: left out, counted as unconverted).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.db import transaction
from kernel.fx import RateRow, store_rates
from marketplace.dashboard.jobs import refresh_dashboards
from marketplace.order.models import Checkout, Order, OrderStatus, PaymentMethod
from marketplace.organization.models import Inclusion, InclusionAttribute, Organization, OrganizationKind
from tests.factories.identity import Account, register
from tests.factories.organization import create_hub, platform_admin

PERIOD = {"from": "2026-01", "to": "2026-02"}


async def refresh_summary(sessions: async_sessionmaker[AsyncSession]) -> None:
    """What the worker does every minute."""
    async with transaction(sessions) as session:
        await refresh_dashboards(session)


async def period_trade(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], hub: dict[str, Any], coordinator: Account
) -> dict[str, Any]:
    """The hub's trade over the dashboard's default period (the twelve months up to this one), after
    the worker's refresh: its orders, value, producers and buyers."""
    await refresh_summary(sessions)
    response = await client.get(f"/api/v1/hubs/{hub['id']}/dashboard", headers=coordinator.headers)
    assert response.status_code == 200, response.text
    period: dict[str, Any] = next(row for row in response.json()["trade"] if row["month"] is None)
    return period


@dataclass(frozen=True)
class KnownTrade:
    hub: dict[str, Any]
    coordinator: Account
    producers: list[uuid.UUID]
    """P1..P7 (index 0..6)."""
    buyers: list[uuid.UUID]
    """B1..B6 (index 0..5)."""


def _organization(name: str, kind: OrganizationKind, country: str, subdivision: str, employees: int) -> Organization:
    return Organization(
        id=uuid.uuid4(),
        legal_name=name,
        kind=kind,
        registration_scheme="TEST",
        registration_id=uuid.uuid4().hex[:12],
        country=country,
        subdivision=subdivision,
        municipality=None,
        default_currency="PLN" if country == "PL" else "EUR",
        languages=["pl" if country == "PL" else "de"],
        employee_count=employees,
    )


def _order(
    hub_id: uuid.UUID,
    producer: Organization,
    buyer: Organization,
    on: dt.date,
    amount_minor: int,
    currency: str,
    *,
    status: OrderStatus = OrderStatus.delivered,
    tender_reference: str | None = None,
) -> tuple[Checkout, Order]:
    placed = dt.datetime.combine(on, dt.time(10), dt.UTC)
    destination = buyer.subdivision or buyer.country
    address = {"recipient": buyer.legal_name, "line1": "Markt 1", "postal_code": "00000", "city": "Görlitz"}
    checkout = Checkout(
        id=uuid.uuid4(),
        buyer_organization_id=buyer.id,
        hub_id=hub_id,
        placed_by=uuid.uuid4(),
        payment_method=PaymentMethod.invoice,
        display_currency=currency,
        delivery_jurisdiction=destination,
        delivery_address=address,
        created_at=placed,
    )
    order = Order(
        checkout_id=checkout.id,
        buyer_organization_id=buyer.id,
        producer_organization_id=producer.id,
        hub_id=hub_id,
        status=status,
        payment_method=PaymentMethod.invoice,
        currency=currency,
        total_minor=amount_minor,
        display_currency=currency,
        display_total_minor=amount_minor,
        fx_rate=Decimal(1),
        fx_rate_date=on,
        fx_rate_source="identity",
        delivery_jurisdiction=destination,
        delivery_address=address,
        placed_by=checkout.placed_by,
        status_changed_at=placed,
        note=None,
        tender_reference=tender_reference,
        created_at=placed,
    )
    return checkout, order


async def build_known_trade(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> KnownTrade:
    admin = await platform_admin(client, sessions, settings)
    coordinator = await register(client)
    hub = await create_hub(client, admin, [coordinator])
    hub_id = uuid.UUID(hub["id"])
    p = [_organization(f"P{i}", OrganizationKind.producer, "PL", "PL-02", i) for i in range(1, 7)] + [
        _organization("P7", OrganizationKind.producer, "DE", "DE-SN", 7)
    ]
    b = [_organization(f"B{i}", OrganizationKind.buyer, "DE", "DE-SN", 10) for i in range(1, 6)] + [
        _organization("B6", OrganizationKind.buyer, "PL", "PL-02", 10)
    ]

    def inclusion(producer: Organization, attribute: InclusionAttribute, hub: uuid.UUID | None) -> Inclusion:
        return Inclusion(
            organization_id=producer.id,
            attribute=attribute,
            declared=True,
            verified=hub is not None,
            verified_by_hub_id=hub,
        )

    jan, feb = dt.date(2026, 1, 15), dt.date(2026, 2, 10)
    orders = [
        _order(hub_id, p[5], b[1], dt.date(2025, 12, 5), 1000, "EUR"),
        *(_order(hub_id, p[i], b[i], jan, 40000, "PLN") for i in range(5)),
        _order(hub_id, p[6], b[0], jan, 3000, "EUR"),
        _order(hub_id, p[0], b[0], jan, 99900, "EUR", status=OrderStatus.cancelled),
        _order(hub_id, p[0], b[5], feb, 8500, "PLN"),
        _order(hub_id, p[5], b[1], feb, 21250, "PLN"),
        _order(hub_id, p[1], b[2], feb, 42500, "PLN", tender_reference="ocds-test-1 lot 1"),
        _order(hub_id, p[2], b[3], feb, 100, "PLN"),
        _order(hub_id, p[3], b[4], feb, 1000, "CZK"),
    ]
    async with transaction(sessions) as session:
        session.add_all([*p, *b])
        await session.flush()
        session.add_all(
            [
                inclusion(p[0], InclusionAttribute.women_led, hub_id),
                inclusion(p[1], InclusionAttribute.women_led, hub_id),
                inclusion(p[1], InclusionAttribute.cooperative, hub_id),
                inclusion(p[6], InclusionAttribute.youth_led, hub_id),
                inclusion(p[2], InclusionAttribute.minority_led, None),
                inclusion(p[3], InclusionAttribute.women_led, uuid.uuid4()),
            ]
        )
        session.add_all([checkout for checkout, _ in orders])
        await session.flush()
        session.add_all([order for _, order in orders])
        await store_rates(
            session,
            [
                RateRow(base="EUR", quote="PLN", rate=Decimal("4.0000"), as_of=dt.date(2026, 1, 1), source="ECB"),
                RateRow(base="EUR", quote="PLN", rate=Decimal("4.2500"), as_of=dt.date(2026, 2, 1), source="ECB"),
            ],
        )
    await refresh_summary(sessions)
    return KnownTrade(hub=hub, coordinator=coordinator, producers=[o.id for o in p], buyers=[o.id for o in b])
