"""The demo's microfinance consortium: the towns of Görlitz and Zgorzelec lending in EUR and PLN to the
demo hub's producers, with one loan officer in each town hall."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from marketplace.financing.schemas import (
    Commitment,
    ConsortiumCreate,
    CurrencyTerms,
    FunderCreate,
    InclusionTermsIn,
)
from marketplace.financing.service import FinancingService
from marketplace.organization.models import InclusionAttribute

CONSORTIUM_NAME = "Görlitz–Zgorzelec Microfinance Consortium"
#: (e-mail, name, language) of the consortium's loan officers: two, for decisions that need four eyes.
OFFICERS = [
    ("kredit@goerlitz.demo", "Sabine Krüger", "de"),
    ("pozyczki@zgorzelec.demo", "Piotr Zieliński", "pl"),
]
#: Funder -> currency -> (lending capital, guarantee money), in minor units.
COMMITMENTS = {
    "Stadt Görlitz": {"EUR": (10_000_000, 1_000_000), "PLN": (20_000_000, 2_000_000)},
    "Miasto Zgorzelec": {"EUR": (2_000_000, 1_000_000), "PLN": (40_000_000, 2_000_000)},
}


async def load_consortium(
    session: AsyncSession, coordinator: Principal, hub_id: uuid.UUID, officers: list[Principal]
) -> None:
    """Set the consortium up for the hub (its coordinator) and record the towns' money (the first officer)."""
    service = FinancingService(session)
    consortium = await service.create_consortium(
        coordinator,
        ConsortiumCreate(
            name=CONSORTIUM_NAME,
            hub_ids=[hub_id],
            advance_share_percent=Decimal(70),
            flat_fee_percent=Decimal(1),
            annual_rate_percent=Decimal("7.3"),
            max_tenor_days=90,
            min_completed_orders=0,
            arrears_write_off_days=90,
            repayment_instalments=3,
            notice_of_assignment=True,
            currencies=[
                CurrencyTerms(
                    currency="EUR",
                    max_per_producer_minor=1_500_000,
                    max_per_buyer_minor=5_000_000,
                    second_approval_above_minor=500_000,
                    collection_iban="DE89370400440532013000",
                ),
                CurrencyTerms(
                    currency="PLN",
                    max_per_producer_minor=6_000_000,
                    max_per_buyer_minor=20_000_000,
                    second_approval_above_minor=2_000_000,
                    collection_iban="PL61109010140000071219812874",
                ),
            ],
            funders=[
                FunderCreate(name="Stadt Görlitz", country="DE", guarantee_share_percent=Decimal(50)),
                FunderCreate(name="Miasto Zgorzelec", country="PL", guarantee_share_percent=Decimal(50)),
            ],
            officer_emails=[email for email, _, _ in OFFICERS],
            inclusion_terms=[
                InclusionTermsIn(
                    attribute=InclusionAttribute.women_led,
                    share_bonus_percent=Decimal(10),
                    fee_discount_percent=Decimal("0.5"),
                ),
                InclusionTermsIn(attribute=InclusionAttribute.youth_led, rate_discount_percent=Decimal(2)),
                InclusionTermsIn(attribute=InclusionAttribute.cooperative, share_bonus_percent=Decimal(5)),
            ],
        ),
    )
    funders = {funder.name: funder.id for funder in consortium.funders}
    for funder, currencies in COMMITMENTS.items():
        for currency, (capital, guarantee) in currencies.items():
            await service.commit(
                officers[0],
                consortium.id,
                Commitment(
                    funder_id=funders[funder],
                    currency=currency,
                    capital_minor=capital,
                    guarantee_minor=guarantee,
                    reference=f"{funder} council resolution (demo)",
                ),
            )
