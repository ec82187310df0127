"""Working capital over HTTP: a Polish producer's advance against a confirmed order, from the offer
to the consortium's books, with what goes wrong on the way (credits, cancellations, arrears)."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pypdf
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from kernel.db import transaction
from marketplace.financing.jobs import review
from marketplace.financing.models import Consortium as ConsortiumRow
from marketplace.financing.models import JournalEntry, JournalLine
from marketplace.financing.portfolio import open_data
from marketplace.invoicing.validation import errors, validate
from tests.factories.financing import (
    CAPITAL,
    GUARANTEE,
    Consortium,
    act,
    ask,
    commit,
    confirmed_order,
    consortium_body,
    create_consortium,
    paid_out,
)
from tests.factories.identity import register
from tests.factories.order import Market, build_market, place, set_billing

Client = AsyncTestClient[Any]


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


@pytest.fixture
async def consortium(client: Client, market: Market) -> Consortium:
    return await create_consortium(client, market)


def fee_of(principal: int, days: int, flat_bp: int = 100, annual_bp: int = 730) -> int:
    """The consortium's fee worked out in Decimal, rounded half-up: a check of the service's integer arithmetic."""
    exact = Decimal(principal) * (Decimal(flat_bp) / 10_000 + Decimal(annual_bp) / 10_000 * days / 365)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def books(client: Client, consortium: Consortium, currency: str) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/consortia/{consortium.id}/books", params={"currency": currency}, headers=consortium.officer.headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def balance(book: dict[str, Any], account: str, funder: str | None = None) -> int:
    return sum(
        line["balance"]["amount_minor"]
        for line in book["lines"]
        if line["account"] == account and (funder is None or line["funder_id"] == funder)
    )


async def test_the_buyers_payment_repays_the_advance_and_fee_first_and_the_rest_reaches_the_producer(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m, c = market, consortium
    order = await confirmed_order(client, m)
    total, currency = order["total"]["amount_minor"], order["total"]["currency"]
    offer = await client.get("/api/v1/advances/offer", params={"order_id": order["id"]}, headers=m.honey_maker.headers)
    assert offer.status_code == 200, offer.text
    quoted = offer.json()
    days = (dt.date.fromisoformat(order["invoice"]["due_on"]) - clock.today()).days
    assert (quoted["possible"], quoted["refusals"], quoted["days"]) == (True, [], days)
    assert quoted["maximum"] == {"amount_minor": total * 70 // 100, "currency": currency}
    assert quoted["fee_for_maximum"]["amount_minor"] == fee_of(total * 70 // 100, days)

    advance = await ask(client, m, order)
    principal, fee = advance["principal"]["amount_minor"], advance["fee"]["amount_minor"]
    assert (advance["status"], principal, fee, advance["approvals_needed"]) == (
        "requested",
        total * 70 // 100,
        fee_of(principal, days),
        1,
    )
    not_officer = await client.post(
        f"/api/v1/advances/{advance['id']}/decisions",
        json={"approve": True, "reason": "mine"},
        headers=m.honey_maker.headers,
    )
    assert not_officer.status_code == 403
    approved = await act(
        client, c.officer, advance, "decisions", {"approve": True, "reason": "two years of deliveries"}
    )
    assert approved["status"] == "approved"
    assert approved["decisions"][0]["reason"] == "two years of deliveries"
    disbursed = await act(client, c.officer, advance, "disbursement", {"reference": "SEPA 0001"})
    assert (disbursed["status"], disbursed["outstanding"]["amount_minor"]) == ("disbursed", principal + fee)
    before = await books(client, c, currency)
    assert balance(before, "advances") == principal
    assert balance(before, "cash") == 2 * CAPITAL[currency] - principal

    # The invoice is assigned: the producer no longer marks it paid; the officers record the buyer's payments.
    marked = await client.post(f"/api/v1/invoices/{order['invoice']['id']}/mark-paid", headers=m.honey_maker.headers)
    assert (marked.status_code, marked.json()["type"].split("/")[-1]) == (409, "invoice-assigned")
    part = await act(client, c.officer, advance, "buyer-payments", {"amount_minor": 1_000, "reference": "Görlitz 1/2"})
    assert (part["status"], part["outstanding"]["amount_minor"]) == ("disbursed", principal + fee - 1_000)
    too_much = await client.post(
        f"/api/v1/advances/{advance['id']}/buyer-payments",
        json={"amount_minor": total, "reference": "Görlitz 2/2"},
        headers=c.officer.headers,
    )
    assert too_much.status_code == 422
    assert too_much.json()["errors"][0]["field"] == "$.amount_minor"
    repaid = await act(
        client, c.officer, advance, "buyer-payments", {"amount_minor": total - 1_000, "reference": "Görlitz 2/2"}
    )
    assert (repaid["status"], repaid["outstanding"]["amount_minor"], repaid["repaid"]["amount_minor"]) == (
        "repaid",
        0,
        principal + fee,
    )
    assert repaid["owed_to_producer"]["amount_minor"] == total - principal - fee
    invoice = (await client.get(f"/api/v1/invoices/{order['invoice']['id']}", headers=m.buyer.headers)).json()
    # The buyer was told whom to pay: the notice of assignment.
    assert (invoice["status"], invoice["assigned_to"], invoice["pay_to_iban"]) == (
        "paid",
        c.body["name"],
        "PL61109010140000071219812874" if currency == "PLN" else "DE89370400440532013000",
    )
    remitted = await act(client, c.officer, advance, "remittance", {"reference": "SEPA 0002"})
    assert (remitted["owed_to_producer"]["amount_minor"], remitted["passed_on_to_producer"]["amount_minor"]) == (
        0,
        total - principal - fee,
    )
    # The producer received the advance, then the order's value less the advance and the fee.
    assert principal + remitted["passed_on_to_producer"]["amount_minor"] == total - fee
    after = await books(client, c, currency)
    assert balance(after, "cash") == 2 * CAPITAL[currency] + fee
    assert balance(after, "fee_income") == -fee
    assert balance(after, "advances") == balance(after, "fees_receivable") == balance(after, "collections") == 0
    assert [entry["kind"] for entry in remitted["entries"]] == [
        "disbursement",
        "collection",
        "collection",
        "remittance",
    ]


async def test_an_advance_above_the_threshold_needs_two_different_officers(client: Client, market: Market) -> None:
    m = market
    body = consortium_body(m, [])
    for terms in body["currencies"]:
        terms["second_approval_above_minor"] = 50_000
    c = await create_consortium(client, m, currencies=body["currencies"])
    order = await confirmed_order(client, m)
    assert (await ask(client, m, order, 50_000))["approvals_needed"] == 1
    bigger = await confirmed_order(client, m)
    advance = await ask(client, m, bigger, 50_001)
    assert advance["approvals_needed"] == 2
    first = await act(client, c.officer, advance, "decisions", {"approve": True, "reason": "record is fine"})
    assert (first["status"], len(first["decisions"])) == ("requested", 1)
    again = await client.post(
        f"/api/v1/advances/{advance['id']}/decisions",
        json={"approve": True, "reason": "still fine"},
        headers=c.officer.headers,
    )
    assert (again.status_code, again.json()["type"].split("/")[-1]) == (409, "advance-state")
    early = await client.post(
        f"/api/v1/advances/{advance['id']}/disbursement", json={"reference": "too soon"}, headers=c.officer.headers
    )
    assert early.status_code == 409
    second = await act(client, c.second_officer, advance, "decisions", {"approve": True, "reason": "agreed"})
    assert second["status"] == "approved"


async def test_one_officer_declining_ends_the_request_with_the_reason(
    client: Client, market: Market, consortium: Consortium
) -> None:
    order = await confirmed_order(client, market)
    advance = await ask(client, market, order)
    declined = await act(
        client, consortium.officer, advance, "decisions", {"approve": False, "reason": "buyer in arrears elsewhere"}
    )
    assert (declined["status"], declined["reason"]) == ("declined", "buyer in arrears elsewhere")
    # A declined advance leaves the order free to ask again.
    assert (await ask(client, market, order))["status"] == "requested"


async def test_the_offer_says_every_reason_why_not_when_the_order_is_not_confirmed_or_due_too_late(
    client: Client, market: Market
) -> None:
    await create_consortium(client, market, max_tenor_days=10, min_completed_orders=1)
    [order] = (await place(client, market.buyer, market.checkout((market.honey, "20"))))["orders"]
    offer = (
        await client.get("/api/v1/advances/offer", params={"order_id": order["id"]}, headers=market.honey_maker.headers)
    ).json()
    assert offer["possible"] is False
    assert {refusal["code"] for refusal in offer["refusals"]} == {"not_confirmed", "tenor", "record"}
    asked = await client.post("/api/v1/advances", json={"order_id": order["id"]}, headers=market.honey_maker.headers)
    assert asked.status_code == 422
    problem = asked.json()
    assert problem["type"].endswith("/advance-refused")
    assert {error["field"] for error in problem["errors"]} == {"$.order_id"}
    assert any("at most 10 days" in error["message"] for error in problem["errors"])


async def test_an_amount_above_the_most_allowed_is_refused_naming_the_amount(
    client: Client, market: Market, consortium: Consortium
) -> None:
    order = await confirmed_order(client, market)
    most = order["total"]["amount_minor"] * 70 // 100
    asked = await client.post(
        "/api/v1/advances", json={"order_id": order["id"], "amount_minor": most + 1}, headers=market.honey_maker.headers
    )
    assert asked.status_code == 422
    assert [error["field"] for error in asked.json()["errors"]] == ["$.amount_minor"]
    assert (await ask(client, market, order, most))["principal"]["amount_minor"] == most


async def test_a_verified_women_led_producer_gets_the_better_share_and_fee(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m = market
    declared = await client.put(
        f"/api/v1/organizations/{m.producer_a['id']}/inclusion",
        json={"women_led": True},
        headers=m.honey_maker.headers,
    )
    assert declared.status_code == 200, declared.text
    verified = await client.put(
        f"/api/v1/hubs/{m.hub['id']}/organizations/{m.producer_a['id']}/inclusion/women_led",
        json={"verified": True, "evidence": "register extract"},
        headers=m.coordinator.headers,
    )
    assert verified.status_code == 200, verified.text
    order = await confirmed_order(client, m)
    offer = (
        await client.get("/api/v1/advances/offer", params={"order_id": order["id"]}, headers=m.honey_maker.headers)
    ).json()
    assert (offer["share_percent"], offer["flat_fee_percent"], offer["better_terms_for"]) == (
        "80",
        "0.5",
        ["women_led"],
    )
    assert offer["maximum"]["amount_minor"] == order["total"]["amount_minor"] * 80 // 100
    assert offer["fee_for_maximum"]["amount_minor"] == fee_of(
        offer["maximum"]["amount_minor"], offer["days"], flat_bp=50
    )


async def test_nobody_outside_the_officers_and_the_producers_admins_sees_an_advance(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m = market
    order = await confirmed_order(client, m)
    advance = await ask(client, m, order)
    stranger = await register(client)
    for account in (m.buyer, m.cheese_maker, m.coordinator, stranger):
        assert (await client.get(f"/api/v1/advances/{advance['id']}", headers=account.headers)).status_code == 404
        offer = await client.get("/api/v1/advances/offer", params={"order_id": order["id"]}, headers=account.headers)
        assert offer.status_code == 404
        books_read = await client.get(
            f"/api/v1/consortia/{consortium.id}/books", params={"currency": "PLN"}, headers=account.headers
        )
        assert books_read.status_code == 404
    for account in (m.honey_maker, consortium.officer):
        assert (await client.get(f"/api/v1/advances/{advance['id']}", headers=account.headers)).status_code == 200
    # The hub's coordinator reads the consortium's rules, not its advances.
    assert (await client.get(f"/api/v1/consortia/{consortium.id}", headers=m.coordinator.headers)).status_code == 200
    listed = await client.get(f"/api/v1/organizations/{m.producer_a['id']}/advances", headers=m.cheese_maker.headers)
    assert listed.status_code == 404


async def test_a_credit_note_leaves_the_producer_owing_the_shortfall_by_a_schedule(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m, c = market, consortium
    order = await confirmed_order(client, m)
    advance = await paid_out(client, m, c, order)
    owed = advance["outstanding"]["amount_minor"]
    total = order["total"]["amount_minor"]
    for account, action in ((m.honey_maker, "ship"), (m.buyer, "deliver")):
        moved = await client.post(f"/api/v1/orders/{order['id']}/{action}", headers=account.headers)
        assert moved.status_code == 200, moved.text
    opened = await client.post(
        f"/api/v1/orders/{order['id']}/dispute",
        json={"reason": "damaged", "message": "Half the jars broke."},
        headers=m.buyer.headers,
    )
    assert opened.status_code == 201, opened.text
    refund = total // 2
    resolved = await client.post(
        f"/api/v1/orders/{order['id']}/dispute/resolve",
        json={"outcome": "partial_refund", "refund_minor": refund, "note": "Half refunded."},
        headers=m.coordinator.headers,
    )
    assert resolved.status_code == 200, resolved.text
    now = (await client.get(f"/api/v1/advances/{advance['id']}", headers=m.honey_maker.headers)).json()
    shortfall = owed - (total - refund)
    assert now["status"] == "due_from_producer"
    assert [i["amount"]["amount_minor"] for i in now["instalments"]] == [
        shortfall // 3 + (1 if k < shortfall % 3 else 0) for k in range(3)
    ]
    assert [i["due_on"] for i in now["instalments"]] == [
        (clock.today() + dt.timedelta(days=30 * k)).isoformat() for k in (1, 2, 3)
    ]
    # The buyer pays what is left of the invoice; the producer repays the rest.
    paid = await act(
        client, c.officer, advance, "buyer-payments", {"amount_minor": total - refund, "reference": "Görlitz"}
    )
    assert paid["outstanding"]["amount_minor"] == shortfall
    assert paid["owed_to_producer"]["amount_minor"] == 0
    over = await client.post(
        f"/api/v1/advances/{advance['id']}/repayments",
        json={"amount_minor": shortfall + 1, "reference": "too much"},
        headers=c.officer.headers,
    )
    assert over.status_code == 422
    done = await act(client, c.officer, advance, "repayments", {"amount_minor": shortfall, "reference": "producer"})
    assert (done["status"], done["outstanding"]["amount_minor"], done["repaid"]["amount_minor"]) == ("repaid", 0, owed)


async def test_cancelling_the_order_withdraws_a_request_and_makes_a_paid_out_advance_due_from_the_producer(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m = market
    asked_order = await confirmed_order(client, m)
    requested = await ask(client, m, asked_order)
    cancelled = await client.post(
        f"/api/v1/orders/{asked_order['id']}/cancel", json={"note": "out of jars"}, headers=m.honey_maker.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    withdrawn = (await client.get(f"/api/v1/advances/{requested['id']}", headers=m.honey_maker.headers)).json()
    assert (withdrawn["status"], withdrawn["reason"]) == ("withdrawn", "the order was cancelled")

    order = await confirmed_order(client, m)
    advance = await paid_out(client, m, consortium, order)
    assert (
        await client.post(
            f"/api/v1/orders/{order['id']}/cancel", json={"note": "buyer changed mind"}, headers=m.buyer.headers
        )
    ).status_code == 200
    owing = (await client.get(f"/api/v1/advances/{advance['id']}", headers=m.honey_maker.headers)).json()
    assert owing["status"] == "due_from_producer"
    assert sum(i["amount"]["amount_minor"] for i in owing["instalments"]) == advance["outstanding"]["amount_minor"]


async def test_an_unpaid_advance_falls_into_arrears_and_is_written_off_against_the_guarantee_fund(
    client: Client, market: Market, consortium: Consortium, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m, c = market, consortium
    order = await confirmed_order(client, m)
    advance = await paid_out(client, m, c, order)
    currency, principal, fee = (
        advance["principal"]["currency"],
        advance["principal"]["amount_minor"],
        advance["fee"]["amount_minor"],
    )
    due = dt.date.fromisoformat(advance["due_on"])
    async with transaction(sessions) as session:
        await review(session, due)
    assert (await client.get(f"/api/v1/advances/{advance['id']}", headers=m.honey_maker.headers)).json()[
        "status"
    ] == "disbursed"
    async with transaction(sessions) as session:
        await review(session, due + dt.timedelta(days=1))
    late = (await client.get(f"/api/v1/advances/{advance['id']}", headers=m.honey_maker.headers)).json()
    assert (late["status"], late["in_arrears_since"]) == ("in_arrears", due.isoformat())
    assert balance(await books(client, c, currency), "advances_in_arrears") == principal
    async with transaction(sessions) as session:
        await review(session, due + dt.timedelta(days=60))
    gone = (await client.get(f"/api/v1/advances/{advance['id']}", headers=m.honey_maker.headers)).json()
    assert (gone["status"], gone["outstanding"]["amount_minor"], gone["written_off"]["amount_minor"]) == (
        "written_off",
        0,
        principal + fee,
    )
    book = await books(client, c, currency)
    goerlitz, zgorzelec = c.funders["Stadt Görlitz"], c.funders["Miasto Zgorzelec"]
    # The loss is borne 60/40 by the guarantee shares; the lenders' cash is made whole; the unpaid fee is not income.
    assert balance(book, "write_offs", goerlitz) + balance(book, "write_offs", zgorzelec) == principal
    assert abs(10 * balance(book, "write_offs", goerlitz) - 6 * principal) < 10
    assert balance(book, "guarantee_cash") == 2 * GUARANTEE[currency] - principal
    assert balance(book, "cash") == 2 * CAPITAL[currency]
    assert balance(book, "fee_income") == balance(book, "fees_receivable") == balance(book, "advances_in_arrears") == 0
    assert gone["fee"]["amount_minor"] == fee > 0
    # The town pays after all: the guarantee money comes back first, the rest is the producer's.
    total = order["total"]["amount_minor"]
    recovered = await act(client, c.officer, advance, "buyer-payments", {"amount_minor": total, "reference": "late"})
    assert (recovered["status"], recovered["owed_to_producer"]["amount_minor"]) == ("written_off", total - principal)
    book = await books(client, c, currency)
    assert balance(book, "guarantee_cash") == 2 * GUARANTEE[currency]
    assert balance(book, "write_offs") == 0
    invoice = await client.get(f"/api/v1/invoices/{order['invoice']['id']}", headers=m.buyer.headers)
    assert invoice.json()["status"] == "paid"
    # The producer's record still stops new advances.
    again = await confirmed_order(client, m)
    offer = (
        await client.get("/api/v1/advances/offer", params={"order_id": again["id"]}, headers=m.honey_maker.headers)
    ).json()
    assert "written_off" in {refusal["code"] for refusal in offer["refusals"]}


async def test_a_repeated_payout_with_the_same_key_is_booked_once(
    client: Client, market: Market, consortium: Consortium
) -> None:
    order = await confirmed_order(client, market)
    advance = await ask(client, market, order)
    await act(client, consortium.officer, advance, "decisions", {"approve": True, "reason": "fine"})
    headers = {**consortium.officer.headers, "Idempotency-Key": f"payout-{uuid.uuid4()}"}
    url = f"/api/v1/advances/{advance['id']}/disbursement"
    first = await client.post(url, json={"reference": "SEPA 7"}, headers=headers)
    second = await client.post(url, json={"reference": "SEPA 7"}, headers=headers)
    assert (first.status_code, second.status_code, second.headers.get("Idempotent-Replayed")) == (200, 200, "true")
    assert second.json()["entries"] == first.json()["entries"]
    assert [entry["kind"] for entry in second.json()["entries"]] == ["disbursement"]


async def test_the_journal_refuses_an_entry_that_does_not_balance_and_any_change_to_a_line(
    client: Client, market: Market, consortium: Consortium, sessions: async_sessionmaker[AsyncSession]
) -> None:
    funder = uuid.UUID(consortium.funders["Stadt Görlitz"])

    async def write_unbalanced() -> None:
        entry_id = uuid.uuid4()
        async with transaction(sessions) as session:
            session.add(
                JournalEntry(
                    id=entry_id,
                    consortium_id=uuid.UUID(consortium.id),
                    currency="EUR",
                    kind="commitment",
                    booked_on=clock.today(),
                )
            )
            await session.flush()
            session.add(JournalLine(entry_id=entry_id, account="cash", funder_id=funder, amount_minor=100))
            session.add(JournalLine(entry_id=entry_id, account="capital", funder_id=funder, amount_minor=-99))

    async def change_a_line() -> None:
        async with transaction(sessions) as session:
            await session.execute(text("UPDATE marketplace.journal_line SET amount_minor = amount_minor + 1"))

    with pytest.raises(IntegrityError, match="does not balance"):
        await write_unbalanced()
    with pytest.raises(DBAPIError, match="append-only"):
        await change_a_line()
    # The consortium's books are as the commitments left them.
    assert balance(await books(client, consortium, "EUR"), "cash") == 2 * CAPITAL["EUR"]


async def test_the_report_gives_the_municipalities_flows_portfolio_at_risk_exposures_and_funders(
    client: Client, market: Market, consortium: Consortium, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m, c = market, consortium
    repaid_order, late_order = await confirmed_order(client, m), await confirmed_order(client, m, "30")
    repaid = await paid_out(client, m, c, repaid_order)
    total = repaid_order["total"]["amount_minor"]
    await act(client, c.officer, repaid, "buyer-payments", {"amount_minor": total, "reference": "Görlitz"})
    late = await paid_out(client, m, c, late_order)
    due = dt.date.fromisoformat(late["due_on"])
    async with transaction(sessions) as session:
        await review(session, due + dt.timedelta(days=1))
    currency = repaid["principal"]["currency"]
    to = (due + dt.timedelta(days=125)).strftime("%Y-%m")
    url = f"/api/v1/consortia/{c.id}/report"
    response = await client.get(url, params={"to": to}, headers=c.officer.headers)
    assert response.status_code == 200, response.text
    report = response.json()
    [portfolio] = [row for row in report["currencies"] if row["currency"] == currency]
    late_principal = late["principal"]["amount_minor"]
    assert (portfolio["outstanding_minor"], portfolio["par30_minor"], portfolio["par90_minor"]) == (
        late_principal,
        late_principal,
        late_principal,
    )
    assert portfolio["par90_percent"] == "100.00"
    # A Polish producer selling to a German town: all of it crossed the border; no verified attributes.
    assert (portfolio["cross_border_percent"], portfolio["women_led_percent"]) == ("100.00", "0.00")
    [whole] = [row for row in report["months"] if row["currency"] == currency and row["month"] is None]
    fees = repaid["fee"]["amount_minor"]
    assert (
        whole["advances_disbursed"],
        whole["disbursed_minor"],
        whole["repaid_minor"],
        whole["fee_income_minor"],
    ) == (
        2,
        repaid["principal"]["amount_minor"] + late_principal,
        repaid["principal"]["amount_minor"] + fees,
        fees,
    )
    assert [row["outstanding_minor"] for row in report["producers"] if row["currency"] == currency] == [late_principal]
    assert {row["legal_name"] for row in report["buyers"]} == {m.buyer_org["legal_name"]}
    funders = [row for row in report["funders"] if row["currency"] == currency]
    assert sum(row["lent_minor"] for row in funders) == late_principal
    assert sum(row["capital_minor"] for row in funders) == 2 * CAPITAL[currency]
    converted = report["in_reporting_currency"]
    assert converted is not None
    rate = (
        Decimal(next(r["rate"] for r in converted["rates"] if r["currency"] == currency))
        if currency != converted["currency"]
        else Decimal(1)
    )
    assert abs(converted["outstanding_minor"] - int(late_principal * rate)) <= 1
    csv = await client.get(url, params={"to": to, "format": "csv", "table": "months"}, headers=c.officer.headers)
    assert csv.status_code == 200, csv.text
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("month,currency,advances_disbursed")
    assert len(lines) == 1 + len(report["months"])
    chart = await client.get(
        f"{url}/charts/flows.svg", params={"to": to, "currency": currency}, headers=c.officer.headers
    )
    assert (chart.status_code, chart.headers["content-type"]) == (200, "image/svg+xml")
    assert c.body["name"] in chart.text
    unknown = await client.get(f"{url}/charts/flows.svg", params={"currency": "USD"}, headers=c.officer.headers)
    assert (unknown.status_code, unknown.json()["errors"][0]["field"]) == (422, "query:currency")
    nobody = await client.get(url, headers=m.coordinator.headers)
    assert nobody.status_code == 404


async def test_the_public_sees_a_consortiums_aggregates_only_when_enough_organisations_stand_behind_them(
    client: Client, market: Market, consortium: Consortium, sessions: async_sessionmaker[AsyncSession]
) -> None:
    advance = await paid_out(client, market, consortium, await confirmed_order(client, market))
    currency, principal = advance["principal"]["currency"], advance["principal"]["amount_minor"]
    public = await client.get(f"/api/v1/consortia/{consortium.id}/open-data")
    assert public.status_code == 200, public.text
    [row] = [row for row in public.json()["currencies"] if row["currency"] == currency]
    # One producer and one buyer: nothing of their borrowing is shown, only that they are too few.
    assert (row["producers"], row["buyers"], row["suppressed"], row["disbursed_minor"]) == (1, 1, True, None)
    assert "legal_name" not in public.text
    odd = await client.get(f"/api/v1/consortia/{consortium.id}/open-data", params={"year": 1900})
    assert (odd.status_code, odd.json()["errors"][0]["field"]) == (422, "query:year")
    async with transaction(sessions) as session:
        found = await session.get(ConsortiumRow, uuid.UUID(consortium.id))
        assert found is not None
        shown = await open_data(session, found, clock.today().year, minimum=1)
    [row] = [row for row in shown.currencies if row.currency == currency]
    assert (row.suppressed, row.disbursed_minor, row.outstanding_minor) == (False, principal, principal)


async def test_a_write_off_takes_only_the_guarantee_money_there_is_when_it_falls_short(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m = market
    c = await create_consortium(client, m, fund=False)
    goerlitz, zgorzelec = c.funders["Stadt Görlitz"], c.funders["Miasto Zgorzelec"]
    order = await confirmed_order(client, m)
    currency = order["total"]["currency"]
    await commit(client, c, goerlitz, currency, 1_000_000, guarantee=1_000)
    await commit(client, c, zgorzelec, currency, 1_000_000)
    advance = await paid_out(client, m, c, order)
    principal = advance["principal"]["amount_minor"]
    due = dt.date.fromisoformat(advance["due_on"])
    async with transaction(sessions) as session:
        await review(session, due + dt.timedelta(days=1))
    async with transaction(sessions) as session:
        await review(session, due + dt.timedelta(days=61))
    book = await books(client, c, currency)
    # Görlitz's 60 % share is paid from its guarantee money only as far as the 10.00 it put up;
    # Zgorzelec put up none. The lenders bear the rest, and nothing is lent that is not there.
    assert balance(book, "guarantee_cash") == 0
    assert balance(book, "cash") == 2_000_000 - principal + 1_000
    assert balance(book, "write_offs") == principal
    assert book["cash_available"]["amount_minor"] == 2_000_000 - principal + 1_000


async def test_an_officer_does_not_act_on_an_advance_of_their_own_organisation(client: Client, market: Market) -> None:
    m = market
    # The town's buyer is also one of the consortium's loan officers.
    second = await register(client)
    created = await client.post(
        "/api/v1/consortia", json=consortium_body(m, [m.buyer, second]), headers=m.coordinator.headers
    )
    assert created.status_code == 201, created.text
    body = created.json()
    lenders = Consortium(body=body, officer=second, second_officer=m.buyer, funders={})
    order = await confirmed_order(client, m)
    await commit(client, lenders, body["funders"][0]["id"], order["total"]["currency"], 1_000_000)
    advance = await ask(client, m, order)
    refused = await client.post(
        f"/api/v1/advances/{advance['id']}/decisions",
        json={"approve": True, "reason": "my own town pays"},
        headers=m.buyer.headers,
    )
    assert (refused.status_code, refused.json()["type"].split("/")[-1]) == (403, "not-an-officer")
    approved = await act(client, second, advance, "decisions", {"approve": True, "reason": "ok"})
    assert approved["status"] == "approved"


async def test_a_producer_behind_on_an_instalment_falls_into_arrears_and_out_again_when_up_to_date(
    client: Client, market: Market, consortium: Consortium, sessions: async_sessionmaker[AsyncSession]
) -> None:
    m, c = market, consortium
    order = await confirmed_order(client, m)
    advance = await paid_out(client, m, c, order)
    cancelled = await client.post(
        f"/api/v1/orders/{order['id']}/cancel", json={"note": "closed"}, headers=m.buyer.headers
    )
    assert cancelled.status_code == 200, cancelled.text
    owing = (await client.get(f"/api/v1/advances/{advance['id']}", headers=m.honey_maker.headers)).json()
    first = owing["instalments"][0]
    late_day = dt.date.fromisoformat(first["due_on"]) + dt.timedelta(days=1)
    async with transaction(sessions) as session:
        await review(session, late_day)
    behind = (await client.get(f"/api/v1/advances/{advance['id']}", headers=m.honey_maker.headers)).json()
    assert (behind["status"], behind["in_arrears_since"]) == ("in_arrears", first["due_on"])
    await act(
        client, c.officer, advance, "repayments", {"amount_minor": first["amount"]["amount_minor"], "reference": "1/3"}
    )
    async with transaction(sessions) as session:
        await review(session, late_day + dt.timedelta(days=1))
    again = (await client.get(f"/api/v1/advances/{advance['id']}", headers=m.honey_maker.headers)).json()
    assert (again["status"], again["in_arrears_since"]) == ("due_from_producer", None)
    assert balance(await books(client, c, advance["principal"]["currency"]), "advances_in_arrears") == 0


async def test_an_advanced_invoice_tells_the_buyer_to_pay_the_consortium_in_its_documents(
    client: Client, market: Market, consortium: Consortium
) -> None:
    m = market
    await set_billing(
        client,
        m.honey_maker,
        m.producer_a,
        vat_number="PL5260250274",
        street="ul. Daszyńskiego 12",
        postal_code="59-900",
        iban="PL27114020040000300201355387",
        invoice_email="faktury@pasieka.example",
        phone="+48 75 775 12 34",
    )
    await set_billing(
        client,
        m.buyer,
        m.buyer_org,
        vat_number="DE136695976",
        street="Untermarkt 6",
        postal_code="02826",
        leitweg_id="04011000-1234512345-06",
        invoice_email="rechnungseingang@goerlitz.example",
    )
    order = await confirmed_order(client, m)
    url = f"/api/v1/invoices/{order['invoice']['id']}"
    before = (await client.get(f"{url}/xrechnung", headers=m.buyer.headers)).content
    assert b"PL27114020040000300201355387" in before
    await paid_out(client, m, consortium, order)
    xml = (await client.get(f"{url}/xrechnung", headers=m.buyer.headers)).content
    assert errors(validate(xml)) == []
    # The payee (BG-10) is the consortium, and the account to pay is its collection account.
    assert consortium.body["name"].encode() in xml
    assert b"PL61109010140000071219812874" in xml
    assert b"PL27114020040000300201355387" not in xml
    pdf = (await client.get(f"{url}/pdf", headers=m.buyer.headers)).content
    text = " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Abtretungsanzeige" in text  # the buyer's language, beside the seller's
    assert "PL61 1090 1014 0000 0712 1981 2874" in text
