"""HTTP endpoints of payments: invoices, producers' payout accounts, card payments, Stripe's webhook."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from kernel.errors import NotFound
from kernel.pagination import Page, page_params
from kernel.web import Caller, IdempotencyKeyHeader, Session, idempotent
from marketplace.order.models import Side
from marketplace.payment.card import CardPaymentService
from marketplace.payment.models import InvoiceStatus
from marketplace.payment.schemas import (
    CardPaymentRead,
    InvoicePayment,
    InvoiceRead,
    OnboardingLink,
    OnboardingRequest,
    PayoutAccountRead,
    WebhookReceipt,
)
from marketplace.payment.service import InvoiceService
from marketplace.payment.stripe_gateway import StripeGateway


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


#: The Stripe client of the service (None when card payments are off), provided by the app.
CardGateway = NamedDependency[StripeGateway | None]


class PayoutAccountController(Controller):
    path = "/api/v1/organizations/{organization_id:uuid}/payout-account"
    tags = ["payments"]

    @post(
        "/onboarding-link",
        summary="A Stripe onboarding link for the producer (its admins); creates its payout account once",
        status_code=201,
    )
    async def onboarding_link(
        self,
        organization_id: FromPath[uuid.UUID],
        data: JSONBody[OnboardingRequest],
        principal: Caller,
        db_session: Session,
        stripe_gateway: CardGateway,
    ) -> OnboardingLink:
        return await CardPaymentService(db_session, stripe_gateway).onboard(principal, organization_id, data)

    @get("/", summary="The producer's payout account and whether buyers can pay it by card (its members)")
    async def read(
        self, organization_id: FromPath[uuid.UUID], principal: Caller, db_session: Session, stripe_gateway: CardGateway
    ) -> PayoutAccountRead:
        return await CardPaymentService(db_session, stripe_gateway).payout_account(principal, organization_id)


class CardPaymentController(Controller):
    path = "/api/v1/checkouts/{checkout_id:uuid}/card-payment"
    tags = ["payments"]

    @post(
        "/",
        summary="Start paying a card checkout: its Stripe PaymentIntent (the buyer's members)",
        description=(
            "Creates the checkout's one PaymentIntent the first time (later calls return it): the orders "
            "awaiting payment, each for its display total, in the checkout's currency. Confirm it in the "
            "browser with `client_secret`; Stripe's webhook then marks the orders paid."
        ),
        status_code=201,
    )
    async def start(
        self,
        request: Request[Any, Any, Any],
        checkout_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        stripe_gateway: CardGateway,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[CardPaymentRead]:
        return await idempotent(
            request,
            db_session,
            principal,
            idempotency_key,
            None,
            CardPaymentRead,
            lambda: CardPaymentService(db_session, stripe_gateway).start(principal, checkout_id),
            status_code=201,
        )

    @get("/", summary="The checkout's card payment: status, last error, refunds (the buyer's members)")
    async def read(
        self, checkout_id: FromPath[uuid.UUID], principal: Caller, db_session: Session, stripe_gateway: CardGateway
    ) -> CardPaymentRead:
        return await CardPaymentService(db_session, stripe_gateway).read(principal, checkout_id)


class StripeWebhookController(Controller):
    path = "/api/v1/payments/stripe/webhook"
    tags = ["payments"]

    @post(
        "/",
        summary="Stripe's webhook (signed with STRIPE_WEBHOOK_SECRET)",
        description=(
            "Verifies the Stripe-Signature header (300 s tolerance; 400 otherwise, nothing changed), "
            "records the event id with its effects in one transaction (a repeat is a no-op) and handles "
            "payment_intent.*, charge.refunded, charge.dispute.created and account.updated."
        ),
        status_code=200,
    )
    async def receive(
        self, request: Request[Any, Any, Any], db_session: Session, stripe_gateway: CardGateway
    ) -> WebhookReceipt:
        if stripe_gateway is None:
            raise NotFound("card payments (Stripe) are not set up on this service")
        event = stripe_gateway.verify(await request.body(), request.headers.get("stripe-signature"))
        handled = await CardPaymentService(db_session, stripe_gateway).handle(event)
        return WebhookReceipt(event_id=event.id, duplicate=not handled)
