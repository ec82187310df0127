"""Money: minor units, half-up rounding by currency exponent, and refusing to mix currencies."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kernel.errors import InvalidInput
from kernel.money import Money, check_price_precision, from_minor, line_total, money, to_minor


@pytest.mark.parametrize(
    ("amount", "currency", "minor"),
    [
        ("12.345", "EUR", 1235),
        ("12.344", "EUR", 1234),
        ("0.005", "EUR", 1),
        ("-12.345", "EUR", -1235),
        ("1234.5", "JPY", 1235),
        ("1234.4", "JPY", 1234),
        ("1.2345", "BHD", 1235),
        ("1.2344", "BHD", 1234),
    ],
)
def test_amounts_round_half_up_to_the_currency_minor_units(amount: str, currency: str, minor: int) -> None:
    assert to_minor(Decimal(amount), currency) == minor
    assert money(Decimal(amount), currency) == Money(amount_minor=minor, currency=currency)


@pytest.mark.parametrize(
    ("minor", "currency", "amount"),
    [(1235, "EUR", "12.35"), (1235, "JPY", "1235"), (1235, "BHD", "1.235"), (-5, "EUR", "-0.05")],
)
def test_from_minor_gives_the_decimal_amount_of_the_currency(minor: int, currency: str, amount: str) -> None:
    assert from_minor(minor, currency) == Decimal(amount)
    assert Money(amount_minor=minor, currency=currency).decimal == Decimal(amount)


def test_line_total_rounds_once_at_the_end_not_per_unit() -> None:
    # 3 x 0.333 EUR is 0.999 -> 1.00; rounding each unit first would give 0.99.
    assert line_total(Decimal("0.333"), Decimal(3), "EUR") == Money(amount_minor=100, currency="EUR")


def test_line_total_allows_fractional_quantities() -> None:
    # 2.5 kg at 3.99 EUR/kg is 9.975 -> 9.98.
    assert line_total(Decimal("3.99"), Decimal("2.5"), "EUR") == Money(amount_minor=998, currency="EUR")


@pytest.mark.parametrize(("amount", "currency"), [("10.5", "JPY"), ("1.005", "EUR"), ("0.0001", "BHD")])
def test_check_price_precision_is_invalid_naming_the_field_when_too_many_decimals(amount: str, currency: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        check_price_precision(Decimal(amount), currency, "unit_price")
    assert raised.value.errors[0].field == "$.unit_price"
    assert currency in raised.value.detail


@pytest.mark.parametrize(("amount", "currency"), [("10", "JPY"), ("1.05", "EUR"), ("1.50", "EUR"), ("0.001", "BHD")])
def test_check_price_precision_accepts_amounts_within_the_currency_decimals(amount: str, currency: str) -> None:
    assert check_price_precision(Decimal(amount), currency, "unit_price") == Decimal(amount)


def test_adding_money_sums_minor_units_when_currencies_match() -> None:
    total = Money(amount_minor=150, currency="EUR") + Money(amount_minor=275, currency="EUR")
    assert total == Money(amount_minor=425, currency="EUR")


def test_adding_money_is_refused_when_currencies_differ() -> None:
    with pytest.raises(InvalidInput, match="cannot add PLN to EUR"):
        _ = Money(amount_minor=100, currency="EUR") + Money(amount_minor=100, currency="PLN")
