"""Exchange rates: conversion against stored rates, the /fx HTTP API and `borderhub fx import`."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.cli import main
from kernel import clock
from kernel.db import transaction
from kernel.errors import NotFound
from kernel.fx import RateRow, convert, find_rate, store_rates
from kernel.money import Money
from tests.factories.identity import register

Client = AsyncTestClient[Any]

THU, FRI, SAT, WED = dt.date(2026, 11, 19), dt.date(2026, 11, 20), dt.date(2026, 11, 21), dt.date(2026, 11, 25)


def ecb(quote: str, rate: str, as_of: dt.date, source: str = "ECB") -> RateRow:
    return RateRow(base="EUR", quote=quote, rate=Decimal(rate), as_of=as_of, source=source)


RATES = [
    ecb("PLN", "4.2601", THU),
    ecb("PLN", "4.2512", FRI),
    ecb("PLN", "4.3000", WED),
    ecb("CZK", "25.104", THU),
    ecb("JPY", "162.35", FRI),
]


async def _stored(sessions: async_sessionmaker[AsyncSession], rows: list[RateRow]) -> None:
    async with transaction(sessions) as session:
        await store_rates(session, rows)


# --- conversion against stored rates ------------------------------------------------------------


async def test_convert_uses_the_direct_rate_and_rounds_to_the_target_minor_units(db: AsyncSession) -> None:
    await store_rates(db, RATES)
    conversion = await convert(db, Money(amount_minor=12345, currency="EUR"), "PLN", FRI)
    # 123.45 EUR x 4.2512 = 524.810640 PLN
    assert conversion.converted == Money(amount_minor=52481, currency="PLN")
    assert conversion.original == Money(amount_minor=12345, currency="EUR")
    assert (conversion.rate, conversion.as_of, conversion.source) == (Decimal("4.2512"), FRI, "ECB")


async def test_convert_uses_the_latest_earlier_rate_when_none_was_published_that_day(db: AsyncSession) -> None:
    await store_rates(db, RATES)
    conversion = await convert(db, Money(amount_minor=12345, currency="EUR"), "PLN", SAT)
    # Friday's rate, not Thursday's (older) nor Wednesday's (published after the date asked for).
    assert conversion.as_of == FRI
    assert conversion.rate == Decimal("4.2512")
    assert conversion.converted.amount_minor == 52481


async def test_convert_inverts_the_published_rate_when_converting_into_the_base(db: AsyncSession) -> None:
    await store_rates(db, RATES)
    conversion = await convert(db, Money(amount_minor=100000, currency="PLN"), "EUR", FRI)
    assert conversion.rate == Decimal("0.2352277004")  # 1 / 4.2512
    assert conversion.converted == Money(amount_minor=23523, currency="EUR")
    assert (conversion.as_of, conversion.source) == (FRI, "ECB")


async def test_convert_crosses_through_eur_when_neither_currency_is_eur(db: AsyncSession) -> None:
    await store_rates(db, RATES)
    conversion = await convert(db, Money(amount_minor=100000, currency="PLN"), "CZK", FRI)
    assert conversion.rate == Decimal("5.9051561912")  # 25.104 CZK / 4.2512 PLN
    assert conversion.converted == Money(amount_minor=590516, currency="CZK")
    # The older of the two legs dates the crossed rate.
    assert conversion.as_of == THU
    assert conversion.source == "ECB via EUR"


async def test_convert_respects_currencies_without_minor_units(db: AsyncSession) -> None:
    await store_rates(db, RATES)
    conversion = await convert(db, Money(amount_minor=12345, currency="EUR"), "JPY", FRI)
    assert conversion.converted == Money(amount_minor=20042, currency="JPY")  # 123.45 x 162.35 = 20042.1075 yen


async def test_find_rate_prefers_the_direct_rate_over_crossing(db: AsyncSession) -> None:
    await store_rates(db, [*RATES, RateRow(base="PLN", quote="CZK", rate=Decimal("5.9"), as_of=THU, source="NBP")])
    assert await find_rate(db, "PLN", "CZK", FRI) == (Decimal("5.9"), THU, "NBP")


async def test_convert_is_not_found_when_no_rate_connects_the_currencies(db: AsyncSession) -> None:
    await store_rates(db, RATES)
    with pytest.raises(NotFound, match="USD to PLN"):
        await convert(db, Money(amount_minor=100, currency="USD"), "PLN", FRI)


async def test_convert_is_not_found_when_every_rate_is_later_than_the_date(db: AsyncSession) -> None:
    await store_rates(db, RATES)
    with pytest.raises(NotFound):
        await convert(db, Money(amount_minor=100, currency="EUR"), "PLN", THU - dt.timedelta(days=1))


async def test_storing_a_rate_again_corrects_it_instead_of_duplicating(db: AsyncSession) -> None:
    await store_rates(db, RATES)
    await store_rates(db, [ecb("PLN", "4.2500", FRI)])
    assert await find_rate(db, "EUR", "PLN", FRI) == (Decimal("4.2500"), FRI, "ECB")


# --- HTTP ----------------------------------------------------------------------------------------


async def test_convert_endpoint_returns_the_amounts_and_the_rate_used(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _stored(sessions, RATES)
    account = await register(client)
    response = await client.get(
        "/api/v1/fx/convert",
        params={"amount_minor": 12345, "from": "eur", "to": "PLN", "on": SAT.isoformat()},
        headers=account.headers,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {
        "original": {"amount_minor": 12345, "currency": "EUR"},
        "converted": {"amount_minor": 52481, "currency": "PLN"},
        "rate": "4.2512000000",
        "as_of": "2026-11-20",
        "source": "ECB",
    }


async def test_convert_endpoint_uses_todays_rate_when_no_date_given(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    today = clock.today()
    await _stored(
        sessions,
        [ecb("PLN", "4.1000", today - dt.timedelta(days=1)), ecb("PLN", "9.9000", today + dt.timedelta(days=1))],
    )
    account = await register(client)
    response = await client.get(
        "/api/v1/fx/convert", params={"amount_minor": 100, "from": "EUR", "to": "PLN"}, headers=account.headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["rate"] == "4.1000000000"
    assert response.json()["converted"] == {"amount_minor": 410, "currency": "PLN"}


async def test_convert_endpoint_writes_small_rates_as_plain_decimals(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _stored(sessions, [RateRow(base="IDR", quote="EUR", rate=Decimal("0.0000567"), as_of=FRI, source="test")])
    account = await register(client)
    response = await client.get(
        "/api/v1/fx/convert",
        params={"amount_minor": 1_000_000_00, "from": "IDR", "to": "EUR", "on": FRI.isoformat()},
        headers=account.headers,
    )
    assert response.json()["rate"] == "0.0000567000"
    assert response.json()["converted"] == {"amount_minor": 5670, "currency": "EUR"}


async def test_convert_endpoint_is_404_problem_when_no_rate(client: Client) -> None:
    account = await register(client)
    response = await client.get(
        "/api/v1/fx/convert",
        params={"amount_minor": 100, "from": "EUR", "to": "PLN", "on": FRI.isoformat()},
        headers=account.headers,
    )
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "EUR to PLN" in response.json()["detail"]


@pytest.mark.parametrize(("source", "target", "field"), [("EUX", "PLN", "query:from"), ("EUR", "zloty", "query:to")])
async def test_convert_endpoint_is_422_naming_the_field_when_currency_unknown(
    client: Client, source: str, target: str, field: str
) -> None:
    account = await register(client)
    response = await client.get(
        "/api/v1/fx/convert", params={"amount_minor": 100, "from": source, "to": target}, headers=account.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


async def test_convert_endpoint_is_422_when_amount_does_not_fit_in_minor_units(client: Client) -> None:
    account = await register(client)
    response = await client.get(
        "/api/v1/fx/convert", params={"amount_minor": 2**63, "from": "EUR", "to": "PLN"}, headers=account.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query:amount_minor"


async def test_fx_endpoints_are_401_without_credentials(client: Client) -> None:
    convert_response = await client.get("/api/v1/fx/convert", params={"amount_minor": 1, "from": "EUR", "to": "PLN"})
    rates_response = await client.get("/api/v1/fx/rates")
    for response in (convert_response, rates_response):
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_rates_endpoint_lists_stored_rates_newest_first(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _stored(sessions, RATES)
    account = await register(client)
    response = await client.get("/api/v1/fx/rates", params={"base": "EUR", "quote": "pln"}, headers=account.headers)
    assert response.status_code == 200
    assert response.json() == [
        {"base": "EUR", "quote": "PLN", "rate": "4.3000000000", "as_of": "2026-11-25", "source": "ECB"},
        {"base": "EUR", "quote": "PLN", "rate": "4.2512000000", "as_of": "2026-11-20", "source": "ECB"},
        {"base": "EUR", "quote": "PLN", "rate": "4.2601000000", "as_of": "2026-11-19", "source": "ECB"},
    ]


async def test_rates_endpoint_returns_at_most_limit_rates(
    client: Client, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await _stored(sessions, RATES)
    account = await register(client)
    response = await client.get("/api/v1/fx/rates", params={"limit": 2}, headers=account.headers)
    assert [(r["quote"], r["as_of"]) for r in response.json()] == [("PLN", "2026-11-25"), ("JPY", "2026-11-20")]
    everything = await client.get("/api/v1/fx/rates", headers=account.headers)
    assert len(everything.json()) == len(RATES)


@pytest.mark.parametrize(
    ("params", "field"),
    [({"limit": 0}, "query:limit"), ({"limit": 366}, "query:limit"), ({"quote": "XXY"}, "query:quote")],
)
async def test_rates_endpoint_is_422_naming_the_field_when_invalid(
    client: Client, params: dict[str, Any], field: str
) -> None:
    account = await register(client)
    response = await client.get("/api/v1/fx/rates", params=params, headers=account.headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field


# --- CLI -----------------------------------------------------------------------------------------


async def test_fx_import_command_makes_the_rates_available_to_the_api(
    client: Client, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv_file = tmp_path / "eurofxref-hist.csv"
    csv_file.write_text("Date, USD, PLN, \n2026-11-20, 1.0550, 4.2512, \n2026-11-19, 1.0521, N/A, \n")
    monkeypatch.setenv("DATABASE_URL", database_url)
    # The command runs its own event loop (asyncio.run), so it cannot run on the test's loop.
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["fx", "import", str(csv_file), "--data-dir", str(tmp_path / "data")]
    )
    assert result.exit_code == 0, result.output
    assert "imported 3 rates from 2026-11-19 to 2026-11-20 (source ECB)" in result.output

    account = await register(client)
    rates = await client.get("/api/v1/fx/rates", params={"quote": "USD"}, headers=account.headers)
    assert [(r["rate"], r["as_of"]) for r in rates.json()] == [
        ("1.0550000000", "2026-11-20"),
        ("1.0521000000", "2026-11-19"),
    ]
    converted = await client.get(
        "/api/v1/fx/convert",
        params={"amount_minor": 10000, "from": "USD", "to": "PLN", "on": "2026-11-20"},
        headers=account.headers,
    )
    assert converted.json()["source"] == "ECB via EUR"
    assert converted.json()["converted"] == {"amount_minor": 40296, "currency": "PLN"}


async def test_fx_import_command_imports_the_ecb_history_when_it_has_columns_of_retired_currencies(
    client: Client, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv_file = tmp_path / "eurofxref-hist.csv"
    # Exactly the ECB history's header (trailing comma included), a recent row and one from 1999.
    csv_file.write_text(
        "Date,USD,JPY,BGN,CYP,CZK,DKK,EEK,GBP,HUF,LTL,LVL,MTL,PLN,ROL,RON,SEK,SIT,SKK,CHF,ISK,NOK,HRK,RUB,TRL,TRY,"
        "AUD,BRL,CAD,CNY,HKD,IDR,ILS,INR,KRW,MXN,MYR,NZD,PHP,SGD,THB,ZAR,\n"
        "2026-12-04,1.0512,158.21,N/A,N/A,25.012,7.4589,N/A,0.83115,409.35,N/A,N/A,N/A,4.2203,N/A,4.9766,11.123,"
        "N/A,N/A,0.9307,146.3,11.712,N/A,N/A,N/A,36.345,1.6271,6.3571,1.4766,7.6234,8.1789,17012.33,3.8877,89.115,"
        "1551.22,21.234,4.6734,1.8012,61.234,1.4123,36.122,19.234,\n"
        "1999-01-04,1.1789,133.73,N/A,0.58231,35.107,7.4501,15.6466,0.7111,251.48,N/A,0.6677,0.4318,4.0712,1.3111,"
        "N/A,9.4696,189.045,42.991,1.6168,N/A,8.855,N/A,N/A,0.372,N/A,1.91,N/A,1.8004,N/A,9.1332,N/A,N/A,N/A,N/A,"
        "N/A,N/A,2.2229,N/A,N/A,N/A,6.9358,\n"
    )
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["fx", "import", str(csv_file), "--data-dir", str(tmp_path / "data")]
    )
    assert result.exit_code == 0, result.output
    assert "imported 44 rates from 1999-01-04 to 2026-12-04 (source ECB)" in result.output
    assert (
        "skipped the columns of currencies not in use: BGN, CYP, EEK, LTL, LVL, MTL, ROL, SIT, SKK, HRK, TRL"
        in result.output
    )

    account = await register(client)
    rates = await client.get("/api/v1/fx/rates", params={"quote": "PLN"}, headers=account.headers)
    assert [(r["rate"], r["as_of"]) for r in rates.json()] == [
        ("4.2203000000", "2026-12-04"),
        ("4.0712000000", "1999-01-04"),
    ]


async def test_fx_import_command_fails_naming_the_line_when_the_file_is_malformed(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    csv_file = tmp_path / "broken.csv"
    csv_file.write_text("Date, USD, \n2026-11-20, 1.05, \nyesterday, 1.04, \n")
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = await asyncio.to_thread(
        CliRunner().invoke, main, ["fx", "import", str(csv_file), "--data-dir", str(tmp_path / "data")]
    )
    assert result.exit_code != 0
    assert "line 3: bad date 'yesterday'" in result.output
