"""HTTP endpoints of places: countries, subdivisions and currencies in the caller's language (public)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromPath, FromQuery, HeaderParameter

from marketplace.place import service
from marketplace.place.schemas import CountryList, CurrencyList, SubdivisionList

AcceptLanguage = Annotated[
    str | None, HeaderParameter(name="Accept-Language", description="Used when `lang` is not given")
]


class PlaceController(Controller):
    path = "/api/v1/places"
    tags = ["places"]

    @get("/countries", summary="ISO 3166-1 countries, named and sorted in the caller's language")
    async def countries(
        self, lang: FromQuery[str | None] = None, accept_language: AcceptLanguage = None
    ) -> CountryList:
        return service.list_countries(lang, accept_language)

    @get("/countries/{code:str}/subdivisions", summary="ISO 3166-2 subdivisions of a country")
    async def subdivisions(
        self, code: FromPath[str], lang: FromQuery[str | None] = None, accept_language: AcceptLanguage = None
    ) -> SubdivisionList:
        return service.list_subdivisions(code, lang, accept_language)

    @get("/currencies", summary="ISO 4217 currencies with their minor units, named in the caller's language")
    async def currencies(
        self, lang: FromQuery[str | None] = None, accept_language: AcceptLanguage = None
    ) -> CurrencyList:
        return service.list_currencies(lang, accept_language)
