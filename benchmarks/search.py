"""Listing search: indexing throughput, query latency under concurrent clients, and sync lag.

Run: `uv run python -m benchmarks.search [--listings 100000] [--concurrency 1,8] [--seconds 10]`
(`--generator httpx --requests 400` for the load of earlier runs).

Starts its own service (embedded PostgreSQL, demo data, SEARCH_BACKEND=postgres) with
the worker out of process, so each phase is measured on its own:

1. import: the three demo producers import generated listings (CSV, one request each):
   titles and descriptions in 1–3 of six languages (en, de, pl, fr, cs, ru), 24 kinds
   of goods, random sizes, prices, stock and shipping areas. Each import writes one
   `ListingChanged` per listing to the outbox.
2. indexing through the outbox: a `borderhub worker` drains those events (one delivery
   per listing: re-read the listing, eligibility, upsert) — documents/s;
3. indexing in bulk: `borderhub search reindex` rebuilds the whole index — documents/s;
   then VACUUM (ANALYZE) of the search tables, as autovacuum would do within a minute;
4. queries: the Görlitz buyer (default destination Saxony) through
   `GET /api/v1/search/listings`, each shape with each number of clients in flight of
   `--concurrency`; every answer carries highlights, none facet counts (the API counts them
   only with `facets=true`, as the search page asks). The load comes from `wrk` where it is
   installed (Debian's package: one C thread, so the load generator takes a small share of
   a core instead of most of one): one run of `--seconds` per shape, each request asking
   for the next of the shape's queries, after a 2 s warm-up of each shape; otherwise (or with
   `--generator httpx`) from httpx clients in this process, `--requests` per shape;
5. sync lag: with the worker running, a producer renames a listing to a new word and
   polls search until it is found; the time from the PATCH's response to the first
   answer containing it, `--lag-samples` times (0: not measured).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import signal
import statistics
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx

from benchmarks.harness import Result, load, machine, running_service, wrk
from kernel import embedded
from kernel.db import asyncpg_dsn
from marketplace.demo import DEMO_PASSWORD

LANGUAGES = ("en", "de", "pl", "fr", "cs", "ru")
#: (CPV code, name in en, de, pl, fr, cs, ru)
GOODS = [
    ("03221240-9", "tomatoes", "Tomaten", "pomidory", "tomates", "rajčata", "помидоры"),
    ("03222321-9", "apples", "Äpfel", "jabłka", "pommes", "jablka", "яблоки"),
    ("03142100-9", "honey", "Honig", "miód", "miel", "med", "мёд"),
    ("15811100-7", "bread", "Brot", "chleb", "pain", "chléb", "хлеб"),
    ("15540000-5", "cheese", "Käse", "ser", "fromage", "sýr", "сыр"),
    ("15861000-1", "coffee", "Kaffee", "kawa", "café", "káva", "кофе"),
    ("15863000-5", "tea", "Tee", "herbata", "thé", "čaj", "чай"),
    ("15332290-3", "jam", "Marmelade", "dżem", "confiture", "džem", "варенье"),
    ("03212100-1", "potatoes", "Kartoffeln", "ziemniaki", "pommes de terre", "brambory", "картофель"),
    ("03222000-3", "plums", "Pflaumen", "śliwki", "prunes", "švestky", "сливы"),
    ("03142500-3", "eggs", "Eier", "jajka", "œufs", "vejce", "яйца"),
    ("03221000-6", "mushrooms", "Pilze", "grzyby", "champignons", "houby", "грибы"),
    ("15321000-4", "apple juice", "Apfelsaft", "sok jabłkowy", "jus de pomme", "jablečný džus", "яблочный сок"),
    ("15931100-6", "red wine", "Rotwein", "wino czerwone", "vin rouge", "červené víno", "красное вино"),
    ("15961000-2", "beer", "Bier", "piwo", "bière", "pivo", "пиво"),
    ("15500000-3", "butter", "Butter", "masło", "beurre", "máslo", "масло"),
    ("15511000-3", "milk", "Milch", "mleko", "lait", "mléko", "молоко"),
    ("03221300-7", "cabbage", "Kohl", "kapusta", "chou", "zelí", "капуста"),
    ("03221112-4", "carrots", "Karotten", "marchew", "carottes", "mrkev", "морковь"),
    ("15612100-2", "flour", "Mehl", "mąka", "farine", "mouka", "мука"),
    ("39224000-8", "brooms", "Besen", "miotły", "balais", "košťata", "мётлы"),
    ("18412000-0", "wool socks", "Wollsocken", "skarpety wełniane", "chaussettes en laine", "vlněné ponožky",
     "шерстяные носки"),
    ("39221000-7", "ceramic mugs", "Keramikbecher", "kubki ceramiczne", "tasses en céramique", "keramické hrnky",
     "керамические кружки"),
    ("33711900-6", "herbal soap", "Kräuterseife", "mydło ziołowe", "savon aux herbes", "bylinné mýdlo",
     "травяное мыло"),
]  # fmt: skip
ADJECTIVES = {
    "en": ["fresh", "organic", "homemade", "regional", "smoked", "traditional"],
    "de": ["frische", "Bio", "hausgemachte", "regionale", "geräucherte", "traditionelle"],
    "pl": ["świeże", "ekologiczne", "domowe", "regionalne", "wędzone", "tradycyjne"],
    "fr": ["frais", "bio", "fait maison", "régional", "fumé", "traditionnel"],
    "cs": ["čerstvé", "bio", "domácí", "regionální", "uzené", "tradiční"],
    "ru": ["свежие", "органические", "домашние", "региональные", "копчёные", "традиционные"],
}
DESCRIPTIONS = {
    "en": "From a small farm near {town}, delivered within the week.",
    "de": "Von einem kleinen Hof bei {town}, Lieferung innerhalb der Woche.",
    "pl": "Z małego gospodarstwa koło {town}, dostawa w ciągu tygodnia.",
    "fr": "D'une petite ferme près de {town}, livré dans la semaine.",
    "cs": "Z malé farmy u {town}, dodání do týdne.",
    "ru": "С небольшой фермы возле {town}, доставка в течение недели.",  # noqa: RUF001 - Cyrillic
}
TOWNS = ["Görlitz", "Zgorzelec", "Bogatynia", "Zittau", "Liberec", "Lubań", "Bautzen", "Jelenia Góra"]
PRODUCERS = ("anna@piekarnia-nowak.demo", "jan@mleczarnia-nysa.demo", "lena@lausitzer-honig.demo")
BUYER = "einkauf@goerlitz.demo"
HEADER = ["sku", "default_language"] + [f"{kind}[{lang}]" for lang in LANGUAGES for kind in ("title", "description")]
HEADER += ["classification_scheme", "classification_code", "unit", "pack_size", "price_tiers", "stock_on_hand"]
HEADER += ["ships_to", "lead_time_days"]


def _cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"'


def catalog_csv(producer: int, count: int, rng: random.Random) -> bytes:
    """`count` listings of one producer: its own language plus up to two others."""
    own = ("pl", "pl", "de")[producer]
    lines = [",".join(HEADER)]
    for i in range(count):
        code, *names = rng.choice(GOODS)
        languages = {own, *rng.sample(LANGUAGES, rng.randint(0, 2))}
        adjective = rng.randrange(6)
        size = rng.choice(["250 g", "500 g", "1 kg", "5 kg", "6 pcs", "12 pcs", "1 l"])
        texts: dict[str, str] = {}
        for lang in LANGUAGES:
            if lang in languages:
                name = names[LANGUAGES.index(lang)]
                texts[f"title[{lang}]"] = f"{ADJECTIVES[lang][adjective]} {name} {size}"
                texts[f"description[{lang}]"] = DESCRIPTIONS[lang].format(town=rng.choice(TOWNS))
        price = rng.randint(100, 9000) / 100
        row = {
            "sku": f"S{producer}-{i:07d}",
            "default_language": own,
            **texts,
            "classification_scheme": "CPV",
            "classification_code": code,
            "unit": "H87",
            "pack_size": "1",
            "price_tiers": f"1:{price:.2f}|20:{price * 0.9:.2f}",
            "stock_on_hand": str(rng.choice([0, 5, 50, 500])),
            "ships_to": rng.choice(["PL-02|DE-SN", "DE-SN", "PL", "PL-02", "DE|PL"]),
            "lead_time_days": str(rng.randint(0, 7)),
        }
        lines.append(",".join(_cell(row.get(column, "")) for column in HEADER))
    return ("\n".join(lines) + "\n").encode()


def _login(client: httpx.Client, email: str) -> dict[str, str]:
    token = client.post("/api/v1/auth/login", json={"email": email, "password": DEMO_PASSWORD}).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def _borderhub(*args: str, data_dir: Path) -> subprocess.Popen[bytes]:
    environment = {**os.environ, "LOG_LEVEL": "WARNING"}
    environment.pop("DATABASE_URL", None)
    command = [sys.executable, "-m", "borderhub.cli", *args, "--data-dir", str(data_dir)]
    return subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603


async def _counts(dsn: str) -> tuple[int, int]:
    connection = await asyncpg.connect(dsn)
    try:
        documents = await connection.fetchval("SELECT count(*) FROM search.listing_document")
        queued = await connection.fetchval("SELECT count(*) FROM pgqueuer WHERE entrypoint = 'deliver_event'")
        return int(documents), int(queued)
    finally:
        await connection.close()


def index_through_outbox(dsn: str, data_dir: Path, listings: int) -> subprocess.Popen[bytes]:
    """Start the worker and wait for the import's events to be delivered; returns the running worker."""
    started = time.perf_counter()
    worker = _borderhub("worker", data_dir=data_dir)
    while True:
        time.sleep(1)
        documents, queued = asyncio.run(_counts(dsn))
        if queued == 0:
            break
    seconds = time.perf_counter() - started
    rate = listings / seconds
    print(f"indexing via outbox worker      {documents:>7} documents  {seconds:>7.1f} s  {rate:>7.0f} docs/s")
    return worker


def reindex(data_dir: Path) -> None:
    started = time.perf_counter()
    process = _borderhub("search", "reindex", data_dir=data_dir)
    process.wait()
    seconds = time.perf_counter() - started
    print(f"borderhub search reindex        exit {process.returncode}  {seconds:>7.1f} s (incl. CLI start-up)")


async def _analyze(dsn: str) -> None:
    connection = await asyncpg.connect(dsn)
    try:
        # VACUUM too: after a rebuild autovacuum would, and the visibility map it sets lets the
        # index-only scans skip the table.
        await connection.execute("VACUUM (ANALYZE) search.listing_document, search.listing_text, search.term")
    finally:
        await connection.close()


def analyze(dsn: str) -> None:
    """Statistics of the rebuilt index before it is queried: autovacuum gathers them within a minute
    of a bulk change, and until then the planner plans for the tables as last analysed (a word with
    filters took 117 ms instead of 6 ms on 3,000 listings in the first minute after the reindex)."""
    started = time.perf_counter()
    asyncio.run(_analyze(dsn))
    print(f"VACUUM (ANALYZE) of search tables {time.perf_counter() - started:>6.1f} s")


QUERIES = {
    "one word": [{"q": word} for word in ["honey", "Käse", "chleb", "pommes", "кофе", "brambory", "Tomaten", "miód"]],
    "two words": [{"q": q} for q in ["fresh honey", "frische Tomaten", "świeże jabłka", "vin rouge", "домашние яйца"]],
    "prefix": [{"q": q} for q in ["toma", "kart", "chle", "hon", "pomi", "kaf"]],
    "one word + filters": [
        {"q": "honey", "classification": "0314", "in_stock": "true", "price_max": "20", "currency": "EUR"},
        {"q": "Brot", "origin_country": "PL", "price_min": "2", "currency": "PLN"},
        {"q": "cheese", "in_stock": "true", "sort": "price_asc"},
    ],
    "browse + filters (no text)": [
        {"classification": "03", "in_stock": "true"},
        {"origin_country": "DE", "sort": "newest"},
    ],
}


SEARCH = "/api/v1/search/listings"


async def query_latencies(base: str, headers: dict[str, str], requests: int, concurrency: int) -> list[Result]:
    results = []
    for name, variants in QUERIES.items():

        async def call(
            client: httpx.AsyncClient, index: int, variants: list[dict[str, str]] = variants
        ) -> httpx.Response:
            return await client.get(SEARCH, params=variants[index % len(variants)], headers=headers)

        results.append(await load(name, call, base=base, total=requests, concurrency=concurrency))
    return results


def query_paths(base: str, headers: dict[str, str]) -> dict[str, list[str]]:
    """Each shape's queries as URL paths, each checked to be answered 200 once."""
    paths = {name: [f"{SEARCH}?{urlencode(params)}" for params in variants] for name, variants in QUERIES.items()}
    with httpx.Client(base_url=base, timeout=60, headers=headers) as client:
        for path in (path for shape in paths.values() for path in shape):
            response = client.get(path)
            if response.status_code != 200:  # noqa: PLR2004
                raise SystemExit(f"{path} answered {response.status_code}: {response.text[:500]}")
    return paths


#: wrk's hooks: each request asks for the next of the shape's paths (with the `-H` headers), and at the
#: end the 95th percentile, which wrk's own `--latency` table leaves out, in microseconds.
_CYCLE = """
local paths = {%s}
local turn = 0
request = function()
  turn = turn %% #paths + 1
  return wrk.format(nil, paths[turn])
end
done = function(summary, latency, requests)
  io.write(string.format("p95 %%d us\\n", latency:percentile(95)))
end
"""


def cycling_script(paths: list[str], script: Path) -> Path:
    """`script`, written: a wrk Lua script asking for `paths` in turn (URL-encoded, so nothing in them
    needs quoting in Lua)."""
    for path in paths:
        if not path.startswith("/") or any(ch in path for ch in '"\\\n'):
            raise ValueError(f"not a URL path to put in a Lua string: {path!r}")
    script.write_text(_CYCLE % ", ".join(f'"{path}"' for path in paths))
    return script


def query_figures(base: str, headers: dict[str, str], scripts: dict[str, Path], seconds: int, clients: int) -> int:
    """One `wrk` run of `seconds` per shape with `clients` connections; prints each and returns the
    number of answers that were not 2xx or failed (their latencies are in the figures)."""
    failed = 0
    for name, script in scripts.items():
        figure = wrk(base, headers, seconds=seconds, connections=clients, script=script)
        p95 = re.search(r"^p95 (\d+) us$", figure.output, re.MULTILINE)
        assert p95 is not None, figure.output  # noqa: S101 - our own script prints it
        failed += figure.non_2xx + figure.socket_errors
        print(
            f"{name:<38} {figure.requests:>6} req  {figure.requests_per_second:>8.1f} req/s  "
            f"p50 {figure.p50_ms:>7.1f} ms  p95 {int(p95.group(1)) / 1000:>7.1f} ms  p99 {figure.p99_ms:>7.1f} ms  "
            f"non-2xx {figure.non_2xx}  socket errors {figure.socket_errors}  wrk CPU {figure.cpu_seconds:.2f} s"
        )
    return failed


def sync_lag(base: str, samples: int) -> list[float]:
    lags = []
    with httpx.Client(base_url=base, timeout=30) as client:
        producer = _login(client, PRODUCERS[2])
        buyer = _login(client, BUYER)
        organization = client.get("/api/v1/organizations", headers=producer).json()["items"][0]["id"]
        listings = client.get(
            f"/api/v1/organizations/{organization}/listings", params={"per_page": samples}, headers=producer
        ).json()["items"]
        for listing in listings[:samples]:
            word = "".join(random.choices(string.ascii_lowercase, k=12))
            response = client.patch(
                f"/api/v1/listings/{listing['id']}",
                json={"translations": {"de": {"title": f"Honig {word}"}}},
                headers=producer,
            )
            response.raise_for_status()
            changed = time.perf_counter()
            deadline = changed + 30
            while time.perf_counter() < deadline:
                found = client.get(SEARCH, params={"q": word, "ships_to": "any"}, headers=buyer)
                if found.json()["total"]:
                    lags.append((time.perf_counter() - changed) * 1000)
                    break
                time.sleep(0.01)
    return lags


def main(listings: int, concurrency: list[int], generator: str, load_size: int, lag_samples: int) -> None:
    per_shape = f"{load_size} s" if generator == "wrk" else f"{load_size} requests"
    print(f"{machine()}; {listings} listings; queries: {generator}, {per_shape} per shape")
    data_dir = Path(tempfile.mkdtemp(prefix="borderhub-bench-search-"))
    rng = random.Random(42)
    with running_service(data_dir=data_dir, env={"RUN_WORKER_IN_PROCESS": "false"}) as base:
        dsn = asyncpg_dsn(embedded.start(data_dir / "pgdata"))
        with httpx.Client(base_url=base, timeout=1800) as client:
            started = time.perf_counter()
            for producer, email in enumerate(PRODUCERS):
                headers = {**_login(client, email), "Content-Type": "text/csv"}
                organization = client.get("/api/v1/organizations", headers=headers).json()["items"][0]["id"]
                share = listings // len(PRODUCERS) + (1 if producer < listings % len(PRODUCERS) else 0)
                response = client.post(
                    f"/api/v1/organizations/{organization}/listings/import",
                    content=catalog_csv(producer, share, rng),
                    headers=headers,
                )
                response.raise_for_status()
            print(f"import                          {listings:>7} listings   {time.perf_counter() - started:>7.1f} s")
            buyer = _login(client, BUYER)
        worker = index_through_outbox(dsn, data_dir, listings)
        try:
            reindex(data_dir)
            analyze(dsn)
            run_queries(base, buyer, concurrency, generator, load_size)
            if lag_samples:
                lags = sorted(sync_lag(base, lag_samples))
                p95 = lags[min(len(lags) - 1, int(0.95 * len(lags)))]
                print(
                    f"sync lag (PATCH -> searchable)  {len(lags):>3} samples  p50 {statistics.median(lags):.0f} ms  "
                    f"p95 {p95:.0f} ms  max {lags[-1]:.0f} ms"
                )
        finally:
            # SIGINT, not SIGTERM: the worker unwinds and lets go of the embedded server, which then
            # stops with the service instead of running on after the benchmark.
            worker.send_signal(signal.SIGINT)
            worker.wait(timeout=30)


def run_queries(base: str, buyer: dict[str, str], concurrency: list[int], generator: str, load_size: int) -> None:
    """The query phase: every shape with each number of clients, `load_size` seconds (wrk) or requests (httpx)."""
    if generator == "httpx":
        for clients in concurrency:
            print(f"-- queries with {clients} client(s) in flight (httpx)")
            for result in asyncio.run(query_latencies(base, buyer, load_size, clients)):
                print(result.line())
        return
    with tempfile.TemporaryDirectory(prefix="borderhub-bench-wrk-") as directory:
        scripts = {
            name: cycling_script(paths, Path(directory) / f"shape-{number}.lua")
            for number, (name, paths) in enumerate(query_paths(base, buyer).items())
        }
        for script in scripts.values():  # warm-up: the pool's connections, statement caches, PostgreSQL's buffers
            wrk(base, buyer, seconds=2, connections=max(concurrency), script=script)
        failed = 0
        for clients in concurrency:
            print(f"-- queries with {clients} client(s) in flight (wrk, 1 thread)")
            failed += query_figures(base, buyer, scripts, load_size, clients)
    if failed:
        print(f"WARNING: {failed} answers were not 2xx or failed: these figures are not of searches alone")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=100_000)
    parser.add_argument("--concurrency", default="1,8", help="clients in flight; a comma-separated list runs each")
    parser.add_argument(
        "--generator",
        choices=["wrk", "httpx"],
        default="wrk" if shutil.which("wrk") else "httpx",
        help="what sends the queries (default: wrk when installed)",
    )
    parser.add_argument("--seconds", type=int, default=10, help="per query shape and concurrency, with wrk")
    parser.add_argument("--requests", type=int, default=400, help="per query shape and concurrency, with httpx")
    parser.add_argument("--lag-samples", type=int, default=50)
    arguments = parser.parse_args()
    clients = [int(n) for n in arguments.concurrency.split(",")]
    if arguments.generator == "wrk" and shutil.which("wrk") is None:
        raise SystemExit("wrk is needed for --generator wrk: apt-get install wrk")
    per_shape = arguments.seconds if arguments.generator == "wrk" else arguments.requests
    main(arguments.listings, clients, arguments.generator, per_shape, arguments.lag_samples)
