"""The default search engine: PostgreSQL full text search, inside the service's own database.

Each translation of a listing gets its own `tsvector`, built with the snowball
configuration of its language (`simple` where PostgreSQL has no stemmer, e.g.
Polish or Czech) wrapped with `unaccent` (configurations `search.<name>`, created
by migration 0008), weighted title (A) > classification code (B) > description (C)
> producer name (D). A query is parsed by every configuration at once and the
results OR'ed, so it matches listings in any language with that language's
stemming; listings written in the query's language rank first. Words not in the
vocabulary (`search.term`) are corrected to the closest words within one typo
(two from nine letters; pg_trgm finds candidates, `levenshtein` confirms), and
the last word also matches as a prefix (search-as-you-type, from two letters).
Filters and facet counts are plain SQL, in one statement.

Counting stops after `SearchQuery.count_up_to` matches (500 by default): the
candidates are the first listings found passing the filters whose texts, all in
one (the document's `tsv`, GIN-indexed), match the words in any configuration's
parse; only they are checked text by text in their own language, ranked
(`ts_rank`) and counted into facets. So a two-letter prefix or a browse of most
of the catalog costs about as much as a word with five hundred matches. Beyond
the count, `total` is a lower bound, relevance ranks the counted matches only,
and a page ordered by newest or price comes from every match (an index walk in
that order, stopping after the page).
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

from kernel.db import fetch
from search.document import SearchDocument, display_language, is_word, words
from search.engines.base import CLASSIFICATION_FACET_DIGITS, FACETS, Hit, SearchQuery, SearchResult, Sort

#: BCP 47 primary language -> PostgreSQL snowball configuration (all present since PostgreSQL 13).
SNOWBALL = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nb": "norwegian",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
CONFIGS = sorted({f"search.{name}" for name in SNOWBALL.values()} | {"search.simple"})
#: ts_rank weights for D, C, B, A: producer name, description, classification, title.
WEIGHTS = "{0.1, 0.2, 0.4, 1.0}"
#: Typo tolerance as Meilisearch has it: none below five letters, one typo from five, two from nine.
ONE_TYPO_FROM, TWO_TYPOS_FROM = 5, 9
MAX_CORRECTIONS = 4
TYPO_CANDIDATES = 20
MAX_WORD = 40
MIN_PREFIX = 2
MIN_VOCABULARY_WORD = 3


class Terms(msgspec.Struct, frozen=True):
    """A query for to_tsquery, split so the last word's prefix escapes stemming.

    `head` is every word but the last and `last` the last one, each `(word | correction ...)`
    and AND'ed; `prefix` is the last word as typed with `:*` (empty below two letters). Only
    letters and digits ever reach to_tsquery.
    """

    head: str
    last: str
    prefix: str

    @property
    def whole(self) -> str:
        return f"{self.head} & {self.last}" if self.head else self.last


def _language_query(config: str, terms: Terms) -> str:
    """SQL for the query in one configuration: the words stemmed its way, the prefix as typed
    (a stemmed prefix matches far too much: Turkish cuts `toma` to `to`)."""
    last = f"to_tsquery('{config}', :last)"
    if terms.prefix:
        last = f"({last} || to_tsquery('search.simple', :prefix))"
    return f"(to_tsquery('{config}', :head) && {last})" if terms.head else last


def _own(terms: Terms) -> str:
    """SQL of the query as parsed in the language of the text `t` (search.listing_text): a text
    matches only the words stemmed its own way. No index can serve it, hence `:loose` first."""
    return "CASE t.config " + " ".join(f"WHEN '{c}' THEN {_language_query(c, terms)}" for c in CONFIGS) + " END"


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


def config_of(language: str) -> str:
    return f"search.{SNOWBALL.get(language.split('-', 1)[0].lower(), 'simple')}"


def _primary(language: str | None) -> str:
    return language.split("-", 1)[0].lower() if language else ""


class PostgresEngine:
    name = "postgres"

    async def prepare(self) -> None:
        """Nothing to do: migrations 0008 and 0030 created the tables, text search configurations and
        the aggregate of vectors."""

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
        await session.execute(
            text(
                f"""
                WITH docs AS ({given}),
                texts AS (
                    SELECT (d->>'id')::uuid AS listing_id, t.key AS language, c.config,
                           setweight(to_tsvector(c.config::regconfig, t.value->>'title'), 'A')
                           || setweight(
                               to_tsvector(c.config::regconfig, replace(d->>'classification_code', '-', ' ')), 'B')
                           || setweight(to_tsvector(c.config::regconfig, coalesce(t.value->>'description', '')), 'C')
                           || setweight(to_tsvector(c.config::regconfig, d->>'producer_name'), 'D') AS tsv
                    FROM docs, jsonb_each(d->'translations') AS t,
                         LATERAL (SELECT CAST(CAST(:configs AS text) AS jsonb)->>t.key AS config) AS c
                ),
                written AS (
                    INSERT INTO search.listing_document AS old (
                        listing_id, organization_id, document, tsv, classification_digits, origin_country,
                        origin_subdivision, ships_to, eligible_in, inclusion, price_ref, in_stock, created_at,
                        indexed_at)
                    SELECT (d->>'id')::uuid, (d->>'organization_id')::uuid, d, coalesce(u.tsv, ''),
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
                        classification_digits = EXCLUDED.classification_digits,
                        origin_country = EXCLUDED.origin_country, origin_subdivision = EXCLUDED.origin_subdivision,
                        ships_to = EXCLUDED.ships_to, eligible_in = EXCLUDED.eligible_in,
                        inclusion = EXCLUDED.inclusion, price_ref = EXCLUDED.price_ref,
                        in_stock = EXCLUDED.in_stock, created_at = EXCLUDED.created_at, indexed_at = now()
                )
                INSERT INTO search.listing_text (listing_id, language, config, tsv) SELECT * FROM texts
                """  # noqa: S608 - constants only; values are bound
            ),
            {"docs": payload, "configs": configs},
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
        await session.execute(
            text(
                "INSERT INTO search.term (word) SELECT DISTINCT folded FROM unnest(CAST(:words AS text[])) AS w,"
                " unaccent(w) AS folded WHERE length(folded) <= :longest AND folded !~ '[[:space:][:punct:]]'"
                " ORDER BY 1 ON CONFLICT DO NOTHING"
            ),
            # unaccent turns some letters into punctuation (`½` into ` 1/2`): such words are left out.
            {"words": vocabulary, "longest": MAX_WORD},
        )

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
        await session.execute(text("DELETE FROM search.listing_document"))
        await session.execute(text("DELETE FROM search.term"))

    # --- queries ------------------------------------------------------------------

    async def search(self, session: AsyncSession, query: SearchQuery) -> SearchResult:
        counted = max(query.count_up_to, query.offset + query.limit)
        # One candidate more than is counted tells whether more listings match.
        params: dict[str, Any] = {"limit": query.limit, "offset": query.offset, "candidates": counted + 1}
        await session.execute(_SEARCH_SETTINGS)
        terms = await self._terms(session, words(query.text))
        filters = _filters(query, params)
        if terms is not None:
            params.update(
                head=terms.head,
                last=terms.last,
                prefix=terms.prefix,
                loose=await self._loose_query(session, terms),
                lang=_primary(query.language),
            )
        matching = f"SELECT {_NARROW} FROM search.listing_document d WHERE {' AND '.join(filters) or 'true'}"  # noqa: S608
        # The candidates: listings passing the filters whose texts together match the words as any
        # configuration parses them (`:loose` on the document's `tsv`: one index, one table, so the
        # planner estimates it well and a common word stops after the count); `_scored` then keeps
        # those with a text matching in its own language, and ranks them. Words spread over two
        # translations make a candidate that is no match: rare, and it only takes a counted place.
        # Browsing counts the first matches in the page's order (the newest, unless sorted by price), so
        # the page is theirs: one statement, and an index walk in that order that stops after the count.
        candidates = f"{matching} AND {_LOOSE}" if terms else f"{matching} ORDER BY {_COLUMN_ORDER[query.sort]}"
        statement = f"""
            WITH c AS MATERIALIZED ({candidates} LIMIT :candidates), m AS MATERIALIZED ({_scored(terms)})
            SELECT (SELECT count(*) FROM c) AS candidates, (SELECT count(*) FROM m) AS total,
                   {_page(_ORDER[query.sort], "LIMIT :limit OFFSET :offset")} AS hits
                   {_counts(query, params)}
        """  # noqa: S608 - constants only; values are bound
        [row] = await _fetch(session, statement, params)
        total_exact = row["candidates"] <= counted
        hits = row["hits"]
        if not total_exact and terms is not None and query.sort is not Sort.relevance:
            # Words ordered by a column: the page comes from every match, not only the counted ones (an
            # index walk in that order stops after the page).
            exact = f"{matching} AND {_LOOSE} AND EXISTS ({_TEXT} AND t.tsv @@ {_own(terms)})"
            page = f"""
                WITH c AS MATERIALIZED ({exact} ORDER BY {_COLUMN_ORDER[query.sort]} LIMIT :limit OFFSET :offset),
                     m AS MATERIALIZED ({_scored(terms)})
                SELECT {_page(_ORDER[query.sort], "")}
            """
            [(hits,)] = await _fetch(session, page, params)
        found = msgspec.json.decode(hits, type=list[_HitRow])
        highlights = await self._highlights(session, query, terms, [(h.document, h.language) for h in found])
        return SearchResult(
            hits=[
                Hit(
                    document=h.document,
                    score=h.score,
                    language=h.language,
                    highlights=highlights.get(h.document.id, {}),
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

    async def _loose_query(self, session: AsyncSession, terms: Terms) -> str:
        """The words as any configuration parses them, deduplicated (in tsquery syntax): thirty
        copies of one stem make the planner think the index costs more than reading the table."""
        # The prefix is parsed once, by `simple`, in the same statement (empty when there is none).
        rows = await _fetch(
            session,
            "SELECT DISTINCT CAST(to_tsquery(CAST(c AS regconfig), :head) AS text),"
            " CAST(to_tsquery(CAST(c AS regconfig), :last) AS text),"
            " CAST(to_tsquery('search.simple', :prefix) AS text) FROM unnest(CAST(:configs AS text[])) AS c",
            {"head": terms.head, "last": terms.last, "prefix": terms.prefix, "configs": CONFIGS},
        )
        heads: set[str] = set()
        lasts: set[str] = set()
        for head, last, prefix in rows:
            heads.add(head)
            lasts.update((last, prefix))
        last = " | ".join(f"({q})" for q in sorted(lasts) if q)
        head = " | ".join(f"({q})" for q in sorted(heads) if q)
        if not last:
            return head
        return f"({head}) & ({last})" if head else last

    async def _terms(self, session: AsyncSession, query_words: list[str]) -> Terms | None:
        """The query's words with corrections of typos (None for no words)."""
        query_words = [w[:MAX_WORD] for w in query_words]
        if not query_words:
            return None
        corrections: dict[str, list[str]] = {}
        typo_prone = sorted({w for w in query_words if len(w) >= ONE_TYPO_FROM and not w.isdigit()})
        if typo_prone:
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
        groups = ["(" + " | ".join([word, *corrections.get(word, [])]) + ")" for word in query_words]
        last = query_words[-1]
        return Terms(
            head=" & ".join(groups[:-1]), last=groups[-1], prefix=f"{last}:*" if len(last) >= MIN_PREFIX else ""
        )

    async def _highlights(
        self,
        session: AsyncSession,
        query: SearchQuery,
        terms: Terms | None,
        hits: list[tuple[SearchDocument, str | None]],
    ) -> dict[uuid.UUID, dict[str, str]]:
        if terms is None or not hits:
            return {}
        texts = []
        for document, matched in hits:
            language = display_language(document, query.highlight_language, matched)
            texts.append((document, language, document.translations[language]))
        # Each text is highlighted with its own language's query only: ts_headline over the
        # query of every configuration OR'ed together needs gigabytes.
        rows = await _fetch(
            session,
            """
                SELECT h.id, ts_headline(h.config::regconfig, h.title, q.query, :whole),
                       ts_headline(h.config::regconfig, h.description, q.query, :fragments)
                FROM unnest(CAST(:ids AS uuid[]), CAST(:configs AS text[]), CAST(:titles AS text[]),
                            CAST(:descriptions AS text[])) AS h(id, config, title, description),
                     LATERAL (SELECT to_tsquery(h.config::regconfig, :whole_query)
                                     || to_tsquery('search.simple', :prefix) AS query) q
                """,
            {
                "whole_query": terms.whole,
                "prefix": terms.prefix,
                "whole": HIGHLIGHT,
                "fragments": HIGHLIGHT_FRAGMENTS,
                "ids": [d.id for d, _, _ in texts],
                "configs": [config_of(lang) for _, lang, _ in texts],
                "titles": [t.title for _, _, t in texts],
                "descriptions": [t.description for _, _, t in texts],
            },
        )
        return {row[0]: {"title": row[1], "description": row[2]} for row in rows}


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


#: The columns of the matches that ordering and facets need; documents are read for the page only.
_NARROW = "d.listing_id, d.classification_digits, d.origin_country, d.inclusion, d.price_ref, d.created_at"
_ORDER = {
    Sort.relevance: "score DESC NULLS LAST, created_at DESC, listing_id",
    Sort.newest: "created_at DESC, listing_id",
    Sort.price_asc: "price_ref ASC NULLS LAST, listing_id",
    Sort.price_desc: "price_ref DESC NULLS LAST, listing_id",
}


#: The same orders on the documents' columns alone (browsing by relevance lists the newest first).
_COLUMN_ORDER = {**_ORDER, Sort.relevance: _ORDER[Sort.newest]}
_TEXT = "SELECT FROM search.listing_text t WHERE t.listing_id = d.listing_id"
_LOOSE = "d.tsv @@ CAST(:loose AS tsquery)"


def _scored(terms: Terms | None) -> str:
    """SQL of the matches among the candidates `c`, each with its score and the language of its best
    text (NULL when browsing): listings whose text matches the words as parsed in its own language."""
    if terms is None:
        return "SELECT c.*, CAST(NULL AS real) AS score, CAST(NULL AS text) AS matched_language FROM c"
    own = _own(terms)
    # Each candidate's best text by one sort of the joined texts (DISTINCT ON), not an aggregate per
    # candidate: a third less of the statement's time at 1,000 candidates.
    return f"""
        SELECT DISTINCT ON (c.listing_id) c.*, s.score, s.language AS matched_language
        FROM c JOIN LATERAL (
            SELECT t.language, ts_rank('{WEIGHTS}', t.tsv, {own})
                   + CASE WHEN split_part(t.language, '-', 1) = :lang THEN 1 ELSE 0 END AS score
            FROM search.listing_text t WHERE t.listing_id = c.listing_id AND t.tsv @@ {own}
        ) s ON true
        ORDER BY c.listing_id, s.score DESC, s.language
    """  # noqa: S608 - constants only; values are bound


def _page(order: str, window: str) -> str:
    """SQL of the page of matches `m` in `order` as a JSON array of documents with score and language."""
    return f"""(SELECT coalesce(json_agg(json_build_object(
                    'document', d.document, 'score', h.score, 'language', h.matched_language)
                    ORDER BY h.position), '[]')::text
                FROM (SELECT page.*, row_number() OVER () AS position FROM (
                        SELECT listing_id, score, matched_language FROM m ORDER BY {order} {window}) page) h
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
