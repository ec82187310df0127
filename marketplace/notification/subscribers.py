"""Who is told of each marketplace event, and what: one subscriber per event, each deciding the kind
of message, its audience (never anyone outside the organisations and hubs the event concerns), the
values its template shows and the page it leads to.

Procurement's events are told by procurement's own subscribers through `marketplace.api.Notifier`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.outbox import Subscriber, identified_subscriber
from marketplace.events import OrganizationAdmitted, OrganizationRejected
from marketplace.hub.models import Hub
from marketplace.notification.service import Audience, Notice, Notifier
from marketplace.organization.models import Organization, Role

E = TypeVar("E")
Teller = Callable[[AsyncSession, Any, uuid.UUID], Awaitable[Notice | None]]


async def _names(session: AsyncSession, hub_id: uuid.UUID, organization_id: uuid.UUID) -> dict[str, str]:
    hub = await session.get(Hub, hub_id)
    organization = await session.get(Organization, organization_id)
    return {
        "hub_name": hub.name if hub else "",
        "organization_name": organization.legal_name if organization else "",
    }


async def organization_admitted(session: AsyncSession, event: OrganizationAdmitted, event_id: uuid.UUID) -> Notice:
    return Notice(
        kind="membership_admitted",
        event_id=event_id,
        audience=Audience(organizations=[event.organization_id]),
        context=await _names(session, event.hub_id, event.organization_id),
        link=f"/organizations/{event.organization_id}",
    )


async def organization_rejected(session: AsyncSession, event: OrganizationRejected, event_id: uuid.UUID) -> Notice:
    return Notice(
        kind="membership_rejected",
        event_id=event_id,
        audience=Audience(organizations=[event.organization_id], minimum_role=Role.admin),
        context=await _names(session, event.hub_id, event.organization_id),
        link=f"/organizations/{event.organization_id}",
    )


#: Event type -> what to tell whom (None: nobody, this time).
TELLERS: dict[type[Any], Teller] = {
    OrganizationAdmitted: organization_admitted,
    OrganizationRejected: organization_rejected,
}


def subscribers(notifier: Notifier, tellers: dict[type[Any], Teller] | None = None) -> list[Subscriber]:
    """One `notify_on_<Event>` subscriber per event that somebody is told of."""
    return [telling(notifier, event_type, teller) for event_type, teller in (tellers or TELLERS).items()]


def telling(notifier: Notifier, event_type: type[Any], teller: Teller) -> Subscriber:
    """The subscriber that tells `teller`'s audience of every `event_type` event (for procurement's
    events too: see `marketplace.api.notification_subscribers`)."""

    async def handle(session: AsyncSession, event: Any, event_id: uuid.UUID) -> None:
        notice = await teller(session, event, event_id)
        if notice is not None:
            await notifier.notify(session, notice)

    return identified_subscriber(event_type, f"notify_on_{event_type.__name__}", handle)
