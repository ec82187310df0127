"""Foreign-exchange rates and conversion.

Rates are stored as published (`1 base = rate quote`, e.g. the ECB's EUR
reference rates) with their date and source. Every conversion returns the rate,
its date and its source so callers can record exactly what they used.

Reads that show many prices converted on every request (search) take the rates an application
keeps (`kept_rate`); what records a conversion (an order, an invoice, a bid) reads them afresh
(`find_rate`).
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import json
from decimal import Decimal, InvalidOperation

import msgspec
from babel.numbers import list_currencies
from sqlalchemy import CHAR, Date, Numeric, String, UniqueConstraint, func, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kernel import cache
from kernel.codes import currency as check_currency
from kernel.codes import currency_exponent
from kernel.db import KERNEL_SCHEMA, Entity
from kernel.errors import InvalidInput, NotFound
from kernel.money import Money, from_minor, money

RATE_DIGITS = Decimal("1e-10")
MAX_RATE = Decimal("1e14")  # fits NUMERIC(24, 10)
CODE_LENGTH = 3  # ISO 4217 alphabetic codes
#: `kernel.cache` key of the rates an application keeps (`kept_rate`); `store_rates` changes them.
KEPT_RATES = "kernel.fx.kept_rates"
#: Rates are published once a working day: a process other than the one storing them may show the
#: previous rate, with its date, for up to a minute after.
KEPT_RATES_TTL = 60.0


class FxRate(Entity):
    __tablename__ = "fx_rate"
    __table_args__ = (
        UniqueConstraint("base", "quote", "as_of", "source"),
        {"schema": KERNEL_SCHEMA},
    )

    base: Mapped[str] = mapped_column(CHAR(3))
    quote: Mapped[str] = mapped_column(CHAR(3))
    rate: Mapped[Decimal] = mapped_column(Numeric(24, 10))
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    source: Mapped[str] = mapped_column(String(40))


class Conversion(msgspec.Struct, frozen=True, kw_only=True):
    original: Money
    converted: Money
    rate: Decimal
    """Units of the target currency per unit of the original currency."""
    as_of: dt.date
    source: str


class RateRow(msgspec.Struct, frozen=True, kw_only=True):
    base: str
    quote: str
    rate: Decimal
    as_of: dt.date
    source: str


class EcbRates(msgspec.Struct, frozen=True, kw_only=True):
    rows: list[RateRow]
    skipped: tuple[str, ...]
    """Header codes whose columns were not imported: currencies no longer (or not yet) in the
    installed ISO 4217 list, such as the ECB history's CYP or BGN, or codes that are not money
    goods are priced in."""


def parse_ecb_csv(text: str, source: str = "ECB") -> EcbRates:
    """Parse the ECB reference-rate CSV (`Date, USD, JPY, ...` with `N/A` gaps), EUR as base.

    Accepts both the daily file and the historical file. A column headed by a three-letter code
    that is not a currency the service prices in (a retired one such as CYP, ROL or BGN,
    or one newer than the installed code list) is skipped and named in `skipped`, not refused:
    the history file keeps the columns of every currency the ECB ever quoted. Its values are still
    checked like any other. Raises `InvalidInput` naming the column of a header cell that is not a
    three-letter code, or the line of the first malformed date or value (anything but a positive
    number or `N/A`).
    """
    reader = csv.reader(io.StringIO(text))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        raise InvalidInput("the ECB file is empty") from None
    if not header or header[0] != "Date":
        raise InvalidInput("not an ECB reference-rate file: the first column must be 'Date'")
    quotes: list[str] = []  # "" for the empty column the trailing separator makes
    imported: list[bool] = []
    skipped: list[str] = []
    for i, code in enumerate(header[1:], 1):
        quote, known = _header_currency(code, f"header[{i}]")
        quotes.append(quote)
        imported.append(known)
        if quote and not known:
            skipped.append(quote)
    rows: list[RateRow] = []
    for line_number, cells in enumerate(reader, start=2):
        if not cells or not cells[0].strip():
            continue
        as_of = _ecb_date(cells[0], line_number)
        values = [cell.strip() for cell in cells[1:]]
        unlabelled = values[len(quotes) :] + [v for q, v in zip(quotes, values, strict=False) if not q]
        if any(unlabelled):
            # e.g. a decimal comma ("4,2512") would otherwise shift or drop values silently
            raise InvalidInput(f"line {line_number}: more values than currencies in the header")
        for quote, known, value in zip(quotes, imported, values, strict=False):
            if not quote or not value or value == "N/A":
                continue
            rate = _ecb_rate(value, quote, line_number)
            if known:
                rows.append(RateRow(base="EUR", quote=quote, rate=rate, as_of=as_of, source=source))
    return EcbRates(rows=rows, skipped=tuple(skipped))


def _ecb_date(cell: str, line_number: int) -> dt.date:
    """`2026-11-20` (history file) or `20 November 2026` (daily file)."""
    try:
        return dt.date.fromisoformat(cell.strip())
    except ValueError:
        try:
            return dt.datetime.strptime(cell.strip(), "%d %B %Y").date()  # noqa: DTZ007 - a date, not a time
        except ValueError:
            raise InvalidInput(f"line {line_number}: bad date {cell!r}") from None


def _ecb_rate(value: str, quote: str, line_number: int) -> Decimal:
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise InvalidInput(f"line {line_number}: bad rate {value!r} for {quote}") from None
    if not rate.is_finite() or rate <= 0 or rate >= MAX_RATE:
        raise InvalidInput(f"line {line_number}: rate {value!r} for {quote} must be a positive finite number")
    return rate


def _header_currency(code: str, field: str) -> tuple[str, bool]:
    """The code of a header cell and whether its column is imported; `InvalidInput` if it is no code at all."""
    if not code:
        return "", False
    try:
        return check_currency(code, field), True
    except InvalidInput:
        if len(code) == CODE_LENGTH and code.isascii() and code.isalpha():
            return code.upper(), False
        raise


async def store_rates(session: AsyncSession, rows: list[RateRow]) -> int:
    """Insert or correct rates (same base, quote, date and source replaces the rate)."""
    cache.changed(session, KEPT_RATES)
    batch = 5000
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        statement = insert(FxRate).values([msgspec.structs.asdict(r) for r in chunk])
        statement = statement.on_conflict_do_update(
            index_elements=["base", "quote", "as_of", "source"],
            # updated_at tells the dashboard summary which days to convert again
            set_={"rate": statement.excluded.rate, "updated_at": func.now()},
        )
        await session.execute(statement)
    return len(rows)


FoundRate = tuple[Decimal, dt.date, str]
"""A rate as `find_rate` answers it: the rate, its date and its source."""


async def find_rate(session: AsyncSession, base: str, quote: str, on: dt.date) -> FoundRate:
    """The most recent rate on or before `on`: direct, inverted, or crossed through EUR.

    The rule is the database function `kernel.find_fx_rate` (migrations 0011 and 0013), which the
    dashboards' aggregates call too. Raises `NotFound` when no published rate connects the two
    currencies.
    """
    row = (
        await session.execute(
            text("SELECT rate, as_of, source FROM kernel.find_fx_rate(:base, :quote, :on)"),
            {"base": base, "quote": quote, "on": on},
        )
    ).one_or_none()
    if row is None:
        raise _no_rate(base, quote, on)
    return Decimal(row.rate), row.as_of, row.source


async def kept_rate(session: AsyncSession, base: str, quote: str, on: dt.date) -> FoundRate:
    """`find_rate`'s answer (or its `NotFound`), kept by the application (`kernel.cache`) for up to a
    minute: for reads that convert prices on every request, never for what records a conversion.

    What is kept is one table of the pairs asked since the rates were last read afresh; it is dropped
    when a transaction that stored rates commits (`store_rates`) and when the minute is up."""
    found: dict[tuple[str, str, dt.date], FoundRate | None] = await cache.cached(
        session, KEPT_RATES, KEPT_RATES_TTL, _no_rates_yet
    )
    pair = (base, quote, on)
    if pair not in found:
        try:
            found[pair] = await find_rate(session, base, quote, on)
        except NotFound:
            found[pair] = None
    rate = found[pair]
    if rate is None:
        raise _no_rate(base, quote, on)
    return rate


async def _no_rates_yet() -> dict[tuple[str, str, dt.date], FoundRate | None]:
    return {}


def _no_rate(base: str, quote: str, on: dt.date) -> NotFound:
    return NotFound(f"no exchange rate from {base} to {quote} on or before {on.isoformat()}")


async def convert(session: AsyncSession, amount: Money, to_currency: str, on: dt.date) -> Conversion:
    """Convert money at the most recent rate on or before `on`, returning the rate used."""
    rate, as_of, source = await find_rate(session, amount.currency, to_currency, on)
    converted = money(from_minor(amount.amount_minor, amount.currency) * rate, to_currency)
    return Conversion(original=amount, converted=converted, rate=rate, as_of=as_of, source=source)


@functools.cache
def _exponents() -> str:
    return json.dumps({code: currency_exponent(code) for code in list_currencies()})


def conversion_factors_sql(pairs: str) -> str:
    """SQL selecting `(currency, to_currency, day, factor)` for each `(currency, to_currency, day)` row of
    the query `pairs`: `round(amount_minor * factor)` is the amount in minor units of `to_currency` at the
    rate `find_rate` would choose for that day (null when there is none). Bind `conversion_params()`."""
    return f"""
        SELECT p.currency, p.to_currency, p.day,
               r.rate * power(10::numeric, (CAST(:currency_exponents AS jsonb) ->> p.to_currency::text)::int
                                           - (CAST(:currency_exponents AS jsonb) ->> p.currency::text)::int) AS factor
        FROM ({pairs}) p
        LEFT JOIN LATERAL kernel.find_fx_rate(p.currency, p.to_currency, p.day) r ON true
    """  # noqa: S608 - `pairs` is our own SQL, never input


def conversion_params() -> dict[str, str]:
    return {"currency_exponents": _exponents()}
