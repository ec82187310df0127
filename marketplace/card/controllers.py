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
    CardTransferRead,
    OnboardingLink,
    OnboardingRequest,
    PaymentAttention,
    PayoutAccountRead,
    WebhookReceipt,
)
from marketplace.card.service import CardPaymentService
from marketplace.payment.controllers import CardGateway
from marketplace.payment.stripe_gateway import StripeGateway


def provide_card_payment_service(db_session: Session, stripe_gateway: CardGateway) -> CardPaymentService:
    return CardPaymentService(db_session, stripe_gateway)


CardPayments = NamedDependency[CardPaymentService]
CARD_DEPENDENCIES = {"card_payment_service": Provide(provide_card_payment_service, sync_to_thread=False)}
# A webhook's answers besides 200, for the OpenAPI document: a bad signature (400), card payments or
# the Connect endpoint not set up (404), an event about a payment still being recorded (503: resent).
WEBHOOK_PROBLEMS = (400, 404, 503)


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

    @get(
        "/transfers",
        summary="The card money of the producer's paid orders: transferred, the hub's fee, refunds (its members)",
        description=(
            "Per order paid by card, newest first: what the buyer paid, the order's share of what the platform "
            "received, the hub's fee kept from it, the transfer to the producer's Stripe account (made, pending "
            "with the reason, or dropped) and what refunds to the buyer's card took back."
        ),
    )
    async def transfers(
        self, organization_id: FromPath[uuid.UUID], principal: Caller, card_payment_service: CardPayments
    ) -> list[CardTransferRead]:
        return await card_payment_service.transfers_to(principal, organization_id)


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
            "browser with `client_secret`; Stripe's webhook then marks the orders paid. A checkout paid on "
            "Stripe's hosted payment page (the web pages' way) gets no PaymentIntent here: 409."
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
    """Stripe's two webhook endpoints, each verified with its own signing secret: the platform's
    (PaymentIntents, charges, refunds, chargebacks) and Connect's (the producers' connected
    accounts, `account.updated`), which Stripe signs with a secret of its own."""

    path = "/api/v1/payments/stripe"
    tags = ["payments"]
    dependencies = CARD_DEPENDENCIES

    @post(
        "/webhook",
        summary="Stripe's platform webhook (signed with STRIPE_WEBHOOK_SECRET)",
        description=(
            "Verifies the Stripe-Signature header (within 300 s of now, either way, and of the service's "
            "mode: live or test; 400 otherwise, nothing changed), records the event id with its effects "
            "in one transaction (a repeat is a no-op) and handles payment_intent.*, checkout.session.*, "
            "charge.refunded, charge.dispute.* and refunds Stripe could not complete (refund.failed, refund.updated, "
            "charge.refund.updated). An event about a payment still being recorded is answered 503, so "
            "Stripe sends it again."
        ),
        status_code=200,
        security=[{}],
        opt={"problems": WEBHOOK_PROBLEMS},
    )
    async def receive(
        self, request: Request[Any, Any, Any], stripe_gateway: CardGateway, card_payment_service: CardPayments
    ) -> WebhookReceipt:
        return await _receive(request, stripe_gateway, card_payment_service, connect=False)

    @post(
        "/connect-webhook",
        summary="Stripe's Connect webhook (signed with STRIPE_CONNECT_WEBHOOK_SECRET)",
        description=(
            "The connected accounts' events, account.updated above all: verified like the platform "
            "webhook but with the Connect endpoint's secret. 404 when that secret is not set."
        ),
        status_code=200,
        security=[{}],
        opt={"problems": WEBHOOK_PROBLEMS},
    )
    async def receive_connect(
        self, request: Request[Any, Any, Any], stripe_gateway: CardGateway, card_payment_service: CardPayments
    ) -> WebhookReceipt:
        if stripe_gateway is not None and stripe_gateway.connect_webhook_secret is None:
            raise NotFound("the Connect webhook is not set up on this service (STRIPE_CONNECT_WEBHOOK_SECRET)")
        return await _receive(request, stripe_gateway, card_payment_service, connect=True)


async def _receive(
    request: Request[Any, Any, Any],
    stripe_gateway: StripeGateway | None,
    card_payment_service: CardPaymentService,
    *,
    connect: bool,
) -> WebhookReceipt:
    if stripe_gateway is None:
        raise NotFound("card payments (Stripe) are not set up on this service")
    event = stripe_gateway.verify(await request.body(), request.headers.get("stripe-signature"), connect=connect)
    handled = await card_payment_service.handle(event, connect=connect)
    return WebhookReceipt(event_id=event.id, duplicate=not handled)


class HubPaymentAttentionController(Controller):
    path = "/api/v1/hubs/{hub_id:uuid}/payments/attention"
    tags = ["payments"]
    dependencies = CARD_DEPENDENCIES

    @get(
        "/",
        summary="The hub's card payments needing attention (its coordinators)",
        description=(
            "Transfers to producers, refunds and reversals that wait (with the reason and the attempts so "
            "far; the reconciliation retries them), and chargebacks still open. Oldest first."
        ),
    )
    async def needing_attention(
        self, hub_id: FromPath[uuid.UUID], principal: Caller, card_payment_service: CardPayments
    ) -> list[PaymentAttention]:
        return await card_payment_service.needing_attention(principal, hub_id)
