"""The marketplace's settings section: card payments through Stripe Connect."""

from __future__ import annotations

from decimal import Decimal

import msgspec


class MarketplaceSettings(msgspec.Struct, kw_only=True, frozen=True):
    stripe_secret_key: str | None = None
    """Stripe API key (`sk_...`). Unset: card payments are off and buyers pay by invoice."""
    stripe_webhook_secret: str | None = None
    """Signing secret of the platform's webhook endpoint (`whsec_...`); required with the key."""
    stripe_connect_webhook_secret: str | None = None
    """Signing secret of the Connect webhook endpoint, which receives the connected accounts' events
    (`account.updated`). Unset: producers' account changes are only seen by the reconciliation."""
    stripe_settlement_currency: str = "EUR"
    """The currency the platform's Stripe balance settles in: charges in any other currency are
    converted by Stripe, and transfers to producers go out in this one."""
    stripe_api_base: str | None = None
    """Where the Stripe API is (tests point it at a local stub). Unset: Stripe's own."""
    hub_fee_percent: Decimal = Decimal(0)
    """The hub's application fee: kept from each card-paid order before the producer's transfer."""

    @property
    def stripe_enabled(self) -> bool:
        return self.stripe_secret_key is not None


ENVIRONMENT = {
    "stripe_secret_key": "STRIPE_SECRET_KEY",
    "stripe_webhook_secret": "STRIPE_WEBHOOK_SECRET",
    "stripe_connect_webhook_secret": "STRIPE_CONNECT_WEBHOOK_SECRET",
    "stripe_settlement_currency": "STRIPE_SETTLEMENT_CURRENCY",
    "stripe_api_base": "STRIPE_API_BASE",
    "hub_fee_percent": "HUB_FEE_PERCENT",
}
