"""Listings for tests, created through the HTTP API."""

from __future__ import annotations

import itertools
from typing import Any

from litestar.testing import AsyncTestClient

from tests.factories.identity import Account

_counter = itertools.count(1)


def listing_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sku": f"HONEY-{next(_counter):05d}",
        "translations": {
            "pl": {"title": "Miód lipowy", "description": "Miód z lip nad Nysą"},
            "de": {"title": "Lindenhonig", "description": "Honig von den Linden an der Neiße"},
            "en": {"title": "Linden honey", "description": "Honey from the lindens by the Neisse"},
        },
        "default_language": "pl",
        "classification": {"scheme": "CPV", "code": "03142100-9"},
        "unit": "KGM",
        "pack_size": "0.5",
        "min_order_quantity": "2",
        "price_tiers": [
            {"min_quantity": "1", "unit_price": "48.00"},
            {"min_quantity": "20", "unit_price": "44.00"},
            {"min_quantity": "100", "unit_price": "40.50"},
        ],
        "stock_on_hand": "250",
        "lead_time_days": 3,
        "ships_to": ["PL", "DE-SN"],
    }
    body.update(overrides)
    return body


async def create_listing(
    client: AsyncTestClient[Any], account: Account, organization: dict[str, Any], **overrides: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/organizations/{organization['id']}/listings", json=listing_body(**overrides), headers=account.headers
    )
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result
