"""The Meilisearch engine's translation of documents and queries, checked without a server (the
contract suite runs it against one when MEILISEARCH_URL is set), and its behaviour when the server
cannot be reached."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import msgspec
import pytest

from marketplace.api import ListingText
from search.document import SearchDocument
from search.engines import meilisearch as meili
from search.engines.base import PriceRange, SearchQuery, SearchUnavailable
from search.engines.meilisearch import MeilisearchEngine, meili_document


def document(**changes: object) -> SearchDocument:
    base = SearchDocument(
        id=uuid.UUID("01a20000-0000-7000-8000-000000000001"),
        organization_id=uuid.UUID("01a20000-0000-7000-8000-000000000002"),
        producer_name='Pasieka "Nysa"',
        version=3,
        default_language="de",
        translations={
            "de": ListingText(title="Lindenhonig", description="Aus Görlitz"),
            "de-AT": ListingText(title="Lindenblütenhonig", description=""),
            "pl": ListingText(title="Miód lipowy", description="Z Nysy"),
        },
        classification_scheme="CPV",
        classification_code="03142100-9",
        unit_code="KGM",
        currency="PLN",
        unit_price=Decimal("48.00"),
        price_ref=None,
        fx_as_of=None,
        in_stock=True,
        origin_country="PL",
        origin_subdivision=None,
        ships_to=["DE-SN", "PL"],
        eligible_in=["DE-SN"],
        inclusion=["women_led"],
        created_at=dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC),
    )
    return msgspec.structs.replace(base, **changes)


def test_indexed_document_gives_back_exactly_what_was_indexed_when_read() -> None:
    original = document(price_ref=11.29, fx_as_of=dt.date(2026, 11, 22))
    fields = meili_document(original)
    assert msgspec.json.decode(fields["doc"], type=SearchDocument) == original
    # Regional variants are searched with their language; a prefix filter is an equality filter.
    assert fields["title"] == {"de": ["Lindenhonig", "Lindenblütenhonig"], "pl": ["Miód lipowy"]}
    assert fields["classification_prefixes"][:3] == ["0", "03", "031"]
    assert "031421009" in fields["classification_prefixes"]
    assert fields["classification_division"] == "03"
    assert fields["price_ref"] == pytest.approx(11.29)


def test_listing_without_a_reference_price_has_none_in_the_index_so_price_filters_skip_it() -> None:
    fields = meili_document(document())
    assert "price_ref" not in fields
    assert "origin_subdivision" not in fields


def test_every_filter_becomes_one_condition_with_values_quoted_when_translated() -> None:
    query = SearchQuery(
        classification_prefix="0314",
        origin_country="PL",
        ships_to=["DE-SN", "DE"],
        eligible_for="DE-SN",
        inclusion=["cooperative", "women_led"],
        organization_id=uuid.UUID("01a20000-0000-7000-8000-000000000002"),
        price=PriceRange(2.5, 10.0),
        in_stock=True,
    )
    assert meili._filters(query) == [
        'classification_prefixes = "0314"',
        'origin_country = "PL"',
        'ships_to IN ["DE-SN", "DE"]',
        'eligible_in = "DE-SN"',
        'inclusion = "cooperative"',
        'inclusion = "women_led"',
        'organization_id = "01a20000-0000-7000-8000-000000000002"',
        "price_ref >= 2.5",
        "price_ref < 10.0",
        "in_stock = true",
    ]
    assert meili._filters(SearchQuery(ships_to=[])) is None, "shipping nowhere matches nothing"
    assert meili._filters(SearchQuery(price=PriceRange(None, None))) == ["price_ref EXISTS"]


def test_quotes_and_backslashes_in_a_value_cannot_end_the_filter_string() -> None:
    assert meili._quote('x" OR in_stock = false OR origin_country = "y\\') == (
        '"x\\" OR in_stock = false OR origin_country = \\"y\\\\"'
    )


def test_query_text_keeps_words_and_drops_syntax_and_elisions() -> None:
    assert meili._query_text("l'huile d'olive") == "huile olive"
    assert meili._query_text('-honey "linden"') == "honey linden"
    assert meili._query_text("w") == "w", "a lone one-letter word is kept"


def test_settings_are_not_sent_again_when_the_server_has_them_in_another_order() -> None:
    desired = meili._settings()
    reordered = desired.model_copy(
        update={"filterable_attributes": list(reversed(desired.filterable_attributes or []))}
    )
    assert not meili._settings_differ(reordered, desired)
    changed = desired.model_copy(update={"ranking_rules": ["words"]})
    assert meili._settings_differ(changed, desired)


async def test_search_is_unavailable_not_an_error_when_the_server_cannot_be_reached() -> None:
    engine = MeilisearchEngine("http://127.0.0.1:9", None, timeout=2)
    try:
        with pytest.raises(SearchUnavailable):
            await engine.prepare()
        with pytest.raises(SearchUnavailable):
            await engine.search(None, SearchQuery(text="honey"))  # type: ignore[arg-type]
    finally:
        await engine.close()
