"""FX use cases over the rates of `kernel.fx`: convert an amount, list stored rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock, codes
from kernel.errors import InvalidInput
from kernel.fx import RATE_DIGITS, FxRate, RateRow, convert, store_rates
from kernel.money import Money
from kernel.outbox import emit
from marketplace.events import FxRatesRecorded
from marketplace.money.schemas import ConversionRead, RateRead

MAX_RATES = 365
#: Money is stored as BIGINT minor units, so neither side of a conversion may exceed it.
MAX_AMOUNT_MINOR = 2**63 - 1


def rate_text(rate: Decimal) -> str:
    """A rate as a plain decimal string with the stored precision (never `1E-7` notation)."""
    return format(rate.quantize(RATE_DIGITS), "f")


async def record_rates(session: AsyncSession, rows: list[RateRow]) -> int:
    """Store (or correct) reference rates and announce the currencies they touch (prices shown in
    other currencies, such as search's reference prices, follow). Returns how many were stored."""
    count = await store_rates(session, rows)
    currencies = sorted({r.base for r in rows} | {r.quote for r in rows})
    if currencies:
        await emit(session, FxRatesRecorded(currencies=currencies))
    return count


async def convert_amount(
    session: AsyncSession, amount_minor: int, from_currency: str, to_currency: str, on: dt.date | None
) -> ConversionRead:
    """Convert `amount_minor` of `from_currency` at the latest rate on or before `on` (default today, UTC).

    Raises `InvalidInput` naming the query parameter `from` or `to` for an unknown currency, naming
    `amount_minor` when either amount would not fit in a BIGINT, and `NotFound`
    when no stored rate connects the two currencies by that date.
    """
    if abs(amount_minor) > MAX_AMOUNT_MINOR:
        raise InvalidInput.query("amount_minor", f"must be between {-MAX_AMOUNT_MINOR} and {MAX_AMOUNT_MINOR}")
    source_currency = codes.currency(from_currency, "query:from")
    target_currency = codes.currency(to_currency, "query:to")
    day = on or clock.today()
    conversion = await convert(
        session, Money(amount_minor=amount_minor, currency=source_currency), target_currency, day
    )
    if abs(conversion.converted.amount_minor) > MAX_AMOUNT_MINOR:
        raise InvalidInput.query("amount_minor", f"too large to express in {target_currency}")
    return ConversionRead(
        original=conversion.original,
        converted=conversion.converted,
        rate=rate_text(conversion.rate),
        as_of=conversion.as_of,
        source=conversion.source,
    )


async def latest_rates(session: AsyncSession, base: str | None, quote: str | None, limit: int) -> list[RateRead]:
    """Stored rates, newest first, optionally of one base and/or quote currency; at most `limit` (1 to 365).

    Raises `InvalidInput` naming `base`, `quote` or `limit` when one is invalid.
    """
    if not 1 <= limit <= MAX_RATES:
        raise InvalidInput.query("limit", f"must be between 1 and {MAX_RATES}")
    statement = select(FxRate).order_by(FxRate.as_of.desc(), FxRate.base, FxRate.quote, FxRate.source).limit(limit)
    if base is not None:
        statement = statement.where(FxRate.base == codes.currency(base, "query:base"))
    if quote is not None:
        statement = statement.where(FxRate.quote == codes.currency(quote, "query:quote"))
    rows = (await session.scalars(statement)).all()
    return [
        RateRead(base=row.base, quote=row.quote, rate=rate_text(row.rate), as_of=row.as_of, source=row.source)
        for row in rows
    ]
