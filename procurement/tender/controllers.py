"""HTTP endpoints of tenders: the coordinators' (drafts, amendments, cancellation) and the public reading."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from kernel.pagination import Page
from kernel.web import LANGUAGES, Caller, Languages, Paging, Session, body_examples
from procurement.settings import ProcurementSettings
from procurement.tender.models import TenderStatus
from procurement.tender.schemas import (
    TENDER_CREATE_EXAMPLE,
    TenderAmendmentCreate,
    TenderCancel,
    TenderCreate,
    TenderRead,
)
from procurement.tender.service import TenderService


def provide_tender_service(
    db_session: Session, procurement_settings: NamedDependency[ProcurementSettings], languages: Languages
) -> TenderService:
    return TenderService(db_session, procurement_settings.ocid_prefix, languages)


Tenders = NamedDependency[TenderService]
DEPENDENCIES = {"tender_service": Provide(provide_tender_service, sync_to_thread=False), "languages": LANGUAGES}


class TenderController(Controller):
    path = "/api/v1/tenders"
    tags = ["procurement"]
    dependencies = DEPENDENCIES

    @post("/", summary="Create a draft tender from a closed pool (a coordinator): one lot per delivery point")
    async def create(
        self,
        data: Annotated[TenderCreate, body_examples(TENDER_CREATE_EXAMPLE)],
        principal: Caller,
        tender_service: Tenders,
    ) -> TenderRead:
        return await tender_service.create(principal, data)

    @get("/", summary="Published tenders (public, no sign-in): discover what to bid for")
    async def list_public(
        self,
        tender_service: Tenders,
        hub_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[TenderStatus | None] = None,
        *,
        paging: Paging,
    ) -> Page[TenderRead]:
        return await tender_service.list_public(hub_id, status, paging)

    @get("/{tender_id:uuid}", summary="A published tender (public, no sign-in; never its bids)")
    async def read_public(self, tender_id: FromPath[uuid.UUID], tender_service: Tenders) -> TenderRead:
        return await tender_service.read_public(tender_id)

    @get("/{tender_id:uuid}/draft", summary="A tender as its coordinators see it, drafts included")
    async def read_draft(
        self, tender_id: FromPath[uuid.UUID], principal: Caller, tender_service: Tenders
    ) -> TenderRead:
        return await tender_service.read_for_coordinator(principal, tender_id)

    @post(
        "/{tender_id:uuid}/publish",
        summary="Publish a draft: open for bids, public, first OCDS release",
        status_code=200,
    )
    async def publish(self, tender_id: FromPath[uuid.UUID], principal: Caller, tender_service: Tenders) -> TenderRead:
        return await tender_service.publish(principal, tender_id)

    @post("/{tender_id:uuid}/amendments", summary="Amend before the deadline (versioned; material changes extend it)")
    async def amend(
        self,
        tender_id: FromPath[uuid.UUID],
        data: JSONBody[TenderAmendmentCreate],
        principal: Caller,
        tender_service: Tenders,
    ) -> TenderRead:
        return await tender_service.amend(principal, tender_id, data)

    @post("/{tender_id:uuid}/cancel", summary="Cancel with a reason (a coordinator)", status_code=200)
    async def cancel(
        self,
        tender_id: FromPath[uuid.UUID],
        data: JSONBody[TenderCancel],
        principal: Caller,
        tender_service: Tenders,
    ) -> TenderRead:
        return await tender_service.cancel(principal, tender_id, data.reason)


class HubTenderController(Controller):
    path = "/api/v1/hubs/{hub_id:uuid}/tenders"
    tags = ["procurement"]
    dependencies = DEPENDENCIES

    @get("/", summary="Every tender of the hub, drafts included (its coordinators)")
    async def list_for_hub(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        tender_service: Tenders,
        paging: Paging,
    ) -> Page[TenderRead]:
        return await tender_service.hub_tenders(principal, hub_id, paging)
