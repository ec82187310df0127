"""Wire formats of foreign exchange: conversions and stored reference rates."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from kernel.money import Money

Rate = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[0-9]+(\.[0-9]+)?$",
        description="Decimal string (never a float): units of the quote currency per unit of the base currency",
        examples=["4.2512000000"],
    ),
]
Source = Annotated[
    str,
    msgspec.Meta(description="Who published the rate; crossed rates say `via EUR`", examples=["ECB", "ECB via EUR"]),
]


class ConversionRead(msgspec.Struct, kw_only=True, frozen=True):
    original: Money
    converted: Money
    """Rounded half-up to the target currency's minor units."""
    rate: Rate
    """Units of `converted.currency` per unit of `original.currency`, as used."""
    as_of: dt.date
    """Date the rate was published (the latest on or before the requested date)."""
    source: Source


class RateRead(msgspec.Struct, kw_only=True, frozen=True):
    base: str
    quote: str
    rate: Rate
    """Units of `quote` per unit of `base`."""
    as_of: dt.date
    source: Source
