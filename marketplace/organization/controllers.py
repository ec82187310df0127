"""HTTP endpoints of organisations, their members and invitations."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from kernel.pagination import Page
from kernel.web import Caller, Paging, Session, body_examples
from marketplace.organization.schemas import (
    BILLING_DETAILS_EXAMPLE,
    ORGANIZATION_CREATE_EXAMPLE,
    BillingDetails,
    BillingRead,
    InclusionDeclaration,
    InvitationAccept,
    InvitationCreate,
    InvitationIssued,
    InvitationRead,
    MemberRead,
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    RoleChange,
)
from marketplace.organization.service import OrganizationService


def provide_organization_service(db_session: Session) -> OrganizationService:
    return OrganizationService(db_session)


Organizations = NamedDependency[OrganizationService]
DEPENDENCIES = {"organization_service": Provide(provide_organization_service, sync_to_thread=False)}


class OrganizationController(Controller):
    path = "/api/v1/organizations"
    tags = ["organizations"]
    dependencies = DEPENDENCIES

    @post("/", summary="Create an organisation (you become its owner)")
    async def create(
        self,
        data: Annotated[OrganizationCreate, body_examples(ORGANIZATION_CREATE_EXAMPLE)],
        principal: Caller,
        organization_service: Organizations,
    ) -> OrganizationRead:
        return await organization_service.create(principal, data)

    @get("/", summary="Organisations you are a member of")
    async def list_mine(
        self, principal: Caller, organization_service: Organizations, paging: Paging
    ) -> Page[OrganizationRead]:
        return await organization_service.list_mine(principal, paging)

    @get("/{organization_id:uuid}", summary="One organisation (members, its hubs' coordinators)")
    async def read(
        self, organization_id: FromPath[uuid.UUID], principal: Caller, organization_service: Organizations
    ) -> OrganizationRead:
        return await organization_service.read(principal, organization_id)

    @patch("/{organization_id:uuid}", summary="Change the profile (owner or admin)")
    async def update(
        self,
        organization_id: FromPath[uuid.UUID],
        data: JSONBody[OrganizationUpdate],
        principal: Caller,
        organization_service: Organizations,
    ) -> OrganizationRead:
        return await organization_service.update(principal, organization_id, data)

    @put("/{organization_id:uuid}/inclusion", summary="Declare inclusion attributes (owner or admin)")
    async def declare_inclusion(
        self,
        organization_id: FromPath[uuid.UUID],
        data: JSONBody[InclusionDeclaration],
        principal: Caller,
        organization_service: Organizations,
    ) -> OrganizationRead:
        return await organization_service.declare_inclusion(principal, organization_id, data)

    @get("/{organization_id:uuid}/billing", summary="Invoicing details: address, VAT, bank account (members)")
    async def billing(
        self, organization_id: FromPath[uuid.UUID], principal: Caller, organization_service: Organizations
    ) -> BillingRead:
        return await organization_service.billing(principal, organization_id)

    @put("/{organization_id:uuid}/billing", summary="Replace the invoicing details (owner or admin)")
    async def set_billing(
        self,
        organization_id: FromPath[uuid.UUID],
        data: Annotated[BillingDetails, body_examples(BILLING_DETAILS_EXAMPLE)],
        principal: Caller,
        organization_service: Organizations,
    ) -> BillingRead:
        return await organization_service.set_billing(principal, organization_id, data)

    @get("/{organization_id:uuid}/members", summary="Members and their roles")
    async def members(
        self, organization_id: FromPath[uuid.UUID], principal: Caller, organization_service: Organizations
    ) -> list[MemberRead]:
        return await organization_service.members(principal, organization_id)

    @patch("/{organization_id:uuid}/members/{user_id:uuid}", summary="Change a member's role")
    async def change_role(
        self,
        organization_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        data: JSONBody[RoleChange],
        principal: Caller,
        organization_service: Organizations,
    ) -> MemberRead:
        return await organization_service.change_role(principal, organization_id, user_id, data.role)

    @delete("/{organization_id:uuid}/members/{user_id:uuid}", summary="Remove a member, or leave")
    async def remove_member(
        self,
        organization_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        principal: Caller,
        organization_service: Organizations,
    ) -> None:
        await organization_service.remove_member(principal, organization_id, user_id)

    @post("/{organization_id:uuid}/invitations", summary="Invite someone by e-mail with a role")
    async def invite(
        self,
        organization_id: FromPath[uuid.UUID],
        data: JSONBody[InvitationCreate],
        principal: Caller,
        organization_service: Organizations,
    ) -> InvitationIssued:
        return await organization_service.invite(principal, organization_id, data)

    @get("/{organization_id:uuid}/invitations", summary="Invitations sent by the organisation")
    async def invitations(
        self, organization_id: FromPath[uuid.UUID], principal: Caller, organization_service: Organizations
    ) -> list[InvitationRead]:
        return await organization_service.invitations(principal, organization_id)

    @delete("/{organization_id:uuid}/invitations/{invitation_id:uuid}", summary="Revoke a pending invitation")
    async def revoke_invitation(
        self,
        organization_id: FromPath[uuid.UUID],
        invitation_id: FromPath[uuid.UUID],
        principal: Caller,
        organization_service: Organizations,
    ) -> None:
        await organization_service.revoke_invitation(principal, organization_id, invitation_id)


class InvitationController(Controller):
    """The invitee's side: see invitations addressed to your e-mail and accept them."""

    path = "/api/v1/invitations"
    tags = ["organizations"]
    dependencies = DEPENDENCIES

    @get("/", summary="Pending invitations addressed to you")
    async def mine(self, principal: Caller, organization_service: Organizations) -> list[InvitationRead]:
        return await organization_service.my_invitations(principal)

    @post("/{invitation_id:uuid}/accept", summary="Accept an invitation and join the organisation", status_code=200)
    async def accept(
        self,
        invitation_id: FromPath[uuid.UUID],
        data: JSONBody[InvitationAccept],
        principal: Caller,
        organization_service: Organizations,
    ) -> MemberRead:
        return await organization_service.accept_invitation(principal, invitation_id, data.token)
