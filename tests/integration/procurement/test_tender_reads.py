"""One tender's reads (`/draft` for its coordinators, the public one): the same tender as every other
answer shows it, and for those who may not read it the same answers as for no tender at all."""

from __future__ import annotations

import uuid
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.identity import register
from tests.factories.organization import create_hub, platform_admin
from tests.factories.procurement import at, build_procurement, closed_pool, commit, open_pool

Client = AsyncTestClient[Any]


def problem(response: Any) -> tuple[int, dict[str, Any]]:
    """The status and the problem, less what names the request (its path and id)."""
    body = {key: value for key, value in response.json().items() if key not in ("instance", "request_id")}
    return response.status_code, body


async def test_a_tender_reads_as_its_last_change_answered_with_exact_quantities_and_times(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p, minimum_total_quantity=None)
    # Quantities a float would change: trailing zeros, three decimals.
    await commit(client, p.market.buyer, pool, p.market.buyer_org, 0, "12.345")
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "60.5")
    closed = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    assert closed.json()["status"] == "closed", closed.text
    terms = {"award_method": "lowest_evaluated_price", "preference_margin_percent": "10", "max_share_percent": "70"}
    created = await client.post(
        "/api/v1/tenders",
        json={"pool_id": pool["id"], "bid_deadline": at(3600), "min_award_quantity": "0.5", **terms},
        headers=p.coordinator.headers,
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/tenders/{created.json()['id']}"
    published = await client.post(f"{url}/publish", headers=p.coordinator.headers)
    assert published.status_code == 200, published.text
    assert (await client.get(f"{url}/draft", headers=p.coordinator.headers)).json() == published.json()

    # Read in Polish, after a material amendment (a change record, a moved deadline, its author).
    polish = {**p.coordinator.headers, "accept-language": "pl"}
    amended = await client.post(
        f"{url}/amendments",
        json={"rationale": "Organic only", "required_credential_types": ["organic"]},
        headers=polish,
    )
    assert amended.status_code == 201, amended.text
    tender = amended.json()
    assert [(lot["name"], lot["quantity"]) for lot in tender["lots"]] == [
        ("Görlitz, Bauhof", "12.345"),
        ("Zgorzelec, Ratusz", "60.500"),
    ]
    assert (tender["language"], tender["title"]) == ("pl", "Miód dla stołówek szkolnych")
    assert [tender[key] for key in ("preference_margin_percent", "max_share_percent", "min_award_quantity")] == [
        "10.00",
        "70.00",
        "0.500",
    ]
    assert tender["amendments"][0]["amended_by"] == str(p.coordinator.id)

    assert (await client.get(f"{url}/draft", headers=polish)).json() == tender
    # The public read is the public list's: the same, but nobody is told who amended it.
    public = await client.get(url)
    listed = await client.get("/api/v1/tenders", params={"hub_id": p.hub["id"]})
    assert [public.json()] == listed.json()["items"]
    assert public.json() == {
        **tender,
        "language": "de",
        "title": "Honig für Schulküchen",
        "amendments": [{**tender["amendments"][0], "amended_by": None}],
    }


async def test_the_draft_read_answers_others_as_for_no_tender_and_once_published_refuses_them(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    admin = await platform_admin(client, sessions, settings)
    other_coordinator = await register(client)
    await create_hub(client, admin, [other_coordinator])
    drafted = await client.post(
        "/api/v1/tenders",
        json={"pool_id": (await closed_pool(client, p))["id"], "bid_deadline": at(3600)},
        headers=p.coordinator.headers,
    )
    assert drafted.status_code == 201, drafted.text
    url = f"/api/v1/tenders/{drafted.json()['id']}"
    missing = f"/api/v1/tenders/{uuid.uuid4()}"

    no_tender = problem(await client.get(f"{missing}/draft", headers=p.coordinator.headers))
    assert no_tender[0] == 404
    assert no_tender[1]["type"].endswith("/tender-not-found")
    # A platform administrator is no coordinator of the hub.
    for account in (other_coordinator, p.market.buyer, p.market.honey_maker, admin):
        assert problem(await client.get(f"{url}/draft", headers=account.headers)) == no_tender
    assert problem(await client.get(url)) == problem(await client.get(missing))

    assert (await client.post(f"{url}/publish", headers=p.coordinator.headers)).status_code == 200
    # Published, the tender is public: its coordinators' read is refused to others, not hidden.
    for account in (other_coordinator, p.market.buyer, admin):
        refused = await client.get(f"{url}/draft", headers=account.headers)
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"].endswith("/not-a-coordinator")
    assert (await client.get(f"{url}/draft", headers=p.coordinator.headers)).status_code == 200
