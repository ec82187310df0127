"""VAT is computed per rate on the sum of the lines, rounded once (EN 16931 BR-CO-17)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from marketplace.tax.breakdown import TaxedAmount, breakdown, vat_of
from marketplace.tax.models import VatCategory
from marketplace.tax.service import Correction, RateBook


def test_vat_is_rounded_once_per_rate_not_per_line() -> None:
    # Three lines of 0.10 EUR at 7 %: 0.007 each would round to 0.01 each (0.03); once, 0.021 -> 0.02.
    lines = [TaxedAmount(code="S", rate=Decimal(7), net_minor=10)] * 3
    [group] = breakdown(lines, "EUR")
    assert (group.taxable_minor, group.tax_minor) == (30, 2)


def test_lines_of_each_category_and_rate_form_one_group_in_order_of_appearance() -> None:
    lines = [
        TaxedAmount(code="S", rate=Decimal(19), net_minor=1000),
        TaxedAmount(code="S", rate=Decimal(7), net_minor=500),
        TaxedAmount(code="S", rate=Decimal("19.00"), net_minor=250),
        TaxedAmount(code="E", rate=Decimal(0), net_minor=100, note="small_business"),
    ]
    groups = breakdown(lines, "EUR")
    assert [(g.code, g.rate, g.taxable_minor, g.tax_minor, g.note) for g in groups] == [
        ("S", Decimal(19), 1250, 238, None),
        ("S", Decimal(7), 500, 35, None),
        ("E", Decimal(0), 100, 0, "small_business"),
    ]


@given(
    st.lists(
        st.tuples(st.sampled_from(["0", "5", "7", "8", "19", "23", "5.5"]), st.integers(min_value=0, max_value=10**9)),
        min_size=1,
        max_size=30,
    )
)
def test_the_groups_add_up_to_the_lines_and_the_vat(lines: list[tuple[str, int]]) -> None:
    amounts = [TaxedAmount(code="S", rate=Decimal(rate), net_minor=net) for rate, net in lines]
    groups = breakdown(amounts, "PLN")
    assert sum(g.taxable_minor for g in groups) == sum(net for _, net in lines)
    assert sum(g.tax_minor for g in groups) == vat_of(amounts, "PLN")
    for group in groups:
        exact = Decimal(group.taxable_minor) * group.rate / 100
        assert abs(Decimal(group.tax_minor) - exact) <= Decimal("0.5")


def _correction(country: str, category: VatCategory, day: str, rate: str | None) -> Correction:
    return Correction(country, category, dt.date.fromisoformat(day), None if rate is None else Decimal(rate))


def test_a_correction_applies_from_its_day_and_beats_the_shipped_rate() -> None:
    corrections = [_correction("DE", VatCategory.reduced, "2027-01-01", "5")]
    assert RateBook(corrections, dt.date(2026, 12, 31)).rate("DE", VatCategory.reduced) == Decimal(7)
    assert RateBook(corrections, dt.date(2027, 1, 1)).rate("DE", VatCategory.reduced) == Decimal(5)
    assert RateBook(corrections, dt.date(2027, 1, 1)).read("DE", VatCategory.reduced).source == "corrected"


def test_a_correction_older_than_a_shipped_change_gives_way_to_it() -> None:
    corrections = [_correction("CZ", VatCategory.reduced, "2020-01-01", "14")]
    assert RateBook(corrections, dt.date(2023, 6, 1)).rate("CZ", VatCategory.reduced) == Decimal(14)
    assert RateBook(corrections, dt.date(2024, 6, 1)).rate("CZ", VatCategory.reduced) == Decimal(12)


def test_a_correction_can_remove_a_category() -> None:
    corrections = [_correction("PL", VatCategory.super_reduced, "2026-06-01", None)]
    assert RateBook(corrections, dt.date(2026, 6, 1)).rate("PL", VatCategory.super_reduced) is None
