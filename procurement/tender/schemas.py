"""Wire formats of tenders, lots and amendments."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec

from kernel.validation import Timestamp, bounded
from procurement.pool.schemas import CredentialType, Item, Quantity
from procurement.tender.models import AwardMethod, TenderStatus

Percent = Annotated[
    Decimal,
    msgspec.Meta(
        description=(
            'Decimal string with at most 2 decimal places, e.g. "10" for 10 %: a preference margin above 0 '
            "and below 100, a maximum share above 0 and at most 100"
        )
    ),
    bounded(places=2, below=1000),
]
Attribute = Annotated[str, msgspec.Meta(examples=["women_led", "youth_led", "minority_led", "cooperative"])]
Rationale = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class TenderTerms(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """How bids are evaluated and limited. Omitted in an amendment: unchanged."""

    award_method: AwardMethod | msgspec.UnsetType = msgspec.UNSET
    preference_margin_percent: Percent | msgspec.UnsetType | None = msgspec.UNSET
    """With `lowest_evaluated_price`: suppliers the hub verified as one of `preferred_attributes`
    are evaluated as if this much cheaper (0 < margin < 100)."""
    preferred_attributes: Annotated[list[Attribute], msgspec.Meta(max_length=4)] | msgspec.UnsetType = msgspec.UNSET
    """Default with a margin: all four inclusion attributes."""
    required_credential_types: Annotated[list[CredentialType], msgspec.Meta(max_length=20)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    """Default: the pool's. Each must be held, verified and recognised in the lot's jurisdiction."""
    max_share_percent: Percent | msgspec.UnsetType | None = msgspec.UNSET
    min_award_quantity: Quantity | msgspec.UnsetType | None = msgspec.UNSET
    max_lots_per_supplier: Annotated[int, msgspec.Meta(ge=1, le=1000)] | msgspec.UnsetType | None = msgspec.UNSET
    description: Annotated[str, msgspec.Meta(max_length=10_000)] | msgspec.UnsetType = msgspec.UNSET


class TenderCreate(TenderTerms, kw_only=True, forbid_unknown_fields=True):
    pool_id: uuid.UUID
    """A closed pool: one lot per delivery point with its pooled quantity."""
    bid_deadline: Timestamp


TENDER_CREATE_EXAMPLE = {
    "pool_id": "0193b1a2-5c3d-7e4f-8a9b-0c1d2e3f4e01",
    "bid_deadline": "2027-01-29T12:00:00Z",
    "award_method": "lowest_evaluated_price",
    "preference_margin_percent": "10",
    "max_share_percent": "70",
}
"""Inclusive suppliers evaluated 10 % cheaper, at most 70 % of a lot each (the README's walk-through)."""


class TenderAmendmentCreate(TenderTerms, kw_only=True, forbid_unknown_fields=True):
    rationale: Rationale
    bid_deadline: Timestamp | msgspec.UnsetType = msgspec.UNSET
    """A published deadline can only move later."""


class TenderCancel(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Rationale


class LotRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    number: int
    name: str
    jurisdiction: str
    delivery_point_id: uuid.UUID
    quantity: Decimal


class AmendmentRead(msgspec.Struct, kw_only=True, frozen=True):
    number: int
    date: dt.datetime
    rationale: str
    material: bool
    changes: list[dict[str, object]]
    amended_by: uuid.UUID | None = None
    """The coordinator who made it (a user id): told to the hub's coordinators only, None to others."""


class TenderRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    ocid: str
    pool_id: uuid.UUID
    hub_id: uuid.UUID
    status: TenderStatus
    title: str
    """The item's title in `language`."""
    language: str
    """The reader's language (`?lang=`, else Accept-Language) when the pool has a translation in it,
    else the pool's first language."""
    description: str
    item: Item
    lots: list[LotRead]
    currency: str
    reserve_unit_price: Decimal | None
    bid_deadline: dt.datetime
    accepting_bids: bool
    award_method: AwardMethod
    preference_margin_percent: Decimal | None
    preferred_attributes: list[str]
    required_credential_types: list[str]
    max_share_percent: Decimal | None
    min_award_quantity: Decimal | None
    max_lots_per_supplier: int | None
    amendments: list[AmendmentRead]
    published_at: dt.datetime | None
    bids_opened_at: dt.datetime | None
    number_of_bids: int | None
    """Known from the deadline on; before it nobody learns even how many bids there are."""
    cancelled_at: dt.datetime | None
    cancellation_reason: str | None


class TenderAwaiting(msgspec.Struct, kw_only=True, frozen=True):
    """A tender of a hub that waits for its coordinators: its bids are due to be opened or were
    opened (`published` past its deadline, or `closed`), or its proposed award waits for
    confirmation (`evaluated`)."""

    id: uuid.UUID
    title: str
    language: str
    """The language `title` is in (BCP 47)."""
    status: TenderStatus
    bid_deadline: dt.datetime
