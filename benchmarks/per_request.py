"""Per-request cost: authenticated reads of the main resources against the floor of a one-row read.

Run: `uv run python -m benchmarks.per_request [--seconds 10] [--connections 16] [--rounds 2]`.

Starts `borderhub serve --demo` (one uvicorn process, embedded PostgreSQL, the worker in
process) and the bare app of `benchmarks/floor.py` beside it on the same database, then loads
them with `wrk` (Debian's package `wrk`: one C thread, a small share of a core, so that the
load generator does not take the CPU the servers need): each round reads the floor's listing,
then the service's listing, organisation, order, tender and pool, each for `--seconds` with
`--connections` connections, after a short warm-up. Every figure is printed as a ratio to the
floor of the same round.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from benchmarks.checkout import _first, _login
from benchmarks.harness import free_port, machine, running_service, wrk

BUYER = "einkauf@goerlitz.demo"
PRODUCER = "anna@piekarnia-nowak.demo"
COORDINATOR = "coordinator@demo.borderhub.eu"


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    headers: dict[str, str]


def targets(base: str) -> list[Target]:
    """What each main resource's reader asks for in the demo: a producer's listing and the buyer's
    own organisation and order (the buyer), a tender and a pool (the coordinator)."""
    with httpx.Client(base_url=base, timeout=60) as client:
        buyer, producer, coordinator = (_login(client, email) for email in (BUYER, PRODUCER, COORDINATOR))
        bakery = _first(client, "/api/v1/organizations", producer)
        town = _first(client, "/api/v1/organizations", buyer)
        hub = _first(client, "/api/v1/hubs", coordinator)
        found = [
            Target(
                "listing",
                f"/api/v1/listings/{_first(client, f'/api/v1/organizations/{bakery}/listings', producer)}",
                buyer,
            ),
            Target("organisation", f"/api/v1/organizations/{town}", buyer),
            Target("order", f"/api/v1/orders/{_first(client, f'/api/v1/organizations/{town}/orders', buyer)}", buyer),
            Target(
                "tender",
                f"/api/v1/tenders/{_first(client, f'/api/v1/hubs/{hub}/tenders', coordinator)}/draft",
                coordinator,
            ),
            Target("pool", f"/api/v1/pools/{_first(client, '/api/v1/pools', coordinator)}", coordinator),
        ]
        for target in found:
            client.get(target.path, headers=target.headers).raise_for_status()
        return found


@contextlib.contextmanager
def running_floor(data_dir: Path) -> Iterator[str]:
    port = free_port()
    command = [sys.executable, "-m", "benchmarks.floor", "--data-dir", str(data_dir), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{base}/", timeout=1)
                break
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def main(seconds: int, connections: int, rounds: int) -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install wrk")
    data_dir = Path(tempfile.mkdtemp(prefix="borderhub-bench-"))
    print(f"# per-request benchmark, {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    print(f"# wrk, 1 thread, {connections} connections, {seconds} s per figure, {rounds} rounds")
    with running_service(data_dir=data_dir) as base, running_floor(data_dir) as floor_base:
        found = targets(base)
        listing = found[0]
        for target in found:  # warm-up: caches, the pool's connections, prepared statements
            wrk(base + target.path, target.headers, seconds=2, connections=connections)
        wrk(floor_base + listing.path, listing.headers, seconds=2, connections=connections)
        for round_number in range(1, rounds + 1):
            floor = wrk(floor_base + listing.path, listing.headers, seconds=seconds, connections=connections)
            print(
                f"round {round_number}  {'floor: listing':<22} {floor.requests_per_second:>8.1f} req/s"
                f"  p50 {floor.p50_ms:>6.1f} ms  p99 {floor.p99_ms:>6.1f} ms  non-2xx {floor.non_2xx}"
            )
            for target in found:
                figure = wrk(base + target.path, target.headers, seconds=seconds, connections=connections)
                print(
                    f"round {round_number}  {'service: ' + target.name:<22} {figure.requests_per_second:>8.1f} req/s"
                    f"  p50 {figure.p50_ms:>6.1f} ms  p99 {figure.p99_ms:>6.1f} ms  non-2xx {figure.non_2xx}"
                    f"  {figure.requests_per_second / floor.requests_per_second:>5.0%} of the floor"
                )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    arguments = parser.parse_args()
    main(arguments.seconds, arguments.connections, arguments.rounds)
