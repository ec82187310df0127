"""Who is told of each procurement event, and what: pools to the hub's buyers, tenders to the producers
whose catalog matches, the evaluation to the coordinators, the award to winners, losers and buyers —
each in the app (and by e-mail), and never anyone outside the organisations the event concerns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from marketplace.api import Notifier
from procurement.notice.subscribers import KINDS, tellers
from tests.factories.catalog import create_listing
from tests.factories.identity import Account, register
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
from tests.integration.procurement.test_award import evaluated_example
from tests.worker import drain

#: Every procurement event somebody is told of, and the kinds of message it makes. A new teller
#: (or a new kind) fails the test below until it is listed here and the scenario shows who gets it.
TOLD = {
    "PoolOpened": {"pool_opened"},
    "PoolClosed": {"pool_closed"},
    "PoolFailed": {"pool_failed"},
    "TenderPublished": {"tender_published"},
    "TenderAmended": {"tender_amended"},
    "TenderCancelled": {"tender_cancelled"},
    "BidsOpened": {"bids_opened"},
    "AwardProposed": {"award_proposed"},
    "TenderAwarded": {"tender_awarded_winner", "tender_awarded_loser", "tender_awarded_buyer"},
    "TenderUnsuccessful": {"tender_unsuccessful"},
}
PROCUREMENT_KINDS = set().union(*TOLD.values())


async def inbox(client: AsyncTestClient[Any], account: Account) -> list[dict[str, Any]]:
    """The account's procurement notifications in the app, oldest first."""
    response = await client.get("/api/v1/me/notifications", params={"per_page": 100}, headers=account.headers)
    assert response.status_code == 200, response.text
    return [n for n in reversed(response.json()["items"]) if n["kind"] in PROCUREMENT_KINDS]


async def told(client: AsyncTestClient[Any], account: Account, kind: str) -> list[dict[str, Any]]:
    return [n for n in await inbox(client, account) if n["kind"] == kind]


async def mailed(client: AsyncTestClient[Any], account: Account, kind: str) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/demo/mailbox", params={"to": account.email})
    assert response.status_code == 200, response.text
    return [mail for mail in response.json() if mail["kind"] == kind]


async def settle(client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Run the outbox worker until nothing is queued (the notifications are written by then)."""
    await drain(settings.database_url or "", sessions, client.app.state.registry)


@dataclass(frozen=True)
class Producer:
    account: Account
    organization: dict[str, Any]


async def honey_producer(
    client: AsyncTestClient[Any], hub: dict[str, Any], coordinator: Account, **listing: Any
) -> Producer:
    """A producer admitted to `hub` listing honey (CPV 03142100-9, the pools' item)."""
    account = await register(client)
    organization = await admitted_organization(client, hub, account, coordinator)
    await create_listing(client, account, organization, **listing)
    return Producer(account, organization)


@dataclass(frozen=True)
class Outsiders:
    """Another hub on the border, with its own coordinator, a honey producer and a buyer."""

    coordinator: Account
    producer: Producer
    buyer: Account


async def another_hub(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> Outsiders:
    admin = await platform_admin(client, sessions, settings)
    coordinator, buyer = await register(client), await register(client)
    hub = await create_hub(client, admin, [coordinator])
    producer = await honey_producer(client, hub, coordinator)
    await admitted_organization(client, hub, buyer, coordinator, legal_name="Město Frýdlant", kind="buyer")
    return Outsiders(coordinator=coordinator, producer=producer, buyer=buyer)


async def closed(client: AsyncTestClient[Any], p: Procurement, pool: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_hub_buyers_are_told_in_their_language_when_a_pool_opens_closes_or_fails(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    outsiders = await another_hub(client, sessions, settings)
    pool = await open_pool(client, p)
    await settle(client, sessions, settings)

    # Every buying organisation of the hub, with the item's title in the organisation's language.
    [city] = await told(client, m.buyer, "pool_opened")
    assert city["subject"] == "New demand pool: Honig für Schulküchen"
    assert city["link"] == f"{settings.marketplace.public_url}/pools/{pool['id']}"
    assert "Görlitz, Bauhof" in city["body"]
    [hotel] = await told(client, p.hotel_buyer, "pool_opened")
    assert hotel["subject"] == "New demand pool: Miód dla stołówek szkolnych"
    [mail] = await mailed(client, p.hotel_buyer, "pool_opened")
    assert mail["subject"] == hotel["subject"]
    assert f"/pools/{pool['id']}" in mail["text"]
    # Producers, coordinators and another hub's buyer are not buyers of this hub.
    for account in (m.honey_maker, m.cheese_maker, p.coordinator, outsiders.buyer):
        assert await inbox(client, account) == []

    # The window ends with 180 kg: the pool goes ahead and each buyer's own commitments bind it.
    await commit(client, m.buyer, pool, m.buyer_org, 0, "120")
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "60")
    await closed(client, p, pool)
    # A second pool ends with 10 kg of its 100 kg minimum: nothing binds.
    small = await open_pool(client, p)
    await commit(client, m.buyer, small, m.buyer_org, 0, "10")
    assert (await closed(client, p, small))["status"] == "failed"
    await settle(client, sessions, settings)

    [binding] = await told(client, m.buyer, "pool_closed")
    assert binding["subject"] == "Demand pool closed: Honig für Schulküchen"
    assert "120 kg at Görlitz, Bauhof" in binding["body"]
    assert "60 kg" not in binding["body"].replace("180 kg", "")  # the hotel's commitment is the hotel's
    [hotel_binding] = await told(client, p.hotel_buyer, "pool_closed")
    assert "60 kg at Zgorzelec, Ratusz" in hotel_binding["body"]
    [released] = await told(client, m.buyer, "pool_failed")
    assert released["link"].endswith(f"/pools/{small['id']}")
    assert "10 kg committed in all, less than the 100 kg" in released["body"]
    # The hotel committed nothing to the failed pool.
    assert await told(client, p.hotel_buyer, "pool_failed") == []


async def test_only_producers_whose_catalog_matches_are_alerted_when_a_tender_is_published(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    # Lists honey too, but ships it only to Czechia: it could deliver to none of the lots.
    far = await honey_producer(client, p.hub, p.coordinator, ships_to=["CZ"])
    # Lists wildflower honey, a sibling of the pool's honey in CPV category 03142.
    sibling = await honey_producer(client, p.hub, p.coordinator, classification={"scheme": "CPV", "code": "03142100-9"})
    outsiders = await another_hub(client, sessions, settings)
    pool = await open_pool(client, p)
    await commit(client, m.buyer, pool, m.buyer_org, 0, "120")
    tender = await published_tender(client, p, await closed(client, p, pool))
    await settle(client, sessions, settings)

    for producer in (m.honey_maker, sibling.account):
        [alert] = await told(client, producer, "tender_published")
        assert alert["link"] == f"{settings.marketplace.public_url}/tenders/{tender['id']}"
        assert alert["action"] == "Open the tender"
        assert "Lot 1, Görlitz, Bauhof: 120 kg" in alert["body"]
    [mail] = await mailed(client, m.honey_maker, "tender_published")
    assert f"/tenders/{tender['id']}" in mail["text"]
    # The dairy lists cheese only; the far producer ships elsewhere; the other hub's producer lists
    # honey but may not bid here.
    for account in (m.cheese_maker, far.account, outsiders.producer.account):
        assert await told(client, account, "tender_published") == []

    # The dairy bids all the same; then the tender is amended and cancelled.
    await bid(client, m.cheese_maker, tender, m.producer_b, bid_body(tender, ["11.40"]))
    amended = await client.post(
        f"/api/v1/tenders/{tender['id']}/amendments",
        json={"rationale": "Jars of 500 g are welcome too", "description": "Glass jars of 1 kg or 500 g"},
        headers=p.coordinator.headers,
    )
    assert amended.status_code == 201, amended.text
    await settle(client, sessions, settings)
    cancelled = await client.post(
        f"/api/v1/tenders/{tender['id']}/cancel", json={"reason": "The schools closed"}, headers=p.coordinator.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    await settle(client, sessions, settings)

    [dairy_amended] = await told(client, m.cheese_maker, "tender_amended")
    assert "Why: Jars of 500 g are welcome too" in dairy_amended["body"]
    assert "The bid of" in dairy_amended["body"]
    [apiary_amended] = await told(client, m.honey_maker, "tender_amended")
    assert "The bid of" not in apiary_amended["body"]  # it has not bid
    [dairy_cancelled] = await told(client, m.cheese_maker, "tender_cancelled")
    assert "The reason given: The schools closed" in dairy_cancelled["body"]
    assert "will never be opened" in dairy_cancelled["body"]
    assert "11.40" not in dairy_cancelled["body"]
    assert "11,40" not in dairy_cancelled["body"]
    [apiary_cancelled] = await told(client, m.honey_maker, "tender_cancelled")
    assert "No bids are taken for it any more" in apiary_cancelled["body"]
    [city_cancelled] = await told(client, m.buyer, "tender_cancelled")
    assert "Nothing is ordered" in city_cancelled["body"]
    # Before the deadline the hub learns nothing of bids: not from its own messages either.
    assert await inbox(client, p.coordinator) == []
    for account in (far.account, outsiders.producer.account, outsiders.coordinator, outsiders.buyer):
        assert await inbox(client, account) == []


async def test_winners_and_buyers_are_told_only_their_own_part_when_the_award_is_confirmed(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    # test_award's worked example: the apiary wins 40 kg of lot 1 and 42 kg of lot 2 at 42.50 PLN,
    # the dairy 80 kg of lot 1 at 9.80 EUR and 18 kg of lot 2 at 10.90 EUR.
    p, tender = await evaluated_example(client, sessions, settings)
    m = p.market
    base = f"/api/v1/tenders/{tender['id']}"
    confirmed = await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)
    assert confirmed.status_code == 200, confirmed.text
    await settle(client, sessions, settings)

    [apiary] = await told(client, m.honey_maker, "tender_awarded_winner")
    assert apiary["subject"] == "Your bid won: Miód dla stołówek szkolnych"
    assert "Lot 1, Görlitz, Bauhof: 40 kg for PLN1,700.00 (PLN42.50 for 1 kg)" in apiary["body"]
    assert "Lot 2, Zgorzelec, Ratusz: 42 kg for PLN1,785.00" in apiary["body"]
    assert "9.80" not in apiary["body"]
    assert "10.90" not in apiary["body"]
    [dairy] = await told(client, m.cheese_maker, "tender_awarded_winner")
    assert "Lot 1, Görlitz, Bauhof: 80 kg for €784.00 (€9.80 for 1 kg)" in dairy["body"]
    assert "42.50" not in dairy["body"]

    # Stadt Görlitz: one order (80 kg from the dairy), and the message leads to it.
    orders = (await client.get(f"/api/v1/organizations/{m.buyer_org['id']}/orders", headers=m.buyer.headers)).json()
    [order] = orders["items"]
    [city] = await told(client, m.buyer, "tender_awarded_buyer")
    assert city["link"] == f"{settings.marketplace.public_url}/orders/{order['id']}"
    assert city["action"] == "Open the order"
    assert "Görlitz, Bauhof: 80 kg of the 80 kg committed" in city["body"]
    assert f"80 kg from {m.producer_b['legal_name']} to Görlitz, Bauhof: €784.00" in city["body"]
    # The hotel: three orders (lot 1 from the apiary; lot 2 from both), each with its address.
    hotel_orders = (
        await client.get(f"/api/v1/organizations/{p.hotel_org['id']}/orders", headers=p.hotel_buyer.headers)
    ).json()["items"]
    [hotel] = await told(client, p.hotel_buyer, "tender_awarded_buyer")
    assert hotel["link"].endswith(f"/tenders/{tender['id']}")
    assert len(hotel_orders) == 3
    for each in hotel_orders:
        assert f"{settings.marketplace.public_url}/orders/{each['id']}" in hotel["body"]
    assert order["id"] not in hotel["body"]
    [mail] = await mailed(client, p.hotel_buyer, "tender_awarded_buyer")
    assert mail["subject"] == hotel["subject"]

    # Nobody bid and lost; the coordinators decided it, so they are not told again.
    for account in (m.honey_maker, m.cheese_maker):
        assert await told(client, account, "tender_awarded_loser") == []
    assert {n["kind"] for n in await inbox(client, p.coordinator)} == {"bids_opened", "award_proposed"}


async def test_buyers_and_coordinators_are_told_once_when_a_tender_ends_without_a_single_bid(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await open_pool(client, p, minimum_total_quantity=None)
    await commit(client, m.buyer, pool, m.buyer_org, 0, "50")
    tender = await published_tender(client, p, await closed(client, p, pool), deadline_in=2)
    await settle(client, sessions, settings)
    await pass_deadline(tender, sessions, settings)
    await settle(client, sessions, settings)

    [opened] = await told(client, p.coordinator, "bids_opened")
    assert "without a single bid" in opened["body"]
    assert opened["link"].endswith(f"/hubs/{p.hub['id']}/tenders/{tender['id']}/award")
    assert await told(client, p.coordinator, "tender_unsuccessful") == []  # nothing new to tell them
    [ended] = await told(client, m.buyer, "tender_unsuccessful")
    assert ended["subject"] == "Tender ended without an award: Honig für Schulküchen"
    assert "no bid was received" in ended["body"]
    assert "Nothing is ordered for the commitments of Stadt Görlitz" in ended["body"]
    # The apiary was alerted but did not bid: the end of the tender is no news of its own.
    assert {n["kind"] for n in await inbox(client, m.honey_maker)} == {"tender_published"}


async def test_no_procurement_message_reaches_anyone_outside_the_organisations_its_event_concerns(  # noqa: PLR0915 - one market, every event
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    assert {event.__name__: set(kinds) for event, kinds in KINDS.items()} == TOLD
    assert {event.__name__ for event in tellers(Notifier("http://example.org"))} == set(TOLD)

    p = await build_procurement(client, sessions, settings)
    m = p.market
    lister = await honey_producer(client, p.hub, p.coordinator)  # alerted, never bids
    far = await honey_producer(client, p.hub, p.coordinator, ships_to=["CZ"])
    outsiders = await another_hub(client, sessions, settings)

    # Four pools. A message about what has moved on by the time the worker gets to it (a pool
    # closed, a tender cancelled or past its deadline) is not sent, so the worker runs between steps.
    pool = await open_pool(client, p, minimum_total_quantity=None)  # awarded
    priced = await open_pool(client, p, minimum_total_quantity=None)  # unsuccessful
    withdrawn = await open_pool(client, p, minimum_total_quantity=None)  # its tender is cancelled
    small = await open_pool(client, p)  # fails: 10 kg of 100
    await settle(client, sessions, settings)
    await commit(client, m.buyer, pool, m.buyer_org, 0, "120")
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "60")
    # Stadt Görlitz pays at most 9.00 in the second pool; the apiary will ask 11.00.
    await commit(client, m.buyer, priced, m.buyer_org, 0, "50", max_unit_price="9.00")
    await commit(client, m.buyer, withdrawn, m.buyer_org, 0, "30")
    await commit(client, m.buyer, small, m.buyer_org, 0, "10")
    assert (await closed(client, p, small))["status"] == "failed"

    # The apiary underbids the dairy on both lots of the first tender.
    awarded = await published_tender(client, p, await closed(client, p, pool), deadline_in=8)
    unsuccessful = await published_tender(client, p, await closed(client, p, priced), deadline_in=8)
    cancelled = await published_tender(client, p, await closed(client, p, withdrawn))
    await bid(client, m.cheese_maker, awarded, m.producer_b, bid_body(awarded, ["11.00", "11.00"]))
    await bid(client, m.cheese_maker, cancelled, m.producer_b, bid_body(cancelled, ["12.00"]))
    amended = await client.post(
        f"/api/v1/tenders/{awarded['id']}/amendments",
        json={"rationale": "Clearer wording", "description": "Blossom honey, glass jars"},
        headers=p.coordinator.headers,
    )
    assert amended.status_code == 201, amended.text
    await bid(client, m.honey_maker, awarded, m.producer_a, bid_body(awarded, ["10.00", "10.00"]))
    await bid(client, m.honey_maker, unsuccessful, m.producer_a, bid_body(unsuccessful, ["11.00"]))
    await settle(client, sessions, settings)
    response = await client.post(
        f"/api/v1/tenders/{cancelled['id']}/cancel", json={"reason": "Budget cut"}, headers=p.coordinator.headers
    )
    assert response.status_code == 200, response.text

    # The deadlines pass; the worker opens and evaluates; the coordinator decides both.
    await pass_deadline(awarded, sessions, settings)
    await pass_deadline(unsuccessful, sessions, settings)

    async def evaluated() -> bool:
        for tender in (awarded, unsuccessful):
            state = await client.get(f"/api/v1/tenders/{tender['id']}/award", headers=p.coordinator.headers)
            if state.json()["state"] != "proposed":
                return False
        return True

    await drain(settings.database_url or "", sessions, client.app.state.registry, until=evaluated)
    for tender in (awarded, unsuccessful):
        decided = await client.post(f"/api/v1/tenders/{tender['id']}/award/confirm", headers=p.coordinator.headers)
        assert decided.status_code == 200, decided.text
    await settle(client, sessions, settings)

    async def kinds(account: Account) -> dict[str, int]:
        counted: dict[str, int] = {}
        for notification in await inbox(client, account):
            counted[notification["kind"]] = counted.get(notification["kind"], 0) + 1
        return counted

    expected = {
        "coordinator": (p.coordinator, {"bids_opened": 2, "award_proposed": 2, "tender_unsuccessful": 1}),
        "Stadt Görlitz": (
            m.buyer,
            {
                "pool_opened": 4,
                "pool_closed": 3,
                "pool_failed": 1,
                "tender_cancelled": 1,
                "tender_awarded_buyer": 1,
                "tender_unsuccessful": 1,
            },
        ),
        "the hotel": (p.hotel_buyer, {"pool_opened": 4, "pool_closed": 1, "tender_awarded_buyer": 1}),
        "the apiary (bids, wins one, priced out of another)": (
            m.honey_maker,
            {
                "tender_published": 3,
                "tender_amended": 1,
                "tender_cancelled": 1,
                "tender_awarded_winner": 1,
                "tender_unsuccessful": 1,
            },
        ),
        "the dairy (no honey listed; bids and loses)": (
            m.cheese_maker,
            {"tender_amended": 1, "tender_cancelled": 1, "tender_awarded_loser": 1},
        ),
        "a honey producer that never bids": (
            lister.account,
            {"tender_published": 3, "tender_amended": 1, "tender_cancelled": 1},
        ),
        "a honey producer shipping elsewhere": (far.account, {}),
        "another hub's coordinator": (outsiders.coordinator, {}),
        "another hub's honey producer": (outsiders.producer.account, {}),
        "another hub's buyer": (outsiders.buyer, {}),
    }
    for who, (account, wanted) in expected.items():
        assert await kinds(account) == wanted, who
    seen = set().union(*(wanted for _, wanted in expected.values()))
    assert seen == PROCUREMENT_KINDS  # every kind of message is shown reaching someone

    # What the loser reads names no price, its own or the winner's.
    [lost] = await told(client, m.cheese_maker, "tender_awarded_loser")
    assert lost["link"].endswith(f"/tenders/{awarded['id']}")
    assert not any(price in lost["body"] for price in ("10.00", "11.00", "€", "EUR"))
    # The coordinators' messages lead to the award page of their hub.
    award_page = f"{settings.marketplace.public_url}/hubs/{p.hub['id']}/tenders/{awarded['id']}/award"
    assert award_page in {n["link"] for n in await told(client, p.coordinator, "award_proposed")}
    assert {n["subject"] for n in await told(client, p.coordinator, "bids_opened")} == {
        "Bids opened: Honig für Schulküchen"
    }
