"""The demand pool pages: a buyer finds the open pools of their hubs, commits a quantity at a delivery
point, sees the running total and changes the commitment; other hubs' buyers find no such page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from tests.factories.identity import PASSWORD, register
from tests.factories.organization import admitted_organization, create_hub, platform_admin
from tests.factories.procurement import (
    Procurement,
    bid,
    bid_body,
    build_procurement,
    commit,
    open_pool,
    pass_deadline,
    published_tender,
)
from tests.integration.web.pages import sign_in_page, submit

Client = AsyncTestClient[Litestar]


def needed_by() -> str:
    return (clock.today() + dt.timedelta(days=30)).isoformat()


async def signed_in_buyer(client: Client, p: Procurement) -> None:
    client.cookies.clear()
    signed_in = await sign_in_page(client, p.market.buyer.email, PASSWORD)
    assert signed_in.status_code == 303, signed_in.text


async def commit_on_page(
    client: Client, p: Procurement, pool: dict[str, Any], point: int, quantity: str, needed: str, **headers: str
) -> Any:
    """The buyer's commitment posted with the pool page's form (not following the redirect)."""
    pool_page = f"/pools/{pool['id']}"
    fields = {
        "organization_id": p.market.buyer_org["id"],
        "delivery_point_id": pool["delivery_points"][point]["id"],
        "quantity": quantity,
        "needed_by": needed,
    }
    return await submit(client, pool_page, f"{pool_page}/commitments", fields, **headers)


def commitment_path(html: str, pool: dict[str, Any]) -> str:
    found = re.search(rf'href="(/pools/{pool["id"]}/commitments/[0-9a-f-]+)"', html)
    assert found is not None, "the pool page links to no commitment of the buyer"
    return found.group(1)


async def test_a_buyer_commits_at_a_delivery_point_sees_the_running_total_and_changes_it(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p)
    # Another buyer of the hub committed first: its quantity counts, its name is never shown.
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 0, "25")
    await signed_in_buyer(client, p)

    listed = await client.get("/pools")
    assert listed.status_code == 200, listed.text
    assert "Honig für Schulküchen" in listed.text  # the pool's own title: no English one was written
    assert "<dd>kg</dd>" in listed.text  # the unit by name, never KGM
    assert "KGM" not in listed.text
    assert "Closes in 1 hour." in listed.text
    assert "Görlitz, Bauhof (Sachsen, Germany)" in listed.text  # the region and its country by name
    assert "DE-SN" not in listed.text
    assert "€12.00 per kg" in listed.text

    committed = await commit_on_page(client, p, pool, 0, "40", needed_by())
    assert committed.status_code == 303, committed.text
    shown = await client.get(committed.headers["location"])
    assert "Your commitment is recorded." in shown.text
    assert "65 kg" in shown.text  # the running total at Görlitz: 25 + 40
    assert "40 kg" in shown.text  # the buyer's own
    assert "Hotel Zgorzelec" not in shown.text

    change_page = commitment_path(shown.text, pool)
    changed = await submit(client, change_page, change_page, {"quantity": "55", "needed_by": needed_by()})
    assert changed.status_code == 303, changed.text
    shown = await client.get(changed.headers["location"])
    assert "Your commitment is changed." in shown.text
    assert "80 kg" in shown.text  # 25 + 55
    assert "55 kg" in shown.text
    assert "40 kg" not in shown.text


async def test_a_german_buyer_commits_one_thousand_five_hundred_kilograms_typed_with_a_thousands_point(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p)
    await signed_in_buyer(client, p)
    german = {"Accept-Language": "de"}

    committed = await commit_on_page(client, p, pool, 0, "1.500", needed_by(), **german)  # 1500, never 1.5

    assert committed.status_code == 303, committed.text
    shown = await client.get(committed.headers["location"], headers=german)
    assert "1.500 kg" in shown.text  # 1,5 kg had it been read as 1.5
    change_page = commitment_path(shown.text, pool)
    changed = await submit(
        client, change_page, change_page, {"quantity": "1.250,5", "needed_by": needed_by()}, **german
    )
    assert changed.status_code == 303, changed.text
    shown = await client.get(changed.headers["location"], headers=german)
    assert "1.250,5 kg" in shown.text
    again = await client.get(change_page, headers=german)
    assert 'value="1250,5"' in again.text  # the change form writes it as a German reader types it, not 1250.5


async def test_a_bad_quantity_shows_the_form_again_with_the_fields_problem(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p)
    await signed_in_buyer(client, p)

    refused = await commit_on_page(client, p, pool, 1, "lots", "")
    assert refused.status_code == 422
    assert 'id="f-quantity-error"' in refused.text
    assert 'id="f-needed_by-error"' in refused.text
    assert 'value="lots"' in refused.text  # what was typed is kept


async def test_after_the_window_closed_the_commitment_is_binding_and_a_change_is_refused_on_the_page(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p)
    await commit(client, p.market.buyer, pool, p.market.buyer_org, 0, "120")
    await signed_in_buyer(client, p)
    change_page = commitment_path((await client.get(f"/pools/{pool['id']}")).text, pool)
    closed = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    assert closed.json()["status"] == "closed", closed.text

    refused = await submit(client, change_page, change_page, {"quantity": "10", "needed_by": needed_by()})
    assert refused.status_code == 409
    assert "The pool&#39;s window closed on" in refused.text
    shown = await client.get(f"/pools/{pool['id']}")
    assert "binding" in shown.text
    assert "Commit a quantity" not in shown.text


async def test_after_the_award_the_buyer_sees_what_it_received_and_the_orders_that_came_of_it(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await open_pool(client, p, minimum_total_quantity=None)
    await commit(client, m.buyer, pool, m.buyer_org, 0, "50")
    closed = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    assert closed.json()["status"] == "closed", closed.text
    await signed_in_buyer(client, p)
    waiting = await client.get(f"/pools/{pool['id']}")
    assert "once the award is decided you see here what you receive" in waiting.text

    tender = await published_tender(client, p, closed.json(), deadline_in=2)
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["11.00"]))
    await pass_deadline(tender, sessions, settings)
    base = f"/api/v1/tenders/{tender['id']}"
    assert (await client.post(f"{base}/evaluation", headers=p.coordinator.headers)).status_code == 200
    assert (await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)).status_code == 200
    [outcome] = (
        await client.get(f"{base}/allocations", params={"organization_id": m.buyer_org["id"]}, headers=m.buyer.headers)
    ).json()
    [allocation] = outcome["allocations"]

    shown = await client.get(f"/pools/{pool['id']}")
    assert shown.status_code == 200, shown.text
    assert "What you received" in shown.text
    assert f'href="/orders/{allocation["order_id"]}"' in shown.text
    assert f"Order from {m.producer_a['legal_name']}" in shown.text
    assert "€11.00" in shown.text


async def test_a_buyer_of_another_hub_gets_a_not_found_page_for_the_pool(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p)
    admin = await platform_admin(client, sessions, settings)
    elsewhere_coordinator, elsewhere_buyer = await register(client), await register(client)
    other_hub = await create_hub(client, admin, [elsewhere_coordinator])
    await admitted_organization(client, other_hub, elsewhere_buyer, elsewhere_coordinator, kind="buyer")
    client.cookies.clear()
    await sign_in_page(client, elsewhere_buyer.email, PASSWORD)

    listed = await client.get("/pools")
    assert "Honig für Schulküchen" not in listed.text
    hidden = await client.get(f"/pools/{pool['id']}")
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("text/html")
    assert "Not found" in hidden.text
    assert "Honig" not in hidden.text
