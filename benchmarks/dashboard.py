"""A hub dashboard over 1,000,000 order lines spread across 24 months.

Run: `uv run python -m benchmarks.dashboard [--orders 250000] [--repeat 20]`.

In process, on a fresh embedded PostgreSQL with the demo hub. The data is generated in SQL
(`generate_series`, seeded): 600 producers in PL-02, DE-SN and CZ-51 (a third of them verified
women-, youth-, minority-led or cooperatives by the hub), 400 buyers, `--orders` orders of 4 lines
each (default 250,000 orders = 1,000,000 lines; each buyer orders from 8 regular producers), placed
evenly over the last 24 months in the producer's currency (PLN, EUR or CZK), 3 % cancelled, 5 %
placed from tender awards; two thirds carry the seller's country's VAT (23 %, 7 % or 12 %), the rest
none (intra-Community supplies), and 2 % had a quarter of their gross total credited by a dispute;
ECB-style EUR rates for PLN and CZK on every weekday of those months.

Timed: the worker's `refresh_dashboards` building the order summary from nothing, then its minutely
run in steady state (rebuilding the months with orders written in the last ten minutes). Then through
HTTP (`GET /api/v1/hubs/{id}/dashboard` for the 24 months, as the demo coordinator): the first
(cold) request, then `--repeat` warm requests (median and p95), and the public `/open-data` summary
and a PNG chart the same way.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import text

from benchmarks.harness import machine
from borderhub.app import create_app
from borderhub.cli import load_demo_data
from borderhub.composition import compose
from borderhub.settings import ensure_secrets, load_settings
from kernel import embedded, migrate
from kernel.db import create_engine, transaction
from marketplace.dashboard.repository import DashboardRepository
from marketplace.demo import COORDINATOR_EMAIL, DEMO_PASSWORD

LINES_PER_ORDER = 4
MONTHS = 24

_ORGANIZATIONS = """
INSERT INTO marketplace.organization (id, created_at, updated_at, legal_name, kind, registration_scheme,
    registration_id, country, subdivision, default_currency, languages, employee_count)
SELECT gen_random_uuid(), now(), now(), 'Bench ' || :kind || ' ' || i, CAST(:kind AS marketplace.organization_kind),
       'BENCH', :kind || i, (ARRAY['PL', 'DE', 'CZ'])[1 + i % 3], (ARRAY['PL-02', 'DE-SN', 'CZ-51'])[1 + i % 3],
       (ARRAY['PLN', 'EUR', 'CZK'])[1 + i % 3], ARRAY[(ARRAY['pl', 'de', 'cs'])[1 + i % 3]], 1 + i % 12
FROM generate_series(0, :count - 1) AS i
"""

_INCLUSION = """
INSERT INTO marketplace.inclusion (id, created_at, updated_at, organization_id, attribute, declared, verified,
    verified_by_hub_id, verified_at)
SELECT gen_random_uuid(), now(), now(), o.id,
       (ARRAY['women_led', 'youth_led', 'minority_led', 'cooperative'])[1 + n % 4]::marketplace.inclusion_attribute,
       true, true, :hub_id, now()
FROM (SELECT id, row_number() OVER (ORDER BY registration_id) AS n FROM marketplace.organization
      WHERE registration_scheme = 'BENCH' AND kind = 'producer') o
WHERE n % 3 = 0
"""

_RATES = """
INSERT INTO kernel.fx_rate (id, created_at, updated_at, base, quote, rate, as_of, source)
SELECT gen_random_uuid(), d, d, 'EUR', q.quote,
       round(q.level * (1 + 0.03 * sin(extract(doy FROM d)))::numeric, 4), d::date, 'ECB'
FROM generate_series(current_date - 740, current_date, interval '1 day') AS d,
     (VALUES ('PLN', 4.25), ('CZK', 25.1)) AS q(quote, level)
WHERE extract(isodow FROM d) < 6
ON CONFLICT DO NOTHING
"""

# One checkout and one order per row of `plan`; four lines per order. Buyer g % 400 orders in turn from
# its 8 regular producers, as B2B buyers do.
_PLAN = """
CREATE TEMP TABLE plan AS
WITH p AS (SELECT id, default_currency, row_number() OVER (ORDER BY registration_id) - 1 AS n
           FROM marketplace.organization WHERE registration_scheme = 'BENCH' AND kind = 'producer'),
     b AS (SELECT id, coalesce(subdivision, country) AS jurisdiction,
                  row_number() OVER (ORDER BY registration_id) - 1 AS n
           FROM marketplace.organization WHERE registration_scheme = 'BENCH' AND kind = 'buyer'),
     g AS (SELECT g, g % 400 AS bn, ((g % 400) * 37 + ((g / 400) % 8) * 71) % 600 AS pn
           FROM generate_series(0, :orders - 1) AS g)
SELECT g.g, gen_random_uuid() AS checkout_id, gen_random_uuid() AS order_id, p.id AS producer, b.id AS buyer,
       b.jurisdiction, p.default_currency AS currency,
       now() - make_interval(secs => (g.g::float8 / :orders) * :months * 30.4 * 86400) AS placed,
       (500 + (g.g::bigint * 31337) % 40000)::int AS line_minor,
       CASE WHEN g.g % 3 = 0 THEN 0 ELSE CASE p.default_currency WHEN 'PLN' THEN 23 WHEN 'EUR' THEN 7 ELSE 12 END
       END AS vat_percent,
       CASE WHEN g.g % 33 = 0 THEN 'cancelled' ELSE 'delivered' END AS status,
       CASE WHEN g.g % 20 = 0 THEN 'ocds-bench-' || (g.g / 1000) || ' lot 1' END AS tender_reference
FROM g JOIN p ON p.n = g.pn JOIN b ON b.n = g.bn
"""

_CHECKOUTS = """
INSERT INTO marketplace.checkout (id, created_at, updated_at, buyer_organization_id, hub_id, placed_by, payment_method,
    display_currency, delivery_jurisdiction, delivery_address)
SELECT checkout_id, placed, placed, buyer, :hub_id, :placed_by, 'invoice', currency, jurisdiction, '{}'::jsonb FROM plan
"""

# The lines' net, its VAT rounded half-up once, and a quarter of the gross credited on every 50th order.
_ORDERS = """
INSERT INTO marketplace.purchase_order (id, created_at, updated_at, checkout_id, buyer_organization_id,
    producer_organization_id, hub_id, status, payment_method, currency, total_minor, vat_minor, credited_minor,
    display_currency, display_total_minor, fx_rate, fx_rate_date, fx_rate_source, delivery_jurisdiction,
    delivery_address, placed_by, status_changed_at, tender_reference)
SELECT order_id, placed, placed, checkout_id, buyer, producer, :hub_id, status::marketplace.order_status, 'invoice',
       currency, net + vat, vat, CASE WHEN g % 50 = 7 THEN (net + vat) / 4 ELSE 0 END, currency, net + vat, 1,
       placed::date, 'identity', jurisdiction, '{}'::jsonb, :placed_by, placed, tender_reference
FROM (SELECT *, line_minor * :lines AS net, (line_minor * :lines * vat_percent + 50) / 100 AS vat FROM plan) AS p
"""

_LINES = """
INSERT INTO marketplace.order_line (id, created_at, updated_at, order_id, position, sku, title, language, unit_code,
    quantity, unit_price, tier_min_quantity, total_minor)
SELECT gen_random_uuid(), placed, placed, order_id, k, 'SKU-' || k, 'Bench goods ' || k, 'pl', 'KGM', 1,
       line_minor / 100.0, 1, line_minor
FROM plan, generate_series(0, :lines - 1) AS k
"""


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


async def load(url: str, root: Path, orders: int) -> Any:
    settings = ensure_secrets(load_settings(database_url=url, data_dir=root / "data", log_level="WARNING"))
    engine = create_engine(url)
    sessions = compose(settings).sessions(engine)  # the demo data emits events: they need the registry
    started = time.perf_counter()
    async with transaction(sessions) as session:
        demo = await load_demo_data(session, settings)
        if demo.hub_id is None or demo.coordinator is None:
            raise RuntimeError("the demo hub was already there; use a fresh data dir")
        params = {"hub_id": demo.hub_id, "placed_by": demo.coordinator.user_id}
        await session.execute(text(_ORGANIZATIONS), {"kind": "producer", "count": 600})
        await session.execute(text(_ORGANIZATIONS), {"kind": "buyer", "count": 400})
        await session.execute(text(_INCLUSION), params)
        await session.execute(text(_RATES))
        await session.execute(text("SELECT setseed(0.2026)"))
        await session.execute(text(_PLAN), {"orders": orders, "months": MONTHS})
        await session.execute(text(_CHECKOUTS), params)
        await session.execute(text(_ORDERS), {**params, "lines": LINES_PER_ORDER})
        await session.execute(text(_LINES), {"lines": LINES_PER_ORDER})
    async with engine.begin() as connection:  # committed: statistics gathered in a rolled-back transaction are lost
        await connection.execute(text("ANALYZE"))
        lines = (await connection.execute(text("SELECT count(*) FROM marketplace.order_line"))).scalar_one()
    print(
        f"- data: {orders:,} orders, {lines:,} order lines over {MONTHS} months, loaded in "
        f"{time.perf_counter() - started:.0f} s"
    )
    for run in ("from nothing", "minutely, steady state"):
        started = time.perf_counter()
        async with transaction(sessions) as session:
            months = await DashboardRepository(session).refresh()
        print(f"- summary refresh ({run}): {time.perf_counter() - started:.2f} s, {months} hub-months rebuilt")
    async with engine.begin() as connection:
        await connection.execute(text("ANALYZE marketplace.order_month_summary"))
        rows = (await connection.execute(text("SELECT count(*) FROM marketplace.order_month_summary"))).scalar_one()
    print(f"- summary: {rows:,} rows")
    await engine.dispose()
    return settings, demo.hub_id


async def timed(client: AsyncTestClient[Any], url: str, repeat: int, **kwargs: Any) -> tuple[float, list[float]]:
    started = time.perf_counter()
    first = await client.get(url, **kwargs)
    cold = time.perf_counter() - started
    first.raise_for_status()
    warm = []
    for _ in range(repeat):
        started = time.perf_counter()
        (await client.get(url, **kwargs)).raise_for_status()
        warm.append(time.perf_counter() - started)
    return cold, sorted(warm)


def _line(name: str, cold: float, warm: list[float]) -> str:
    p95 = warm[min(len(warm) - 1, round(0.95 * (len(warm) - 1)))]
    return f"- {name}: cold {_ms(cold)}, warm median **{_ms(statistics.median(warm))}**, p95 {_ms(p95)}"


async def run(root: Path, url: str, orders: int, repeat: int) -> None:
    print(f"# Dashboard benchmark — {machine()}")
    settings, hub_id = await load(url, root, orders)
    async with AsyncTestClient(app=create_app(settings), timeout=120) as client:
        login = await client.post("/api/v1/auth/login", json={"email": COORDINATOR_EMAIL, "password": DEMO_PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        last = (await client.get(f"/api/v1/hubs/{hub_id}/dashboard", headers=headers)).json()["last_day"]
        this_month = dt.date.fromisoformat(last)
        period = {"from": f"{this_month.year - 2}-{this_month.month:02d}", "to": f"{this_month:%Y-%m}"}
        base = f"/api/v1/hubs/{hub_id}"
        cold, warm = await timed(client, f"{base}/dashboard", repeat, params=period, headers=headers)
        size = len((await client.get(f"{base}/dashboard", params=period, headers=headers)).content)
        print(_line(f"dashboard JSON ({period['from']} – {period['to']}, {size / 1000:.0f} kB)", cold, warm))
        print(_line("open data JSON", *await timed(client, f"{base}/open-data", repeat, params=period)))
        chart = f"{base}/dashboard/charts/cross-border.png"
        print(
            _line(
                "cross-border chart PNG",
                *await timed(client, chart, max(repeat // 4, 1), params=period, headers=headers),
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000 // LINES_PER_ORDER, help="orders of 4 lines each")
    parser.add_argument("--repeat", type=int, default=20, help="warm requests per endpoint")
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="borderhub-bench-dashboard-"))
    url = embedded.start(root / "pgdata", cleanup="delete")
    migrate.upgrade(url)  # Alembic runs its own event loop: before ours
    asyncio.run(run(root, url, args.orders, args.repeat))


if __name__ == "__main__":
    main()
