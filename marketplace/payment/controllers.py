"""HTTP endpoints of invoices."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from marketplace.kernel.pagination import Page, page_params
from marketplace.kernel.web import Caller, IdempotencyKeyHeader, Session, idempotent
from marketplace.order.models import Side
from marketplace.payment.models import InvoiceStatus
from marketplace.payment.schemas import InvoicePayment, InvoiceRead
from marketplace.payment.service import InvoiceService


class InvoiceController(Controller):
    path = "/api/v1/invoices"
    tags = ["payments"]

    @get("/{invoice_id:uuid}", summary="An invoice (members of its producer or its buyer)")
    async def read(self, invoice_id: FromPath[uuid.UUID], principal: Caller, db_session: Session) -> InvoiceRead:
        return await InvoiceService(db_session).read(principal, invoice_id)

    @post("/{invoice_id:uuid}/mark-paid", summary="Record that the buyer paid (the producer)", status_code=200)
    async def mark_paid(
        self,
        request: Request[Any, Any, Any],
        invoice_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
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
            lambda: InvoiceService(db_session).mark_paid(principal, invoice_id, payment),
        )


class OrganizationInvoiceController(Controller):
    path = "/api/v1/organizations/{organization_id:uuid}/invoices"
    tags = ["payments"]

    @get("/", summary="Invoices the organisation issued or received (its members); overdue=true for unpaid past due")
    async def list_invoices(
        self,
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        side: FromQuery[Side | None] = None,
        status: FromQuery[InvoiceStatus | None] = None,
        overdue: FromQuery[bool] = False,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 20,
    ) -> Page[InvoiceRead]:
        return await InvoiceService(db_session).list_of_organization(
            principal, organization_id, side=side, status=status, overdue=overdue, page=page_params(page, per_page)
        )
