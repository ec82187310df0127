"""HTTP endpoints of organisations, their members and invitations."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody

from kernel.pagination import Page, page_params
from kernel.web import Caller, Session
from marketplace.organization.schemas import (
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


class OrganizationController(Controller):
    path = "/api/v1/organizations"
    tags = ["organizations"]

    @post("/", summary="Create an organisation (you become its owner)")
    async def create(
        self, data: JSONBody[OrganizationCreate], principal: Caller, db_session: Session
    ) -> OrganizationRead:
        return await OrganizationService(db_session).create(principal, data)

    @get("/", summary="Organisations you are a member of")
    async def list_mine(
        self, principal: Caller, db_session: Session, page: FromQuery[int] = 1, per_page: FromQuery[int] = 20
    ) -> Page[OrganizationRead]:
        return await OrganizationService(db_session).list_mine(principal, page_params(page, per_page))

    @get("/{organization_id:uuid}", summary="One organisation (members, its hubs' coordinators)")
    async def read(
        self, organization_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> OrganizationRead:
        return await OrganizationService(db_session).read(principal, organization_id)

    @patch("/{organization_id:uuid}", summary="Change the profile (owner or admin)")
    async def update(
        self,
        organization_id: FromPath[uuid.UUID],
        data: JSONBody[OrganizationUpdate],
        principal: Caller,
        db_session: Session,
    ) -> OrganizationRead:
        return await OrganizationService(db_session).update(principal, organization_id, data)

    @put("/{organization_id:uuid}/inclusion", summary="Declare inclusion attributes (owner or admin)")
    async def declare_inclusion(
        self,
        organization_id: FromPath[uuid.UUID],
        data: JSONBody[InclusionDeclaration],
        principal: Caller,
        db_session: Session,
    ) -> OrganizationRead:
        return await OrganizationService(db_session).declare_inclusion(principal, organization_id, data)

    @get("/{organization_id:uuid}/members", summary="Members and their roles")
    async def members(
        self, organization_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> list[MemberRead]:
        return await OrganizationService(db_session).members(principal, organization_id)

    @patch("/{organization_id:uuid}/members/{user_id:uuid}", summary="Change a member's role")
    async def change_role(
        self,
        organization_id: FromPath[uuid.UUID],
        user_id: FromPath[uuid.UUID],
        data: JSONBody[RoleChange],
        principal: Caller,
        db_session: Session,
    ) -> MemberRead:
        return await OrganizationService(db_session).change_role(principal, organization_id, user_id, data.role)

    @delete("/{organization_id:uuid}/members/{user_id:uuid}", summary="Remove a member, or leave")
    async def remove_member(
        self, organization_id: FromPath[uuid.UUID], user_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> None:
        await OrganizationService(db_session).remove_member(principal, organization_id, user_id)

    @post("/{organization_id:uuid}/invitations", summary="Invite someone by e-mail with a role")
    async def invite(
        self,
        organization_id: FromPath[uuid.UUID],
        data: JSONBody[InvitationCreate],
        principal: Caller,
        db_session: Session,
    ) -> InvitationIssued:
        return await OrganizationService(db_session).invite(principal, organization_id, data)

    @get("/{organization_id:uuid}/invitations", summary="Invitations sent by the organisation")
    async def invitations(
        self, organization_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> list[InvitationRead]:
        return await OrganizationService(db_session).invitations(principal, organization_id)

    @delete("/{organization_id:uuid}/invitations/{invitation_id:uuid}", summary="Revoke a pending invitation")
    async def revoke_invitation(
        self,
        organization_id: FromPath[uuid.UUID],
        invitation_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
    ) -> None:
        await OrganizationService(db_session).revoke_invitation(principal, organization_id, invitation_id)


class InvitationController(Controller):
    """The invitee's side: see invitations addressed to your e-mail and accept them."""

    path = "/api/v1/invitations"
    tags = ["organizations"]

    @get("/", summary="Pending invitations addressed to you")
    async def mine(self, principal: Caller, db_session: Session) -> list[InvitationRead]:
        return await OrganizationService(db_session).my_invitations(principal)

    @post("/{invitation_id:uuid}/accept", summary="Accept an invitation and join the organisation", status_code=200)
    async def accept(
        self,
        invitation_id: FromPath[uuid.UUID],
        data: JSONBody[InvitationAccept],
        principal: Caller,
        db_session: Session,
    ) -> MemberRead:
        return await OrganizationService(db_session).accept_invitation(principal, invitation_id, data.token)
