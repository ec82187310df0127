"""How well search finds what buyers mean: a judged set of queries over a catalog written for it.

`benchmarks/relevance/catalog.jsonl` holds listings as producers at border hubs write them, each in
its own language (most in one only); `queries.jsonl` holds queries a buyer types, in their language,
each in one category (own-language, cross-language, compound, inflection, regional, folding, producer)
with every relevant listing judged (2: what was asked; 1: a useful near match). Both were written for
this benchmark, without looking at the engine or its vocabulary.

Each engine indexes the catalog and answers every query (a page of ten, the buyer's language given);
reported per category and overall:

- recall@10: the relevant listings on the first page, out of as many as a page can hold
  (min(10, relevant)), so a query with eighteen honeys is not capped below 0.6;
- nDCG@10 with gains 2^grade - 1;
- MRR: one over the rank of the first relevant listing;
- empty: queries answered with nothing although a relevant listing exists.

The PostgreSQL engine is measured twice in one run: as shipped, and with the vocabulary's concepts
removed (its words, lemmas and compound parts only), which shows what the vocabulary brings. Meilisearch
is measured when MEILISEARCH_URL names a server.

    uv run python -m benchmarks.relevance [--show-misses]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import math
import os
import tempfile
import uuid
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import TypeVar

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from benchmarks.harness import machine
from kernel import embedded, migrate
from kernel.db import create_engine, transaction
from marketplace.api import ListingText
from search.document import SearchDocument
from search.engines.base import SearchEngine, SearchQuery
from search.engines.postgres import PostgresEngine

DATA = Path(__file__).parent / "relevance"
PAGE = 10
T = TypeVar("T")
NAMESPACE = uuid.UUID("3d1f9a52-0c4e-4b7a-8e61-9a2b7c5d4e10")


class Listing(msgspec.Struct, frozen=True, kw_only=True):
    key: str
    producer: str
    origin_country: str
    default_language: str
    translations: dict[str, ListingText]
    scheme: str
    code: str
    unit_code: str
    currency: str
    unit_price: Decimal
    tags: list[str] = msgspec.field(default_factory=list)


class Judged(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    text: str
    language: str
    category: str
    relevant: dict[str, int]
    tags: list[str] = msgspec.field(default_factory=list)


def _lines(path: Path, kind: type[T]) -> list[T]:
    return [msgspec.json.decode(line, type=kind) for line in path.read_bytes().splitlines() if line.strip()]


def listing_id(key: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, key)


def document(listing: Listing) -> SearchDocument:
    return SearchDocument(
        id=listing_id(listing.key),
        organization_id=uuid.uuid5(NAMESPACE, listing.producer),
        producer_name=listing.producer,
        version=1,
        default_language=listing.default_language,
        translations=listing.translations,
        classification_scheme=listing.scheme,
        classification_code=listing.code,
        unit_code=listing.unit_code,
        currency=listing.currency,
        unit_price=listing.unit_price,
        price_ref=float(listing.unit_price),
        fx_as_of=None,
        in_stock=True,
        origin_country=listing.origin_country,
        origin_subdivision=None,
        ships_to=["EU"],
        eligible_in=[],
        inclusion=[],
        created_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )


class Scores(msgspec.Struct, kw_only=True):
    recall: float
    ndcg: float
    rr: float
    empty: bool


def score(ranked: Sequence[str], relevant: dict[str, int]) -> Scores:
    page = list(ranked[:PAGE])
    found = [key for key in page if key in relevant]
    gains = [2 ** relevant.get(key, 0) - 1 for key in page]
    ideal = sorted((2**grade - 1 for grade in relevant.values()), reverse=True)[:PAGE]
    dcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(gains))
    idcg = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(ideal))
    first = next((rank for rank, key in enumerate(page, 1) if key in relevant), None)
    return Scores(
        recall=len(found) / min(PAGE, len(relevant)),
        ndcg=dcg / idcg if idcg else 0.0,
        rr=1 / first if first else 0.0,
        empty=not ranked,
    )


async def answers(
    engine: SearchEngine,
    sessions: async_sessionmaker[AsyncSession],
    queries: Sequence[Judged],
    keys: dict[uuid.UUID, str],
) -> dict[str, list[str]]:
    ranked = {}
    for query in queries:
        async with transaction(sessions) as session:
            result = await engine.search(session, SearchQuery(text=query.text, language=query.language, limit=PAGE))
        ranked[query.id] = [keys[hit.document.id] for hit in result.hits]
    return ranked


def report(label: str, queries: Sequence[Judged], ranked: dict[str, list[str]], show_misses: bool) -> None:
    by_category: dict[str, list[Scores]] = defaultdict(list)
    for query in queries:
        scores = score(ranked[query.id], query.relevant)
        by_category[query.category].append(scores)
        by_category["all"].append(scores)
        if show_misses and scores.recall < 1:
            missed = sorted(set(query.relevant) - set(ranked[query.id][:PAGE]))
            print(
                f"  miss {query.id} {query.text!r} ({query.language}, {query.category}): recall {scores.recall:.2f};"
                f" top {ranked[query.id][:3]}; missed {missed[:6]}"
            )
    print(f"\n{label}")
    print("| category | queries | recall@10 | nDCG@10 | MRR | empty answers |\n| --- | --- | --- | --- | --- | --- |")
    for category in sorted(by_category, key=lambda c: (c == "all", c)):
        rows = by_category[category]
        mean = lambda values: sum(values) / len(values)  # noqa: E731
        print(
            f"| {category} | {len(rows)} | {mean([r.recall for r in rows]):.2f} | {mean([r.ndcg for r in rows]):.2f}"
            f" | {mean([r.rr for r in rows]):.2f} | {sum(r.empty for r in rows)} |"
        )


async def measure(dsn: str, show_misses: bool) -> None:
    listings = _lines(DATA / "catalog.jsonl", Listing)
    queries = _lines(DATA / "queries.jsonl", Judged)
    keys = {listing_id(listing.key): listing.key for listing in listings}
    languages = sorted({language for listing in listings for language in listing.translations})
    print(
        f"{len(listings)} listings in {len(languages)} languages, {len(queries)} queries in "
        f"{len({q.language for q in queries})} languages"
    )
    database = create_engine(dsn, pool_size=1)
    sessions = async_sessionmaker(database, expire_on_commit=False)
    engines: list[tuple[str, SearchEngine]] = [("postgres", PostgresEngine())]
    if url := os.environ.get("MEILISEARCH_URL"):
        from search.engines.meilisearch import MeilisearchEngine

        engines.append(("meilisearch", MeilisearchEngine(url, os.environ.get("MEILISEARCH_API_KEY"), "relevance")))
    try:
        for name, engine in engines:
            await engine.prepare()
            async with transaction(sessions) as session:
                await engine.clear(session)
                await engine.upsert(session, [document(listing) for listing in listings])
            report(name, queries, await answers(engine, sessions, queries, keys), show_misses)
        async with transaction(sessions) as session:
            await session.execute(text("DELETE FROM search.concept"))
        report(
            "postgres without the vocabulary's concepts",
            queries,
            await answers(engines[0][1], sessions, queries, keys),
            show_misses,
        )
    finally:
        for _, engine in engines:
            await engine.close()
        await database.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show-misses", action="store_true", help="List each query that missed a relevant listing.")
    arguments = parser.parse_args()
    print(machine())
    url = embedded.start(Path(tempfile.mkdtemp(prefix="borderhub-bench-relevance-")) / "pgdata", cleanup="delete")
    migrate.upgrade(url)  # Alembic runs its own event loop: before ours (it loads the starter vocabulary)
    asyncio.run(measure(url, arguments.show_misses))


if __name__ == "__main__":
    main()
