"""How a reader reads: their catalog language, locale, time zone, and money, numbers, dates and
quantities formatted for them with Babel (units by name, never UN/CEFACT codes).

Shared by the messages (`marketplace.mail.render`) and the web pages (through `marketplace.api`).
The unit names are texts of the messages' catalog (`CATALOG`), so they are translated once.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import babel
from babel import dates, numbers, units
from babel.core import get_global

from kernel.catalogs import MessageCatalog
from kernel.money import from_minor

LOCALES = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"
#: The languages the service is written in; every other reads English.
LANGUAGES = ("en", "de", "pl", "cs")
#: The texts of every message (templates and the unit names below) and their translations.
CATALOG = MessageCatalog(name="messages", sources=Path(__file__).parent, locale_dir=LOCALES, languages=LANGUAGES[1:])


def catalog_language(preferred: str | None) -> str:
    """The language of the catalog a reader preferring `preferred` (a BCP 47 tag) reads."""
    primary = (preferred or DEFAULT_LANGUAGE).split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def locale_of(preferred: str | None) -> babel.Locale:
    """The Babel locale to format for: the reader's own (`de-AT` formats as in Austria) when its
    language has a catalog, else English."""
    language = catalog_language(preferred)
    if preferred and preferred.split("-", 1)[0].lower() == language:
        try:
            return babel.Locale.parse(preferred, sep="-")
        except (ValueError, babel.UnknownLocaleError):
            pass
    return babel.Locale.parse(language)


@functools.lru_cache(maxsize=256)  # bounded: preferred languages are free BCP 47 tags
def zone_of(preferred: str | None) -> dt.tzinfo:
    """The time zone to show times in to a reader preferring `preferred`: its region's (`de-AT`:
    Vienna), else the usual region of a language messages are written in (`pl`: Warsaw), else UTC
    (English is read everywhere)."""
    locale = locale_of(preferred)
    territory = locale.territory
    if territory is None and locale.language != DEFAULT_LANGUAGE:
        likely = get_global("likely_subtags").get(locale.language)
        territory = babel.Locale.parse(likely).territory if likely else None
    zones = get_global("territory_zones").get(territory or "", [])
    return dates.get_timezone(zones[0]) if zones else dt.UTC


@dataclass(frozen=True)
class Formats:
    """Money, numbers, dates, times and quantities as a reader preferring `preferred` reads them."""

    locale: babel.Locale
    zone: dt.tzinfo
    catalog: gettext.NullTranslations

    def money(self, amount_minor: int, currency: str) -> str:
        """`1.144,50 €` for 114450 EUR to a German reader: currency units, never minor units."""
        return self.amount(from_minor(amount_minor, currency), currency)

    def amount(self, value: Decimal, currency: str) -> str:
        """A unit price or other amount in currency units (`2,40 €`)."""
        return numbers.format_currency(value, currency, locale=self.locale)

    def number(self, value: int | Decimal | str) -> str:
        return numbers.format_decimal(Decimal(value), locale=self.locale)

    def percent(self, value: Decimal) -> str:
        """A percentage given in percent (`10` → `10 %` to a German reader)."""
        return numbers.format_percent(Decimal(value) / 100, locale=self.locale, decimal_quantization=False)

    def currency_name(self, currency: str) -> str:
        """The currency by name (`Euro`), for labels: "price in euro"."""
        return numbers.get_currency_name(currency, locale=self.locale)

    def date(self, value: dt.date | str) -> str:
        day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
        return dates.format_date(day, format="long", locale=self.locale)

    def day(self, moment: dt.datetime) -> str:
        """The day of `moment` in the reader's time zone, written as `date` writes it: a moment
        recorded at 23:30 UTC is the next day to a reader in Berlin (never its UTC `.date()`)."""
        return self.date(moment.astimezone(self.zone).date())

    def datetime(self, value: dt.datetime | str) -> str:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        shown = dates.format_datetime(moment, format="medium", tzinfo=self.zone, locale=self.locale)
        zone_name = dates.get_timezone_name(moment.astimezone(self.zone), width="short", locale=self.locale)
        return f"{shown} {zone_name}"

    def quantity(self, value: int | Decimal | str, unit_code: str) -> str:
        return format_quantity(Decimal(value), unit_code, self.locale, self.catalog)

    def unit(self, unit_code: str) -> str:
        """The unit by name, without a number (`kg`, `box`): for pickers and column headings."""
        return unit_name(unit_code, self.locale, self.catalog)


@functools.lru_cache(maxsize=256)  # bounded: preferred languages are free BCP 47 tags
def formats_for(preferred: str | None) -> Formats:
    """How a reader preferring `preferred` (a BCP 47 tag) reads: see `Formats`."""
    return Formats(
        locale=locale_of(preferred), zone=zone_of(preferred), catalog=CATALOG.translations(catalog_language(preferred))
    )


#: Units of measure Babel names (CLDR), by UN/CEFACT Rec 20 code.
_MEASURED = {
    "MGM": "mass-milligram",
    "GRM": "mass-gram",
    "KGM": "mass-kilogram",
    "TNE": "mass-tonne",
    "MLT": "volume-milliliter",
    "CLT": "volume-centiliter",
    "LTR": "volume-liter",
    "HLT": "volume-hectoliter",
    "MTQ": "volume-cubic-meter",
    "MMT": "length-millimeter",
    "CMT": "length-centimeter",
    "MTR": "length-meter",
    "KMT": "length-kilometer",
    "MTK": "area-square-meter",
    "HAR": "area-hectare",
    "MIN": "duration-minute",
    "HUR": "duration-hour",
    "DAY": "duration-day",
    "WEE": "duration-week",
    "MON": "duration-month",
    "KWH": "energy-kilowatt-hour",
}


def format_quantity(
    value: Decimal, unit_code: str, locale: babel.Locale, catalog: gettext.NullTranslations | None = None
) -> str:
    """`value` of the unit `unit_code`, by name in the locale: `2,5 kg`, `3 Kisten`, `12 pieces`."""
    code = unit_code.strip().upper()
    if code in _MEASURED:
        return units.format_unit(value, _MEASURED[code], length="short", locale=locale)
    catalog = catalog or gettext.NullTranslations()
    shown = numbers.format_decimal(value, locale=locale)
    count = int(value) if value == value.to_integral_value() else 2
    return _counted(catalog, code, count) % {"num": shown}


def _counted(t: gettext.NullTranslations, code: str, n: int) -> str:  # noqa: PLR0911 - one line per unit
    # One literal call per unit, so that `borderhub i18n extract` finds each text.
    match code:
        case "H87" | "C62" | "EA" | "NAR":
            return t.ngettext("%(num)s piece", "%(num)s pieces", n)
        case "PR" | "NPR":
            return t.ngettext("%(num)s pair", "%(num)s pairs", n)
        case "SET":
            return t.ngettext("%(num)s set", "%(num)s sets", n)
        case "DZN":
            return t.ngettext("%(num)s dozen", "%(num)s dozen", n)
        case "XBX":
            return t.ngettext("%(num)s box", "%(num)s boxes", n)
        case "XBG":
            return t.ngettext("%(num)s bag", "%(num)s bags", n)
        case "XBO":
            return t.ngettext("%(num)s bottle", "%(num)s bottles", n)
        case "XCR":
            return t.ngettext("%(num)s crate", "%(num)s crates", n)
        case "XPK":
            return t.ngettext("%(num)s pack", "%(num)s packs", n)
        case "XPX":
            return t.ngettext("%(num)s pallet", "%(num)s pallets", n)
        case "XTN":
            return t.ngettext("%(num)s tin", "%(num)s tins", n)
        case "XJR":
            return t.ngettext("%(num)s jar", "%(num)s jars", n)
    return "%(num)s " + code


def unit_name(unit_code: str, locale: babel.Locale, catalog: gettext.NullTranslations) -> str:
    """The unit alone by name in the locale (`kg`, `l`, `box`); the code itself when it has no name."""
    code = unit_code.strip().upper()
    if code in _MEASURED:
        return units.format_unit(1, _MEASURED[code], length="short", locale=locale).replace("1", "").strip()
    return (_counted(catalog, code, 1) % {"num": ""}).strip()
