"""Money: integer minor units plus an ISO 4217 code. Never floats.

Unit prices are `Decimal`s (a price per kilogram may carry more digits than the
currency); totals are rounded half-up to the currency's exponent only when they
become money.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

import msgspec

from kernel.codes import currency_exponent
from kernel.errors import InvalidInput


class Money(msgspec.Struct, frozen=True, kw_only=True):
    amount_minor: int
    currency: str

    def __add__(self, other: Money) -> Money:
        if other.currency != self.currency:
            raise InvalidInput(f"cannot add {other.currency} to {self.currency}")
        return Money(amount_minor=self.amount_minor + other.amount_minor, currency=self.currency)

    @property
    def decimal(self) -> Decimal:
        return from_minor(self.amount_minor, self.currency)


# The wire forms of money every package shows (`amount_minor` + `currency`), kept without
# docstrings: a docstring would become their description in the OpenAPI document.
class Amount(msgspec.Struct, kw_only=True, frozen=True):
    amount_minor: int
    currency: str


class ConvertedAmount(msgspec.Struct, kw_only=True, frozen=True):
    amount_minor: int
    currency: str
    rate: Decimal
    rate_date: dt.date
    rate_source: str


def to_minor(amount: Decimal, currency: str) -> int:
    """Round a decimal amount half-up to the currency's minor units (EUR 12.345 -> 1235)."""
    exponent = currency_exponent(currency)
    scaled = (amount * (Decimal(10) ** exponent)).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return int(scaled)


def from_minor(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-currency_exponent(currency))


def money(amount: Decimal, currency: str) -> Money:
    return Money(amount_minor=to_minor(amount, currency), currency=currency)


def line_total(unit_price: Decimal, quantity: Decimal, currency: str) -> Money:
    """Price of `quantity` units, rounded once at the end (not per unit)."""
    return money(unit_price * quantity, currency)


def check_price_precision(amount: Decimal, currency: str, field: str) -> Decimal:
    """Refuse an amount with more decimals than the currency allows (JPY 10.5 is invalid)."""
    exponent = currency_exponent(currency)
    if amount != amount.quantize(Decimal(1).scaleb(-exponent)):
        raise InvalidInput.field(field, f"{currency} allows at most {exponent} decimal places")
    return amount


def apportion(total_minor: int, weights: Sequence[int]) -> list[int]:
    """`total_minor` split in proportion to `weights`, in whole minor units that add up to it exactly:
    each part rounded down, the units left over going to the largest remainders (ties: the earlier part)."""
    whole = sum(weights)
    if whole <= 0:
        return [0 for _ in weights]
    parts = [total_minor * weight // whole for weight in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total_minor * weights[i] % whole), i))
    for i in remainders[: total_minor - sum(parts)]:
        parts[i] += 1
    return parts
