"""Place use cases: list countries, subdivisions and currencies named in the caller's language.

All names come from maintained data — CLDR through babel, ISO 3166/4217 through
pycountry and its gettext catalogs — never from tables of our own. The lists are
static for a given release of that data, so each is built once per language.
"""

from __future__ import annotations

import gettext
import unicodedata
from functools import lru_cache

import pycountry
from babel import Locale, UnknownLocaleError
from babel.core import get_global, parse_locale
from babel.numbers import get_currency_name

from kernel import codes
from kernel.errors import InvalidInput, NotFound
from kernel.negotiation import MAX_TAG_LENGTH, accepted_languages
from marketplace.place.schemas import (
    CountryList,
    CountryRead,
    CurrencyList,
    CurrencyRead,
    SubdivisionList,
    SubdivisionRead,
)

DEFAULT_LOCALE = "en"
_PER_LANGUAGE_CACHE = 64


def list_countries(lang: str | None, accept_language: str | None) -> CountryList:
    """Every ISO 3166-1 country with its name in the caller's language, sorted by that name.

    Raises `InvalidInput` naming `lang` when `lang` is not a language we can name places in.
    """
    return _countries(resolve_locale(lang, accept_language))


def list_subdivisions(country: str, lang: str | None, accept_language: str | None) -> SubdivisionList:
    """The ISO 3166-2 subdivisions of a country, named in the caller's language and sorted by name.

    Raises `NotFound` for a code that is not an ISO 3166-1 alpha-2 country (any case accepted)
    and `InvalidInput` naming `lang` as `list_countries` does.
    """
    try:
        code = codes.country(country, "code")
    except InvalidInput:
        raise NotFound(f"no country with ISO 3166-1 alpha-2 code {country!r}") from None
    return _subdivisions(code, resolve_locale(lang, accept_language))


def list_currencies(lang: str | None, accept_language: str | None) -> CurrencyList:
    """Every ISO 4217 currency with its name in the caller's language and its minor units, sorted by code.

    Raises `InvalidInput` naming `lang` as `list_countries` does.
    """
    return _currencies(resolve_locale(lang, accept_language))


def resolve_locale(lang: str | None, accept_language: str | None) -> str:
    """The babel locale identifier (`de`, `pl_PL`) to name places in.

    An explicit `lang` wins: it must be a registered BCP 47 language that CLDR has
    names for, dropping subtags babel lacks (`de-AT-1996` serves `de_AT`), else
    `InvalidInput` naming `lang`. Otherwise the most preferred `Accept-Language`
    tag that names a CLDR locale is used, and otherwise English; a header never
    causes an error, since browsers send what they send.
    """
    if lang is not None:
        if len(lang) > MAX_TAG_LENGTH:
            raise InvalidInput.query("lang", f"a language tag has at most {MAX_TAG_LENGTH} characters")
        tag = codes.language(lang, "query:lang")
        identifier = _babel_identifier(tag)
        if identifier is None:
            raise InvalidInput.query("lang", f"no place names are available in {tag!r}")
        return identifier
    for tag in accepted_languages(accept_language or ""):
        identifier = _babel_identifier(tag)
        if identifier is not None:
            return identifier
    return DEFAULT_LOCALE


def _babel_identifier(tag: str) -> str | None:
    """The most specific babel locale for a BCP 47 tag, dropping subtags from the end until one exists."""
    parts = tag.split("-")
    while parts:
        try:
            return str(Locale.parse("-".join(parts), sep="-"))
        except (UnknownLocaleError, ValueError):
            parts.pop()
    return None


def _bcp47(identifier: str) -> str:
    return identifier.replace("_", "-")


def _collation_key(name: str) -> tuple[str, str]:
    # Close enough to CLDR collation for pick lists: "Österreich" sorts with O, not after Z.
    base = "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch))
    return base.casefold(), name


@lru_cache(maxsize=_PER_LANGUAGE_CACHE)
def _catalog(domain: str, identifier: str) -> gettext.NullTranslations:
    """pycountry's gettext catalog of `domain` for a babel locale (untranslated names if none)."""
    locale = Locale.parse(identifier)
    candidates: list[str] = []
    if locale.script == "Latn":
        candidates.append(f"{locale.language}@latin")  # gettext's name for e.g. Serbian in Latin script
    if locale.territory:
        candidates.append(f"{locale.language}_{locale.territory}")
    candidates.append(locale.language)
    # pycountry has `zh_CN`/`zh_TW` but no `zh`: fall back to the likely region of the language.
    likely = get_global("likely_subtags").get(
        f"{locale.language}_{locale.script}" if locale.script else locale.language
    )
    if likely:
        territory = parse_locale(likely)[1]
        if territory:
            candidates.append(f"{locale.language}_{territory}")
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=candidates, fallback=True)


@lru_cache(maxsize=_PER_LANGUAGE_CACHE)
def _countries(identifier: str) -> CountryList:
    locale = Locale.parse(identifier)
    iso_names = _catalog("iso3166-1", identifier)
    items = [
        CountryRead(
            code=country.alpha_2, name=locale.territories.get(country.alpha_2) or iso_names.gettext(country.name)
        )
        for country in pycountry.countries
    ]
    items.sort(key=lambda item: _collation_key(item.name))
    return CountryList(language=_bcp47(identifier), items=tuple(items))


@lru_cache(maxsize=8 * _PER_LANGUAGE_CACHE)
def _subdivisions(country: str, identifier: str) -> SubdivisionList:
    iso_names = _catalog("iso3166-2", identifier)
    items = [
        SubdivisionRead(
            code=subdivision.code,
            name=iso_names.gettext(subdivision.name),
            type=subdivision.type,
            parent_code=getattr(subdivision, "parent_code", None),
        )
        for subdivision in pycountry.subdivisions.get(country_code=country) or []
    ]
    items.sort(key=lambda item: _collation_key(item.name))
    return SubdivisionList(language=_bcp47(identifier), country=country, items=tuple(items))


@lru_cache(maxsize=_PER_LANGUAGE_CACHE)
def _currencies(identifier: str) -> CurrencyList:
    locale = Locale.parse(identifier)
    iso_names = _catalog("iso4217", identifier)
    items: list[CurrencyRead] = []
    for currency in sorted(pycountry.currencies, key=lambda c: c.alpha_3):
        name = get_currency_name(currency.alpha_3, locale=locale)
        if name == currency.alpha_3:  # CLDR has no name for it in this language
            name = iso_names.gettext(currency.name)
        items.append(
            CurrencyRead(code=currency.alpha_3, name=name, minor_units=codes.currency_exponent(currency.alpha_3))
        )
    return CurrencyList(language=_bcp47(identifier), items=tuple(items))
