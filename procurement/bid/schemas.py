"""Wire formats of bids. Prices and quantities are decimal strings ("4.50")."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any

import msgspec

from kernel.validation import bounded
from procurement.pool.schemas import Quantity
from procurement.quantities import MAX_QUANTITY, PRICE_DIGITS
from procurement.tender.models import BidStatus

LeadTime = Annotated[int, msgspec.Meta(ge=0, le=365)]


class BidLineSubmit(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    lot_id: uuid.UUID
    unit_price: Annotated[
        Decimal,
        msgspec.Meta(description='Per unit, in the bid\'s currency (as many decimal places as it has), e.g. "3.10"'),
        bounded(places=PRICE_DIGITS, below=int(MAX_QUANTITY)),
    ]
    max_quantity: Quantity
    """The most of this lot the supplier can deliver."""
    lead_time_days: LeadTime


class BidSubmit(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The whole bid: submitting again replaces it (until the deadline)."""

    currency: str
    """The supplier's own currency; converted into the tender's at the deadline's rate."""
    lines: Annotated[list[BidLineSubmit], msgspec.Meta(min_length=1, max_length=1000)]
    total_capacity: Quantity | None = None
    """The most the supplier can deliver across all lots together."""


BID_SUBMIT_EXAMPLE = {
    "currency": "EUR",
    "total_capacity": "200",
    "lines": [
        {
            "lot_id": "0193b1a2-5c3d-7e4f-8a9b-0c1d2e3f4f01",
            "unit_price": "10.90",
            "max_quantity": "150",
            "lead_time_days": 7,
        },
        {
            "lot_id": "0193b1a2-5c3d-7e4f-8a9b-0c1d2e3f4f02",
            "unit_price": "11.20",
            "max_quantity": "80",
            "lead_time_days": 10,
        },
    ],
}
"""An apiary bids on both lots of the honey tender (the README's walk-through)."""


class SealedLine(msgspec.Struct, kw_only=True, frozen=True):
    lot_id: uuid.UUID
    unit_price_minor: int
    max_quantity: Decimal
    lead_time_days: int


class SealedContents(msgspec.Struct, kw_only=True, frozen=True):
    """What is encrypted: everything a rival or the hub could use before the deadline."""

    currency: str
    lines: list[SealedLine]
    total_capacity: Decimal | None


class BidLineRead(msgspec.Struct, kw_only=True, frozen=True):
    lot_id: uuid.UUID
    lot_number: int
    unit_price: Decimal
    currency: str
    max_quantity: Decimal
    lead_time_days: int
    tender_unit_price: Decimal | None = None
    """In the tender's currency, at the rate fixed at the deadline (from opening on)."""
    fx_rate: Decimal | None = None
    fx_as_of: dt.date | None = None
    fx_source: str | None = None


class BidRead(msgspec.Struct, kw_only=True, frozen=True):
    tender_id: uuid.UUID
    organization_id: uuid.UUID
    status: BidStatus
    revision: int
    submitted_at: dt.datetime
    currency: str | None
    lines: list[BidLineRead]
    total_capacity: Decimal | None
    opened_at: dt.datetime | None
    eligible: bool | None
    """Re-checked at the deadline (credentials may have expired since submission)."""
    ineligibility: list[dict[str, Any]] | None


class MissingForLot(msgspec.Struct, kw_only=True, frozen=True):
    """A credential a supplier lacks to bid on one lot: the hub's rules for the goods into the lot's
    jurisdiction, or one of the tender's required credential types that counts there."""

    lot_id: uuid.UUID
    lot_number: int
    credential_type: str
    jurisdiction: str
    """Where the credential must count: the lot's delivery jurisdiction (ISO 3166)."""
    message: str
    """What is missing, in plain words to the supplier."""


class SupplierEligibility(msgspec.Struct, kw_only=True, frozen=True):
    """A producer of the tender's hub, and whether it may bid today: on which lots, and what it
    lacks for the others."""

    organization_id: uuid.UUID
    name: str
    eligible_lots: list[int]
    """The numbers of the lots it may bid on."""
    lacking: list[MissingForLot]
    """Per lot it may not bid on, each credential it lacks (worded for the hub's coordinators)."""
