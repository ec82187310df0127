"""The VAT of an order's lines, decided when it is placed (`marketplace.tax.decision`): from the
seller's and the buyer's VAT status, what is sold (goods or services, by its classification) and
the listing's VAT category at the seller's country's rate on the day. Checkouts and awarded
orders both price their lines here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.order.models import OrderLine
from marketplace.organization.models import Organization
from marketplace.tax.breakdown import Group, TaxedAmount, breakdown, vat_of
from marketplace.tax.decision import TaxParty, Treatment
from marketplace.tax.models import VatCategory
from marketplace.tax.service import RateBook


async def tax_parties(session: AsyncSession, organization_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, TaxParty]:
    rows = await session.scalars(select(Organization).where(Organization.id.in_(organization_ids)))
    return {organization.id: organization.tax_party for organization in rows}


def treatment(
    seller: TaxParty, buyer: TaxParty, book: RateBook, category: VatCategory, scheme: str, code: str
) -> Treatment:
    """The VAT of one line (`RateBook.treatment`); raises `tax.decision.NoRate` when the seller's
    country has no rate of the category on the day."""
    return book.treatment(seller, buyer, category, scheme, code)


def with_vat(line: OrderLine, taken: Treatment) -> OrderLine:
    line.vat_code = taken.code
    line.vat_rate = taken.rate
    line.vat_note = taken.note.value if taken.note else None
    return line


def _taxed(lines: Sequence[OrderLine]) -> list[TaxedAmount]:
    return [
        TaxedAmount(code=line.vat_code, rate=line.vat_rate, net_minor=line.total_minor, note=line.vat_note)
        for line in lines
    ]


def order_vat(lines: Sequence[OrderLine], currency: str) -> int:
    """Per VAT rate, the lines' net sum times the rate, rounded once (EN 16931)."""
    return vat_of(_taxed(lines), currency)


def vat_breakdown(lines: Sequence[OrderLine], currency: str) -> list[Group]:
    return breakdown(_taxed(lines), currency)
