"""HTTP endpoints of card payments: producers' payout accounts, a checkout's card payment, Stripe's webhook."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from kernel.errors import NotFound
from kernel.web import Caller, IdempotencyKeyHeader, Session, idempotent
from marketplace.card.schemas import (
    CardPaymentRead,
    OnboardingLink,
    OnboardingRequest,
    PayoutAccountRead,
    WebhookReceipt,
)
from marketplace.card.service import CardPaymentService
from marketplace.payment.controllers import CardGateway


def provide_card_payment_service(db_session: Session, stripe_gateway: CardGateway) -> CardPaymentService:
    return CardPaymentService(db_session, stripe_gateway)


CardPayments = NamedDependency[CardPaymentService]
CARD_DEPENDENCIES = {"card_payment_service": Provide(provide_card_payment_service, sync_to_thread=False)}


class PayoutAccountController(Controller):
    path = "/api/v1/organizations/{organization_id:uuid}/payout-account"
    tags = ["payments"]
    dependencies = CARD_DEPENDENCIES

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
        card_payment_service: CardPayments,
    ) -> OnboardingLink:
        return await card_payment_service.onboard(principal, organization_id, data)

    @get("/", summary="The producer's payout account and whether buyers can pay it by card (its members)")
    async def read(
        self, organization_id: FromPath[uuid.UUID], principal: Caller, card_payment_service: CardPayments
    ) -> PayoutAccountRead:
        return await card_payment_service.payout_account(principal, organization_id)


class CardPaymentController(Controller):
    path = "/api/v1/checkouts/{checkout_id:uuid}/card-payment"
    tags = ["payments"]
    dependencies = CARD_DEPENDENCIES

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
        card_payment_service: CardPayments,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[CardPaymentRead]:
        return await idempotent(
            request,
            db_session,
            principal,
            idempotency_key,
            None,
            CardPaymentRead,
            lambda: card_payment_service.start(principal, checkout_id),
            status_code=201,
        )

    @get("/", summary="The checkout's card payment: status, last error, refunds (the buyer's members)")
    async def read(
        self, checkout_id: FromPath[uuid.UUID], principal: Caller, card_payment_service: CardPayments
    ) -> CardPaymentRead:
        return await card_payment_service.read(principal, checkout_id)


class StripeWebhookController(Controller):
    path = "/api/v1/payments/stripe/webhook"
    tags = ["payments"]
    dependencies = CARD_DEPENDENCIES

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
        self, request: Request[Any, Any, Any], stripe_gateway: CardGateway, card_payment_service: CardPayments
    ) -> WebhookReceipt:
        if stripe_gateway is None:
            raise NotFound("card payments (Stripe) are not set up on this service")
        event = stripe_gateway.verify(await request.body(), request.headers.get("stripe-signature"))
        handled = await card_payment_service.handle(event)
        return WebhookReceipt(event_id=event.id, duplicate=not handled)
