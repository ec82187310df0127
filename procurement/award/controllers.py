"""HTTP endpoints of a tender's evaluation, award, allocation and savings."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from kernel.web import Caller, Session
from procurement.award.schemas import AwardOverride, AwardRead, CommitmentOutcome, SavingsRead
from procurement.award.service import AwardService
from procurement.settings import ProcurementSettings


def provide_award_service(
    db_session: Session,
    procurement_settings: NamedDependency[ProcurementSettings],
    card_payments: NamedDependency[bool],
) -> AwardService:
    return AwardService(
        db_session, time_limit=procurement_settings.award_time_limit_seconds, stripe_enabled=card_payments
    )


Awards = NamedDependency[AwardService]


class AwardController(Controller):
    path = "/api/v1/tenders/{tender_id:uuid}"
    tags = ["procurement"]
    dependencies = {"award_service": Provide(provide_award_service, sync_to_thread=False)}

    @get(
        "/award",
        summary="The evaluation's progress and the (proposed or final) award, with score tables for coordinators",
    )
    async def read(self, tender_id: FromPath[uuid.UUID], principal: Caller, award_service: Awards) -> AwardRead:
        return await award_service.read(principal, tender_id)

    @post(
        "/evaluation",
        summary="Evaluate a closed tender now (a coordinator; the worker does it on its own)",
        status_code=200,
    )
    async def evaluate(self, tender_id: FromPath[uuid.UUID], principal: Caller, award_service: Awards) -> AwardRead:
        return await award_service.evaluate_now(principal, tender_id)

    @post("/award/confirm", summary="Confirm the proposed award: allocate, place the orders, publish", status_code=200)
    async def confirm(self, tender_id: FromPath[uuid.UUID], principal: Caller, award_service: Awards) -> AwardRead:
        return await award_service.confirm(principal, tender_id)

    @post(
        "/award/override",
        summary="Award differently from the proposal, with a published justification",
        status_code=200,
    )
    async def override(
        self,
        tender_id: FromPath[uuid.UUID],
        data: JSONBody[AwardOverride],
        principal: Caller,
        award_service: Awards,
    ) -> AwardRead:
        return await award_service.override(principal, tender_id, data)

    @get("/allocations", summary="What each commitment received and from whom: a buyer's own, or all (coordinators)")
    async def allocations(
        self,
        tender_id: FromPath[uuid.UUID],
        principal: Caller,
        award_service: Awards,
        organization_id: FromQuery[uuid.UUID | None] = None,
    ) -> list[CommitmentOutcome]:
        return await award_service.outcomes(principal, tender_id, organization_id)

    @get("/savings", summary="Pooled price against each buyer's own listed-tier price from the same suppliers")
    async def savings(
        self,
        tender_id: FromPath[uuid.UUID],
        principal: Caller,
        award_service: Awards,
        organization_id: FromQuery[uuid.UUID | None] = None,
    ) -> SavingsRead:
        return await award_service.savings(principal, tender_id, organization_id)
