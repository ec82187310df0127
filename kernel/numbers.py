"""Numbers as people write them, in their language: `2,5` and `1.000` in German, `1 000,5` in Polish,
`2.5` anywhere; one reading for every form of the pages and every number cell of a spreadsheet
saved with semicolons (`marketplace.catalog.listing_files`)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import babel
from babel import numbers

_PLAIN_NUMBER = re.compile(r"^(?P<whole>-?\d+)(?:(?P<separator>[.,])(?P<fraction>\d+))?$")
_GROUPING = re.compile(r"[\s\u00a0\u202f']")


def read_number(text: str, locale: babel.Locale) -> str:
    """A number written the `locale`'s way (`1,5` in Polish, `1.000` in German) as the services read
    it (`1.5`, `1000`); the text as it is when it is no number, for the service to name."""
    compact = _GROUPING.sub("", text)
    plain = _PLAIN_NUMBER.match(compact)
    if plain is not None:
        whole, separator, fraction = plain["whole"], plain["separator"], plain["fraction"]
        if separator is None:
            return whole
        grouped = (
            separator == numbers.get_group_symbol(locale)
            and len(fraction) == 3  # noqa: PLR2004 - digits are grouped in threes
            and whole.lstrip("-") not in ("", "0")
        )
        return whole + fraction if grouped else f"{whole}.{fraction}"
    try:
        return str(numbers.parse_decimal(compact, locale=locale, strict=True))
    except numbers.NumberFormatError:
        return text


def parse_number(text: str, locale: babel.Locale) -> Decimal | None:
    """The number written (as `read_number` reads it); None when it is no number."""
    try:
        number = Decimal(read_number(text, locale))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None
