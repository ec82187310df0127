"""The producer's tender pages: a producer finds the tenders of its hubs, prepares a sealed bid per lot,
changes and withdraws it before the deadline, is told what it lacks to bid, and after the deadline
sees its bid as submitted and what it won. Nobody else sees a bid's price before the deadline."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.identity import PASSWORD, Account
from tests.factories.procurement import (
    Procurement,
    bid,
    bid_body,
    build_procurement,
    closed_pool,
    pass_deadline,
    published_tender,
)
from tests.integration.web.pages import csrf_of, sign_in_page, submit

Client = AsyncTestClient[Litestar]
#: The sealed price of the tests: distinctive enough to be found wherever it leaks.
SEALED_PRICE = ("13.37", "13,37")


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    answer = await sign_in_page(client, account.email, PASSWORD)
    assert answer.status_code == 303, answer.text


def lot_fields(number: int, price: str = "", quantity: str = "", lead_time: str = "") -> dict[str, str]:
    return {f"price-{number}": price, f"quantity-{number}": quantity, f"lead_time-{number}": lead_time}


async def bid_on_page(
    client: Client, tender: dict[str, Any], organization: dict[str, Any], fields: dict[str, str], **headers: str
) -> Any:
    """The bid posted with the tender page's form (not following the redirect)."""
    tender_page = f"/tenders/{tender['id']}"
    return await submit(client, tender_page, f"{tender_page}/bids/{organization['id']}", fields, **headers)


async def own_bid(client: Client, account: Account, tender: dict[str, Any], organization: dict[str, Any]) -> Any:
    return await client.get(f"/api/v1/tenders/{tender['id']}/bids/{organization['id']}", headers=account.headers)


async def open_tender(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings, **terms: Any
) -> tuple[Procurement, dict[str, Any]]:
    p = await build_procurement(client, sessions, settings)
    tender = await published_tender(client, p, await closed_pool(client, p), **terms)
    return p, tender


async def test_a_producer_bids_on_one_of_two_lots_changes_the_price_and_withdraws(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await open_tender(client, sessions, settings)
    m = p.market
    await signed_in(client, m.honey_maker)

    listed = await client.get("/tenders")
    assert listed.status_code == 200, listed.text
    assert 'lang="de">Honig für Schulküchen</span>' in listed.text  # its own title, marked as German
    assert "Closes in 1 hour." in listed.text
    assert "Lot 1: 120 kg to Görlitz, Bauhof (Sachsen, Germany)" in listed.text
    assert re.search(r"Lot 2: 60 kg to Zgorzelec, Ratusz \([^)]+, Poland\)", listed.text)
    assert "DE-SN" not in listed.text
    assert "KGM" not in listed.text
    name = m.producer_a["legal_name"]
    assert f"{name} may bid on every lot and has not bid yet." in listed.text

    tender_page = await client.get(f"/tenders/{tender['id']}")
    assert tender_page.status_code == 200, tender_page.text
    assert "Unit price in Euro per kg" in tender_page.text
    assert f"{name} has not bid yet." in tender_page.text

    # Lot 2 only: lot 1 is left empty, which is no offer for it.
    submitted = await bid_on_page(client, tender, m.producer_a, {**lot_fields(2, "11.50", "60", "4")})
    assert submitted.status_code == 303, submitted.text
    shown = await client.get(submitted.headers["location"])
    assert "Your sealed bid is in." in shown.text
    assert f"The bid of {name} is in" in shown.text
    assert 'value="11.50"' in shown.text  # the bid, in its form again, with its cents
    stored = (await own_bid(client, m.honey_maker, tender, m.producer_a)).json()
    assert [
        (line["lot_number"], line["unit_price"], line["max_quantity"], line["lead_time_days"])
        for line in stored["lines"]
    ] == [(2, "11.50", "60.000", 4)]
    assert stored["currency"] == "EUR"
    listed = await client.get("/tenders")
    assert f"{name}: its bid is in" in listed.text

    # Changing the price replaces the whole bid.
    changed = await bid_on_page(client, tender, m.producer_a, {**lot_fields(2, "10.90", "60", "4")})
    assert changed.status_code == 303, changed.text
    shown = await client.get(changed.headers["location"])
    assert "Your bid is replaced by the new one." in shown.text
    stored = (await own_bid(client, m.honey_maker, tender, m.producer_a)).json()
    assert [line["unit_price"] for line in stored["lines"]] == ["10.90"]
    assert stored["revision"] == 2

    withdrawn = await submit(
        client, f"/tenders/{tender['id']}", f"/tenders/{tender['id']}/bids/{m.producer_a['id']}/withdraw", {}
    )
    assert withdrawn.status_code == 303, withdrawn.text
    shown = await client.get(withdrawn.headers["location"])
    assert "Your bid is withdrawn and erased." in shown.text
    assert f"{name} withdrew its bid." in shown.text
    stored = (await own_bid(client, m.honey_maker, tender, m.producer_a)).json()
    assert (stored["status"], stored["lines"]) == ("withdrawn", [])


async def test_bad_input_shows_the_form_again_naming_each_lots_field(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await open_tender(client, sessions, settings)
    m = p.market
    await signed_in(client, m.honey_maker)

    refused = await bid_on_page(client, tender, m.producer_a, {**lot_fields(1, "abc", "50", ""), **lot_fields(2)})
    assert refused.status_code == 422, refused.text
    assert "Lot 1, unit price: Enter a number, like 12.50." in refused.text
    assert "Lot 1, lead time: Please fill this in." in refused.text
    assert 'id="f-price-1-error"' in refused.text
    assert 'id="f-lead_time-1-error"' in refused.text
    assert 'value="abc"' in refused.text  # what was typed is kept
    assert 'value="50"' in refused.text

    negative = await bid_on_page(client, tender, m.producer_a, lot_fields(2, "11", "-5", "3"))
    assert negative.status_code == 422, negative.text
    assert "Lot 2, most you can deliver: Enter a number above zero." in negative.text
    assert 'value="-5"' in negative.text

    nothing = await bid_on_page(client, tender, m.producer_a, {**lot_fields(1), **lot_fields(2)})
    assert nothing.status_code == 422, nothing.text
    assert "Offer for at least one lot" in nothing.text
    assert (await own_bid(client, m.honey_maker, tender, m.producer_a)).status_code == 404  # nothing was taken


async def test_a_producer_lacking_a_required_credential_sees_which_and_the_refusal_in_a_sentence(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await open_tender(client, sessions, settings, required_credential_types=["organic"])
    m = p.market
    name = m.producer_a["legal_name"]
    await signed_in(client, m.honey_maker)

    listed = await client.get("/tenders")
    assert f"{name} may not bid on lot 1 yet: it lacks Organic certificate." in listed.text
    assert f"{name} may not bid on lot 2 yet: it lacks Organic certificate." in listed.text
    tender_page = await client.get(f"/tenders/{tender['id']}")
    assert "<dd>Organic certificate</dd>" in tender_page.text  # required, by name
    assert "organic</" not in tender_page.text  # never the code

    refused = await bid_on_page(client, tender, m.producer_a, lot_fields(1, "11", "50", "3"))
    assert refused.status_code == 422, refused.text
    assert f"The bid was not taken: {name} lacks a permit or certificate that a lot you offered for requires." in (
        refused.text
    )
    assert f"This lot requires Organic certificate, which {name} lacks." in refused.text
    assert 'value="11"' in refused.text
    assert (await own_bid(client, m.honey_maker, tender, m.producer_a)).status_code == 404


async def test_a_member_of_another_organisation_cannot_bid_for_it(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await open_tender(client, sessions, settings)
    m = p.market
    await signed_in(client, m.cheese_maker)  # of producer B, admitted to the same hub

    refused = await bid_on_page(client, tender, m.producer_a, lot_fields(1, "11", "50", "3"))
    assert refused.status_code == 404, refused.text
    assert "This page does not exist, or it is not yours to see." in refused.text
    assert (await own_bid(client, m.honey_maker, tender, m.producer_a)).status_code == 404
    withdraw = await submit(
        client, f"/tenders/{tender['id']}", f"/tenders/{tender['id']}/bids/{m.producer_a['id']}/withdraw", {}
    )
    assert withdraw.status_code == 404, withdraw.text


async def test_after_the_deadline_the_form_is_gone_a_post_is_refused_and_the_award_is_shown(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await open_tender(client, sessions, settings, deadline_in=3)
    m = p.market
    name = m.producer_a["legal_name"]
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["11.00", "11.50"]))
    await signed_in(client, m.honey_maker)
    form_action = f'action="/tenders/{tender["id"]}/bids/{m.producer_a["id"]}"'
    assert form_action in (await client.get(f"/tenders/{tender['id']}")).text
    await pass_deadline(tender, sessions, settings)

    shown = await client.get(f"/tenders/{tender['id']}")
    assert shown.status_code == 200, shown.text
    assert form_action not in shown.text
    assert f"The bid of {name}, as submitted on" in shown.text
    assert "€11.00 per kg" in shown.text
    assert "€11.50 per kg" in shown.text
    assert "The bids are opened and being evaluated." in shown.text

    late = await client.post(
        f"/tenders/{tender['id']}/bids/{m.producer_a['id']}",
        data={"_csrf_token": csrf_of(shown.text), **lot_fields(1, "9", "50", "3")},
        follow_redirects=False,
    )
    assert late.status_code == 409, late.text
    assert "Bids closed at the deadline" in late.text
    stored = (await own_bid(client, m.honey_maker, tender, m.producer_a)).json()
    assert [line["unit_price"] for line in stored["lines"]] == ["11.00", "11.50"]  # unchanged

    base = f"/api/v1/tenders/{tender['id']}"
    evaluated = await client.post(f"{base}/evaluation", headers=p.coordinator.headers)
    assert evaluated.status_code == 200, evaluated.text
    shown = await client.get(f"/tenders/{tender['id']}")
    assert "reviewing the proposed award" in shown.text
    confirmed = await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)
    assert confirmed.status_code == 200, confirmed.text
    shown = await client.get(f"/tenders/{tender['id']}")
    assert f"What {name} won" in shown.text
    assert "120 kg" in shown.text
    assert "60 kg" in shown.text
    assert 'href="/orders"' in shown.text


async def test_a_sealed_price_is_shown_to_no_one_but_the_bidders_own_organisation_before_the_deadline(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await open_tender(client, sessions, settings)
    m = p.market
    await signed_in(client, m.honey_maker)
    submitted = await bid_on_page(client, tender, m.producer_a, lot_fields(1, "13.37", "100", "5"))
    assert submitted.status_code == 303, submitted.text
    own = await client.get(f"/tenders/{tender['id']}")
    assert "13.37" in own.text  # the bidder sees its own price (so the checks below can fail)

    pages = [f"/tenders/{tender['id']}", "/tenders", f"/tenders/{tender['id']}?organization={m.producer_a['id']}"]
    for account in (m.cheese_maker, p.coordinator):  # a rival producer of the hub; the hub's coordinator
        await signed_in(client, account)
        for path in pages:
            for language in ("en", "de"):
                seen = await client.get(path, headers={"Accept-Language": language})
                assert seen.status_code == 200, seen.text
                for written in SEALED_PRICE:
                    assert written not in seen.text, (account, path, language)
        rival_page = await client.get(f"/tenders/{tender['id']}")
        assert m.producer_a["legal_name"] not in rival_page.text  # not even who bid
    # The rival's own form is empty.
    await signed_in(client, m.cheese_maker)
    rival_form = await client.get(f"/tenders/{tender['id']}")
    assert re.search(r'name="price-1" type="text"\s+value=""', rival_form.text)


async def test_the_list_shows_the_tenders_open_for_bids_before_the_past_ones(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    pool = await closed_pool(client, p)
    cancelled = await published_tender(client, p, pool, deadline_in=7200)
    answer = await client.post(
        f"/api/v1/tenders/{cancelled['id']}/cancel", json={"reason": "Wrong quantities"}, headers=p.coordinator.headers
    )
    assert answer.status_code == 200, answer.text
    open_one = await published_tender(client, p, pool)  # the cancelled tender freed the pool
    await signed_in(client, m.cheese_maker)

    listed = await client.get("/tenders")
    assert listed.status_code == 200, listed.text
    text = listed.text
    open_at, past_at = text.index("<h2>Open for offers</h2>"), text.index("<h2>Past tenders</h2>")
    assert open_at < text.index(f'href="/tenders/{open_one["id"]}"') < past_at
    assert past_at < text.index(f'href="/tenders/{cancelled["id"]}"')
    assert "<dd>Cancelled</dd>" in text
    assert f"{m.producer_b['legal_name']} did not bid on this tender." in text
