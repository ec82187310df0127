"""Shared benchmark plumbing: start a throw-away service on loopback, drive it with bounded load, report.

Benchmarks are scripts, not tests: they print figures to record in README.md and
assert nothing about timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Service(str):
    """The base URL of a running service, which also knows its process (for its memory)."""

    pid: int

    def memory_mb(self) -> tuple[float, float]:
        """The serving process's resident memory now and at its peak (VmRSS, VmHWM), in MB."""
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{self.pid}/status").read_text().splitlines() if ":" in line
        )
        return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


@contextlib.contextmanager
def running_service(
    *, demo: bool = True, data_dir: Path | None = None, env: dict[str, str] | None = None
) -> Iterator[Service]:
    """`borderhub serve` on a fresh embedded database in `data_dir` (default: a temp dir), with extra
    environment `env`; yields the base URL."""
    port = free_port()
    data_dir = data_dir or Path(tempfile.mkdtemp(prefix="borderhub-bench-"))
    command = [sys.executable, "-m", "borderhub.cli", "serve", "--port", str(port), "--data-dir", str(data_dir)]
    if demo:
        command.append("--demo")
    environment = {**os.environ, "LOG_LEVEL": "WARNING", **(env or {})}
    environment.pop("DATABASE_URL", None)
    process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    base = Service(f"http://127.0.0.1:{port}")
    base.pid = process.pid
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/ready", timeout=1).status_code == 200:  # noqa: PLR2004
                    break
            time.sleep(0.5)
        else:
            raise RuntimeError("the service did not become ready within 120 s")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0

    def line(self) -> str:
        return (
            f"{self.name:<38} {self.requests:>6} req  {self.per_second:>8.1f} req/s  "
            f"p50 {self.percentile(0.50):>7.1f} ms  p95 {self.percentile(0.95):>7.1f} ms  "
            f"mean {statistics.fmean(self.latencies_ms or [0]):>7.1f} ms  errors {self.errors}"
        )


async def load(
    name: str,
    call: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]],
    *,
    base: str,
    total: int,
    concurrency: int,
) -> Result:
    """Run `total` calls with `concurrency` clients in flight; every loop is bounded by `total`."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))

    async def client_loop(client: httpx.AsyncClient) -> None:
        nonlocal errors
        for index in counter:
            started = time.perf_counter()
            response = await call(client, index)
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status_code >= 400:  # noqa: PLR2004
                errors += 1

    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        await asyncio.gather(*(client_loop(client) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return Result(name=name, requests=total, errors=errors, seconds=elapsed, latencies_ms=latencies)


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"
