"""Foundation figures: login latency (argon2id by design), authenticated reads, audited writes.

Run: `uv run python benchmarks/foundation.py [--requests 2000] [--concurrency 16]`.
Starts its own service (embedded PostgreSQL, demo data) on a free loopback port.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt

import httpx

from benchmarks.harness import load, machine, running_service

COORDINATOR = {"email": "coordinator@demo.borderhub.eu", "password": "borderhub-demo"}
PRODUCER = {"email": "anna@piekarnia-nowak.demo", "password": "borderhub-demo"}


async def main(requests: int, concurrency: int) -> None:
    with running_service() as base:
        async with httpx.AsyncClient(base_url=base) as client:
            token = (await client.post("/api/v1/auth/login", json=PRODUCER)).json()["access_token"]
            headers = {"Authorization": f"Bearer {token}"}
            organization = (await client.get("/api/v1/organizations", headers=headers)).json()["items"][0]["id"]
            key = (await client.post("/api/v1/me/api-keys", json={"name": "bench"}, headers=headers)).json()["key"]
        results = [
            await load(
                "login (argon2id, sequential)",
                lambda c, _: c.post("/api/v1/auth/login", json=COORDINATOR),
                base=base,
                total=max(20, requests // 100),
                concurrency=1,
            ),
            await load(
                "GET /organizations/{id} (JWT)",
                lambda c, _: c.get(f"/api/v1/organizations/{organization}", headers=headers),
                base=base,
                total=requests,
                concurrency=concurrency,
            ),
            await load(
                "GET /organizations/{id} (API key)",
                lambda c, _: c.get(f"/api/v1/organizations/{organization}", headers={"X-API-Key": key}),
                base=base,
                total=requests,
                concurrency=concurrency,
            ),
            await load(
                "PATCH /organizations/{id} (audited)",
                lambda c, i: c.patch(
                    f"/api/v1/organizations/{organization}", json={"employee_count": 5 + i % 7}, headers=headers
                ),
                base=base,
                total=requests // 2,
                concurrency=concurrency,
            ),
            await load(
                "GET /places/countries?lang=pl",
                lambda c, _: c.get("/api/v1/places/countries?lang=pl"),
                base=base,
                total=requests,
                concurrency=concurrency,
            ),
        ]
    print(f"# foundation benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    print(f"# one uvicorn process (embedded default), {concurrency} concurrent clients on loopback")
    for result in results:
        print(result.line())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.requests, arguments.concurrency))
