"""After the deadline: the evaluation job proposes the least-cost award, the coordinator confirms or
overrides it, buyers get their allocation and orders, the award is published and savings reported.

The worked example (EUR tender; 1 EUR = 4.25 PLN at the deadline):

- lot 1, Görlitz, 120 kg: Stadt Görlitz 80 kg at no more than 9.90 EUR, the hotel 40 kg;
- lot 2, Zgorzelec, 60 kg: the hotel 60 kg;
- the apiary (producer A, verified women-led: evaluated 10 % cheaper) bids 42.50 PLN = 10.00 EUR
  on both lots; the dairy (producer B) bids 9.80 EUR on lot 1 and 10.90 EUR on lot 2;
- nobody may win more than 70 % of a lot.

Evaluated, the apiary (9.00) beats the dairy on both lots. Without Görlitz's price cap it
would take 84 kg of lot 1; but its 10.00 EUR is above the cap, so it can serve only the
hotel's 40 kg and the dairy gets Görlitz's 80 kg. Lot 2 splits 42 / 18 at the share cap.
"""

from __future__ import annotations

import uuid
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.audit import AuditEntry
from kernel.db import transaction
from kernel.outbox import OutboxEvent
from procurement.award.service import AwardService
from tests.factories.procurement import (
    Procurement,
    bid,
    bid_body,
    build_procurement,
    commit,
    open_pool,
    pass_deadline,
    pool_body,
    priced_out_tender,
    published_tender,
)
from tests.ocds import OcdsSchemas
from tests.worker import drain


async def verify_women_led(client: AsyncTestClient[Any], p: Procurement, organization: dict[str, Any]) -> None:
    owner = p.market.honey_maker
    declared = await client.put(
        f"/api/v1/organizations/{organization['id']}/inclusion", json={"women_led": True}, headers=owner.headers
    )
    assert declared.status_code == 200, declared.text
    verified = await client.put(
        f"/api/v1/hubs/{p.hub['id']}/organizations/{organization['id']}/inclusion/women_led",
        json={"verified": True},
        headers=p.coordinator.headers,
    )
    assert verified.status_code == 200, verified.text


async def evaluated_example(
    client: AsyncTestClient[Any],
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    *,
    apiary: tuple[list[str], str] = (["42.50", "42.50"], "PLN"),
    dairy: list[str] | None = None,
    dairy_bids_first: bool = False,
    city_max_unit_price: str | None = "9.90",
) -> tuple[Procurement, dict[str, Any]]:
    """The worked example, closed and evaluated by the worker (or a variant: other prices, another
    order of the bids, no maximum price for Stadt Görlitz)."""
    p = await build_procurement(client, sessions, settings)
    m = p.market
    await verify_women_led(client, p, m.producer_a)
    pool = await open_pool(client, p, minimum_total_quantity=None)
    limit = {} if city_max_unit_price is None else {"max_unit_price": city_max_unit_price}
    await commit(client, m.buyer, pool, m.buyer_org, 0, "80", **limit)
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 0, "40")
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "60")
    closed = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    assert closed.json()["status"] == "closed", closed.text
    tender = await published_tender(
        client,
        p,
        closed.json(),
        deadline_in=4,
        award_method="lowest_evaluated_price",
        preference_margin_percent="10",
        max_share_percent="70",
    )
    apiary_body = bid_body(tender, apiary[0], currency=apiary[1])
    dairy_body = bid_body(tender, dairy or ["9.80", "10.90"], total_capacity="150")
    if dairy_bids_first:
        await bid(client, m.cheese_maker, tender, m.producer_b, dairy_body)
    await bid(client, m.honey_maker, tender, m.producer_a, apiary_body)
    if not dairy_bids_first:
        await bid(client, m.cheese_maker, tender, m.producer_b, dairy_body)
    await pass_deadline(tender, sessions, settings)

    url = f"/api/v1/tenders/{tender['id']}/award"
    queued = await client.get(url, headers=p.coordinator.headers)
    assert queued.json()["state"] == "queued"  # bids opened; the worker has not run yet

    async def proposed() -> bool:
        return (await client.get(url, headers=p.coordinator.headers)).json()["state"] == "proposed"

    await drain(settings.database_url or "", sessions, client.app.state.registry, until=proposed)
    return p, tender


def winners(lot: dict[str, Any]) -> dict[str, str]:
    return {w["organization_id"]: w["quantity"] for w in lot["winners"]}


async def test_the_evaluation_job_proposes_the_least_cost_award_within_buyers_maximum_prices(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await evaluated_example(client, sessions, settings)
    m = p.market
    a, b = m.producer_a["id"], m.producer_b["id"]

    award = (await client.get(f"/api/v1/tenders/{tender['id']}/award", headers=p.coordinator.headers)).json()
    assert (award["state"], award["optimal"], award["integer_model"]) == ("proposed", True, False)
    assert [s["stage"] for s in award["stages"]] == ["score", "optimise", "record"]
    lot1, lot2 = award["lots"]
    assert winners(lot1) == {b: "80.000", a: "40.000"}
    assert winners(lot2) == {a: "42.000", b: "18.000"}
    assert (lot1["shortfall"], lot2["shortfall"]) == ("0.000", "0.000")
    # The score table: the margin puts the apiary first although the dairy is cheaper on lot 1.
    table = [
        (s["organization_id"], s["rank"], s["tender_unit_price_minor"], s["evaluated_unit_price_minor"])
        for s in lot1["scores"]
    ]
    assert table == [(a, 1, 1000, 900), (b, 2, 980, 980)]
    assert lot1["scores"][0]["preferred_for"] == ["women_led"]
    assert award["evaluated_cost_minor"] == 40 * 900 + 80 * 980 + 42 * 900 + 18 * 1090
    assert (await client.get(f"/api/v1/tenders/{tender['id']}")).json()["status"] == "evaluated"

    # Before confirmation a buyer sees only the state, never the proposal or the bids' prices.
    seen = await client.get(f"/api/v1/tenders/{tender['id']}/award", headers=m.buyer.headers)
    assert seen.status_code == 200
    assert (seen.json()["state"], seen.json()["lots"]) == ("proposed", [])


async def test_an_evaluated_price_ending_in_half_a_cent_is_rounded_half_up_when_the_margin_applies(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    # The apiary bids 10.05 EUR; less its 10 % preference margin that is 9.045 EUR = 904.5 cents.
    p, tender = await evaluated_example(client, sessions, settings, apiary=(["10.05", "10.05"], "EUR"))
    a = p.market.producer_a["id"]
    award = (await client.get(f"/api/v1/tenders/{tender['id']}/award", headers=p.coordinator.headers)).json()
    apiary_scores = [s for lot in award["lots"] for s in lot["scores"] if s["organization_id"] == a]
    assert [(s["tender_unit_price_minor"], s["evaluated_unit_price_minor"]) for s in apiary_scores] == [
        (1005, 905),
        (1005, 905),
    ]


async def test_equal_prices_are_allocated_first_from_the_supplier_ranked_first_when_it_bid_later(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    # Both bid 10.00 EUR; the dairy bids first but the apiary's preference margin ranks it first
    # (9.00 evaluated). Lot 1 (120 kg) goes 84 kg to the apiary (the 70 % cap) and 36 kg to the dairy,
    # all at 10.00 EUR: Stadt Görlitz, the earliest commitment (80 kg), is served by the apiary alone.
    p, tender = await evaluated_example(
        client,
        sessions,
        settings,
        apiary=(["10.00", "10.00"], "EUR"),
        dairy=["10.00", "10.00"],
        dairy_bids_first=True,
        city_max_unit_price=None,
    )
    m = p.market
    a, b = m.producer_a["id"], m.producer_b["id"]
    base = f"/api/v1/tenders/{tender['id']}"
    award = (await client.get(f"{base}/award", headers=p.coordinator.headers)).json()
    assert [(s["organization_id"], s["rank"]) for s in award["lots"][0]["scores"]] == [(a, 1), (b, 2)]
    assert winners(award["lots"][0]) == {a: "84.000", b: "36.000"}
    confirmed = await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)
    assert confirmed.status_code == 200, confirmed.text

    async def received(organization: dict[str, Any], account: Any) -> dict[str, str]:
        outcomes = await client.get(
            f"{base}/allocations", params={"organization_id": organization["id"]}, headers=account.headers
        )
        assert outcomes.status_code == 200, outcomes.text
        lot1 = next(o for o in outcomes.json() if o["lot"] == 1)
        return {x["supplier_organization_id"]: x["quantity"] for x in lot1["allocations"]}

    assert await received(m.buyer_org, m.buyer) == {a: "80.000"}
    assert await received(p.hotel_org, p.hotel_buyer) == {a: "4.000", b: "36.000"}


async def test_confirming_allocates_to_buyers_places_their_orders_publishes_and_reports_savings(  # noqa: PLR0915 - one journey
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    schemas = OcdsSchemas()
    p, tender = await evaluated_example(client, sessions, settings)
    m = p.market
    a, b = m.producer_a["id"], m.producer_b["id"]
    base = f"/api/v1/tenders/{tender['id']}"

    confirmed = await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "confirmed"
    stages = [s["stage"] for s in confirmed.json()["stages"]]
    assert stages == ["score", "optimise", "record", "allocate", "order", "publish"]
    assert (await client.get(base)).json()["status"] == "awarded"

    # Stadt Görlitz: its 80 kg from the dairy, the only offer within its 9.90 EUR cap.
    city = (
        await client.get(f"{base}/allocations", params={"organization_id": m.buyer_org["id"]}, headers=m.buyer.headers)
    ).json()
    assert [(c["lot"], c["committed"], c["allocated"], c["shortfall"]) for c in city] == [
        (1, "80.000", "80.000", "0.000")
    ]
    [(supplier, quantity, price)] = [
        (x["supplier_organization_id"], x["quantity"], x["unit_price_minor"]) for x in city[0]["allocations"]
    ]
    assert (supplier, quantity, price) == (b, "80.000", 980)
    # The hotel: lot 1 from the apiary; lot 2 cheapest first — the apiary's 42 kg, then the dairy's 18.
    hotel = (
        await client.get(
            f"{base}/allocations", params={"organization_id": p.hotel_org["id"]}, headers=p.hotel_buyer.headers
        )
    ).json()
    got = sorted((c["lot"], x["supplier_organization_id"] == a, x["quantity"]) for c in hotel for x in c["allocations"])
    assert got == [(1, True, "40.000"), (2, False, "18.000"), (2, True, "42.000")]

    # Each (buyer, supplier, delivery point) is an order at the awarded price, in the supplier's currency.
    orders = (await client.get(f"/api/v1/organizations/{m.buyer_org['id']}/orders", headers=m.buyer.headers)).json()[
        "items"
    ]
    [order] = orders
    assert order["tender_reference"] == f"{tender['ocid']} lot 1"
    assert (order["producer_organization_id"], order["total"]) == (b, {"amount_minor": 78400, "currency": "EUR"})
    assert order["lines"][0]["listing_id"] is None
    assert (order["lines"][0]["quantity"], order["lines"][0]["unit_price"]) == ("80", "9.8")
    assert order["payment_method"] == "invoice"
    # To the pool's delivery point, whose one-line address has no postal code of its own: null, never "".
    assert order["delivery"]["address"]["postal_code"] is None
    assert order["delivery"]["address"]["city"]
    apiary_orders = (
        await client.get(
            f"/api/v1/organizations/{a}/orders", params={"side": "producer"}, headers=m.honey_maker.headers
        )
    ).json()["items"]
    assert sorted(o["total"]["amount_minor"] for o in apiary_orders) == [40 * 4250, 42 * 4250]  # PLN
    assert {o["total"]["currency"] for o in apiary_orders} == {"PLN"}
    assert all(o["invoice"] is not None for o in apiary_orders)
    # Its winning is visible to the supplier too (the winners, not the score table).
    seen = (await client.get(f"{base}/award", headers=m.honey_maker.headers)).json()
    assert seen["state"] == "confirmed"
    assert winners(seen["lots"][1]) == {a: "42.000", b: "18.000"}
    assert seen["lots"][0]["scores"] is None

    # Savings: only the apiary lists this honey (44.00 PLN/kg from 20 kg). The hotel would have paid
    # 40 x 44.00 + 42 x 44.00 PLN = 414.12 + 434.82 EUR alone, against 400.00 + 420.00 pooled.
    savings = (await client.get(f"{base}/savings", headers=p.coordinator.headers)).json()
    by_buyer = {s["buyer_organization_id"]: s for s in savings["buyers"]}
    hotel_savings = by_buyer[p.hotel_org["id"]]
    assert (hotel_savings["individual_minor"], hotel_savings["pooled_compared_minor"]) == (84894, 82000)
    assert (hotel_savings["savings_minor"], hotel_savings["savings_percent"]) == (2894, "3.41")
    assert hotel_savings["compared_quantity"] == "82.000"
    city_savings = by_buyer[m.buyer_org["id"]]
    assert (city_savings["compared_quantity"], city_savings["savings_percent"]) == (
        "0.000",
        None,
    )  # the dairy lists no honey
    assert savings["total"]["savings_minor"] == 2894
    # The total is all buyers together, not a buyer (nor the hub posing as one).
    assert savings["total"]["buyer_organization_id"] is None
    # Nobody reads another organisation's allocation or savings by guessing its id.
    for path in ("allocations", "savings"):
        guessed = await client.get(
            f"{base}/{path}", params={"organization_id": m.buyer_org["id"]}, headers=p.hotel_buyer.headers
        )
        assert guessed.status_code == 404, guessed.text  # as if the organisation did not exist
        everything = await client.get(f"{base}/{path}", headers=p.hotel_buyer.headers)
        assert everything.status_code == 403  # all buyers' figures: coordinators only
    own = await client.get(
        f"{base}/savings", params={"organization_id": p.hotel_org["id"]}, headers=p.hotel_buyer.headers
    )
    assert [s["buyer_organization_id"] for s in own.json()["buyers"]] == [p.hotel_org["id"]]
    assert own.json()["total"]["buyer_organization_id"] == p.hotel_org["id"]  # one buyer's own total

    # Awarding twice is refused, and nothing changes.
    again = await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)
    assert again.status_code == 409
    assert again.json()["type"].endswith("award-already-decided")
    assert (
        len(
            (await client.get(f"/api/v1/organizations/{m.buyer_org['id']}/orders", headers=m.buyer.headers)).json()[
                "items"
            ]
        )
        == 1
    )

    # Open data: one release with the awards (per lot and supplier) and contracts (per order, with its buyer).
    package = (await client.get(f"/api/v1/ocds/tenders/{tender['id']}")).json()
    schemas.check_release_package(package)
    assert [r["tag"] for r in package["releases"]] == [["tender"], ["tenderUpdate"], ["award", "contract"]]
    last = package["releases"][-1]
    assert sorted(
        (aw["relatedLots"], aw["suppliers"][0]["id"], aw["value"]["amount"]) for aw in last["awards"]
    ) == sorted([(["1"], b, 784), (["1"], a, 1700), (["2"], a, 1785), (["2"], b, 196.2)])
    assert {c["buyer"]["name"] for c in last["contracts"]} == {"Stadt Görlitz", "Hotel Zgorzelec sp. z o.o."}
    assert len(last["contracts"]) == 4
    assert {c["awardID"] for c in last["contracts"]} <= {aw["id"] for aw in last["awards"]}
    roles = {party["id"]: party["roles"] for party in last["parties"]}
    assert roles[a] == ["tenderer", "supplier"]
    assert last["tender"]["status"] == "complete"

    async with transaction(sessions) as session:
        actions = (await session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "tender"))).scalars()
        assert "tender.awarded" in list(actions)
        topics = (await session.execute(select(OutboxEvent.topic))).scalars().all()
        assert "procurement.TenderAwarded" in topics
    schemas.skip_unvalidated()
    record = await client.get(f"/api/v1/ocds/records/{tender['ocid']}")
    assert record.status_code == 200, record.text
    schemas.check_record_package(record.json())
    assert len(record.json()["records"][0]["compiledRelease"]["contracts"]) == 4


async def test_an_override_needs_a_justification_keeps_the_terms_and_is_published(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await evaluated_example(client, sessions, settings)
    m = p.market
    a, b = m.producer_a["id"], m.producer_b["id"]
    url = f"/api/v1/tenders/{tender['id']}/award/override"
    # The dairy had late deliveries last winter: the coordinator gives it less of lot 2.
    lines = [
        {"lot": 1, "organization_id": b, "quantity": "80"},
        {"lot": 1, "organization_id": a, "quantity": "40"},
        {"lot": 2, "organization_id": a, "quantity": "42"},
        {"lot": 2, "organization_id": b, "quantity": "10"},
    ]

    missing = await client.post(url, json={"lines": lines}, headers=p.coordinator.headers)
    assert missing.status_code == 422
    assert "justification" in missing.text
    blank = await client.post(url, json={"lines": lines, "justification": " " * 30}, headers=p.coordinator.headers)
    assert blank.status_code == 422
    assert "justification" in blank.text

    why = "Late deliveries by the dairy last winter; the hub keeps its share of lot 2 small."
    bad = [
        {"lot": 1, "organization_id": a, "quantity": "90"},  # above 70 % of 120 kg
        {"lot": 3, "organization_id": a, "quantity": "1"},  # no such lot
        {"lot": 2, "organization_id": b, "quantity": "10"},
        {"lot": 2, "organization_id": b, "quantity": "5"},  # the same offer twice
        {"lot": 2, "organization_id": m.buyer_org["id"], "quantity": "5"},  # did not bid
    ]
    absurd = [{"lot": 1, "organization_id": b, "quantity": "1E+30"}]  # refused as it is decoded, like any quantity
    too_much = await client.post(url, json={"lines": absurd, "justification": why}, headers=p.coordinator.headers)
    assert too_much.status_code == 422, too_much.text
    assert {e["field"] for e in too_much.json()["errors"]} == {"$.lines[0].quantity"}
    refused = await client.post(url, json={"lines": bad, "justification": why}, headers=p.coordinator.headers)
    assert refused.status_code == 422, refused.text
    fields = {e["field"] for e in refused.json()["errors"]}
    assert {"$.lines[0].quantity", "$.lines[2].lot", "$.lines[3]"} <= fields or {
        "$.lines[0].quantity",
        "$.lines[1].lot",
        "$.lines[3]",
    } <= fields
    # The apiary (10.00 EUR) may not serve Görlitz's units capped at 9.90: refused, not forced on the buyer.
    capped = [{"lot": 1, "organization_id": a, "quantity": "84"}, {"lot": 1, "organization_id": b, "quantity": "36"}]
    over_cap = await client.post(url, json={"lines": capped, "justification": why}, headers=p.coordinator.headers)
    assert over_cap.status_code == 422, over_cap.text
    assert "maximum unit prices" in over_cap.text
    assert (await client.get(f"/api/v1/tenders/{tender['id']}")).json()["status"] == "evaluated"  # nothing half-written

    # A supplier or buyer cannot award.
    for account in (m.honey_maker, m.buyer):
        forbidden = await client.post(url, json={"lines": lines, "justification": why}, headers=account.headers)
        assert forbidden.status_code == 403
        assert (
            await client.post(f"/api/v1/tenders/{tender['id']}/award/confirm", headers=account.headers)
        ).status_code == 403

    done = await client.post(url, json={"lines": lines, "justification": why}, headers=p.coordinator.headers)
    assert done.status_code == 200, done.text
    award = done.json()
    assert (award["state"], award["overridden"], award["justification"]) == ("confirmed", True, why)
    assert winners(award["lots"][1]) == {a: "42.000", b: "10.000"}
    assert award["lots"][1]["shortfall"] == "8.000"
    assert winners(award["lots"][1]) != {w["organization_id"]: w["quantity"] for w in award["lots"][1]["proposed"]}
    # The hotel's 60 kg at Zgorzelec gets 52: 8 short, reported on its commitment.
    hotel = (
        await client.get(
            f"/api/v1/tenders/{tender['id']}/allocations",
            params={"organization_id": p.hotel_org["id"]},
            headers=p.hotel_buyer.headers,
        )
    ).json()
    lot2 = next(c for c in hotel if c["lot"] == 2)
    assert (lot2["allocated"], lot2["shortfall"]) == ("52.000", "8.000")

    release = (await client.get(f"/api/v1/ocds/tenders/{tender['id']}")).json()["releases"][-1]
    assert all(why in aw["description"] for aw in release["awards"])
    async with transaction(sessions) as session:
        entry = (await session.execute(select(AuditEntry).where(AuditEntry.action == "tender.overridden"))).scalar_one()
        assert entry.after is not None
        assert entry.after["justification"] == why


async def test_a_tender_cancelled_after_its_proposal_cannot_be_awarded(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await evaluated_example(client, sessions, settings)
    base = f"/api/v1/tenders/{tender['id']}"
    cancelled = await client.post(
        f"{base}/cancel", json={"reason": "The schools changed supplier policy"}, headers=p.coordinator.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    refused = await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)
    assert refused.status_code == 409
    assert "cancelled" in refused.json()["detail"]
    assert (await client.get(f"{base}/award", headers=p.coordinator.headers)).json()["state"] == "cancelled"
    orders = await client.get(
        f"/api/v1/organizations/{p.market.buyer_org['id']}/orders", headers=p.market.buyer.headers
    )
    assert orders.json()["items"] == []


async def test_a_tender_without_eligible_bids_ends_unsuccessful_and_tells_its_buyers(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p, minimum_total_quantity=None)
    await commit(client, p.market.buyer, pool, p.market.buyer_org, 0, "50")
    closed = (await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)).json()
    tender = await published_tender(client, p, closed, deadline_in=2)
    early = await client.post(f"/api/v1/tenders/{tender['id']}/evaluation", headers=p.coordinator.headers)
    assert early.status_code == 409  # still open for bids
    assert "after its deadline" in early.json()["detail"]
    await pass_deadline(tender, sessions, settings)

    evaluated = await client.post(f"/api/v1/tenders/{tender['id']}/evaluation", headers=p.coordinator.headers)
    assert evaluated.status_code == 200, evaluated.text
    assert (evaluated.json()["state"], evaluated.json()["outcome"]) == ("unsuccessful", "No bid was received.")
    assert (await client.get(f"/api/v1/tenders/{tender['id']}")).json()["status"] == "unsuccessful"
    nothing = await client.post(f"/api/v1/tenders/{tender['id']}/award/confirm", headers=p.coordinator.headers)
    assert nothing.status_code == 409
    assert nothing.json()["type"].endswith("nothing-to-award")
    # One release says it: the bid opening already found no bid, ending the tender adds nothing.
    package = (await client.get(f"/api/v1/ocds/tenders/{tender['id']}")).json()
    OcdsSchemas().check_release_package(package)
    releases = package["releases"]
    assert [r["tag"] for r in releases] == [["tender"], ["tenderUpdate"]]
    assert releases[-1]["tender"]["status"] == "unsuccessful"
    assert [lot["status"] for lot in releases[-1]["tender"]["lots"]] == ["unsuccessful"]
    assert releases[-1]["tender"]["numberOfTenderers"] == 0
    assert "tenderers" not in releases[-1]["tender"]  # an empty list is left out
    async with transaction(sessions) as session:
        [payload] = (
            await session.execute(
                select(OutboxEvent.payload).where(OutboxEvent.topic == "procurement.TenderUnsuccessful")
            )
        ).scalars()
        assert payload["buyer_ids"] == [p.market.buyer_org["id"]]
        # Running the job again (at-least-once delivery) changes nothing.
        assert not await AwardService(session).evaluate(uuid_of(tender))


async def test_confirming_a_proposal_that_awards_nothing_ends_the_tender_unsuccessful(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    schemas = OcdsSchemas()
    p, tender = await priced_out_tender(client, sessions, settings)
    m = p.market
    base = f"/api/v1/tenders/{tender['id']}"

    closed = await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)
    assert closed.status_code == 200, closed.text
    assert closed.json()["state"] == "unsuccessful"
    assert "maximum prices" in closed.json()["outcome"]
    assert (await client.get(base)).json()["status"] == "unsuccessful"
    again = await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)
    assert again.status_code == 409
    assert again.json()["type"].endswith("nothing-to-award")
    orders = await client.get(f"/api/v1/organizations/{m.buyer_org['id']}/orders", headers=m.buyer.headers)
    assert orders.json()["items"] == []
    mine = await client.get(
        f"{base}/allocations", params={"organization_id": m.buyer_org["id"]}, headers=m.buyer.headers
    )
    assert mine.json() == []

    # Published as unsuccessful, not as an award without awards.
    package = (await client.get(f"/api/v1/ocds/tenders/{tender['id']}")).json()
    schemas.check_release_package(package)
    assert [r["tag"] for r in package["releases"]] == [["tender"], ["tenderUpdate"], ["tenderUpdate"]]
    last = package["releases"][-1]
    assert (last["tender"]["status"], [lot["status"] for lot in last["tender"]["lots"]]) == (
        "unsuccessful",
        ["unsuccessful"],
    )
    assert "awards" not in last
    assert "contracts" not in last
    async with transaction(sessions) as session:
        [payload] = (
            await session.execute(
                select(OutboxEvent.payload).where(OutboxEvent.topic == "procurement.TenderUnsuccessful")
            )
        ).scalars()
        assert (payload["buyer_ids"], payload["bidder_ids"]) == ([m.buyer_org["id"]], [m.producer_a["id"]])
        assert "procurement.TenderAwarded" not in (await session.execute(select(OutboxEvent.topic))).scalars().all()
        actions = (await session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "tender"))).scalars()
        assert "tender.unsuccessful" in list(actions)
    schemas.skip_unvalidated()


async def test_units_short_are_reported_with_why_in_the_award_and_the_buyers_allocation(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    # One supplier. Lot 1 (50 kg): it offers 200, but may win at most 70 % -> 15 kg short by the
    # tender's terms. Lot 2 (30 kg): it offers only 20 -> 10 kg that no eligible offer could take.
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await open_pool(client, p, minimum_total_quantity=None)
    await commit(client, m.buyer, pool, m.buyer_org, 0, "50")
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "30")
    closed = (await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)).json()
    tender = await published_tender(client, p, closed, deadline_in=2, max_share_percent="70")
    body = bid_body(tender, ["11.00", "11.00"])
    body["lines"][1]["max_quantity"] = "20"
    await bid(client, m.honey_maker, tender, m.producer_a, body)
    await pass_deadline(tender, sessions, settings)

    base = f"/api/v1/tenders/{tender['id']}"
    award = (await client.post(f"{base}/evaluation", headers=p.coordinator.headers)).json()
    assert award["state"] == "proposed"
    lot1, lot2 = award["lots"]
    assert (lot1["awarded"], lot1["shortfall"]) == ("35.000", "15.000")  # one supplier, at most 70 %
    assert (lot2["awarded"], lot2["shortfall"]) == ("20.000", "10.000")  # all it offered
    assert award["outcome"] == (
        "No eligible offer could take 10 KGM (lot 2): the eligible offers bid for fewer units, or only above "
        "what the buyers there will pay. 15 KGM (lot 1) are left short although eligible offers bid for them: "
        "the maximum share of 70 % of a lot per supplier allows no fuller award, and an override must keep it too."
    )
    assert (await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)).status_code == 200
    [mine] = (
        await client.get(f"{base}/allocations", params={"organization_id": m.buyer_org["id"]}, headers=m.buyer.headers)
    ).json()
    assert (mine["committed"], mine["allocated"], mine["shortfall"]) == ("50.000", "35.000", "15.000")


async def test_a_dearer_bid_that_fills_the_lot_is_proposed_over_a_cheaper_one_just_short_of_it(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    # 40 jars, at least 30 to any winner. The apiary offers 39 at 11.00, the dairy all 40 at 12.00:
    # the apiary's 39 would leave one jar that nobody may be awarded, so the dairy wins the lot.
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pieces = {**pool_body(p.hub)["item"], "unit": "H87"}
    pool = await open_pool(client, p, item=pieces, minimum_total_quantity=None)
    await commit(client, m.buyer, pool, m.buyer_org, 0, "40")
    closed = (await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)).json()
    tender = await published_tender(client, p, closed, deadline_in=2, min_award_quantity="30")

    def offer(price: str, most: str) -> dict[str, Any]:
        line = {"lot_id": tender["lots"][0]["id"], "unit_price": price, "max_quantity": most, "lead_time_days": 5}
        return {"currency": "EUR", "lines": [line]}

    await bid(client, m.honey_maker, tender, m.producer_a, offer("11.00", "39"))
    await bid(client, m.cheese_maker, tender, m.producer_b, offer("12.00", "40"))
    await pass_deadline(tender, sessions, settings)

    award = (await client.post(f"/api/v1/tenders/{tender['id']}/evaluation", headers=p.coordinator.headers)).json()
    [lot] = award["lots"]
    assert winners(lot) == {m.producer_b["id"]: "40.000"}
    assert (lot["shortfall"], award["outcome"], award["evaluated_cost_minor"]) == ("0.000", "", 40 * 1200)


async def test_a_german_buyer_reads_the_tender_and_gets_its_awarded_order_lines_in_german(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    # The pool is in Polish first, with a German translation. Stadt Görlitz writes German; the hotel
    # in Zgorzelec Polish (then German). Each gets its order lines in its own language, as at checkout.
    p = await build_procurement(client, sessions, settings)
    m = p.market
    polish_first = {**pool_body(p.hub)["item"], "default_language": "pl"}
    pool = await open_pool(client, p, item=polish_first, minimum_total_quantity=None)
    await commit(client, m.buyer, pool, m.buyer_org, 0, "50")
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "30")
    closed = (await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)).json()
    tender = await published_tender(client, p, closed, deadline_in=2)
    base = f"/api/v1/tenders/{tender['id']}"

    async def title(**request: Any) -> tuple[str, str]:
        read = await client.get(base, **request)
        assert read.status_code == 200, read.text
        return read.json()["title"], read.json()["language"]

    assert await title(headers={"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}) == ("Honig für Schulküchen", "de")
    assert await title() == ("Miód dla stołówek szkolnych", "pl")  # no preference: the pool's first language
    assert await title(headers={"Accept-Language": "cs"}) == ("Miód dla stołówek szkolnych", "pl")  # none in Czech
    assert await title(params={"lang": "de"}, headers={"Accept-Language": "pl"}) == ("Honig für Schulküchen", "de")
    assert (await client.get(base, params={"lang": "not a language"})).status_code == 422

    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["11.00", "11.00"]))
    await pass_deadline(tender, sessions, settings)
    assert (await client.post(f"{base}/evaluation", headers=p.coordinator.headers)).status_code == 200
    assert (await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)).status_code == 200

    async def lines(organization: dict[str, Any], account: Any) -> list[tuple[str, str]]:
        orders = await client.get(f"/api/v1/organizations/{organization['id']}/orders", headers=account.headers)
        assert orders.status_code == 200, orders.text
        return [(line["title"], line["language"]) for order in orders.json()["items"] for line in order["lines"]]

    assert await lines(m.buyer_org, m.buyer) == [("Honig für Schulküchen", "de")]
    assert await lines(p.hotel_org, p.hotel_buyer) == [("Miód dla stołówek szkolnych", "pl")]


def uuid_of(tender: dict[str, Any]) -> uuid.UUID:
    return uuid.UUID(tender["id"])
