"""The default search engine: PostgreSQL full text search, inside the service's own database.

Each translation of a listing gets its own `tsvector`, built with the snowball
configuration of its language (`simple` where PostgreSQL has no stemmer, e.g.
Polish or Czech) wrapped with `unaccent` (configurations `search.<name>`, created
by migration 0008), weighted title (A) > classification code (B) > description (C),
with the lemmas of its words where no stemmer reaches and the parts of its
compounds (`search.analysis`). The producer's name has a vector of its own, looked
at only when no text matches. A query is parsed by every configuration at once, so
it matches listings in any language with that language's stemming; its runs of
words naming a concept of the vocabulary (`postgres_vocabulary`) also match that
concept's terms in each text's own language, and its classification codes
(`postgres_understanding`). Listings in the query's own words and language rank
first, then other languages' words for it, then the same words in other languages,
then codes alone. Words not in the index (`search.term`) are corrected to the
closest words within one typo (two from nine letters; pg_trgm finds candidates,
`levenshtein` confirms), and the last word also matches as a prefix
(search-as-you-type, from two letters). Filters and facet counts are plain SQL, in
one statement.

Counting stops after `SearchQuery.count_up_to` matches (500 by default): the
candidates are the listings passing the filters whose texts, all in one (the
document's `tsv`, GIN-indexed), match the query in any configuration's parse or
any language's terms; each is checked text by text in its own language and ranked
(`ts_rank`) as the index finds it, and the walk stops after the count. So a
two-letter prefix or a browse of most of the catalog costs about as much as a word
with five hundred matches. Beyond the count, `total` is a lower bound, relevance
ranks the counted matches only, and a page ordered by newest or price comes from
every match (an index walk in that order, stopping after the page).
"""

from __future__ import annotations

import functools
import re
import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import cache
from kernel.db import fetch
from marketplace.api import ListingText
from search.analysis import index_words
from search.document import SearchDocument, display_language, is_word, primary_language, words
from search.engines.base import (
    CLASSIFICATION_FACET_DIGITS,
    FACETS,
    Hit,
    MatchedVia,
    SearchQuery,
    SearchResult,
    Sort,
)
from search.engines.postgres_understanding import (
    Understood,
    config_of,
    segments_of,
    tsquery_sources,
    understood_from,
)
from search.engines.postgres_vocabulary import LOAD, LOOKUP, load_parameters, lookup_parameters, named_runs
from search.vocabulary import UNDERSTOOD, Concept, starter_concepts

#: ts_rank weights for D, C, B, A: (unused since producer names left the texts), description and a compound's
#: other parts, classification, title (with its lemmas and compounds' heads).
WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
#: Typo tolerance as Meilisearch has it: none below five letters, one typo from five, two from nine.
ONE_TYPO_FROM, TWO_TYPOS_FROM = 5, 9
MAX_CORRECTIONS = 4
TYPO_CANDIDATES = 20
MAX_WORD = 40
MIN_VOCABULARY_WORD = 3
#: Understood queries are kept a minute by each application (`kernel.cache`): what understanding a query
#: costs (three statements, ~2 ms) is a fifth of a search. At most `MAX_UNDERSTOOD` queries of at most
#: `MAX_KEPT_WORDS` words (a few tens of kB each at worst; buyers' queries are one to three words), so a
#: caller typing long distinct queries cannot grow it without bound. A change of the vocabulary, or new
#: words in the index (typo corrections may change), is seen at once by the process that made it, which
#: drops them all; by another within the minute.
UNDERSTOOD_SECONDS, MAX_UNDERSTOOD, MAX_KEPT_WORDS = 60.0, 2_000, 5


#: A search's own settings, for its transaction only. Sent through the session, whose first statement
#: begins the transaction (the search's other statements go past SQLAlchemy, inside it: `_fetch`).
#: Parallel workers only add latency when many searches share two cores. A plan for the words and
#: filters given (a generic plan of the prepared statement cannot weigh them). No sequential scans: the
#: planner reads "the first 500 matches" from the table's start as if matches were spread evenly, but a
#: producer's import puts its honey together, and `miód` read 20,000 documents to find 500 (29 ms, 5 ms
#: through the documents' `tsv` index, whose cost is bounded by the number of matches); browsing walks
#: an index.
_SEARCH_SETTINGS = text(
    "SELECT set_config('max_parallel_workers_per_gather', '0', true),"
    " set_config('plan_cache_mode', 'force_custom_plan', true), set_config('enable_seqscan', 'off', true)"
)
#: A bound parameter, `:name` (not the `::` of a cast, nor a `[:space:]` class in a pattern).
_PARAMETER = re.compile(r"(?<![:\w\\]):(\w+)(?![:\w])")


@functools.lru_cache(maxsize=512)  # a few hundred distinct statements at most: filters, sort, words or none
def _numbered(sql: str) -> tuple[str, tuple[str, ...]]:
    """`sql` with its `:name` parameters numbered as asyncpg takes them (`$1`, ...), and their names in
    that order (a name used twice keeps its number)."""
    numbers: dict[str, int] = {}

    def number(parameter: re.Match[str]) -> str:
        return f"${numbers.setdefault(parameter.group(1), len(numbers) + 1)}"

    return _PARAMETER.sub(number, sql), tuple(numbers)


async def _fetch(session: AsyncSession, sql: str, params: dict[str, Any]) -> list[Any]:
    """The rows of one of a search's statements (`:name` parameters from `params`), sent on the
    session's connection past SQLAlchemy (`kernel.db.fetch`), inside the transaction its settings
    began. SQLAlchemy's own work for each (finding the parameters in up to ~10 kB of SQL, its cache
    key, the greenlet hop) cost more CPU than the rest of a search's Python."""
    numbered, names = _numbered(sql)
    return await fetch(session, numbered, *(params[name] for name in names))


HIGHLIGHT = "StartSel=<mark>, StopSel=</mark>, HighlightAll=true"
HIGHLIGHT_FRAGMENTS = "StartSel=<mark>, StopSel=</mark>, MaxFragments=2, MaxWords=24, MinWords=8"


class PostgresEngine:
    name = "postgres"

    async def prepare(self) -> None:
        """Nothing to do: migrations 0008, 0030 and 0031 created the tables, text search configurations,
        the aggregate of vectors and the vocabulary (with the starter concepts)."""

    async def close(self) -> None:
        """Nothing to release: the engine uses the caller's sessions."""

    async def upsert(
        self, session: AsyncSession, documents: Sequence[SearchDocument], *, rewrite: bool = False
    ) -> None:
        if not documents:
            return
        payload = msgspec.json.encode(documents).decode()
        languages = {language for d in documents for language in d.translations}
        configs = msgspec.json.encode({language: config_of(language) for language in languages}).decode()
        # Unless rebuilding, only documents that differ from the stored ones are written: re-syncs of
        # unchanged listings (rates recorded, a producer's profile saved, drift repair) would otherwise
        # leave a dead copy of every row behind, and the tables many times their size.
        given = _ALL if rewrite else _CHANGED
        await session.execute(
            text(
                f"DELETE FROM search.listing_text t USING ({given}) AS changed"  # noqa: S608 - constant
                " WHERE t.listing_id = (changed.d->>'id')::uuid"
            ),
            {"docs": payload},
        )
        # One statement: each text's vector is built once, for its own row and for the document's union of
        # them (`tsv`, where candidates are found). The texts' foreign key is checked at the statement's
        # end, after the documents are written.
        # Each text is indexed with its words, their lemmas and compound parts (`search.analysis`), and the
        # listing's classification codes with the codes they fall under (what a concept's codes match).
        extras = msgspec.json.encode(
            {
                str(d.id): {
                    "codes": " ".join(code_tokens(d)),
                    "texts": {lang: _extra_words(lang, t) for lang, t in d.translations.items()},
                }
                for d in documents
            }
        ).decode()
        await session.execute(
            text(
                f"""
                WITH docs AS ({given}),
                extras AS MATERIALIZED (
                    SELECT key AS id, value AS x FROM jsonb_each(CAST(CAST(:extras AS text) AS jsonb))),
                texts AS (
                    SELECT (d->>'id')::uuid AS listing_id, t.key AS language, c.config,
                           setweight(to_tsvector(c.config::regconfig, t.value->>'title'), 'A')
                           || setweight(to_tsvector(c.config::regconfig, e.x->'texts'->t.key->>'same'), 'A')
                           || setweight(
                               to_tsvector(c.config::regconfig, replace(d->>'classification_code', '-', ' ')), 'B')
                           || setweight(to_tsvector('search.simple', e.x->>'codes'), 'B')
                           || setweight(to_tsvector(c.config::regconfig, coalesce(t.value->>'description', '')), 'C')
                           || setweight(to_tsvector(c.config::regconfig, e.x->'texts'->t.key->>'lower'), 'C') AS tsv
                    FROM docs JOIN extras e ON e.id = d->>'id', jsonb_each(d->'translations') AS t,
                         LATERAL (SELECT CAST(CAST(:configs AS text) AS jsonb)->>t.key AS config) AS c
                ),
                written AS (
                    INSERT INTO search.listing_document AS old (
                        listing_id, organization_id, document, tsv, name_tsv, classification_digits, origin_country,
                        origin_subdivision, ships_to, eligible_in, inclusion, price_ref, in_stock, created_at,
                        indexed_at)
                    SELECT (d->>'id')::uuid, (d->>'organization_id')::uuid, d, coalesce(u.tsv, ''),
                           to_tsvector('search.simple', d->>'producer_name'),
                           regexp_replace(d->>'classification_code', '\\D', '', 'g'),
                           d->>'origin_country', d->>'origin_subdivision',
                           ARRAY(SELECT jsonb_array_elements_text(d->'ships_to')),
                           ARRAY(SELECT jsonb_array_elements_text(d->'eligible_in')),
                           ARRAY(SELECT jsonb_array_elements_text(d->'inclusion')),
                           (d->>'price_ref')::double precision, (d->>'in_stock')::boolean,
                           (d->>'created_at')::timestamptz, now()
                    FROM docs LEFT JOIN (
                        SELECT listing_id, search.tsvector_agg(tsv) AS tsv FROM texts GROUP BY listing_id
                    ) AS u ON u.listing_id = (d->>'id')::uuid
                    ON CONFLICT (listing_id) DO UPDATE SET
                        organization_id = EXCLUDED.organization_id, document = EXCLUDED.document, tsv = EXCLUDED.tsv,
                        name_tsv = EXCLUDED.name_tsv,
                        classification_digits = EXCLUDED.classification_digits,
                        origin_country = EXCLUDED.origin_country, origin_subdivision = EXCLUDED.origin_subdivision,
                        ships_to = EXCLUDED.ships_to, eligible_in = EXCLUDED.eligible_in,
                        inclusion = EXCLUDED.inclusion, price_ref = EXCLUDED.price_ref,
                        in_stock = EXCLUDED.in_stock, created_at = EXCLUDED.created_at, indexed_at = now()
                )
                INSERT INTO search.listing_text (listing_id, language, config, tsv) SELECT * FROM texts
                """  # noqa: S608 - constants only; values are bound
            ),
            {"docs": payload, "configs": configs, "extras": extras},
        )
        vocabulary = sorted(
            {
                word
                for d in documents
                for source in (d.producer_name, *(f"{t.title} {t.description}" for t in d.translations.values()))
                for word in words(source)
                if MIN_VOCABULARY_WORD <= len(word) <= MAX_WORD and not word.isdigit()
            }
        )
        # Folded by the same `unaccent` as the text search configurations; sorted, so concurrent
        # deliveries insert in the same order and never deadlock.
        added = await session.execute(
            text(
                "INSERT INTO search.term (word) SELECT DISTINCT folded FROM unnest(CAST(:words AS text[])) AS w,"
                " unaccent(w) AS folded WHERE length(folded) <= :longest AND folded !~ '[[:space:][:punct:]]'"
                " ORDER BY 1 ON CONFLICT DO NOTHING"
            ),
            # unaccent turns some letters into punctuation (`½` into ` 1/2`): such words are left out.
            {"words": vocabulary, "longest": MAX_WORD},
        )
        if added.rowcount:  # type: ignore[attr-defined]  # a DML result has it
            cache.changed(session, UNDERSTOOD)  # new words: queries' typo corrections may change

    async def delete(self, session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
        if ids:
            await session.execute(
                text("DELETE FROM search.listing_document WHERE listing_id = ANY(CAST(:ids AS uuid[]))"),
                {"ids": list(ids)},
            )

    async def fetch(self, session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, SearchDocument]:
        rows = await session.execute(
            text("SELECT document::text FROM search.listing_document WHERE listing_id = ANY(CAST(:ids AS uuid[]))"),
            {"ids": list(ids)},
        )
        documents = [msgspec.json.decode(row, type=SearchDocument) for row in rows.scalars()]
        return {d.id: d for d in documents}

    async def ids(self, session: AsyncSession) -> set[uuid.UUID]:
        return set((await session.execute(text("SELECT listing_id FROM search.listing_document"))).scalars())

    async def clear(self, session: AsyncSession) -> None:
        cache.changed(session, UNDERSTOOD)  # no words left to correct typos to
        await session.execute(text("DELETE FROM search.listing_document"))
        await session.execute(text("DELETE FROM search.term"))

    # --- queries ------------------------------------------------------------------

    async def search(self, session: AsyncSession, query: SearchQuery) -> SearchResult:
        counted = max(query.count_up_to, query.offset + query.limit)
        # One match more than is counted tells whether more listings match.
        params: dict[str, Any] = {"limit": query.limit, "offset": query.offset, "candidates": counted + 1}
        await session.execute(_SEARCH_SETTINGS)
        understood = await self._understood(session, words(query.text), primary_language(query.language))
        filters = _filters(query, params)
        text_queries = ""
        if understood is not None:
            text_queries, text_parameters = understood.text_queries()
            params.update(
                **text_parameters,
                loose=understood.loose,
                loose_any=understood.loose_any,
                words_any=understood.words_any,
                names=understood.names,
                lang=primary_language(query.language),
            )
        matching = f"SELECT {_NARROW} FROM search.listing_document d WHERE {' AND '.join(filters) or 'true'}"  # noqa: S608
        # The candidates: listings passing the filters whose texts together match the query as any
        # configuration parses it, or its concepts' terms or codes (`:loose` on the document's `tsv`: one
        # index, one table, so the planner estimates it well). Each is checked and ranked text by text
        # (`_scored`: its own words in its own language, a concept's terms in its language), and the walk
        # stops after the count of matches: a candidate that is no match (a term of one language that is a
        # word of another, words spread over two translations) takes no counted place.
        # Browsing counts the first listings in the page's order (the newest, unless sorted by price), so
        # the page is theirs: one statement, and an index walk in that order that stops after the count.
        if understood is None:
            browsed = f"{matching} ORDER BY {_COLUMN_ORDER[query.sort]} LIMIT :candidates"
            row = await self._matches(session, query, params, _BROWSED.format(listings=browsed))
        else:
            # The query's own words first, then what only the vocabulary adds, so a common word's own
            # matches are counted (and ranked) before its translations, and the translations' index scan
            # is not even begun when the words fill the count (Limit over Append stops pulling).
            where = " AND ".join(filters) or "true"
            candidates = _candidates(_WORDS, where)
            if understood.loose != understood.loose_words:
                candidates += f" UNION ALL {_candidates(f'{_LOOSE} AND NOT {_WORDS}', where)}"
            scored = f"{_scored(text_queries, candidates)} LIMIT :candidates"
            row = await self._matches(session, query, params, scored)
            if row["total"] == 0:
                # No text matches: the query may name a producer (`Lausitzer Honig`), alone or with words
                # of its listings. Producer names are looked at only now, so a word that is also in a name
                # never brings in every listing of that producer.
                by_name = f"{matching} AND {_BY_NAME} LIMIT :candidates"
                row = await self._matches(session, query, params, _BY_PRODUCER.format(listings=by_name))
        total_exact = row["total"] <= counted
        hits = row["hits"]
        if not total_exact and understood is not None and query.sort is not Sort.relevance:
            # Words ordered by a column: the page comes from every match, not only the counted ones (an
            # index walk in that order stops after the page).
            exact = f"""{matching} AND {_LOOSE} AND EXISTS (
                SELECT FROM {_texts(text_queries, "d.listing_id")} AND (t.tsv @@ q.o OR t.tsv @@ q.x OR t.tsv @@ q.k))
                ORDER BY {_COLUMN_ORDER[query.sort]} LIMIT :limit OFFSET :offset"""
            page = f"""
                WITH m AS MATERIALIZED ({_scored(text_queries, exact)})
                SELECT {_page(_ORDER[query.sort], "")}
            """
            [(hits,)] = await _fetch(session, page, params)
        found = msgspec.json.decode(hits, type=list[_HitRow])
        highlights = await self._highlights(session, query, understood, found)
        return SearchResult(
            hits=[
                Hit(
                    document=h.document,
                    score=h.score,
                    language=h.language,
                    highlights=highlights.get(h.document.id, {}),
                    matched_via=h.via,
                    matched_term=(
                        understood.term(h.language)
                        if understood is not None and h.language and h.via in _BY_VOCABULARY
                        else None
                    ),
                )
                for h in found
            ],
            # Counting stopped at `row["total"]` matches found: more than `total` listings match.
            total=row["total"] if total_exact else max(row["total"] - 1, 0),
            total_exact=total_exact,
            facets=(
                {name: msgspec.json.decode(row[name], type=dict[str, int]) for name in FACETS} if query.facets else {}
            ),
            price_buckets=list(row["buckets"]) if query.price_buckets else [],
        )

    async def _matches(self, session: AsyncSession, query: SearchQuery, params: dict[str, Any], matches: str) -> Any:
        """The row of the count, page and facets of `matches` (SQL, at most the count and one more)."""
        statement = f"""
            WITH m AS MATERIALIZED ({matches})
            SELECT (SELECT count(*) FROM m) AS total,
                   {_page(_ORDER[query.sort], "LIMIT :limit OFFSET :offset")} AS hits
                   {_counts(query, params)}
        """  # noqa: S608 - constants only; values are bound
        [row] = await _fetch(session, statement, params)
        return row

    async def _understood(self, session: AsyncSession, query_words: list[str], language: str) -> Understood | None:
        """The query's words with corrections of typos, their lemmas and compound parts, and the concepts
        their runs name (None for no words); kept a while (`UNDERSTOOD_SECONDS`)."""
        query_words = [w[:MAX_WORD] for w in query_words]
        if not query_words:
            return None
        # A word said twice says no more (`honey honey` is `honey`); the last one typed stays last, for
        # its prefix.
        last = query_words[-1]
        query_words = [w for w in dict.fromkeys(query_words) if w != last] + [last]
        # The store keeps one dict a minute, filled as queries come: each is understood from what its
        # statements read, after the dict was taken, so a change committed later drops the whole dict.
        kept: dict[tuple[str, ...], Understood] = await cache.cached(session, UNDERSTOOD, UNDERSTOOD_SECONDS, _none_yet)
        key = (language, *query_words)
        understood = kept.get(key)
        if understood is None:
            understood = await self._understand(session, query_words, language)
            if len(kept) < MAX_UNDERSTOOD and len(query_words) <= MAX_KEPT_WORDS:
                kept[key] = understood
        return understood

    async def _understand(self, session: AsyncSession, query_words: list[str], language: str) -> Understood:
        corrections = await self._corrections(session, query_words)
        config = config_of(language) if language else "search.simple"
        runs = named_runs(await _fetch(session, LOOKUP, lookup_parameters(query_words, language, config)))
        segments = segments_of(query_words, runs)
        sources = tsquery_sources(query_words, segments, corrections, language)
        parsed: dict[str, str] = {
            key: value
            for key, value in await _fetch(
                session,
                "SELECT key, CAST(to_tsquery(CAST(config AS regconfig), source) AS text)"
                " FROM unnest(CAST(:keys AS text[]), CAST(:configs AS text[]), CAST(:sources AS text[]))"
                " AS s(key, config, source)",
                {
                    "keys": [k for k, _, _ in sources],
                    "configs": [c for _, c, _ in sources],
                    "sources": [s for _, _, s in sources],
                },
            )
            if value
        }
        return understood_from(parsed, segments)

    async def _corrections(self, session: AsyncSession, query_words: list[str]) -> dict[str, list[str]]:
        """Words of the index within a typo of each query word not in it (from five letters)."""
        corrections: dict[str, list[str]] = {}
        typo_prone = sorted({w for w in query_words if len(w) >= ONE_TYPO_FROM and not w.isdigit()})
        if not typo_prone:
            return corrections
        # The nearest words by trigram distance (GiST index) are the candidates; Levenshtein
        # decides. No similarity threshold: `honye` shares only 20% of its trigrams with `honey`.
        rows = await _fetch(
            session,
            """
                SELECT w.typed, c.word FROM (
                    SELECT typed, unaccent(typed) AS q FROM unnest(CAST(:words AS text[])) AS typed
                ) AS w
                CROSS JOIN LATERAL (
                    SELECT near.word FROM (
                        SELECT word FROM search.term ORDER BY word <-> w.q LIMIT :candidates
                    ) AS near
                    WHERE levenshtein(near.word, w.q) <= CASE WHEN length(w.q) >= :two_typos_from THEN 2 ELSE 1 END
                    ORDER BY levenshtein(near.word, w.q), near.word
                    LIMIT :max_corrections
                ) AS c
                WHERE NOT EXISTS (SELECT 1 FROM search.term t WHERE t.word = w.q)
                """,
            {
                "words": typo_prone,
                "candidates": TYPO_CANDIDATES,
                "two_typos_from": TWO_TYPOS_FROM,
                "max_corrections": MAX_CORRECTIONS,
            },
        )
        for original, correction in rows:
            if is_word(correction):  # only letters and digits may reach to_tsquery
                corrections.setdefault(original, []).append(correction)
        return corrections

    async def _highlights(
        self, session: AsyncSession, query: SearchQuery, understood: Understood | None, hits: list[_HitRow]
    ) -> dict[uuid.UUID, dict[str, str]]:
        if understood is None or not hits:
            return {}
        texts = []
        for hit in hits:
            language = display_language(hit.document, query.highlight_language, hit.language)
            config = config_of(language)
            # The shown text's own words as typed, and what matched it in its language (the words, or a
            # concept's terms); each text with its own language's query only: ts_headline over every
            # configuration's query OR'ed together needs gigabytes.
            marked = " | ".join(
                f"({q})"
                for q in (
                    understood.own.get(config, ""),
                    understood.translated.get(primary_language(language), ""),
                    understood.highlight_words,
                )
                if q
            )
            texts.append((hit.document, config, marked, hit.document.translations[language]))
        rows = await _fetch(
            session,
            """
                SELECT h.id, ts_headline(h.config::regconfig, h.title, h.query, :whole),
                       ts_headline(h.config::regconfig, h.description, h.query, :fragments)
                FROM unnest(CAST(:ids AS uuid[]), CAST(:configs AS text[]), CAST(:queries AS tsquery[]),
                            CAST(:titles AS text[]), CAST(:descriptions AS text[]))
                     AS h(id, config, query, title, description)
                """,
            {
                "whole": HIGHLIGHT,
                "fragments": HIGHLIGHT_FRAGMENTS,
                "ids": [d.id for d, _, _, _ in texts],
                "configs": [c for _, c, _, _ in texts],
                "queries": [q for _, _, q, _ in texts],
                "titles": [t.title for _, _, _, t in texts],
                "descriptions": [t.description for _, _, _, t in texts],
            },
        )
        return {row[0]: {"title": row[1], "description": row[2]} for row in rows}


async def _none_yet() -> dict[tuple[str, ...], Understood]:
    return {}


def load_vocabulary_statements(
    concepts: Sequence[Concept] | None = None, hub_id: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """The statements loading `concepts` (the starter vocabulary when None) into the vocabulary tables."""
    given = starter_concepts() if concepts is None else concepts
    configs = {language: config_of(language) for concept in given for language in concept.terms}
    parameters = load_parameters(given, configs, hub_id)
    return [(statement, {k: v for k, v in parameters.items() if f":{k}" in statement}) for statement in LOAD]


def code_tokens(document: SearchDocument) -> list[str]:
    """The listing's classification code and the codes it falls under, as words of its index (`hs0409`,
    `cpv15540000`): what a concept's codes (`concept_code_tokens`) are matched with."""
    digits = document.classification_digits
    if document.classification_scheme == "CPV":
        code = digits[:8]
        # CPV's hierarchy is its trailing zeros: 15544000 (hard cheese) is in 15540000 (cheese products).
        return sorted({f"cpv{code[:n]}{'0' * (8 - n)}" for n in range(3, 9)})
    return sorted({f"{document.classification_scheme.lower()}{digits[:n]}" for n in (4, 6, 8, 10) if n <= len(digits)})


def _extra_words(language: str, text: ListingText) -> dict[str, str]:
    """Words a text is indexed with beyond its own (`search.analysis.index_words`): those weighted as a
    title (`same`) and those weighted as a description (`lower`)."""
    title_same, title_lower = index_words(text.title, language)
    description_same, description_lower = index_words(text.description, language)
    return {"same": " ".join(title_same), "lower": " ".join([*title_lower, *description_same, *description_lower])}


#: The documents in `:docs` (a JSON array), and those of them that are not stored as they are.
_ALL = "SELECT d FROM jsonb_array_elements(CAST(CAST(:docs AS text) AS jsonb)) AS d"
_CHANGED = f"""
    {_ALL}
    WHERE NOT EXISTS (
        SELECT FROM search.listing_document old WHERE old.listing_id = (d->>'id')::uuid AND old.document = d)
"""


class _HitRow(msgspec.Struct, frozen=True):
    document: SearchDocument
    score: float | None
    language: str | None
    via: MatchedVia | None


#: The columns of the matches that ordering and facets need; documents are read for the page only.
_NARROW = "d.listing_id, d.classification_digits, d.origin_country, d.inclusion, d.price_ref, d.created_at"
#: The columns of `_NARROW` and those `_filters` check.
_FILTERED = f"{_NARROW}, d.origin_subdivision, d.ships_to, d.eligible_in, d.organization_id, d.in_stock"
_ORDER = {
    Sort.relevance: "score DESC NULLS LAST, created_at DESC, listing_id",
    Sort.newest: "created_at DESC, listing_id",
    Sort.price_asc: "price_ref ASC NULLS LAST, listing_id",
    Sort.price_desc: "price_ref DESC NULLS LAST, listing_id",
}


#: The same orders on the documents' columns alone (browsing by relevance lists the newest first).
_COLUMN_ORDER = {**_ORDER, Sort.relevance: _ORDER[Sort.newest]}
_LOOSE = "d.tsv @@ ANY(CAST(:loose_any AS tsquery[]))"
_WORDS = "d.tsv @@ ANY(CAST(:words_any AS tsquery[]))"
#: Candidates by the producer's name: the name matches a word of the query, and name and texts together
#: match the whole query.
_BY_NAME = "d.name_tsv @@ CAST(:names AS tsquery) AND d.tsv || d.name_tsv @@ CAST(:loose AS tsquery)"


def _candidates(words: str, where: str) -> str:
    """SQL of the `_NARROW` columns of the listings matching `words` (SQL on `d.tsv`) and `where` (the
    filters, SQL on `d`)."""
    # The filters are checked on the candidates the words' index finds, never through their own indexes
    # (the subquery's OFFSET 0 keeps them out of it): a bitmap of every listing under 20 EUR (70,000 of
    # 100,000) cost 4.7 ms to AND with 7,000 candidates, of which the walk needed a few hundred.
    return f"""(SELECT {_NARROW} FROM (
        SELECT {_FILTERED} FROM search.listing_document d WHERE {words} OFFSET 0) d WHERE {where})"""  # noqa: S608


def _texts(queries: str, listing: str) -> str:
    """SQL (FROM and WHERE) of a listing's texts `t` (of the listing `listing`, SQL), each with what it
    is matched with (`q`: the SQL of `Understood.text_queries`)."""
    # OFFSET 0 keeps the row a row: inlined, each of the ranking's mentions of `q.o` would choose its
    # configuration's query again.
    return f"search.listing_text t, LATERAL ({queries} OFFSET 0) q WHERE t.listing_id = {listing}"


#: How a match is told in `Hit.matched_via`; those by the vocabulary name the term (`Hit.matched_term`).
_BY_VOCABULARY = {MatchedVia.translation, MatchedVia.synonym, MatchedVia.category}


def _own_language(alias: str) -> str:
    """SQL: whether the text `alias` is in the query's language."""
    return f"split_part({alias}.language, '-', 1) = :lang"


def _score(text_queries: str) -> str:
    """SQL of a text `t`'s score for the query (NULL for no match) over `_texts(text_queries, ...)`.

    Scores rank, in this order: the query's words in a text of the query's language, or in any text when
    the query's language is not known (3 and more); a concept's terms in the text's language (2 to 3:
    another language's word for it, or a synonym); the query's words in a text of another language (1 to
    2: `mett`, Estonian for honey, is no Italian `mette`); a concept's code alone (below 1); within
    each, by `ts_rank` (normalised, 32, to below 1 where a tier has a ceiling). Each `@@` is evaluated
    once at most: they are most of a candidate's cost."""
    own = f"ts_rank('{WEIGHTS}', t.tsv, q.o)"
    own_bounded, translated, codes = (f"ts_rank('{WEIGHTS}', t.tsv, q.{query}, 32)" for query in "oxk")
    return f"""
        CASE WHEN t.tsv @@ q.o THEN
                  CASE WHEN {_own_language("t")} OR :lang = '' THEN 3 + {own}
                       WHEN t.tsv @@ q.x THEN 2 + {translated}
                       ELSE 1 + {own_bounded} END
             WHEN t.tsv @@ q.x THEN 2 + {translated}
             WHEN t.tsv @@ q.k THEN {codes} END"""


#: How a match of a text `s` (its language and score, `_score`) is told, from the score's tier.
_VIA = f"""CASE WHEN s.score >= 3 THEN '{MatchedVia.words}'
                WHEN s.score >= 2 THEN
                    CASE WHEN {_own_language("s")} THEN '{MatchedVia.synonym}' ELSE '{MatchedVia.translation}' END
                WHEN s.score >= 1 THEN '{MatchedVia.words}'
                ELSE '{MatchedVia.category}' END"""


def _scored(text_queries: str, listings: str) -> str:
    """SQL of the matches among `listings` (SQL of `_NARROW` columns of `search.listing_document d`), each
    with its score (`_score`), the language of its best text and how it matched: listings whose text
    matches the words as parsed in its own language, or the named concepts' terms in its language, or
    their codes."""
    # Each listing's texts are scored as it is found: listings are matched (and counted) as the index
    # finds them, and the walk stops after the count. Of the texts matching in the best tier (`floor`),
    # the one in the query's language is the listing's: shown as matched, and ranking it. `ts_rank` of a
    # query falls with its number of lexemes, so which language's terms score higher within a tier is
    # the vocabulary's accident, and a German reader is better told of the German synonym than of the
    # English word. (Ranking by the best score and showing the reader's language took an aggregate per
    # candidate: 1 ms more a search, and the relevance benchmark's figures the same either way.)
    return f"""
        SELECT c.*, s.score, s.language AS matched_language, {_VIA} AS via
        FROM ({listings}) c JOIN LATERAL (
            SELECT * FROM (
                SELECT t.language, {_score(text_queries)} AS score FROM {_texts(text_queries, "c.listing_id")} OFFSET 0
            ) t
            ORDER BY floor(t.score) DESC NULLS LAST, {_own_language("t")} DESC, t.score DESC, t.language LIMIT 1
        ) s ON s.score IS NOT NULL
    """  # noqa: S608 - constants only; values are bound


#: Browsed `{listings}` (SQL), as matches, and those found by their producer's name.
_BROWSED = (
    "SELECT c.*, CAST(NULL AS real) AS score, CAST(NULL AS text) AS matched_language, NULL AS via FROM ({listings}) c"
)
_BY_PRODUCER = (
    "SELECT c.*, CAST(0 AS real) AS score, CAST(NULL AS text) AS matched_language,"  # noqa: S608 - constants only
    f" '{MatchedVia.producer}' AS via FROM ({{listings}}) c"
)


def _page(order: str, window: str) -> str:
    """SQL of the page of matches `m` in `order` as a JSON array of documents with score and language."""
    return f"""(SELECT coalesce(json_agg(json_build_object(
                    'document', d.document, 'score', h.score, 'language', h.matched_language, 'via', h.via)
                    ORDER BY h.position), '[]')::text
                FROM (SELECT page.*, row_number() OVER () AS position FROM (
                        SELECT listing_id, score, matched_language, via FROM m ORDER BY {order} {window}) page) h
                JOIN search.listing_document d ON d.listing_id = h.listing_id)"""  # noqa: S608


def _counts(query: SearchQuery, params: dict[str, Any]) -> str:
    """SQL columns of the facet and price bucket counts over the matches `m`, when asked."""
    columns = ""
    if query.facets:
        columns += f""",
            (SELECT coalesce(json_object_agg(k, n), '{{}}')::text FROM (
                SELECT left(classification_digits, {CLASSIFICATION_FACET_DIGITS}) AS k, count(*) AS n
                FROM m GROUP BY 1) f) AS classification,
            (SELECT coalesce(json_object_agg(k, n), '{{}}')::text FROM (
                SELECT origin_country AS k, count(*) AS n FROM m GROUP BY 1) f) AS origin_country,
            (SELECT coalesce(json_object_agg(k, n), '{{}}')::text FROM (
                SELECT a AS k, count(*) AS n FROM m, unnest(m.inclusion) AS a GROUP BY 1) f) AS inclusion"""  # noqa: S608 - constants only
    if query.price_buckets:
        buckets = ", ".join(
            f"count(*) FILTER (WHERE {_range_condition('price_ref', r.low, r.high, f'b{i}', params)})"
            for i, r in enumerate(query.price_buckets)
        )
        columns += f", (SELECT ARRAY[{buckets}] FROM m) AS buckets"  # noqa: S608 - constants only
    return columns


def _range_condition(column: str, low: float | None, high: float | None, name: str, params: dict[str, Any]) -> str:
    parts = []
    if low is not None:
        params[f"{name}_low"] = low
        parts.append(f"{column} >= :{name}_low")
    if high is not None:
        params[f"{name}_high"] = high
        parts.append(f"{column} < :{name}_high")
    if not parts:
        return f"{column} IS NOT NULL"
    return " AND ".join(parts)


def _filters(query: SearchQuery, params: dict[str, Any]) -> list[str]:
    """SQL conditions on `d` (search.listing_document) for the query's filters; values are bound."""
    filters: list[str] = []
    if query.classification_prefix:
        params["classification_prefix"] = query.classification_prefix + "%"
        filters.append("d.classification_digits LIKE :classification_prefix")
    if query.origin_country:
        params["origin_country"] = query.origin_country
        filters.append("d.origin_country = :origin_country")
    if query.origin_subdivision:
        params["origin_subdivision"] = query.origin_subdivision
        filters.append("d.origin_subdivision = :origin_subdivision")
    if query.ships_to is not None:
        params["ships_to"] = query.ships_to
        filters.append("d.ships_to && CAST(:ships_to AS varchar[])")
    if query.eligible_for:
        params["eligible_for"] = [query.eligible_for]
        filters.append("d.eligible_in @> CAST(:eligible_for AS varchar[])")
    if query.inclusion:
        params["inclusion"] = query.inclusion
        filters.append("d.inclusion @> CAST(:inclusion AS varchar[])")
    if query.organization_id:
        params["organization_id"] = query.organization_id
        filters.append("d.organization_id = :organization_id")
    if query.price is not None:
        filters.append(_range_condition("d.price_ref", query.price.low, query.price.high, "price", params))
    if query.in_stock:
        filters.append("d.in_stock")
    return filters
