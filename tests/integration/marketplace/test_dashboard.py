"""Hub dashboards over a known two months of trade (see `tests/factories/dashboard.py` for the orders):
exact figures after FX conversion, CSV tables, charts, who may read them, and the public summary with
its small groups suppressed."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.db import transaction
from kernel.fx import RateRow, store_rates
from marketplace.order.models import Order, OrderStatus
from tests.factories.dashboard import PERIOD, KnownTrade, build_known_trade, refresh_summary
from tests.factories.identity import register


def by_month(rows: list[dict[str, Any]], *keys: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {(row["month"], *(row[k] for k in keys)): row for row in rows}


async def dashboard(client: AsyncTestClient[Any], t: KnownTrade, **params: str) -> dict[str, Any]:
    response = await client.get(
        f"/api/v1/hubs/{t.hub['id']}/dashboard", params={**PERIOD, **params}, headers=t.coordinator.headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def test_trade_is_converted_at_each_orders_days_rate_and_split_by_month_and_border(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    d = await dashboard(client, t)
    assert (d["currency"], d["first_day"], d["last_day"]) == ("EUR", "2026-01-01", "2026-02-28")
    assert d["unconverted_orders"] == 1  # the CZK order: no rate recorded
    trade = by_month(d["trade"])
    figures = ("orders", "value_minor", "cross_border_value_minor", "cross_border_percent", "awarded_value_minor")
    # January at 4.00 PLN: five 100.00 EUR orders across the border, 30.00 EUR within Saxony.
    assert [trade[("2026-01",)][f] for f in figures] == [6, 53000, 50000, "94.34", 0]
    # February at 4.25 PLN: 20.00 domestic, 50.00 + 100.00 (awarded) + 0.24 across the border.
    assert [trade[("2026-02",)][f] for f in figures] == [4, 17024, 15024, "88.25", 10000]
    assert [trade[(None,)][f] for f in figures] == [10, 70024, 65024, "92.86", 10000]
    assert [(trade[(None,)]["producers"], trade[(None,)]["buyers"])] == [(7, 6)]

    flows = by_month(d["flows"], "origin", "destination")
    assert {k: (v["orders"], v["value_minor"], v["cross_border"]) for k, v in flows.items()} == {
        ("2026-01", "PL-02", "DE-SN"): (5, 50000, True),
        ("2026-01", "DE-SN", "DE-SN"): (1, 3000, False),
        ("2026-02", "PL-02", "DE-SN"): (3, 15024, True),
        ("2026-02", "PL-02", "PL-02"): (1, 2000, False),
        (None, "PL-02", "DE-SN"): (8, 65024, True),
        (None, "DE-SN", "DE-SN"): (1, 3000, False),
        (None, "PL-02", "PL-02"): (1, 2000, False),
    }
    assert (flows[(None, "PL-02", "DE-SN")]["producers"], flows[(None, "PL-02", "DE-SN")]["buyers"]) == (6, 5)


async def test_inclusion_counts_only_attributes_this_hub_verified(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    d = await dashboard(client, t)
    inclusion = by_month(d["inclusion"], "attribute")
    figures = ("producers", "order_value_minor", "order_percent", "awarded_value_minor", "awarded_percent")
    assert {k: [v[f] for f in figures] for k, v in inclusion.items() if k[0] is None} == {
        # P1 (100.00 + 20.00) and P2 (100.00 + 100.00 awarded) of 700.24 EUR; P4's verification was another hub's.
        (None, "women_led"): [2, 32000, "45.70", 10000, "100.00"],
        (None, "cooperative"): [1, 20000, "28.56", 10000, "100.00"],
        (None, "youth_led"): [1, 3000, "4.28", 0, "0.00"],
        # P3 only declared minority-led: no row. `any` counts P2 once.
        (None, "any"): [3, 35000, "49.98", 10000, "100.00"],
    }
    assert [inclusion[("2026-02", "women_led")][f] for f in figures] == [2, 12000, "70.49", 10000, "100.00"]


async def test_active_organisations_jobs_and_producer_cohorts(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    d = await dashboard(client, t)
    organizations = by_month(d["organizations"], "role", "country")
    assert {k: (v["organizations"], v["jobs"]) for k, v in organizations.items() if k[0] is None} == {
        (None, "producer", "PL"): (6, 1 + 2 + 3 + 4 + 5 + 6),
        (None, "producer", "DE"): (1, 7),
        (None, "buyer", "DE"): (5, 50),
        (None, "buyer", "PL"): (1, 10),
    }
    assert (organizations[("2026-02", "producer", "PL")]["organizations"]) == 4  # P1, P2, P3, P6 (P4's was CZK)

    cohorts = {(row["cohort"], row["month"]): row for row in d["cohorts"]}
    figures = ("producers", "revenue_minor", "jobs")
    assert {k: [v[f] for f in figures] for k, v in cohorts.items()} == {
        # P6 first sold in December 2025, before the period.
        ("2025-12", None): [1, 5000, 6],
        ("2025-12", "2026-02"): [1, 5000, 6],
        ("2026-01", None): [6, 65024, 1 + 2 + 3 + 4 + 5 + 7],
        ("2026-01", "2026-01"): [6, 53000, 22],
        ("2026-01", "2026-02"): [3, 12024, 1 + 2 + 3],
    }
    # No tender ran: rows of zeros for the period and each of its months, nothing pooled.
    assert [
        (r["month"], r["tenders"], r["lots"], r["bids_per_lot"], r["pooled_value_minor"]) for r in d["procurement"]
    ] == [
        (None, 0, 0, None, 0),
        ("2026-01", 0, 0, None, 0),
        ("2026-02", 0, 0, None, 0),
    ]
    assert d["pooled_quantities"] == []


async def test_a_period_narrows_every_table_and_a_bad_one_is_refused(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    d = await dashboard(client, t, **{"from": "2026-02", "to": "2026-02"})
    assert [(r["month"], r["value_minor"]) for r in d["trade"]] == [(None, 17024), ("2026-02", 17024)]
    assert d["unconverted_orders"] == 1
    url = f"/api/v1/hubs/{t.hub['id']}/dashboard"
    reversed_period = await client.get(url, params={"from": "2026-03", "to": "2026-02"}, headers=t.coordinator.headers)
    assert reversed_period.status_code == 422
    assert reversed_period.headers["content-type"].startswith("application/problem+json")
    assert reversed_period.json()["errors"][0]["field"] == "query:from"
    not_a_date = await client.get(url, params={"from": "January"}, headers=t.coordinator.headers)
    assert not_a_date.status_code == 422
    assert not_a_date.json()["errors"][0]["field"] == "query:from"


async def test_every_month_of_the_period_has_its_row_an_empty_one_of_zeros(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    d = await dashboard(client, t, **{"from": "2025-11", "to": "2026-03"})
    figures = ("orders", "value_minor", "cross_border_percent", "producers", "buyers")
    assert [(r["month"], *(r[f] for f in figures)) for r in d["trade"]] == [
        (None, 11, 71024, "92.96", 7, 6),
        ("2025-11", 0, 0, None, 0, 0),  # nothing sold: a row of zeros
        ("2025-12", 1, 1000, "100.00", 1, 1),
        ("2026-01", 6, 53000, "94.34", 6, 5),
        ("2026-02", 4, 17024, "88.25", 4, 4),
        ("2026-03", 0, 0, None, 0, 0),
    ]
    assert [r["month"] for r in d["procurement"]] == [None, "2025-11", "2025-12", "2026-01", "2026-02", "2026-03"]
    # The public sees the empty months as zeros too: they tell of no one, and hide nothing.
    summary = (
        await client.get(f"/api/v1/hubs/{t.hub['id']}/open-data", params={"from": "2026-01", "to": "2026-03"})
    ).json()
    assert [(r["month"], r["value_minor"], r["suppression"]) for r in summary["trade"]] == [
        (None, 70024, None),
        ("2026-01", None, "secondary"),
        ("2026-02", None, "few-organizations"),
        ("2026-03", 0, None),
    ]


async def test_each_table_downloads_as_csv_with_the_json_figures(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    url = f"/api/v1/hubs/{t.hub['id']}/dashboard"
    response = await client.get(
        url, params={**PERIOD, "format": "csv", "table": "flows"}, headers=t.coordinator.headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"  # once, not "; charset=utf-8" twice
    assert f"dashboard-{t.hub['id']}-flows-2026-01-01-2026-02-28.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0].keys() >= {"currency", "month", "origin", "destination", "value_minor", "suppressed"}
    period = [r for r in rows if r["month"] == ""]
    assert sorted((r["origin"], r["destination"], r["value_minor"], r["cross_border"]) for r in period) == [
        ("DE-SN", "DE-SN", "3000", "false"),
        ("PL-02", "DE-SN", "65024", "true"),
        ("PL-02", "PL-02", "2000", "false"),
    ]
    assert {r["currency"] for r in rows} == {"EUR"}
    no_table = await client.get(url, params={**PERIOD, "format": "csv"}, headers=t.coordinator.headers)
    assert no_table.status_code == 422
    assert no_table.json()["errors"][0]["field"] == "query:table"
    assert "pooled_quantities" in no_table.json()["detail"]


async def test_charts_are_svg_and_png_pictures_of_the_figures(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    base = f"/api/v1/hubs/{t.hub['id']}/dashboard/charts"
    matrix = await client.get(f"{base}/trade-matrix.svg", params=PERIOD, headers=t.coordinator.headers)
    assert matrix.status_code == 200, matrix.text
    assert matrix.headers["content-type"].startswith("image/svg+xml")
    # The heat map labels its cells with the converted values and its axes with the places by name.
    for text in ("650", "Dolnośląskie, Poland", "Sachsen, Germany", "Delivered to"):
        assert text in matrix.text, text
    assert "PL-02" not in matrix.text
    monthly = await client.get(f"{base}/cross-border.png", params=PERIOD, headers=t.coordinator.headers)
    assert monthly.headers["content-type"] == "image/png"
    assert monthly.content.startswith(b"\x89PNG\r\n\x1a\n")
    inclusion = await client.get(f"{base}/inclusion.svg", params=PERIOD, headers=t.coordinator.headers)
    assert "45.7%" in inclusion.text  # women-led share of order value
    unknown = await client.get(f"{base}/pie.svg", headers=t.coordinator.headers)
    assert unknown.status_code == 404
    assert "trade-matrix.svg" in unknown.json()["detail"]


async def test_only_the_hubs_coordinators_read_its_dashboard(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    outsider = await register(client)
    for path in ("dashboard", "dashboard/charts/inclusion.svg"):
        url = f"/api/v1/hubs/{t.hub['id']}/{path}"
        assert (await client.get(url, headers=outsider.headers)).status_code == 403
        assert (await client.get(url)).status_code == 401
    other = await build_known_trade(client, sessions, settings)
    # A coordinator of another hub sees nothing of this one.
    assert (
        await client.get(f"/api/v1/hubs/{t.hub['id']}/dashboard", headers=other.coordinator.headers)
    ).status_code == 403


async def test_open_data_publishes_aggregates_and_suppresses_groups_under_five(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    response = await client.get(f"/api/v1/hubs/{t.hub['id']}/open-data", params=PERIOD)  # no login
    assert response.status_code == 200, response.text
    summary = response.json()
    assert summary["minimum_group_size"] == 5
    trade = by_month(summary["trade"])
    # The period: 7 producers and 6 buyers, published.
    assert (trade[(None,)]["value_minor"], trade[(None,)]["suppressed"]) == (70024, False)
    # February had only 4 producers and 4 buyers: hidden. January alone would then give February away
    # by subtraction, so it is hidden too.
    for month in ("2026-01", "2026-02"):
        assert trade[(month,)]["suppressed"] is True
        assert trade[(month,)]["value_minor"] is None
        assert trade[(month,)]["cross_border_percent"] is None
    flows = by_month(summary["flows"], "origin", "destination")
    assert (flows[(None, "PL-02", "DE-SN")]["value_minor"], flows[(None, "PL-02", "DE-SN")]["producers"]) == (65024, 6)
    assert flows[(None, "DE-SN", "DE-SN")]["value_minor"] is None  # one producer, one buyer
    assert flows[(None, "PL-02", "PL-02")]["value_minor"] is None
    # Monthly flows, inclusion and cohorts are published for the period only.
    assert {row["month"] for row in summary["flows"] + summary["inclusion"] + summary["cohorts"]} == {None}
    # No inclusion group reaches five producers.
    assert all(row["suppressed"] and row["order_value_minor"] is None for row in summary["inclusion"])
    organizations = by_month(summary["organizations"], "role", "country")
    assert organizations[(None, "producer", "PL")]["organizations"] == 6
    assert organizations[(None, "buyer", "DE")]["organizations"] == 5
    assert organizations[(None, "producer", "DE")]["organizations"] is None
    # One producer's cohort (P6, 2025-12) is hidden but keeps its count; the other cohort is hidden too,
    # or the published period total (700.24 EUR) less its revenue would give P6's 50.00 EUR away.
    cohorts = {row["cohort"]: row for row in summary["cohorts"]}
    assert {k: (v["suppressed"], v["producers"], v["revenue_minor"], v["jobs"]) for k, v in cohorts.items()} == {
        "2025-12": (True, 1, None, None),
        "2026-01": (True, 6, None, None),
    }
    # Nothing names a firm.
    for producer in t.producers:
        assert str(producer) not in response.text
    assert (await client.get("/api/v1/hubs/018f0000-0000-7000-8000-000000000000/open-data")).status_code == 404


async def test_the_minutely_refresh_follows_a_cancellation_and_a_rate_that_arrives_late(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    t = await build_known_trade(client, sessions, settings)
    async with transaction(sessions) as session:
        awarded = (await session.execute(select(Order).where(Order.tender_reference.is_not(None)))).scalar_one()
        awarded.status = OrderStatus.cancelled
        # 1 EUR = 25 CZK from February: the 10.00 CZK order becomes 0.40 EUR.
        await store_rates(
            session, [RateRow(base="EUR", quote="CZK", rate=Decimal(25), as_of=dt.date(2026, 2, 1), source="ECB")]
        )
    before = await dashboard(client, t)
    assert by_month(before["trade"])[(None,)]["value_minor"] == 70024  # not refreshed yet
    await refresh_summary(sessions)
    after = await dashboard(client, t)
    period = by_month(after["trade"])[(None,)]
    assert (period["orders"], period["value_minor"], period["awarded_value_minor"]) == (10, 70024 - 10000 + 40, 0)
    assert after["unconverted_orders"] == 0
    assert after["refreshed_at"] > before["refreshed_at"]
