"""The VAT of an order's lines, decided when it is placed (`marketplace.tax.decision`): from the
seller's and the buyer's VAT status, what is sold (goods or services, by its classification) and
the listing's VAT category at the seller's country's rate on the day. Checkouts and awarded
orders both price their lines here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from marketplace.order.models import OrderLine, OrderLineRow
from marketplace.organization.models import Organization
from marketplace.tax.breakdown import Group, TaxedAmount, breakdown, vat_of
from marketplace.tax.decision import NoRate, TaxParty, Treatment
from marketplace.tax.service import TaxService


async def tax_parties(session: AsyncSession, organization_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TaxParty]:
    rows = await session.scalars(select(Organization).where(Organization.id.in_(organization_ids)))
    return {organization.id: organization.tax_party for organization in rows}


async def listing_vats(
    session: AsyncSession, buyer_id: uuid.UUID, listings: Sequence[dict[str, Any]], destination: str | None = None
) -> tuple[dict[uuid.UUID, TaxParty], dict[uuid.UUID, Treatment | str]]:
    """The VAT status of the buyer and the listings' producers, and each listing's VAT (by listing
    id) as bought today by `buyer_id` for delivery to `destination` (a country; default the
    buyer's) — or, where its category has no rate in its producer's country, why, in the words
    checkout refuses the line with (the cart shows the same)."""
    parties = await tax_parties(session, [buyer_id, *{listing["organization_id"] for listing in listings}])
    book = await TaxService(session).rate_book(clock.today())
    decided: dict[uuid.UUID, Treatment | str] = {}
    for listing in listings:
        try:
            decided[listing["id"]] = book.treatment(
                parties[listing["organization_id"]],
                parties[buyer_id],
                listing["vat_category"],
                listing["classification_scheme"],
                listing["classification_code"],
                destination,
            )
        except NoRate as exc:
            decided[listing["id"]] = f"{exc}: the producer must change the listing's VAT category"
    return parties, decided


def with_vat(line: OrderLine, taken: Treatment) -> OrderLine:
    line.vat_code = taken.code
    line.vat_rate = taken.rate
    line.vat_note = taken.note.value if taken.note else None
    return line


def _taxed(lines: Sequence[OrderLine | OrderLineRow]) -> list[TaxedAmount]:
    return [
        TaxedAmount(code=line.vat_code, rate=line.vat_rate, net_minor=line.total_minor, note=line.vat_note)
        for line in lines
    ]


def order_vat(lines: Sequence[OrderLine], currency: str) -> int:
    """Per VAT rate, the lines' net sum times the rate, rounded once (EN 16931)."""
    return vat_of(_taxed(lines), currency)


def vat_breakdown(lines: Sequence[OrderLine | OrderLineRow], currency: str) -> list[Group]:
    return breakdown(_taxed(lines), currency)
