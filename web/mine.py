"""The signed-in person's organisations, as the pages ask for them: in brief (whom one may act for,
`my_memberships`) or in full with their hubs (`my_organizations`), all of them or those that buy;
one statement each (`OrganizationService.memberships`, `.list_mine`), as the API reads them. And the
hubs they coordinate (`my_hubs`, `coordinated_hub`) and the microfinance consortia they are an officer
of (`consortia_of_officer`)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.pagination import MAX_PER_PAGE, PageParams
from marketplace.financing.service import FinancingService
from marketplace.hub.schemas import HubRead
from marketplace.hub.service import HubService, NotACoordinator
from marketplace.organization.models import OrganizationKind
from marketplace.organization.schemas import MembershipRead, OrganizationRead
from marketplace.organization.service import OrganizationService, require_verified_email

#: All of a person's organisations on one page (people belong to a few).
_ALL = PageParams(page=1, per_page=MAX_PER_PAGE)


def buys(kind: OrganizationKind) -> bool:
    """Whether an organisation of `kind` buys goods (a buyer, or both)."""
    return kind is not OrganizationKind.producer


def sells(kind: OrganizationKind) -> bool:
    """Whether an organisation of `kind` sells goods (a producer, or both)."""
    return kind is not OrganizationKind.buyer


async def my_memberships(session: AsyncSession, principal: Principal, *, buying: bool = False) -> list[MembershipRead]:
    """The organisations `principal` belongs to, in brief (those that buy, when `buying`)."""
    mine = await OrganizationService(session).memberships(principal)
    return [organization for organization in mine if buys(organization.kind)] if buying else mine


async def my_organizations(
    session: AsyncSession, principal: Principal, *, buying: bool = False
) -> list[OrganizationRead]:
    """The organisations `principal` belongs to, in full: their hubs, places and languages too
    (those that buy, when `buying`)."""
    mine = (await OrganizationService(session).list_mine(principal, _ALL)).items
    return [organization for organization in mine if buys(organization.kind)] if buying else list(mine)


async def my_hubs(session: AsyncSession, principal: Principal) -> list[HubRead]:
    """The hubs `principal` coordinates, by name."""
    return await HubService(session).coordinated(principal)


async def coordinated_hub(session: AsyncSession, principal: Principal, hub_id: uuid.UUID) -> HubRead:
    """The hub, for one of its coordinators: `HubNotFound` (a 404 page) when there is no such hub,
    `NotACoordinator` (403) for anyone else, and `EmailUnverified` (403, the page saying how to prove
    it) for a coordinator whose e-mail address is not proven, as the services refuse them
    (`HubService.require_coordinator`). Every coordinator page starts with this."""
    hub = await HubService(session).read(principal, hub_id)
    if not hub.i_coordinate:
        raise NotACoordinator("only a coordinator of this hub may see this page")
    require_verified_email(principal)
    return hub


async def consortia_of_officer(session: AsyncSession, principal: Principal) -> tuple[uuid.UUID, ...]:
    """The microfinance consortia `principal` is an officer of, by name (`FinancingService.officer_of`)."""
    return tuple(await FinancingService(session).officer_of(principal))
