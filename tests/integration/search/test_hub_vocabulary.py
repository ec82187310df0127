"""A hub's coordinators extend the vocabulary over HTTP: their words find listings from the next search
on, they take back only what their hub added, and bad input names every offending field."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.identity import register
from tests.factories.order import Market, build_market
from tests.factories.organization import create_hub, platform_admin
from tests.worker import drain

Client = AsyncTestClient[Litestar]


@pytest.fixture
async def market(
    client: Client, app: Litestar, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> Market:
    built = await build_market(client, sessions, settings)
    assert settings.database_url is not None
    await drain(settings.database_url, sessions, app.state.registry)
    return built


def vocabulary(market: Market) -> str:
    return f"/api/v1/hubs/{market.hub['id']}/vocabulary/concepts"


async def searched(client: Client, market: Market, q: str) -> list[dict[str, Any]]:
    response = await client.get(
        "/api/v1/search/listings", params={"q": q, "lang": "de", "ships_to": "any"}, headers=market.buyer.headers
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_coordinators_word_finds_the_goods_from_the_next_search_on_and_goes_when_taken_back(
    client: Client, market: Market
) -> None:
    assert await searched(client, market, "Bienengold") == []
    [honey] = (await client.get(vocabulary(market), params={"term": "MIOD"}, headers=market.coordinator.headers)).json()
    assert honey["id"] == "honey"
    # A term is its words: punctuation inside it is no obstacle (`miel d'abeille`, `miel d abeille`).
    by_phrase = await client.get(
        vocabulary(market), params={"term": "Miel d abeille"}, headers=market.coordinator.headers
    )
    assert [concept["id"] for concept in by_phrase.json()] == ["honey"]
    assert {"language": "de", "term": "Honig", "hub_id": None} in honey["terms"]

    added = await client.post(
        f"{vocabulary(market)}/honey/terms",
        json={"language": "de-AT", "terms": ["Bienengold", " Bienengold "]},
        headers=market.coordinator.headers,
    )
    assert added.status_code == 201, added.text
    assert [t for t in added.json()["terms"] if t["hub_id"]] == [
        {"language": "de", "term": "Bienengold", "hub_id": market.hub["id"]}
    ]
    [hit] = [item for item in await searched(client, market, "Bienengold") if item["id"] == market.honey["id"]]
    assert hit["matched"] == {"via": "synonym", "language": "de", "term": "Honig"}
    mine = (await client.get(vocabulary(market), headers=market.coordinator.headers)).json()
    assert [concept["id"] for concept in mine] == ["honey"]

    removed = await client.delete(f"{vocabulary(market)}/honey/terms/de/Bienengold", headers=market.coordinator.headers)
    assert removed.status_code == 204
    assert await searched(client, market, "Bienengold") == []


async def test_a_hub_takes_back_only_its_own_words(client: Client, market: Market) -> None:
    platform_term = await client.delete(
        f"{vocabulary(market)}/honey/terms/de/Honig", headers=market.coordinator.headers
    )
    assert platform_term.status_code == 404
    assert await searched(client, market, "Honig")


async def test_only_the_hubs_coordinators_change_or_read_its_vocabulary(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    body = {"language": "de", "terms": ["Bienengold"]}
    as_buyer = await client.post(f"{vocabulary(market)}/honey/terms", json=body, headers=market.buyer.headers)
    assert as_buyer.status_code == 403
    other_coordinator = await register(client)
    await create_hub(client, await platform_admin(client, sessions, settings), [other_coordinator])
    elsewhere = await client.post(f"{vocabulary(market)}/honey/terms", json=body, headers=other_coordinator.headers)
    assert elsewhere.status_code == 403
    assert (await client.get(vocabulary(market), headers=other_coordinator.headers)).status_code == 403
    assert await searched(client, market, "Bienengold") == []


async def test_bad_terms_are_refused_naming_every_offending_field_and_nothing_is_added(
    client: Client, market: Market
) -> None:
    response = await client.post(
        f"{vocabulary(market)}/honey/terms",
        json={"language": "not a language", "terms": ["Bienengold", "—", "x" * 121]},
        headers=market.coordinator.headers,
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {e["field"] for e in response.json()["errors"]} == {"$.language", "$.terms[1]", "$.terms[2]"}
    assert (await client.get(vocabulary(market), headers=market.coordinator.headers)).json() == []
    unknown = await client.post(
        f"{vocabulary(market)}/no_such_thing/terms",
        json={"language": "de", "terms": ["Bienengold"]},
        headers=market.coordinator.headers,
    )
    assert unknown.status_code == 404


async def test_a_hub_creates_a_concept_the_vocabulary_lacks_and_cannot_take_an_existing_name(
    client: Client, market: Market
) -> None:
    created = await client.post(
        vocabulary(market),
        json={
            "id": "korbacik",
            "hs": [" 0406 "],
            "cpv": ["15540000-5"],
            "terms": {"pl": ["korbacik", "korbaczyki"]},
        },
        headers=market.coordinator.headers,
    )
    assert created.status_code == 201, created.text
    assert (created.json()["hub_id"], created.json()["hs"], created.json()["cpv"]) == (
        market.hub["id"],
        ["0406"],
        ["15540000"],
    )
    taken = await client.post(
        vocabulary(market), json={"id": "honey", "terms": {"de": ["Honig"]}}, headers=market.coordinator.headers
    )
    assert taken.status_code == 409
    bad = await client.post(
        vocabulary(market),
        json={"id": "X", "hs": ["04"], "cpv": ["1583"], "terms": {"pl": [""]}},
        headers=market.coordinator.headers,
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"$.id", "$.hs[0]", "$.cpv[0]", "$.terms.pl[0]"}
