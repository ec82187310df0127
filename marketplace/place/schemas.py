"""Wire formats of places: countries, their subdivisions and currencies, named in the caller's language."""

from __future__ import annotations

from typing import Annotated

import msgspec

Language = Annotated[
    str, msgspec.Meta(description="BCP 47 tag of the language the names are in", examples=["de", "pl-PL"])
]


class CountryRead(msgspec.Struct, kw_only=True, frozen=True):
    code: Annotated[str, msgspec.Meta(description="ISO 3166-1 alpha-2", examples=["DE"])]
    name: str


class CountryList(msgspec.Struct, kw_only=True, frozen=True):
    language: Language
    items: tuple[CountryRead, ...]
    """Every ISO 3166-1 country, sorted by name in `language`."""


class SubdivisionRead(msgspec.Struct, kw_only=True, frozen=True):
    code: Annotated[str, msgspec.Meta(description="ISO 3166-2", examples=["PL-02"])]
    name: str
    type: Annotated[str, msgspec.Meta(description="ISO 3166-2 category, in English", examples=["Voivodship"])]
    parent_code: Annotated[str | None, msgspec.Meta(description="Enclosing subdivision, if any", examples=["FR-ARA"])]


class SubdivisionList(msgspec.Struct, kw_only=True, frozen=True):
    language: Language
    country: str
    items: tuple[SubdivisionRead, ...]
    """Every ISO 3166-2 subdivision of `country` (empty if it has none), sorted by name in `language`."""


class CurrencyRead(msgspec.Struct, kw_only=True, frozen=True):
    code: Annotated[str, msgspec.Meta(description="ISO 4217", examples=["EUR"])]
    name: str
    minor_units: Annotated[int, msgspec.Meta(description="Digits after the decimal point (EUR 2, JPY 0)", ge=0)]


class CurrencyList(msgspec.Struct, kw_only=True, frozen=True):
    language: Language
    items: tuple[CurrencyRead, ...]
    """Every ISO 4217 currency, sorted by code."""
