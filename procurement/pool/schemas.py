"""Wire formats of demand pools and commitments. Quantities and prices are decimal strings ("4.50")."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec

from kernel.validation import Day, Timestamp, bounded
from procurement.pool.models import PoolStatus
from procurement.quantities import MAX_QUANTITY, PRICE_DIGITS, QUANTITY_DIGITS

Quantity = Annotated[
    Decimal,
    msgspec.Meta(description='Decimal string in the pool\'s unit, at most 3 decimal places, e.g. "250"'),
    bounded(places=QUANTITY_DIGITS, below=int(MAX_QUANTITY)),
]
Price = Annotated[
    Decimal,
    msgspec.Meta(description='Per unit, in the pool\'s currency (as many decimal places as it has), e.g. "3.20"'),
    bounded(places=PRICE_DIGITS, below=int(MAX_QUANTITY)),
]
CredentialType = Annotated[str, msgspec.Meta(min_length=1, max_length=60, examples=["organic", "food_safety"])]


class Translation(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    description: Annotated[str, msgspec.Meta(max_length=10_000)] = ""


class Classification(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    scheme: Annotated[str, msgspec.Meta(examples=["CPV", "HS"])]
    code: Annotated[str, msgspec.Meta(max_length=20, examples=["03221200-8", "0409.00"])]


class Item(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """What the hub pools demand for."""

    classification: Classification
    unit: Annotated[str, msgspec.Meta(description="UN/CEFACT Rec 20 code", examples=["KGM", "H87"])]
    translations: Annotated[dict[str, Translation], msgspec.Meta(min_length=1, max_length=30)]
    """Keyed by BCP 47 tag; `default_language` must be one of them."""
    default_language: str
    quality_notes: Annotated[str, msgspec.Meta(max_length=4000)] = ""


class DeliveryPointCreate(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["Görlitz, Rathaus"])]
    jurisdiction: Annotated[str, msgspec.Meta(description="ISO 3166-1/-2 code inside the hub", examples=["DE-SN"])]
    address: Annotated[str, msgspec.Meta(max_length=500)] = ""


MAX_DELIVERY_POINTS = 100
"""Delivery points of one pool, so lots of its tender: the award benchmark's size (benchmarks/README.md)."""


class PoolCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    hub_id: uuid.UUID
    item: Item
    delivery_points: Annotated[list[DeliveryPointCreate], msgspec.Meta(min_length=1, max_length=MAX_DELIVERY_POINTS)]
    """One lot each in the tender that follows."""
    closes_at: Timestamp
    currency: str
    opens_at: Timestamp | None = None
    """Defaults to now."""
    required_credential_types: Annotated[list[CredentialType], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=list
    )
    """What suppliers must hold for the tender that follows (it may add more)."""
    reserve_unit_price: Price | None = None
    minimum_total_quantity: Quantity | None = None


POOL_CREATE_EXAMPLE = {
    "hub_id": "0193b1a2-5c3d-7e4f-8a9b-0c1d2e3f4c01",
    "item": {
        "classification": {"scheme": "CPV", "code": "03142100-9"},
        "unit": "KGM",
        "translations": {
            "de": {"title": "Blütenhonig für Großküchen"},
            "pl": {"title": "Miód wielokwiatowy dla stołówek"},
        },
        "default_language": "pl",
    },
    "delivery_points": [
        {"name": "Görlitz, Schulverwaltungsamt", "jurisdiction": "DE-SN", "address": "Jägerkaserne 1"},
        {"name": "Zgorzelec, Hotel", "jurisdiction": "PL-02", "address": "ul. Daszyńskiego 15"},
    ],
    "closes_at": "2027-01-15T12:00:00Z",
    "currency": "EUR",
    "minimum_total_quantity": "200",
}
"""The demo hub's honey pool: two delivery points, at least 200 kg (shown in the OpenAPI document)."""


class DeliveryPointRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    name: str
    jurisdiction: str
    address: str
    committed_quantity: Decimal
    """The running total of active commitments here (never who committed)."""


class PoolRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    hub_id: uuid.UUID
    status: PoolStatus
    accepting_commitments: bool
    item: Item
    delivery_points: list[DeliveryPointRead]
    total_quantity: Decimal
    currency: str
    reserve_unit_price: Decimal | None
    minimum_total_quantity: Decimal | None
    required_credential_types: list[str]
    opens_at: dt.datetime
    closes_at: dt.datetime
    closed_at: dt.datetime | None
    created_at: dt.datetime


class CommitmentCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    organization_id: uuid.UUID
    """The buying organisation committing (the caller must be its member)."""
    delivery_point_id: uuid.UUID
    quantity: Quantity
    needed_by: Day
    max_unit_price: Price | None = None
    """Above this unit price (in the pool's currency) the buyer takes nothing."""


COMMITMENT_CREATE_EXAMPLE = {
    "organization_id": "0193b1a2-5c3d-7e4f-8a9b-0c1d2e3f4a01",
    "delivery_point_id": "0193b1a2-5c3d-7e4f-8a9b-0c1d2e3f4d01",
    "quantity": "150",
    "needed_by": "2027-02-01",
    "max_unit_price": "11.50",
}
"""The city of Görlitz commits 150 kg of honey for its schools (the README's walk-through)."""


class CommitmentUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Omitted fields stay; `max_unit_price: null` removes the limit."""

    quantity: Quantity | msgspec.UnsetType = msgspec.UNSET
    needed_by: Day | msgspec.UnsetType = msgspec.UNSET
    max_unit_price: Price | msgspec.UnsetType | None = msgspec.UNSET


class CommitmentRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    pool_id: uuid.UUID
    organization_id: uuid.UUID
    delivery_point_id: uuid.UUID
    quantity: Decimal
    needed_by: dt.date
    max_unit_price: Decimal | None
    currency: str
    withdrawn: bool
    binding: bool
    """True once the pool's window closed with the commitment active."""
    updated_at: dt.datetime


class BuyerCommitmentRead(CommitmentRead, kw_only=True, frozen=True):
    """A commitment with the committing organisation's name, as the hub's coordinators read it."""

    organization_name: str


class PoolClosing(msgspec.Struct, kw_only=True, frozen=True):
    """An open pool whose window closes soon, as its hub's coordinators list it."""

    id: uuid.UUID
    title: str
    language: str
    """The language `title` is in (BCP 47)."""
    closes_at: dt.datetime
