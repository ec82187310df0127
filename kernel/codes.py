"""Validation and normalisation of standard codes, from maintained data (pycountry, babel, langcodes).

Each function takes the field name it validates so the resulting 422 names it.
"""

from __future__ import annotations

from functools import lru_cache

import langcodes
import pycountry
from babel.numbers import get_currency_precision

from kernel.errors import FieldProblems, InvalidInput

ALPHA2, ALPHA3 = 2, 3
MAX_TAG_LENGTH = 35  # RFC 5646 recommends supporting at least 35 characters
# ISO 4217 codes that are not money one prices goods in: precious metals, IMF/bond-market
# units of account, funds, and the testing/no-currency codes.
NOT_FOR_PRICES = frozenset(
    {
        *("XAU", "XAG", "XPD", "XPT", "XDR", "XBA", "XBB", "XBC", "XBD", "XSU", "XUA", "XTS", "XXX"),
        *("BOV", "CHE", "CHW", "CLF", "COU", "MXV", "USN", "UYI", "UYW"),
    }
)


# Lookups are cached (bounded): bulk imports check the same few codes on every row.
@lru_cache(maxsize=1024)
def _is_country(code: str) -> bool:
    return len(code) == ALPHA2 and pycountry.countries.get(alpha_2=code) is not None


@lru_cache(maxsize=4096)
def _is_subdivision(code: str) -> bool:
    return pycountry.subdivisions.get(code=code) is not None


def country(value: str, field: str = "country") -> str:
    """An ISO 3166-1 alpha-2 country code, upper-cased."""
    code = value.strip().upper()
    if not _is_country(code):
        raise InvalidInput.field(field, f"unknown ISO 3166-1 alpha-2 country code {value!r}")
    return code


def subdivision(value: str, field: str = "subdivision", *, country_code: str | None = None) -> str:
    """An ISO 3166-2 subdivision code (`FR-57`), upper-cased, inside `country_code` if given."""
    code = value.strip().upper()
    if not _is_subdivision(code):
        raise InvalidInput.field(field, f"unknown ISO 3166-2 subdivision code {value!r}")
    if country_code is not None and not code.startswith(country_code + "-"):
        raise InvalidInput.field(field, f"subdivision {code} is not in country {country_code}")
    return code


def jurisdiction(value: str, field: str = "jurisdiction") -> str:
    """A country (`FR`) or a subdivision (`FR-57`): where rules and deliveries apply."""
    if "-" in value:
        return subdivision(value, field)
    return country(value, field)


def jurisdiction_country(code: str) -> str:
    return code.split("-", 1)[0]


@lru_cache(maxsize=4096)
def jurisdiction_parents(code: str) -> tuple[str, ...]:
    """The jurisdictions enclosing a normalised code, nearest first, ending with its country.

    `FR-57` (Moselle) lies in `FR-GES` (Grand Est) in `FR`; `PL-02` lies in `PL`; a
    country has no parents. Unknown subdivisions fall back to their country alone.
    """
    if "-" not in code:
        return ()
    country_code = jurisdiction_country(code)
    parents: list[str] = []
    current = pycountry.subdivisions.get(code=code)
    while current is not None and getattr(current, "parent_code", None):
        parent = str(current.parent_code)
        # Older pycountry data spells a parent without its country prefix.
        parent = parent if "-" in parent else f"{country_code}-{parent}"
        if parent in parents or parent == code:
            break
        parents.append(parent)
        current = pycountry.subdivisions.get(code=parent)
    parents.append(country_code)
    return tuple(parents)


def jurisdiction_covers(scope: str, place: str) -> bool:
    """Whether normalised jurisdiction `scope` contains `place`: itself, or one that encloses it.

    `PL` covers `PL` and `PL-02`; `PL-02` covers only `PL-02` (not `PL`, not `PL-04`).
    """
    return scope == place or scope in jurisdiction_parents(place)


def currency(value: str, field: str = "currency") -> str:
    """An ISO 4217 currency that goods can be priced in, upper-cased (no funds, metals or test codes)."""
    code = value.strip().upper()
    if len(code) != ALPHA3 or pycountry.currencies.get(alpha_3=code) is None:
        raise InvalidInput.field(field, f"unknown ISO 4217 currency code {value!r}")
    if code in NOT_FOR_PRICES:
        raise InvalidInput.field(field, f"{code} is a fund, metal or testing code, not a currency to price goods in")
    return code


@lru_cache(maxsize=512)
def currency_exponent(code: str) -> int:
    """Number of minor-unit digits of a currency (EUR 2, JPY 0, BHD 3)."""
    return int(get_currency_precision(code))


def language(value: str, field: str = "language") -> str:
    """A BCP 47 language tag whose language is registered, in canonical form (`pt-BR`, `sr-Latn`)."""
    if len(value) > MAX_TAG_LENGTH:
        # langcodes caches every tag it parses; refusing long input keeps that cache bounded.
        raise InvalidInput.field(field, f"language tags are at most {MAX_TAG_LENGTH} characters")
    tag, problem = _language_tag(value.strip())
    if tag is None:
        raise InvalidInput.field(field, f"{problem} {value!r}")
    return tag


@lru_cache(maxsize=2048)
def _language_tag(value: str) -> tuple[str | None, str]:
    """The canonical tag, or None and what is wrong with `value`."""
    try:
        tag = langcodes.standardize_tag(value)
        parsed = langcodes.Language.get(tag)
    except (ValueError, langcodes.tag_parser.LanguageTagError):
        return None, "malformed BCP 47 language tag"
    if not parsed.language or not parsed.is_valid():
        return None, "unknown language in tag"
    return tag, ""


def languages(values: list[str], field: str = "languages") -> list[str]:
    """Canonical tags without repeats; `InvalidInput` naming every bad one (`languages[2]`)."""
    problems = FieldProblems()
    result: list[str] = []
    for index, value in enumerate(values):
        tag = problems.check(language, value, f"{field}[{index}]")
        if tag is not None and tag not in result:
            result.append(tag)
    problems.raise_if_any()
    return result
