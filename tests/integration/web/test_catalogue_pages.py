"""A hub's public catalogue preview: anyone, signed in or not, sees what the hub's admitted producers
offer, in their language where the producer wrote it, with prices unless the hub chose to show none;
nothing paused or archived, nothing of another hub's producers or of producers not admitted."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.catalog import create_listing
from tests.factories.identity import register
from tests.factories.order import Market, build_market
from tests.factories.organization import admitted_organization, create_hub, create_organization, platform_admin
from tests.factories.photos import upload_photo

Client = AsyncTestClient[Litestar]
GERMAN = {"Accept-Language": "de"}


def _titled(title: str, language: str = "de") -> dict[str, Any]:
    """A listing written in one language only."""
    return {"translations": {language: {"title": title}}, "default_language": language}


async def _catalogue(client: Client, market: Market, headers: dict[str, str] = GERMAN) -> str:
    """The hub's catalogue as someone not signed in reads it."""
    client.cookies.clear()
    shown = await client.get(f"/portal/{market.hub['id']}/catalogue", headers=headers)
    assert shown.status_code == 200, shown.text
    return shown.text


async def test_an_anonymous_german_reader_sees_the_hubs_listings_in_german_with_prices_in_currency_units(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = await build_market(client, sessions, settings)
    plums = await create_listing(client, m.honey_maker, m.producer_a, **_titled("Powidła śliwkowe", "pl"))
    photo = await upload_photo(
        client, m.honey_maker, m.honey, alt_text={"de": "Ein Glas Lindenhonig", "pl": "Słoik miodu lipowego"}
    )

    page = await _catalogue(client, m)

    assert '<html lang="de">' in page
    assert f'<a href="/listings/{m.honey["id"]}">Lindenhonig</a>' in page
    assert f'<a href="/listings/{m.cheese["id"]}">Korycin-Käse</a>' in page
    assert f'<a href="/listings/{plums["id"]}" lang="pl">Powidła śliwkowe</a>' in page  # no German title written
    assert "Linden honey" not in page
    assert f"{m.producer_a['legal_name']} in Zgorzelec" in page
    assert f"{m.producer_b['legal_name']} in Bogatynia" in page
    assert ">Honig</h2>" in page  # the category by name
    assert "40,50\xa0PLN" in page  # honey from its best volume price, in currency units
    assert "12,00\xa0PLN" in page
    assert "55,00\xa0PLN" in page
    assert "4050" not in page
    assert "KGM" not in page
    assert "H87" not in page
    assert f'src="{photo["thumbnail_url"]}"' in page
    assert 'alt="Ein Glas Lindenhonig"' in page
    assert 'class="button" href="/register"' in page
    assert f'href="/portal/{m.hub["id"]}"' in page


async def test_no_price_is_shown_once_the_coordinator_turns_prices_off(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = await build_market(client, sessions, settings)
    assert "40,50\xa0PLN" in await _catalogue(client, m)

    turned = await client.put(
        f"/api/v1/hubs/{m.hub['id']}/public-catalogue", json={"shows_prices": False}, headers=m.coordinator.headers
    )
    assert turned.status_code == 200, turned.text
    page = await _catalogue(client, m)

    assert "Lindenhonig" in page
    assert "Korycin-Käse" in page
    assert "PLN" not in page
    assert "zł" not in page
    for amount in ("40,50", "48,00", "12,00", "55,00", "60,00"):
        assert amount not in page


async def test_paused_archived_and_other_hubs_listings_and_producers_not_admitted_are_absent(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = await build_market(client, sessions, settings)
    assert (await client.post(f"/api/v1/listings/{m.jam['id']}/pause", headers=m.honey_maker.headers)).is_success
    archived = await create_listing(client, m.honey_maker, m.producer_a, **_titled("Archivierter Honig"))
    assert (await client.post(f"/api/v1/listings/{archived['id']}/archive", headers=m.honey_maker.headers)).is_success
    # A producer of another hub.
    admin = await platform_admin(client, sessions, settings)
    other_coordinator, other_owner = await register(client), await register(client)
    other_hub = await create_hub(client, admin, [other_coordinator])
    other_producer = await admitted_organization(client, other_hub, other_owner, other_coordinator)
    await create_listing(client, other_owner, other_producer, **_titled("Honig einer anderen Region"))
    # A producer that applied to this hub and waits, and one the hub turned away.
    waiting_owner, refused_owner = await register(client), await register(client)
    waiting = await create_organization(client, waiting_owner)
    applied = await client.post(
        f"/api/v1/hubs/{m.hub['id']}/memberships",
        json={"organization_id": waiting["id"]},
        headers=waiting_owner.headers,
    )
    assert applied.status_code == 201, applied.text
    await create_listing(client, waiting_owner, waiting, **_titled("Wartender Honig"))
    refused = await admitted_organization(client, m.hub, refused_owner, m.coordinator)
    rejected = await client.post(
        f"/api/v1/hubs/{m.hub['id']}/memberships/{refused['id']}/reject",
        json={"note": "Keine Imkerei am angegebenen Ort"},
        headers=m.coordinator.headers,
    )
    assert rejected.status_code == 200, rejected.text
    await create_listing(client, refused_owner, refused, **_titled("Abgewiesener Honig"))

    page = await _catalogue(client, m)

    assert "Lindenhonig" in page
    assert "Korycin-Käse" in page
    for absent in (
        m.jam["id"],
        "Archivierter Honig",
        "Honig einer anderen Region",
        other_producer["legal_name"],
        "Wartender Honig",
        waiting["legal_name"],
        "Abgewiesener Honig",
        refused["legal_name"],
    ):
        assert absent not in page


async def test_an_unknown_hub_is_the_not_found_page(client: Client) -> None:
    shown = await client.get(f"/portal/{uuid.uuid4()}/catalogue", headers=GERMAN)

    assert shown.status_code == 404
    assert shown.headers["content-type"].startswith("text/html")


async def test_the_catalogue_runs_as_many_statements_for_many_listings_with_photos_as_for_a_few(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = await build_market(client, sessions, settings)
    before = await _statements_of(client, m)
    for number in range(6):
        listing = await create_listing(client, m.cheese_maker, m.producer_b, **_titled(f"Käse Nr. {number}"))
        await upload_photo(client, m.cheese_maker, listing, alt_text={"de": f"Käselaib Nr. {number}"})

    after = await _statements_of(client, m)

    assert after.text.count("Käselaib Nr.") == 6
    assert after.count == before.count, "the page reads each listing (or its photo) on its own"


async def test_the_catalogue_is_paged_twenty_listings_at_a_time(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = await build_market(client, sessions, settings)
    for number in range(20):
        await create_listing(client, m.cheese_maker, m.producer_b, **_titled(f"Bergkäse {number:02d}"))

    first = await _catalogue(client, m)
    client.cookies.clear()
    second = await client.get(f"/portal/{m.hub['id']}/catalogue?page=2", headers=GERMAN)

    assert second.status_code == 200, second.text
    shown = [first.count('href="/listings/'), second.text.count('href="/listings/')]
    assert shown == [20, 3]
    assert 'href="?page=2"' in first
    assert 'href="?page=1"' in second.text


@dataclasses.dataclass
class _Statements:
    text: str
    count: int


async def _statements_of(client: Client, market: Market) -> _Statements:
    """The hub's catalogue, and how many SQL statements showing it ran."""
    count = 0

    def counted(*_: object) -> None:
        nonlocal count
        count += 1

    event.listen(Engine, "before_cursor_execute", counted)
    try:
        text = await _catalogue(client, market)
    finally:
        event.remove(Engine, "before_cursor_execute", counted)
    return _Statements(text=text, count=count)
