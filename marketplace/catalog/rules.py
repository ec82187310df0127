"""The invariants of a listing, as pure functions shared by the API and the bulk import.

Each raises `InvalidInput` naming the offending field (JSON path without `$.`).
"""

from __future__ import annotations

from decimal import Decimal

from kernel.codes import currency_exponent
from kernel.errors import InvalidInput
from marketplace.catalog.units import REC20, Unit

QUANTITY_DECIMALS = 3
UNIT_PRICE_DECIMALS = 6
MAX_QUANTITY = Decimal("1e12")
MAX_UNIT_PRICE = Decimal("1e9")


def _more_decimals_than(value: Decimal, places: int) -> bool:
    """Whether `value` needs more than `places` decimal places ("1.50" needs one)."""
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int) or -exponent <= places:
        return False  # the common case, without normalising
    exponent = value.normalize().as_tuple().exponent
    return isinstance(exponent, int) and -exponent > places


def quantity(value: Decimal, unit: Unit, field: str, *, allow_zero: bool = False) -> Decimal:
    """A quantity in the listing's unit: finite, positive (or zero if allowed), whole for discrete units."""
    if not value.is_finite() or value < 0 or (value == 0 and not allow_zero):
        raise InvalidInput.field(field, "must be a positive number" if not allow_zero else "cannot be negative")
    if value >= MAX_QUANTITY:
        raise InvalidInput.field(field, "is too large")
    if unit.discrete and value != value.to_integral_value():
        raise InvalidInput.field(field, f"must be a whole number of {unit.name}s")
    if _more_decimals_than(value, QUANTITY_DECIMALS):
        raise InvalidInput.field(field, f"has more than {QUANTITY_DECIMALS} decimal places")
    return value


def order_quantity(value: Decimal, unit_code: str, pack_size: Decimal, minimum: Decimal, field: str) -> Decimal:
    """A quantity a buyer may order: a valid quantity, at least the minimum order, whole packs."""
    quantity(value, REC20[unit_code], field)
    if value < minimum:
        raise InvalidInput.field(field, f"below the minimum order of {minimum.normalize():f} {unit_code}")
    if value % pack_size != 0:
        raise InvalidInput.field(field, f"must be a whole number of packs of {pack_size.normalize():f} {unit_code}")
    return value


def pack_and_minimum(pack_size: Decimal, minimum: Decimal, unit: Unit) -> None:
    """The minimum order is at least one pack and a whole number of packs."""
    quantity(pack_size, unit, "pack_size")
    quantity(minimum, unit, "min_order_quantity")
    if minimum < pack_size or minimum % pack_size != 0:
        raise InvalidInput.field("min_order_quantity", f"must be a whole number of packs of {pack_size}")


def price_tiers(
    tiers: list[tuple[Decimal, Decimal]], currency: str, unit: Unit, pack_size: Decimal, minimum: Decimal
) -> None:
    """Volume tiers: quantities strictly increasing, prices positive and non-increasing.

    The first tier must apply at the minimum order quantity. A unit price may carry more
    digits than the currency (0.0045 EUR per gram), but one pack must cost a whole number
    of minor units — that is the smallest amount an order can contain.
    """
    exponent = currency_exponent(currency)
    previous: tuple[Decimal, Decimal] | None = None
    for index, (min_quantity, unit_price) in enumerate(tiers):
        field = f"price_tiers[{index}]"
        quantity(min_quantity, unit, f"{field}.min_quantity")
        if not unit_price.is_finite() or unit_price <= 0:
            raise InvalidInput.field(f"{field}.unit_price", "must be a positive price")
        if unit_price >= MAX_UNIT_PRICE or _more_decimals_than(unit_price, UNIT_PRICE_DECIMALS):
            raise InvalidInput.field(f"{field}.unit_price", f"at most {UNIT_PRICE_DECIMALS} decimal places")
        if _more_decimals_than(unit_price * pack_size, exponent):
            raise InvalidInput.field(
                f"{field}.unit_price",
                f"a pack of {pack_size} would cost {unit_price * pack_size} {currency}, "
                f"more decimals than {currency} allows ({exponent})",
            )
        if previous is not None:
            if min_quantity <= previous[0]:
                raise InvalidInput.field(f"{field}.min_quantity", "tiers must have strictly increasing quantities")
            if unit_price > previous[1]:
                raise InvalidInput.field(f"{field}.unit_price", "a larger tier cannot have a higher unit price")
        previous = (min_quantity, unit_price)
    if tiers[0][0] > minimum:
        raise InvalidInput.field("price_tiers[0].min_quantity", f"the first tier must start at or below {minimum}")


def tier_for(tiers: list[tuple[Decimal, Decimal]], amount: Decimal) -> tuple[Decimal, Decimal]:
    """The tier applying to `amount`: the one with the largest minimum not above it."""
    applicable = [tier for tier in tiers if tier[0] <= amount]
    if not applicable:
        raise InvalidInput.field("quantity", f"below the smallest tier ({tiers[0][0]})")
    return applicable[-1]
