"""All SQL of organisations. Reads that list things are scoped to what the caller may see."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import fetch, fetch_as
from marketplace.identity.models import User
from marketplace.organization.models import (
    HubMembership,
    Inclusion,
    InclusionAttribute,
    InclusionRefusal,
    Invitation,
    InvitationStatus,
    Membership,
    Organization,
    OrganizationKind,
    OrganizationRow,
    Role,
)

# The reader ($1) and the organisation ($2): their role in it, and whether they coordinate a hub it
# belongs to or applied to (not one that rejected it).
_ROLE = "(SELECT m.role FROM marketplace.membership m WHERE m.user_id = $1 AND m.organization_id = $2)"
_COORDINATES = """EXISTS (SELECT 1 FROM marketplace.hub_membership h
               JOIN marketplace.hub_coordinator c ON c.hub_id = h.hub_id
               WHERE h.organization_id = $2 AND h.status <> 'rejected' AND c.user_id = $1)"""
_STANDING = f"SELECT {_ROLE} AS role, {_COORDINATES} AS coordinates"
_SHOWN = f"""
SELECT o.id, o.legal_name, o.kind, o.registration_scheme, o.registration_id, o.country, o.subdivision,
       o.municipality, o.default_currency, o.languages, o.employee_count, o.created_at, o.updated_at,
       COALESCE((SELECT json_agg(json_build_object(
                    'attribute', i.attribute, 'declared', i.declared, 'verified', i.verified,
                    'verified_by_hub_id', i.verified_by_hub_id, 'verified_at', i.verified_at,
                    'verification_evidence', i.verification_evidence))
                 FROM marketplace.inclusion i WHERE i.organization_id = o.id), '[]') AS inclusion,
       COALESCE((SELECT json_agg(json_build_object('hub_id', h.hub_id, 'status', h.status) ORDER BY h.created_at)
                 FROM marketplace.hub_membership h WHERE h.organization_id = o.id), '[]') AS hubs,
       {_ROLE} AS role, {_COORDINATES} AS coordinates
FROM marketplace.organization o WHERE o.id = $2
"""  # noqa: S608 - the fragments are constants


_BUYING_PLACES = f"""
SELECT o.id, o.country, o.subdivision FROM marketplace.organization o
JOIN marketplace.membership m ON m.organization_id = o.id
WHERE m.user_id = $1 AND o.kind <> '{OrganizationKind.producer.value}'
"""  # noqa: S608 - a constant


class OrganizationRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *objects: object) -> None:
        self.session.add_all(objects)
        await self.session.flush()

    async def get(self, organization_id: uuid.UUID, *, for_update: bool = False) -> Organization | None:
        statement = select(Organization).where(Organization.id == organization_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def by_registration(self, country: str, scheme: str, registration_id: str) -> Organization | None:
        return (
            await self.session.execute(
                select(Organization).where(
                    Organization.country == country,
                    Organization.registration_scheme == scheme,
                    Organization.registration_id == registration_id,
                )
            )
        ).scalar_one_or_none()

    async def standing_of(self, user_id: uuid.UUID, organization_id: uuid.UUID) -> tuple[Role | None, bool]:
        """The user's role in the organisation, and whether they coordinate a hub the organisation
        belongs to or applied to (not one that rejected it): one statement, as every guarded read
        asks it — so sent past SQLAlchemy (`kernel.db.fetch`)."""
        found = (await fetch(self.session, _STANDING, user_id, organization_id))[0]
        return (None if found["role"] is None else Role(found["role"])), found["coordinates"]

    async def shown(self, user_id: uuid.UUID, organization_id: uuid.UUID) -> OrganizationRow | None:
        """The organisation as it is read, with the reader's standing in it: one statement (sent
        past SQLAlchemy: `kernel.db.fetch_as`)."""
        found = await fetch_as(self.session, _SHOWN, OrganizationRow, user_id, organization_id)
        return found[0] if found else None

    async def page_for_member(self, user_id: uuid.UUID, offset: int, limit: int) -> tuple[list[Organization], int]:
        scope = select(Membership.organization_id).where(Membership.user_id == user_id)
        total = (
            await self.session.execute(select(func.count()).select_from(Organization).where(Organization.id.in_(scope)))
        ).scalar_one()
        rows = await self.session.execute(
            select(Organization)
            .where(Organization.id.in_(scope))
            .order_by(Organization.legal_name, Organization.id)
            .offset(offset)
            .limit(limit)
        )
        return list(rows.scalars()), int(total)

    async def memberships_of(self, user_id: uuid.UUID) -> list[tuple[Organization, Role]]:
        """Every organisation the user belongs to with their role in it, by name (one statement)."""
        rows = await self.session.execute(
            select(Organization, Membership.role)
            .join(Membership, Membership.organization_id == Organization.id)
            .where(Membership.user_id == user_id)
            .order_by(Organization.legal_name, Organization.id)
        )
        return [(organization, role) for organization, role in rows]

    async def buying_places_of_member(self, user_id: uuid.UUID) -> list[tuple[uuid.UUID, str, str | None]]:
        """(id, country, subdivision) of every organisation the user belongs to that buys: sent past
        SQLAlchemy (`kernel.db.fetch`), as every search asks it."""
        rows = await fetch(self.session, _BUYING_PLACES, user_id)
        return [(row["id"], row["country"], row["subdivision"]) for row in rows]

    async def inclusion_of(self, organization_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[Inclusion]]:
        result: dict[uuid.UUID, list[Inclusion]] = {oid: [] for oid in organization_ids}
        if organization_ids:
            rows = await self.session.execute(select(Inclusion).where(Inclusion.organization_id.in_(organization_ids)))
            for row in rows.scalars():
                result[row.organization_id].append(row)
        return result

    async def inclusion_row(self, organization_id: uuid.UUID, attribute: str) -> Inclusion | None:
        return (
            await self.session.execute(
                select(Inclusion).where(Inclusion.organization_id == organization_id, Inclusion.attribute == attribute)
            )
        ).scalar_one_or_none()

    async def drop_inclusion_refusals(self, organization_id: uuid.UUID, attribute: InclusionAttribute) -> None:
        """Every hub's refusal of the organisation's declaration of `attribute`."""
        await self.session.execute(
            delete(InclusionRefusal).where(
                InclusionRefusal.organization_id == organization_id, InclusionRefusal.attribute == attribute
            )
        )

    async def hub_memberships_of(self, organization_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[HubMembership]]:
        result: dict[uuid.UUID, list[HubMembership]] = {oid: [] for oid in organization_ids}
        if organization_ids:
            rows = await self.session.execute(
                select(HubMembership)
                .where(HubMembership.organization_id.in_(organization_ids))
                .order_by(HubMembership.created_at)
            )
            for row in rows.scalars():
                result[row.organization_id].append(row)
        return result

    async def members(self, organization_id: uuid.UUID) -> list[tuple[Membership, User]]:
        rows = await self.session.execute(
            select(Membership, User)
            .join(User, User.id == Membership.user_id)
            .where(Membership.organization_id == organization_id)
            .order_by(Membership.created_at)
        )
        return [(m, u) for m, u in rows.all()]

    async def membership(self, organization_id: uuid.UUID, user_id: uuid.UUID) -> Membership | None:
        return (
            await self.session.execute(
                select(Membership).where(Membership.organization_id == organization_id, Membership.user_id == user_id)
            )
        ).scalar_one_or_none()

    async def count_owners(self, organization_id: uuid.UUID) -> int:
        return int(
            (
                await self.session.execute(
                    select(func.count()).where(
                        Membership.organization_id == organization_id, Membership.role == Role.owner
                    )
                )
            ).scalar_one()
        )

    async def invitation(self, invitation_id: uuid.UUID) -> Invitation | None:
        return await self.session.get(Invitation, invitation_id, with_for_update=True)

    async def invitations_of(self, organization_id: uuid.UUID) -> list[Invitation]:
        rows = await self.session.execute(
            select(Invitation).where(Invitation.organization_id == organization_id).order_by(Invitation.created_at)
        )
        return list(rows.scalars())

    async def pending_invitations_for(self, email: str) -> list[tuple[Invitation, Organization]]:
        rows = await self.session.execute(
            select(Invitation, Organization)
            .join(Organization, Organization.id == Invitation.organization_id)
            .where(Invitation.email == email.lower(), Invitation.status == InvitationStatus.pending)
            .order_by(Invitation.created_at)
        )
        return [(i, o) for i, o in rows.all()]
