"""The invariants of a listing, as pure functions shared by the API and the bulk import.

Each raises `InvalidInput` naming the offending field (JSON path without `$.`) — every
offending field of what it checks, not only the first.
"""

from __future__ import annotations

from decimal import Decimal

from kernel.codes import currency_exponent
from kernel.errors import FieldProblems, InvalidInput
from kernel.validation import decimal_places
from marketplace.catalog.schemas import MAX_QUANTITY, MAX_UNIT_PRICE, QUANTITY_DECIMALS, UNIT_PRICE_DECIMALS
from marketplace.catalog.units import REC20, Unit


def quantity(value: Decimal, unit: Unit, field: str, *, allow_zero: bool = False) -> Decimal:
    """A quantity in the listing's unit: finite, positive (or zero if allowed), whole for discrete units."""
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput.field(field, "must be a positive number" if not allow_zero else "cannot be negative")
    if value >= MAX_QUANTITY:
        raise InvalidInput.field(field, "is too large")
    if unit.discrete and value != value.to_integral_value():
        raise InvalidInput.field(field, f"must be a whole number of {unit.name}s")
    if decimal_places(value) > QUANTITY_DECIMALS:
        raise InvalidInput.field(field, f"has more than {QUANTITY_DECIMALS} decimal places")
    return value


def quantity_change(value: Decimal, unit: Unit, field: str) -> Decimal:
    """A move of stock in the listing's unit ("-3" after a sale elsewhere): finite, not zero,
    smaller than the largest quantity, whole for discrete units, at most three decimals —
    judged on its own, before it is added to anything (so "NaN" or "1e-400" never reach
    the stock)."""
    if not value.is_finite():
        raise InvalidInput.field(field, "must be a number")
    if value == 0:
        raise InvalidInput.field(field, "must not be zero")
    quantity(value.copy_abs(), unit, field)  # copy_abs: no rounding, so no Overflow
    return value


def order_quantity(value: Decimal, unit_code: str, pack_size: Decimal, minimum: Decimal, field: str) -> Decimal:
    """A quantity a buyer may order: a valid quantity, at least the minimum order, whole packs."""
    quantity(value, REC20[unit_code], field)
    if value < minimum:
        raise InvalidInput.field(field, f"below the minimum order of {minimum.normalize():f} {unit_code}")
    if value % pack_size != 0:
        raise InvalidInput.field(field, f"must be a whole number of packs of {pack_size.normalize():f} {unit_code}")
    return value


def pack_and_minimum(pack_size: Decimal, minimum: Decimal | None, unit: Unit) -> tuple[Decimal, Decimal]:
    """The pack size and the minimum order (the pack size if None): at least one pack and a
    whole number of packs."""
    problems = FieldProblems()
    pack = problems.check(quantity, pack_size, unit, "pack_size")
    if minimum is not None:
        least = problems.check(quantity, minimum, unit, "min_order_quantity")
        if pack is not None and least is not None and (least < pack or least % pack != 0):
            problems.add("min_order_quantity", f"must be a whole number of packs of {pack}")
    problems.raise_if_any()
    return pack_size, minimum if minimum is not None else pack_size


def price_tiers(
    tiers: list[tuple[Decimal, Decimal]],
    currency: str,
    unit: Unit,
    pack_size: Decimal | None,
    minimum: Decimal | None,
) -> None:
    """Volume tiers: quantities strictly increasing, prices positive and non-increasing.

    The first tier must apply at the minimum order quantity. A unit price may carry more
    digits than the currency (0.0045 EUR per gram), but one pack must cost a whole number
    of minor units — that is the smallest amount an order can contain. A pack size or
    minimum that is None (itself invalid) is not checked against. Each bad field of each
    tier is reported, once.
    """
    problems = FieldProblems()
    exponent = currency_exponent(currency)
    previous: tuple[Decimal, Decimal] | None = None  # the last tier whose values are sound
    first: Decimal | None = None  # the first tier's minimum quantity, if sound
    for index, (min_quantity, unit_price) in enumerate(tiers):
        field = f"price_tiers[{index}]"
        quantity_ok = problems.check(quantity, min_quantity, unit, f"{field}.min_quantity") is not None
        if quantity_ok and index == 0:
            first = min_quantity
        price_problem = _unit_price_problem(unit_price, currency, exponent, pack_size)
        if price_problem is not None:
            problems.add(f"{field}.unit_price", price_problem)
        if previous is not None and quantity_ok and min_quantity <= previous[0]:
            problems.add(f"{field}.min_quantity", "tiers must have strictly increasing quantities")
        elif previous is not None and price_problem is None and unit_price > previous[1]:
            problems.add(f"{field}.unit_price", "a larger tier cannot have a higher unit price")
        if quantity_ok and price_problem is None:
            previous = (min_quantity, unit_price)
    if first is not None and minimum is not None and first > minimum:
        problems.add("price_tiers[0].min_quantity", f"the first tier must start at or below {minimum}")
    problems.raise_if_any()


def _unit_price_problem(unit_price: Decimal, currency: str, exponent: int, pack_size: Decimal | None) -> str | None:
    if not unit_price.is_finite() or unit_price <= 0:
        return "must be a positive price"
    if unit_price >= MAX_UNIT_PRICE or decimal_places(unit_price) > UNIT_PRICE_DECIMALS:
        return f"at most {UNIT_PRICE_DECIMALS} decimal places"
    if pack_size is not None and decimal_places(unit_price * pack_size) > exponent:
        return (
            f"a pack of {pack_size} would cost {unit_price * pack_size} {currency}, "
            f"more decimals than {currency} allows ({exponent})"
        )
    return None


def tier_for(tiers: list[tuple[Decimal, Decimal]], amount: Decimal) -> tuple[Decimal, Decimal]:
    """The tier applying to `amount`: the one with the largest minimum not above it."""
    applicable = [tier for tier in tiers if tier[0] <= amount]
    if not applicable:
        raise InvalidInput.field("quantity", f"below the smallest tier ({tiers[0][0]})")
    return applicable[-1]
