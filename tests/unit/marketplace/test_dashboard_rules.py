"""Pure rules of the dashboards: which months a period covers, and the open data's suppression."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from kernel.errors import InvalidInput
from marketplace.dashboard.disclosure import disclose
from marketplace.dashboard.schemas import CohortRow, Dashboard, FlowRow, Suppression, TradeRow
from marketplace.dashboard.service import every_month, no_trade, period_of

TODAY = dt.date(2026, 11, 23)


def test_the_default_period_is_the_twelve_months_up_to_this_one() -> None:
    period = period_of(None, None, TODAY)
    assert (period.first_day, period.last_day) == (dt.date(2025, 12, 1), dt.date(2026, 11, 30))
    assert period.end == dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def test_a_period_of_months_ends_on_the_last_day_of_its_last_month() -> None:
    period = period_of("2024-02", "2024-02", TODAY)
    assert (period.first_day, period.last_day) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))
    assert period_of("2025-03", "2026-12", TODAY).last_day == dt.date(2026, 12, 31)


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        ("2026-13", None, "query:from"),
        ("2026-01-15", None, "query:from"),
        ("2026-1", None, "query:from"),
        (None, "2026-1", "query:to"),
        ("2026-05", "2026-04", "query:from"),
        ("2016-01", "2026-01", "query:to"),
        (None, "0001-05", "query:to"),
        (None, "9999-12", "query:to"),
        (None, "soon", "query:to"),
    ],
)
def test_a_malformed_reversed_or_over_long_period_names_its_parameter(
    first: str | None, last: str | None, field: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        period_of(first, last, TODAY)
    assert [e.field for e in raised.value.errors] == [field]


def _trade(month: str | None, value: int, producers: int) -> TradeRow:
    return TradeRow(
        month=month,
        orders=10,
        value_minor=value,
        vat_minor=value // 10,
        gross_value_minor=value + value // 10,
        cross_border_value_minor=0,
        cross_border_percent=None,
        awarded_value_minor=0,
        producers=producers,
        buyers=9,
    )


def _flow(origin: str, value: int, producers: int, *, cross_border: bool = True) -> FlowRow:
    return FlowRow(
        month=None,
        origin=origin,
        destination="DE-SN",
        cross_border=cross_border,
        orders=3,
        value_minor=value,
        producers=producers,
        buyers=9,
    )


def _cohort(cohort: str, revenue: int, producers: int) -> CohortRow:
    return CohortRow(month=None, cohort=cohort, producers=producers, revenue_minor=revenue, jobs=producers * 2)


def _dashboard(trade: list[TradeRow], flows: list[FlowRow], cohorts: list[CohortRow] | None = None) -> Dashboard:
    return Dashboard(
        hub_id=uuid.uuid4(),
        hub_name="Hub",
        currency="EUR",
        first_day=dt.date(2026, 1, 1),
        last_day=dt.date(2026, 3, 31),
        refreshed_at=None,
        unconverted_orders=0,
        trade=trade,
        flows=flows,
        inclusion=[],
        organizations=[],
        procurement=[],
        pooled_quantities=[],
        cohorts=cohorts or [],
    )


def test_one_small_month_also_hides_the_smallest_other_month_so_the_total_gives_nothing_away() -> None:
    trade = [_trade(None, 900, 12), _trade("2026-01", 500, 6), _trade("2026-02", 100, 3), _trade("2026-03", 300, 5)]
    shown = {row.month: row.value_minor for row in disclose(_dashboard(trade, []), 5).trade}
    assert shown == {None: 900, "2026-01": 500, "2026-02": None, "2026-03": None}


def test_a_hidden_months_vat_and_gross_value_are_hidden_with_its_net_value() -> None:
    # Published, February's VAT (or its gross less its VAT) would give its hidden net value away.
    trade = [_trade(None, 900, 12), _trade("2026-01", 500, 6), _trade("2026-02", 100, 3), _trade("2026-03", 300, 5)]
    shown = {row.month: (row.vat_minor, row.gross_value_minor) for row in disclose(_dashboard(trade, []), 5).trade}
    assert shown == {None: (90, 990), "2026-01": (50, 550), "2026-02": (None, None), "2026-03": (None, None)}


def test_two_small_months_need_no_further_suppression() -> None:
    trade = [_trade(None, 900, 12), _trade("2026-01", 500, 6), _trade("2026-02", 100, 3), _trade("2026-03", 300, 4)]
    shown = {row.month: row.value_minor for row in disclose(_dashboard(trade, []), 5).trade}
    assert shown == {None: 900, "2026-01": 500, "2026-02": None, "2026-03": None}
    assert [row.suppressed for row in disclose(_dashboard(trade, []), 5).trade] == [False, False, True, True]


def test_a_small_total_hides_the_total_and_no_part_needs_hiding_for_it() -> None:
    trade = [_trade(None, 900, 4), _trade("2026-01", 900, 4)]
    assert [row.value_minor for row in disclose(_dashboard(trade, []), 5).trade] == [None, None]


def test_flows_are_complemented_within_cross_border_and_within_domestic_trade() -> None:
    flows = [
        _flow("PL-02", 700, 6),
        _flow("CZ-51", 50, 2),
        _flow("PL-30", 90, 8),
        _flow("DE-SN", 400, 7, cross_border=False),
        _flow("DE-BY", 300, 6, cross_border=False),
    ]
    summary = disclose(_dashboard([_trade(None, 1540, 20)], flows), 5)
    shown = {(row.origin, row.cross_border): row.value_minor for row in summary.flows}
    # CZ-51 is small; PL-30, the smallest other cross-border flow, goes with it. Domestic flows are all large.
    assert shown == {
        ("PL-02", True): 700,
        ("CZ-51", True): None,
        ("PL-30", True): None,
        ("DE-SN", False): 400,
        ("DE-BY", False): 300,
    }
    assert all(row.producers for row in summary.flows)  # counts stay, so readers see why


def test_a_small_cohort_keeps_its_producer_count_and_hides_its_revenue_and_jobs() -> None:
    cohorts = [_cohort("2025-11", 100, 3), _cohort("2025-12", 500, 6), _cohort("2026-01", 900, 7)]
    summary = disclose(_dashboard([_trade(None, 1500, 16)], [], cohorts), 5)
    shown = {row.cohort: (row.suppressed, row.producers, row.revenue_minor, row.jobs) for row in summary.cohorts}
    # 2025-12, the smallest other cohort, goes with it: the period's published 1500 less the rest gives nothing away.
    assert shown == {
        "2025-11": (True, 3, None, None),
        "2025-12": (True, 6, None, None),
        "2026-01": (False, 7, 900, 14),
    }


def _empty_month(month: str) -> TradeRow:
    return TradeRow(
        month=month,
        orders=0,
        value_minor=0,
        vat_minor=0,
        gross_value_minor=0,
        cross_border_value_minor=0,
        cross_border_percent=None,
        awarded_value_minor=0,
        producers=0,
        buyers=0,
    )


def test_an_empty_month_is_published_as_zero_and_is_never_hidden_to_protect_another() -> None:
    trade = [
        _trade(None, 900, 12),
        _trade("2026-01", 800, 6),
        _trade("2026-02", 100, 3),
        _empty_month("2026-03"),
    ]
    summary = disclose(_dashboard(trade, []), 5)
    # February is small; January, the smallest month with trade, goes with it (March's zero hides nothing).
    assert {row.month: (row.value_minor, row.suppression) for row in summary.trade} == {
        None: (900, None),
        "2026-01": (None, Suppression.secondary),
        "2026-02": (None, Suppression.few_organizations),
        "2026-03": (0, None),
    }


def test_the_tables_by_month_have_every_month_of_the_period_an_empty_one_as_zeros() -> None:
    period = period_of("2025-12", "2026-02", TODAY)
    rows = every_month([_trade(None, 900, 12), _trade("2026-01", 900, 12)], period, no_trade)
    assert [(row.month, row.value_minor, row.producers) for row in rows] == [
        (None, 900, 12),
        ("2025-12", 0, 0),
        ("2026-01", 900, 12),
        ("2026-02", 0, 0),
    ]
