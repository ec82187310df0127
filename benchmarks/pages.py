"""The web pages against the JSON API doing the same work: server time of the search results page and the
listing page at 8 clients on 100,000 listings, and what each main page weighs with everything it loads.

Run: `uv run python -m benchmarks.pages [--listings 100000] [--concurrency 8] [--requests 300] [--rounds 2]`.

Starts its own service (embedded PostgreSQL, demo data, SEARCH_BACKEND=postgres, the worker out of
process), imports generated listings as `benchmarks.search` does and indexes them with `search reindex`.
Then, with `--concurrency` clients in flight, for each query shape and for listing pages, it runs the
JSON API and the page alternately (`--rounds` times each, in the same run), as the Görlitz buyer (German,
euro): the API with a bearer token, the page with the session cookie of the sign-in form. The figure is
the page's p95 divided by the API's p95 (the issue's goal: within 1.5x).

Last, it opens each main page in the system Chromium (Playwright) and sums the bytes of every response
the page loads (HTML, style sheet, script, images: headers and bodies, as sent), the page's transfer size.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from benchmarks.harness import Result, load, machine, running_service
from benchmarks.search import BUYER, PRODUCERS, _login, catalog_csv, reindex
from marketplace.demo import DEMO_PASSWORD

#: The search page's shapes (its form's fields; the API takes the same names).
SHAPES = {
    "one word": [{"q": word} for word in ["honey", "Käse", "chleb", "pommes", "brambory", "Tomaten", "miód"]],
    "two words": [{"q": q} for q in ["fresh honey", "frische Tomaten", "świeże jabłka", "vin rouge"]],
    "one word + filters": [
        {"q": "honey", "classification": "0314", "in_stock": "true", "price_max": "20"},
        {"q": "Brot", "origin_country": "PL", "price_min": "2"},
        {"q": "cheese", "in_stock": "true", "sort": "price_asc"},
    ],
    "browse + filters (no text)": [{"classification": "03", "in_stock": "true"}, {"origin_country": "DE"}],
}
_CSRF = re.compile(r'name="_csrf_token" value="([^"]+)"')


def page_cookies(base: str, email: str) -> httpx.Cookies:
    """The session (and CSRF) cookies of signing in through the sign-in page, as a browser does."""
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/sign-in")
        token = _CSRF.search(form.text)
        assert token is not None, "the sign-in page has no CSRF token"  # noqa: S101 - a broken page ends the run
        fields = {"_csrf_token": token.group(1), "email": email, "password": DEMO_PASSWORD}
        signed_in = client.post("/sign-in", data=fields)
        if signed_in.status_code != 303:  # noqa: PLR2004 - a signed-in form redirects
            raise RuntimeError(f"signing in on the page failed: {signed_in.status_code}")
        return client.cookies


async def compare(
    name: str, api: Any, page: Any, *, base: str, requests: int, concurrency: int, rounds: int
) -> tuple[list[Result], list[Result]]:
    """`api` and `page` (each a `load` call) alternately, `rounds` times each."""
    apis, pages = [], []
    for _ in range(rounds):
        apis.append(await load(f"{name}: API", api, base=base, total=requests, concurrency=concurrency))
        pages.append(await load(f"{name}: page", page, base=base, total=requests, concurrency=concurrency))
    return apis, pages


def _p95(results: list[Result]) -> float:
    return min(result.percentile(0.95) for result in results)


async def server_times(
    base: str, bearer: dict[str, str], cookies: httpx.Cookies, listing_ids: list[str], args: argparse.Namespace
) -> None:
    german = {"Accept-Language": "de"}
    api_headers = {**bearer, **german}
    # The page searches in the buyer's currency; so does the API here.
    for name, variants in SHAPES.items():

        async def api(client: httpx.AsyncClient, i: int, variants: list[dict[str, str]] = variants) -> httpx.Response:
            params = {**variants[i % len(variants)], "currency": "EUR"}
            return await client.get("/api/v1/search/listings", params=params, headers=api_headers)

        async def page(client: httpx.AsyncClient, i: int, variants: list[dict[str, str]] = variants) -> httpx.Response:
            return await client.get("/search", params=variants[i % len(variants)], headers=german, cookies=cookies)

        _report(name, *await compare(name, api, page, base=base, requests=args.requests,
                                     concurrency=args.concurrency, rounds=args.rounds))  # fmt: skip

    async def api_listing(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.get(f"/api/v1/listings/{listing_ids[i % len(listing_ids)]}", headers=api_headers)

    async def page_listing(client: httpx.AsyncClient, i: int) -> httpx.Response:
        return await client.get(f"/listings/{listing_ids[i % len(listing_ids)]}", headers=german, cookies=cookies)

    async def api_listing_for_buyer(client: httpx.AsyncClient, i: int) -> httpx.Response:
        """What the page shows of the listing, as an API client asks it: the listing, then whether it
        may be delivered to the buyer's place (the Görlitz buyer's, Saxony)."""
        listing_id = listing_ids[i % len(listing_ids)]
        listing = await client.get(f"/api/v1/listings/{listing_id}", headers=api_headers)
        if listing.is_error:
            return listing
        where = {"destination": "DE-SN"}
        return await client.get(f"/api/v1/listings/{listing_id}/eligibility", params=where, headers=api_headers)

    _report("listing", *await compare("listing", api_listing, page_listing, base=base, requests=args.requests,
                                      concurrency=args.concurrency, rounds=args.rounds))  # fmt: skip
    name = "listing and its eligibility"
    _report(name, *await compare(name, api_listing_for_buyer, page_listing, base=base, requests=args.requests,
                                 concurrency=args.concurrency, rounds=args.rounds))  # fmt: skip


def _report(name: str, apis: list[Result], pages: list[Result]) -> None:
    for result in [*apis, *pages]:
        print(result.line())
    api, page = _p95(apis), _p95(pages)
    print(f"== {name}: p95 API {api:.0f} ms, page {page:.0f} ms: page / API = {page / api:.2f}x (best round of each)")


async def transfer_sizes(base: str, email: str | None, shown: dict[str, str]) -> None:
    """What each page of `shown` (name: path) weighs with everything it loads, in the system Chromium,
    read by `email` signed in on the sign-in page (None: nobody signed in), in German."""
    from playwright.async_api import async_playwright

    chromium = next((found for name in ("chromium", "chromium-browser") if (found := shutil.which(name))), None)
    if chromium is None:
        print("transfer sizes: skipped (no Chromium on PATH)")
        return
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, headless=True)
        context = await browser.new_context(locale="de-DE")
        if email is not None:
            page = await context.new_page()
            await page.goto(f"{base}/sign-in")
            await page.fill("#f-email", email)
            await page.fill("#f-password", DEMO_PASSWORD)
            await page.click("form[action='/sign-in'] button[type=submit]")
        signed_in = await context.storage_state()
        print("page                          requests   bytes (headers + bodies)")
        for name, path in shown.items():
            # A context of its own per page: nothing comes from an earlier page's cache.
            fresh = await browser.new_context(locale="de-DE", storage_state=signed_in)
            tab = await fresh.new_page()
            finished: list[Any] = []

            def collect(request: Any, into: list[Any] = finished) -> None:
                into.append(request)

            tab.on("requestfinished", collect)
            await tab.goto(f"{base}{path}", wait_until="load")
            total = 0
            for request in finished:
                sizes = await request.sizes()
                total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
            print(f"{name:<30} {len(finished):>5}   {total / 1024:>8.1f} KB")
            await fresh.close()
        await browser.close()


def main(args: argparse.Namespace) -> None:
    print(f"{machine()}; {args.listings} listings; {args.concurrency} clients; {args.requests} requests per round")
    data_dir = Path(tempfile.mkdtemp(prefix="borderhub-bench-pages-"))
    rng = random.Random(42)
    with running_service(data_dir=data_dir, env={"RUN_WORKER_IN_PROCESS": "false"}) as base:
        with httpx.Client(base_url=base, timeout=1800) as client:
            started = time.perf_counter()
            for producer, email in enumerate(PRODUCERS):
                headers = {**_login(client, email), "Content-Type": "text/csv"}
                organization = client.get("/api/v1/organizations", headers=headers).json()["items"][0]["id"]
                share = args.listings // len(PRODUCERS) + (1 if producer < args.listings % len(PRODUCERS) else 0)
                client.post(
                    f"/api/v1/organizations/{organization}/listings/import",
                    content=catalog_csv(producer, share, rng),
                    headers=headers,
                ).raise_for_status()
            print(f"import of {args.listings} listings: {time.perf_counter() - started:.1f} s")
            bearer = _login(client, BUYER)
        reindex(data_dir)
        with httpx.Client(base_url=base, timeout=60) as client:
            found = client.get("/api/v1/search/listings", params={"q": "honey", "per_page": 100}, headers=bearer)
            if not found.is_success or not found.json()["items"]:
                raise RuntimeError(f"no listings found to open: {found.status_code} {found.text[:200]}")
            listing_ids = [hit["id"] for hit in found.json()["items"]]
        cookies = page_cookies(base, BUYER)
        if not args.transfer_only:
            asyncio.run(server_times(base, bearer, cookies, listing_ids, args))
        shown = {
            "start page": "/",
            "search results (honey)": "/search?q=honey",
            "listing page": f"/listings/{listing_ids[0]}",
            "cart": "/cart",
            "orders": "/orders",
            "notifications": "/notifications",
        }
        asyncio.run(transfer_sizes(base, BUYER, shown))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--transfer-only", action="store_true", help="only the pages' transfer sizes")
    main(parser.parse_args())
