"""Catalog bulk import: 100,000 listings in one CSV file through the HTTP API, then export.

Run: `uv run python -m benchmarks.catalog_import [--listings 100000]`.
Starts its own service (embedded PostgreSQL, demo data) on a free loopback port and
imports into the demo bakery's catalog: a dry run (parse and check every row),
the import itself, an export (CSV and JSON lines), a re-import of the export in
upsert mode (every row compared, none changed) and one with every price changed
(every listing updated to a new version).
"""

from __future__ import annotations

import argparse
import time

import httpx

from benchmarks.harness import machine, running_service

PRODUCER = {"email": "anna@piekarnia-nowak.demo", "password": "borderhub-demo"}
HEADER = (
    "sku,default_language,title[pl],description[pl],title[de],description[de],title[en],"
    "classification_scheme,classification_code,unit,pack_size,price_tiers,stock_on_hand,ships_to,lead_time_days\n"
)


def catalog_csv(listings: int) -> bytes:
    """`listings` distinct rows in three languages with three price tiers each."""
    lines = [HEADER]
    for i in range(listings):
        price = 10 + i % 90
        lines.append(
            f"BENCH-{i:07d},pl,Chleb żytni nr {i},Na zakwasie z pieca opalanego drewnem,"
            f"Roggenbrot Nr. {i},Sauerteig aus dem Holzofen,Rye bread no. {i},"
            f"CPV,15811100-7,H87,1,1:{price}.50|20:{price}.00|100:{price - 1}.25,{i % 500},PL-02|DE-SN,{i % 7}\n"
        )
    return "".join(lines).encode()


def timed(label: str, call: httpx.Response | None, started: float, size: int) -> None:
    assert call is not None  # noqa: S101
    seconds = time.perf_counter() - started
    print(f"{label:<34} {seconds:>7.2f} s  HTTP {call.status_code}  {size / 1e6:>6.1f} MB  {call.text[:120]}")


def main(listings: int) -> None:
    body = catalog_csv(listings)
    print(f"{machine()}; {listings} listings, CSV {len(body) / 1e6:.1f} MB")
    with running_service() as base, httpx.Client(base_url=base, timeout=600) as client:
        token = client.post("/api/v1/auth/login", json=PRODUCER).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
        organization = client.get("/api/v1/organizations", headers=headers).json()["items"][0]["id"]
        url = f"/api/v1/organizations/{organization}/listings"

        started = time.perf_counter()
        response = client.post(f"{url}/import", content=body, params={"dry_run": "true"}, headers=headers)
        timed("import, dry run (check only)", response, started, len(body))

        started = time.perf_counter()
        response = client.post(f"{url}/import", content=body, headers=headers)
        timed("import", response, started, len(body))

        exported = {}
        for file_format in ("csv", "jsonl"):
            started = time.perf_counter()
            response = client.get(f"{url}/export", params={"format": file_format}, headers=headers)
            exported[file_format] = response.content
            timed(f"export {file_format}", response, started, len(response.content))

        started = time.perf_counter()
        response = client.post(f"{url}/import", content=exported["csv"], params={"mode": "upsert"}, headers=headers)
        timed("re-import export, upsert (no change)", response, started, len(exported["csv"]))

        repriced = exported["csv"].replace(b".50|", b".45|")  # every listing's first tier
        started = time.perf_counter()
        response = client.post(f"{url}/import", content=repriced, params={"mode": "upsert"}, headers=headers)
        timed("re-import, upsert (every price new)", response, started, len(repriced))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listings", type=int, default=100_000)
    main(parser.parse_args().listings)
