"""`borderhub payments reconcile`: what an operator runs after an outage, against the test database
and the Stripe stub."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.cli import main
from kernel import clock
from tests.factories.order import Market
from tests.integration.marketplace.card.support import (
    FEE_PERCENT,
    SECRET_KEY,
    WEBHOOK_SECRET,
    Client,
    card_checkout,
    order,
    start_payment,
    transfers,
)
from tests.stripe_stub import StripeStub


async def borderhub(*args: str) -> Result:
    return await asyncio.to_thread(CliRunner().invoke, main, list(args))


async def test_reconcile_marks_a_payment_whose_webhook_was_missed_paid_and_reports_what_is_left(
    card_client: Client,
    stub: StripeStub,
    market: Market,
    onboarded: dict[str, str],
    sessions: async_sessionmaker[AsyncSession],
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    m = market
    for name, value in {
        "DATABASE_URL": database_url,
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": stub.url,
        "HUB_FEE_PERCENT": str(FEE_PERCENT),
    }.items():
        monkeypatch.setenv(name, value)
    since = (clock.today() - dt.timedelta(days=1)).isoformat()
    command: list[Any] = ["payments", "reconcile", "--since", since, "--data-dir", str(tmp_path / "data")]
    checkout = await card_checkout(card_client, m, (m.honey, "20"), (m.cheese, "10"))
    honey_order = next(o for o in checkout["orders"] if o["producer_organization_id"] == m.producer_a["id"])
    cheese_order = next(o for o in checkout["orders"] if o["producer_organization_id"] == m.producer_b["id"])
    # The buyer paid; Stripe's webhook never arrived. Meanwhile Stripe restricted the dairy's account.
    stub.succeed_payment((await start_payment(card_client, m, checkout))["payment_intent_id"])
    stub.update(onboarded[m.producer_b["id"]], capabilities={"transfers": "inactive"})

    first = await borderhub(*command)
    assert first.exit_code == 1, first.output
    assert first.stdout.splitlines()[0].startswith("checked ")
    assert "missed_payment_status" in first.stdout
    assert "orders_paid" in first.stdout
    [left] = [line for line in first.stdout.splitlines() if "LEFT" in line]
    assert ("still_pending" in left, cheese_order["id"] in left) == (True, True)
    assert [(await order(card_client, m.buyer, o["id"]))["status"] for o in (honey_order, cheese_order)] == [
        "paid",
        "paid",
    ]
    made = await transfers(sessions)
    assert (made[honey_order["id"]].status, made[cheese_order["id"]].status) == ("made", "pending")

    stub.update(onboarded[m.producer_b["id"]], capabilities={"transfers": "active"})
    second = await borderhub(*command)
    assert second.exit_code == 0, second.output
    assert "LEFT" not in second.stdout
    assert (await transfers(sessions))[cheese_order["id"]].status == "made"
    assert len(stub.requests_to("POST", "/v1/transfers")) == 3  # honey once; cheese refused once, then made
