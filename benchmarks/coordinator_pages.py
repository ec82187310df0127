"""The coordinator's and the public's pages against the JSON API doing the same work, on the demo hub:
server time at `--concurrency` clients, and what each page weighs with everything it loads.

Run: `uv run python -m benchmarks.coordinator_pages [--concurrency 8] [--requests 300] [--rounds 2]`.

Starts its own service with the demo data (the bread tender's offers opened and its award proposed,
the work queue holding an applicant, declarations and a certificate). As the demo coordinator
(German), alternating API and page rounds in the same run:
- the evaluation and award page against `GET /api/v1/tenders/{id}/award` (the same read; the page
  adds the tender, the order and savings reads it shows, and the HTML);
- the work queue against `GET /api/v1/hubs/{id}` (the cheapest read of the hub: the queue has no
  API twin, so this is the floor it is measured against);
- the public portal's tender page, not signed in, against `GET /api/v1/tenders/{id}`.
The figure is the page's p95 over the API's (best round of each). Last, each page's transfer size in
the system Chromium, as `benchmarks.pages` measures it.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

import httpx

from benchmarks.harness import machine, running_service
from benchmarks.pages import _report, compare, page_cookies, transfer_sizes
from benchmarks.search import _login
from marketplace.demo import COORDINATOR_EMAIL


def _bread_tender(client: httpx.Client, bearer: dict[str, str]) -> tuple[str, str]:
    """The demo hub's id and its bread tender's (the one whose award is proposed)."""
    [hub] = client.get("/api/v1/hubs", headers=bearer).json()["items"]
    tenders = client.get(f"/api/v1/hubs/{hub['id']}/tenders", headers=bearer).json()["items"]
    [bread] = [tender for tender in tenders if tender["status"] == "evaluated"]
    return hub["id"], bread["id"]


async def server_times(
    base: str, bearer: dict[str, str], cookies: httpx.Cookies, hub_id: str, tender_id: str, args: argparse.Namespace
) -> None:
    german = {"Accept-Language": "de"}
    api_headers = {**bearer, **german}
    rounds = {"base": base, "requests": args.requests, "concurrency": args.concurrency, "rounds": args.rounds}

    async def api_award(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.get(f"/api/v1/tenders/{tender_id}/award", headers=api_headers)

    async def page_award(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.get(f"/hubs/{hub_id}/tenders/{tender_id}/award", headers=german, cookies=cookies)

    async def api_hub(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.get(f"/api/v1/hubs/{hub_id}", headers=api_headers)

    async def page_queue(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.get(f"/hubs/{hub_id}", headers=german, cookies=cookies)

    async def api_tender(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.get(f"/api/v1/tenders/{tender_id}", headers=german)

    async def page_tender(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.get(f"/portal/{hub_id}/tenders/{tender_id}", headers=german)

    _report("award page vs the award read", *await compare("award", api_award, page_award, **rounds))
    _report("work queue vs the hub read", *await compare("queue", api_hub, page_queue, **rounds))
    _report("public tender page vs the tender read", *await compare("portal", api_tender, page_tender, **rounds))


def main(args: argparse.Namespace) -> None:
    print(f"{machine()}; demo data; {args.concurrency} clients; {args.requests} requests per round")
    data_dir = Path(tempfile.mkdtemp(prefix="borderhub-bench-coordinator-"))
    with running_service(data_dir=data_dir) as base:
        with httpx.Client(base_url=base, timeout=60) as client:
            bearer = _login(client, COORDINATOR_EMAIL)
            hub_id, tender_id = _bread_tender(client, bearer)
        cookies = page_cookies(base, COORDINATOR_EMAIL)
        asyncio.run(server_times(base, bearer, cookies, hub_id, tender_id, args))
        hub = f"/hubs/{hub_id}"
        coordinator = {
            "work queue": hub,
            "organisations": f"{hub}/organizations",
            "tenders": f"{hub}/tenders",
            "evaluation and award": f"{hub}/tenders/{tender_id}/award",
            "dashboards (12 months)": f"{hub}/dashboards",
            "settings": f"{hub}/settings",
        }
        asyncio.run(transfer_sizes(base, COORDINATOR_EMAIL, coordinator))
        public = {
            "portal": f"/portal/{hub_id}",
            "public tender page": f"/portal/{hub_id}/tenders/{tender_id}",
            "open data": f"/portal/{hub_id}/open-data",
            "catalogue": f"/portal/{hub_id}/catalogue",
        }
        asyncio.run(transfer_sizes(base, None, public))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    main(parser.parse_args())
