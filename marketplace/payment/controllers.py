"""HTTP endpoints of invoices, and `CardGateway`, the Stripe client dependency orders and card payments take."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from kernel.pagination import Page
from kernel.web import Caller, IdempotencyKeyHeader, Paging, Session, idempotent
from marketplace.organization.models import Side
from marketplace.payment.models import InvoiceStatus
from marketplace.payment.schemas import InvoicePayment, InvoiceRead
from marketplace.payment.service import InvoiceService
from marketplace.payment.stripe_gateway import StripeGateway

#: The Stripe client of the service (None when card payments are off), provided by the app.
CardGateway = NamedDependency[StripeGateway | None]


def provide_invoice_service(db_session: Session) -> InvoiceService:
    return InvoiceService(db_session)


Invoices = NamedDependency[InvoiceService]
INVOICE_DEPENDENCIES = {"invoice_service": Provide(provide_invoice_service, sync_to_thread=False)}


class InvoiceController(Controller):
    path = "/api/v1/invoices"
    tags = ["payments"]
    dependencies = INVOICE_DEPENDENCIES

    @get("/{invoice_id:uuid}", summary="An invoice (members of its producer or its buyer)")
    async def read(self, invoice_id: FromPath[uuid.UUID], principal: Caller, invoice_service: Invoices) -> InvoiceRead:
        return await invoice_service.read(principal, invoice_id)

    @post("/{invoice_id:uuid}/mark-paid", summary="Record that the buyer paid (the producer)", status_code=200)
    async def mark_paid(
        self,
        request: Request[Any, Any, Any],
        invoice_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        invoice_service: Invoices,
        data: JSONBody[InvoicePayment | None] = None,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[InvoiceRead]:
        payment = data or InvoicePayment()
        return await idempotent(
            request,
            db_session,
            principal,
            idempotency_key,
            payment,
            InvoiceRead,
            lambda: invoice_service.mark_paid(principal, invoice_id, payment),
        )


class OrganizationInvoiceController(Controller):
    path = "/api/v1/organizations/{organization_id:uuid}/invoices"
    tags = ["payments"]
    dependencies = INVOICE_DEPENDENCIES

    @get("/", summary="Invoices the organisation issued or received (its members); overdue=true for unpaid past due")
    async def list_invoices(
        self,
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        invoice_service: Invoices,
        side: FromQuery[Side | None] = None,
        status: FromQuery[InvoiceStatus | None] = None,
        overdue: FromQuery[bool] = False,
        *,
        paging: Paging,
    ) -> Page[InvoiceRead]:
        return await invoice_service.list_of_organization(
            principal, organization_id, side=side, status=status, overdue=overdue, page=paging
        )
