"""HTTP endpoints of tenders: the coordinators' (drafts, amendments, cancellation) and the public reading."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from kernel.pagination import Page, page_params
from kernel.web import Caller, Session
from procurement.tender.models import TenderStatus
from procurement.tender.schemas import TenderAmendmentCreate, TenderCancel, TenderCreate, TenderRead
from procurement.tender.service import TenderService


def _service(db_session: Session, state: State) -> TenderService:
    settings = state.settings
    return TenderService(db_session, settings.bid_sealing_secret, settings.ocid_prefix)


class TenderController(Controller):
    path = "/api/v1/tenders"
    tags = ["procurement"]

    @post("/", summary="Create a draft tender from a closed pool (a coordinator): one lot per delivery point")
    async def create(
        self, data: JSONBody[TenderCreate], principal: Caller, db_session: Session, state: State
    ) -> TenderRead:
        return await _service(db_session, state).create(principal, data)

    @get("/", summary="Published tenders (public, no sign-in): discover what to bid for")
    async def list_public(
        self,
        db_session: Session,
        state: State,
        hub_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[TenderStatus | None] = None,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 20,
    ) -> Page[TenderRead]:
        return await _service(db_session, state).list_public(hub_id, status, page_params(page, per_page))

    @get("/{tender_id:uuid}", summary="A published tender (public, no sign-in; never its bids)")
    async def read_public(self, tender_id: FromPath[uuid.UUID], db_session: Session, state: State) -> TenderRead:
        return await _service(db_session, state).read_public(tender_id)

    @get("/{tender_id:uuid}/draft", summary="A tender as its coordinators see it, drafts included")
    async def read_draft(
        self, tender_id: FromPath[uuid.UUID], principal: Caller, db_session: Session, state: State
    ) -> TenderRead:
        return await _service(db_session, state).read_for_coordinator(principal, tender_id)

    @post(
        "/{tender_id:uuid}/publish",
        summary="Publish a draft: open for bids, public, first OCDS release",
        status_code=200,
    )
    async def publish(
        self, tender_id: FromPath[uuid.UUID], principal: Caller, db_session: Session, state: State
    ) -> TenderRead:
        return await _service(db_session, state).publish(principal, tender_id)

    @post("/{tender_id:uuid}/amendments", summary="Amend before the deadline (versioned; material changes extend it)")
    async def amend(
        self,
        tender_id: FromPath[uuid.UUID],
        data: JSONBody[TenderAmendmentCreate],
        principal: Caller,
        db_session: Session,
        state: State,
    ) -> TenderRead:
        return await _service(db_session, state).amend(principal, tender_id, data)

    @post("/{tender_id:uuid}/cancel", summary="Cancel with a reason (a coordinator)", status_code=200)
    async def cancel(
        self,
        tender_id: FromPath[uuid.UUID],
        data: JSONBody[TenderCancel],
        principal: Caller,
        db_session: Session,
        state: State,
    ) -> TenderRead:
        return await _service(db_session, state).cancel(principal, tender_id, data.reason)


class HubTenderController(Controller):
    path = "/api/v1/hubs/{hub_id:uuid}/tenders"
    tags = ["procurement"]

    @get("/", summary="Every tender of the hub, drafts included (its coordinators)")
    async def list_for_hub(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        state: State,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 20,
    ) -> Page[TenderRead]:
        return await _service(db_session, state).hub_tenders(principal, hub_id, page_params(page, per_page))
