"""Checkout throughput: 3 lines from 2 producers, against the running service and against a bare-asyncpg ceiling.

Run: `uv run python -m benchmarks.checkout [--checkouts 2000] [--concurrency 16]`.

Starts its own service (embedded PostgreSQL, demo data), lets the demo hub recognise
Polish veterinary approvals in Germany (so the dairy's cheese may ship to Görlitz),
adds a second bakery listing and plenty of stock, then:

1. service: concurrent clients send `POST /api/v1/checkouts` (bread and rolls from the
   bakery, cheese from the dairy, by invoice, each with its own Idempotency-Key) —
   everything the API does: authentication, membership, hub and compliance checks,
   pricing, FX, stock, invoices, audit, outbox;
2. ceiling: the same number of connections run a bare asyncpg script doing the same
   writes per checkout in one transaction (idempotency key, three conditional stock
   updates, checkout, two orders, three lines, two invoice numbers and invoices, two
   audit entries, two outbox events) with none of the reads, checks or HTTP.

Both run against the same database on this machine, one after the other.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uuid_utils.compat

from benchmarks.harness import Result, load, machine, running_service
from kernel import embedded
from kernel.db import asyncpg_dsn
from marketplace.demo import DEMO_PASSWORD

ADDRESS = {"recipient": "Stadt Görlitz, Schulküche", "line1": "Untermarkt 6", "postal_code": "02826", "city": "Görlitz"}


def _login(client: httpx.Client, email: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _first(client: httpx.Client, url: str, headers: dict[str, str]) -> str:
    response = client.get(url, headers=headers)
    response.raise_for_status()
    identifier: str = response.json()["items"][0]["id"]
    return identifier


def prepare(base: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The buyer's headers and a checkout body of 3 lines from 2 producers, with stock for any run."""
    with httpx.Client(base_url=base, timeout=60) as client:
        buyer, bakery, dairy, coordinator = (
            _login(client, email)
            for email in (
                "einkauf@goerlitz.demo",
                "anna@piekarnia-nowak.demo",
                "jan@mleczarnia-nysa.demo",
                "coordinator@demo.borderhub.eu",
            )
        )
        hub = _first(client, "/api/v1/hubs", coordinator)
        client.post(
            f"/api/v1/hubs/{hub}/recognitions",
            json={"credential_type": "veterinary_approval", "issued_in": "PL", "recognised_in": "DE"},
            headers=coordinator,
        ).raise_for_status()
        buyer_org = _first(client, "/api/v1/organizations", buyer)
        bakery_org = _first(client, "/api/v1/organizations", bakery)
        dairy_org = _first(client, "/api/v1/organizations", dairy)
        bread = _first(client, f"/api/v1/organizations/{bakery_org}/listings", bakery)
        cheese = _first(client, f"/api/v1/organizations/{dairy_org}/listings", dairy)
        rolls = client.post(
            f"/api/v1/organizations/{bakery_org}/listings",
            json={
                "sku": "BULKI-PSZENNE-6",
                "translations": {"pl": {"title": "Bułki pszenne, 6 szt."}, "de": {"title": "Weizenbrötchen, 6 Stück"}},
                "default_language": "pl",
                "classification": {"scheme": "CPV", "code": "15811200-8"},
                "unit": "XPK",
                "pack_size": "1",
                "price_tiers": [
                    {"min_quantity": "1", "unit_price": "6.50"},
                    {"min_quantity": "50", "unit_price": "5.90"},
                ],
                "stock_on_hand": "100000000",
                "ships_to": ["PL-02", "DE-SN"],
            },
            headers=bakery,
        )
        rolls.raise_for_status()
        for listing, maker in ((bread, bakery), (cheese, dairy)):
            client.put(
                f"/api/v1/listings/{listing}/stock", json={"adjust_by": "100000000"}, headers=maker
            ).raise_for_status()
        body = {
            "buyer_organization_id": buyer_org,
            "lines": [
                {"listing_id": bread, "quantity": "60"},
                {"listing_id": rolls.json()["id"], "quantity": "20"},
                {"listing_id": cheese, "quantity": "25"},
            ],
            "delivery": {"jurisdiction": "DE-SN", "address": ADDRESS},
            "payment_method": "invoice",
        }
        probe = client.post("/api/v1/checkouts", json=body, headers=buyer)
        if probe.status_code != 201:  # noqa: PLR2004
            raise RuntimeError(f"the benchmark checkout is refused: {probe.text}")
        return buyer, body


async def service_run(base: str, headers: dict[str, str], body: dict[str, Any], total: int, concurrency: int) -> Result:
    async def checkout(client: httpx.AsyncClient, index: int) -> httpx.Response:
        keyed = {**headers, "Idempotency-Key": f"bench-{index}-{uuid.uuid4().hex}"}
        return await client.post("/api/v1/checkouts", json=body, headers=keyed)

    return await load("service: POST /checkouts", checkout, base=base, total=total, concurrency=concurrency)


async def _bare_checkout(conn: Any, ids: dict[str, Any]) -> None:
    """The writes of one checkout, in one transaction, with no reads beyond RETURNING."""
    now = dt.datetime.now(dt.UTC)
    new = uuid_utils.compat.uuid7
    async with conn.transaction():
        key = new()
        await conn.execute(
            "INSERT INTO kernel.idempotency_key (id, user_id, key, fingerprint, response_body, expires_at,"
            " created_at, updated_at) VALUES ($1, $2, $3, $4, '', $5, $6, $6)",
            key,
            ids["user"],
            key.hex,
            "f" * 64,
            now + dt.timedelta(days=1),
            now,
        )
        for listing, quantity in ids["lines"]:
            row = await conn.fetchrow(
                "UPDATE marketplace.listing SET stock_on_hand = stock_on_hand - $2"
                " WHERE id = $1 AND status = 'active' AND stock_on_hand >= $2 RETURNING *",
                listing,
                quantity,
            )
            assert row is not None  # noqa: S101
        checkout = new()
        await conn.execute(
            "INSERT INTO marketplace.checkout (id, buyer_organization_id, hub_id, placed_by, payment_method,"
            " display_currency, delivery_jurisdiction, delivery_address, created_at, updated_at)"
            " VALUES ($1, $2, $3, $4, 'invoice', 'EUR', 'DE-SN', $5, $6, $6)",
            checkout,
            ids["buyer"],
            ids["hub"],
            ids["user"],
            json.dumps(ADDRESS),
            now,
        )
        orders = []
        for producer, lines in ids["orders"]:
            order = new()
            orders.append(order)
            await conn.execute(
                "INSERT INTO marketplace.purchase_order (id, checkout_id, buyer_organization_id,"
                " producer_organization_id, hub_id, status, payment_method, currency, total_minor, display_currency,"
                " display_total_minor, fx_rate, fx_rate_date, fx_rate_source, delivery_jurisdiction, delivery_address,"
                " placed_by, status_changed_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'pending_payment',"
                " 'invoice', 'PLN', 100000, 'EUR', 23500, 0.235, $6, 'ECB', 'DE-SN', $7, $8, $9, $9, $9)",
                order,
                checkout,
                ids["buyer"],
                producer,
                ids["hub"],
                now.date(),
                json.dumps(ADDRESS),
                ids["user"],
                now,
            )
            await conn.executemany(
                "INSERT INTO marketplace.order_line (id, order_id, position, listing_id, listing_version, sku, title,"
                " language, unit_code, quantity, unit_price, tier_min_quantity, total_minor, created_at, updated_at)"
                " VALUES ($1, $2, $3, $4, 1, 'SKU', 'Title', 'de', 'KGM', $5, 8.9, 1, 53400, $6, $6)",
                [
                    (new(), order, position, listing, quantity, now)
                    for position, (listing, quantity) in enumerate(lines)
                ],
            )
            number = await conn.fetchval(
                "INSERT INTO marketplace.invoice_counter (id, producer_organization_id, last_number, created_at,"
                " updated_at) VALUES ($1, $2, 1, $3, $3) ON CONFLICT (producer_organization_id)"
                " DO UPDATE SET last_number = invoice_counter.last_number + 1, updated_at = $3 RETURNING last_number",
                new(),
                producer,
                now,
            )
            await conn.execute(
                "INSERT INTO marketplace.invoice (id, order_id, producer_organization_id, buyer_organization_id,"
                " number, currency, amount_minor, issued_on, due_on, status, created_at, updated_at)"
                " VALUES ($1, $2, $3, $4, $5, 'PLN', 100000, $6, $7, 'issued', $8, $8)",
                new(),
                order,
                producer,
                ids["buyer"],
                number,
                now.date(),
                now.date() + dt.timedelta(days=30),
                now,
            )
        await conn.executemany(
            "INSERT INTO kernel.audit_entry (id, actor_id, action, object_type, object_id, organization_id,"
            " hub_id, after, created_at, updated_at)"
            " VALUES ($1, $2, 'order.placed', 'order', $3, $4, $5, '{}', $6, $6)",
            [(new(), ids["user"], order, ids["buyer"], ids["hub"], now) for order in orders],
        )
        await conn.executemany(
            "INSERT INTO kernel.outbox_event (id, topic, payload, occurred_at, created_at, updated_at)"
            " VALUES ($1, 'marketplace.OrderPlaced', $2, $3, $3, $3)",
            [(new(), json.dumps({"order_id": str(order)}), now) for order in orders],
        )
        await conn.execute("UPDATE kernel.idempotency_key SET response_body = $2 WHERE id = $1", key, b"{}")


async def ceiling_run(dsn: str, body: dict[str, Any], total: int, concurrency: int) -> Result:
    """The same writes from `concurrency` bare connections."""
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    try:
        row = await pool.fetchrow(
            "SELECT c.buyer_organization_id, c.hub_id, c.placed_by FROM marketplace.checkout c LIMIT 1"
        )
        assert row is not None  # noqa: S101 - prepare() placed one
        listings = {
            r["id"]: r["organization_id"]
            for r in await pool.fetch(
                "SELECT id, organization_id FROM marketplace.listing WHERE id = ANY($1::uuid[])",
                [uuid.UUID(line["listing_id"]) for line in body["lines"]],
            )
        }
        lines = [(uuid.UUID(line["listing_id"]), float(line["quantity"])) for line in body["lines"]]
        by_producer: dict[uuid.UUID, list[tuple[uuid.UUID, float]]] = {}
        for listing, quantity in lines:
            by_producer.setdefault(listings[listing], []).append((listing, quantity))
        ids = {
            "buyer": row["buyer_organization_id"],
            "hub": row["hub_id"],
            "user": row["placed_by"],
            "lines": sorted(lines),
            "orders": sorted(by_producer.items()),
        }
        latencies: list[float] = []
        counter = iter(range(total))

        async def worker() -> None:
            async with pool.acquire() as conn:
                for _ in counter:
                    started = time.perf_counter()
                    await _bare_checkout(conn, ids)
                    latencies.append((time.perf_counter() - started) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
        return Result(
            name="ceiling: bare asyncpg, same writes", requests=total, errors=0, seconds=elapsed, latencies_ms=latencies
        )
    finally:
        await pool.close()


def main(total: int, concurrency: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="borderhub-bench-"))
    print(f"{machine()}; {total} checkouts of 3 lines from 2 producers, {concurrency} concurrent clients")
    with running_service(data_dir=data_dir) as base:
        headers, body = prepare(base)
        asyncio.run(service_run(base, headers, body, min(total // 10, 200), concurrency))  # warm-up
        service = asyncio.run(service_run(base, headers, body, total, concurrency))
        print(service.line())
        resident, peak = base.memory_mb()
        print(f"serving process after the checkouts: {resident:.0f} MB resident, peak {peak:.0f} MB")
        dsn = asyncpg_dsn(embedded.start(data_dir / "pgdata"))
        ceiling = asyncio.run(ceiling_run(dsn, body, total, concurrency))
        print(ceiling.line())
        print(f"service / ceiling: {service.per_second / ceiling.per_second:.0%}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--checkouts", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    arguments = parser.parse_args()
    main(arguments.checkouts, arguments.concurrency)
