"""HTTP endpoints of sealed bids: a producer's own bid, and all bids once opened (coordinators)."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, put
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from kernel.web import Caller, Session
from procurement.bid.schemas import BidRead, BidSubmit
from procurement.bid.service import BidService


class BidController(Controller):
    path = "/api/v1/tenders/{tender_id:uuid}/bids"
    tags = ["procurement"]

    @get("/", summary="Every bid, once opened at the deadline (the hub's coordinators; 403 while sealed)")
    async def opened(
        self, tender_id: FromPath[uuid.UUID], principal: Caller, db_session: Session, state: State
    ) -> list[BidRead]:
        return await BidService(db_session, state.settings.bid_sealing_secret).opened_bids(principal, tender_id)

    @put("/{organization_id:uuid}", summary="Submit or replace the organisation's sealed bid (before the deadline)")
    async def submit(
        self,
        tender_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        data: JSONBody[BidSubmit],
        principal: Caller,
        db_session: Session,
        state: State,
    ) -> BidRead:
        service = BidService(db_session, state.settings.bid_sealing_secret)
        return await service.submit(principal, tender_id, organization_id, data)

    @get("/{organization_id:uuid}", summary="The organisation's own bid (its members only)")
    async def read_own(
        self,
        tender_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        state: State,
    ) -> BidRead:
        service = BidService(db_session, state.settings.bid_sealing_secret)
        return await service.read_own(principal, tender_id, organization_id)

    @delete("/{organization_id:uuid}", summary="Withdraw the organisation's bid (before the deadline)", status_code=200)
    async def withdraw(
        self,
        tender_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        state: State,
    ) -> BidRead:
        service = BidService(db_session, state.settings.bid_sealing_secret)
        return await service.withdraw(principal, tender_id, organization_id)
