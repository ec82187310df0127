"""Stripe idempotency keys: the same request always gets the same key, a changed one a key of its own
(so a retry after a lost answer is replayed, and a retry whose parameters changed meanwhile is not
refused by Stripe with `idempotency_error`)."""

from __future__ import annotations

from typing import Any

import pytest

from marketplace.payment.stripe_gateway import idempotency_key

TRANSFER: dict[str, Any] = {
    "amount": 19546,
    "currency": "eur",
    "destination": "acct_1",
    "transfer_group": "checkout_1",
    "source_transaction": "ch_1",
    "metadata": {"order_id": "0193f0e4-6c1e-7c2a-9d7e-1f0b8a6e2c11"},
}


def test_the_same_request_has_the_same_key_whatever_the_order_of_its_parameters() -> None:
    reordered = dict(reversed(TRANSFER.items()))
    assert idempotency_key("transfer", TRANSFER) == idempotency_key("transfer", reordered)
    assert idempotency_key("transfer", TRANSFER).startswith("transfer-")


@pytest.mark.parametrize(
    "changed",
    [
        {"amount": 19545},  # the hub's fee changed
        {"destination": "acct_2"},
        {"metadata": {"order_id": "0193f0e4-7a02-7b55-8c3d-5e9a0f1b7d20"}},  # another order
    ],
)
def test_a_changed_request_has_a_key_of_its_own(changed: dict[str, Any]) -> None:
    assert idempotency_key("transfer", {**TRANSFER, **changed}) != idempotency_key("transfer", TRANSFER)


def test_operations_do_not_share_keys() -> None:
    params = {"metadata": {"organization_id": "o"}, "business_profile": {"name": "Piekarnia Nowak"}}
    renamed = {**params, "business_profile": {"name": "Piekarnia Nowak s.c."}}
    assert idempotency_key("account", params) != idempotency_key("account", renamed)
    assert idempotency_key("account", params) != idempotency_key("payment", params)
