"""Parsing the ECB reference-rate CSV (daily and historical files)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kernel.errors import InvalidInput
from kernel.fx import RateRow, parse_ecb_csv

# As the ECB publishes it: spaces after commas, a trailing separator, N/A where no rate was fixed.
HISTORICAL = "Date, USD, JPY, PLN, \n2026-11-20, 1.0550, 162.35, 4.2512, \n2026-11-19, 1.0521, N/A, 4.2601, \n"


def test_parse_ecb_csv_reads_every_published_rate_with_eur_as_base() -> None:
    rows = parse_ecb_csv(HISTORICAL)
    assert rows == [
        RateRow(base="EUR", quote="USD", rate=Decimal("1.0550"), as_of=dt.date(2026, 11, 20), source="ECB"),
        RateRow(base="EUR", quote="JPY", rate=Decimal("162.35"), as_of=dt.date(2026, 11, 20), source="ECB"),
        RateRow(base="EUR", quote="PLN", rate=Decimal("4.2512"), as_of=dt.date(2026, 11, 20), source="ECB"),
        RateRow(base="EUR", quote="USD", rate=Decimal("1.0521"), as_of=dt.date(2026, 11, 19), source="ECB"),
        RateRow(base="EUR", quote="PLN", rate=Decimal("4.2601"), as_of=dt.date(2026, 11, 19), source="ECB"),
    ]


def test_parse_ecb_csv_skips_gaps_when_rate_is_not_available() -> None:
    quotes_on_19th = {r.quote for r in parse_ecb_csv(HISTORICAL) if r.as_of == dt.date(2026, 11, 19)}
    assert quotes_on_19th == {"USD", "PLN"}


def test_parse_ecb_csv_reads_the_daily_file_when_dates_are_spelled_out() -> None:
    rows = parse_ecb_csv("Date, USD, CZK, \n20 November 2026, 1.0550, 25.104, \n", source="ECB daily")
    assert [(r.quote, r.rate, r.as_of, r.source) for r in rows] == [
        ("USD", Decimal("1.0550"), dt.date(2026, 11, 20), "ECB daily"),
        ("CZK", Decimal("25.104"), dt.date(2026, 11, 20), "ECB daily"),
    ]


def test_parse_ecb_csv_ignores_blank_lines() -> None:
    assert len(parse_ecb_csv("Date,USD\n\n2026-11-20,1.05\n\n")) == 1


def test_parse_ecb_csv_is_invalid_naming_the_line_when_date_is_bad() -> None:
    text = "Date, USD, \n2026-11-20, 1.05, \n2026-13-40, 1.06, \n"
    with pytest.raises(InvalidInput, match=r"line 3: bad date '2026-13-40'"):
        parse_ecb_csv(text)


def test_parse_ecb_csv_is_invalid_naming_the_line_and_currency_when_rate_is_not_a_number() -> None:
    text = "Date, USD, PLN, \n2026-11-20, 1.05, 4.25, \n2026-11-19, 1.04, abc, \n"
    with pytest.raises(InvalidInput, match=r"line 3: bad rate 'abc' for PLN"):
        parse_ecb_csv(text)


def test_parse_ecb_csv_is_invalid_naming_the_line_when_rate_is_not_positive() -> None:
    with pytest.raises(InvalidInput, match=r"line 2: rate '0' for USD must be a positive finite number"):
        parse_ecb_csv("Date, USD, \n2026-11-20, 0, \n")


@pytest.mark.parametrize("text", ["Currency, USD, \n2026-11-20, 1.05, \n", "USD,JPY\n1.05,162\n"])
def test_parse_ecb_csv_is_invalid_when_the_file_is_not_in_ecb_format(text: str) -> None:
    with pytest.raises(InvalidInput, match="not an ECB reference-rate file"):
        parse_ecb_csv(text)


def test_parse_ecb_csv_is_invalid_when_the_file_is_empty() -> None:
    with pytest.raises(InvalidInput, match="empty"):
        parse_ecb_csv("")


def test_parse_ecb_csv_is_invalid_naming_the_column_when_header_has_an_unknown_currency() -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_ecb_csv("Date, USD, XYZ, \n2026-11-20, 1.05, 2.0, \n")
    assert raised.value.errors[0].field == "$.header[2]"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e400", "-4.2"])
def test_non_finite_or_out_of_range_rates_are_refused_naming_the_line(value: str) -> None:
    with pytest.raises(InvalidInput, match="line 2"):
        parse_ecb_csv(f"Date, PLN, \n2026-11-20, {value}, \n")


def test_extra_values_beyond_the_header_are_refused_rather_than_dropped() -> None:
    with pytest.raises(InvalidInput, match="line 2: more values"):
        parse_ecb_csv("Date, PLN, \n2026-11-20, 4,2512, \n")
