"""The one place that talks to Stripe: every call the service makes, each with an idempotency key.

Calls run inside the caller's database transaction. Each carries a Stripe idempotency key
derived from our own ids, so a request retried after a failed commit gets the very same
Stripe object back instead of a second charge, transfer or refund. A Stripe failure raises
`PaymentProviderError` (502), which rolls the transaction back: nothing is half-written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import stripe

from kernel.errors import DomainError
from marketplace.settings import MarketplaceSettings

#: How far a webhook's signed timestamp may be from now (Stripe's recommended default).
SIGNATURE_TOLERANCE_SECONDS = 300


class PaymentProviderError(DomainError):
    """Stripe did not do what was asked (unreachable, or it refused); nothing was changed here."""

    status = 502
    slug = "payment-provider-error"


class BadSignature(DomainError):
    status = 400
    slug = "bad-webhook-signature"


class StripeGateway:
    def __init__(self, secret_key: str, webhook_secret: str, api_base: str | None = None) -> None:
        self.webhook_secret = webhook_secret
        self.client = stripe.StripeClient(
            secret_key,
            http_client=stripe.HTTPXClient(),
            base_addresses={"api": api_base, "connect": api_base} if api_base else None,
            max_network_retries=2,
        )

    @classmethod
    def from_settings(cls, settings: MarketplaceSettings) -> StripeGateway | None:
        """The gateway, or None when Stripe is not configured (card payments off)."""
        if settings.stripe_secret_key is None:
            return None
        if not settings.stripe_webhook_secret:
            raise RuntimeError(
                "STRIPE_SECRET_KEY is set but STRIPE_WEBHOOK_SECRET is not; webhooks could not be verified"
            )
        if not 0 <= settings.hub_fee_percent < 100:  # noqa: PLR2004 - a percentage
            raise RuntimeError(f"HUB_FEE_PERCENT must be at least 0 and below 100, not {settings.hub_fee_percent}")
        return cls(settings.stripe_secret_key, settings.stripe_webhook_secret, settings.stripe_api_base)

    def verify(self, payload: bytes, signature: str | None) -> stripe.Event:
        """The event, if `payload` is signed with our secret within the tolerance (else 400)."""
        if not signature:
            raise BadSignature("the Stripe-Signature header is missing")
        try:
            return self.client.construct_event(
                payload, signature, self.webhook_secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
            )
        except stripe.SignatureVerificationError as exc:
            raise BadSignature(f"the Stripe signature does not verify: {exc.user_message or exc}") from None
        except ValueError:
            raise BadSignature("the payload is not a Stripe event") from None

    async def create_account(self, params: Any, key: str) -> stripe.Account:
        with _provider_errors():
            return await self.client.v1.accounts.create_async(params, {"idempotency_key": key})

    async def account(self, account_id: str) -> stripe.Account:
        with _provider_errors():
            return await self.client.v1.accounts.retrieve_async(account_id)

    async def create_account_link(self, params: Any) -> stripe.AccountLink:
        # Links are single-use and short-lived: a fresh one each time, so no idempotency key.
        with _provider_errors():
            return await self.client.v1.account_links.create_async(params)

    async def create_payment_intent(self, params: Any, key: str) -> stripe.PaymentIntent:
        with _provider_errors():
            return await self.client.v1.payment_intents.create_async(params, {"idempotency_key": key})

    async def payment_intent(self, payment_intent_id: str) -> stripe.PaymentIntent:
        with _provider_errors():
            return await self.client.v1.payment_intents.retrieve_async(payment_intent_id)

    async def create_transfer(self, params: Any, key: str) -> stripe.Transfer:
        with _provider_errors():
            return await self.client.v1.transfers.create_async(params, {"idempotency_key": key})

    async def reverse_transfer(self, transfer_id: str, params: Any, key: str) -> stripe.TransferReversal:
        with _provider_errors():
            return await self.client.v1.transfers.reversals.create_async(transfer_id, params, {"idempotency_key": key})

    async def create_refund(self, params: Any, key: str) -> stripe.Refund:
        with _provider_errors():
            return await self.client.v1.refunds.create_async(params, {"idempotency_key": key})


@contextlib.contextmanager
def _provider_errors() -> Iterator[None]:
    try:
        yield
    except stripe.StripeError as exc:
        raise PaymentProviderError(
            f"the payment provider did not complete the request ({type(exc).__name__}: "
            f"{exc.user_message or 'no message'}); nothing was changed, try again"
        ) from exc
