"""Quantities and prices as procurement takes them from callers (decimal strings on the wire)."""

from __future__ import annotations

from decimal import Decimal

from kernel.errors import InvalidInput
from kernel.money import check_price_precision, to_minor
from marketplace.api import unit_of

QUANTITY_DIGITS = 3
MAX_QUANTITY = Decimal("1e12")
#: The most decimal places of a unit price: the most any ISO 4217 currency has (CLF, UYW); a
#: price in a given currency is held to its own exponent (`kernel.money.check_price_precision`).
PRICE_DIGITS = 4


def quantity(value: Decimal, unit: str, field: str) -> Decimal:
    """A positive quantity of `unit` with at most three decimals (none for counted units)."""
    if not value.is_finite() or value <= 0:
        raise InvalidInput.field(field, "must be greater than zero")
    if value >= MAX_QUANTITY:
        raise InvalidInput.field(field, "is too large")
    known = unit_of(unit)
    if known is not None and known.discrete and value != value.to_integral_value():
        raise InvalidInput.field(field, f"{known.name} is counted in whole units")
    stored = value.quantize(Decimal(1).scaleb(-QUANTITY_DIGITS))
    if value != stored:
        raise InvalidInput.field(field, f"at most {QUANTITY_DIGITS} decimal places")
    return stored


def unit_price_minor(value: Decimal, currency: str, field: str) -> int:
    """A positive unit price in `currency`'s minor units, refusing more decimals than it has."""
    if not value.is_finite() or value <= 0:
        raise InvalidInput.field(field, "must be greater than zero")
    if value >= MAX_QUANTITY:
        raise InvalidInput.field(field, "is too large")
    return to_minor(check_price_precision(value, currency, field), currency)
