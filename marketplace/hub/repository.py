"""All SQL of hubs."""

from __future__ import annotations

import uuid
from collections.abc import Collection

from sqlalchemy import String, and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.audit import AuditEntry
from kernel.db import fetch
from marketplace.hub.models import Hub
from marketplace.identity.models import User
from marketplace.organization.models import (
    HubCoordinator,
    HubMembership,
    HubMembershipStatus,
    Inclusion,
    InclusionAttribute,
    InclusionRefusal,
    Membership,
    Organization,
    OrganizationKind,
)

# SQL fragments of who may do what in a hub, for reads (here and in other packages) that ask it in
# their own statement. `user` and `hub` are SQL expressions (a parameter, a column), never input;
# the aliases are ones no caller's query is likely to use (one in `user` or `hub` would be shadowed).


def coordinates_sql(user: str, hub: str) -> str:
    """SQL that is true when the user `user` coordinates the hub `hub`."""
    return (
        "EXISTS (SELECT 1 FROM marketplace.hub_coordinator coordinating"  # noqa: S608 - our own SQL
        f" WHERE coordinating.hub_id = {hub} AND coordinating.user_id = {user})"
    )


def coordinator_standing_sql(user: str, hub: str) -> str:
    """SQL columns `hub_exists` (the hub `hub` exists) and `coordinates` (the user `user` coordinates
    it): what `HubService.require_coordinator` decides on (`check_coordinator`)."""
    return (
        f"EXISTS (SELECT 1 FROM marketplace.hub standing_hub WHERE standing_hub.id = {hub}) AS hub_exists, "  # noqa: S608
        f"{coordinates_sql(user, hub)} AS coordinates"
    )


def sees_hub_sql(user: str, hub: str) -> str:
    """SQL that is true when the user `user` coordinates the hub `hub` or belongs to an organisation
    admitted to it (`HubRepository.hubs_of_member`): whether they see what the hub pools."""
    return f"""({coordinates_sql(user, hub)}
        OR EXISTS (SELECT 1 FROM marketplace.hub_membership sees_admitted
                   JOIN marketplace.membership sees_member
                        ON sees_member.organization_id = sees_admitted.organization_id
                   WHERE sees_admitted.hub_id = {hub} AND sees_admitted.status = 'admitted'
                         AND sees_member.user_id = {user}))"""  # noqa: S608 - our own SQL


_COORDINATES = f"SELECT {coordinates_sql('$2', '$1')} AS coordinates"
_HUB_AND_COORDINATES = f"SELECT {coordinator_standing_sql('$2', '$1')}"


class HubRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *objects: object) -> None:
        self.session.add_all(objects)
        await self.session.flush()

    async def get(self, hub_id: uuid.UUID, *, for_update: bool = False) -> Hub | None:
        return await self.session.get(Hub, hub_id, with_for_update=for_update)

    async def withdraw_verifications(self, hub_id: uuid.UUID, organization_id: uuid.UUID) -> None:
        await self.session.execute(
            update(Inclusion)
            .where(Inclusion.organization_id == organization_id, Inclusion.verified_by_hub_id == hub_id)
            .values(
                verified=False,
                verified_by_hub_id=None,
                verified_by_user_id=None,
                verified_at=None,
                verification_evidence=None,
            )
        )
        await self.session.execute(
            delete(InclusionRefusal).where(
                InclusionRefusal.hub_id == hub_id, InclusionRefusal.organization_id == organization_id
            )
        )

    async def refusal(
        self, hub_id: uuid.UUID, organization_id: uuid.UUID, attribute: InclusionAttribute
    ) -> InclusionRefusal | None:
        return (
            await self.session.execute(
                select(InclusionRefusal).where(
                    InclusionRefusal.hub_id == hub_id,
                    InclusionRefusal.organization_id == organization_id,
                    InclusionRefusal.attribute == attribute,
                )
            )
        ).scalar_one_or_none()

    async def refusals(self, hub_id: uuid.UUID, organization_id: uuid.UUID) -> list[InclusionRefusal]:
        rows = await self.session.execute(
            select(InclusionRefusal)
            .where(InclusionRefusal.hub_id == hub_id, InclusionRefusal.organization_id == organization_id)
            .order_by(InclusionRefusal.attribute)
        )
        return list(rows.scalars())

    async def declarations_to_verify(self, hub_id: uuid.UUID) -> list[tuple[Inclusion, str]]:
        """Declared, unverified inclusion attributes of the hub's admitted organisations that the hub
        has not refused, with the organisation's name: by name, then attribute (one statement)."""
        refused = (
            select(InclusionRefusal.id)
            .where(
                InclusionRefusal.hub_id == hub_id,
                InclusionRefusal.organization_id == Inclusion.organization_id,
                InclusionRefusal.attribute == Inclusion.attribute,
            )
            .exists()
        )
        rows = await self.session.execute(
            select(Inclusion, Organization.legal_name)
            .join(HubMembership, HubMembership.organization_id == Inclusion.organization_id)
            .join(Organization, Organization.id == Inclusion.organization_id)
            .where(
                HubMembership.hub_id == hub_id,
                HubMembership.status == HubMembershipStatus.admitted,
                Inclusion.declared,
                ~Inclusion.verified,
                ~refused,
            )
            .order_by(Organization.legal_name, Organization.id, Inclusion.attribute)
        )
        return [(inclusion, name) for inclusion, name in rows.all()]

    async def all_jurisdictions(self) -> set[str]:
        rows = await self.session.execute(select(func.unnest(Hub.jurisdictions)).distinct())
        return set(rows.scalars())

    async def by_name(self, name: str) -> Hub | None:
        return (
            await self.session.execute(select(Hub).where(func.lower(Hub.name) == name.lower()))
        ).scalar_one_or_none()

    async def page(self, offset: int, limit: int) -> tuple[list[Hub], int]:
        total = (await self.session.execute(select(func.count()).select_from(Hub))).scalar_one()
        rows = await self.session.execute(select(Hub).order_by(Hub.name, Hub.id).offset(offset).limit(limit))
        return list(rows.scalars()), int(total)

    async def coordinated_by(self, user_id: uuid.UUID) -> set[uuid.UUID]:
        rows = await self.session.execute(select(HubCoordinator.hub_id).where(HubCoordinator.user_id == user_id))
        return set(rows.scalars())

    async def coordinator_standing(self, hub_id: uuid.UUID, user_id: uuid.UUID) -> tuple[bool, bool]:
        """Whether the hub exists, and whether the user coordinates it (`kernel.db.fetch`)."""
        found = (await fetch(self.session, _HUB_AND_COORDINATES, hub_id, user_id))[0]
        return found["hub_exists"], found["coordinates"]

    async def is_coordinator(self, hub_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        """Asked by every coordinator's request: sent past SQLAlchemy (`kernel.db.fetch`)."""
        found: bool = (await fetch(self.session, _COORDINATES, hub_id, user_id))[0]["coordinates"]
        return found

    async def hubs_of_member(self, user_id: uuid.UUID) -> set[uuid.UUID]:
        """The hubs an organisation of the user's is admitted to."""
        rows = await self.session.execute(
            select(HubMembership.hub_id)
            .join(Membership, Membership.organization_id == HubMembership.organization_id)
            .where(Membership.user_id == user_id, HubMembership.status == HubMembershipStatus.admitted)
        )
        return set(rows.scalars())

    async def is_admitted(self, hub_id: uuid.UUID, organization_id: uuid.UUID) -> bool:
        found = await self.session.execute(
            select(HubMembership.id).where(
                HubMembership.hub_id == hub_id,
                HubMembership.organization_id == organization_id,
                HubMembership.status == HubMembershipStatus.admitted,
            )
        )
        return found.first() is not None

    async def admitted_organizations(self, hub_id: uuid.UUID, kinds: Collection[OrganizationKind]) -> list[uuid.UUID]:
        """The organisations of these kinds admitted to the hub, in id order."""
        rows = await self.session.execute(
            select(HubMembership.organization_id)
            .join(Organization, Organization.id == HubMembership.organization_id)
            .where(
                HubMembership.hub_id == hub_id,
                HubMembership.status == HubMembershipStatus.admitted,
                Organization.kind.in_(list(kinds)),
            )
            .order_by(HubMembership.organization_id)
        )
        return list(rows.scalars())

    async def organizations_with_verified_inclusion(
        self, hub_id: uuid.UUID, organization_ids: list[uuid.UUID]
    ) -> list[tuple[Organization, list[str]]]:
        """The organisations, each with the inclusion attributes this hub verified (sorted)."""
        if not organization_ids:
            return []
        verified = (
            select(func.array_agg(Inclusion.attribute.cast(String)).filter(Inclusion.id.is_not(None)))
            .where(
                Inclusion.organization_id == Organization.id,
                Inclusion.verified,
                Inclusion.verified_by_hub_id == hub_id,
            )
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(Organization, verified).where(Organization.id.in_(organization_ids)).order_by(Organization.id)
        )
        return [(organization, sorted(attributes or [])) for organization, attributes in rows.all()]

    async def coordinators(self, hub_id: uuid.UUID) -> list[tuple[HubCoordinator, User]]:
        rows = await self.session.execute(
            select(HubCoordinator, User)
            .join(User, User.id == HubCoordinator.user_id)
            .where(HubCoordinator.hub_id == hub_id)
            .order_by(HubCoordinator.created_at)
        )
        return [(c, u) for c, u in rows.all()]

    async def membership(
        self, hub_id: uuid.UUID, organization_id: uuid.UUID, *, lock: bool = True
    ) -> HubMembership | None:
        """The organisation's membership of the hub, locked for a decision (unless `lock` is False)."""
        statement = select(HubMembership).where(
            HubMembership.hub_id == hub_id, HubMembership.organization_id == organization_id
        )
        if lock:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def memberships(
        self, hub_id: uuid.UUID, status: HubMembershipStatus | None, offset: int, limit: int
    ) -> tuple[list[tuple[HubMembership, Organization]], int]:
        condition = [HubMembership.hub_id == hub_id]
        if status is not None:
            condition.append(HubMembership.status == status)
        total = (
            await self.session.execute(select(func.count()).select_from(HubMembership).where(*condition))
        ).scalar_one()
        rows = await self.session.execute(
            select(HubMembership, Organization)
            .join(Organization, Organization.id == HubMembership.organization_id)
            .where(*condition)
            .order_by(HubMembership.created_at, HubMembership.id)
            .offset(offset)
            .limit(limit)
        )
        return [(m, o) for m, o in rows.all()], int(total)

    async def audit_page(self, hub_id: uuid.UUID, offset: int, limit: int) -> tuple[list[AuditEntry], int]:
        """Entries about the hub itself, and entries about an organisation that concern no
        particular hub, made since it applied to this hub (while pending or admitted).
        Another hub's dealings and an organisation's history before it applied stay private."""
        own_business = (
            select(HubMembership.id)
            .where(
                HubMembership.hub_id == hub_id,
                HubMembership.organization_id == AuditEntry.organization_id,
                HubMembership.status != HubMembershipStatus.rejected,
                HubMembership.created_at <= AuditEntry.created_at,
            )
            .exists()
        )
        condition = or_(AuditEntry.hub_id == hub_id, and_(AuditEntry.hub_id.is_(None), own_business))
        total = (await self.session.execute(select(func.count()).select_from(AuditEntry).where(condition))).scalar_one()
        rows = await self.session.execute(
            select(AuditEntry)
            .where(condition)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(rows.scalars()), int(total)
