"""Places by name in the reader's language: a country or a region (ISO 3166-1 or 3166-2 code) as a
person reads it (`Sachsen, Deutschland`), never the code alone."""

from __future__ import annotations

import functools

from kernel import codes
from kernel.errors import InvalidInput, NotFound
from marketplace.place import service as places


@functools.lru_cache(maxsize=64)  # bounded: one entry per language a page is read in
def _countries(language: str) -> dict[str, str]:
    return {item.code: item.name for item in places.list_countries(language, None).items}


@functools.lru_cache(maxsize=512)
def _regions(country: str, language: str) -> dict[str, str]:
    try:
        return {item.code: item.name for item in places.list_subdivisions(country, language, None).items}
    except (NotFound, InvalidInput):  # not a country we know: no regions to name
        return {}


def place_name(code: str, language: str) -> str:
    """The country (`Polen`) or the region and its country (`Sachsen, Deutschland`) of `code`, named
    in `language` (a BCP 47 tag); the code itself only for a place no one has named."""
    try:
        country_code = codes.jurisdiction_country(code)
        country = _countries(language).get(country_code, country_code)
    except InvalidInput:
        return code
    if "-" not in code:
        return country
    region = _regions(country_code, language).get(code.upper())
    return f"{region}, {country}" if region else country
