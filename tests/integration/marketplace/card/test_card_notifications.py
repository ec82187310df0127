"""Producers told of card money: an order paid by card, and their share of it transferred."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from tests.factories.identity import Account
from tests.factories.order import Market
from tests.integration.marketplace.card.support import Client, fee, paid_checkout
from tests.stripe_stub import StripeStub


async def inbox(client: Client, account: Account, kind: str) -> list[dict[str, Any]]:
    response = await client.get("/api/v1/me/notifications", params={"per_page": 100}, headers=account.headers)
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if item["kind"] == kind]


async def test_each_producer_is_told_its_order_was_paid_by_card_and_its_share_transferred(
    card_client: Client, stub: StripeStub, market: Market, onboarded: dict[str, str], run_jobs: Any
) -> None:
    m = market
    checkout = await paid_checkout(card_client, stub, m, run_jobs, (m.honey, "20"), (m.cheese, "10"))
    await run_jobs()  # the notices of what the money moves announced
    orders = {o["producer_organization_id"]: o for o in checkout["orders"]}
    for maker, producer in ((m.honey_maker, m.producer_a), (m.cheese_maker, m.producer_b)):
        own = orders[producer["id"]]
        [paid] = await inbox(card_client, maker, "order_paid")
        [sent] = await inbox(card_client, maker, "transfer_sent")
        for notice in (paid, sent):
            assert urlsplit(notice["link"]).path == f"/orders/{own['id']}"
        share = own["display_total"]["amount_minor"]
        assert f"€{(share - fee(share)) / 100:,.2f}" in sent["subject"]
    assert await inbox(card_client, m.buyer, "order_paid") == []
    assert await inbox(card_client, m.buyer, "transfer_sent") == []
