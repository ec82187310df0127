"""Working capital under pressure: 50 requests at once against one producer's limit, and random
sequences of orders, advances, payments (full, partial, late), credit notes, cancellations and
write-offs checked against a model of the waterfall kept by the test itself after every step."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from kernel.db import transaction
from marketplace.financing.jobs import review
from tests.factories.financing import (
    CAPITAL,
    GUARANTEE,
    Consortium,
    act,
    confirmed_order,
    consortium_body,
    create_consortium,
)
from tests.factories.order import Market, build_market

Client = AsyncTestClient[Any]
PRODUCER_LIMIT = 100_000
"""PLN 1,000.00: room for 14 advances on 2 kg of honey (PLN 67.20 each)."""


@pytest.fixture
async def market(client: Client, sessions: async_sessionmaker[AsyncSession], settings: Settings) -> Market:
    return await build_market(client, sessions, settings)


def limited(market: Market, producer_limit: int, buyer_limit: int) -> list[dict[str, Any]]:
    currencies: list[dict[str, Any]] = consortium_body(market, [])["currencies"]
    for terms in currencies:
        terms["max_per_producer_minor"], terms["max_per_buyer_minor"] = producer_limit, buyer_limit
    return currencies


async def test_fifty_requests_at_once_never_take_more_than_the_producers_limit(client: Client, market: Market) -> None:
    m = market
    await create_consortium(client, m, currencies=limited(m, PRODUCER_LIMIT, 10 * PRODUCER_LIMIT))
    orders = [await confirmed_order(client, m, "2") for _ in range(50)]
    each = orders[0]["total"]["amount_minor"] * 70 // 100
    assert {order["total"]["amount_minor"] for order in orders} == {orders[0]["total"]["amount_minor"]}

    async def ask(order: dict[str, Any]) -> Any:
        return await client.post(
            "/api/v1/advances", json={"order_id": order["id"], "amount_minor": each}, headers=m.honey_maker.headers
        )

    answers = await asyncio.gather(*(ask(order) for order in orders))
    granted = [answer.json() for answer in answers if answer.status_code == 201]
    refused = [answer.json() for answer in answers if answer.status_code != 201]
    assert sum(advance["principal"]["amount_minor"] for advance in granted) <= PRODUCER_LIMIT
    assert len(granted) == PRODUCER_LIMIT // each
    assert {problem["type"].split("/")[-1] for problem in refused} == {"advance-refused"}
    assert len(granted) + len(refused) == 50


@dataclass
class Tracked:
    """The test's own account of one advance: what it was lent and what the test paid towards it."""

    order: dict[str, Any]
    advance: dict[str, Any]
    principal: int
    fee: int
    owed_by_buyer: int
    """What the invoice still asks the buyer for."""
    repaid: int = 0
    written_off: int = 0
    beyond: int = 0
    """Collected from the buyer beyond the advance: the producer's."""
    remitted: int = 0
    credited: bool = False
    cancelled: bool = False
    settled: bool = False

    @property
    def owed(self) -> int:
        return self.principal + self.fee - self.repaid - self.written_off


class Run:
    """One random sequence of steps against one market and consortium, checked after every step."""

    def __init__(
        self,
        client: Client,
        market: Market,
        consortium: Consortium,
        sessions: async_sessionmaker[AsyncSession],
        seed: int,
    ) -> None:
        self.client, self.m, self.c, self.sessions = client, market, consortium, sessions
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible sequence, not a secret
        self.free: list[dict[str, Any]] = []
        """Confirmed orders without an advance."""
        self.tracked: list[Tracked] = []
        self.steps: list[str] = []

    async def step(self) -> None:
        options = [self.new_order, self.new_order]
        if self.free:
            options += [self.advance, self.advance, self.cancel_free]
        live = [t for t in self.tracked if not t.settled and not t.written_off]
        if any(t.owed_by_buyer for t in live):
            options += [self.buyer_pays, self.buyer_pays, self.credit_or_cancel]
        if any(t.owed and not t.owed_by_buyer for t in live):
            options.append(self.producer_repays)
        if any(t.beyond > t.remitted for t in self.tracked):
            options.append(self.remit)
        if live and len(self.steps) > 15 and self.rng.random() < 0.1:
            options = [self.write_off_everything_late]
        await self.rng.choice(options)()

    async def new_order(self) -> None:
        self.steps.append("order")
        self.free.append(await confirmed_order(self.client, self.m, str(self.rng.randint(2, 12))))

    async def advance(self) -> None:
        order = self.free.pop(self.rng.randrange(len(self.free)))
        offer = await self.get("/api/v1/advances/offer", order_id=order["id"])
        if not offer["possible"]:
            self.steps.append(f"refused {[r['code'] for r in offer['refusals']]}")
            # After a write-off the producer's record stops new advances.
            assert {r["code"] for r in offer["refusals"]} <= {"producer_limit", "buyer_limit", "capital", "written_off"}
            return
        most = offer["maximum"]["amount_minor"]
        amount = self.rng.choice([most, self.rng.randint(1, most), most + 1])
        asked = await self.client.post(
            "/api/v1/advances",
            json={"order_id": order["id"], "amount_minor": amount},
            headers=self.m.honey_maker.headers,
        )
        if amount > most:
            self.steps.append("above the most")
            assert asked.status_code == 422, asked.text
            self.free.append(order)
            return
        assert asked.status_code == 201, asked.text
        advance = asked.json()
        for officer in (self.c.officer, self.c.second_officer)[: advance["approvals_needed"]]:
            advance = await act(self.client, officer, advance, "decisions", {"approve": True, "reason": "fine"})
        advance = await act(self.client, self.c.officer, advance, "disbursement", {"reference": "payout"})
        self.steps.append(f"advance {amount}")
        self.tracked.append(
            Tracked(
                order=order,
                advance=advance,
                principal=amount,
                fee=advance["fee"]["amount_minor"],
                owed_by_buyer=order["total"]["amount_minor"],
            )
        )

    async def buyer_pays(self) -> None:
        tracked = self.rng.choice([t for t in self.tracked if t.owed_by_buyer and not t.settled and not t.written_off])
        amount = self.rng.choice([tracked.owed_by_buyer, self.rng.randint(1, tracked.owed_by_buyer)])
        self.steps.append(f"buyer pays {amount}")
        await act(
            self.client,
            self.c.officer,
            tracked.advance,
            "buyer-payments",
            {"amount_minor": amount, "reference": "buyer"},
        )
        taken = min(amount, tracked.owed)
        tracked.repaid += taken
        tracked.beyond += amount - taken
        tracked.owed_by_buyer -= amount
        self.settle_if_done(tracked)

    async def credit_or_cancel(self) -> None:
        tracked = self.rng.choice(
            [t for t in self.tracked if t.owed_by_buyer == t.order["total"]["amount_minor"] and not t.written_off]
        )
        order = tracked.order
        if self.rng.random() < 0.5:
            self.steps.append("cancel")
            await self.post(f"/api/v1/orders/{order['id']}/cancel", self.m.buyer, {"note": "no longer needed"})
            tracked.owed_by_buyer, tracked.cancelled = 0, True
        else:
            refund = self.rng.randint(1, order["total"]["amount_minor"] - 1)
            self.steps.append(f"credit {refund}")
            await self.post(f"/api/v1/orders/{order['id']}/ship", self.m.honey_maker)
            await self.post(f"/api/v1/orders/{order['id']}/deliver", self.m.buyer)
            await self.post(
                f"/api/v1/orders/{order['id']}/dispute", self.m.buyer, {"reason": "damaged", "message": "jars broke"}
            )
            await self.post(
                f"/api/v1/orders/{order['id']}/dispute/resolve",
                self.m.coordinator,
                {"outcome": "partial_refund", "refund_minor": refund, "note": "part refunded"},
            )
            tracked.owed_by_buyer -= refund
            tracked.credited = True

    async def producer_repays(self) -> None:
        tracked = self.rng.choice([t for t in self.tracked if t.owed and not t.owed_by_buyer and not t.written_off])
        amount = self.rng.choice([tracked.owed, self.rng.randint(1, tracked.owed)])
        self.steps.append(f"producer repays {amount}")
        await act(
            self.client,
            self.c.officer,
            tracked.advance,
            "repayments",
            {"amount_minor": amount, "reference": "producer"},
        )
        tracked.repaid += amount
        self.settle_if_done(tracked)

    async def remit(self) -> None:
        tracked = self.rng.choice([t for t in self.tracked if t.beyond > t.remitted])
        self.steps.append("remit")
        await act(self.client, self.c.officer, tracked.advance, "remittance", {"reference": "to producer"})
        tracked.remitted = tracked.beyond

    async def write_off_everything_late(self) -> None:
        """The review runs long after every due date: whatever is still owed falls into arrears and is written off."""
        self.steps.append("late: write-offs")
        async with transaction(self.sessions) as session:
            await review(session, clock.today() + dt.timedelta(days=400))
        for tracked in self.tracked:
            if not tracked.settled and not tracked.written_off and tracked.owed:
                tracked.written_off = tracked.owed
                tracked.owed_by_buyer = 0

    async def cancel_free(self) -> None:
        order = self.free.pop(self.rng.randrange(len(self.free)))
        self.steps.append("cancel an order without advance")
        await self.post(f"/api/v1/orders/{order['id']}/cancel", self.m.honey_maker, {"note": "out of stock"})

    def settle_if_done(self, tracked: Tracked) -> None:
        if tracked.owed == 0:
            tracked.settled = True

    async def check(self) -> None:
        """After every step: the journal balances; each advance owes disbursed + fee - repaid - written
        off; no limit is exceeded; what the producer got from the buyer is the rest after the advance."""
        async with transaction(self.sessions) as session:
            unbalanced = (
                await session.execute(
                    text(
                        "SELECT entry_id FROM marketplace.journal_line GROUP BY entry_id HAVING sum(amount_minor) <> 0"
                    )
                )
            ).all()
            # Every advance is paid out as soon as it is approved, so what is lent is the whole exposure.
            exposure = await session.scalar(
                text(
                    "SELECT coalesce(sum(amount_minor), 0) FROM marketplace.journal_line"
                    " WHERE account IN ('advances', 'advances_in_arrears')"
                )
            )
        assert unbalanced == [], self.steps
        assert exposure is not None, self.steps
        assert exposure <= PRODUCER_LIMIT, self.steps
        for tracked in self.tracked:
            read = await self.get(f"/api/v1/advances/{tracked.advance['id']}")
            figures = (read["outstanding"], read["repaid"], read["written_off"], read["owed_to_producer"])
            expected = (tracked.owed, tracked.repaid, tracked.written_off, tracked.beyond - tracked.remitted)
            assert tuple(f["amount_minor"] for f in figures) == expected, (self.steps, read["status"])
            if (
                tracked.settled
                and not tracked.credited
                and not tracked.cancelled
                and tracked.remitted == tracked.beyond
            ):
                total = tracked.order["total"]["amount_minor"]
                # The producer got the advance, then the order's value less the advance and the fee.
                assert tracked.principal + read["passed_on_to_producer"]["amount_minor"] == total - tracked.fee, (
                    self.steps
                )
            expected_status = "written_off" if tracked.written_off else "repaid" if tracked.settled else None
            if expected_status is not None:
                assert read["status"] == expected_status, self.steps
        book = await self.get(f"/api/v1/consortia/{self.c.id}/books", self.c.officer, currency="PLN")
        held = sum(
            line["balance"]["amount_minor"] for line in book["lines"] if line["account"] in ("cash", "guarantee_cash")
        )
        lent = sum(t.principal for t in self.tracked)
        back = sum(t.repaid for t in self.tracked)
        # The funders' money is what they put up, less what is lent, plus what came back; a write-off
        # moves the guarantee money to the lenders and changes nothing in the sum.
        assert held == 2 * (CAPITAL["PLN"] + GUARANTEE["PLN"]) - lent + back, self.steps

    async def get(self, url: str, account: Any = None, **params: Any) -> Any:
        headers = (account or self.m.honey_maker).headers
        response = await self.client.get(url, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    async def post(self, url: str, account: Any, body: dict[str, Any] | None = None) -> Any:
        response = await self.client.post(url, json=body, headers=account.headers)
        assert response.status_code in (200, 201), (self.steps, response.text)
        return response.json()


@pytest.mark.parametrize("seed", [7, 21, 1913])
async def test_random_sequences_keep_the_books_balanced_the_limits_and_the_waterfall(
    client: Client, market: Market, sessions: async_sessionmaker[AsyncSession], seed: int
) -> None:
    consortium = await create_consortium(client, market, currencies=limited(market, PRODUCER_LIMIT, 2 * PRODUCER_LIMIT))
    run = Run(client, market, consortium, sessions, seed)
    for _ in range(30):
        await run.step()
        await run.check()
    assert any(step.startswith("advance") for step in run.steps)
