"""A microfinance consortium of Görlitz and Zgorzelec for the order market's hub (`tests.factories.order`),
lending in EUR and PLN, with two officers, and the confirmed orders it advances against.

Built through the HTTP API.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from litestar.testing import AsyncTestClient

from tests.factories.identity import Account, register
from tests.factories.order import Market, place

Client = AsyncTestClient[Any]

#: What each funder commits per currency (minor units).
CAPITAL = {"EUR": 5_000_000, "PLN": 20_000_000}
GUARANTEE = {"EUR": 500_000, "PLN": 2_000_000}


@dataclass(frozen=True)
class Consortium:
    body: dict[str, Any]
    officer: Account
    second_officer: Account
    funders: dict[str, str]
    """Funder name -> id."""

    @property
    def id(self) -> str:
        return str(self.body["id"])


def consortium_body(market: Market, officers: list[Account], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": f"Neisse Microfinance {uuid.uuid4().hex[:6]}",
        "hub_ids": [market.hub["id"]],
        "advance_share_percent": "70",
        "flat_fee_percent": "1",
        "annual_rate_percent": "7.3",
        "max_tenor_days": 90,
        "min_completed_orders": 0,
        "arrears_write_off_days": 60,
        "repayment_instalments": 3,
        "currencies": [
            {
                "currency": "EUR",
                "max_per_producer_minor": 1_000_000,
                "max_per_buyer_minor": 2_000_000,
                "second_approval_above_minor": 300_000,
                "collection_iban": "DE89370400440532013000",
            },
            {
                "currency": "PLN",
                "max_per_producer_minor": 4_000_000,
                "max_per_buyer_minor": 8_000_000,
                "second_approval_above_minor": 1_200_000,
                "collection_iban": "PL61109010140000071219812874",
            },
        ],
        "funders": [
            {"name": "Stadt Görlitz", "country": "DE", "guarantee_share_percent": "60"},
            {"name": "Miasto Zgorzelec", "country": "PL", "guarantee_share_percent": "40"},
        ],
        "officer_emails": [officer.email for officer in officers],
        "inclusion_terms": [{"attribute": "women_led", "share_bonus_percent": "10", "fee_discount_percent": "0.5"}],
    }
    body.update(overrides)
    return body


async def create_consortium(client: Client, market: Market, *, fund: bool = True, **overrides: Any) -> Consortium:
    """The consortium, set up by the hub's coordinator; with `fund`, each funder's capital and guarantee recorded."""
    officer, second = await register(client), await register(client)
    created = await client.post(
        "/api/v1/consortia",
        json=consortium_body(market, [officer, second], **overrides),
        headers=market.coordinator.headers,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    funders = {funder["name"]: funder["id"] for funder in body["funders"]}
    consortium = Consortium(body=body, officer=officer, second_officer=second, funders=funders)
    if fund:
        for funder_id in funders.values():
            for currency, capital in CAPITAL.items():
                await commit(client, consortium, funder_id, currency, capital, GUARANTEE[currency])
    return consortium


async def commit(
    client: Client, consortium: Consortium, funder_id: str, currency: str, capital: int, guarantee: int = 0
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/consortia/{consortium.id}/commitments",
        json={
            "funder_id": funder_id,
            "currency": currency,
            "capital_minor": capital,
            "guarantee_minor": guarantee,
            "reference": f"commitment {uuid.uuid4().hex[:8]}",
        },
        headers=consortium.officer.headers,
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def confirmed_order(client: Client, market: Market, kilograms: str = "20") -> dict[str, Any]:
    """Honey from producer A to the town of Görlitz, on invoice, accepted by the producer."""
    [order] = (await place(client, market.buyer, market.checkout((market.honey, kilograms))))["orders"]
    accepted = await client.post(f"/api/v1/orders/{order['id']}/accept", headers=market.honey_maker.headers)
    assert accepted.status_code == 200, accepted.text
    result: dict[str, Any] = accepted.json()
    return result


async def ask(client: Client, market: Market, order: dict[str, Any], amount: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"order_id": order["id"]}
    if amount is not None:
        body["amount_minor"] = amount
    response = await client.post("/api/v1/advances", json=body, headers=market.honey_maker.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def act(
    client: Client, account: Account, advance: dict[str, Any], step: str, body: dict[str, Any]
) -> dict[str, Any]:
    """An officer's step on the advance (`decisions`, `disbursement`, `buyer-payments`, `repayments`, `remittance`)."""
    response = await client.post(f"/api/v1/advances/{advance['id']}/{step}", json=body, headers=account.headers)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def paid_out(
    client: Client, market: Market, consortium: Consortium, order: dict[str, Any], amount: int | None = None
) -> dict[str, Any]:
    """An advance asked for, approved (by both officers when above the threshold) and paid out."""
    advance = await ask(client, market, order, amount)
    for officer in (consortium.officer, consortium.second_officer)[: advance["approvals_needed"]]:
        advance = await act(client, officer, advance, "decisions", {"approve": True, "reason": "good delivery record"})
    assert advance["status"] == "approved", advance
    return await act(client, consortium.officer, advance, "disbursement", {"reference": "SEPA payout 1"})
