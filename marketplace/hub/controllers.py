"""HTTP endpoints of hubs: creation, coordinators, admission of organisations, inclusion verification, audit log."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from kernel.pagination import Page
from kernel.web import Caller, Paging, Session, paging_defaulting_to
from marketplace.hub.schemas import (
    AuditEntryRead,
    CoordinatorAppoint,
    CoordinatorRead,
    HubApplication,
    HubCreate,
    HubMembershipRead,
    HubRead,
    InclusionRefusalCreate,
    InclusionVerification,
    InclusionVerificationRead,
    InvoiceTerms,
    MembershipDecision,
    PublicCatalogue,
)
from marketplace.hub.service import HubService
from marketplace.organization.models import HubMembershipStatus, InclusionAttribute


def provide_hub_service(db_session: Session) -> HubService:
    return HubService(db_session)


Hubs = NamedDependency[HubService]


class HubController(Controller):
    path = "/api/v1/hubs"
    tags = ["hubs"]
    dependencies = {"hub_service": Provide(provide_hub_service, sync_to_thread=False)}

    @post("/", summary="Create a hub (platform administrators)")
    async def create(self, data: JSONBody[HubCreate], principal: Caller, hub_service: Hubs) -> HubRead:
        return await hub_service.create(principal, data)

    @get("/", summary="All hubs")
    async def list_hubs(self, principal: Caller, hub_service: Hubs, paging: Paging) -> Page[HubRead]:
        return await hub_service.list_hubs(principal, paging)

    @get("/{hub_id:uuid}", summary="One hub")
    async def read(self, hub_id: FromPath[uuid.UUID], principal: Caller, hub_service: Hubs) -> HubRead:
        return await hub_service.read(principal, hub_id)

    @put(
        "/{hub_id:uuid}/public-catalogue",
        summary="Choose whether the hub's public catalogue preview shows prices (coordinators)",
    )
    async def set_public_catalogue(
        self, hub_id: FromPath[uuid.UUID], data: JSONBody[PublicCatalogue], principal: Caller, hub_service: Hubs
    ) -> HubRead:
        return await hub_service.set_public_catalogue(principal, hub_id, data)

    @get("/{hub_id:uuid}/coordinators", summary="The hub's coordinators")
    async def coordinators(
        self, hub_id: FromPath[uuid.UUID], principal: Caller, hub_service: Hubs
    ) -> list[CoordinatorRead]:
        return await hub_service.coordinators(principal, hub_id)

    @post("/{hub_id:uuid}/coordinators", summary="Appoint a coordinator (coordinators, platform admins)")
    async def appoint(
        self, hub_id: FromPath[uuid.UUID], data: JSONBody[CoordinatorAppoint], principal: Caller, hub_service: Hubs
    ) -> CoordinatorRead:
        return await hub_service.appoint(principal, hub_id, data.email)

    @delete("/{hub_id:uuid}/coordinators/{user_id:uuid}", summary="Dismiss a coordinator")
    async def dismiss(
        self, hub_id: FromPath[uuid.UUID], user_id: FromPath[uuid.UUID], principal: Caller, hub_service: Hubs
    ) -> None:
        await hub_service.dismiss(principal, hub_id, user_id)

    @post("/{hub_id:uuid}/memberships", summary="Apply to join the hub (organisation owner or admin)")
    async def apply(
        self, hub_id: FromPath[uuid.UUID], data: JSONBody[HubApplication], principal: Caller, hub_service: Hubs
    ) -> HubMembershipRead:
        return await hub_service.apply(principal, hub_id, data)

    @get("/{hub_id:uuid}/memberships", summary="Applications and members (coordinators)")
    async def memberships(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        hub_service: Hubs,
        status: FromQuery[HubMembershipStatus | None] = None,
        *,
        paging: Paging,
    ) -> Page[HubMembershipRead]:
        return await hub_service.memberships(principal, hub_id, status, paging)

    @post("/{hub_id:uuid}/memberships/{organization_id:uuid}/admit", summary="Admit an organisation", status_code=200)
    async def admit(
        self,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        hub_service: Hubs,
        data: JSONBody[MembershipDecision | None] = None,
    ) -> HubMembershipRead:
        note = data.note if data else None
        return await hub_service.decide(principal, hub_id, organization_id, admit=True, note=note)

    @post("/{hub_id:uuid}/memberships/{organization_id:uuid}/reject", summary="Reject or suspend", status_code=200)
    async def reject(
        self,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        hub_service: Hubs,
        data: JSONBody[MembershipDecision | None] = None,
    ) -> HubMembershipRead:
        note = data.note if data else None
        return await hub_service.decide(principal, hub_id, organization_id, admit=False, note=note)

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
        hub_service: Hubs,
    ) -> HubMembershipRead:
        return await hub_service.set_invoice_terms(principal, hub_id, organization_id, data)

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
        hub_service: Hubs,
    ) -> InclusionVerificationRead:
        return await hub_service.verify_inclusion(
            principal, hub_id, organization_id, attribute, data.verified, data.evidence
        )

    @post(
        "/{hub_id:uuid}/organizations/{organization_id:uuid}/inclusion/{attribute:str}/refusal",
        summary="Refuse to verify a declared inclusion attribute, saying why (coordinators)",
        status_code=200,
    )
    async def refuse_inclusion(
        self,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        attribute: FromPath[InclusionAttribute],
        data: JSONBody[InclusionRefusalCreate],
        principal: Caller,
        hub_service: Hubs,
    ) -> InclusionVerificationRead:
        return await hub_service.refuse_inclusion(principal, hub_id, organization_id, attribute, data.reason)

    @get(
        "/{hub_id:uuid}/audit",
        summary="Audit log of the hub and its organisations (coordinators)",
        dependencies={"paging": paging_defaulting_to(50)},
    )
    async def audit_log(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        hub_service: Hubs,
        paging: Paging,
    ) -> Page[AuditEntryRead]:
        return await hub_service.audit_log(principal, hub_id, paging)
