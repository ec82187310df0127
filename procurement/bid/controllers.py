"""HTTP endpoints of sealed bids: a producer's own bid, and all bids once opened (coordinators)."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath

from kernel.web import Caller, Session, body_examples
from procurement.bid.schemas import BID_SUBMIT_EXAMPLE, BidRead, BidSubmit
from procurement.bid.service import BidService
from procurement.settings import ProcurementSettings


def provide_bid_service(db_session: Session, procurement_settings: NamedDependency[ProcurementSettings]) -> BidService:
    return BidService(db_session, procurement_settings.sealing_secret)


Bids = NamedDependency[BidService]


class BidController(Controller):
    path = "/api/v1/tenders/{tender_id:uuid}/bids"
    tags = ["procurement"]
    dependencies = {"bid_service": Provide(provide_bid_service, sync_to_thread=False)}

    @get("/", summary="Every bid, once opened at the deadline (the hub's coordinators; 403 while sealed)")
    async def opened(self, tender_id: FromPath[uuid.UUID], principal: Caller, bid_service: Bids) -> list[BidRead]:
        return await bid_service.opened_bids(principal, tender_id)

    @put("/{organization_id:uuid}", summary="Submit or replace the organisation's sealed bid (before the deadline)")
    async def submit(
        self,
        tender_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        data: Annotated[BidSubmit, body_examples(BID_SUBMIT_EXAMPLE)],
        principal: Caller,
        bid_service: Bids,
    ) -> BidRead:
        return await bid_service.submit(principal, tender_id, organization_id, data)

    @get("/{organization_id:uuid}", summary="The organisation's own bid (its members only)")
    async def read_own(
        self,
        tender_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        bid_service: Bids,
    ) -> BidRead:
        return await bid_service.read_own(principal, tender_id, organization_id)

    @delete("/{organization_id:uuid}", summary="Withdraw the organisation's bid (before the deadline)", status_code=200)
    async def withdraw(
        self,
        tender_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        bid_service: Bids,
    ) -> BidRead:
        return await bid_service.withdraw(principal, tender_id, organization_id)
