"""The buyer's search and listing pages: found in any language, prices and units as the reader writes
them, facets that narrow, volume prices and a quote, other translations a click away, and a 404 page
for a listing that is not there."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from babel.dates import format_date
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from tests.factories.catalog import create_listing
from tests.factories.identity import PASSWORD, register
from tests.factories.order import Market, build_market
from tests.factories.organization import admitted_organization, german_registration
from tests.integration.web.pages import sign_in_page
from tests.worker import drain

GERMAN = {"Accept-Language": "de-DE,de;q=0.9"}


@dataclass(frozen=True)
class Catalog:
    market: Market
    buckwheat: dict[str, Any]
    """Polish producer A's, written in Polish and English only: 36.00 PLN per kg."""
    forest_honey: dict[str, Any]
    """A Saxon beekeeper's, in German, priced in euro."""


@pytest.fixture
async def catalog(
    client: AsyncTestClient[Litestar], app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> Catalog:
    market = await build_market(client, sessions, settings)
    buckwheat = await create_listing(
        client,
        market.honey_maker,
        market.producer_a,
        translations={
            "pl": {"title": "Miód gryczany", "description": "Ciemny miód z pól gryki pod Zgorzelcem"},
            "en": {"title": "Buckwheat honey", "description": "Dark honey from the buckwheat fields near Zgorzelec"},
        },
        price_tiers=[{"min_quantity": "1", "unit_price": "36.00"}, {"min_quantity": "20", "unit_price": "34.00"}],
    )
    beekeeper = await register(client)
    saxon = await admitted_organization(
        client,
        market.hub,
        beekeeper,
        market.coordinator,
        legal_name="Imkerei Lindner",
        registration=german_registration(),
        country="DE",
        subdivision="DE-SN",
        municipality="Görlitz",
        default_currency="EUR",
        languages=["de"],
    )
    forest_honey = await create_listing(
        client,
        beekeeper,
        saxon,
        translations={"de": {"title": "Waldhonig", "description": "Dunkler Honig aus der Oberlausitz"}},
        default_language="de",
        price_tiers=[{"min_quantity": "1", "unit_price": "14.50"}],
        ships_to=["DE-SN"],
    )
    # Producer A is women-led, as its hub verified.
    declared = await client.put(
        f"/api/v1/organizations/{market.producer_a['id']}/inclusion",
        json={"women_led": True},
        headers=market.honey_maker.headers,
    )
    assert declared.status_code == 200, declared.text
    verified = await client.put(
        f"/api/v1/hubs/{market.hub['id']}/organizations/{market.producer_a['id']}/inclusion/women_led",
        json={"verified": True},
        headers=market.coordinator.headers,
    )
    assert verified.status_code == 200, verified.text
    assert settings.database_url is not None
    await drain(settings.database_url, sessions, app.state.registry)
    # The buyer reads the pages in a browser, signed in with the session cookie.
    signed_in = await sign_in_page(client, market.buyer.email, PASSWORD)
    assert signed_in.status_code == 303
    return Catalog(market=market, buckwheat=buckwheat, forest_honey=forest_honey)


def titles(html: str) -> list[str]:
    """The titles of the results, in order."""
    return re.findall(r'<h3><a href="/listings/[^"]+" lang="[^"]+">([^<]+)</a></h3>', html)


async def test_german_reader_finds_a_polish_listing_in_english_with_the_price_in_euro_german_style(
    client: AsyncTestClient[Litestar], catalog: Catalog
) -> None:
    found = await client.get("/search", params={"q": "buckwheat"}, headers=GERMAN)

    assert found.status_code == 200, found.text
    assert titles(found.text) == ["Buckwheat honey"]
    assert f'<a href="/listings/{catalog.buckwheat["id"]}" lang="en">Buckwheat honey</a>' in found.text
    assert catalog.market.producer_a["legal_name"] in found.text
    assert "Niederschlesien, Polen" in found.text  # the place by name, in German
    # 36.00 PLN at 4.25 PLN per euro, per kilogram by name, as a German writes it.
    assert "8,47\xa0€ / kg" in found.text
    assert "36,00\xa0PLN / kg" in found.text
    yesterday = clock.today() - dt.timedelta(days=1)
    assert format_date(yesterday, format="long", locale="de_DE") in found.text  # the rate's date
    assert 'data-live-search="results"' in found.text
    assert 'id="results"' in found.text


async def test_a_listing_found_through_another_languages_word_says_which_word_in_which_language(
    client: AsyncTestClient[Litestar], catalog: Catalog
) -> None:
    found = await client.get("/search", params={"q": "Honig"}, headers=GERMAN)

    assert found.status_code == 200, found.text
    # The Saxon honey says Honig itself; the Polish buckwheat honey (Polish and English only) is found as
    # what the vocabulary calls honey in the language of its text that matched.
    assert "Waldhonig" in titles(found.text)
    assert "Buckwheat honey" in titles(found.text)
    said = re.findall(r'Auch gefunden als \((\w+)\): <span lang="(\w+)">(\w+)</span>', found.text)
    assert said in ([("Polnisch", "pl", "miód")], [("Englisch", "en", "honey")]), said


async def test_results_are_only_what_is_delivered_to_the_buyer_unless_they_ask_for_anywhere(
    client: AsyncTestClient[Litestar], catalog: Catalog
) -> None:
    shown = await client.get("/search", params={"q": "honey"})
    assert "Only goods delivered to Sachsen, Germany are shown." in shown.text
    assert "Buckwheat honey" in titles(shown.text)


async def test_origin_facet_narrows_the_results_to_one_country(
    client: AsyncTestClient[Litestar], catalog: Catalog
) -> None:
    everything = await client.get("/search")
    assert everything.status_code == 200, everything.text
    assert "5 results" in everything.text
    assert '<option value="DE">Germany (1)</option>' in everything.text
    assert '<option value="PL">Poland (4)</option>' in everything.text

    german = await client.get("/search", params={"origin_country": "DE"})

    assert titles(german.text) == ["Waldhonig"]
    assert "1 result" in german.text
    assert '<option value="DE" selected>' in german.text


async def test_the_verified_attribute_facet_keeps_the_producers_their_hub_verified(
    client: AsyncTestClient[Litestar], catalog: Catalog
) -> None:
    everything = await client.get("/search")
    assert re.search(r'value="women_led"> Women-led <span class="muted">\(3\)</span>', everything.text)

    women_led = await client.get("/search", params={"inclusion": "women_led"})

    assert sorted(titles(women_led.text)) == ["Buckwheat honey", "Linden honey", "Linden honey"]
    assert 'value="women_led" checked' in women_led.text
    listing = await client.get(f"/listings/{catalog.buckwheat['id']}")
    assert "<li>Women-led</li>" in listing.text


async def test_a_search_nothing_matches_says_so_and_a_bad_price_is_shown_beside_its_field(
    client: AsyncTestClient[Litestar], catalog: Catalog
) -> None:
    empty = await client.get("/search", params={"q": "zzzxxyq"})
    assert "Nothing matches this search." in empty.text
    assert "0 results" in empty.text

    bad = await client.get("/search", params={"price_min": "cheap"})
    assert bad.status_code == 422
    assert 'id="f-price_min-error"' in bad.text
    assert 'value="cheap"' in bad.text


async def test_listing_page_shows_tiers_and_a_quote_in_the_readers_formatting(
    client: AsyncTestClient[Litestar], catalog: Catalog
) -> None:
    honey = catalog.market.honey  # 48.00 PLN per kg, 44.00 from 20 kg, 40.50 from 100 kg; packs of 0.5 kg

    shown = await client.get(f"/listings/{honey['id']}", params={"quantity": "22,5"}, headers=GERMAN)

    assert shown.status_code == 200, shown.text
    assert '<h1 lang="de">Lindenhonig</h1>' in shown.text
    for quantity, price in [("1 kg", "48,00"), ("20 kg", "44,00"), ("100 kg", "40,50")]:
        assert f'<th scope="row">{quantity}</th><td class="number">{price}\xa0PLN / kg</td>' in shown.text
    # 22.5 kg at 44.00 PLN = 990.00 PLN = 232.94 EUR at 4.25.
    assert "22,5 kg" in shown.text
    assert "990,00\xa0PLN" in shown.text
    assert "232,94\xa0€" in shown.text
    assert 'action="/cart/lines"' in shown.text
    assert f'name="listing_id" value="{honey["id"]}"' in shown.text


async def test_a_quantity_below_the_minimum_order_names_the_minimum_by_unit(
    client: AsyncTestClient[Litestar], catalog: Catalog
) -> None:
    shown = await client.get(f"/listings/{catalog.market.honey['id']}", params={"quantity": "1"})

    assert shown.status_code == 422
    assert "The least you can order is 2 kg." in shown.text
    assert "KGM" not in shown.text


async def test_the_listings_other_languages_are_one_click_away(
    client: AsyncTestClient[Litestar], catalog: Catalog
) -> None:
    listing = f"/listings/{catalog.buckwheat['id']}"
    first = await client.get(listing, headers=GERMAN)  # no German text: the default (Polish) first
    assert '<h1 lang="pl">Miód gryczany</h1>' in first.text
    assert f'<a href="{listing}?lang=en" lang="en" hreflang="en">English</a>' in first.text

    english = await client.get(listing, params={"lang": "en"}, headers=GERMAN)

    assert '<h1 lang="en">Buckwheat honey</h1>' in english.text
    assert f'<a href="{listing}?lang=pl" lang="pl" hreflang="pl">polski</a>' in english.text


async def test_an_unknown_listing_is_a_not_found_page(client: AsyncTestClient[Litestar], catalog: Catalog) -> None:
    missing = await client.get(f"/listings/{uuid.uuid4()}", headers=GERMAN)

    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert '<html lang="de-DE">' in missing.text


async def test_searching_needs_signing_in_first(client: AsyncTestClient[Litestar]) -> None:
    asked = await client.get("/search", params={"q": "honey"}, follow_redirects=False)

    assert asked.status_code == 303
    assert asked.headers["location"] == "/sign-in?next=%2Fsearch%3Fq%3Dhoney"
