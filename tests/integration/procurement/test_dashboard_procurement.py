"""A confirmed award in the hub's dashboard: pooled procurement figures that agree with the tender's own
savings report, awarded value in the inclusion shares, and money hidden from the open data while fewer
than five suppliers stand behind it. (The worked example is the one in `test_award.py`.)"""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.dashboard import refresh_summary
from tests.integration.procurement.test_award import evaluated_example


def period_row(rows: list[dict[str, Any]], **match: Any) -> dict[str, Any]:
    [row] = [r for r in rows if r["month"] is None and all(r[k] == v for k, v in match.items())]
    return row


async def test_a_confirmed_award_shows_in_pooled_procurement_and_in_the_inclusion_shares(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    p, tender = await evaluated_example(client, sessions, settings)
    base = f"/api/v1/tenders/{tender['id']}"
    confirmed = await client.post(f"{base}/award/confirm", headers=p.coordinator.headers)
    assert confirmed.status_code == 200, confirmed.text
    await refresh_summary(sessions)

    response = await client.get(f"/api/v1/hubs/{p.hub['id']}/dashboard", headers=p.coordinator.headers)
    assert response.status_code == 200, response.text
    d = response.json()
    pooled = period_row(d["procurement"])
    # One tender, two lots, two offers on each; both lots split between the apiary and the dairy.
    assert [pooled[k] for k in ("tenders", "lots", "offers", "bids_per_lot", "lots_awarded", "lots_split")] == [
        1,
        2,
        4,
        "2.00",
        2,
        2,
    ]
    assert (pooled["split_percent"], pooled["suppliers"]) == ("100.00", 2)
    # 80 x 9.80 + 40 x 10.00 + 42 x 10.00 + 18 x 10.90 EUR pooled; the apiary's 82 kg compared with its
    # listed 44.00 PLN/kg: the same figures as the tender's savings report.
    assert pooled["pooled_value_minor"] == 78400 + 40000 + 42000 + 19620
    report = (await client.get(f"{base}/savings", headers=p.coordinator.headers)).json()["total"]
    assert (pooled["individual_minor"], pooled["compared_pooled_minor"]) == (84894, 82000)
    assert (report["individual_minor"], report["pooled_compared_minor"]) == (84894, 82000)
    assert (pooled["savings_minor"], pooled["savings_percent"]) == (report["savings_minor"], report["savings_percent"])
    assert period_row(d["pooled_quantities"])["quantity"] == "180.000"
    assert period_row(d["pooled_quantities"])["unit"] == "KGM"

    # The awarded orders are the hub's trade: the apiary's PLN orders converted back at 4.25.
    assert period_row(d["trade"])["awarded_value_minor"] == 180020
    women_led = period_row(d["inclusion"], attribute="women_led")
    assert (women_led["awarded_value_minor"], women_led["awarded_percent"]) == (82000, "45.55")

    # Two suppliers are fewer than five: the open data keeps the counts and hides the money.
    public = period_row((await client.get(f"/api/v1/hubs/{p.hub['id']}/open-data")).json()["procurement"])
    assert (public["tenders"], public["bids_per_lot"], public["suppressed"]) == (1, "2.00", True)
    assert (public["pooled_value_minor"], public["savings_minor"]) == (None, None)
