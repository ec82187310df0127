"""Marketplace's public facade: what `procurement` and `search` may call.

Guards (reusable authorisation checks) and read models live here so other
packages never import marketplace's internals.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.compliance.schemas import Eligibility, UnmetRequirement
from marketplace.compliance.service import check_eligibility
from marketplace.hub.service import HubService
from marketplace.kernel.auth import Principal, require_platform_admin
from marketplace.organization.models import InclusionAttribute, OrganizationKind, Role
from marketplace.organization.schemas import OrganizationRead
from marketplace.organization.service import OrganizationService

__all__ = [
    "Eligibility",
    "InclusionAttribute",
    "OrganizationKind",
    "OrganizationRead",
    "Role",
    "UnmetRequirement",
    "check_eligibility",
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
