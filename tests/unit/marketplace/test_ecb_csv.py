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
    parsed = parse_ecb_csv(HISTORICAL)
    assert parsed.skipped == ()
    assert parsed.rows == [
        RateRow(base="EUR", quote="USD", rate=Decimal("1.0550"), as_of=dt.date(2026, 11, 20), source="ECB"),
        RateRow(base="EUR", quote="JPY", rate=Decimal("162.35"), as_of=dt.date(2026, 11, 20), source="ECB"),
        RateRow(base="EUR", quote="PLN", rate=Decimal("4.2512"), as_of=dt.date(2026, 11, 20), source="ECB"),
        RateRow(base="EUR", quote="USD", rate=Decimal("1.0521"), as_of=dt.date(2026, 11, 19), source="ECB"),
        RateRow(base="EUR", quote="PLN", rate=Decimal("4.2601"), as_of=dt.date(2026, 11, 19), source="ECB"),
    ]


def test_parse_ecb_csv_skips_gaps_when_rate_is_not_available() -> None:
    quotes_on_19th = {r.quote for r in parse_ecb_csv(HISTORICAL).rows if r.as_of == dt.date(2026, 11, 19)}
    assert quotes_on_19th == {"USD", "PLN"}


def test_parse_ecb_csv_reads_the_daily_file_when_dates_are_spelled_out() -> None:
    parsed = parse_ecb_csv("Date, USD, CZK, \n20 November 2026, 1.0550, 25.104, \n", source="ECB daily")
    assert [(r.quote, r.rate, r.as_of, r.source) for r in parsed.rows] == [
        ("USD", Decimal("1.0550"), dt.date(2026, 11, 20), "ECB daily"),
        ("CZK", Decimal("25.104"), dt.date(2026, 11, 20), "ECB daily"),
    ]


def test_parse_ecb_csv_ignores_blank_lines() -> None:
    assert len(parse_ecb_csv("Date,USD\n\n2026-11-20,1.05\n\n").rows) == 1


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


# The header of the ECB's eurofxref-hist.csv, which keeps a column for every currency it ever quoted.
HISTORY_HEADER = (
    "Date,USD,JPY,BGN,CYP,CZK,DKK,EEK,GBP,HUF,LTL,LVL,MTL,PLN,ROL,RON,SEK,SIT,SKK,CHF,ISK,NOK,HRK,RUB,TRL,TRY,"
    "AUD,BRL,CAD,CNY,HKD,IDR,ILS,INR,KRW,MXN,MYR,NZD,PHP,SGD,THB,ZAR,"
)
RETIRED = ("BGN", "CYP", "EEK", "LTL", "LVL", "MTL", "ROL", "SIT", "SKK", "HRK", "TRL")
HISTORY = "\n".join(
    [
        HISTORY_HEADER,
        "2026-12-04,1.0512,158.21,N/A,N/A,25.012,7.4589,N/A,0.83115,409.35,N/A,N/A,N/A,4.2203,N/A,4.9766,11.123,"
        "N/A,N/A,0.9307,146.3,11.712,N/A,N/A,N/A,36.345,1.6271,6.3571,1.4766,7.6234,8.1789,17012.33,3.8877,89.115,"
        "1551.22,21.234,4.6734,1.8012,61.234,1.4123,36.122,19.234,",
        "1999-01-04,1.1789,133.73,N/A,0.58231,35.107,7.4501,15.6466,0.7111,251.48,N/A,0.6677,0.4318,4.0712,1.3111,"
        "N/A,9.4696,189.045,42.991,1.6168,N/A,8.855,N/A,N/A,0.372,N/A,1.91,N/A,1.8004,N/A,9.1332,N/A,N/A,N/A,N/A,"
        "N/A,N/A,2.2229,N/A,N/A,N/A,6.9358,",
        "",
    ]
)


def test_history_file_imports_current_currencies_when_it_has_columns_of_retired_ones() -> None:
    parsed = parse_ecb_csv(HISTORY)
    assert parsed.skipped == RETIRED
    assert not {r.quote for r in parsed.rows} & set(RETIRED)
    new = {r.quote: r.rate for r in parsed.rows if r.as_of == dt.date(2026, 12, 4)}
    assert len(new) == 29  # 41 columns: 11 retired, and RUB is N/A that day
    assert "RUB" not in new
    assert (new["USD"], new["PLN"], new["IDR"], new["ZAR"]) == (
        Decimal("1.0512"),
        Decimal("4.2203"),
        Decimal("17012.33"),
        Decimal("19.234"),
    )
    old = {r.quote: r.rate for r in parsed.rows if r.as_of == dt.date(1999, 1, 4)}
    # CYP, EEK, LVL, MTL, ROL, SIT, SKK and TRL had rates that day; they are skipped with their columns.
    assert old == {
        "USD": Decimal("1.1789"),
        "JPY": Decimal("133.73"),
        "CZK": Decimal("35.107"),
        "DKK": Decimal("7.4501"),
        "GBP": Decimal("0.7111"),
        "HUF": Decimal("251.48"),
        "PLN": Decimal("4.0712"),
        "SEK": Decimal("9.4696"),
        "CHF": Decimal("1.6168"),
        "NOK": Decimal("8.855"),
        "AUD": Decimal("1.91"),
        "CAD": Decimal("1.8004"),
        "HKD": Decimal("9.1332"),
        "NZD": Decimal("2.2229"),
        "ZAR": Decimal("6.9358"),
    }


def test_a_column_is_skipped_and_reported_when_its_code_is_not_in_the_installed_currency_list() -> None:
    # e.g. a currency newer than the installed code list, or a fund code
    parsed = parse_ecb_csv("Date, USD, XYZ, XAU, \n2026-11-20, 1.05, 2.0, N/A, \n")
    assert parsed.skipped == ("XYZ", "XAU")
    assert [(r.quote, r.rate) for r in parsed.rows] == [("USD", Decimal("1.05"))]


def test_a_skipped_column_is_still_invalid_naming_the_line_when_its_rate_is_not_a_number() -> None:
    with pytest.raises(InvalidInput, match=r"line 2: bad rate 'abc' for CYP"):
        parse_ecb_csv("Date, USD, CYP, \n2026-11-20, 1.05, abc, \n")


@pytest.mark.parametrize("code", ["US", "EURO", "U$D", "1.05"])
def test_parse_ecb_csv_is_invalid_naming_the_column_when_a_header_cell_is_not_a_currency_code(code: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        parse_ecb_csv(f"Date, USD, {code}, \n2026-11-20, 1.05, 2.0, \n")
    assert raised.value.errors[0].field == "$.header[2]"


@pytest.mark.parametrize("value", ["NaN", "Infinity", "1e400", "-4.2"])
def test_non_finite_or_out_of_range_rates_are_refused_naming_the_line(value: str) -> None:
    with pytest.raises(InvalidInput, match="line 2"):
        parse_ecb_csv(f"Date, PLN, \n2026-11-20, {value}, \n")


def test_extra_values_beyond_the_header_are_refused_rather_than_dropped() -> None:
    with pytest.raises(InvalidInput, match="line 2: more values"):
        parse_ecb_csv("Date, PLN, \n2026-11-20, 4,2512, \n")
