"""Numbers written into a form's fields, the reader's way (`12,5` in German, `1000` for a thousand):
no group separator and every digit the number has, so that `kernel.numbers.read_number` reads
back what the field shows. The one way the forms write a number they show again."""

from __future__ import annotations

from decimal import Decimal

import babel
from babel import numbers


def shown_number(value: Decimal, locale: babel.Locale) -> str:
    """A number for a form field, the reader's way and with every digit it has (`0,0045`, `1000`,
    `1,125` in German): no grouping, no trailing zeros, no exponent."""
    return numbers.format_decimal(value, locale=locale, decimal_quantization=False, group_separator=False)


def shown_price(value: Decimal, currency: str, locale: babel.Locale) -> str:
    """A price for a form field as `shown_number` writes it, with at least its currency's cents
    (`9,40`, not `9,4`)."""
    cents = numbers.get_currency_precision(currency)
    exponent = value.normalize().as_tuple().exponent
    digits = -exponent if isinstance(exponent, int) else 0
    pattern = "0." + "0" * cents + "#" * max(digits - cents, 0) if cents else "0.###"
    return numbers.format_decimal(value, format=pattern, locale=locale, decimal_quantization=False)
