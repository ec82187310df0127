"""Helpers of the card payment tests: Stripe's part (events, a payment succeeding) and reading what moved."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.db import transaction
from marketplace.payment.models import CardRefund, CardTransfer, StripeEvent
from tests.factories.identity import Account
from tests.factories.order import Market, place
from tests.stripe_stub import StripeStub, event, sign

Client = AsyncTestClient[Any]
SECRET_KEY = "sk_test_borderhub_stub"
WEBHOOK_SECRET = "whsec_test_borderhub"
CONNECT_WEBHOOK_SECRET = "whsec_test_borderhub_connect"
FEE_PERCENT = Decimal("2.5")
WEBHOOK = "/api/v1/payments/stripe/webhook"
CONNECT_WEBHOOK = "/api/v1/payments/stripe/connect-webhook"


def with_cards(settings: Settings, stub: StripeStub, **marketplace: Any) -> Settings:
    """`settings` with card payments on: Stripe's API at the stub, the test secrets, euro settlement
    and the hub's fee (and any other marketplace setting given, such as `public_url`)."""
    cards = msgspec.structs.replace(
        settings.marketplace,
        stripe_secret_key=SECRET_KEY,
        stripe_webhook_secret=WEBHOOK_SECRET,
        stripe_connect_webhook_secret=CONNECT_WEBHOOK_SECRET,
        stripe_api_base=stub.url,
        stripe_settlement_currency="EUR",
        hub_fee_percent=FEE_PERCENT,
        **marketplace,
    )
    return msgspec.structs.replace(settings, marketplace=cards)


LINK_URLS = {"return_url": "https://hub.example/payouts/done", "refresh_url": "https://hub.example/payouts/again"}


async def post_event(
    client: Client,
    payload: dict[str, Any],
    *,
    secret: str = WEBHOOK_SECRET,
    url: str = WEBHOOK,
    **sign_args: Any,
) -> Any:
    body = json.dumps(payload).encode()
    headers = {"Stripe-Signature": sign(body, secret, **sign_args), "Content-Type": "application/json"}
    return await client.post(url, content=body, headers=headers)


async def post_connect_event(client: Client, payload: dict[str, Any]) -> Any:
    return await post_event(client, payload, secret=CONNECT_WEBHOOK_SECRET, url=CONNECT_WEBHOOK)


async def onboard(
    client: Client, stub: StripeStub, account: Account, organization: dict[str, Any], *, activate: bool = True
) -> str:
    """Onboard a producer and (unless not `activate`) let Stripe activate transfers; its connected account id."""
    url = f"/api/v1/organizations/{organization['id']}/payout-account/onboarding-link"
    linked = await client.post(url, json=LINK_URLS, headers=account.headers)
    assert linked.status_code == 201, linked.text
    account_id: str = linked.json()["account"]["stripe_account_id"]
    if activate:
        await activate_account(client, stub, account_id)
    return account_id


async def activate_account(client: Client, stub: StripeStub, account_id: str) -> None:
    stub.update(account_id, capabilities={"transfers": "active"}, details_submitted=True, payouts_enabled=True)
    updated = await post_connect_event(client, event("account.updated", stub.objects[account_id], account=account_id))
    assert updated.status_code == 200, updated.text


async def card_checkout(
    client: Client, m: Market, *lines: tuple[dict[str, Any], str], currency: str = "EUR"
) -> dict[str, Any]:
    return await place(client, m.buyer, m.checkout(*lines, payment_method="stripe", display_currency=currency))


async def start_payment(client: Client, m: Market, checkout: dict[str, Any]) -> dict[str, Any]:
    started = await client.post(f"/api/v1/checkouts/{checkout['id']}/card-payment", headers=m.buyer.headers)
    assert started.status_code == 201, started.text
    payment: dict[str, Any] = started.json()
    return payment


async def succeed(client: Client, stub: StripeStub, payment: dict[str, Any]) -> Any:
    """Stripe takes the money (a charge, settled in the stub's settlement currency) and its webhook arrives."""
    intent = stub.succeed_payment(payment["payment_intent_id"])
    return await post_event(client, event("payment_intent.succeeded", intent))


async def paid_checkout(
    client: Client,
    stub: StripeStub,
    m: Market,
    run_jobs: Callable[[], Awaitable[None]],
    *lines: tuple[dict[str, Any], str],
) -> dict[str, Any]:
    """A card checkout of `lines`, paid, and its money moved by the worker."""
    checkout = await card_checkout(client, m, *lines)
    await succeed(client, stub, await start_payment(client, m, checkout))
    await run_jobs()
    return checkout


async def order(client: Client, account: Account, order_id: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/orders/{order_id}", headers=account.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def disputed(client: Client, m: Market, order_id: str, resolution: dict[str, Any]) -> None:
    """The cheese order delivered, disputed by the buyer and resolved by the coordinator as `resolution`."""
    url = f"/api/v1/orders/{order_id}"
    for account, action in ((m.cheese_maker, "accept"), (m.cheese_maker, "ship"), (m.buyer, "deliver")):
        assert (await client.post(f"{url}/{action}", headers=account.headers)).status_code == 200
    opened = await client.post(
        f"{url}/dispute", json={"reason": "damaged", "message": "Half the wheels were mouldy."}, headers=m.buyer.headers
    )
    assert opened.status_code == 201, opened.text
    resolved = await client.post(f"{url}/dispute/resolve", json=resolution, headers=m.coordinator.headers)
    assert resolved.status_code == 200, resolved.text


def fee(amount_minor: int) -> int:
    return int((Decimal(amount_minor) * FEE_PERCENT / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


async def transfers(sessions: async_sessionmaker[AsyncSession]) -> dict[str, CardTransfer]:
    async with transaction(sessions) as session:
        return {str(t.order_id): t for t in (await session.execute(select(CardTransfer))).scalars()}


async def refunds(sessions: async_sessionmaker[AsyncSession]) -> dict[str, CardRefund]:
    async with transaction(sessions) as session:
        return {str(r.order_id): r for r in (await session.execute(select(CardRefund))).scalars()}


async def stripe_events(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with transaction(sessions) as session:
        return len((await session.execute(select(StripeEvent))).scalars().all())
