"""Messages written for their reader: one template per kind of message, in the reader's language.

A message template (`templates/<kind>.jinja`) says what the message says, once, in three blocks:
`subject` (one line), `body` (paragraphs separated by a blank line) and `action` (the label of its
link, optional). The shared layouts turn that into the text and the HTML part of an e-mail and the
in-app notification, so a message kind is written (and translated) once for every channel.

Times are shown in the reader's time zone (their region's, else their language's usual one).
Texts are translated with gettext message catalogs (`locale/<language>/LC_MESSAGES/messages.po`,
kept up to date with `borderhub i18n extract|update|compile`); a language without a catalog
reads English. Dates, numbers, money and quantities are formatted with Babel for the reader's
locale; units are named (`2,5 kg`, `3 Kisten`), never given as UN/CEFACT codes.
"""

from __future__ import annotations

import datetime as dt
import functools
import gettext
import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import babel
import jinja2
from babel import dates, numbers, units
from babel.core import get_global
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

from kernel.catalogs import MessageCatalog
from kernel.money import from_minor

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = Path(__file__).parent / "locale"
DEFAULT_LANGUAGE = "en"
#: The languages messages are written in; every other reads English.
LANGUAGES = ("en", "de", "pl", "cs")
#: The texts of every message (templates and the unit names below) and their translations.
CATALOG = MessageCatalog(name="messages", sources=Path(__file__).parent, locale_dir=LOCALES, languages=LANGUAGES[1:])


@dataclass(frozen=True)
class Rendered:
    language: str
    """The catalog the message was written from (en, de, pl, cs)."""
    subject: str
    paragraphs: tuple[str, ...]
    """The body, paragraph by paragraph (as the inbox in the app shows it)."""
    text: str
    html: str
    action: str | None
    """The link's label (None: the message has no link)."""


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


@functools.cache
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


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of `language`: compiled in memory from its `.po` file, so that a catalog
    cannot be stale and installing needs no build step."""
    po = LOCALES / language / "LC_MESSAGES" / "messages.po"
    if language == DEFAULT_LANGUAGE or not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)


def environment(*, autoescape: bool = False) -> jinja2.Environment:
    """The template environment (also what `borderhub i18n extract` reads templates with)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        extensions=["jinja2.ext.i18n"],
        autoescape=autoescape,  # noqa: S701 - off only for the text part and the subjects, never for HTML
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


@functools.cache
def _environment(preferred: str | None, *, autoescape: bool) -> jinja2.Environment:
    locale = locale_of(preferred)
    catalog = translations(catalog_language(preferred))
    env = environment(autoescape=autoescape)
    env.install_gettext_translations(catalog, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(_formatters(locale, catalog, zone_of(preferred)))
    return env


def _formatters(
    locale: babel.Locale, catalog: gettext.NullTranslations, zone: dt.tzinfo
) -> dict[str, Callable[..., str]]:
    def money(amount_minor: int, currency: str) -> str:
        return numbers.format_currency(from_minor(amount_minor, currency), currency, locale=locale)

    def number(value: int | Decimal | str) -> str:
        return numbers.format_decimal(Decimal(value), locale=locale)

    def date(value: dt.date | str) -> str:
        day = dt.date.fromisoformat(value[:10]) if isinstance(value, str) else value
        return dates.format_date(day, format="long", locale=locale)

    def datetime(value: dt.datetime | str) -> str:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        shown = dates.format_datetime(moment, format="medium", tzinfo=zone, locale=locale)
        return f"{shown} {dates.get_timezone_name(moment.astimezone(zone), width='short', locale=locale)}"

    def quantity(value: int | Decimal | str, unit_code: str) -> str:
        return format_quantity(Decimal(value), unit_code, locale, catalog)

    return {"money": money, "number": number, "date": date, "datetime": datetime, "quantity": quantity}


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


def render(kind: str, preferred_language: str | None, context: Mapping[str, Any]) -> Rendered:
    """The message `kind` for a reader preferring `preferred_language`, with `context` (its values,
    and `link`: where its action leads, or None).

    Raises `jinja2.TemplateNotFound` for an unknown kind and `jinja2.UndefinedError` when the context
    lacks a value the template uses: a programming error, never the reader's."""
    values = {"link": None, **context}
    text_env = _environment(preferred_language, autoescape=False)
    template = text_env.get_template(f"{kind}.jinja")
    parts = {name: _block(template, name, values) for name in ("subject", "body", "action")}
    subject = " ".join(parts["subject"].split())
    paragraphs = [" ".join(p.split()) for p in parts["body"].split("\n\n") if p.strip()]
    action = " ".join(parts["action"].split()) or None
    link = values["link"]
    layout = {"subject": subject, "paragraphs": paragraphs, "action": action, "link": link}
    text = text_env.get_template("layout/mail.txt.jinja").render(layout)
    html = _environment(preferred_language, autoescape=True).get_template("layout/mail.html.jinja").render(layout)
    return Rendered(
        language=catalog_language(preferred_language),
        subject=subject,
        paragraphs=tuple(paragraphs),
        text=text,
        html=html,
        action=action,
    )


def _block(template: jinja2.Template, name: str, values: Mapping[str, Any]) -> str:
    block = template.blocks.get(name)
    if block is None:
        return ""
    return "".join(block(template.new_context(dict(values))))
