"""Places by name in the reader's language: a country or a region (ISO 3166-1 or 3166-2 code) as a
person reads it (`Sachsen, Deutschland`), never the code alone; and the countries and regions to
choose from, by name. The one way the pages name places (the place service's names, from CLDR and
pycountry's catalogs)."""

from __future__ import annotations

import functools

from kernel import codes
from kernel.errors import InvalidInput, NotFound
from marketplace.place import service as places
from marketplace.place.schemas import SubdivisionRead


@functools.lru_cache(maxsize=64)  # bounded: one entry per language a page is read in
def countries(language: str) -> dict[str, str]:
    """Every country's name by its code (ISO 3166-1 alpha-2), in `language` (a BCP 47 tag), in the
    order of the names."""
    return {item.code: item.name for item in places.list_countries(language, None).items}


@functools.lru_cache(maxsize=512)
def regions(country: str, language: str) -> tuple[SubdivisionRead, ...]:
    """The regions (ISO 3166-2) of `country`, named in `language`, in the order of the names; none
    for a code that is no country (one stored before it was checked)."""
    try:
        return places.list_subdivisions(country, language, None).items
    except (NotFound, InvalidInput):
        return ()


@functools.lru_cache(maxsize=512)
def _region_names(country: str, language: str) -> dict[str, str]:
    return {item.code: item.name for item in regions(country, language)}


def place_name(code: str, language: str) -> str:
    """The country (`Polen`) or the region and its country (`Sachsen, Deutschland`) of `code`, named
    in `language` (a BCP 47 tag); the code itself only for a place no one has named."""
    try:
        country_code = codes.jurisdiction_country(code)
        country = countries(language).get(country_code, country_code)
    except InvalidInput:
        return code
    if "-" not in code:
        return country
    region = _region_names(country_code, language).get(code.upper())
    return f"{region}, {country}" if region else country
