"""The optional search engine: a Meilisearch server (SEARCH_BACKEND=meilisearch).

It talks to the server through `meilisearch-python-sdk`'s `AsyncClient`: the
official `meilisearch` client is synchronous (`requests`), and calling it from
the event loop would block every other request while Meilisearch answers. The
caller's database session is ignored; every write waits for its Meilisearch task
and raises `SearchUnavailable`, naming the task's error, when it failed, so an
outbox delivery is retried rather than lost. Connection and HTTP errors are
`SearchUnavailable` too. Tried with Meilisearch 1.21; it uses localized
attributes, federated search and `typoTolerance.disableOnNumbers`, so needs 1.15
at least.

One Meilisearch document per listing:

- `title` and `description` are objects keyed by primary language (`de`), each
  holding a list of the texts of that language's translations in tag order
  (`de`, `de-AT`). As nested fields of two searchable attributes, every title
  ranks the same whatever its language: title > classification > description >
  producer name.
- The filters are plain fields. `classification_prefixes` lists every leading
  run of the code's digits, so "code starts with 0702" is an equality filter;
  `classification_division` (the first two) is the classification facet.
- `doc` holds the whole `SearchDocument` as JSON, displayed but neither
  searchable nor filterable, so hits and `fetch` give back exactly what was
  indexed.

Words. A query matches listings in any language, as with PostgreSQL, so the
index and the query must be cut into words alike whatever the caller's language.
`localizedAttributes` gives the languages written without spaces (Chinese,
Japanese, Korean, Thai, Khmer) their own segmentation and puts every other field
through one fixed pipeline (`eng`: lower case, accents off), and every query
names exactly those locales. Neither the listing's nor the caller's language is
used for the rest: Meilisearch's German rules split compounds by dictionary and
treat umlauts their own way, and a query cut by other rules than the field
misses it. Tried on Meilisearch 1.21 with German rules on German titles:
`Lindenhonig` with `locales: [pol]` found nothing, `honig` found `Blütenhonig`
but not `Lindenhonig`, `raucherkase` missed `Räucherkäse` and `lindenhonik` its
typo; with the fixed pipeline all behave as with PostgreSQL. Every word must match
(`matchingStrategy: all`), the last one also as a prefix; words of five letters
may have one typo, of nine two (not numbers, so codes never match their
neighbours). Query syntax (`"phrase"`, `-word`) is dropped with the punctuation,
and so are one-letter words (`l'huile d'olive` is `huile olive`), which
PostgreSQL's stop words drop.

Ranking. `sort` is the first ranking rule, so price and newest orders are
strict, as with PostgreSQL (after `attribute`, Meilisearch's default place, a
sort would only break ties between equally relevant listings). Relevance with
no words lists the newest first.

Listings written in the query's language rank first. Meilisearch has no
per-query boost, so a relevance-sorted text search with a language is a
federated multi-search of two queries over the same index: one restricted to
listings having a translation in that language and to that translation's fields
(plus classification and producer name, which every translation shares), with a
weight of 1000, and the unrestricted one with weight 1. Meilisearch returns each
listing once, with its best weighted score, so a listing matching in the query's
language comes before every listing matching only in another one (ranking scores
lie in [0, 1]), and within each group relevance decides. Its `score` is then the
ranking score plus one, as the PostgreSQL engine boosts. When no listing has a
text in that language yet, Meilisearch refuses its fields; the engine then
searches without the boost and remembers that for a minute.

Totals are exact up to 100,000 (beyond any `SearchQuery.count_up_to`, which the
contract allows): counts come from page mode (`hitsPerPage`, giving `totalHits`,
exact up to `pagination.maxTotalHits`, set to 100,000; at that cap the result
says more than 99,999 match), with the facet distribution when asked, and each
price bucket is one more query of the same multi-search request with
`hitsPerPage: 0`. When `offset` is a multiple of `limit` the hits come from the
counting query itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Any, Final

import httpx2
import msgspec
from meilisearch_python_sdk import AsyncClient
from meilisearch_python_sdk.errors import MeilisearchApiError, MeilisearchError
from meilisearch_python_sdk.index import AsyncIndex
from meilisearch_python_sdk.models.search import (
    Federation,
    FederationOptions,
    SearchParams,
    SearchResultsFederated,
    SearchResultsWithUID,
)
from meilisearch_python_sdk.models.settings import (
    Faceting,
    LocalizedAttributes,
    MeilisearchSettings,
    MinWordSizeForTypos,
    Pagination,
    TypoTolerance,
)
from meilisearch_python_sdk.models.task import TaskInfo
from sqlalchemy.ext.asyncio import AsyncSession

from search.document import SearchDocument, display_language, primary_language
from search.engines.base import (
    CLASSIFICATION_FACET_DIGITS,
    FACETS,
    Hit,
    PriceRange,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    Sort,
)

#: Languages written without spaces between words (or, for Korean, with particles glued on):
#: their fields are segmented with that language's dictionary. BCP 47 primary -> Meilisearch locale.
SEGMENTED: Final = {"ja": "jpn", "km": "khm", "ko": "kor", "th": "tha", "zh": "cmn"}
#: Every other field, whatever its language, goes through one fixed pipeline (Latin: lower case,
#: accents off); see the module docstring for why not each language's own.
OTHER_LOCALE = "eng"

SEARCHABLE: Final = ["title", "classification", "description", "producer_name"]
FILTERABLE: Final = [
    "classification_prefixes",
    "classification_division",
    "origin_country",
    "origin_subdivision",
    "ships_to",
    "eligible_in",
    "inclusion",
    "organization_id",
    "price_ref",
    "in_stock",
    "languages",
]
SORTABLE: Final = ["price_ref", "created_at_ts"]
#: `title` and `description` must be displayed to be highlighted; hits retrieve only `doc`.
DISPLAYED: Final = ["id", "doc", "title", "description"]
RANKING_RULES: Final = ["sort", "words", "typo", "proximity", "attribute", "exactness"]
#: Typo tolerance as the PostgreSQL engine has it: one typo from five letters, two from nine.
ONE_TYPO_FROM, TWO_TYPOS_FROM = 5, 9
#: `totalHits` is exact up to this many matches (the API pages through at most 10,000).
MAX_TOTAL_HITS = 100_000
MAX_FACET_VALUES = 1_000
#: Federation weight of the query's own language: above any unweighted ranking score (<= 1).
LANGUAGE_WEIGHT = 1000.0
#: Meilisearch field name of each facet in FACETS.
FACET_FIELDS: Final = {
    "classification": "classification_division",
    "origin_country": "origin_country",
    "inclusion": "inclusion",
}
MARK, UNMARK = "<mark>", "</mark>"
CROP_WORDS = 24
CROP_MARKER = "…"
#: How long a language without any listing is searched without the own-language query.
ABSENT_LANGUAGE_SECONDS = 60.0
IDS_PAGE = 1_000
TASK_POLL_MS = 25

_WORD = re.compile(r"[^\W_]+")


class MeilisearchEngine:
    name = "meilisearch"

    def __init__(
        self,
        url: str,
        api_key: str | None,
        index: str = "listings",
        timeout: float = 10,
        *,
        task_timeout: float = 60,
    ) -> None:
        """`timeout` bounds each HTTP request (seconds); `task_timeout` each wait for an indexing task."""
        self._client = AsyncClient(url, api_key)
        self._client.http_client.timeout = httpx2.Timeout(timeout)
        # Uncompressed answers: on loopback or a LAN compression saves nothing, and the body of a
        # compressed answer was measured reaching the client ~44 ms after its header, most of a
        # search's time (the performance issue; Meilisearch 1.21).
        self._client.http_client.headers["Accept-Encoding"] = "identity"
        self._uid = index
        self._index: AsyncIndex = self._client.index(index)
        self._task_timeout_ms = round(task_timeout * 1000)
        self._prepared = False
        self._prepare_lock = asyncio.Lock()
        self._absent_languages: dict[str, float] = {}

    async def close(self) -> None:
        await self._client.aclose()

    # --- index and settings -----------------------------------------------------------

    async def prepare(self) -> None:
        """Create the index (primary key `id`) if missing and bring its settings up to date."""
        async with _unavailable("preparing the index"):
            try:
                index = await self._client.get_index(self._uid)
            except MeilisearchApiError as exc:
                if "index_not_found" not in exc.code:
                    raise
                # Waits for the creation; if another process created it meanwhile, that one is used.
                index = await self._client.create_index(self._uid, "id", timeout_in_ms=self._task_timeout_ms)
            if index.primary_key is None:
                index = await index.update("id")
            if index.primary_key != "id":
                raise SearchUnavailable(f"index {self._uid} has primary key {index.primary_key!r}, not 'id'")
            desired = _settings()
            if _settings_differ(await self._index.get_settings(), desired):
                await self._wait(await self._index.update_settings(desired), "update the settings")
        self._prepared = True

    async def _ready(self) -> None:
        """Prepare on first use when start-up could not (the server was down then)."""
        if self._prepared:
            return
        async with self._prepare_lock:
            if not self._prepared:
                await self.prepare()

    async def _wait(self, task: TaskInfo, action: str) -> None:
        result = await self._client.wait_for_task(
            task.task_uid, timeout_in_ms=self._task_timeout_ms, interval_in_ms=TASK_POLL_MS
        )
        if result.status != "succeeded":
            error = result.error or {}
            reason = error.get("message") or error.get("code") or "no reason given"
            raise SearchUnavailable(f"Meilisearch task {task.task_uid} to {action} {result.status}: {reason}")

    # --- documents ----------------------------------------------------------------------

    async def upsert(
        self, session: AsyncSession, documents: Sequence[SearchDocument], *, rewrite: bool = False
    ) -> None:
        if not documents:
            return
        await self._ready()
        async with _unavailable("indexing documents"):
            # add_documents replaces whole documents: no translation of an old version survives.
            task = await self._index.add_documents([meili_document(d) for d in documents], "id")
            await self._wait(task, f"index {len(documents)} documents")

    async def delete(self, session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
        if not ids:
            return
        await self._ready()
        async with _unavailable("deleting documents"):
            task = await self._index.delete_documents([str(i) for i in ids])
            await self._wait(task, f"delete {len(ids)} documents")

    async def fetch(self, session: AsyncSession, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, SearchDocument]:
        if not ids:
            return {}
        await self._ready()
        async with _unavailable("fetching documents"):
            found = await self._index.get_documents(ids=[str(i) for i in ids], fields=["doc"], limit=len(ids))
        documents = [msgspec.json.decode(row["doc"], type=SearchDocument) for row in found.results]
        return {d.id: d for d in documents}

    async def ids(self, session: AsyncSession) -> set[uuid.UUID]:
        await self._ready()
        found: set[uuid.UUID] = set()
        offset = 0
        async with _unavailable("listing document ids"):
            while True:
                page = await self._index.get_documents(offset=offset, limit=IDS_PAGE, fields=["id"])
                found.update(uuid.UUID(row["id"]) for row in page.results)
                offset += len(page.results)
                if len(page.results) < IDS_PAGE or offset >= page.total:
                    return found

    async def clear(self, session: AsyncSession) -> None:
        await self._ready()
        async with _unavailable("deleting every document"):
            await self._wait(await self._index.delete_all_documents(), "delete every document")

    # --- queries ------------------------------------------------------------------------

    async def search(self, session: AsyncSession, query: SearchQuery) -> SearchResult:
        conditions = _filters(query)
        if conditions is None:  # ships_to=[]: nowhere, so nothing
            return _empty(query)
        await self._ready()
        text = _query_text(query.text)
        primary = primary_language(query.language) or None
        locales = _query_locales(primary)
        hit_params = self._params(
            text,
            conditions,
            locales,
            offset=query.offset,
            limit=query.limit,
            sort=_sort(query.sort, bool(text)),
            attributes_to_retrieve=["doc"],
            show_ranking_score=bool(text),
            show_matches_position=bool(text),
            attributes_to_highlight=["title", "description"] if text else None,
            attributes_to_crop=["description"] if text else None,
        )
        facets = [FACET_FIELDS[name] for name in FACETS] if query.facets else None
        counting = self._params(text, conditions, locales, hits_per_page=0, page=1, facets=facets)
        buckets = [
            self._params(text, [*conditions, *_range("price_ref", r)], locales, hits_per_page=0, page=1)
            for r in query.price_buckets
        ]
        boosted = bool(text) and query.sort is Sort.relevance and primary is not None and self._has_language(primary)
        async with _unavailable("searching"):
            if boosted and primary is not None:
                own = hit_params.model_copy(
                    update={
                        "filter": [*conditions, f"languages = {_quote(primary)}"],
                        "attributes_to_search_on": _own_fields(primary),
                        "federation_options": FederationOptions(weight=LANGUAGE_WEIGHT),
                    }
                )
                federated, counts = await asyncio.gather(
                    self._federated(own, hit_params, query, primary),
                    self._multi([counting, *buckets]),
                    return_exceptions=True,
                )
                if isinstance(federated, BaseException):
                    raise federated
                if isinstance(counts, BaseException):
                    raise counts
                if federated is not None:
                    return _result(query, text, federated, counts[0], counts[1:], own_language=primary)
                plain = await self._multi([hit_params])
                return _result(query, text, plain[0].hits, counts[0], counts[1:], own_language=None)
            if query.limit > 0 and query.offset % query.limit == 0:
                # Page mode: the hits' own query counts exactly and carries the facets.
                paged = hit_params.model_copy(
                    update={"hits_per_page": query.limit, "page": query.offset // query.limit + 1, "facets": facets}
                )
                results = await self._multi([paged, *buckets])
                return _result(query, text, results[0].hits, results[0], results[1:], own_language=None)
            results = await self._multi([hit_params, counting, *buckets])
            return _result(query, text, results[0].hits, results[1], results[2:], own_language=None)

    def _params(self, text: str, conditions: list[str], locales: list[str], **options: Any) -> SearchParams:
        return SearchParams(
            index_uid=self._uid,
            q=text,
            filter=list(conditions) or None,
            locales=locales if text else None,
            matching_strategy="all",
            highlight_pre_tag=MARK,
            highlight_post_tag=UNMARK,
            crop_length=CROP_WORDS,
            crop_marker=CROP_MARKER,
            **options,
        )

    async def _multi(self, queries: list[SearchParams]) -> list[SearchResultsWithUID[Any]]:
        results = await self._client.multi_search(queries)
        assert isinstance(results, list)  # noqa: S101 - without federation the SDK returns one result per query
        return results

    async def _federated(
        self, own: SearchParams, everywhere: SearchParams, query: SearchQuery, primary: str
    ) -> list[dict[str, Any]] | None:
        """The hits, own language first; None when no listing has a text in that language."""
        try:
            result = await self._client.multi_search(
                [own, everywhere], federation=Federation(offset=query.offset, limit=query.limit)
            )
        except MeilisearchApiError as exc:
            if "invalid_search_attributes_to_search_on" not in exc.code:
                raise
            self._absent_languages[primary] = time.monotonic() + ABSENT_LANGUAGE_SECONDS
            return None
        assert isinstance(result, SearchResultsFederated)  # noqa: S101 - with federation the SDK merges
        return list(result.hits)

    def _has_language(self, primary: str) -> bool:
        """False for a minute after Meilisearch said no listing has a text in that language."""
        until = self._absent_languages.get(primary)
        if until is None:
            return True
        if until < time.monotonic():
            del self._absent_languages[primary]
            return True
        return False


# --- documents -------------------------------------------------------------------------


def _language_groups(document: SearchDocument) -> dict[str, list[str]]:
    """Translation tags by primary language, each list in tag order: the layout of `title` and `description`."""
    groups: dict[str, list[str]] = {}
    for tag in sorted(document.translations):
        groups.setdefault(primary_language(tag), []).append(tag)
    return groups


def meili_document(document: SearchDocument) -> dict[str, Any]:
    """The Meilisearch document of a search document (see the module docstring)."""
    groups = _language_groups(document)
    digits = document.classification_digits
    fields: dict[str, Any] = {
        "id": str(document.id),
        "organization_id": str(document.organization_id),
        "producer_name": document.producer_name,
        "classification": document.classification_code,
        "classification_prefixes": [digits[:n] for n in range(1, len(digits) + 1)],
        "title": {p: [document.translations[t].title for t in tags] for p, tags in groups.items()},
        "description": {p: [document.translations[t].description for t in tags] for p, tags in groups.items()},
        "languages": sorted(groups),
        "origin_country": document.origin_country,
        "ships_to": document.ships_to,
        "eligible_in": document.eligible_in,
        "inclusion": document.inclusion,
        "in_stock": document.in_stock,
        "created_at_ts": int(document.created_at.timestamp()),
        "doc": msgspec.json.encode(document).decode(),
    }
    if digits:
        fields["classification_division"] = digits[:CLASSIFICATION_FACET_DIGITS]
    if document.origin_subdivision is not None:
        fields["origin_subdivision"] = document.origin_subdivision
    if document.price_ref is not None:  # absent, so `price_ref EXISTS` means "has a price"
        fields["price_ref"] = document.price_ref
    return fields


def _settings() -> MeilisearchSettings:
    return MeilisearchSettings(
        searchable_attributes=SEARCHABLE,
        filterable_attributes=list(FILTERABLE),
        sortable_attributes=SORTABLE,
        displayed_attributes=DISPLAYED,
        ranking_rules=RANKING_RULES,
        typo_tolerance=TypoTolerance(
            enabled=True,
            disable_on_attributes=[],
            disable_on_words=[],
            disable_on_numbers=True,
            min_word_size_for_typos=MinWordSizeForTypos(one_typo=ONE_TYPO_FROM, two_typos=TWO_TYPOS_FROM),
        ),
        pagination=Pagination(max_total_hits=MAX_TOTAL_HITS),
        faceting=Faceting(max_values_per_facet=MAX_FACET_VALUES, sort_facet_values_by={"*": "alpha"}),
        localized_attributes=[
            *(
                LocalizedAttributes(locales=[locale], attribute_patterns=[f"title.{primary}", f"description.{primary}"])
                for primary, locale in sorted(SEGMENTED.items())
            ),
            LocalizedAttributes(locales=[OTHER_LOCALE], attribute_patterns=["*"]),
        ],
        facet_search=False,
    )


def _settings_differ(current: MeilisearchSettings, desired: MeilisearchSettings) -> bool:
    """Whether applying `desired` would change anything (so a restart enqueues no task)."""
    want = desired.model_dump(by_alias=True, exclude_none=True)
    have = current.model_dump(by_alias=True, exclude_none=True)
    unordered = {"filterableAttributes", "sortableAttributes", "displayedAttributes"}
    for key, wanted in want.items():
        got = have.get(key)
        if key in unordered and isinstance(wanted, list) and isinstance(got, list):
            if sorted(map(str, wanted)) != sorted(map(str, got)):
                return True
        elif wanted != got:
            return True
    return False


# --- query translation ---------------------------------------------------------------


def _quote(value: str) -> str:
    """A string literal of Meilisearch's filter syntax."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _number(value: float) -> str:
    return repr(float(value))


def _range(field: str, bounds: PriceRange) -> list[str]:
    """[low, high) on `field`; open ends are open, but the field must exist."""
    parts = []
    if bounds.low is not None:
        parts.append(f"{field} >= {_number(bounds.low)}")
    if bounds.high is not None:
        parts.append(f"{field} < {_number(bounds.high)}")
    return parts or [f"{field} EXISTS"]


def _filters(query: SearchQuery) -> list[str] | None:
    """The query's filters, all to hold; None when they cannot match anything."""
    conditions: list[str] = []
    if query.classification_prefix:
        conditions.append(f"classification_prefixes = {_quote(query.classification_prefix)}")
    if query.origin_country:
        conditions.append(f"origin_country = {_quote(query.origin_country)}")
    if query.origin_subdivision:
        conditions.append(f"origin_subdivision = {_quote(query.origin_subdivision)}")
    if query.ships_to is not None:
        if not query.ships_to:
            return None
        conditions.append(f"ships_to IN [{', '.join(_quote(area) for area in query.ships_to)}]")
    if query.eligible_for:
        conditions.append(f"eligible_in = {_quote(query.eligible_for)}")
    conditions.extend(f"inclusion = {_quote(attribute)}" for attribute in query.inclusion)
    if query.organization_id:
        conditions.append(f"organization_id = {_quote(str(query.organization_id))}")
    if query.price is not None:
        conditions.extend(_range("price_ref", query.price))
    if query.in_stock:
        conditions.append("in_stock = true")
    return conditions


def _query_text(text: str) -> str:
    """The query's words, without punctuation and query syntax, and without one-letter words of
    scripts with letter case (French and Italian elisions `l'`, `d'`; `w`, `z`, `в`) unless
    nothing else is left: every word must match, and PostgreSQL drops them as stop words."""
    found = _WORD.findall(text)
    kept = [word for word in found if len(word) > 1 or word.lower() == word.upper()]
    return " ".join(kept or found)


def _query_locales(primary: str | None) -> list[str]:
    """What Meilisearch may take the query's words for: exactly the locales the fields were indexed
    with, so it segments them alike. Han characters alone could be Chinese or Japanese: the
    caller's language decides."""
    han = SEGMENTED["ja"] if primary == "ja" else SEGMENTED["zh"]
    return [OTHER_LOCALE, *(locale for p, locale in sorted(SEGMENTED.items()) if p not in ("ja", "zh")), han]


def _own_fields(primary: str) -> list[str]:
    """What a listing's translation in that language is made of, as the PostgreSQL engine indexes it."""
    return [f"title.{primary}", "classification", f"description.{primary}", "producer_name"]


def _sort(sort: Sort, has_text: bool) -> list[str] | None:
    if sort is Sort.price_asc:
        return ["price_ref:asc"]
    if sort is Sort.price_desc:
        return ["price_ref:desc"]
    if sort is Sort.newest or not has_text:  # browsing by relevance: newest first, as PostgreSQL
        return ["created_at_ts:desc"]
    return None


# --- results ---------------------------------------------------------------------------


def _empty(query: SearchQuery) -> SearchResult:
    return SearchResult(
        hits=[],
        total=0,
        facets={name: {} for name in FACETS} if query.facets else {},
        price_buckets=[0] * len(query.price_buckets),
    )


def _result(
    query: SearchQuery,
    text: str,
    hits: Sequence[dict[str, Any]],
    counted: SearchResultsWithUID[Any],
    buckets: Sequence[SearchResultsWithUID[Any]],
    *,
    own_language: str | None,
) -> SearchResult:
    distribution = counted.facet_distribution or {}
    total = counted.total_hits or 0
    # `totalHits` stops at `maxTotalHits`: that many match, and perhaps more.
    exact = total < MAX_TOTAL_HITS
    return SearchResult(
        hits=[_hit(raw, query, text, own_language) for raw in hits],
        total=total if exact else total - 1,
        total_exact=exact,
        facets={name: dict(distribution.get(FACET_FIELDS[name]) or {}) for name in FACETS} if query.facets else {},
        price_buckets=[bucket.total_hits or 0 for bucket in buckets],
    )


def _hit(raw: dict[str, Any], query: SearchQuery, text: str, own_language: str | None) -> Hit:
    document = msgspec.json.decode(raw["doc"], type=SearchDocument)
    if not text:
        return Hit(document=document, score=None, language=None, highlights={})
    federation = raw.get("_federation") or {}
    own = own_language is not None and federation.get("queriesPosition") == 0
    score = raw.get("_rankingScore")
    if score is not None and own:
        score += 1
    groups = _language_groups(document)
    matched = _matched_language(document, groups, raw.get("_matchesPosition") or {}, own_language if own else None)
    shown = display_language(document, query.highlight_language, matched)
    return Hit(
        document=document,
        score=score,
        language=matched,
        highlights=_highlights(document, groups, raw.get("_formatted") or {}, shown),
    )


def _matched_language(
    document: SearchDocument, groups: dict[str, list[str]], matches: dict[str, Any], own_language: str | None
) -> str | None:
    """The translation the query matched best: most matches, a title's counting double.

    A hit of the own-language query matched in that language, even when only through the
    classification or producer name."""
    weights: dict[str, int] = {}
    for key, positions in matches.items():
        field, _, primary = key.partition(".")
        if field not in ("title", "description") or primary not in groups:
            continue
        for position in positions:
            indices = position.get("indices") or [0]
            tags = groups[primary]
            tag = tags[indices[0]] if indices[0] < len(tags) else tags[0]
            weights[tag] = weights.get(tag, 0) + (2 if field == "title" else 1)
    candidates = list(document.translations)
    if own_language is not None:
        candidates = groups.get(own_language, candidates)
        if not any(tag in weights for tag in candidates):
            return candidates[0]
    ranked = sorted(
        (tag for tag in candidates if tag in weights),
        key=lambda tag: (-weights[tag], tag != document.default_language, tag),
    )
    return ranked[0] if ranked else None


def _highlights(
    document: SearchDocument, groups: dict[str, list[str]], formatted: dict[str, Any], language: str
) -> dict[str, str]:
    primary = primary_language(language)
    index = groups[primary].index(language)
    plain = document.translations[language]
    highlights = {}
    for field, fallback in (("title", plain.title), ("description", plain.description)):
        values = (formatted.get(field) or {}).get(primary)
        value = values[index] if isinstance(values, list) and index < len(values) else fallback
        # A word Meilisearch cut in pieces (Chinese, say) comes back as adjacent marks: join them.
        highlights[field] = str(value).replace(UNMARK + MARK, "")
    return highlights


@contextlib.asynccontextmanager
async def _unavailable(action: str) -> AsyncIterator[None]:
    """Meilisearch unreachable, timing out or refusing: `SearchUnavailable` (503)."""
    try:
        yield
    except MeilisearchError as exc:
        raise SearchUnavailable(f"Meilisearch failed {action}: {exc}") from exc
    except httpx2.HTTPError as exc:  # the SDK's transport; non-JSON error pages come through raw
        raise SearchUnavailable(f"Meilisearch failed {action}: {exc}") from exc
