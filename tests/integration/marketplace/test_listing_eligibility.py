"""Whether a listing may be sold across the border: the hub's rules, the producer's credentials, shipping."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.catalog import create_listing, listing_body
from tests.factories.compliance import add_recognition, add_requirement, submit_credential, verified_credential
from tests.factories.identity import Account, register
from tests.factories.organization import admitted_organization, create_hub, platform_admin

Client = AsyncTestClient[Any]


@pytest.fixture
async def setting(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> tuple[dict[str, Any], Account, Account, dict[str, Any]]:
    """A hub requiring an organic certificate for honey (CPV 0314) sold into Saxony, and a Polish producer in it."""
    admin = await platform_admin(client, sessions, settings)
    coordinator, owner = await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    producer = await admitted_organization(client, hub, owner, coordinator)
    await add_requirement(client, hub, coordinator, classification_prefix="0314", destination="DE-SN")
    return hub, coordinator, owner, producer


async def test_listing_is_not_eligible_in_words_until_a_recognised_credential_is_attached(
    client: Client, setting: tuple[dict[str, Any], Account, Account, dict[str, Any]]
) -> None:
    hub, coordinator, owner, producer = setting
    buyer = await register(client)
    listing = await create_listing(client, owner, producer)
    url = f"/api/v1/listings/{listing['id']}/eligibility"
    blocked = (await client.get(f"{url}?destination=DE-SN", headers=buyer.headers)).json()
    assert (blocked["eligible"], blocked["ships_to_destination"]) == (False, True)
    assert "needs a verified organic credential" in blocked["unmet"][0]["message"]
    home = (await client.get(f"{url}?destination=PL-02", headers=buyer.headers)).json()
    assert (home["eligible"], home["unmet"]) == (True, [])
    polish = await verified_credential(client, hub, owner, coordinator, producer, issuing_jurisdiction="PL")
    still_blocked = (await client.get(f"{url}?destination=DE-SN", headers=buyer.headers)).json()
    assert still_blocked["eligible"] is False
    assert "not recognised in DE-SN" in still_blocked["unmet"][0]["message"]
    await add_recognition(client, hub, coordinator, issued_in="PL", recognised_in="DE")
    allowed = (await client.get(f"{url}?destination=DE-SN", headers=buyer.headers)).json()
    assert (allowed["eligible"], allowed["unmet"]) == (True, [])
    other = await submit_credential(client, owner, producer, credential_type="food_safety")
    narrowed = await client.patch(
        f"/api/v1/listings/{listing['id']}", json={"credential_ids": [other["id"]]}, headers=owner.headers
    )
    assert narrowed.status_code == 200
    only_attached = (await client.get(f"{url}?destination=DE-SN", headers=buyer.headers)).json()
    assert only_attached["eligible"] is False
    await client.patch(
        f"/api/v1/listings/{listing['id']}", json={"credential_ids": [polish["id"]]}, headers=owner.headers
    )
    assert (await client.get(f"{url}?destination=DE-SN", headers=buyer.headers)).json()["eligible"] is True


async def test_listing_is_not_eligible_where_the_producer_does_not_ship(
    client: Client, setting: tuple[dict[str, Any], Account, Account, dict[str, Any]]
) -> None:
    _, _, owner, producer = setting
    listing = await create_listing(client, owner, producer, ships_to=["PL"])
    result = (
        await client.get(f"/api/v1/listings/{listing['id']}/eligibility?destination=CZ", headers=owner.headers)
    ).json()
    assert (result["eligible"], result["ships_to_destination"], result["unmet"]) == (False, False, [])


async def test_eligibility_is_422_for_an_unknown_destination_and_404_for_hidden_listings(
    client: Client, setting: tuple[dict[str, Any], Account, Account, dict[str, Any]]
) -> None:
    _, _, owner, producer = setting
    listing = await create_listing(client, owner, producer, status="paused")
    url = f"/api/v1/listings/{listing['id']}/eligibility"
    bad = await client.get(f"{url}?destination=QQ", headers=owner.headers)
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query:destination"
    stranger = await register(client)
    assert (await client.get(f"{url}?destination=DE", headers=stranger.headers)).status_code == 404


async def test_listing_cannot_cite_another_organizations_credential(
    client: Client, setting: tuple[dict[str, Any], Account, Account, dict[str, Any]]
) -> None:
    hub, coordinator, owner, producer = setting
    rival_owner = await register(client)
    rival = await admitted_organization(client, hub, rival_owner, coordinator)
    theirs = await submit_credential(client, rival_owner, rival)
    response = await client.post(
        f"/api/v1/organizations/{producer['id']}/listings",
        json=listing_body(credential_ids=[theirs["id"]]),
        headers=owner.headers,
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "$.credential_ids[0]"


async def test_what_is_missing_is_said_to_the_producer_as_you_and_to_others_as_the_producer(
    client: Client, setting: tuple[dict[str, Any], Account, Account, dict[str, Any]]
) -> None:
    hub, coordinator, owner, producer = setting
    buyer = await register(client)
    listing = await create_listing(client, owner, producer)
    url = f"/api/v1/listings/{listing['id']}/eligibility?destination=DE-SN"

    def missing(response: Any) -> str:
        assert response.status_code == 200, response.text
        message: str = response.json()["unmet"][0]["message"]
        return message

    assert missing(await client.get(url, headers=owner.headers)).endswith("(you have no organic credential)")
    assert missing(await client.get(url, headers=buyer.headers)).endswith("(the producer has no organic credential)")
    await verified_credential(client, hub, owner, coordinator, producer, issuing_jurisdiction="PL")
    assert missing(await client.get(url, headers=owner.headers)).endswith(
        "(you have: organic issued in PL, not recognised in DE-SN)"
    )
    assert missing(await client.get(url, headers=buyer.headers)).endswith(
        "(the producer has: organic issued in PL, not recognised in DE-SN)"
    )
    # The organisation's own eligibility: its members are "you", the hub's coordinators read about the producer.
    organization_url = (
        f"/api/v1/organizations/{producer['id']}/eligibility"
        "?classification_scheme=CPV&classification_code=03142100-9&destination=DE-SN"
    )
    assert "(you have: organic" in missing(await client.get(organization_url, headers=owner.headers))
    assert "(the producer has: organic" in missing(await client.get(organization_url, headers=coordinator.headers))
