"""Checkout throughput: 3 lines from 2 producers, against the running service and against a bare-asyncpg ceiling.

Run: `uv run python -m benchmarks.checkout [--seconds 30] [--connections 16] [--worker-process]` (needs wrk).

Starts its own service (embedded PostgreSQL, demo data), lets the demo hub recognise
Polish veterinary approvals in Germany (so the dairy's cheese may ship to Görlitz),
adds a second bakery listing and plenty of stock, then:

1. service: `wrk` (Debian's package: one C thread, a small share of a core, where httpx
   clients in this process took most of one of the cores the service needs) keeps
   `--connections` checkouts in flight for `--seconds`, after a 5 s warm-up:
   `POST /api/v1/checkouts` (bread and rolls from the bakery, cheese from the dairy, by
   invoice, each with its own Idempotency-Key; `benchmarks/checkout.lua`) — everything the
   API does: authentication, membership, hub and compliance checks, pricing, FX, stock,
   invoices, audit, outbox. Every answer must be 201: the others are counted and the first
   shown, and the run stops if most were refused. Then it waits (up to 2 minutes) until the
   worker has delivered the events the checkouts emitted, and prints the CPU time the
   serving process, the worker, PostgreSQL and wrk used over the run and that drain, and
   the serving process's memory;
2. ceiling: as many checkouts as the service placed, from `--connections` bare asyncpg
   connections doing the same writes per checkout in one transaction (idempotency key,
   three conditional stock updates, checkout, two orders, three lines, two invoice numbers
   and invoices, two audit entries, two outbox events) with none of the reads, checks,
   deliveries or HTTP.

The worker runs inside the serving process (the default with the embedded database); with
`--worker-process`, `serve` runs with RUN_WORKER_IN_PROCESS=false and a `borderhub worker`
process of its own, attached to the same embedded server, delivers the events. Both phases run
against the same database on this machine, one after the other.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import re
import shutil
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uuid_utils.compat
from pgqueuer.db import AsyncpgDriver
from pgqueuer.queries import Queries

from benchmarks.harness import (
    Figure,
    Result,
    cpu_seconds,
    machine,
    postgres_cpu_seconds,
    running_service,
    running_worker,
    wrk,
)
from kernel import embedded
from kernel.db import asyncpg_dsn
from kernel.outbox import DELIVER_ENTRYPOINT
from marketplace.demo import DEMO_PASSWORD

SCRIPT = Path(__file__).with_name("checkout.lua")
WARM_UP_SECONDS = 5
DRAIN_TIMEOUT_SECONDS = 120

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


@dataclass(frozen=True)
class Checkouts:
    """One wrk run of checkouts, with what `checkout.lua` counted."""

    figure: Figure
    refused: int
    """Answers other than 201 Created."""
    first_refusal: str
    p95_ms: float

    @property
    def placed(self) -> int:
        return self.figure.requests - self.refused

    @property
    def per_second(self) -> float:
        return self.placed / self.figure.seconds

    def line(self, name: str) -> str:
        figure = self.figure
        return (
            f"{name:<38} {self.placed:>6} placed  {self.per_second:>8.1f} /s  p50 {figure.p50_ms:>7.1f} ms  "
            f"p95 {self.p95_ms:>7.1f} ms  p99 {figure.p99_ms:>7.1f} ms  not 201: {self.refused}  "
            f"socket errors: {figure.socket_errors}"
        )


def checkouts(base: str, headers: dict[str, str], body: dict[str, Any], *, seconds: int, connections: int) -> Checkouts:
    """`connections` clients placing the checkout `body` for `seconds`, each request with a key of its own;
    stops the benchmark if most answers were not 201 (a refusal is quick, so it would pass for speed)."""
    figure = wrk(
        f"{base}/api/v1/checkouts",
        {**headers, "Content-Type": "application/json"},
        seconds=seconds,
        connections=connections,
        script=SCRIPT,
        script_args=[f"bench-{uuid.uuid4().hex}", json.dumps(body)],
    )
    refused = re.search(r"^not 201: (\d+)$", figure.output, re.MULTILINE)
    p95 = re.search(r"^p95: (\d+) us$", figure.output, re.MULTILINE)
    if refused is None or p95 is None:
        raise RuntimeError(f"{SCRIPT.name} reported nothing:\n{figure.output}")
    first = re.search(r"^first refusal: (.*)$", figure.output, re.MULTILINE)
    run = Checkouts(figure, int(refused.group(1)), first.group(1) if first else "", int(p95.group(1)) / 1000)
    if run.refused:
        print(f"!! {run.refused} of {figure.requests} checkouts were not 201; the first: {run.first_refusal}")
    if run.placed * 2 <= figure.requests:
        raise SystemExit(f"most checkouts were refused ({run.refused} of {figure.requests}): no figure to record")
    return run


@dataclass(frozen=True)
class Drain:
    """The outbox deliveries after a run: how many waited, how long the worker took, what is left."""

    waiting: int
    seconds: float
    left: int
    held: int
    """Given up after MAX_ATTEMPTS failed calls (`borderhub jobs held`)."""


async def _deliveries(connection: asyncpg.Connection) -> Counter[str]:
    """Delivery jobs in the queue by status (done ones leave it for pgqueuer's log)."""
    counts: Counter[str] = Counter()
    for row in await Queries(AsyncpgDriver(connection)).queue_size():
        if row.entrypoint == DELIVER_ENTRYPOINT:
            counts[row.status] += row.count
    return counts


async def drain(dsn: str) -> Drain:
    """Wait until the worker has delivered every event waiting in the outbox (at most
    DRAIN_TIMEOUT_SECONDS), so that the run's figures include the work its events cause."""
    connection = await asyncpg.connect(dsn)
    try:
        started = time.perf_counter()
        counts = await _deliveries(connection)
        waiting = left = counts["queued"] + counts["picked"]
        while left and time.perf_counter() - started < DRAIN_TIMEOUT_SECONDS:
            await asyncio.sleep(0.25)
            counts = await _deliveries(connection)
            left = counts["queued"] + counts["picked"]
        return Drain(waiting, time.perf_counter() - started, left, counts["failed"])
    finally:
        await connection.close()


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


def cpu_used(service: int, worker: int | None, pgdata: Path) -> dict[str, float]:
    """CPU time so far of the serving process, the worker process (if one) and PostgreSQL."""
    used = {"serving process": cpu_seconds(service), "PostgreSQL": postgres_cpu_seconds(pgdata)}
    if worker is not None:
        used["worker process"] = cpu_seconds(worker)
    return used


def main(seconds: int, connections: int, worker_process: bool) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    data_dir = Path(tempfile.mkdtemp(prefix="borderhub-bench-"))
    pgdata = data_dir / "pgdata"
    where = "in its own process" if worker_process else "in the serving process"
    print(f"# checkout benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    print(f"# 3 lines from 2 producers; wrk, 1 thread, {connections} connections, {seconds} s; the worker {where}")
    env = {"RUN_WORKER_IN_PROCESS": "false"} if worker_process else {}
    with running_service(data_dir=data_dir, env=env) as base, contextlib.ExitStack() as stack:
        worker = stack.enter_context(running_worker(data_dir)) if worker_process else None
        dsn = asyncpg_dsn(embedded.start(pgdata))
        headers, body = prepare(base)
        warm_up = checkouts(base, headers, body, seconds=WARM_UP_SECONDS, connections=connections)
        print(f"warm-up: {warm_up.placed} checkouts in {WARM_UP_SECONDS} s")
        asyncio.run(drain(dsn))  # the warm-up's deliveries are not the run's work
        before, started = cpu_used(base.pid, worker, pgdata), time.perf_counter()
        service = checkouts(base, headers, body, seconds=seconds, connections=connections)
        delivered = asyncio.run(drain(dsn))
        after, wall = cpu_used(base.pid, worker, pgdata), time.perf_counter() - started
        print(service.line("service: POST /api/v1/checkouts"))
        drained = (
            f"delivered in {delivered.seconds:.1f} s after the run"
            if not delivered.left
            else f"{delivered.left} still waiting after {delivered.seconds:.0f} s"
        )
        print(
            f"outbox: {delivered.waiting} deliveries waiting when the run ended, {drained}; {delivered.held} held; "
            f"the run and the drain together {service.placed / (service.figure.seconds + delivered.seconds):.1f} "
            "checkouts/s"
        )
        print(f"CPU over the run and the drain ({wall:.1f} s, {len(after)} processes measured and wrk):")
        for name, total in after.items():
            spent = total - before[name]
            print(
                f"  {name:<16} {spent:>6.1f} s  {spent / wall:>4.0%} of a core  "
                f"{spent * 1000 / service.placed:>6.1f} ms per checkout"
            )
        spent = service.figure.cpu_seconds
        print(f"  {'wrk':<16} {spent:>6.1f} s  {spent / wall:>4.0%} of a core")
        resident, peak = base.memory_mb()
        print(f"serving process after the checkouts: {resident:.0f} MB resident, peak {peak:.0f} MB")
        stack.close()  # the worker stops before the ceiling, which leaves it nothing to deliver
        ceiling = asyncio.run(ceiling_run(dsn, body, max(service.placed, 10 * connections), connections))
        print(ceiling.line())
        print(f"service / ceiling: {service.per_second / ceiling.per_second:.0%}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=30, help="length of the measured run (after a 5 s warm-up)")
    parser.add_argument("--connections", type=int, default=16, help="checkouts in flight (wrk's connections)")
    parser.add_argument(
        "--worker-process",
        action="store_true",
        help="deliver the outbox in a `borderhub worker` process of its own, not inside `serve`",
    )
    arguments = parser.parse_args()
    main(arguments.seconds, arguments.connections, arguments.worker_process)
