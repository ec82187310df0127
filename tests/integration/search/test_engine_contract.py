"""The contract every search engine keeps, run against each engine (`search_engine`) with the
fixed multilingual catalog of `tests.factories.search_catalog`.

Every expectation is computed in Python from the catalog's documents: which listings a
word is written in, which satisfy a filter, how many fall in each facet, price and age
order. Text matching is checked with words whose forms are known (`tomato`/`tomatoes`,
`café`/`cafe`), and each query names the products it is about: a hit from any other
product is noise a buyer would see.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.db import transaction
from marketplace.api import ListingText
from search.document import SearchDocument
from search.engines.base import (
    CLASSIFICATION_FACET_DIGITS,
    MatchedVia,
    PriceRange,
    SearchEngine,
    SearchQuery,
    SearchResult,
    Sort,
)
from tests.factories.search_catalog import PRODUCERS, by_title, catalog, containing, listings, product_of

Sessions = async_sessionmaker[AsyncSession]

CATALOG = catalog()
BY_ID = {d.id: d for d in CATALOG}
#: A page size that holds every document, so one query returns all of its matches.
EVERYTHING = len(CATALOG)
SYNTAX = "&|!:*()'\"\\"


# --- helpers ----------------------------------------------------------------------


async def load(engine: SearchEngine, sessions: Sessions, documents: Sequence[SearchDocument] = CATALOG) -> None:
    async with transaction(sessions) as session:
        await engine.upsert(session, documents)


async def search(engine: SearchEngine, sessions: Sessions, text: str = "", **fields: Any) -> SearchResult:
    fields.setdefault("limit", EVERYTHING)
    async with transaction(sessions) as session:
        return await engine.search(session, SearchQuery(text=text, **fields))


async def found(engine: SearchEngine, sessions: Sessions, text: str = "", **fields: Any) -> list[uuid.UUID]:
    """The ids of every match, in the engine's order."""
    result = await search(engine, sessions, text, **fields)
    ids = hit_ids(result)
    assert result.total == len(ids), "a page holding every match must hold `total` hits"
    return ids


async def found_by_words(engine: SearchEngine, sessions: Sessions, text: str) -> set[uuid.UUID]:
    """The matches of the query's own words (not of what the vocabulary adds)."""
    result = await search(engine, sessions, text)
    return {hit.document.id for hit in result.hits if hit.matched_via in (None, MatchedVia.words)}


def hit_ids(result: SearchResult) -> list[uuid.UUID]:
    return [hit.document.id for hit in result.hits]


def of_products(*products: str) -> set[uuid.UUID]:
    return {d.id for product in products for d in listings(product)}


def titles(ids: Iterable[uuid.UUID]) -> list[str]:
    """Readable hits for assertion messages: `product [languages] producer`."""
    return [f"{product_of(BY_ID[i])} {sorted(BY_ID[i].translations)} {BY_ID[i].producer_name}" for i in sorted(ids)]


def assert_only_products(hits: Iterable[uuid.UUID], allowed: Sequence[str], query: str) -> None:
    noise = set(hits) - of_products(*allowed)
    assert not noise, f"{query!r} found listings of unrelated products: {titles(noise)}"


def facets_of(documents: Iterable[SearchDocument]) -> dict[str, dict[str, int]]:
    documents = list(documents)
    return {
        "classification": dict(Counter(d.classification_digits[:CLASSIFICATION_FACET_DIGITS] for d in documents)),
        "origin_country": dict(Counter(d.origin_country for d in documents)),
        "inclusion": dict(Counter(a for d in documents for a in d.inclusion)),
    }


def price_of(document: SearchDocument) -> float:
    assert document.price_ref is not None, "every catalog listing has a reference price"
    return document.price_ref


def in_range(price: float | None, bounds: PriceRange) -> bool:
    return (
        price is not None
        and (bounds.low is None or price >= bounds.low)
        and (bounds.high is None or price < bounds.high)
    )


# --- text: languages, accents, stemming, typos, prefixes, AND ----------------------


@dataclass(frozen=True)
class Case:
    """`query` in `language` must find the listings whose `language` text has any of `forms`,
    and nothing but listings of `products`."""

    query: str
    language: str
    forms: tuple[str, ...]
    products: tuple[str, ...]
    needs: str | None = None
    """A capability not every engine has (see GAPS); the case is skipped, with the reason, where missing."""

    def skip_where_missing(self, engine: SearchEngine) -> None:
        reason = GAPS.get(engine.name, {}).get(self.needs or "")
        if reason:
            pytest.skip(f"{engine.name}: {reason}")

    def own(self) -> set[uuid.UUID]:
        ids = containing(self.forms, self.language)
        assert ids, f"the catalog has no {self.language} listing with {self.forms}"
        return ids


#: What an engine cannot do, by design of the engine (documented in the README), and why.
GAPS = {
    "meilisearch": {
        "stemming": "no stemmer; other forms are found by prefix and typo tolerance, not a longer form's shorter one",
        "yo": "its normaliser keeps the Cyrillic yo (U+0451) apart from ie (U+0435)",
        "exact prefix": "typo tolerance applies to the last, prefix word too, so near words also match",
    }
}


def cases(*items: Case) -> list[Any]:
    return [pytest.param(case, id=f"{case.language}-{case.query}") for case in items]


TOMATO = ("tomatoes", "tomato_passata")
#: Cheese, and what says cheese in its title in another language: the vocabulary knows `Käse` is cheese,
#: and `Pierogi with potato and cheese` is found by it as a buyer would want.
CHEESE = ("cheese", "goat_cheese", "pierogi")
HONEY = ("linden_honey", "buckwheat_honey", "wildflower_honey")
#: French `pomme(s)` is in apples, apple juice and `pommes de terre` (potatoes, pierogi).
POMME = ("apples", "apple_juice", "potatoes", "pierogi")

#: A query in each language, and words shared by several languages (`olive`, `tomate`, `pierogi`).
LANGUAGE_CASES = cases(
    Case("tomatoes", "en", ("tomato", "tomatoes"), TOMATO, needs="stemming"),
    Case("Käse", "de", ("Käse",), CHEESE),
    Case("pommes", "fr", ("pomme", "pommes"), POMME),
    Case("pierogi", "pl", ("pierogi",), ("pierogi",)),
    Case("помидоры", "ru", ("помидоры",), TOMATO),
    Case("гречишный", "ru", ("гречишный",), ("buckwheat_honey",)),
    Case("ντομάτες", "el", ("ντομάτες", "ντομάτας"), TOMATO),
    Case("tomates", "es", ("tomates", "tomate"), TOMATO),
    Case("formaggio", "it", ("formaggio",), (*CHEESE, "pierogi")),
    Case("olive", "en", ("olive", "olives"), ("olive_oil",)),
    Case("olive", "fr", ("olive", "olives"), ("olive_oil",)),
    Case("olive", "es", ("oliva",), ("olive_oil",)),
    Case("olive", "it", ("oliva", "olive"), ("olive_oil",)),
    Case("tomate", "fr", ("tomates",), TOMATO),
    Case("tomate", "es", ("tomates", "tomate"), TOMATO),
    Case("tomate", "de", ("Tomaten",), TOMATO),
    Case("pierogi", "en", ("pierogi",), ("pierogi",)),
)


@pytest.mark.parametrize("case", LANGUAGE_CASES)
async def test_query_finds_the_listings_written_with_it_when_searching_in_any_language(
    search_engine: SearchEngine, sessions: Sessions, case: Case
) -> None:
    case.skip_where_missing(search_engine)
    await load(search_engine, sessions)
    hits = await found(search_engine, sessions, case.query)
    missing = case.own() - set(hits)
    assert not missing, f"{case.query!r} missed {titles(missing)}"
    assert_only_products(hits, case.products, case.query)


@pytest.mark.parametrize("case", LANGUAGE_CASES)
async def test_listings_in_the_query_language_rank_first_when_the_language_is_given(
    search_engine: SearchEngine, sessions: Sessions, case: Case
) -> None:
    case.skip_where_missing(search_engine)
    await load(search_engine, sessions)
    own = case.own()
    hits = await found(search_engine, sessions, case.query, language=case.language)
    leading, rest = hits[: len(own)], hits[len(own) :]
    assert set(leading) == own, f"not first: {titles(own - set(leading))}; ahead of them: {titles(set(leading) - own)}"
    assert not own & set(rest)
    # With the language given or not, the same listings match: only their order changes.
    assert set(hits) == set(await found(search_engine, sessions, case.query))


async def test_queries_sharing_a_word_across_languages_find_other_languages_after_the_own_when_language_is_given(
    search_engine: SearchEngine, sessions: Sessions
) -> None:
    await load(search_engine, sessions)
    # `olive` is written the same (or stems the same) in English, French, Spanish and Italian.
    by_language = {
        language: await found(search_engine, sessions, "olive", language=language) for language in ("en", "fr", "es")
    }
    assert {frozenset(ids) for ids in by_language.values()} == {frozenset(by_language["en"])}
    firsts = {language: BY_ID[ids[0]] for language, ids in by_language.items()}
    assert all(language in document.translations for language, document in firsts.items())
    assert len({document.id for document in firsts.values()}) > 1, "the order must depend on the language"


ACCENT_CASES = cases(
    Case("cafe", "fr", ("café",), ("coffee",)),
    Case("cafe", "es", ("café",), ("coffee",)),
    Case("kase", "de", ("Käse",), CHEESE),
    Case("KASE", "de", ("Käse",), CHEESE),
    Case("miod", "pl", ("miód",), HONEY),
    Case("Miód", "pl", ("miód",), HONEY),
    Case("sliwki", "pl", ("śliwki",), ("plums", "plum_jam")),
    Case("Creme", "fr", ("crème",), ("butter",)),
    Case("мед", "ru", ("мёд",), HONEY, needs="yo"),
    Case("ντοματες", "el", ("ντομάτες", "ντομάτας"), TOMATO),
)


@pytest.mark.parametrize("case", ACCENT_CASES)
async def test_query_finds_accented_words_when_written_with_or_without_accents(
    search_engine: SearchEngine, sessions: Sessions, case: Case
) -> None:
    case.skip_where_missing(search_engine)
    await load(search_engine, sessions)
    hits = await found(search_engine, sessions, case.query)
    missing = case.own() - set(hits)
    assert not missing, f"{case.query!r} missed {titles(missing)}"
    assert_only_products(hits, case.products, case.query)


STEMMING_CASES = cases(
    # Each listing found has only the other form of the word.
    Case("tomato", "en", ("tomatoes",), TOMATO),
    Case("tomatoes", "en", ("tomato",), TOMATO, needs="stemming"),
    Case("pomme", "fr", ("pommes",), POMME),
    Case("pommes", "fr", ("pomme",), POMME),
    Case("cherry", "en", ("cherries",), ("cherries",)),
    Case("Tomate", "de", ("Tomaten",), TOMATO),
    Case("помидор", "ru", ("помидоры",), TOMATO),
    Case("ντομάτα", "el", ("ντομάτες",), TOMATO),
)


@pytest.mark.parametrize("case", STEMMING_CASES)
async def test_query_finds_other_forms_of_its_word_when_they_share_the_stem(
    search_engine: SearchEngine, sessions: Sessions, case: Case
) -> None:
    case.skip_where_missing(search_engine)
    assert not containing([case.query], case.language) & case.own(), "each listing must have only the other form"
    await load(search_engine, sessions)
    hits = await found(search_engine, sessions, case.query)
    missing = case.own() - set(hits)
    assert not missing, f"{case.query!r} missed {titles(missing)}"
    assert_only_products(hits, case.products, case.query)


ONE_TYPO_CASES = cases(
    Case("chease", "en", ("cheese",), (*CHEESE, "pierogi")),  # substitution
    Case("honney", "en", ("honey",), HONEY),  # insertion
    Case("mushroms", "en", ("mushrooms",), ("mushrooms",)),  # deletion
    Case("sliwky", "pl", ("śliwki",), ("plums", "plum_jam")),  # substitution
    Case("fromagge", "fr", ("fromage",), (*CHEESE, "pierogi")),  # insertion
    Case("Tomatn", "de", ("Tomaten",), TOMATO),  # deletion
    Case("памидоры", "ru", ("помидоры",), TOMATO),  # substitution
)


@pytest.mark.parametrize("case", ONE_TYPO_CASES)
async def test_query_with_one_typo_finds_the_listing_when_the_word_has_five_to_eight_letters(
    search_engine: SearchEngine, sessions: Sessions, case: Case
) -> None:
    case.skip_where_missing(search_engine)
    assert 5 <= len(case.query) <= 8
    assert not containing([case.query]), "the typo must not be a word of the catalog"
    await load(search_engine, sessions)
    hits = await found(search_engine, sessions, case.query)
    missing = case.own() - set(hits)
    assert not missing, f"{case.query!r} missed {titles(missing)}"
    assert_only_products(hits, case.products, case.query)


TWO_TYPO_CASES = cases(
    Case("eldarflowr", "en", ("elderflower",), ("elderflower_syrup",)),  # substitution + deletion
    Case("strawbarriez", "en", ("strawberries",), ("strawberry_jam",)),  # two substitutions
    Case("Buchweisenhonik", "de", ("Buchweizenhonig",), ("buckwheat_honey",)),  # two substitutions
)


@pytest.mark.parametrize("case", TWO_TYPO_CASES)
async def test_query_with_two_typos_finds_the_listing_when_the_word_has_nine_letters_or_more(
    search_engine: SearchEngine, sessions: Sessions, case: Case
) -> None:
    case.skip_where_missing(search_engine)
    assert len(case.query) >= 9
    assert not containing([case.query])
    await load(search_engine, sessions)
    hits = await found(search_engine, sessions, case.query)
    missing = case.own() - set(hits)
    assert not missing, f"{case.query!r} missed {titles(missing)}"
    assert_only_products(hits, case.products, case.query)


PREFIX_CASES = cases(
    Case("toma", "en", ("tomatoes",), TOMATO),
    Case("pomid", "pl", ("pomidory", "pomidorowa"), TOMATO, needs="exact prefix"),
    Case("помид", "ru", ("помидоры",), TOMATO, needs="exact prefix"),
    Case("Kartof", "de", ("Kartoffeln",), ("potatoes", "pierogi")),
    Case("elderfl", "en", ("elderflower",), ("elderflower_syrup",)),
    Case("linden hon", "en", ("honey",), ("linden_honey",)),
    Case("linden ho", "en", ("honey",), ("linden_honey",)),
    Case("Buchweizenho", "de", ("Buchweizenhonig",), ("buckwheat_honey",)),
)


@pytest.mark.parametrize("case", PREFIX_CASES)
async def test_beginning_of_a_word_finds_the_listings_when_it_is_the_last_word_typed(
    search_engine: SearchEngine, sessions: Sessions, case: Case
) -> None:
    case.skip_where_missing(search_engine)
    await load(search_engine, sessions)
    hits = await found(search_engine, sessions, case.query)
    own = case.own() & of_products(*case.products)
    missing = own - set(hits)
    assert not missing, f"{case.query!r} missed {titles(missing)}"
    assert_only_products(hits, case.products, case.query)


@pytest.mark.parametrize(
    ("narrow", "broad", "language", "excluded"),
    [
        pytest.param("linden honey", "honey", "en", "buckwheat_honey", id="en"),
        pytest.param("miód gryczany", "miód", "pl", "linden_honey", id="pl"),
        pytest.param("липовый мёд", "мёд", "ru", "wildflower_honey", id="ru"),
        pytest.param("vin rouge", "rouge", "fr", "tomatoes", id="fr"),
    ],
)
async def test_every_word_must_match_when_the_query_has_several_words(
    search_engine: SearchEngine, sessions: Sessions, narrow: str, broad: str, language: str, excluded: str
) -> None:
    await load(search_engine, sessions)
    # Words only: a run of words naming a concept (`vin rouge`, red wine) also finds its other names,
    # which the broader word (`rouge`, red) does not.
    narrow_hits = await found_by_words(search_engine, sessions, narrow)
    broad_hits = await found_by_words(search_engine, sessions, broad)
    both = {
        d.id for d in listings(language=language) if all(containing([w], language) >= {d.id} for w in narrow.split())
    }
    assert both, "the catalog must have listings with every word"
    assert both <= narrow_hits
    assert narrow_hits < broad_hits, "adding a word must narrow the results"
    left_out = {d.id for d in listings(excluded, language)} & broad_hits
    assert left_out, f"{broad!r} alone finds the {excluded} listings"
    assert not left_out & narrow_hits, f"{narrow!r} found listings without every word: {titles(left_out & narrow_hits)}"


async def test_listings_are_found_by_their_producer_when_the_query_names_the_producer(
    search_engine: SearchEngine, sessions: Sessions
) -> None:
    await load(search_engine, sessions)
    for query, name in [
        ("Kowalczyk", "Pasieka Kowalczyk"),
        ("dvorak", "Farma Dvořák"),
        ("Bergmann", "Hofkäserei Bergmann"),
    ]:
        expected = {d.id for d in CATALOG if d.producer_name == name}
        assert expected
        assert set(await found(search_engine, sessions, query)) == expected, query


@pytest.mark.parametrize("code", ["03142100-9", "03142100", "070200"])
async def test_listings_are_found_by_their_classification_code_when_the_query_is_the_code(
    search_engine: SearchEngine, sessions: Sessions, code: str
) -> None:
    await load(search_engine, sessions)
    expected = {d.id for d in CATALOG if d.classification_code.startswith(code)}
    assert expected
    assert set(await found(search_engine, sessions, code)) == expected


async def test_title_matches_rank_above_description_matches_when_no_language_is_given(
    search_engine: SearchEngine, sessions: Sessions
) -> None:
    await load(search_engine, sessions)
    # `lavender` is the title of the English soap, and only in the description of the English wildflower honey.
    hits = await found(search_engine, sessions, "lavender")
    soap = [hits.index(d.id) for d in listings("lavender_soap", "en")]
    honey = [hits.index(d.id) for d in listings("wildflower_honey", "en")]
    assert soap
    assert honey
    assert max(soap) < min(honey)


# --- filters --------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    fields: dict[str, Any]
    keep: Callable[[SearchDocument], bool]


ORGANIZATION = next(p for p in PRODUCERS if p.name == "Gospodarstwo Nowak")

FILTERS = [
    pytest.param(
        Filter({"classification_prefix": "03142"}, lambda d: d.classification_digits.startswith("03142")),
        id="classification-prefix",
    ),
    pytest.param(
        Filter({"classification_prefix": "07"}, lambda d: d.classification_digits.startswith("07")),
        id="classification-chapter",
    ),
    pytest.param(Filter({"origin_country": "PL"}, lambda d: d.origin_country == "PL"), id="origin-country"),
    pytest.param(
        Filter({"origin_subdivision": "DE-SN"}, lambda d: d.origin_subdivision == "DE-SN"), id="origin-subdivision"
    ),
    pytest.param(
        Filter({"ships_to": ["PL-02", "CZ"]}, lambda d: bool({"PL-02", "CZ"} & set(d.ships_to))), id="ships-to-any-of"
    ),
    pytest.param(Filter({"ships_to": ["DE-SN"]}, lambda d: "DE-SN" in d.ships_to), id="ships-to-one"),
    pytest.param(Filter({"eligible_for": "CZ-51"}, lambda d: "CZ-51" in d.eligible_in), id="eligible-for"),
    pytest.param(Filter({"inclusion": ["women_led"]}, lambda d: "women_led" in d.inclusion), id="inclusion-one"),
    pytest.param(
        Filter(
            {"inclusion": ["minority_led", "women_led"]}, lambda d: {"minority_led", "women_led"} <= set(d.inclusion)
        ),
        id="inclusion-all-of",
    ),
    pytest.param(
        Filter({"organization_id": ORGANIZATION.id}, lambda d: d.organization_id == ORGANIZATION.id), id="organization"
    ),
    pytest.param(
        Filter({"price": PriceRange(10.0, 20.0)}, lambda d: in_range(d.price_ref, PriceRange(10.0, 20.0))),
        id="price-range",
    ),
    pytest.param(
        Filter({"price": PriceRange(None, 10.0)}, lambda d: in_range(d.price_ref, PriceRange(None, 10.0))),
        id="price-below",
    ),
    pytest.param(
        Filter({"price": PriceRange(20.0, None)}, lambda d: in_range(d.price_ref, PriceRange(20.0, None))),
        id="price-from",
    ),
    pytest.param(Filter({"in_stock": True}, lambda d: d.in_stock), id="in-stock"),
    pytest.param(
        Filter(
            {
                "ships_to": ["DE-SN", "DE"],
                "in_stock": True,
                "price": PriceRange(None, 20.0),
                "inclusion": ["cooperative"],
            },
            lambda d: (
                bool({"DE-SN", "DE"} & set(d.ships_to))
                and d.in_stock
                and in_range(d.price_ref, PriceRange(None, 20.0))
                and "cooperative" in d.inclusion
            ),
        ),
        id="several-at-once",
    ),
]


@pytest.mark.parametrize("condition", FILTERS)
async def test_filter_returns_exactly_the_listings_satisfying_it_when_browsing(
    search_engine: SearchEngine, sessions: Sessions, condition: Filter
) -> None:
    expected = {d.id for d in CATALOG if condition.keep(d)}
    assert 0 < len(expected) < len(CATALOG), "the filter must keep some listings and leave out others"
    await load(search_engine, sessions)
    hits = await found(search_engine, sessions, **condition.fields)
    assert len(hits) == len(set(hits))
    assert set(hits) == expected, f"wrongly kept {titles(set(hits) - expected)}; missed {titles(expected - set(hits))}"


@pytest.mark.parametrize("condition", FILTERS)
@pytest.mark.parametrize("text", ["mano", "honey"])
async def test_filter_keeps_only_the_text_matches_satisfying_it_when_combined_with_text(
    search_engine: SearchEngine, sessions: Sessions, condition: Filter, text: str
) -> None:
    await load(search_engine, sessions)
    matches = set(await found(search_engine, sessions, text))
    assert containing([text]) <= matches
    hits = set(await found(search_engine, sessions, text, **condition.fields))
    expected = {i for i in matches if condition.keep(BY_ID[i])}
    assert hits == expected, f"wrongly kept {titles(hits - expected)}; missed {titles(expected - hits)}"


async def test_boundary_prices_fall_in_the_upper_range_when_filtering_by_price(
    search_engine: SearchEngine, sessions: Sessions
) -> None:
    at_ten = {d.id for d in CATALOG if d.price_ref == 10.0}
    at_twenty = {d.id for d in CATALOG if d.price_ref == 20.0}
    # Priced in euro, złoty (42.50 PLN) and koruna (250 CZK): all exactly 10 euro.
    assert {BY_ID[i].currency for i in at_ten} == {"EUR", "PLN", "CZK"}
    assert at_twenty
    await load(search_engine, sessions)
    ten_to_twenty = set(await found(search_engine, sessions, price=PriceRange(10.0, 20.0)))
    assert at_ten <= ten_to_twenty
    assert not at_twenty & ten_to_twenty
    assert at_twenty <= set(await found(search_engine, sessions, price=PriceRange(20.0, 30.0)))
    assert not at_ten & set(await found(search_engine, sessions, price=PriceRange(5.0, 10.0)))


# --- facets and price buckets ------------------------------------------------------------


FACET_QUERIES = [
    pytest.param({}, id="everything"),
    pytest.param({"ships_to": ["DE-SN"]}, id="ships-to"),
    pytest.param({"inclusion": ["women_led"], "in_stock": True}, id="inclusion-in-stock"),
    pytest.param({"text": "honey"}, id="text"),
    pytest.param({"text": "mano", "origin_country": "ES"}, id="text-and-filter"),
]


@pytest.mark.parametrize("fields", FACET_QUERIES)
async def test_facet_counts_count_every_match_when_only_one_page_is_returned(
    search_engine: SearchEngine, sessions: Sessions, fields: dict[str, Any]
) -> None:
    await load(search_engine, sessions)
    matches = await found(search_engine, sessions, **fields)
    assert len(matches) > 3
    page = await search(search_engine, sessions, **{**fields, "limit": 3, "facets": True})
    assert len(page.hits) == 3
    assert page.total == len(matches)
    assert page.facets == facets_of(BY_ID[i] for i in matches)


async def test_facet_counts_equal_counts_over_the_catalog_when_browsing_with_a_filter(
    search_engine: SearchEngine, sessions: Sessions
) -> None:
    await load(search_engine, sessions)
    result = await search(search_engine, sessions, ships_to=["PL-02", "PL"], limit=5, facets=True)
    expected = [d for d in CATALOG if {"PL-02", "PL"} & set(d.ships_to)]
    assert result.total == len(expected)
    assert result.facets == facets_of(expected)
    assert set(result.facets["classification"]) == {d.classification_digits[:2] for d in expected}


async def test_no_facets_are_counted_when_none_are_asked(search_engine: SearchEngine, sessions: Sessions) -> None:
    await load(search_engine, sessions)
    for text in ("", "honey"):
        result = await search(search_engine, sessions, text, limit=3)
        assert result.facets == {}
        assert len(result.hits) == 3


# --- counting: exact up to `count_up_to`, then a lower bound ------------------------------


@pytest.mark.parametrize("text", ["", "honey", "mano"])
async def test_total_is_exact_when_no_more_listings_match_than_are_counted(
    search_engine: SearchEngine, sessions: Sessions, text: str
) -> None:
    await load(search_engine, sessions)
    matches = await found(search_engine, sessions, text)
    result = await search(search_engine, sessions, text, limit=3, count_up_to=len(matches), facets=True)
    assert (result.total, result.total_exact) == (len(matches), True)
    assert result.facets == facets_of(BY_ID[i] for i in matches)


@pytest.mark.parametrize(
    ("text", "sort"),
    [
        pytest.param("", Sort.newest, id="browse-newest"),
        pytest.param("", Sort.relevance, id="browse"),
        pytest.param("mano", Sort.price_asc, id="text-price"),
        pytest.param("honey", Sort.newest, id="text-newest"),
    ],
)
async def test_total_is_a_lower_bound_and_the_page_still_in_order_of_every_match_when_more_match_than_are_counted(
    search_engine: SearchEngine, sessions: Sessions, text: str, sort: Sort
) -> None:
    await load(search_engine, sessions)
    everything = await found(search_engine, sessions, text, sort=sort)
    count_up_to = 2
    assert len(everything) > 5
    result = await search(search_engine, sessions, text, sort=sort, limit=2, count_up_to=count_up_to)
    if result.total_exact:  # an engine may count further (Meilisearch counts to 100,000)
        assert result.total == len(everything)
    else:
        assert count_up_to <= result.total < len(everything), "more than `total` match"
    # Ordered by a column, the page is the first of all matches, not of those counted.
    assert hit_ids(result) == everything[:2]
    deeper = await search(search_engine, sessions, text, sort=sort, offset=3, limit=2, count_up_to=count_up_to)
    assert hit_ids(deeper) == everything[3:5]
    assert deeper.total_exact or deeper.total >= 5, "the matches up to the end of the page are counted"


async def test_relevance_ranks_matches_of_the_counted_ones_when_more_match_than_are_counted(
    search_engine: SearchEngine, sessions: Sessions
) -> None:
    await load(search_engine, sessions)
    matches = set(await found(search_engine, sessions, "mano"))
    result = await search(search_engine, sessions, "mano", limit=3, count_up_to=4)
    assert len(result.hits) == 3
    assert {hit.document.id for hit in result.hits} <= matches
    scores = [hit.score for hit in result.hits]
    assert scores == sorted(scores, reverse=True)


BUCKETS = [
    PriceRange(None, 5.0),
    PriceRange(5.0, 10.0),
    PriceRange(10.0, 20.0),
    PriceRange(20.0, None),
    PriceRange(8.0, 12.0),  # overlaps two others: each range is counted on its own
    PriceRange(None, None),
]


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="everything"),
        pytest.param({"origin_country": "PL"}, id="filter"),
        pytest.param({"text": "mano"}, id="text"),
    ],
)
async def test_price_bucket_counts_equal_the_matches_in_each_range_when_buckets_are_asked(
    search_engine: SearchEngine, sessions: Sessions, fields: dict[str, Any]
) -> None:
    await load(search_engine, sessions)
    matches = [BY_ID[i] for i in await found(search_engine, sessions, **fields)]
    result = await search(search_engine, sessions, **fields, limit=1, price_buckets=BUCKETS)
    assert result.price_buckets == [sum(in_range(d.price_ref, bucket) for d in matches) for bucket in BUCKETS]


async def test_no_price_bucket_counts_are_returned_when_none_are_asked(
    search_engine: SearchEngine, sessions: Sessions
) -> None:
    await load(search_engine, sessions)
    result = await search(search_engine, sessions, "honey")
    assert result.price_buckets == []
    assert containing(["honey"]) <= set(hit_ids(result))


# --- sorting and pagination ------------------------------------------------------------


@pytest.mark.parametrize("sort", [Sort.price_asc, Sort.price_desc])
@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="everything"),
        pytest.param({"text": "mano"}, id="text"),
        pytest.param({"origin_country": "PL"}, id="filter"),
    ],
)
async def test_listings_are_in_price_order_when_sorting_by_price(
    search_engine: SearchEngine, sessions: Sessions, sort: Sort, fields: dict[str, Any]
) -> None:
    await load(search_engine, sessions)
    matches = await found(search_engine, sessions, **fields)
    prices = sorted((price_of(BY_ID[i]) for i in matches), reverse=sort is Sort.price_desc)
    result = await search(search_engine, sessions, **fields, sort=sort)
    assert set(hit_ids(result)) == set(matches)
    assert [hit.document.price_ref for hit in result.hits] == prices
    first_page = await search(search_engine, sessions, **fields, sort=sort, limit=10)
    assert [hit.document.price_ref for hit in first_page.hits] == prices[:10]


@pytest.mark.parametrize(
    "fields",
    [
        pytest.param({}, id="everything"),
        pytest.param({"text": "honey"}, id="text"),
        pytest.param({"in_stock": True}, id="filter"),
    ],
)
async def test_newest_listings_come_first_when_sorting_by_newest(
    search_engine: SearchEngine, sessions: Sessions, fields: dict[str, Any]
) -> None:
    await load(search_engine, sessions)
    matches = await found(search_engine, sessions, **fields)
    newest_first = sorted(matches, key=lambda i: BY_ID[i].created_at, reverse=True)
    assert await found(search_engine, sessions, **fields, sort=Sort.newest) == newest_first
    assert hit_ids(await search(search_engine, sessions, **fields, sort=Sort.newest, limit=7)) == newest_first[:7]


@pytest.mark.parametrize(
    ("text", "sort"),
    [
        pytest.param("", Sort.newest, id="browse-newest"),
        pytest.param("", Sort.relevance, id="browse"),
        pytest.param("mano", Sort.relevance, id="text"),
        pytest.param("mano", Sort.price_asc, id="text-price"),
    ],
)
async def test_pages_are_disjoint_and_cover_every_match_when_paging_with_offset_and_limit(
    search_engine: SearchEngine, sessions: Sessions, text: str, sort: Sort
) -> None:
    await load(search_engine, sessions)
    everything = await found(search_engine, sessions, text, sort=sort)
    size = 12
    pages = []
    for offset in range(0, len(everything), size):
        page = await search(search_engine, sessions, text, sort=sort, offset=offset, limit=size)
        assert page.total == len(everything)
        pages.append(hit_ids(page))
    assert [len(page) for page in pages[:-1]] == [size] * (len(pages) - 1)
    assert 0 < len(pages[-1]) <= size
    assert [i for page in pages for i in page] == everything
    beyond = await search(search_engine, sessions, text, sort=sort, offset=len(everything) + 5, limit=size)
    assert beyond.hits == []
    assert beyond.total == len(everything)


# --- writing: delete, replace, fetch, ids --------------------------------------------


async def test_deleted_listing_is_found_nowhere_when_it_was_deleted(
    search_engine: SearchEngine, sessions: Sessions
) -> None:
    await load(search_engine, sessions)
    gone = listings("elderflower_syrup", "en")[0]
    kept = [d for d in listings("elderflower_syrup", "en") if d.id != gone.id]
    assert gone.id in await found(search_engine, sessions, "elderflower")
    async with transaction(sessions) as session:
        await search_engine.delete(session, [gone.id, uuid.uuid4()])  # unknown ids are ignored
    hits = await found(search_engine, sessions, "elderflower")
    assert gone.id not in hits
    assert {d.id for d in kept} <= set(hits)
    assert gone.id not in await found(search_engine, sessions)
    assert (await search(search_engine, sessions)).total == len(CATALOG) - 1
    async with transaction(sessions) as session:
        assert await search_engine.fetch(session, [gone.id, kept[0].id]) == {kept[0].id: kept[0]}
        assert await search_engine.ids(session) == {d.id for d in CATALOG} - {gone.id}


async def test_listing_is_found_by_its_new_words_only_when_it_was_upserted_again(
    search_engine: SearchEngine, sessions: Sessions
) -> None:
    await load(search_engine, sessions)
    old = next(d for d in by_title("Linden honey") if list(d.translations) == ["en"])
    assert not containing(["quince"])
    new = msgspec.structs.replace(
        old,
        version=old.version + 1,
        translations={"en": ListingText(title="Quince cheese", description="Firm paste of slow-cooked quinces.")},
        in_stock=not old.in_stock,
    )
    await load(search_engine, sessions, [new])
    assert await found(search_engine, sessions, "quince") == [new.id]
    assert new.id not in await found(search_engine, sessions, "linden")
    assert (await search(search_engine, sessions)).total == len(CATALOG)
    # Upserting the whole catalog again restores the old listing, and duplicates nothing.
    await load(search_engine, sessions)
    assert await found(search_engine, sessions, "quince") == []
    assert old.id in await found(search_engine, sessions, "linden")
    async with transaction(sessions) as session:
        assert await search_engine.fetch(session, [old.id]) == {old.id: old}
        assert len(await search_engine.ids(session)) == len(CATALOG)


async def test_fetch_returns_the_documents_as_upserted_when_asked_by_id(
    search_engine: SearchEngine, sessions: Sessions
) -> None:
    await load(search_engine, sessions)
    unknown = uuid.uuid4()
    async with transaction(sessions) as session:
        fetched = await search_engine.fetch(session, [*BY_ID, unknown])
        assert await search_engine.fetch(session, []) == {}
    assert fetched == BY_ID
    # Hits carry the same documents.
    for hit in (await search(search_engine, sessions)).hits:
        assert hit.document == BY_ID[hit.document.id]


async def test_ids_are_every_stored_listing_when_the_catalog_is_loaded(
    search_engine: SearchEngine, sessions: Sessions
) -> None:
    async with transaction(sessions) as session:
        assert await search_engine.ids(session) == set()
    await load(search_engine, sessions)
    async with transaction(sessions) as session:
        assert await search_engine.ids(session) == set(BY_ID)


# --- query syntax and browsing ---------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "plain"),
    [
        ('"linden" & honey', "linden honey"),
        ("honey:*", "honey"),
        ("(miód | gryczany)", "miód gryczany"),
        ("!tomatoes", "tomatoes"),
        ("l'huile d'olive", "l huile d olive"),
        ("café\\", "café"),
        ("tomatoes) & (", "tomatoes"),
        ("honey " + SYNTAX * 100, "honey"),
        ((" honey " + SYNTAX) * 60, "honey"),
    ],
)
async def test_query_syntax_characters_are_ignored_when_they_surround_words(
    search_engine: SearchEngine, sessions: Sessions, query: str, plain: str
) -> None:
    await load(search_engine, sessions)
    expected = await found(search_engine, sessions, plain)
    assert expected
    assert await found(search_engine, sessions, query) == expected


@pytest.mark.parametrize("query", [SYNTAX, *SYNTAX, (SYNTAX * 100)[:1000], "   ", "'' \"\" ()"])
async def test_query_without_words_browses_every_listing_when_it_is_only_syntax_characters(
    search_engine: SearchEngine, sessions: Sessions, query: str
) -> None:
    await load(search_engine, sessions)
    result = await search(search_engine, sessions, query, limit=10)
    assert result.total == len(CATALOG)
    assert len(result.hits) == 10


async def test_empty_query_browses_every_listing_when_no_filter_is_set(
    search_engine: SearchEngine, sessions: Sessions
) -> None:
    await load(search_engine, sessions)
    result = await search(search_engine, sessions, facets=True)
    assert result.total == len(CATALOG)
    assert {hit.document.id for hit in result.hits} == set(BY_ID)
    assert result.facets == facets_of(CATALOG)


async def test_nothing_is_found_when_the_engine_is_empty(search_engine: SearchEngine, sessions: Sessions) -> None:
    for text in ("", "honey"):
        result = await search(search_engine, sessions, text, price_buckets=[PriceRange(None, None)])
        assert (result.hits, result.total, result.price_buckets) == ([], 0, [0])


async def test_words_that_fold_into_punctuation_are_searchable_when_typed_with_a_typo(
    search_engine: SearchEngine, sessions: Sessions
) -> None:
    # PostgreSQL's unaccent turns `½` into ` 1/2` and the modifier apostrophe into `'`: such words must never turn a
    # typo correction into query syntax.
    flour = CATALOG[0]
    language, text = next(iter(flour.translations.items()))
    odd = msgspec.structs.replace(
        flour,
        translations={language: msgspec.structs.replace(text, title="Mąka 1½kg мʼясо")},
    )
    await load(search_engine, sessions, [odd])
    assert await found(search_engine, sessions, "1½kg") == [odd.id]
    for typed in ("1½kgs", "мʼясом", "½"):
        await found(search_engine, sessions, typed)  # an answer, whatever it holds; never an error
