"""The VAT rates the service ships: the rates in force in the hubs' countries, each set with the
day it took effect. A platform administrator corrects or adds rates in the database
(`VatRateCorrection`); a correction on a day beats the shipped set from that day on.

Sources: the European Commission's "VAT rates applied in the Member States" (taxud, 2025
edition) for the member states, and the tax administrations of Switzerland (ESTV), Ukraine and
Moldova. Categories a country does not have are absent (a listing cannot take them there).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from marketplace.tax.models import VatCategory

_S = VatCategory.standard
_R = VatCategory.reduced
_SR = VatCategory.super_reduced


@dataclass(frozen=True)
class RateSet:
    country: str
    valid_from: dt.date
    rates: dict[VatCategory, Decimal]
    """Percent per category (zero and exempt are 0 everywhere and are not listed)."""


def _set(country: str, valid_from: str, **rates: str) -> RateSet:
    return RateSet(
        country=country,
        valid_from=dt.date.fromisoformat(valid_from),
        rates={VatCategory(name): Decimal(rate) for name, rate in rates.items()},
    )


SHIPPED: tuple[RateSet, ...] = (
    _set("DE", "2007-01-01", standard="19", reduced="7"),
    _set("DE", "2020-07-01", standard="16", reduced="5"),  # the second half of 2020 only
    _set("DE", "2021-01-01", standard="19", reduced="7"),
    _set("PL", "2011-01-01", standard="23", reduced="8", super_reduced="5"),
    _set("CZ", "2015-01-01", standard="21", reduced="15", super_reduced="10"),
    _set("CZ", "2024-01-01", standard="21", reduced="12"),
    _set("SK", "2011-01-01", standard="20", reduced="10"),
    _set("SK", "2025-01-01", standard="23", reduced="19", super_reduced="5"),
    _set("AT", "2016-01-01", standard="20", reduced="10"),
    _set("FR", "2014-01-01", standard="20", reduced="5.5", super_reduced="2.1"),
    _set("CH", "2018-01-01", standard="7.7", reduced="2.5"),
    _set("CH", "2024-01-01", standard="8.1", reduced="2.6"),
    _set("UA", "2014-01-01", standard="20", reduced="7"),
    _set("MD", "2012-01-01", standard="20", reduced="8"),
)

#: Members of the EU's VAT area (Directive 2006/112/EC). Supplies leaving it are exports.
EU_MEMBERS = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU",
    "IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})  # fmt: skip

#: The currency a country's VAT is declared in (the VAT of an invoice in another currency is also
#: stated in this one, at the exchange rate its law prescribes).
NATIONAL_CURRENCY = {
    "AT": "EUR", "DE": "EUR", "FR": "EUR", "SK": "EUR",
    "CZ": "CZK", "PL": "PLN", "CH": "CHF", "UA": "UAH", "MD": "MDL",
}  # fmt: skip

#: The law under which a small business charges no VAT, cited on its invoices.
SMALL_BUSINESS_BASIS = {
    "DE": "§ 19 UStG",
    "AT": "§ 6 Abs. 1 Z 27 UStG",
    "PL": "art. 113 ust. 1 ustawy o VAT",
    "CZ": "§ 6 odst. 1 zákona č. 235/2004 Sb. (ZDPH)",
    "SK": "§ 4 zákona č. 222/2004 Z. z.",
    "FR": "art. 293 B du CGI",
}


def shipped_rate(country: str, category: VatCategory, day: dt.date) -> Decimal | None:
    """The shipped rate of `category` in `country` on `day`; None when the country has no such rate
    (or no rates at all) then. Zero and exempt are 0 in every country with rates."""
    current = max(
        (s for s in SHIPPED if s.country == country and s.valid_from <= day), key=lambda s: s.valid_from, default=None
    )
    if current is None:
        return None
    if category in (VatCategory.zero, VatCategory.exempt):
        return Decimal(0)
    return current.rates.get(category)
