"""All SQL of orders, including the stock they reserve on listings."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, Uuid, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import equals_any, fetch, fetch_as
from marketplace.catalog.models import Listing, ListingStatus
from marketplace.hub.repository import coordinates_sql
from marketplace.order.models import Checkout, Order, OrderLine, OrderRow, OrderStatus, PaymentMethod
from marketplace.organization.models import HubMembership, HubMembershipStatus, Organization, Side
from marketplace.payment.models import CardPayment


def _sides(buyer: str, producer: str, hub: str) -> str:
    """The columns saying whether the reader ($1) is a member of the order's buyer, of its
    producer, and a coordinator of its hub (given as SQL expressions)."""
    member = "EXISTS (SELECT 1 FROM marketplace.membership WHERE user_id = $1 AND organization_id = {})"
    coordinator = coordinates_sql("$1", hub)
    return f"{member.format(buyer)} AS buyer, {member.format(producer)} AS producer, {coordinator} AS coordinator"


_SIDES = f"SELECT {_sides('$2', '$3', '$4')}"
# Decimals go through JSON as text, so they arrive exact (a JSON number would be a float).
_SHOWN = f"""
SELECT o.id, o.checkout_id, o.status, o.buyer_organization_id, o.producer_organization_id, o.hub_id,
       o.payment_method, o.currency, o.total_minor, o.credited_minor, o.vat_minor, o.display_currency,
       o.display_total_minor, o.fx_rate, o.fx_rate_date, o.fx_rate_source, o.delivery_jurisdiction,
       o.delivery_address, o.placed_by, o.status_changed_at, o.note, o.tender_reference, o.created_at,
       COALESCE((SELECT json_agg(json_build_object(
                    'listing_id', l.listing_id, 'listing_version', l.listing_version, 'sku', l.sku,
                    'title', l.title, 'language', l.language, 'unit_code', l.unit_code,
                    'quantity', l.quantity::text, 'unit_price', l.unit_price::text,
                    'tier_min_quantity', l.tier_min_quantity::text, 'total_minor', l.total_minor,
                    'vat_code', l.vat_code, 'vat_rate', l.vat_rate::text, 'vat_note', l.vat_note)
                    ORDER BY l.position)
                 FROM marketplace.order_line l WHERE l.order_id = o.id), '[]') AS lines,
       (SELECT json_build_object('id', i.id, 'number', i.number, 'currency', i.currency,
                                 'amount_minor', i.amount_minor, 'credited_minor', i.credited_minor,
                                 'due_on', i.due_on, 'status', i.status)
        FROM marketplace.invoice i WHERE i.order_id = o.id) AS invoice,
       {_sides("o.buyer_organization_id", "o.producer_organization_id", "o.hub_id")}
FROM marketplace.purchase_order o WHERE o.id = $2
"""  # noqa: S608 - the fragments are constants


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *objects: object) -> None:
        self.session.add_all(objects)
        await self.session.flush()

    # --- stock --------------------------------------------------------------------

    async def take_stock(self, listing_id: uuid.UUID, quantity: Decimal) -> dict[str, Any] | None:
        """Take `quantity` from an active listing's stock if it has that much; its row (locked
        until the transaction ends) or None. Atomic, so concurrent checkouts never oversell;
        the stock CHECK constraint stands behind it."""
        table = cast("Table", Listing.__table__)
        result = await self.session.execute(
            update(table)
            .where(
                table.c.id == listing_id,
                table.c.status == ListingStatus.active,
                table.c.stock_on_hand >= quantity,
            )
            .values(stock_on_hand=table.c.stock_on_hand - quantity)
            .returning(*table.c)
        )
        row = result.mappings().one_or_none()
        return dict(row) if row is not None else None

    async def return_stock(self, listing_id: uuid.UUID, quantity: Decimal) -> dict[str, Any]:
        """Give `quantity` back to the listing's stock; its row afterwards."""
        table = cast("Table", Listing.__table__)
        result = await self.session.execute(
            update(table)
            .where(table.c.id == listing_id)
            .values(stock_on_hand=table.c.stock_on_hand + quantity)
            .returning(*table.c)
        )
        return dict(result.mappings().one())

    async def listing_state(self, listing_id: uuid.UUID) -> tuple[ListingStatus, Decimal, str] | None:
        """Status, stock and unit of a listing (to explain why stock could not be taken)."""
        row = (
            await self.session.execute(
                select(Listing.status, Listing.stock_on_hand, Listing.unit_code).where(Listing.id == listing_id)
            )
        ).one_or_none()
        return (row[0], row[1], row[2]) if row is not None else None

    # --- hubs -----------------------------------------------------------------------

    async def admitted_hubs(self, organization_id: uuid.UUID) -> dict[uuid.UUID, int | None]:
        """The hubs that admitted the organisation, with the invoice terms each grants it."""
        rows = await self.session.execute(
            select(HubMembership.hub_id, HubMembership.invoice_net_days).where(
                HubMembership.organization_id == organization_id,
                HubMembership.status == HubMembershipStatus.admitted,
            )
        )
        return {row[0]: row[1] for row in rows}

    async def invoice_terms(self, hub_id: uuid.UUID, organization_ids: list[uuid.UUID]) -> dict[uuid.UUID, int | None]:
        """The invoice terms (net days, None: none) the hub grants each of the organisations it admitted."""
        rows = await self.session.execute(
            select(HubMembership.organization_id, HubMembership.invoice_net_days).where(
                HubMembership.hub_id == hub_id,
                HubMembership.status == HubMembershipStatus.admitted,
                equals_any(HubMembership.organization_id, organization_ids, Uuid),
            )
        )
        return {row[0]: row[1] for row in rows}

    async def default_currencies(self, organization_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
        rows = await self.session.execute(
            select(Organization.id, Organization.default_currency).where(
                equals_any(Organization.id, organization_ids, Uuid)
            )
        )
        return {row[0]: row[1] for row in rows}

    async def admitted_to(self, hub_id: uuid.UUID, organization_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        rows = await self.session.execute(
            select(HubMembership.organization_id).where(
                HubMembership.hub_id == hub_id,
                HubMembership.status == HubMembershipStatus.admitted,
                equals_any(HubMembership.organization_id, organization_ids, Uuid),
            )
        )
        return set(rows.scalars())

    async def sides(self, user_id: uuid.UUID, order: Order) -> tuple[bool, bool, bool]:
        """Whether the user is a member of the order's buyer, of its producer, and a coordinator of
        its hub: one statement, as every read of an order asks it (sent past SQLAlchemy:
        `kernel.db.fetch`)."""
        found = (
            await fetch(
                self.session, _SIDES, user_id, order.buyer_organization_id, order.producer_organization_id, order.hub_id
            )
        )[0]
        return found["buyer"], found["producer"], found["coordinator"]

    async def shown(self, user_id: uuid.UUID, order_id: uuid.UUID) -> OrderRow | None:
        """The order as it is read, with its lines, its invoice and the reader's sides of it: one
        statement (sent past SQLAlchemy: `kernel.db.fetch_as`)."""
        found = await fetch_as(self.session, _SHOWN, OrderRow, user_id, order_id)
        return found[0] if found else None

    # --- orders -----------------------------------------------------------------------

    async def get(self, order_id: uuid.UUID, *, for_update: bool = False) -> Order | None:
        statement = select(Order).where(Order.id == order_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def by_ids(self, order_ids: list[uuid.UUID]) -> list[Order]:
        rows = await self.session.execute(select(Order).where(equals_any(Order.id, order_ids, Uuid)))
        return list(rows.scalars())

    async def locked(self, order_ids: list[uuid.UUID]) -> list[Order]:
        """Orders locked in id order (so concurrent writers of several orders cannot deadlock)."""
        rows = await self.session.execute(
            select(Order).where(equals_any(Order.id, order_ids, Uuid)).order_by(Order.id).with_for_update()
        )
        return list(rows.scalars())

    async def unpaid_card_orders(self, placed_before: dt.datetime) -> list[Order]:
        """Card orders still awaiting payment placed before `placed_before`, locked in id order,
        except orders of awarded tenders, those whose payment Stripe is still processing (and
        those another writer holds)."""
        processing = select(CardPayment.id).where(
            CardPayment.checkout_id == Order.checkout_id, CardPayment.status == "processing"
        )
        rows = await self.session.execute(
            select(Order)
            .where(
                Order.payment_method == PaymentMethod.stripe,
                Order.status == OrderStatus.pending_payment,
                Order.created_at < placed_before,
                Order.tender_reference.is_(None),  # an awarded order is binding: chased, not dropped
                ~processing.exists(),
            )
            .order_by(Order.id)
            .with_for_update(skip_locked=True)
        )
        return list(rows.scalars())

    async def checkout(self, checkout_id: uuid.UUID) -> Checkout | None:
        return await self.session.get(Checkout, checkout_id)

    async def orders_of_checkout(self, checkout_id: uuid.UUID, *, for_update: bool = False) -> list[Order]:
        """A checkout's orders in id order (the order every order lock is taken in)."""
        statement = select(Order).where(Order.checkout_id == checkout_id).order_by(Order.id)
        if for_update:
            statement = statement.with_for_update()
        return list((await self.session.execute(statement)).scalars())

    async def lines_of(self, order_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[OrderLine]]:
        rows = await self.session.execute(
            select(OrderLine).where(equals_any(OrderLine.order_id, order_ids, Uuid)).order_by(OrderLine.position)
        )
        lines: dict[uuid.UUID, list[OrderLine]] = {order_id: [] for order_id in order_ids}
        for line in rows.scalars():
            lines[line.order_id].append(line)
        return lines

    async def page(
        self,
        scope: ColumnElement[bool],
        *,
        status: OrderStatus | None,
        placed_from: dt.date | None,
        placed_to: dt.date | None,
        offset: int,
        limit: int,
    ) -> tuple[list[Order], int]:
        """Orders matching `scope` (whose they are) and the filters, newest first."""
        conditions = [scope]
        if status is not None:
            conditions.append(Order.status == status)
        if placed_from is not None:
            conditions.append(Order.created_at >= _start_of(placed_from))
        if placed_to is not None:
            conditions.append(Order.created_at < _start_of(placed_to + dt.timedelta(days=1)))
        total = (await self.session.execute(select(func.count()).select_from(Order).where(*conditions))).scalar_one()
        rows = await self.session.execute(
            select(Order)
            .where(*conditions)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .offset(offset)
            .limit(limit)
        )
        return list(rows.scalars()), int(total)


def of_organization(organization_id: uuid.UUID, side: Side | None) -> ColumnElement[bool]:
    """Orders an organisation placed (`buyer`), received (`producer`), or either (None)."""
    if side is Side.buyer:
        return Order.buyer_organization_id == organization_id
    if side is Side.producer:
        return Order.producer_organization_id == organization_id
    return or_(Order.buyer_organization_id == organization_id, Order.producer_organization_id == organization_id)


def of_hub(hub_id: uuid.UUID) -> ColumnElement[bool]:
    return Order.hub_id == hub_id


def _start_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
