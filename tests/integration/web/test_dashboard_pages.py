"""The dashboards' pages over a known two months of trade (`tests/factories/dashboard.py`): a hub's
coordinators read the figures of a period they choose as tables, with money in currency units,
months and places by name in their language and every month of the period (an empty one as zero),
download each table as CSV and see the charts drawn in their language; the public reads the same
tables with small groups said to be not shown, without signing in. Nobody else reads the
coordinators' page, and an unknown hub is not found."""

from __future__ import annotations

import csv
import html
import io
import re
import uuid

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.dashboard import KnownTrade, build_known_trade, refresh_summary
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.order import build_market, place
from tests.integration.web.pages import sign_in_page

Client = AsyncTestClient[Litestar]
#: January and February have trade, March none.
PERIOD = {"from": "2026-01", "to": "2026-03"}
GERMAN = {"Accept-Language": "de"}
ENGLISH = {"Accept-Language": "en"}


async def signed_in(client: Client, account: Account) -> None:
    client.cookies.clear()
    answer = await sign_in_page(client, account.email, PASSWORD)
    assert answer.status_code == 303, answer.text


def row_of(page: str, heading: str) -> list[str]:
    """The cells after the row heading `heading` (the first such row), as text."""
    found = re.search(rf'<th scope="row">{re.escape(heading)}</th>(.*?)</tr>', page, re.S)
    assert found is not None, f"no row {heading!r}"
    cells = re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", html.unescape(cell)).split()) for cell in cells]


def link_to(page: str, pattern: str) -> str:
    found = re.search(rf'href="({pattern}[^"]*)"', page)
    assert found is not None, f"no link to {pattern}"
    return html.unescape(found.group(1))


async def dashboards(client: Client, t: KnownTrade, headers: dict[str, str]) -> str:
    await signed_in(client, t.coordinator)
    shown = await client.get(f"/hubs/{t.hub['id']}/dashboards", params=PERIOD, headers=headers)
    assert shown.status_code == 200, shown.text
    return shown.text


async def test_a_coordinator_reads_money_in_currency_units_places_by_name_and_every_month(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    page = await dashboards(client, t, ENGLISH)
    # Producers, buyers, orders, value, across the border, its share, from tender awards.
    assert row_of(page, "January 2026") == ["6", "5", "6", "€530.00", "€500.00", "94.34%", "€0.00"]
    assert row_of(page, "February 2026") == ["4", "4", "4", "€170.24", "€150.24", "88.25%", "€100.00"]
    # March sold nothing: it is there, as zero.
    assert row_of(page, "March 2026")[:6] == ["0", "0", "0", "€0.00", "€0.00", "– none"]
    assert row_of(page, "The whole period")[3] == "€700.24"
    for minor_units in ("70024", "53000", "17024"):
        assert minor_units not in page
    # Flows between places by name, never their codes.
    assert row_of(page, "Dolnośląskie, Poland")[:1] == ["Sachsen, Germany"]
    for code in ("DE-SN", "PL-02"):
        assert code not in page
    # Inclusive producers and cohorts by name: the women-led group, the producers who first sold in December.
    assert row_of(page, "Women-led")[:3] == ["2", "€320.00", "45.7%"]
    assert row_of(page, "December 2025")[:2] == ["1", "€50.00"]
    # The charts are drawn for this period, each with a text alternative.
    assert f'src="/hubs/{t.hub["id"]}/dashboards/charts/cross-border.svg?from=2026-01&amp;to=2026-03"' in page
    assert re.search(r"Bar chart of the order value in each month of January\s*–\s*March 2026", page)
    assert "The largest flow: €650.24 from Dolnośląskie, Poland to Sachsen, Germany." in page


async def test_a_german_coordinator_reads_months_and_places_by_their_german_names(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    page = await dashboards(client, t, GERMAN)
    assert '<html lang="de">' in page
    # (`row_of` writes the no-break space between figure and currency as a space.)
    assert row_of(page, "Januar 2026")[3] == "530,00 €"
    assert row_of(page, "Februar 2026")[3] == "170,24 €"
    assert row_of(page, "März 2026")[3:5] == ["0,00 €", "0,00 €"]
    assert row_of(page, "Niederschlesien, Polen")[:1] == ["Sachsen, Deutschland"]
    assert "DE-SN" not in page


async def test_each_table_downloads_as_csv_from_its_link(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    page = await dashboards(client, t, ENGLISH)
    trade_csv = link_to(
        page, f"/api/v1/hubs/{t.hub['id']}/dashboard\\?from=2026-01&amp;to=2026-03&amp;format=csv&amp;table=trade"
    )
    answer = await client.get(trade_csv)  # with the page's session, as the browser follows it
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    rows = {row["month"]: row for row in csv.DictReader(io.StringIO(answer.text))}
    assert (rows["2026-01"]["value_minor"], rows["2026-03"]["value_minor"], rows["2026-03"]["orders"]) == (
        "53000",
        "0",
        "0",
    )


async def test_the_charts_are_drawn_in_the_readers_language_with_places_by_name(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    await signed_in(client, t.coordinator)
    charts = f"/hubs/{t.hub['id']}/dashboards/charts"
    monthly = await client.get(f"{charts}/cross-border.svg", params=PERIOD, headers=GERMAN)
    assert monthly.status_code == 200, monthly.text
    assert monthly.headers["content-type"].startswith("image/svg+xml")
    for month in ("Jan. 2026", "Feb. 2026", "März 2026"):  # every month, the empty March too
        assert month in monthly.text, month
    matrix = await client.get(f"{charts}/trade-matrix.svg", params=PERIOD, headers=GERMAN)
    assert "Niederschlesien, Polen" in matrix.text
    assert "Sachsen, Deutschland" in matrix.text
    assert "DE-SN" not in matrix.text
    inclusion = await client.get(f"{charts}/inclusion.svg", params=PERIOD, headers=GERMAN)
    assert "45,7\xa0%" in inclusion.text  # the women-led share, as a German reader writes it
    assert (await client.get(f"{charts}/pie.svg", params=PERIOD)).status_code == 404


async def test_the_public_reads_the_open_data_with_small_groups_not_shown_without_signing_in(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    client.cookies.clear()
    shown = await client.get(f"/portal/{t.hub['id']}/open-data", params=PERIOD, headers=ENGLISH)
    assert shown.status_code == 200, shown.text
    page = shown.text
    assert f'href="/portal/{t.hub["id"]}"' in page
    # February had four producers and four buyers: not shown, never zero. January goes with it, or
    # the period's total less January would give February away.
    assert row_of(page, "February 2026")[2:] == ["fewer than 5 organisations — not shown"]
    assert row_of(page, "January 2026")[2:] == [
        "not shown: with it, a figure hidden for its few organisations could be worked out"
    ]
    assert row_of(page, "March 2026")[3] == "€0.00"  # nobody sold in March: that hides no one
    assert row_of(page, "The whole period")[3] == "€700.24"
    # The one producer selling within Saxony is not shown.
    assert "fewer than 5 organisations — not shown" in row_of(page, "Sachsen, Germany")[-1]
    assert "Creative Commons Attribution 4.0" in page
    assert 'href="/api/v1/ocds/releases"' in page
    json_link = f"/api/v1/hubs/{t.hub['id']}/open-data?from=2026-01&to=2026-03"
    assert f'href="{html.escape(json_link)}" type="application/json"' in page
    assert (await client.get(json_link)).json()["minimum_group_size"] == 5
    flows_csv = link_to(
        page, f"/api/v1/hubs/{t.hub['id']}/open-data\\?from=2026-01&amp;to=2026-03&amp;format=csv&amp;table=flows"
    )
    assert (await client.get(flows_csv)).headers["content-type"] == "text/csv; charset=utf-8"
    chart = await client.get(f"/portal/{t.hub['id']}/open-data/charts/cross-border.svg", params=PERIOD, headers=ENGLISH)
    assert chart.status_code == 200, chart.text
    assert "not shown" in chart.text


async def test_only_the_hubs_coordinators_read_its_dashboards(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    client.cookies.clear()
    anonymous = await client.get(f"/hubs/{t.hub['id']}/dashboards", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"].startswith("/sign-in?next=")
    await signed_in(client, await register(client))
    for path in ("dashboards", "dashboards/charts/cross-border.svg"):
        refused = await client.get(f"/hubs/{t.hub['id']}/{path}", headers=ENGLISH)
        assert refused.status_code == 403, path
        assert "Not allowed" in refused.text


async def test_an_unknown_hub_is_not_found(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    await signed_in(client, t.coordinator)
    nowhere = uuid.uuid4()
    for path in (f"/hubs/{nowhere}/dashboards", f"/portal/{nowhere}/open-data"):
        missing = await client.get(path, headers=ENGLISH)
        assert missing.status_code == 404, path
        assert "Not found" in missing.text


async def test_a_period_that_is_none_is_named_on_the_form(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    await signed_in(client, t.coordinator)
    reversed_period = await client.get(
        f"/hubs/{t.hub['id']}/dashboards", params={"from": "2026-05", "to": "2026-04"}, headers=ENGLISH
    )
    assert reversed_period.status_code == 422
    assert "The first month (May 2026) is after the last month (April 2026)." in reversed_period.text
    assert 'value="2026-05"' in reversed_period.text  # what was asked for, kept
    client.cookies.clear()
    garbled = await client.get(f"/portal/{t.hub['id']}/open-data", params={"from": "May"}, headers=ENGLISH)
    assert garbled.status_code == 422
    assert "Write the month as year and month, like 2026-03." in garbled.text


async def test_without_a_period_the_page_shows_the_twelve_months_up_to_this_one(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    await signed_in(client, t.coordinator)
    shown = await client.get(f"/hubs/{t.hub['id']}/dashboards", headers=ENGLISH)
    assert shown.status_code == 200, shown.text
    trade = shown.text.split('<table id="trade"')[1].split("</table>")[0]
    months = re.findall(r'<th scope="row">([A-Z][a-z]+ [0-9]{4})</th>', trade)
    assert len(months) == 12
    assert 'value="' + months[-1] not in shown.text  # the form shows months as YYYY-MM


async def test_a_coordinator_reads_the_trade_net_of_vat_with_its_vat_and_gross_value_beside_it(
    client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    m = await build_market(client, sessions, settings)
    billing = {"vat_scheme": "registered", "vat_number": "PL5260250274"}
    registered = await client.put(
        f"/api/v1/organizations/{m.producer_a['id']}/billing", json=billing, headers=m.honey_maker.headers
    )
    assert registered.status_code == 200, registered.text
    # 880.00 PLN of honey and 202.40 PLN of Polish VAT (the German buyer gave no VAT number), at 4.25 PLN.
    await place(client, m.buyer, m.checkout((m.honey, "20")))
    await refresh_summary(sessions)
    await signed_in(client, m.coordinator)
    shown = await client.get(f"/hubs/{m.hub['id']}/dashboards", headers=ENGLISH)
    assert shown.status_code == 200, shown.text
    page = shown.text
    assert "Order values are net of VAT and of what disputes credited." in page
    assert row_of(page, "The whole period")[3:5] == ["€207.06", "€207.06"]  # value, across the border: net
    vat = page.split('<table id="vat"')[1].split("</table>")[0]
    assert row_of(vat, "The whole period") == ["€207.06", "€47.62", "€254.68"]
    # The public's open data leaves the VAT to its downloads.
    client.cookies.clear()
    public = await client.get(f"/portal/{m.hub['id']}/open-data", headers=ENGLISH)
    assert public.status_code == 200, public.text
    assert "Order values are net of VAT and of what disputes credited." in public.text
    assert 'id="vat"' not in public.text
