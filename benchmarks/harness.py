"""Shared benchmark plumbing: start a throw-away service on loopback, drive it with bounded load, report.

Benchmarks are scripts, not tests: they print figures to record in README.md and
assert nothing about timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import platform
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
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


def _environment(env: dict[str, str] | None) -> dict[str, str]:
    # DATABASE_URL unset: the process starts (or attaches to) the embedded server in its data dir.
    environment = {**os.environ, "LOG_LEVEL": "WARNING", **(env or {})}
    environment.pop("DATABASE_URL", None)
    return environment


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
    process = subprocess.Popen(command, env=_environment(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
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


@contextlib.contextmanager
def running_worker(data_dir: Path, *, env: dict[str, str] | None = None) -> Iterator[int]:
    """`borderhub worker` on the embedded database of a service already running in `data_dir` (it
    attaches to that server); yields its process id. Its errors go to `data_dir/worker.log`."""
    command = [sys.executable, "-m", "borderhub.cli", "worker", "--data-dir", str(data_dir)]
    with (data_dir / "worker.log").open("ab") as log:
        process = subprocess.Popen(command, env=_environment(env), stdout=log, stderr=log)  # noqa: S603
    try:
        yield process.pid
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited early ({process.returncode}); see {data_dir / 'worker.log'}")
    finally:
        # SIGINT, not SIGTERM: it unwinds through Python, so the worker lets go of the embedded server
        # (which stops with its last holder) instead of leaving its claim behind.
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str]:
    # The fields after the command name, which may itself hold spaces and parentheses: the state first.
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time process `pid` has used so far (/proc/<pid>/stat utime + stime)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


def postgres_cpu_seconds(pgdata: Path) -> float:
    """CPU time the embedded server in `pgdata` has used so far: the postmaster, its live backends and
    helpers, and the children it has already reaped (connections closed since)."""
    postmaster = int((pgdata / "postmaster.pid").read_text().split()[0])
    fields = _stat(postmaster)
    total = sum(int(value) for value in fields[11:15]) / _CLOCK_TICKS
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):  # a backend that ended while we looked
                child = _stat(int(entry.name))
                if int(child[1]) == postmaster:
                    total += (int(child[11]) + int(child[12])) / _CLOCK_TICKS
    return total


@dataclass(frozen=True)
class Figure:
    """What one `wrk` run measured."""

    requests: int
    seconds: float
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    """Connect, read and write errors and timeouts together."""
    cpu_seconds: float
    """wrk's own CPU time: the load generator's share of the machine."""
    output: str
    """wrk's report, with whatever the script's `done()` printed."""


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    """wrk's duration (`812.00us`, `4.51ms`, `1.02s`, `1.05m`) in milliseconds."""
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value)
    if found is None:
        raise ValueError(f"not a wrk duration: {value!r}")
    return float(found.group(1)) * _UNITS[found.group(2)]


def wrk(
    url: str,
    headers: dict[str, str],
    *,
    seconds: int,
    connections: int,
    script: Path | None = None,
    script_args: Sequence[str] = (),
) -> Figure:
    """Load `url` with `wrk` (one C thread, `connections` connections, `seconds` long): a small share of
    a core, so that the load generator does not take the CPU the server needs. A Lua `script` (wrk's
    `-s`) may shape the requests; `script_args` reach its `init(args)`."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script is not None:
        command += ["-s", str(script)]
    command.append(url)
    if script_args:
        command += ["--", *script_args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout  # noqa: S603
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = re.search(r"(\d+) requests in (\S+),", output)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    # The latency distribution's own lines ("  50%    6.21ms"), not a "+/- Stdev" column ending in 50%.
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    broken = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    return Figure(
        requests=int(done.group(1)),  # type: ignore[union-attr]
        seconds=_ms(done.group(2)) / 1000,  # type: ignore[union-attr]
        requests_per_second=rate,
        p50_ms=p50,
        p99_ms=p99,
        non_2xx=int(bad.group(1)) if bad else 0,
        socket_errors=sum(int(count) for count in broken.groups()) if broken else 0,
        cpu_seconds=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
        output=output,
    )


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
