"""HTTP endpoints of VAT rates: read them (anyone signed in), correct them (platform administrators)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, put
from litestar.params import JSONBody, QueryParameter

from kernel import clock
from kernel.validation import Day
from kernel.web import Caller, Session
from marketplace.tax.schemas import VatRateCorrectionCreate, VatRateRead
from marketplace.tax.service import TaxService


class VatRateController(Controller):
    path = "/api/v1/vat-rates"
    tags = ["vat"]

    @get("/", summary="The VAT rate of every category, per country, on a day")
    async def rates(
        self,
        principal: Caller,
        db_session: Session,
        country: Annotated[str | None, QueryParameter(description="ISO 3166-1 alpha-2; default every country")] = None,
        on: Annotated[Day | None, QueryParameter(description="Defaults to today (UTC)")] = None,
    ) -> list[VatRateRead]:
        return await TaxService(db_session).rates(country, on or clock.today())

    @put("/", summary="Set a rate from a day on (platform administrators)", status_code=200)
    async def correct(
        self, principal: Caller, db_session: Session, data: JSONBody[VatRateCorrectionCreate]
    ) -> VatRateRead:
        return await TaxService(db_session).correct(principal, data)
