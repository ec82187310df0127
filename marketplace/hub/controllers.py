"""HTTP endpoints of hubs: creation, coordinators, admission of organisations, inclusion verification, audit log."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody

from kernel.pagination import Page, page_params
from kernel.web import Caller, Session
from marketplace.hub.models import HubMembershipStatus
from marketplace.hub.schemas import (
    AuditEntryRead,
    CoordinatorAppoint,
    CoordinatorRead,
    HubApplication,
    HubCreate,
    HubMembershipRead,
    HubRead,
    InclusionVerification,
    InclusionVerificationRead,
    InvoiceTerms,
    MembershipDecision,
)
from marketplace.hub.service import HubService
from marketplace.organization.models import InclusionAttribute


class HubController(Controller):
    path = "/api/v1/hubs"
    tags = ["hubs"]

    @post("/", summary="Create a hub (platform administrators)")
    async def create(self, data: JSONBody[HubCreate], principal: Caller, db_session: Session) -> HubRead:
        return await HubService(db_session).create(principal, data)

    @get("/", summary="All hubs")
    async def list_hubs(
        self, principal: Caller, db_session: Session, page: FromQuery[int] = 1, per_page: FromQuery[int] = 20
    ) -> Page[HubRead]:
        return await HubService(db_session).list_hubs(principal, page_params(page, per_page))

    @get("/{hub_id:uuid}", summary="One hub")
    async def read(self, hub_id: FromPath[uuid.UUID], principal: Caller, db_session: Session) -> HubRead:
        return await HubService(db_session).read(principal, hub_id)

    @get("/{hub_id:uuid}/coordinators", summary="The hub's coordinators")
    async def coordinators(
        self, hub_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> list[CoordinatorRead]:
        return await HubService(db_session).coordinators(principal, hub_id)

    @post("/{hub_id:uuid}/coordinators", summary="Appoint a coordinator (coordinators, platform admins)")
    async def appoint(
        self, hub_id: FromPath[uuid.UUID], data: JSONBody[CoordinatorAppoint], principal: Caller, db_session: Session
    ) -> CoordinatorRead:
        return await HubService(db_session).appoint(principal, hub_id, data.email)

    @delete("/{hub_id:uuid}/coordinators/{user_id:uuid}", summary="Dismiss a coordinator")
    async def dismiss(
        self, hub_id: FromPath[uuid.UUID], user_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> None:
        await HubService(db_session).dismiss(principal, hub_id, user_id)

    @post("/{hub_id:uuid}/memberships", summary="Apply to join the hub (organisation owner or admin)")
    async def apply(
        self, hub_id: FromPath[uuid.UUID], data: JSONBody[HubApplication], principal: Caller, db_session: Session
    ) -> HubMembershipRead:
        return await HubService(db_session).apply(principal, hub_id, data)

    @get("/{hub_id:uuid}/memberships", summary="Applications and members (coordinators)")
    async def memberships(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        status: FromQuery[HubMembershipStatus | None] = None,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 20,
    ) -> Page[HubMembershipRead]:
        return await HubService(db_session).memberships(principal, hub_id, status, page_params(page, per_page))

    @post("/{hub_id:uuid}/memberships/{organization_id:uuid}/admit", summary="Admit an organisation", status_code=200)
    async def admit(
        self,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        data: JSONBody[MembershipDecision | None] = None,
    ) -> HubMembershipRead:
        note = data.note if data else None
        return await HubService(db_session).decide(principal, hub_id, organization_id, admit=True, note=note)

    @post("/{hub_id:uuid}/memberships/{organization_id:uuid}/reject", summary="Reject or suspend", status_code=200)
    async def reject(
        self,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        data: JSONBody[MembershipDecision | None] = None,
    ) -> HubMembershipRead:
        note = data.note if data else None
        return await HubService(db_session).decide(principal, hub_id, organization_id, admit=False, note=note)

    @put(
        "/{hub_id:uuid}/memberships/{organization_id:uuid}/invoice-terms",
        summary="Set a member's invoice payment terms as a buyer (coordinators; default 30 days)",
    )
    async def set_invoice_terms(
        self,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        data: JSONBody[InvoiceTerms],
        principal: Caller,
        db_session: Session,
    ) -> HubMembershipRead:
        return await HubService(db_session).set_invoice_terms(principal, hub_id, organization_id, data)

    @put(
        "/{hub_id:uuid}/organizations/{organization_id:uuid}/inclusion/{attribute:str}",
        summary="Verify (or withdraw verification of) a declared inclusion attribute",
    )
    async def verify_inclusion(
        self,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        attribute: FromPath[InclusionAttribute],
        data: JSONBody[InclusionVerification],
        principal: Caller,
        db_session: Session,
    ) -> InclusionVerificationRead:
        return await HubService(db_session).verify_inclusion(
            principal, hub_id, organization_id, attribute, data.verified
        )

    @get("/{hub_id:uuid}/audit", summary="Audit log of the hub and its organisations (coordinators)")
    async def audit_log(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 50,
    ) -> Page[AuditEntryRead]:
        return await HubService(db_session).audit_log(principal, hub_id, page_params(page, per_page))
