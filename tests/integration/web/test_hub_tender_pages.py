"""The coordinator's tender pages before the award: a tender created from a closed pool with the
form, published, amended with a reason that the change log shows, cancelled with a reason; bad
input named on its field; who may bid and what each producer lacks; nothing of a bid before the
deadline; buyers and other hubs' coordinators find no such page."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from html.parser import HTMLParser
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from tests.factories.compliance import verified_credential
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
    published_tender,
)
from tests.integration.web.pages import csrf_of, sign_in_page

Client = AsyncTestClient[Litestar]
Fields = dict[str, list[str]]


class _FormReader(HTMLParser):
    """The fields a browser would send with the form posting to `action`: inputs with their values
    (boxes and radio buttons only when checked), text areas with their text."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}
        self.area: str | None = None
        self.fields: Fields

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag == "form":
            self.inside = named.get("action") == self.action
        elif self.inside and tag == "input" and named.get("name"):
            kind = named.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in named:
                return
            self.fields.setdefault(str(named["name"]), []).append(named.get("value") or "")
        elif self.inside and tag == "textarea":
            self.area = str(named.get("name"))
            self.fields[self.area] = [""]

    def handle_data(self, data: str) -> None:
        if self.area is not None:
            self.fields[self.area][0] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "textarea":
            self.area = None


def form_fields(html: str, action: str) -> Fields:
    reader = _FormReader(action)
    reader.feed(html)
    assert reader.fields, f"the page has no form posting to {action}"
    return reader.fields


async def post_form(
    client: Client, form_page: str, action: str, changes: dict[str, str | list[str]], **headers: str
) -> httpx.Response:
    """Open `form_page`, fill in its form to `action` (its values as shown, `changes` changed) and
    post it as a browser would (not following the redirect)."""
    shown = await client.get(form_page, headers=headers)
    assert shown.status_code == 200, shown.text
    fields = form_fields(shown.text, action)
    for name, value in changes.items():
        fields[name] = value if isinstance(value, list) else [value]
    fields["_csrf_token"] = [csrf_of(shown.text)]
    return await client.post(action, data=fields, headers=headers, follow_redirects=False)


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    response = await sign_in_page(client, account.email, PASSWORD)
    assert response.status_code == 303, response.text


def hub_path(p: Procurement) -> str:
    return f"/hubs/{p.hub['id']}/tenders"


def in_days(days: int) -> dt.date:
    return clock.today() + dt.timedelta(days=days)


async def draft_of(client: Client, p: Procurement, tender_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/tenders/{tender_id}/draft", headers=p.coordinator.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def new_tender_fields(deadline: dt.date, **changes: str | list[str]) -> dict[str, str | list[str]]:
    fields: dict[str, str | list[str]] = {
        "bid_deadline_date": deadline.isoformat(),
        "bid_deadline_time": "12:00",
        "award_method": "lowest_evaluated_price",
        "preference_margin_percent": "10",
        "required_credential_types": ["organic"],
        "max_share_percent": "70",
        "min_award_quantity": "10",
        "max_lots_per_supplier": "2",
        "description": "Deliveries between 7 and 11 am",
    }
    fields.update(changes)
    return fields


async def create_on_page(
    client: Client, p: Procurement, pool: dict[str, Any], deadline: dt.date, **headers: str
) -> str:
    """The tender created with the form from `pool` (`new_tender_fields`); its id."""
    form_page = f"{hub_path(p)}/new?pool={pool['id']}"
    created = await post_form(client, form_page, hub_path(p), new_tender_fields(deadline), **headers)
    assert created.status_code == 303, created.text
    found = re.fullmatch(rf"{hub_path(p)}/([0-9a-f-]+)\?notice=tender-created", created.headers["location"])
    assert found is not None, created.headers["location"]
    return found.group(1)


async def test_a_coordinator_creates_a_tender_from_a_closed_pool_with_the_form(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await closed_pool(client, p)
    await signed_in(client, p.coordinator)

    chooser = await client.get(f"{hub_path(p)}/new")
    assert chooser.status_code == 200, chooser.text
    assert f"/tenders/new?pool={pool['id']}" in chooser.text
    shown = await client.get(f"{hub_path(p)}/new?pool={pool['id']}")
    assert shown.status_code == 200, shown.text
    for said in ("Görlitz, Bauhof", "120 kg", "60 kg", "Organic certificate", "Preference margin (percent)"):
        assert said in shown.text
    assert "KGM" not in shown.text

    # Read in Polish, the day and time are Warsaw's.
    deadline = in_days(10)
    tender_id = await create_on_page(client, p, pool, deadline, **{"accept-language": "pl"})
    tender = await draft_of(client, p, tender_id)
    assert tender["status"] == "draft"
    assert [(lot["name"], lot["quantity"]) for lot in tender["lots"]] == [
        ("Görlitz, Bauhof", "120.000"),
        ("Zgorzelec, Ratusz", "60.000"),
    ]
    warsaw_noon = dt.datetime.combine(deadline, dt.time(12, 0), tzinfo=zoneinfo.ZoneInfo("Europe/Warsaw"))
    assert dt.datetime.fromisoformat(tender["bid_deadline"]) == warsaw_noon
    terms = [tender[key] for key in ("award_method", "preference_margin_percent", "required_credential_types")]
    assert terms == ["lowest_evaluated_price", "10.00", ["organic"]]
    limits = [tender[key] for key in ("max_share_percent", "min_award_quantity", "max_lots_per_supplier")]
    assert limits == ["70.00", "10.000", 2]
    assert tender["description"] == "Deliveries between 7 and 11 am"

    page = (await client.get(f"{hub_path(p)}/{tender_id}")).text
    for said in ("Draft: not public yet", "Lowest price, preferring inclusive suppliers", "10%", "70%", tender["ocid"]):
        assert said in page
    listed = (await client.get(hub_path(p))).text
    for said in ("Drafts", "Honig für Schulküchen", "2 lots"):
        assert said in listed


async def test_a_coordinator_publishes_a_tender_and_amends_its_deadline_with_a_reason_the_log_shows(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await closed_pool(client, p)
    await signed_in(client, p.coordinator)
    tender_id = await create_on_page(client, p, pool, in_days(10))
    tender_page = f"{hub_path(p)}/{tender_id}"

    published = await post_form(client, tender_page, f"{tender_page}/publish", {})
    assert published.status_code == 303, published.text
    assert (await draft_of(client, p, tender_id))["status"] == "published"
    assert "Published: open for bids" in (await client.get(tender_page)).text

    later = in_days(12)
    amended = await post_form(
        client,
        f"{tender_page}/amend",
        f"{tender_page}/amendments",
        {"bid_deadline_date": later.isoformat(), "rationale": "Producers asked for two more days"},
    )
    assert amended.status_code == 303, amended.text
    tender = await draft_of(client, p, tender_id)
    [amendment] = tender["amendments"]
    assert [change["field"] for change in amendment["changes"]] == ["bid_deadline"]
    assert amendment["material"] is False  # the terms sent back as shown changed nothing
    assert dt.datetime.fromisoformat(tender["bid_deadline"]).date() == later

    log = (await client.get(tender_page)).text
    for said in ("Change log", "Amendment 1 of", "Producers asked for two more days", "Bid deadline: from"):
        assert said in log
    assert "Test User" in log  # who amended it

    unchanged = await post_form(
        client, f"{tender_page}/amend", f"{tender_page}/amendments", {"rationale": "Nothing really"}
    )
    assert unchanged.status_code == 409, unchanged.text
    assert "Nothing was changed." in unchanged.text


async def test_a_coordinator_cancels_a_tender_with_a_reason_and_is_asked_for_one(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    tender = await published_tender(client, p, await closed_pool(client, p))
    await signed_in(client, p.coordinator)
    tender_page = f"{hub_path(p)}/{tender['id']}"
    action = f"{tender_page}/cancel"

    refused = await post_form(client, tender_page, action, {"reason": ""})
    assert refused.status_code == 422, refused.text
    assert 'id="f-reason-error"' in refused.text
    assert "Please fill this in." in refused.text
    assert (await draft_of(client, p, tender["id"]))["status"] == "published"

    cancelled = await post_form(client, tender_page, action, {"reason": "The school kitchens closed for renovation"})
    assert cancelled.status_code == 303, cancelled.text
    read = await draft_of(client, p, tender["id"])
    assert (read["status"], read["cancellation_reason"]) == ("cancelled", "The school kitchens closed for renovation")
    shown = (await client.get(tender_page)).text
    assert "The school kitchens closed for renovation" in shown
    assert "Reason for cancelling" in shown
    assert f'action="{action}"' not in shown  # nothing left to cancel
    listed = (await client.get(hub_path(p))).text
    assert 'id="tenders-cancelled"' in listed


async def test_bad_terms_are_named_on_their_fields_and_the_values_kept(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await closed_pool(client, p)
    await signed_in(client, p.coordinator)
    form_page = f"{hub_path(p)}/new?pool={pool['id']}"

    not_a_number = await post_form(
        client, form_page, hub_path(p), new_tender_fields(in_days(10), preference_margin_percent="abc")
    )
    assert not_a_number.status_code == 422, not_a_number.text
    assert 'id="f-preference_margin_percent-error"' in not_a_number.text
    assert "Enter a number, like 12.50." in not_a_number.text
    assert 'value="abc"' in not_a_number.text  # kept, to be corrected
    assert "Deliveries between 7 and 11 am" in not_a_number.text
    assert 'href="#f-preference_margin_percent"' in not_a_number.text

    past = await post_form(client, form_page, hub_path(p), new_tender_fields(in_days(-1)))
    assert past.status_code == 422, past.text
    assert 'id="f-bid_deadline_date-error"' in past.text
    assert "Choose a time in the future." in past.text

    no_margin = await post_form(
        client, form_page, hub_path(p), new_tender_fields(in_days(10), preference_margin_percent="")
    )
    assert no_margin.status_code == 422, no_margin.text
    assert "To prefer inclusive suppliers, give a margin above 0 and below 100 percent." in no_margin.text

    listed = await client.get(f"/api/v1/hubs/{p.hub['id']}/tenders", headers=p.coordinator.headers)
    assert listed.json()["total"] == 0


async def test_who_may_bid_names_each_producer_and_the_credentials_it_lacks(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    # A Polish organic certificate counts in Poland (lot 2), not in Saxony (lot 1): no recognition.
    await verified_credential(client, m.hub, m.honey_maker, p.coordinator, m.producer_a, credential_type="organic")
    tender = await published_tender(client, p, await closed_pool(client, p), required_credential_types=["organic"])
    await signed_in(client, p.coordinator)

    shown = (await client.get(f"{hub_path(p)}/{tender['id']}")).text
    section = shown[shown.index('id="bidders-heading"') :]
    row_a = section[
        section.index(m.producer_a["legal_name"]) : section.index("</tr>", section.index(m.producer_a["legal_name"]))
    ]
    row_b = section[
        section.index(m.producer_b["legal_name"]) : section.index("</tr>", section.index(m.producer_b["legal_name"]))
    ]
    assert "Only on lot 2" in row_a
    assert "Lot 1 (Görlitz, Bauhof): Organic certificate" in row_a
    assert "Lot 2" not in row_a
    assert "Lot 1 (Görlitz, Bauhof): Organic certificate" in row_b
    assert "Lot 2 (Zgorzelec, Ratusz): Organic certificate" in row_b
    assert m.buyer_org["legal_name"] not in section  # buyers do not bid
    assert p.hotel_org["legal_name"] not in section


async def test_before_the_deadline_no_page_shows_a_bid(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    m = p.market
    tender = await published_tender(client, p, await closed_pool(client, p))
    await bid(client, m.honey_maker, tender, m.producer_a, bid_body(tender, ["13.37", "13.37"]))
    await signed_in(client, p.coordinator)

    for path in (hub_path(p), f"{hub_path(p)}/{tender['id']}", f"{hub_path(p)}/{tender['id']}/amend"):
        shown = await client.get(path)
        assert shown.status_code == 200, shown.text
        assert "13.37" not in shown.text
        assert "13,37" not in shown.text
        assert "bid was received" not in shown.text
        assert "bids were received" not in shown.text
        assert f"/tenders/{tender['id']}/award" not in shown.text  # no evaluation before the deadline


async def test_buyers_are_refused_and_other_hubs_tenders_are_not_found(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p, minimum_total_quantity=None)
    await commit(client, p.market.buyer, pool, p.market.buyer_org, 0, "50")
    closed = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    tender = await published_tender(client, p, closed.json())
    draft = await client.post(
        "/api/v1/tenders",
        json={
            "pool_id": (await closed_pool(client, p))["id"],
            "bid_deadline": (clock.now() + dt.timedelta(days=3)).isoformat(),
        },
        headers=p.coordinator.headers,
    )
    assert draft.status_code == 201, draft.text
    admin = await platform_admin(client, sessions, settings)
    elsewhere = await register(client)
    other_hub = await create_hub(client, admin, [elsewhere, p.coordinator])

    await signed_in(client, p.market.buyer)
    for path in (hub_path(p), f"{hub_path(p)}/{tender['id']}", f"{hub_path(p)}/new?pool={pool['id']}"):
        refused = await client.get(path)
        assert refused.status_code == 403, path
        assert refused.headers["content-type"].startswith("text/html")
        assert "Honig" not in refused.text

    # The coordinator of another hub (and of this one too) finds this hub's tenders under no other hub.
    for coordinator in (elsewhere, p.coordinator):
        await signed_in(client, coordinator)
        for tender_id in (tender["id"], draft.json()["id"]):
            hidden = await client.get(f"/hubs/{other_hub['id']}/tenders/{tender_id}")
            assert hidden.status_code == 404, hidden.text
            assert hidden.headers["content-type"].startswith("text/html")
            assert "Not found" in hidden.text
            assert "Honig" not in hidden.text


async def test_the_amend_form_writes_the_terms_numbers_the_readers_way_and_sends_back_none_unchanged(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await closed_pool(client, p)
    tender = await published_tender(client, p, pool, min_award_quantity="1.125", max_share_percent="12.5")
    await signed_in(client, p.coordinator)
    tender_page = f"{hub_path(p)}/{tender['id']}"
    german = {"accept-language": "de"}

    form = form_fields((await client.get(f"{tender_page}/amend", headers=german)).text, f"{tender_page}/amendments")

    # A German reader reads `1.125` as a thousand one hundred and twenty-five: the form says 1,125.
    assert form["min_award_quantity"] == ["1,125"]
    assert form["max_share_percent"] == ["12,5"]
    later = in_days(2)
    amended = await post_form(
        client,
        f"{tender_page}/amend",
        f"{tender_page}/amendments",
        {"bid_deadline_date": later.isoformat(), "rationale": "Die Imker brauchen einen Tag mehr"},
        **german,
    )
    assert amended.status_code == 303, amended.text
    read = await draft_of(client, p, tender["id"])
    assert [change["field"] for change in read["amendments"][0]["changes"]] == ["bid_deadline"]
    assert (read["min_award_quantity"], read["max_share_percent"]) == ("1.125", "12.50")
