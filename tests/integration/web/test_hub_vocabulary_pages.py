"""The hub's words for goods, on its coordinators' page: a coordinator looks up which goods a word
names, adds the hub's words (a buyer's next search finds the goods by them) and takes them back, adds
goods the vocabulary lacks; bad input is said beside its field; others find no such page."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.identity import PASSWORD, Account
from tests.factories.order import Market, build_market
from tests.integration.web.pages import sign_in_page, submit
from tests.worker import drain

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def market(
    client: Client, app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> Market:
    """A hub with a Polish beekeeper's honey indexed for search, a German town that buys, and its coordinator."""
    built = await build_market(client, sessions, settings)
    assert settings.database_url is not None
    await drain(settings.database_url, sessions, app.state.registry)
    return built


def vocabulary_page(market: Market) -> str:
    return f"/hubs/{market.hub['id']}/vocabulary"


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    answered = await sign_in_page(client, account.email, PASSWORD)
    assert answered.status_code == 303, answered.text


async def searched(client: Client, market: Market, q: str) -> list[str]:
    """The listings a German buyer's search finds, by id."""
    response = await client.get(
        "/api/v1/search/listings", params={"q": q, "lang": "de", "ships_to": "any"}, headers=market.buyer.headers
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def hubs_concepts(client: Client, market: Market) -> list[str]:
    """The concepts the hub created or added words to, as the JSON API lists them."""
    response = await client.get(
        f"/api/v1/hubs/{market.hub['id']}/vocabulary/concepts", headers=market.coordinator.headers
    )
    assert response.status_code == 200, response.text
    return [concept["id"] for concept in response.json()]


def error_beside(page: str, field: str) -> str:
    """The problem the page says beside the form field `field`."""
    found = re.search(rf'<p class="error" id="f-{re.escape(field)}-error">(.*?)</p>', page, re.DOTALL)
    assert found is not None, f"no problem is shown beside {field}"
    return html.unescape(found.group(1)).strip()


def section(page: str, heading_id: str) -> str:
    """The page's section under the heading `heading_id`."""
    return page.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


async def test_a_coordinator_looks_up_a_word_and_sees_the_goods_it_names_with_their_words_by_language(
    client: Client, market: Market
) -> None:
    await signed_in(client, market.coordinator)
    hub_page = await client.get(f"/hubs/{market.hub['id']}")
    assert f'href="{vocabulary_page(market)}"' in hub_page.text  # linked from the hub's sections

    shown = await client.get(vocabulary_page(market), params={"term": "miód"})
    assert shown.status_code == 200, shown.text
    found = section(shown.text, "lookup-heading")
    assert '<span lang="en">Honey</span>' in found  # the goods named in the reader's language
    assert "<dt>German</dt>" in found  # the words by language, the language by name
    assert '<span lang="de">Honig</span>' in found
    assert "Add the words" in found
    assert "Remove" not in found  # the platform's words are not the hub's to remove
    assert "Your hub has added no words yet." in section(shown.text, "mine-heading")

    nothing = await client.get(vocabulary_page(market), params={"term": "Quasselstrippe"})
    assert "No goods in the vocabulary have this word." in nothing.text
    no_word = await client.get(vocabulary_page(market), params={"term": "—"})
    assert no_word.status_code == 422
    assert error_beside(no_word.text, "term") == "Write a word to look up, in any language."


async def test_a_coordinators_word_finds_the_goods_from_a_buyers_next_search_and_goes_when_removed(
    client: Client, market: Market
) -> None:
    assert market.honey["id"] not in await searched(client, market, "Bienengold")
    await signed_in(client, market.coordinator)
    lookup = f"{vocabulary_page(market)}?term=mi%C3%B3d"

    added = await submit(
        client,
        lookup,
        f"{vocabulary_page(market)}/concepts/honey/terms",
        {"looked_up": "miód", "language-honey": "de", "terms-honey": "Bienengold\n\n"},
    )
    assert added.status_code == 303, added.text
    after = await client.get(added.headers["location"])
    assert "The words are added: from the next search on, they find these goods." in html.unescape(after.text)
    assert "Which goods does this word name?" in after.text
    assert '<strong lang="de">Bienengold</strong>' in section(after.text, "lookup-heading")  # back at the lookup
    mine = section(after.text, "mine-heading")
    assert '<strong lang="de">Bienengold</strong>' in mine  # the hub's word, marked
    assert "your hub's word" in html.unescape(mine)
    assert market.honey["id"] in await searched(client, market, "Bienengold")

    removed = await submit(
        client,
        vocabulary_page(market),
        f"{vocabulary_page(market)}/concepts/honey/terms/remove",
        {"language": "de", "term": "Bienengold"},
    )
    assert removed.status_code == 303, removed.text
    gone = await client.get(removed.headers["location"])
    assert "The word is removed" in gone.text
    assert "Bienengold" not in gone.text
    assert market.honey["id"] not in await searched(client, market, "Bienengold")

    platform_word = await submit(
        client,
        vocabulary_page(market),
        f"{vocabulary_page(market)}/concepts/honey/terms/remove",
        {"language": "de", "term": "Honig"},
    )
    assert platform_word.status_code == 404
    assert market.honey["id"] in await searched(client, market, "Honig")


async def test_a_word_without_letters_is_said_beside_the_words_and_nothing_is_added(
    client: Client, market: Market
) -> None:
    await signed_in(client, market.coordinator)
    refused = await submit(
        client,
        f"{vocabulary_page(market)}?term=Honig",
        f"{vocabulary_page(market)}/concepts/honey/terms",
        {"looked_up": "Honig", "language-honey": "de", "terms-honey": "Bienengold\n—"},
    )
    assert refused.status_code == 422
    assert error_beside(refused.text, "terms-honey") == "“—”: A word needs at least one letter or digit."
    assert "Bienengold\n—</textarea>" in refused.text  # what was typed stays, to be corrected
    assert await hubs_concepts(client, market) == []


async def test_a_coordinator_adds_goods_the_vocabulary_lacks_and_sees_them_listed(
    client: Client, market: Market
) -> None:
    await signed_in(client, market.coordinator)
    created = await submit(
        client,
        vocabulary_page(market),
        f"{vocabulary_page(market)}/concepts",
        {
            "id": "korbacik",
            "name_language": "pl",
            "names": "korbacik\nkorbaczyki",
            "hs": "0406",
            "cpv": "15540000-5",
        },
    )
    assert created.status_code == 303, created.text
    listed = await client.get(created.headers["location"])
    assert "The goods are added: from the next search on, their names find them." in listed.text
    mine = section(listed.text, "mine-heading")
    assert "Identifier: korbacik" in mine
    assert "HS headings: 0406" in mine
    assert "CPV codes: 15540000" in mine
    assert "<dt>Polish</dt>" in mine
    assert '<strong lang="pl">korbaczyki</strong>' in mine  # the hub's own words, removable
    assert await hubs_concepts(client, market) == ["korbacik"]

    taken = await submit(
        client,
        vocabulary_page(market),
        f"{vocabulary_page(market)}/concepts",
        {"id": "honey", "name_language": "de", "names": "Honig"},
    )
    assert taken.status_code == 409
    assert "Goods with the identifier “honey” are in the vocabulary already." in html.unescape(taken.text)


async def test_a_bad_identifier_and_a_bad_hs_heading_are_said_beside_their_fields_and_nothing_is_added(
    client: Client, market: Market
) -> None:
    await signed_in(client, market.coordinator)
    refused = await submit(
        client,
        vocabulary_page(market),
        f"{vocabulary_page(market)}/concepts",
        {"id": "Korbacik!", "name_language": "pl", "names": "korbacik", "hs": "0406, 04"},
    )
    assert refused.status_code == 422
    assert error_beside(refused.text, "id") == (
        "Use 3 to 80 lower-case letters (a to z), digits and underscores, starting with a letter."
    )
    assert error_beside(refused.text, "hs") == "“04”: Write an HS heading as 4 or 6 digits, like 0409 or 040900."
    assert 'value="Korbacik!"' in refused.text
    assert await hubs_concepts(client, market) == []


async def test_only_the_hubs_coordinators_find_its_vocabulary_page(client: Client, market: Market) -> None:
    await signed_in(client, market.buyer)  # a member of a buyer organisation of the hub
    refused = await client.get(vocabulary_page(market), params={"term": "miód"})
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("text/html")
    adding = await submit(
        client,
        "/",
        f"{vocabulary_page(market)}/concepts/honey/terms",
        {"language-honey": "de", "terms-honey": "Bienengold"},
    )
    assert adding.status_code == 403
    assert market.honey["id"] not in await searched(client, market, "Bienengold")
    assert (await client.get(f"/hubs/{uuid.uuid4()}/vocabulary")).status_code == 404


async def test_the_page_is_in_german_for_a_german_reader(client: Client, market: Market) -> None:
    await signed_in(client, market.coordinator)
    german: dict[str, Any] = {"Accept-Language": "de-DE,de;q=0.9"}
    shown = await client.get(vocabulary_page(market), params={"term": "miód"}, headers=german)
    assert shown.status_code == 200, shown.text
    assert '<html lang="de' in shown.text
    assert "Welche Waren bezeichnet dieses Wort?" in shown.text
    assert '<span lang="de">Honig</span>' in shown.text  # the goods named in German
    assert "<dt>Polnisch</dt>" in shown.text  # languages named in German
    assert "Which goods" not in shown.text
