"""HTTP endpoints of checkouts and orders."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from kernel.pagination import Page
from kernel.validation import Day
from kernel.web import Caller, IdempotencyKeyHeader, Paging, Session, body_examples, idempotent
from marketplace.order.models import OrderAction, OrderStatus
from marketplace.order.schemas import (
    CHECKOUT_CREATE_EXAMPLE,
    CheckoutCreate,
    CheckoutRead,
    OrderFilter,
    OrderRead,
    StatusChange,
)
from marketplace.order.service import OrderService
from marketplace.organization.models import Side
from marketplace.payment.controllers import CardGateway


def provide_order_service(db_session: Session, stripe_gateway: CardGateway) -> OrderService:
    return OrderService(db_session, stripe_enabled=stripe_gateway is not None)


Orders = NamedDependency[OrderService]
DEPENDENCIES = {"order_service": Provide(provide_order_service, sync_to_thread=False)}


class CheckoutController(Controller):
    path = "/api/v1/checkouts"
    tags = ["orders"]
    dependencies = DEPENDENCIES

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
        data: Annotated[CheckoutCreate, body_examples(CHECKOUT_CREATE_EXAMPLE)],
        principal: Caller,
        db_session: Session,
        order_service: Orders,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[CheckoutRead]:
        return await idempotent(
            request,
            db_session,
            principal,
            idempotency_key,
            data,
            CheckoutRead,
            lambda: order_service.checkout(principal, data),
            status_code=201,
        )

    @get("/{checkout_id:uuid}", summary="A checkout and its orders (the buyer's members)")
    async def read(self, checkout_id: FromPath[uuid.UUID], principal: Caller, order_service: Orders) -> CheckoutRead:
        return await order_service.read_checkout(principal, checkout_id)


def _filters(status: OrderStatus | None, placed_from: dt.date | None, placed_to: dt.date | None) -> OrderFilter:
    return OrderFilter(status=status, placed_from=placed_from, placed_to=placed_to)


class OrderController(Controller):
    path = "/api/v1/orders"
    tags = ["orders"]
    dependencies = DEPENDENCIES

    @get("/{order_id:uuid}", summary="An order (its buyer, its producer, its hub's coordinators)")
    async def read(self, order_id: FromPath[uuid.UUID], principal: Caller, order_service: Orders) -> OrderRead:
        return await order_service.read(principal, order_id)

    @post(
        "/{order_id:uuid}/{action:str}",
        summary="Move the order on: accept, reject, cancel, ship, deliver or complete",
        description=(
            "accept (producer; paid orders, or invoice orders before payment), reject (producer, before "
            "accepting; `note` with the reason required; stock released), cancel (before shipping: buyer, "
            "producer until paid, coordinator; stock released, invoice void), ship (producer; `note` may carry "
            "tracking), deliver (buyer or producer), complete (buyer or coordinator; invoice orders once paid). "
            "409 for a move the order's status does not allow, 403 for the wrong side."
        ),
        status_code=200,
    )
    async def move(
        self,
        order_id: FromPath[uuid.UUID],
        action: FromPath[OrderAction],
        principal: Caller,
        order_service: Orders,
        data: JSONBody[StatusChange | None] = None,
    ) -> OrderRead:
        note = data.note if data else None
        return await order_service.move(principal, order_id, action.target, note)


class OrganizationOrderController(Controller):
    path = "/api/v1/organizations/{organization_id:uuid}/orders"
    tags = ["orders"]
    dependencies = DEPENDENCIES

    @get("/", summary="Orders the organisation placed or received (its members), newest first")
    async def list_orders(
        self,
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        order_service: Orders,
        side: FromQuery[Side | None] = None,
        status: FromQuery[OrderStatus | None] = None,
        placed_from: FromQuery[Day | None] = None,
        placed_to: FromQuery[Day | None] = None,
        *,
        paging: Paging,
    ) -> Page[OrderRead]:
        return await order_service.list_of_organization(
            principal, organization_id, side, _filters(status, placed_from, placed_to), paging
        )


class HubOrderController(Controller):
    path = "/api/v1/hubs/{hub_id:uuid}/orders"
    tags = ["orders"]
    dependencies = DEPENDENCIES

    @get("/", summary="Every order placed in the hub (its coordinators), newest first")
    async def list_orders(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        order_service: Orders,
        status: FromQuery[OrderStatus | None] = None,
        placed_from: FromQuery[Day | None] = None,
        placed_to: FromQuery[Day | None] = None,
        *,
        paging: Paging,
    ) -> Page[OrderRead]:
        return await order_service.list_of_hub(principal, hub_id, _filters(status, placed_from, placed_to), paging)
