"""Working capital in HTML: a producer sees what the hub's consortium can advance against an accepted
order and asks for it (the amount in currency units); the consortium's officers find it in their
queue, approve it (two of them when it is large), confirm the payout and record the buyer's payment,
and the advance's page then shows it repaid and what is owed to the producer. A refused request says
why beside the field and writes nothing; nobody else finds an advance or a consortium."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from marketplace.api import formats_for
from tests.factories.financing import Consortium, act, ask, confirmed_order, consortium_body, create_consortium
from tests.factories.identity import PASSWORD, Account
from tests.factories.order import Market, build_market, place
from tests.integration.web.pages import csrf_of, sign_in_page, submit

Client = AsyncTestClient[Any]
#: The readers of these pages are English (no language chosen): money as they read it.
EN = formats_for("en")


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


@pytest.fixture
async def consortium(client: Client, market: Market) -> Consortium:
    return await create_consortium(client, market)


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    answered = await sign_in_page(client, account.email, PASSWORD)
    assert answered.status_code == 303, answered.text


async def advances_of(client: Client, m: Market) -> list[dict[str, Any]]:
    """The producer's advances, as the API reads them."""
    response = await client.get(f"/api/v1/organizations/{m.producer_a['id']}/advances", headers=m.honey_maker.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def advance_of(client: Client, account: Account, advance: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(f"/api/v1/advances/{advance['id']}", headers=account.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_a_producer_asks_for_the_most_from_the_orders_page_and_sees_the_request(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m = market
    order = await confirmed_order(client, m)
    total = order["total"]["amount_minor"]
    most = total * 70 // 100
    await signed_in(client, m.honey_maker)

    order_page = (await client.get(f"/orders/{order['id']}")).text
    assert "Working capital" in order_page
    assert consortium.body["name"] in order_page
    assert f'href="/orders/{order["id"]}/advance"' in order_page

    offer_page = f"/orders/{order['id']}/advance"
    offered = await client.get(offer_page)
    assert offered.status_code == 200, offered.text
    assert f"Up to {EN.money(most, 'PLN')} can be advanced against this order." in offered.text
    assert EN.money(total, "PLN") in offered.text  # what the buyer owes
    assert 'value="616.00"' in offered.text  # the most, in currency units, ready to send
    assert str(most) not in offered.text  # never minor units

    asked = await submit(client, offer_page, offer_page, {"amount": "616.00"})
    assert asked.status_code == 303, asked.text
    [advance] = await advances_of(client, m)
    assert asked.headers["location"] == f"/advances/{advance['id']}?notice=advance-requested"
    assert (advance["status"], advance["principal"]["amount_minor"]) == ("requested", most)

    status = (await client.get(asked.headers["location"])).text
    assert "Your request is sent." in status
    assert "Asked for: the consortium&#39;s officers decide" in status
    assert EN.money(most, "PLN") in status
    assert EN.money(advance["fee"]["amount_minor"], "PLN") in status
    assert "PL61 1090 1014 0000 0712 1981 2874" in status  # where the buyer pays, grouped to be copied
    assert "Withdraw the request" in status
    assert "Approve" not in status  # an officer's to decide

    # The order's page leads to the advance now, not to a second request.
    again = (await client.get(offer_page)).text
    assert f'href="/advances/{advance["id"]}"' in again
    assert "Ask for the advance" not in again
    listed = (await client.get(f"/organizations/{m.producer_a['id']}/advances")).text
    assert f'href="/advances/{advance["id"]}"' in listed
    assert "Against the order of Stadt Görlitz" in listed


async def test_officers_approve_pay_out_and_record_the_buyers_payment_and_the_page_shows_what_the_producer_gets(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m, c = market, consortium
    order = await confirmed_order(client, m)
    total = order["total"]["amount_minor"]
    advance = await ask(client, m, order)
    principal, fee = advance["principal"]["amount_minor"], advance["fee"]["amount_minor"]
    await signed_in(client, c.officer)

    home = (await client.get("/")).text
    assert 'href="/consortia"' in home  # the officer's link in the header
    queue_page = f"/consortia/{c.id}"
    queue = (await client.get(queue_page)).text
    assert f'href="/advances/{advance["id"]}"' in queue
    assert "Requests to decide on" in queue
    assert "Stadt Görlitz" in queue
    assert EN.money(2 * 5_000_000, "EUR") in queue  # the books: both funders' capital, available to lend

    page = f"/advances/{advance['id']}"
    no_reason = await submit(client, page, f"{page}/decision", {"decision": "approve", "decision_reason": ""})
    assert no_reason.status_code == 422
    assert 'id="f-decision_reason-error"' in no_reason.text
    approved = await submit(
        client, page, f"{page}/decision", {"decision": "approve", "decision_reason": "Two years of deliveries."}
    )
    assert approved.status_code == 303, approved.text
    assert approved.headers["location"] == f"{page}?notice=advance-approved"
    shown = (await client.get(page)).text
    assert "Test User approved it" in shown
    assert "Two years of deliveries." in shown
    assert "Confirm the payout" in shown

    paid_out = await submit(client, page, f"{page}/payout", {"payout_reference": "SEPA 0001", "payout_on": ""})
    assert paid_out.status_code == 303, paid_out.text
    paid = await submit(
        client,
        page,
        f"{page}/payment",
        {"payment_amount": f"{total // 100}.{total % 100:02d}", "payment_reference": "Görlitz 1/1", "payment_on": ""},
    )
    assert paid.status_code == 303, paid.text

    after = await advance_of(client, c.officer, advance)
    assert (after["status"], after["outstanding"]["amount_minor"]) == ("repaid", 0)
    owed = total - principal - fee
    assert after["owed_to_producer"]["amount_minor"] == owed
    shown = (await client.get(page)).text
    assert "<strong>State:</strong> Repaid" in shown
    assert EN.money(owed, "PLN") in shown  # owed to the producer
    assert "Payment from the buyer" in shown  # the journal's entries in words
    assert "Paid out to the producer" in shown
    assert "Pass the rest on to the producer" in shown

    await signed_in(client, m.honey_maker)
    seen_by_producer = (await client.get(page)).text
    assert "<strong>State:</strong> Repaid" in seen_by_producer
    assert EN.money(owed, "PLN") in seen_by_producer
    assert "Pass the rest on to the producer" not in seen_by_producer  # the officers' to confirm


async def test_a_large_advance_waits_for_a_second_officer_and_says_who_approved_first(
    client: Client, market: Market
) -> None:
    m = market
    body = consortium_body(m, [])
    for terms in body["currencies"]:
        terms["second_approval_above_minor"] = 0  # two approvals for every advance
    c = await create_consortium(client, m, currencies=body["currencies"])
    advance = await ask(client, m, await confirmed_order(client, m))
    page = f"/advances/{advance['id']}"

    await signed_in(client, c.officer)
    first = await submit(client, page, f"{page}/decision", {"decision": "approve", "decision_reason": "Good record."})
    assert first.headers["location"] == f"{page}?notice=advance-first-approval"
    mine = (await client.get(page)).text
    assert "Two officers approve this advance: it is above PLN0.00." in mine
    assert "You approved it: another officer gives the second approval." in mine
    assert f'action="{page}/decision"' not in mine

    await signed_in(client, c.second_officer)
    theirs = (await client.get(page)).text
    assert "A second approval is needed: Test User approved it first." in theirs
    second = await submit(client, page, f"{page}/decision", {"decision": "approve", "decision_reason": "Agreed."})
    assert second.headers["location"] == f"{page}?notice=advance-approved"
    assert (await advance_of(client, c.officer, advance))["status"] == "approved"


async def test_a_buyers_payment_form_sent_twice_records_the_money_once(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m, c = market, consortium
    advance = await ask(client, m, await confirmed_order(client, m))
    advance = await act(client, c.officer, advance, "decisions", {"approve": True, "reason": "fine"})
    await act(client, c.officer, advance, "disbursement", {"reference": "SEPA 0001"})
    await signed_in(client, c.officer)
    page = f"/advances/{advance['id']}"
    shown = (await client.get(page)).text
    fields = {
        "_csrf_token": csrf_of(shown),
        "once": shown.split('name="once" value="', 1)[1].split('"', 1)[0],
        "payment_amount": "10.00",
        "payment_reference": "Görlitz part 1",
        "payment_on": "",
    }

    for _ in range(2):  # a double click
        sent = await client.post(f"{page}/payment", data=fields, follow_redirects=False)
        assert sent.status_code == 303, sent.text

    after = await advance_of(client, c.officer, advance)
    assert after["repaid"]["amount_minor"] == 1_000
    assert [entry["kind"] for entry in after["entries"]] == ["disbursement", "collection"]


async def test_an_amount_above_the_most_is_refused_beside_the_field_and_nothing_is_asked(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m = market
    order = await confirmed_order(client, m)
    most = order["total"]["amount_minor"] * 70 // 100
    await signed_in(client, m.honey_maker)
    offer_page = f"/orders/{order['id']}/advance"

    too_much = await submit(client, offer_page, offer_page, {"amount": "700.00"})
    assert too_much.status_code == 422
    assert 'id="f-amount-error"' in too_much.text
    assert f"At most {EN.money(most, 'PLN')} can be advanced against this order." in too_much.text
    assert 'value="700.00"' in too_much.text  # what was typed is kept
    too_precise = await submit(client, offer_page, offer_page, {"amount": "10.005"})
    assert too_precise.status_code == 422
    assert "Use at most 2 decimal places." in too_precise.text
    assert await advances_of(client, m) == []


async def test_an_order_not_accepted_yet_shows_why_nothing_can_be_advanced(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m = market
    [order] = (await place(client, m.buyer, m.checkout((m.honey, "20"))))["orders"]
    await signed_in(client, m.honey_maker)

    offered = (await client.get(f"/orders/{order['id']}/advance")).text
    assert "The consortium cannot advance on this order now:" in offered
    assert "Only an order you have accepted, and that is not cancelled, rejected or disputed" in offered
    assert "Ask for the advance" not in offered


async def test_only_the_producers_admins_and_the_officers_find_an_advance_and_only_officers_the_consortium(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m, c = market, consortium
    advance = await ask(client, m, await confirmed_order(client, m))
    paths = [f"/advances/{advance['id']}", f"/consortia/{c.id}"]
    # The order's buyer, another producer of the hub, and the hub's coordinator (who set the
    # consortium up, but is none of its officers).
    for account in (m.buyer, m.cheese_maker, m.coordinator):
        await signed_in(client, account)
        for path in paths:
            answered = await client.get(path)
            assert answered.status_code == 404, (account.email, path)
            assert "This page does not exist, or it is not yours to see." in answered.text
            assert c.body["name"] not in answered.text
        header = (await client.get("/")).text
        assert 'href="/consortia"' not in header


async def test_the_producer_withdraws_a_request_saying_why_and_may_ask_again(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m = market
    order = await confirmed_order(client, m)
    advance = await ask(client, m, order)
    await signed_in(client, m.honey_maker)
    page = f"/advances/{advance['id']}"

    withdrawn = await submit(client, page, f"{page}/withdraw", {"withdraw_reason": "The town pays early this time."})
    assert withdrawn.status_code == 303, withdrawn.text
    assert withdrawn.headers["location"] == f"{page}?notice=advance-withdrawn"
    shown = (await client.get(page)).text
    assert "<strong>State:</strong> Withdrawn" in shown
    assert "The town pays early this time." in shown
    assert "Withdraw the request" not in shown
    offered = (await client.get(f"/orders/{order['id']}/advance")).text
    assert "Earlier requests for this order" in offered
    assert "Ask for the advance" in offered  # a withdrawn request may be asked again


async def test_a_move_the_advance_no_longer_allows_says_where_it_stands(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m, c = market, consortium
    advance = await ask(client, m, await confirmed_order(client, m))
    await signed_in(client, c.officer)
    page = f"/advances/{advance['id']}"

    # A payout form sent before the advance is approved (a stale page's, or a forged one): nothing is paid.
    stale = await submit(client, page, f"{page}/payout", {"payout_reference": "SEPA 0001", "payout_on": ""})
    assert stale.status_code == 409
    assert "Please check the form" in stale.text
    assert (
        "Only an approved advance is paid out. This one stands at: Asked for: the consortium&#39;s officers decide."
        in stale.text
    )
    assert (await advance_of(client, c.officer, advance))["entries"] == []


async def test_an_order_in_a_currency_the_consortium_does_not_lend_in_says_so(client: Client, market: Market) -> None:
    m = market
    euro_only = [terms for terms in consortium_body(m, [])["currencies"] if terms["currency"] == "EUR"]
    c = await create_consortium(client, m, fund=False, currencies=euro_only)
    order = await confirmed_order(client, m)  # in złoty
    await signed_in(client, m.honey_maker)

    offered = await client.get(f"/orders/{order['id']}/advance")
    assert offered.status_code == 200, offered.text
    assert f"{c.body['name']} does not lend in Polish Zloty, the order&#39;s currency." in offered.text
    assert "Ask for the advance" not in offered.text
