"""A producer's card money through the API: per paid order what the buyer paid, the hub's fee and
the transfer (`GET /api/v1/organizations/{id}/payout-account/transfers`), for its members only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tests.factories.order import Market
from tests.integration.marketplace.card.support import Client, fee, paid_checkout
from tests.stripe_stub import StripeStub


def transfers_of(organization_id: str) -> str:
    return f"/api/v1/organizations/{organization_id}/payout-account/transfers"


async def test_a_producers_members_read_the_transfers_of_its_card_paid_orders_and_nobody_else(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    run_jobs: Callable[[], Awaitable[None]],
) -> None:
    m = market
    checkout = await paid_checkout(card_client, stub, m, run_jobs, (m.honey, "20"), (m.cheese, "2"))
    honey_order = next(o for o in checkout["orders"] if o["producer_organization_id"] == m.producer_a["id"])

    listed = await card_client.get(transfers_of(m.producer_a["id"]), headers=m.honey_maker.headers)

    assert listed.status_code == 200, listed.text
    [transfer] = listed.json()
    share = honey_order["display_total"]["amount_minor"]
    assert transfer["order_id"] == honey_order["id"]
    assert transfer["buyer"] == m.buyer_org["legal_name"]
    assert transfer["status"] == "made"
    assert transfer["charged"] == {"amount_minor": share, "currency": "EUR"}
    assert transfer["fee"] == {"amount_minor": fee(share), "currency": "EUR"}
    assert transfer["amount"] == {"amount_minor": share - fee(share), "currency": "EUR"}
    assert transfer["reversed"]["amount_minor"] == 0
    assert transfer["refunded"] is None
    [sent] = [
        t for t in stub.requests_to("POST", "/v1/transfers") if t.params["destination"] == onboarded[m.producer_a["id"]]
    ]
    assert sent.params["amount"] == str(share - fee(share))

    for outsider in (m.cheese_maker, m.buyer):
        refused = await card_client.get(transfers_of(m.producer_a["id"]), headers=outsider.headers)
        assert refused.status_code == 404, outsider.email
