"""The coordinator's evaluation and award page of a tender: after the deadline every offer with its
price in currency units and its rank, the proposal per lot; confirming it, or awarding differently
with a justification, gives each buyer its allocation and orders and reports the savings; an
override that breaks the tender's terms is refused line by line. Before the deadline the page shows
no price, buyers may not see it, and another hub's tender is not found."""

from __future__ import annotations

import html
import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.organization import create_hub, platform_admin
from tests.factories.procurement import (
    Procurement,
    bid,
    bid_body,
    build_procurement,
    closed_pool,
    commit,
    open_pool,
    pass_deadline,
    priced_out_tender,
    published_tender,
)
from tests.integration.web.pages import sign_in_page, submit

Client = AsyncTestClient[Litestar]
JUSTIFICATION = "The dairy delivers to Görlitz on its own round; half of lot 1 goes to it."


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    signed = await sign_in_page(client, account.email, PASSWORD)
    assert signed.status_code == 303, signed.text


def award_page(p: Procurement, tender: dict[str, Any]) -> str:
    return f"/hubs/{p.hub['id']}/tenders/{tender['id']}/award"


async def closed_tender(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings, apiary: str, dairy: str | None
) -> tuple[Procurement, dict[str, Any]]:
    """The two-lot tender of a closed pool (Görlitz 120 kg, Zgorzelec 60 kg), its deadline passed:
    the apiary bids `apiary` EUR/kg on both lots, the dairy `dairy` (if any); at most 200 kg each."""
    p = await build_procurement(client, sessions, settings)
    m = p.market
    tender = await published_tender(client, p, await closed_pool(client, p), deadline_in=2)
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, [apiary, apiary]))
    if dairy is not None:
        await bid(client, m.cheese_maker, tender, m.producer_b, bid_body(tender, [dairy, dairy]))
    await pass_deadline(tender, sessions, settings)
    return p, tender


async def evaluated(client: Client, p: Procurement, tender: dict[str, Any]) -> str:
    """The coordinator evaluates the tender with the page's button; the page then."""
    await signed_in(client, p.coordinator)
    path = award_page(p, tender)
    waiting = await client.get(path)
    assert "The evaluation waits to run" in waiting.text
    done = await submit(client, path, f"{path}/evaluate", {})
    assert done.status_code == 303, done.text
    shown = await client.get(done.headers["location"])
    assert shown.status_code == 200, shown.text
    assert "The tender is evaluated" in shown.text
    return shown.text


def section(page: str, heading: str) -> str:
    """The part of the page from the heading `heading` (its id) to the next section."""
    start = page.index(f'id="{heading}"')
    end = page.find("</section>", start)
    return page[start:end]


def table_rows(part: str) -> list[list[str]]:
    """Each row's cells as a person reads them (tags and extra spaces gone)."""
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", part, re.DOTALL):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.DOTALL)
        rows.append([" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in cells])
    return rows


def override_lines(page: str) -> dict[tuple[str, str], str]:
    """The override form's quantity field of each (lot number, supplier organisation id)."""
    lots = dict(re.findall(r'name="lines\[(\d+)\]\.lot" value="(\d+)"', page))
    suppliers = dict(re.findall(r'name="lines\[(\d+)\]\.organization_id" value="([0-9a-f-]+)"', page))
    return {(lots[index], suppliers[index]): f"lines[{index}].quantity" for index in lots}


def override_form(page: str, quantities: dict[tuple[str, str], str], justification: str) -> dict[str, str]:
    """The override form as a browser sends it: every line (those not in `quantities` left empty)."""
    fields = {"justification": justification}
    for (lot, supplier), name in override_lines(page).items():
        index = name.removesuffix(".quantity")
        fields[f"{index}.lot"] = lot
        fields[f"{index}.organization_id"] = supplier
        fields[name] = quantities.get((lot, supplier), "")
    return fields


async def test_after_the_deadline_the_page_shows_each_offers_price_in_currency_units_its_rank_and_the_proposal(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await closed_tender(client, sessions, settings, apiary="10.00", dairy="10.90")
    m = p.market

    page = await evaluated(client, p, tender)

    offers = table_rows(section(page, "lot-1-heading"))
    assert [m.producer_a["legal_name"], "€10.00", "200 kg", "within 5 days", "€10.00", "1 of 2"] in offers
    assert [m.producer_b["legal_name"], "€10.90", "200 kg", "within 5 days", "€10.90", "2 of 2"] in offers
    assert [m.producer_a["legal_name"], "120 kg", "€10.00", "€1,200.00"] in offers  # the proposal for lot 1
    lot2 = table_rows(section(page, "lot-2-heading"))
    assert [m.producer_a["legal_name"], "60 kg", "€10.00", "€600.00"] in lot2
    assert "to Görlitz, Bauhof (Sachsen, Germany)" in page  # the delivery point and its region by name
    assert "The solver proved the proposal the least costly award within the tender's terms." in page
    assert not [cell for row in offers for cell in row if "1000" in cell]  # never minor units
    assert "180000" not in section(page, "outcome-heading")
    assert "Evaluated cost of the proposal: €1,800.00." in page
    assert "KGM" not in page


async def test_confirming_shows_the_allocations_per_buyer_their_orders_and_the_savings(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await closed_tender(client, sessions, settings, apiary="9.00", dairy=None)
    m = p.market
    path = award_page(p, tender)
    await evaluated(client, p, tender)

    confirmed = await submit(client, path, f"{path}/confirm", {})

    assert confirmed.status_code == 303, confirmed.text
    page = (await client.get(confirmed.headers["location"])).text
    assert "The award is confirmed: the buyers' orders are placed" in html.unescape(page)
    deliveries = table_rows(section(page, "deliveries-heading"))
    apiary = m.producer_a["legal_name"]
    assert [
        "Stadt Görlitz",
        "Görlitz, Bauhof (Sachsen, Germany) Untermarkt 6",
        apiary,
        "120 kg",
        "€9.00",
        f"Order from {apiary} New: waiting for the producer to accept it",
    ] in deliveries
    assert any(row[0] == "Hotel Zgorzelec sp. z o.o." and row[3:5] == ["60 kg", "€9.00"] for row in deliveries)
    outcomes = (await client.get(f"/api/v1/tenders/{tender['id']}/allocations", headers=p.coordinator.headers)).json()
    for outcome in outcomes:
        for allocation in outcome["allocations"]:
            assert f'href="/orders/{allocation["order_id"]}"' in page  # the coordinator may open each order
    orders = section(page, "orders-heading")
    assert f"Order of Stadt Görlitz from {apiary}" in orders
    assert "€1,080.00" in orders  # 120 kg at 9.00 EUR
    # Savings: the apiary lists this honey at 40.50 PLN/kg from 100 kg and 44.00 from 20 kg.
    savings = (await client.get(f"/api/v1/tenders/{tender['id']}/savings", headers=p.coordinator.headers)).json()
    total = savings["total"]
    assert total["savings_minor"] > 0
    said = section(page, "savings-heading")
    euros = f"€{total['savings_minor'] / 100:,.2f}"
    assert f"Together the buyers save {euros}" in said
    assert f"€{total['individual_minor'] / 100:,.2f}" in said  # what they would have paid alone
    assert "The savings compare what each buyer pays in this tender with what the same quantity would cost" in said


async def test_an_override_with_a_too_short_justification_is_refused_naming_the_justification(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await closed_tender(client, sessions, settings, apiary="10.00", dairy="10.90")
    m = p.market
    page = await evaluated(client, p, tender)
    path = award_page(p, tender)
    a, b = m.producer_a["id"], m.producer_b["id"]
    quantities = {("1", a): "70", ("1", b): "50", ("2", a): "60"}

    refused = await submit(client, path, f"{path}/override", override_form(page, quantities, "Dairy is near."))

    assert refused.status_code == 422, refused.text
    assert 'id="f-justification-error"' in refused.text
    error = re.search(r'id="f-justification-error">([^<]*)<', refused.text)
    assert error is not None
    assert "20 characters" in error.group(1)
    assert "Dairy is near." in refused.text  # what was typed is kept
    assert "The proposed award was confirmed" not in refused.text
    assert "What each buyer receives" not in refused.text


async def test_an_override_moving_quantity_between_suppliers_is_awarded_and_the_allocations_follow_it(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await closed_tender(client, sessions, settings, apiary="10.00", dairy="10.90")
    m = p.market
    page = await evaluated(client, p, tender)
    path = award_page(p, tender)
    a, b = m.producer_a["id"], m.producer_b["id"]
    # The proposal gives lot 1 wholly to the apiary; the coordinator moves 50 kg to the dairy.
    assert override_lines(page).keys() == {("1", a), ("1", b), ("2", a), ("2", b)}
    quantities = {("1", a): "70", ("1", b): "50", ("2", a): "60"}

    done = await submit(client, path, f"{path}/override", override_form(page, quantities, JUSTIFICATION))

    assert done.status_code == 303, done.text
    shown = (await client.get(done.headers["location"])).text
    assert "The tender is awarded as you entered it" in shown
    assert JUSTIFICATION in shown
    deliveries = table_rows(section(shown, "deliveries-heading"))
    city = {(row[2], row[3], row[4]) for row in deliveries if row and row[0] == "Stadt Görlitz"}
    assert city == {(m.producer_a["legal_name"], "70 kg", "€10.00"), (m.producer_b["legal_name"], "50 kg", "€10.90")}
    hotel = {(row[2], row[3]) for row in deliveries if row and row[0] == "Hotel Zgorzelec sp. z o.o."}
    assert hotel == {(m.producer_a["legal_name"], "60 kg")}


async def test_an_override_awarding_more_than_offered_is_refused_naming_the_line(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await closed_tender(client, sessions, settings, apiary="10.00", dairy="10.90")
    m = p.market
    page = await evaluated(client, p, tender)
    path = award_page(p, tender)
    a = m.producer_a["id"]
    line = override_lines(page)[("1", a)]

    refused = await submit(
        client, path, f"{path}/override", override_form(page, {("1", a): "250", ("2", a): "60"}, JUSTIFICATION)
    )

    assert refused.status_code == 422, refused.text
    error = re.search(rf'id="f-{re.escape(line)}-error">([^<]*)<', refused.text)
    assert error is not None, "the line of the apiary's offer for lot 1 names no problem"
    assert error.group(1) == f"Lot 1, {m.producer_a['legal_name']}: The offer is for at most 200 kg."
    assert "Lot 1 would be awarded 250 kg, but it needs only 120 kg." in refused.text
    assert re.search(rf'name="{re.escape(line)}"[^>]*value="250"', refused.text)  # what was typed is kept
    assert "What each buyer receives" not in refused.text  # nothing was awarded


async def test_before_the_deadline_the_page_shows_no_price_of_a_sealed_bid(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    tender = await published_tender(client, p, await closed_pool(client, p))
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["13.37", "13.37"]))
    await signed_in(client, p.coordinator)

    for language in ("en", "de", "pl", "cs"):
        shown = await client.get(award_page(p, tender), headers={"Accept-Language": language})
        assert shown.status_code == 200, shown.text
        for price in ("13.37", "13,37", "1337", "13.4", "13,4"):
            assert price not in shown.text, (language, price)
    shown = await client.get(award_page(p, tender))
    assert "Not yet evaluated: the bids stay sealed until the deadline" in shown.text
    assert "Evaluate now" not in shown.text


async def test_a_proposal_that_awards_nothing_says_why_and_confirming_ends_the_tender_without_award(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await priced_out_tender(client, sessions, settings)
    await signed_in(client, p.coordinator)
    path = award_page(p, tender)

    shown = await client.get(path)

    assert "The proposal awards nothing." in shown.text
    assert "No eligible offer could take 50 kg of lot 1" in shown.text
    assert "€11.00" in shown.text  # the offer, in currency units
    ended = await submit(client, path, f"{path}/confirm", {})
    assert ended.status_code == 303, ended.text
    page = (await client.get(ended.headers["location"])).text
    assert "The tender ended without an award. Its buyers and bidders are told why." in page


async def test_a_buyer_is_not_allowed_and_another_hubs_coordinator_finds_no_such_page(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    tender = await published_tender(client, p, await closed_pool(client, p))
    admin = await platform_admin(client, sessions, settings)
    elsewhere = await register(client)
    other_hub = await create_hub(client, admin, [elsewhere])

    await signed_in(client, p.market.buyer)
    forbidden = await client.get(award_page(p, tender))
    assert forbidden.status_code == 403
    assert "Not allowed" in forbidden.text

    await signed_in(client, elsewhere)
    hidden = await client.get(f"/hubs/{other_hub['id']}/tenders/{tender['id']}/award")
    assert hidden.status_code == 404
    assert "Not found" in hidden.text
    assert "Honig" not in hidden.text


async def test_the_override_form_shows_the_proposed_quantity_as_it_is_typed_without_a_group_separator(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await open_pool(client, p, minimum_total_quantity=None)
    await commit(client, m.buyer, pool, m.buyer_org, 0, "1000")
    closed = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    assert closed.json()["status"] == "closed", closed.text
    tender = await published_tender(client, p, closed.json(), deadline_in=2)
    [lot] = tender["lots"]
    offer = {"lot_id": lot["id"], "unit_price": "9.00", "max_quantity": "1200", "lead_time_days": 5}
    await bid(client, m.honey_maker, tender, m.producer_a, {"currency": "EUR", "lines": [offer]})
    await pass_deadline(tender, sessions, settings)

    page = await evaluated(client, p, tender)

    name = override_lines(page)[("1", m.producer_a["id"])]
    field = re.search(rf'name="{re.escape(name)}"[^>]*?value="([^"]*)"', page, re.DOTALL)
    assert field is not None
    assert field.group(1) == "1000"  # proposed 1000 kg, typed back as it stands (not "1,000")
    assert "1,000 kg" in page  # shown the reader's way elsewhere
