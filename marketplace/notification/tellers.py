"""What the tellers (`subscribers`, `trade_tellers`) share: their shape, and the reads that put names
and amounts into messages.

A teller reads what an event is about with the session (events carry ids) and returns what to tell
whom: a `Notice` for an audience, a `Letter` for one address, or None (nobody, this time). Audiences
are built only from the organisations and hubs the event names or the rows it points at, never
from anything a caller typed.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.catalog.service import plain
from marketplace.hub.models import Hub
from marketplace.notification.service import Letter, Notice
from marketplace.order.models import Order, OrderLine
from marketplace.organization.models import Organization

Teller = Callable[[AsyncSession, Any, uuid.UUID], Awaitable[Notice | Letter | Sequence[Notice] | None]]

#: Order lines a message lists at most (the order's page has them all).
LINES_SHOWN = 10


async def organization_name(session: AsyncSession, organization_id: uuid.UUID) -> str:
    organization = await session.get(Organization, organization_id)
    return organization.legal_name if organization else ""


async def hub_name(session: AsyncSession, hub_id: uuid.UUID) -> str:
    hub = await session.get(Hub, hub_id)
    return hub.name if hub else ""


def order_reference(order_id: uuid.UUID) -> str:
    """How messages name an order: the last eight hex digits of its id (random in a UUIDv7, so two
    orders of one organisation practically never share them), upper case, as the order's page shows."""
    return order_id.hex[-8:].upper()


async def order_context(session: AsyncSession, order: Order) -> dict[str, Any]:
    """The values every order message shows: its reference, both sides' names and its total."""
    return {
        "order_reference": order_reference(order.id),
        "buyer_name": await organization_name(session, order.buyer_organization_id),
        "producer_name": await organization_name(session, order.producer_organization_id),
        "total_minor": order.total_minor,
        "currency": order.currency,
    }


async def order_lines(session: AsyncSession, order_id: uuid.UUID) -> dict[str, Any]:
    """The first `LINES_SHOWN` lines of an order (title, quantity, unit code) and how many more it has."""
    lines = (
        await session.scalars(select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.position))
    ).all()
    shown = [
        {"title": line.title, "quantity": str(plain(line.quantity)), "unit": line.unit_code}
        for line in lines[:LINES_SHOWN]
    ]
    return {"lines": shown, "more_lines": max(0, len(lines) - LINES_SHOWN)}


def both_sides(order: Order) -> list[uuid.UUID]:
    return [order.buyer_organization_id, order.producer_organization_id]


def other_sides(order: Order, acting: uuid.UUID | None) -> list[uuid.UUID]:
    """The sides of the order that did not act (both, when the one that did is not known)."""
    return [side for side in both_sides(order) if side != acting] or both_sides(order)


def distinct(ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    return list(dict.fromkeys(ids))
