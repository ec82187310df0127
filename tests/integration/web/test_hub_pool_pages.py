"""The coordinator's demand pool pages: a coordinator opens a pool with the page's form, watches the
commitments come in per delivery point (with each buyer's name), closes the window early and is led
on to the tender; bad input is named field by field; buyers may not see these pages, and another
hub's pool is not found under this hub's address."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from tests.factories.identity import PASSWORD, Account
from tests.factories.organization import create_hub, platform_admin
from tests.factories.procurement import Procurement, build_procurement, commit, open_pool
from tests.integration.web.pages import csrf_of, sign_in_page, submit

Client = AsyncTestClient[Litestar]


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    answer = await sign_in_page(client, account.email, PASSWORD)
    assert answer.status_code == 303, answer.text


def in_days(days: int) -> str:
    """A day from today, as a date field sends it (an English reader's times are in UTC)."""
    return (clock.now().astimezone(dt.UTC).date() + dt.timedelta(days=days)).isoformat()


def pool_form(**overrides: str) -> dict[str, str]:
    """The new pool form as a coordinator fills it in: two of its three delivery point rows."""
    fields = {
        "title-de": "Äpfel für Schulküchen",
        "description-de": "Tafeläpfel, Klasse I",
        "title-pl": "Jabłka dla stołówek szkolnych",
        "description-pl": "",
        "scheme": "CPV",
        "code": "CPV 03142100-9",  # picked from the suggestions, by name
        "unit": "KGM",
        "quality_notes": "Harvest of this year",
        "point_rows": "3",
        "point-0-name": "Görlitz, Schulküche",
        "point-0-jurisdiction": "DE-SN",
        "point-0-address": "Untermarkt 6",
        "point-1-name": "",
        "point-1-jurisdiction": "",
        "point-1-address": "",
        "point-2-name": "Zgorzelec, Ratusz",
        "point-2-jurisdiction": "PL-02",
        "point-2-address": "",
        "opens_date": "",
        "opens_time": "",
        "closes_date": in_days(3),
        "closes_time": "12:00",
        "currency": "EUR",
        "reserve_unit_price": "3.20",
        "minimum_total_quantity": "500",
    }
    fields.update(overrides)
    return fields


async def hub_pools(client: Client, p: Procurement) -> list[dict[str, Any]]:
    listed = await client.get("/api/v1/pools", params={"hub_id": p.hub["id"]}, headers=p.coordinator.headers)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def test_a_coordinator_opens_a_pool_with_the_form(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    hub_id = p.hub["id"]
    await signed_in(client, p.coordinator)
    form_page = f"/hubs/{hub_id}/pools/new"

    shown = await client.get(form_page)
    assert shown.status_code == 200, shown.text
    assert "Title in German" in shown.text
    assert "Title in Polish" in shown.text
    assert ">Sachsen, Germany</option>" in shown.text  # regions by name
    assert ">Dolnośląskie, Poland</option>" in shown.text
    assert ">kg</option>" in shown.text  # units by name
    assert "Euro (EUR)" in shown.text
    assert "Times are in Coordinated Universal Time." in shown.text

    opened = await submit(client, form_page, f"/hubs/{hub_id}/pools", pool_form())

    assert opened.status_code == 303, opened.text
    location = opened.headers["location"]
    assert re.fullmatch(rf"/hubs/{hub_id}/pools/[0-9a-f-]+\?notice=pool-opened", location)
    [pool] = await hub_pools(client, p)
    assert location.startswith(f"/hubs/{hub_id}/pools/{pool['id']}")
    item = pool["item"]
    assert item["translations"] == {
        "de": {"title": "Äpfel für Schulküchen", "description": "Tafeläpfel, Klasse I"},
        "pl": {"title": "Jabłka dla stołówek szkolnych", "description": ""},
    }
    assert item["default_language"] == "de"  # the first one filled in
    assert item["classification"] == {"scheme": "CPV", "code": "03142100-9"}
    assert item["unit"] == "KGM"
    assert item["quality_notes"] == "Harvest of this year"
    assert [(d["name"], d["jurisdiction"], d["address"]) for d in pool["delivery_points"]] == [
        ("Görlitz, Schulküche", "DE-SN", "Untermarkt 6"),
        ("Zgorzelec, Ratusz", "PL-02", ""),
    ]
    assert dt.datetime.fromisoformat(pool["closes_at"]) == dt.datetime.fromisoformat(f"{in_days(3)}T12:00:00+00:00")
    assert (pool["currency"], Decimal(pool["reserve_unit_price"])) == ("EUR", Decimal("3.20"))
    assert Decimal(pool["minimum_total_quantity"]) == 500

    page = await client.get(location)
    assert page.status_code == 200, page.text
    assert "The pool is open." in page.text
    assert "Äpfel für Schulküchen" in page.text
    assert "No commitment here yet." in page.text


async def test_the_form_offers_more_delivery_point_rows_and_keeps_what_was_typed(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    hub_id = p.hub["id"]
    await signed_in(client, p.coordinator)

    more = await submit(client, f"/hubs/{hub_id}/pools/new", f"/hubs/{hub_id}/pools", pool_form(more_rows="1"))

    assert more.status_code == 200, more.text
    assert 'name="point-5-name"' in more.text  # three more empty rows
    assert 'name="point-6-name"' not in more.text
    assert 'value="Görlitz, Schulküche"' in more.text
    assert "Tafeläpfel, Klasse I" in more.text
    assert await hub_pools(client, p) == []  # nothing opened yet


@pytest.mark.parametrize(
    ("fields", "said", "kept"),
    [
        pytest.param(
            {"title-de": "", "title-pl": "", "description-de": "Tafeläpfel aus der Lausitz"},
            ["Title in German: Please fill this in."],
            "Tafeläpfel aus der Lausitz",
            id="no title",
        ),
        pytest.param(
            {"opens_date": in_days(5), "opens_time": "10:00", "closes_date": in_days(4)},
            ["Closes on: Choose a closing time in the future and after the opening time."],
            f'value="{in_days(5)}"',
            id="closes before it opens",
        ),
        pytest.param(
            {"point-2-name": ""},
            ["Name of delivery point 3: Please fill this in."],
            'value="Görlitz, Schulküche"',
            id="a delivery point without a name",
        ),
        pytest.param(
            {"reserve_unit_price": "abc"},
            ["Reserve price per unit: Enter a number, like 12.50."],
            'value="abc"',
            id="a reserve price that is no number",
        ),
        pytest.param(
            {"title-de": "", "title-pl": "", "point-0-name": "", "reserve_unit_price": "abc"},
            [
                "Title in German: Please fill this in.",
                "Name of delivery point 1: Please fill this in.",
                "Reserve price per unit: Enter a number, like 12.50.",
            ],
            "Untermarkt 6",  # an address, in its text area
            id="several at once",
        ),
    ],
)
async def test_bad_input_is_named_on_its_field_and_nothing_typed_is_lost(
    client: Client,
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    fields: dict[str, str],
    said: list[str],
    kept: str,
) -> None:
    p = await build_procurement(client, sessions, settings)
    hub_id = p.hub["id"]
    await signed_in(client, p.coordinator)

    refused = await submit(client, f"/hubs/{hub_id}/pools/new", f"/hubs/{hub_id}/pools", pool_form(**fields))

    assert refused.status_code == 422, refused.text
    for sentence in said:
        assert sentence in refused.text
    assert "$." not in refused.text  # no field named as the service names it
    assert kept in refused.text
    assert 'value="Zgorzelec, Ratusz"' in refused.text or fields.get("point-2-name") == ""
    assert await hub_pools(client, p) == []


async def test_the_pool_page_shows_each_delivery_points_commitments_with_the_buyers_names_and_totals(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p)
    await commit(client, p.market.buyer, pool, p.market.buyer_org, 0, "120", max_unit_price="11.50")
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 0, "30")
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "60")
    await signed_in(client, p.coordinator)

    shown = await client.get(f"/hubs/{p.hub['id']}/pools/{pool['id']}")

    assert shown.status_code == 200, shown.text
    text = shown.text
    assert "Honig für Schulküchen" in text
    assert "Stadt Görlitz" in text
    assert "Hotel Zgorzelec sp. z o.o." in text
    first, second = text.split('id="point-1"')[1].split('id="point-2"')  # Görlitz, then Zgorzelec
    for said in ("Stadt Görlitz", "120 kg", "Hotel Zgorzelec", "30 kg", "€11.50", "no limit"):
        assert said in first
    assert "150 kg" in first  # the delivery point's total
    assert "Stadt Görlitz" not in second
    assert "60 kg" in second
    assert "210 kg by 2 buyers" in text  # all points together
    assert "100 kg: reached." in text  # the minimum
    assert "Closes in 1 hour." in text
    assert "Sachsen, Germany" in text
    assert "KGM" not in text
    assert "DE-SN" not in text

    listed = await client.get(f"/hubs/{p.hub['id']}/pools")
    assert listed.status_code == 200, listed.text
    assert "Honig für Schulküchen" in listed.text
    assert "210 kg of at least 100 kg" in listed.text
    assert "<dd>kg</dd>" in listed.text
    assert f'href="/hubs/{p.hub["id"]}/pools/{pool["id"]}"' in listed.text


async def test_closing_early_moves_the_pool_to_closed_and_leads_on_to_a_tender(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p)
    await commit(client, p.market.buyer, pool, p.market.buyer_org, 0, "120")
    await signed_in(client, p.coordinator)
    pool_page = f"/hubs/{p.hub['id']}/pools/{pool['id']}"
    before = await client.get(pool_page)
    assert "Closing the window now ends it for every buyer" in before.text
    assert "Create a tender from this pool" not in before.text

    closed = await submit(client, pool_page, f"{pool_page}/close", {})

    assert closed.status_code == 303, closed.text
    assert closed.headers["location"] == f"{pool_page}?notice=pool-closed"
    read = await client.get(f"/api/v1/pools/{pool['id']}", headers=p.coordinator.headers)
    assert read.json()["status"] == "closed"
    after = await client.get(closed.headers["location"])
    assert "The window is closed and the pool came about" in after.text
    assert "The pool came about" in after.text
    assert f'href="/hubs/{p.hub["id"]}/tenders/new?pool={pool["id"]}"' in after.text
    assert "Create a tender from this pool" in after.text
    assert "Close the window now" not in after.text
    listed = await client.get(f"/hubs/{p.hub['id']}/pools?status=closed")
    assert "Honig für Schulküchen" in listed.text


async def test_closing_early_with_less_than_the_minimum_says_the_pool_did_not_come_about(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p)
    await commit(client, p.market.buyer, pool, p.market.buyer_org, 0, "40")
    await signed_in(client, p.coordinator)
    pool_page = f"/hubs/{p.hub['id']}/pools/{pool['id']}"
    assert "100 kg: 60 kg more are needed." in (await client.get(pool_page)).text

    closed = await submit(client, pool_page, f"{pool_page}/close", {})

    assert closed.headers["location"] == f"{pool_page}?notice=pool-failed"
    after = await client.get(closed.headers["location"])
    assert "The pool did not come about" in after.text
    assert "with 40 kg committed, less than the minimum of 100 kg" in after.text
    assert "Create a tender from this pool" not in after.text
    again = await client.post(f"{pool_page}/close", data={"_csrf_token": csrf_of(after.text)})
    assert again.status_code == 409
    assert "The pool&#39;s window has already closed." in again.text


async def test_a_buyer_is_not_allowed_on_the_coordinators_pool_pages(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    pool = await open_pool(client, p)
    base = f"/hubs/{p.hub['id']}/pools"
    await signed_in(client, p.market.buyer)

    for path in (base, f"{base}/new", f"{base}/{pool['id']}"):
        refused = await client.get(path)
        assert refused.status_code == 403, path
        assert refused.headers["content-type"].startswith("text/html")
        assert "Not allowed" in refused.text
    token = csrf_of((await client.get("/pools")).text)
    for action, fields in ((base, pool_form()), (f"{base}/{pool['id']}/close", {})):
        refused = await client.post(action, data={"_csrf_token": token, **fields}, follow_redirects=False)
        assert refused.status_code == 403, action
    assert len(await hub_pools(client, p)) == 1  # no pool was opened ...
    read = await client.get(f"/api/v1/pools/{pool['id']}", headers=p.coordinator.headers)
    assert read.json()["status"] == "open"  # ... and none closed


async def test_another_hubs_pool_is_not_found_under_this_hubs_address(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p = await build_procurement(client, sessions, settings)
    # The same person coordinates a second hub, so the pool itself is one they may see.
    other_hub = await create_hub(client, await platform_admin(client, sessions, settings), [p.coordinator])
    elsewhere = await open_pool(client, p, hub_id=other_hub["id"])
    await signed_in(client, p.coordinator)
    wrong = f"/hubs/{p.hub['id']}/pools/{elsewhere['id']}"

    hidden = await client.get(wrong)

    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith("text/html")
    assert "Not found" in hidden.text
    assert "Honig" not in hidden.text
    token = csrf_of((await client.get(f"/hubs/{p.hub['id']}/pools")).text)
    closing = await client.post(f"{wrong}/close", data={"_csrf_token": token}, follow_redirects=False)
    assert closing.status_code == 404
    read = await client.get(f"/api/v1/pools/{elsewhere['id']}", headers=p.coordinator.headers)
    assert read.json()["status"] == "open"
    assert (await client.get(f"/hubs/{other_hub['id']}/pools/{elsewhere['id']}")).status_code == 200
