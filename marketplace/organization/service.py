"""Organisation use cases: create, read, update the profile, declare inclusion, manage members and invitations."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import uuid
from collections.abc import Sequence

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, clock, codes, text
from kernel.auth import Principal, secret_digest
from kernel.errors import Conflict, FieldProblems, Forbidden, NotFound
from kernel.outbox import emit
from kernel.pagination import Page, PageParams
from marketplace.events import InvitationSent, OrganizationChanged
from marketplace.organization.billing import billing_read, checked_billing
from marketplace.organization.models import (
    Inclusion,
    InclusionAttribute,
    InclusionRow,
    Invitation,
    InvitationStatus,
    Membership,
    Organization,
    OrganizationRow,
    Role,
)
from marketplace.organization.policies import Standing, can_act_as, can_assign_role, can_read
from marketplace.organization.registration import canonical_registration
from marketplace.organization.repository import OrganizationRepository
from marketplace.organization.schemas import (
    BillingDetails,
    BillingRead,
    HubMembershipRef,
    InclusionDeclaration,
    InclusionRead,
    InclusionStatus,
    InvitationCreate,
    InvitationIssued,
    InvitationRead,
    MemberRead,
    MembershipRead,
    OrganizationCreate,
    OrganizationRead,
    OrganizationUpdate,
    RegistrationIdentifier,
)

INVITATION_VALIDITY = dt.timedelta(days=14)


class OrganizationNotFound(NotFound):
    slug = "organization-not-found"


class RegistrationTaken(Conflict):
    slug = "registration-taken"


class LastOwner(Conflict):
    slug = "last-owner"


class EmailUnverified(Forbidden):
    slug = "email-unverified"


def require_verified_email(principal: Principal) -> None:
    """Acting for an organisation (creating one, anything its role allows, trading for it) needs an
    address its owner proved: `EmailUnverified` (403) until they follow the link mailed to it. An
    unverified account may sign in, read and accept an invitation."""
    if not principal.email_verified:
        raise EmailUnverified(
            "confirm your e-mail address first: we sent you a link; POST /api/v1/me/verification-email sends a new one"
        )


class OrganizationService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = OrganizationRepository(session)

    # --- access -----------------------------------------------------------------

    async def standing(self, principal: Principal, organization_id: uuid.UUID) -> Standing:
        return _standing(principal, *await self.repo.standing_of(principal.user_id, organization_id))

    async def require_role(self, principal: Principal, organization_id: uuid.UUID, minimum: Role) -> Role:
        """The caller's role if at least `minimum`.

        Raises `OrganizationNotFound` (404) when the caller may not even read the
        organisation — so ids cannot be probed — `EmailUnverified` (403) while the
        caller's address is not proven, and `Forbidden` (403) when they may read it
        but their role is too low.
        """
        standing = await self.standing(principal, organization_id)
        if not can_read(standing) or await self.repo.get(organization_id) is None:
            raise OrganizationNotFound("no such organization")
        require_verified_email(principal)
        if not can_act_as(standing, minimum):
            raise Forbidden(f"this needs the {minimum.value} role (or higher) in the organization")
        assert standing.role is not None  # noqa: S101 - implied by can_act_as
        return standing.role

    # --- reads ------------------------------------------------------------------

    async def _read_models(
        self, organizations: list[Organization], roles: dict[uuid.UUID, Role | None]
    ) -> list[OrganizationRead]:
        ids = [o.id for o in organizations]
        inclusion = await self.repo.inclusion_of(ids)
        hubs = await self.repo.hub_memberships_of(ids)
        return [
            _organization_read(
                o,
                inclusion[o.id],
                [HubMembershipRef(hub_id=h.hub_id, status=h.status.value) for h in hubs[o.id]],
                roles.get(o.id),
            )
            for o in organizations
        ]

    async def read(self, principal: Principal, organization_id: uuid.UUID) -> OrganizationRead:
        found = await self.repo.shown(principal.user_id, organization_id)
        if found is None or not can_read(_standing(principal, found.role, found.coordinates)):
            raise OrganizationNotFound("no such organization")
        hubs = [HubMembershipRef(hub_id=h.hub_id, status=h.status.value) for h in found.hubs]
        return _organization_read(found, found.inclusion, hubs, found.role)

    async def list_mine(self, principal: Principal, page: PageParams) -> Page[OrganizationRead]:
        organizations, total = await self.repo.page_for_member(principal.user_id, page.offset, page.per_page)
        roles: dict[uuid.UUID, Role | None] = {
            organization.id: role for organization, role in await self.repo.memberships_of(principal.user_id)
        }
        items = await self._read_models(organizations, roles)
        return Page(items=items, page=page.page, per_page=page.per_page, total=total)

    async def memberships(self, principal: Principal) -> list[MembershipRead]:
        """Every organisation the caller belongs to, in brief, by name (for choosing whom to act for)."""
        return [
            MembershipRead(
                id=organization.id,
                legal_name=organization.legal_name,
                kind=organization.kind,
                country=organization.country,
                subdivision=organization.subdivision,
                default_currency=organization.default_currency,
                role=role,
            )
            for organization, role in await self.repo.memberships_of(principal.user_id)
        ]

    # --- writes -----------------------------------------------------------------

    async def create(self, principal: Principal, data: OrganizationCreate) -> OrganizationRead:
        """Create an organisation with the caller as its owner.

        Raises `InvalidInput` (422) naming every unknown code, blank name and registration number
        that fails its scheme's check, and `RegistrationTaken` (409) when the same registration exists
        in that country — compared as `registration.canonical_registration` stores it, so another
        spelling of the scheme or the number is the same registration. `EmailUnverified` (403) while
        the caller's address is not proven.
        """
        require_verified_email(principal)
        problems = FieldProblems()
        legal_name = problems.check(text.clean, data.legal_name, "legal_name")
        country = problems.check(codes.country, data.country, "country")
        subdivision = (
            problems.check(codes.subdivision, data.subdivision, "subdivision", country_code=country)
            if data.subdivision
            else None
        )
        municipality = problems.check(text.optional, data.municipality, "municipality")
        currency = problems.check(codes.currency, data.default_currency, "default_currency")
        languages = problems.check(codes.languages, data.languages)
        scheme = problems.check(text.clean, data.registration.scheme, "registration.scheme")
        registration_id = problems.check(text.clean, data.registration.id, "registration.id")
        registration = None
        if scheme is not None and registration_id is not None:
            registration = problems.check(
                canonical_registration, scheme, registration_id, country or "", "registration.id"
            )
        problems.raise_if_any()
        # Every check passed, so none of the required values is None.
        assert country is not None  # noqa: S101
        assert registration is not None  # noqa: S101
        if await self.repo.by_registration(country, registration.scheme, registration.id) is not None:
            raise RegistrationTaken(
                f"an organization registered as {registration.scheme} {registration.id} in {country} already exists"
            )
        organization = Organization(
            legal_name=legal_name,
            kind=data.kind,
            registration_scheme=registration.scheme,
            registration_id=registration.id,
            country=country,
            subdivision=subdivision,
            municipality=municipality,
            default_currency=currency,
            languages=languages,
            employee_count=data.employee_count,
        )
        await self.repo.add(organization)
        await self.repo.add(Membership(organization_id=organization.id, user_id=principal.user_id, role=Role.owner))
        await self._write_declaration(organization.id, data.inclusion or InclusionDeclaration())
        read = (await self._read_models([organization], {organization.id: Role.owner}))[0]
        await audit.record(
            self.session,
            principal,
            "organization.created",
            object_type="organization",
            object_id=organization.id,
            organization_id=organization.id,
            after=read,
        )
        return read

    async def update(
        self, principal: Principal, organization_id: uuid.UUID, data: OrganizationUpdate
    ) -> OrganizationRead:
        """Change profile fields (owner or admin). Unknown codes and blank names are 422, naming
        each of them; nothing is written then."""
        await self.require_role(principal, organization_id, Role.admin)
        organization = await self.repo.get(organization_id, for_update=True)
        assert organization is not None  # noqa: S101 - checked by require_role
        before = await self.read(principal, organization_id)
        problems = FieldProblems()
        changes: dict[str, object] = {}
        if not isinstance(data.legal_name, msgspec.UnsetType):
            changes["legal_name"] = problems.check(text.clean, data.legal_name, "legal_name")
        if not isinstance(data.kind, msgspec.UnsetType):
            changes["kind"] = data.kind
        if not isinstance(data.subdivision, msgspec.UnsetType):
            changes["subdivision"] = (
                problems.check(codes.subdivision, data.subdivision, "subdivision", country_code=organization.country)
                if data.subdivision
                else None
            )
        if not isinstance(data.municipality, msgspec.UnsetType):
            changes["municipality"] = problems.check(text.optional, data.municipality, "municipality")
        if not isinstance(data.default_currency, msgspec.UnsetType):
            changes["default_currency"] = problems.check(codes.currency, data.default_currency, "default_currency")
        if not isinstance(data.languages, msgspec.UnsetType):
            changes["languages"] = problems.check(codes.languages, data.languages)
        if not isinstance(data.employee_count, msgspec.UnsetType):
            changes["employee_count"] = data.employee_count
        problems.raise_if_any()
        for field, value in changes.items():
            setattr(organization, field, value)
        await self.session.flush()
        after = await self.read(principal, organization_id)
        await audit.record(
            self.session,
            principal,
            "organization.updated",
            object_type="organization",
            object_id=organization_id,
            organization_id=organization_id,
            before=before,
            after=after,
        )
        await emit(self.session, OrganizationChanged(organization_id=organization_id))
        return after

    async def declare_inclusion(
        self, principal: Principal, organization_id: uuid.UUID, declaration: InclusionDeclaration
    ) -> OrganizationRead:
        """Replace the self-declared inclusion attributes (owner or admin).

        A changed declaration drops any hub verification of that attribute: a hub
        verified what was declared before, not what is declared now.
        """
        await self.require_role(principal, organization_id, Role.admin)
        before = await self.read(principal, organization_id)
        await self._write_declaration(organization_id, declaration)
        after = await self.read(principal, organization_id)
        await audit.record(
            self.session,
            principal,
            "organization.inclusion_declared",
            object_type="organization",
            object_id=organization_id,
            organization_id=organization_id,
            before=before.inclusion,
            after=after.inclusion,
        )
        if before.inclusion != after.inclusion:  # a changed declaration may have dropped a verification
            await emit(self.session, OrganizationChanged(organization_id=organization_id))
        return after

    async def _write_declaration(self, organization_id: uuid.UUID, declaration: InclusionDeclaration) -> None:
        for attribute in InclusionAttribute:
            declared = bool(getattr(declaration, attribute.value))
            row = await self.repo.inclusion_row(organization_id, attribute.value)
            if row is None:
                await self.repo.add(
                    Inclusion(organization_id=organization_id, attribute=attribute, declared=declared, verified=False)
                )
            elif row.declared != declared:
                row.declared = declared
                row.verified = False
                row.verified_by_hub_id = None
                row.verified_by_user_id = None
                row.verified_at = None
                row.verification_evidence = None
                # A hub refused what was declared before; what is declared now is for it to look at again.
                await self.repo.drop_inclusion_refusals(organization_id, attribute)
        await self.session.flush()

    # --- invoicing details ------------------------------------------------------

    async def billing(self, principal: Principal, organization_id: uuid.UUID) -> BillingRead:
        """What the organisation's invoices say about it (its members). `OrganizationNotFound` (404)
        for whoever may not read the organisation, `Forbidden` (403) for its hubs' coordinators,
        `EmailUnverified` (403) for a member whose address is not proven."""
        await self.require_role(principal, organization_id, Role.member)
        organization = await self.repo.get(organization_id)
        assert organization is not None  # noqa: S101 - checked by require_role
        return billing_read(organization)

    async def set_billing(self, principal: Principal, organization_id: uuid.UUID, data: BillingDetails) -> BillingRead:
        """Replace the invoicing details (owner or admin), each checked for the organisation's
        country (`billing.checked_billing`): numbers are stored compact, an EU VAT number with its
        country code. Raises `InvalidInput` (422) naming every bad field; nothing is written then."""
        await self.require_role(principal, organization_id, Role.admin)
        organization = await self.repo.get(organization_id, for_update=True)
        assert organization is not None  # noqa: S101 - checked by require_role
        before = billing_read(organization)
        for field, value in checked_billing(data, organization.country).items():
            setattr(organization, field, value)
        await self.session.flush()
        after = billing_read(organization)
        await audit.record(
            self.session,
            principal,
            "organization.billing_changed",
            object_type="organization",
            object_id=organization_id,
            organization_id=organization_id,
            before=before,
            after=after,
        )
        return after

    # --- members ----------------------------------------------------------------

    async def members(self, principal: Principal, organization_id: uuid.UUID) -> list[MemberRead]:
        await self.require_role(principal, organization_id, Role.member)
        return [_member_read(m, u.email, u.full_name) for m, u in await self.repo.members(organization_id)]

    async def change_role(
        self, principal: Principal, organization_id: uuid.UUID, user_id: uuid.UUID, role: Role
    ) -> MemberRead:
        """Change a member's role. Admins cannot touch owners; the last owner cannot be demoted (409)."""
        actor = await self.require_role(principal, organization_id, Role.admin)
        await self.repo.get(organization_id, for_update=True)  # serialise owner changes: never zero owners
        membership = await self.repo.membership(organization_id, user_id)
        if membership is None:
            raise NotFound("no such member")
        if not can_assign_role(actor, membership.role, role):
            raise Forbidden("only an owner may grant or change the owner role")
        if (
            membership.role is Role.owner
            and role is not Role.owner
            and await self.repo.count_owners(organization_id) <= 1
        ):
            raise LastOwner("an organization must keep at least one owner")
        before = membership.role
        membership.role = role
        await self.session.flush()
        await audit.record(
            self.session,
            principal,
            "membership.role_changed",
            object_type="membership",
            object_id=membership.id,
            organization_id=organization_id,
            before={"role": before.value},
            after={"role": role.value, "user_id": str(user_id)},
        )
        members = {m.user_id: (m, u) for m, u in await self.repo.members(organization_id)}
        member, user = members[user_id]
        return _member_read(member, user.email, user.full_name)

    async def remove_member(self, principal: Principal, organization_id: uuid.UUID, user_id: uuid.UUID) -> None:
        """Remove a member (admins remove members and admins; anyone may leave). Never the last owner."""
        if user_id == principal.user_id:
            actor = await self.require_role(principal, organization_id, Role.member)
        else:
            actor = await self.require_role(principal, organization_id, Role.admin)
        await self.repo.get(organization_id, for_update=True)  # serialise owner changes: never zero owners
        membership = await self.repo.membership(organization_id, user_id)
        if membership is None:
            raise NotFound("no such member")
        if user_id != principal.user_id and not can_assign_role(actor, membership.role, Role.member):
            raise Forbidden("only an owner may remove an owner")
        if membership.role is Role.owner and await self.repo.count_owners(organization_id) <= 1:
            raise LastOwner("an organization must keep at least one owner")
        await self.session.delete(membership)
        await self.session.flush()
        await audit.record(
            self.session,
            principal,
            "membership.removed",
            object_type="membership",
            object_id=membership.id,
            organization_id=organization_id,
            before={"user_id": str(user_id), "role": membership.role.value},
        )

    # --- invitations ------------------------------------------------------------

    async def invite(
        self, principal: Principal, organization_id: uuid.UUID, data: InvitationCreate
    ) -> InvitationIssued:
        """Invite an e-mail address with a role (owner/admin; only owners invite owners).

        The returned `accept_token` goes to the invitee (by the mailer subscribed to
        `InvitationSent`, or shared by the inviter): accepting needs both the token and
        an account with the invited e-mail, so registering that address is not enough.
        """
        actor = await self.require_role(principal, organization_id, Role.admin)
        if not can_assign_role(actor, None, data.role):
            raise Forbidden("only an owner may invite another owner")
        email = data.email.strip().lower()
        now = clock.now()
        for invitation in await self.repo.invitations_of(organization_id):
            if (
                invitation.email == email
                and invitation.status is InvitationStatus.pending
                and invitation.expires_at > now
            ):
                raise Conflict(f"{email} already has a pending invitation")
        if any(u.email == email for _, u in await self.repo.members(organization_id)):
            raise Conflict(f"{email} is already a member")
        token = secrets.token_urlsafe(32)
        invitation = Invitation(
            organization_id=organization_id,
            email=email,
            role=data.role,
            status=InvitationStatus.pending,
            invited_by=principal.user_id,
            expires_at=now + INVITATION_VALIDITY,
            token_digest=secret_digest(token),
        )
        await self.repo.add(invitation)
        organization = await self.repo.get(organization_id)
        assert organization is not None  # noqa: S101 - checked by require_role
        read = _invitation_read(invitation, organization.legal_name)
        await audit.record(
            self.session,
            principal,
            "invitation.sent",
            object_type="invitation",
            object_id=invitation.id,
            organization_id=organization_id,
            after=read,
        )
        await emit(
            self.session,
            InvitationSent(
                invitation_id=invitation.id,
                organization_id=organization_id,
                email=email,
                role=data.role.value,
                accept_token=token,
            ),
        )
        return InvitationIssued(invitation=read, accept_token=token)

    async def invitations(self, principal: Principal, organization_id: uuid.UUID) -> list[InvitationRead]:
        await self.require_role(principal, organization_id, Role.admin)
        organization = await self.repo.get(organization_id)
        assert organization is not None  # noqa: S101 - checked by require_role
        return [_invitation_read(i, organization.legal_name) for i in await self.repo.invitations_of(organization_id)]

    async def my_invitations(self, principal: Principal) -> list[InvitationRead]:
        now = clock.now()
        return [
            _invitation_read(i, o.legal_name)
            for i, o in await self.repo.pending_invitations_for(principal.email)
            if i.expires_at > now
        ]

    async def accept_invitation(self, principal: Principal, invitation_id: uuid.UUID, token: str) -> MemberRead:
        """Join the organisation with the invitation's token, signed in with the invited e-mail (404 otherwise).

        Accepting does not prove the address: the inviter holds the token too (`InvitationIssued`), so
        anyone could invite an address they registered but do not read. Until its owner follows the
        verification link, the new member may read but not act for the organisation."""
        invitation = await self.repo.invitation(invitation_id)
        if (
            invitation is None
            or invitation.email != principal.email.lower()
            or not hmac.compare_digest(invitation.token_digest, secret_digest(token))
        ):
            raise NotFound("no such invitation")
        if invitation.status is not InvitationStatus.pending:
            raise Conflict(f"the invitation is {invitation.status.value}")
        if invitation.expires_at <= clock.now():
            raise Conflict("the invitation has expired; ask for a new one")
        if await self.repo.membership(invitation.organization_id, principal.user_id) is not None:
            raise Conflict("you are already a member of this organization")
        membership = Membership(
            organization_id=invitation.organization_id, user_id=principal.user_id, role=invitation.role
        )
        invitation.status = InvitationStatus.accepted
        await self.repo.add(membership)
        await audit.record(
            self.session,
            principal,
            "invitation.accepted",
            object_type="invitation",
            object_id=invitation.id,
            organization_id=invitation.organization_id,
            after={"role": invitation.role.value, "user_id": str(principal.user_id)},
        )
        members = {m.user_id: (m, u) for m, u in await self.repo.members(invitation.organization_id)}
        member, user = members[principal.user_id]
        return _member_read(member, user.email, user.full_name)

    async def revoke_invitation(
        self, principal: Principal, organization_id: uuid.UUID, invitation_id: uuid.UUID
    ) -> None:
        await self.require_role(principal, organization_id, Role.admin)
        invitation = await self.repo.invitation(invitation_id)
        if invitation is None or invitation.organization_id != organization_id:
            raise NotFound("no such invitation")
        if invitation.status is not InvitationStatus.pending:
            raise Conflict(f"the invitation is {invitation.status.value}")
        invitation.status = InvitationStatus.revoked
        await self.session.flush()
        await audit.record(
            self.session,
            principal,
            "invitation.revoked",
            object_type="invitation",
            object_id=invitation.id,
            organization_id=organization_id,
        )


def _standing(principal: Principal, role: Role | None, coordinates: bool) -> Standing:
    return Standing(
        role=role, coordinates_its_hub=role is None and coordinates, platform_admin=principal.is_platform_admin
    )


def _inclusion_status(row: Inclusion | InclusionRow | None) -> InclusionStatus:
    if row is None:
        return InclusionStatus(declared=False, verified_by_hub=False)
    return InclusionStatus(
        declared=row.declared,
        verified_by_hub=row.verified,
        verified_by_hub_id=row.verified_by_hub_id if row.verified else None,
        verified_at=row.verified_at if row.verified else None,
        evidence=row.verification_evidence if row.verified else None,
    )


def inclusion_read(rows: Sequence[Inclusion | InclusionRow]) -> InclusionRead:
    """Each inclusion attribute as declared and verified, from an organisation's rows."""
    by_attribute = {row.attribute.value: row for row in rows}
    return InclusionRead(**{a.value: _inclusion_status(by_attribute.get(a.value)) for a in InclusionAttribute})


def _organization_read(
    organization: Organization | OrganizationRow,
    inclusion: Sequence[Inclusion | InclusionRow],
    hubs: list[HubMembershipRef],
    role: Role | None,
) -> OrganizationRead:
    return OrganizationRead(
        id=organization.id,
        legal_name=organization.legal_name,
        kind=organization.kind,
        registration=RegistrationIdentifier(scheme=organization.registration_scheme, id=organization.registration_id),
        country=organization.country,
        subdivision=organization.subdivision,
        municipality=organization.municipality,
        default_currency=organization.default_currency,
        languages=list(organization.languages),
        employee_count=organization.employee_count,
        inclusion=inclusion_read(inclusion),
        hubs=hubs,
        my_role=role,
        created_at=organization.created_at,
        updated_at=organization.updated_at,
    )


def _member_read(membership: Membership, email: str, full_name: str) -> MemberRead:
    return MemberRead(
        user_id=membership.user_id,
        email=email,
        full_name=full_name,
        role=membership.role,
        member_since=membership.created_at,
    )


def _invitation_read(invitation: Invitation, organization_name: str) -> InvitationRead:
    return InvitationRead(
        id=invitation.id,
        organization_id=invitation.organization_id,
        organization_name=organization_name,
        email=invitation.email,
        role=invitation.role,
        status=invitation.status,
        expires_at=invitation.expires_at,
        created_at=invitation.created_at,
    )
