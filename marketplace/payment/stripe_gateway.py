"""The one place that talks to Stripe: every call the service makes, each with an idempotency key.

Each call that creates something carries an idempotency key made of the operation and a
fingerprint of its parameters, so a call retried after a lost answer or a failed commit gets the
very same Stripe object back instead of a second charge, transfer or refund, and a call whose
parameters changed meanwhile (an order cancelled, a fee changed) gets a key of its own instead of
Stripe's `idempotency_error`. Stripe forgets keys after 24 hours, so callers that retry later
first look for the object they may have made (`transfers_of_group`, `refunds_of`, ...).

Amounts are in Stripe's units here (see `stripe_currency`); callers convert.
A Stripe failure raises `PaymentProviderError` (502).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import stripe

from kernel.errors import DomainError
from marketplace.settings import MarketplaceSettings

#: How far a webhook's signed timestamp may be from now, either way (Stripe's recommended default).
SIGNATURE_TOLERANCE_SECONDS = 300


class PaymentProviderError(DomainError):
    """Stripe did not do what was asked (unreachable, or it refused); nothing was changed here."""

    status = 502
    slug = "payment-provider-error"


class IdempotencyConflict(PaymentProviderError):
    """Stripe saw this idempotency key with other parameters. Keys carry a fingerprint of their
    parameters, so this means two different requests hashed alike or a key was reused by hand:
    told apart from other refusals, so that a person sees it (a money move waits with it)."""

    slug = "payment-provider-idempotency-conflict"


class BadSignature(DomainError):
    status = 400
    slug = "bad-webhook-signature"


def idempotency_key(operation: str, params: Any) -> str:
    """`operation-<fingerprint of params>`: the same request always has the same key, a changed one a new key."""
    canonical = json.dumps(params, sort_keys=True, separators=(",", ":"), default=str)
    return f"{operation}-{hashlib.sha256(canonical.encode()).hexdigest()[:32]}"


class StripeGateway:
    def __init__(
        self,
        secret_key: str,
        webhook_secret: str,
        *,
        connect_webhook_secret: str | None = None,
        api_base: str | None = None,
        settlement_currency: str = "EUR",
    ) -> None:
        self.webhook_secret = webhook_secret
        self.connect_webhook_secret = connect_webhook_secret
        self.settlement_currency = settlement_currency.upper()
        # Live keys see live events only, test keys test events: anything else is a misrouted endpoint.
        self.livemode = secret_key.startswith(("sk_live_", "rk_live_"))
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
        return cls(
            settings.stripe_secret_key,
            settings.stripe_webhook_secret,
            connect_webhook_secret=settings.stripe_connect_webhook_secret or None,
            api_base=settings.stripe_api_base,
            settlement_currency=settings.stripe_settlement_currency,
        )

    # --- webhooks --------------------------------------------------------------------------

    def verify(self, payload: bytes, signature: str | None, *, connect: bool = False) -> stripe.Event:
        """The event, if `payload` is signed with the endpoint's secret (the Connect endpoint's when
        `connect`) at a time within the tolerance of now, in our mode (live or test); else 400."""
        secret = self.connect_webhook_secret if connect else self.webhook_secret
        if secret is None:
            raise BadSignature("the Connect webhook is not set up (STRIPE_CONNECT_WEBHOOK_SECRET)")
        if not signature:
            raise BadSignature("the Stripe-Signature header is missing")
        try:
            event = self.client.construct_event(payload, signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS)
        except stripe.SignatureVerificationError as exc:
            raise BadSignature(f"the Stripe signature does not verify: {exc.user_message or exc}") from None
        except ValueError:
            raise BadSignature("the payload is not a Stripe event") from None
        # The SDK refuses only old signatures; one from the future is as suspect (a replay prepared ahead).
        signed_at = _signed_at(signature)
        if signed_at is None or signed_at > time.time() + SIGNATURE_TOLERANCE_SECONDS:
            raise BadSignature("the Stripe signature's timestamp is in the future")
        if bool(event.livemode) != self.livemode:
            mode = "live" if event.livemode else "test"
            raise BadSignature(
                f"a {mode}-mode event was sent to a service with a {'live' if self.livemode else 'test'} key"
            )
        return event

    # --- accounts --------------------------------------------------------------------------

    async def create_account(self, params: dict[str, Any]) -> stripe.Account:
        with _provider_errors():
            return await self.client.v1.accounts.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key("account", params)},
            )

    async def account(self, account_id: str) -> stripe.Account:
        with _provider_errors():
            return await self.client.v1.accounts.retrieve_async(account_id)

    async def create_account_link(self, params: dict[str, Any]) -> stripe.AccountLink:
        # Links are single-use and short-lived: a fresh one each time, so no idempotency key.
        with _provider_errors():
            return await self.client.v1.account_links.create_async(params)  # type: ignore[arg-type]

    # --- payments ----------------------------------------------------------------------------

    async def create_payment_intent(self, params: dict[str, Any]) -> stripe.PaymentIntent:
        with _provider_errors():
            return await self.client.v1.payment_intents.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key("payment", params)},
            )

    async def payment_intent(self, payment_intent_id: str) -> stripe.PaymentIntent:
        """The PaymentIntent as Stripe has it now, its latest charge and balance transaction expanded."""
        with _provider_errors():
            return await self.client.v1.payment_intents.retrieve_async(
                payment_intent_id, {"expand": ["latest_charge.balance_transaction"]}
            )

    async def cancel_payment_intent(self, payment_intent_id: str, reason: str) -> stripe.PaymentIntent:
        params: dict[str, Any] = {"cancellation_reason": reason}
        with _provider_errors():
            return await self.client.v1.payment_intents.cancel_async(
                payment_intent_id,
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key(f"cancel-{payment_intent_id}", params)},
            )

    async def payment_intents_since(self, created_from: int) -> AsyncIterator[stripe.PaymentIntent]:
        """Every PaymentIntent created at or after `created_from` (Unix time), newest first."""
        with _provider_errors():
            page = await self.client.v1.payment_intents.list_async({"created": {"gte": created_from}, "limit": 100})
            async for intent in page.auto_paging_iter():
                yield intent

    # --- Stripe's hosted payment page (Checkout Sessions) ----------------------------------------

    async def create_checkout_session(
        self, checkout_id: uuid.UUID, attempt: int, params: dict[str, Any]
    ) -> stripe.checkout.Session:
        """A Checkout Session (`mode=payment`) for the checkout: Stripe's hosted payment page, where
        the buyer pays, and which makes the PaymentIntent then (with `payment_intent_data`).

        The key names the checkout and its `attempt` (the n-th session it gets) besides fingerprinting
        the parameters: a retry after a lost answer gets the same session, and a successor of an
        expired one a session of its own."""
        with _provider_errors():
            return await self.client.v1.checkout.sessions.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key(f"checkout-session-{checkout_id}-{attempt}", params)},
            )

    async def checkout_session(self, session_id: str) -> stripe.checkout.Session:
        """The Checkout Session as Stripe has it now (`open`, `complete` or `expired`; its PaymentIntent
        once the buyer paid or tried to)."""
        with _provider_errors():
            return await self.client.v1.checkout.sessions.retrieve_async(session_id)

    async def expire_checkout_session(self, session_id: str) -> stripe.checkout.Session:
        """Close an open Checkout Session so that it can no longer be paid (Stripe refuses for a
        session that is not open: completed meanwhile, or expired already)."""
        with _provider_errors():
            return await self.client.v1.checkout.sessions.expire_async(
                session_id, None, {"idempotency_key": f"expire-{session_id}"}
            )

    # --- transfers, refunds, reversals --------------------------------------------------------

    async def create_transfer(self, params: dict[str, Any]) -> stripe.Transfer:
        with _provider_errors():
            return await self.client.v1.transfers.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key("transfer", params)},
            )

    async def transfers_of_group(self, transfer_group: str) -> list[stripe.Transfer]:
        with _provider_errors():
            page = await self.client.v1.transfers.list_async({"transfer_group": transfer_group, "limit": 100})
            return [transfer async for transfer in page.auto_paging_iter()]

    async def create_refund(self, params: dict[str, Any]) -> stripe.Refund:
        with _provider_errors():
            return await self.client.v1.refunds.create_async(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key("refund", params)},
            )

    async def refund(self, refund_id: str) -> stripe.Refund:
        with _provider_errors():
            return await self.client.v1.refunds.retrieve_async(refund_id)

    async def refunds_of(self, payment_intent_id: str) -> list[stripe.Refund]:
        with _provider_errors():
            page = await self.client.v1.refunds.list_async({"payment_intent": payment_intent_id, "limit": 100})
            return [refund async for refund in page.auto_paging_iter()]

    async def reverse_transfer(self, transfer_id: str, params: dict[str, Any]) -> stripe.TransferReversal:
        with _provider_errors():
            return await self.client.v1.transfers.reversals.create_async(
                transfer_id,
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key(f"reversal-{transfer_id}", params)},
            )

    async def reversals_of(self, transfer_id: str) -> list[stripe.TransferReversal]:
        with _provider_errors():
            page = await self.client.v1.transfers.reversals.list_async(transfer_id, {"limit": 100})
            return [reversal async for reversal in page.auto_paging_iter()]


def _signed_at(signature: str) -> int | None:
    for part in signature.split(","):
        name, _, value = part.partition("=")
        if name.strip() == "t" and value.strip().isdigit():
            return int(value)
    return None


@contextlib.contextmanager
def _provider_errors() -> Iterator[None]:
    try:
        yield
    except stripe.IdempotencyError as exc:
        raise IdempotencyConflict(
            "the payment provider refused a repeated request whose parameters differ from the first "
            f"({exc.user_message or 'idempotency error'}); nothing was changed"
        ) from exc
    except stripe.StripeError as exc:
        raise PaymentProviderError(
            f"the payment provider did not complete the request ({type(exc).__name__}: "
            f"{exc.user_message or 'no message'}); nothing was changed, try again"
        ) from exc
