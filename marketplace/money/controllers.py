"""HTTP endpoints of foreign exchange: convert an amount, read stored reference rates (authenticated)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.params import FromQuery, QueryParameter

from kernel.validation import Day
from kernel.web import Caller, Session
from marketplace.money import service
from marketplace.money.schemas import ConversionRead, RateRead


class FxController(Controller):
    path = "/api/v1/fx"
    tags = ["fx"]

    @get("/convert", summary="Convert an amount at the latest rate on or before a date")
    async def convert(
        self,
        principal: Caller,
        db_session: Session,
        amount_minor: Annotated[int, QueryParameter(description="In minor units of `from` (cents for EUR)")],
        from_currency: Annotated[str, QueryParameter(name="from", description="ISO 4217")],
        to_currency: Annotated[str, QueryParameter(name="to", description="ISO 4217")],
        on: Annotated[Day | None, QueryParameter(description="Defaults to today (UTC)")] = None,
    ) -> ConversionRead:
        return await service.convert_amount(db_session, amount_minor, from_currency, to_currency, on)

    @get("/rates", summary="Stored reference rates, newest first")
    async def rates(
        self,
        principal: Caller,
        db_session: Session,
        base: FromQuery[str | None] = None,
        quote: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(description=f"1 to {service.MAX_RATES}")] = 30,
    ) -> list[RateRead]:
        return await service.latest_rates(db_session, base, quote, limit)
