"""The marketplace's settings section: card payments through Stripe Connect, and e-mail."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

import msgspec

SmtpSecurity = Literal["starttls", "tls", "none"]


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

    public_url: str = "http://127.0.0.1:8000"
    """Where people reach the service: the links in e-mails start with it."""
    smtp_host: str | None = None
    """The SMTP server mail is sent through. Unset: nothing is sent; every message is kept in the local
    mailbox (`borderhub mail list`)."""
    smtp_port: int = 587
    smtp_security: SmtpSecurity = "starttls"
    """`starttls` (port 587), `tls` (implicit TLS, port 465) or `none` (a relay on loopback only)."""
    smtp_user: str | None = None
    smtp_password: str | None = None
    mail_from: str = "Borderhub <no-reply@borderhub.localhost>"
    """The sender of every message (RFC 5322 address, with a display name if wanted)."""
    demo_mailbox: bool = False
    """Serve the local mailbox at `GET /api/v1/demo/mailbox`: everyone's mail, links and tokens
    included, so never where real people have accounts. Only `serve --demo` (and the tests) set it:
    no environment variable does, so no stray setting can expose it."""

    @property
    def stripe_enabled(self) -> bool:
        return self.stripe_secret_key is not None

    @property
    def smtp_enabled(self) -> bool:
        return self.smtp_host is not None


ENVIRONMENT = {
    "stripe_secret_key": "STRIPE_SECRET_KEY",
    "stripe_webhook_secret": "STRIPE_WEBHOOK_SECRET",
    "stripe_connect_webhook_secret": "STRIPE_CONNECT_WEBHOOK_SECRET",
    "stripe_settlement_currency": "STRIPE_SETTLEMENT_CURRENCY",
    "stripe_api_base": "STRIPE_API_BASE",
    "hub_fee_percent": "HUB_FEE_PERCENT",
    "public_url": "PUBLIC_URL",
    "smtp_host": "SMTP_HOST",
    "smtp_port": "SMTP_PORT",
    "smtp_security": "SMTP_SECURITY",
    "smtp_user": "SMTP_USER",
    "smtp_password": "SMTP_PASSWORD",
    "mail_from": "MAIL_FROM",
}
