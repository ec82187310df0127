"""VAT rates (the shipped table with the administrators' corrections) and the VAT of order lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, cache, codes
from kernel.auth import Principal, require_platform_admin
from kernel.errors import FieldProblems
from marketplace.tax.decision import TaxParty, Treatment, decide, supply_of
from marketplace.tax.models import VatCategory, VatRateCorrection
from marketplace.tax.rates import SHIPPED, shipped_rate
from marketplace.tax.schemas import VatRateCorrectionCreate, VatRateRead

#: `kernel.cache` key of the corrections: read by every listing, cart and checkout, set by a platform
#: administrator now and then; a process serves its own correction at once, others within a minute.
_CORRECTIONS = "marketplace.tax.corrections"
_CORRECTIONS_TTL = 60.0


class Correction(msgspec.Struct, frozen=True):
    """A correction as the rate book reads it (kept beyond the session that read it)."""

    country: str
    category: VatCategory
    valid_from: dt.date
    rate: Decimal | None


class RateBook:
    """The rates on one day: the shipped table, with each correction made on or before that day
    beating the shipped rates of an earlier or equal day (read once per order or page)."""

    def __init__(self, corrections: list[Correction], day: dt.date) -> None:
        self.day = day
        self._corrections = [c for c in corrections if c.valid_from <= day]

    def rate(self, country: str, category: VatCategory) -> Decimal | None:
        """Percent, or None where the country has no rate of that category on the day."""
        return self.read(country, category).rate

    def treatment(
        self,
        seller: TaxParty,
        buyer: TaxParty,
        category: VatCategory,
        classification_scheme: str,
        classification_code: str,
        destination: str | None = None,
    ) -> Treatment:
        """The VAT of one line of goods so classified and of that category, sold by `seller` to
        `buyer` and delivered to `destination` (a country) on the day (`decision.decide`); raises
        `NoRate` when the seller's country has no rate of the category then."""
        supply = supply_of(classification_scheme, classification_code)
        return decide(seller, buyer, supply, category, self.rate(seller.country, category), destination)

    def read(self, country: str, category: VatCategory) -> VatRateRead:
        correction = max(
            (c for c in self._corrections if c.country == country and c.category is category),
            key=lambda c: c.valid_from,
            default=None,
        )
        shipped_from = max(
            (s.valid_from for s in SHIPPED if s.country == country and s.valid_from <= self.day),
            default=dt.date.min,
        )
        if correction is not None and correction.valid_from >= shipped_from:
            return VatRateRead(
                country=country,
                category=category,
                # As the shipped rates read ("21", not the column's "21.00").
                rate=None if correction.rate is None else Decimal(format(correction.rate.normalize(), "f")),
                valid_from=correction.valid_from,
                source="corrected",
            )
        # Zero and exempt are 0 in every country whose rates are known (shipped, or corrected only).
        known = shipped_from > dt.date.min or any(c.country == country for c in self._corrections)
        zero_rated = category in (VatCategory.zero, VatCategory.exempt)
        return VatRateRead(
            country=country,
            category=category,
            rate=Decimal(0) if zero_rated and known else shipped_rate(country, category, self.day),
            valid_from=shipped_from,
            source="shipped",
        )


class TaxService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def rate_book(self, day: dt.date) -> RateBook:
        return RateBook(await self._kept_corrections(), day)

    async def _kept_corrections(self) -> list[Correction]:
        return await cache.cached(self.session, _CORRECTIONS, _CORRECTIONS_TTL, self._corrections)

    async def _corrections(self) -> list[Correction]:
        rows = await self.session.scalars(select(VatRateCorrection))
        return [Correction(c.country, c.category, c.valid_from, c.rate) for c in rows]

    async def rates(self, country: str | None, day: dt.date) -> list[VatRateRead]:
        """Every category's rate on `day`, per country (one country, or every country with rates)."""
        corrections = await self._kept_corrections()
        countries = (
            [codes.country(country, "query:country")]
            if country
            else sorted({s.country for s in SHIPPED} | {c.country for c in corrections})
        )
        book = RateBook(corrections, day)
        return [book.read(c, category) for c in countries for category in VatCategory]

    async def correct(self, principal: Principal, data: VatRateCorrectionCreate) -> VatRateRead:
        """A platform administrator sets a rate from a day on (orders placed from that day take it).
        Raises `Forbidden` for anyone else, `InvalidInput` naming `country` (unknown) and `rate` (not
        0 for the zero and exempt categories)."""
        require_platform_admin(principal)
        problems = FieldProblems()
        country = problems.check(codes.country, data.country, "country")
        if data.rate is not None and data.rate < 0:
            problems.add("rate", "must not be negative")
        elif data.category in (VatCategory.zero, VatCategory.exempt) and data.rate not in (None, Decimal(0)):
            problems.add("rate", f"the {data.category.value} category is always 0 %")
        problems.raise_if_any()
        assert country is not None  # noqa: S101 - checked above
        existing = await self.session.scalar(
            select(VatRateCorrection).where(
                VatRateCorrection.country == country,
                VatRateCorrection.category == data.category,
                VatRateCorrection.valid_from == data.valid_from,
            )
        )
        before = None
        if existing is None:
            existing = VatRateCorrection(
                country=country, category=data.category, valid_from=data.valid_from, set_by=principal.user_id
            )
            self.session.add(existing)
        else:
            before = {"rate": None if existing.rate is None else str(existing.rate), "reason": existing.reason}
        existing.rate = data.rate
        existing.reason = data.reason
        existing.set_by = principal.user_id
        await self.session.flush()
        cache.changed(self.session, _CORRECTIONS)
        await audit.record(
            self.session,
            principal,
            "vat_rate.corrected",
            object_type="vat_rate_correction",
            object_id=existing.id,
            before=before,
            after={"country": country, "category": data.category.value, "valid_from": data.valid_from.isoformat(),
                   "rate": None if data.rate is None else str(data.rate), "reason": data.reason},
        )  # fmt: skip
        return (await self.rate_book(data.valid_from)).read(country, data.category)
