"""HTTP endpoints of checkouts and orders."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from marketplace.kernel.pagination import Page, page_params
from marketplace.kernel.web import Caller, IdempotencyKeyHeader, Session, idempotent
from marketplace.order.models import OrderStatus, Side
from marketplace.order.schemas import CheckoutCreate, CheckoutRead, OrderFilter, OrderRead, StatusChange
from marketplace.order.service import OrderService


class CheckoutController(Controller):
    path = "/api/v1/checkouts"
    tags = ["orders"]

    @post(
        "/",
        summary="Order from one or more producers at once (one order per producer; all or nothing)",
        description=(
            "Prices each line at its volume tier, checks minimum order, packs and eligibility for the "
            "delivery jurisdiction, and reserves stock, in one transaction. 422 `checkout-refused` lists "
            "every line that cannot be ordered; 409 `out-of-stock` when only stock is short."
        ),
    )
    async def place(
        self,
        request: Request[Any, Any, Any],
        data: JSONBody[CheckoutCreate],
        principal: Caller,
        db_session: Session,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[CheckoutRead]:
        return await idempotent(
            request,
            db_session,
            principal,
            idempotency_key,
            data,
            CheckoutRead,
            lambda: OrderService(db_session).checkout(principal, data),
            status_code=201,
        )

    @get("/{checkout_id:uuid}", summary="A checkout and its orders (the buyer's members)")
    async def read(self, checkout_id: FromPath[uuid.UUID], principal: Caller, db_session: Session) -> CheckoutRead:
        return await OrderService(db_session).read_checkout(principal, checkout_id)


def _filters(status: OrderStatus | None, placed_from: dt.date | None, placed_to: dt.date | None) -> OrderFilter:
    return OrderFilter(status=status, placed_from=placed_from, placed_to=placed_to)


class OrderController(Controller):
    path = "/api/v1/orders"
    tags = ["orders"]

    @get("/{order_id:uuid}", summary="An order (its buyer, its producer, its hub's coordinators)")
    async def read(self, order_id: FromPath[uuid.UUID], principal: Caller, db_session: Session) -> OrderRead:
        return await OrderService(db_session).read(principal, order_id)

    async def _move(
        self, db_session: Session, principal: Caller, order_id: uuid.UUID, to: OrderStatus, data: StatusChange | None
    ) -> OrderRead:
        return await OrderService(db_session).move(principal, order_id, to, data.note if data else None)

    @post("/{order_id:uuid}/accept", summary="Accept (producer; paid orders, or invoice orders)", status_code=200)
    async def accept(
        self,
        order_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        data: JSONBody[StatusChange | None] = None,
    ) -> OrderRead:
        return await self._move(db_session, principal, order_id, OrderStatus.accepted, data)

    @post(
        "/{order_id:uuid}/reject",
        summary="Reject with a reason (producer; before accepting) — stock is released, payment refunded",
        status_code=200,
    )
    async def reject(
        self,
        order_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        data: JSONBody[StatusChange | None] = None,
    ) -> OrderRead:
        return await self._move(db_session, principal, order_id, OrderStatus.rejected, data)

    @post(
        "/{order_id:uuid}/cancel",
        summary="Cancel before shipping (buyer, producer or coordinator) — stock is released",
        status_code=200,
    )
    async def cancel(
        self,
        order_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        data: JSONBody[StatusChange | None] = None,
    ) -> OrderRead:
        return await self._move(db_session, principal, order_id, OrderStatus.cancelled, data)

    @post("/{order_id:uuid}/ship", summary="Mark shipped; the note may carry tracking (producer)", status_code=200)
    async def ship(
        self,
        order_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        data: JSONBody[StatusChange | None] = None,
    ) -> OrderRead:
        return await self._move(db_session, principal, order_id, OrderStatus.shipped, data)

    @post("/{order_id:uuid}/deliver", summary="Mark delivered (buyer or producer)", status_code=200)
    async def deliver(
        self,
        order_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        data: JSONBody[StatusChange | None] = None,
    ) -> OrderRead:
        return await self._move(db_session, principal, order_id, OrderStatus.delivered, data)

    @post(
        "/{order_id:uuid}/complete",
        summary="Confirm the goods are in order (buyer or coordinator; invoice orders once paid)",
        status_code=200,
    )
    async def complete(
        self,
        order_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        data: JSONBody[StatusChange | None] = None,
    ) -> OrderRead:
        return await self._move(db_session, principal, order_id, OrderStatus.completed, data)


class OrganizationOrderController(Controller):
    path = "/api/v1/organizations/{organization_id:uuid}/orders"
    tags = ["orders"]

    @get("/", summary="Orders the organisation placed or received (its members), newest first")
    async def list_orders(
        self,
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        side: FromQuery[Side | None] = None,
        status: FromQuery[OrderStatus | None] = None,
        placed_from: FromQuery[dt.date | None] = None,
        placed_to: FromQuery[dt.date | None] = None,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 20,
    ) -> Page[OrderRead]:
        return await OrderService(db_session).list_of_organization(
            principal, organization_id, side, _filters(status, placed_from, placed_to), page_params(page, per_page)
        )


class HubOrderController(Controller):
    path = "/api/v1/hubs/{hub_id:uuid}/orders"
    tags = ["orders"]

    @get("/", summary="Every order placed in the hub (its coordinators), newest first")
    async def list_orders(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        status: FromQuery[OrderStatus | None] = None,
        placed_from: FromQuery[dt.date | None] = None,
        placed_to: FromQuery[dt.date | None] = None,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 20,
    ) -> Page[OrderRead]:
        return await OrderService(db_session).list_of_hub(
            principal, hub_id, _filters(status, placed_from, placed_to), page_params(page, per_page)
        )
