"""Marketplace's public facade: what `procurement` and `search` may call.

Guards (reusable authorisation checks) and read models live here so other
packages never import marketplace's internals.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.catalog.repository import ListingRepository
from marketplace.catalog.snapshot import ListingSnapshot, ListingText, listing_snapshots
from marketplace.compliance.schemas import Eligibility, UnmetRequirement
from marketplace.compliance.service import check_eligibility
from marketplace.hub.repository import HubRepository
from marketplace.hub.service import HubService
from marketplace.kernel.auth import Principal, require_platform_admin
from marketplace.kernel.errors import NotFound
from marketplace.organization.models import InclusionAttribute, OrganizationKind, Role
from marketplace.organization.repository import OrganizationRepository
from marketplace.organization.schemas import OrganizationRead
from marketplace.organization.service import OrganizationService

__all__ = [
    "Eligibility",
    "InclusionAttribute",
    "ListingSnapshot",
    "ListingText",
    "OrganizationKind",
    "OrganizationRead",
    "Role",
    "UnmetRequirement",
    "buying_jurisdiction",
    "check_eligibility",
    "hub_jurisdictions",
    "listing_id_batch",
    "listing_ids_of_hub_members",
    "listing_ids_of_producers",
    "listing_ids_priced_in",
    "listing_snapshots",
    "read_organization",
    "require_hub_coordinator",
    "require_org_role",
    "require_platform_admin",
]


async def require_org_role(
    session: AsyncSession, principal: Principal, organization_id: uuid.UUID, minimum: Role
) -> Role:
    """Member of the organisation with role ≥ `minimum`; 404 if not readable, 403 if role too low."""
    return await OrganizationService(session).require_role(principal, organization_id, minimum)


async def require_hub_coordinator(session: AsyncSession, principal: Principal, hub_id: uuid.UUID) -> None:
    """Coordinator of the hub; 404 for an unknown hub, 403 otherwise."""
    await HubService(session).require_coordinator(principal, hub_id)


async def read_organization(
    session: AsyncSession, principal: Principal, organization_id: uuid.UUID
) -> OrganizationRead:
    """The organisation as the caller may see it (404 when they may not)."""
    return await OrganizationService(session).read(principal, organization_id)


async def buying_jurisdiction(
    session: AsyncSession, principal: Principal, organization_id: uuid.UUID | None
) -> str | None:
    """Where the caller buys for: the subdivision (else the country) of `organization_id`, which must
    be a buying organisation they belong to (404 otherwise), or, with none named, of their only
    buying organisation. None when they have no buying organisation, or several and named none."""
    places = await OrganizationRepository(session).buying_places_of_member(principal.user_id)
    if organization_id is not None:
        places = [place for place in places if place[0] == organization_id]
        if not places:
            raise NotFound("no such buying organization of yours")
    if len(places) != 1:
        return None
    [(_, country, subdivision)] = places
    return subdivision or country


async def hub_jurisdictions(session: AsyncSession) -> set[str]:
    """Every jurisdiction some hub spans (where listings' eligibility is known)."""
    return await HubRepository(session).all_jurisdictions()


async def listing_ids_of_producers(session: AsyncSession, organization_ids: set[uuid.UUID]) -> list[uuid.UUID]:
    return await ListingRepository(session).ids_of_producers(organization_ids)


async def listing_ids_of_hub_members(session: AsyncSession, hub_id: uuid.UUID) -> list[uuid.UUID]:
    return await ListingRepository(session).ids_of_hub_members(hub_id)


async def listing_ids_priced_in(session: AsyncSession, currencies: set[str]) -> list[uuid.UUID]:
    return await ListingRepository(session).ids_priced_in(currencies)


async def listing_id_batch(session: AsyncSession, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    """Every listing's id, in id order, `limit` at a time after `after` (for rebuilding an index)."""
    return await ListingRepository(session).id_batch(after, limit)
