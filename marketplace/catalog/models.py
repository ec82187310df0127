"""Listings: a producer's goods with translations, volume price tiers, stock and an append-only revision history."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import (
    CHAR,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from marketplace.catalog.classification import Scheme
from marketplace.db import MARKETPLACE_SCHEMA, enum_type
from marketplace.tax.models import VatCategory

QUANTITY = Numeric(18, 3)
#: The most photos one listing has.
MAX_PHOTOS = 8
UNIT_PRICE = Numeric(18, 6)


class ListingStatus(enum.StrEnum):
    active = "active"
    paused = "paused"
    archived = "archived"


class Listing(Entity):
    __tablename__ = "listing"
    __table_args__ = (
        UniqueConstraint("organization_id", "sku", name="uq_listing_sku_per_producer"),
        CheckConstraint("stock_on_hand >= 0", name="stock_not_negative"),
        CheckConstraint("pack_size > 0", name="pack_size_positive"),
        CheckConstraint("min_order_quantity > 0", name="min_order_quantity_positive"),
        CheckConstraint("lead_time_days >= 0", name="lead_time_not_negative"),
        Index("ix_listing_producer_status", "organization_id", "status"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.organization.id"))
    sku: Mapped[str] = mapped_column(String(64))
    status: Mapped[ListingStatus] = mapped_column(enum_type(ListingStatus, "listing_status"))
    default_language: Mapped[str] = mapped_column(String(35))
    translations: Mapped[dict[str, dict[str, str]]] = mapped_column(JSONB)
    """{"pl": {"title": "Miód lipowy", "description": "..."}, "de": {...}}: read and written
    with the listing, never alone (in the row, so a bulk import writes one row per listing)."""
    classification_scheme: Mapped[Scheme] = mapped_column(enum_type(Scheme, "classification_scheme"))
    classification_code: Mapped[str] = mapped_column(String(16))
    unit_code: Mapped[str] = mapped_column(String(3))
    pack_size: Mapped[Decimal] = mapped_column(QUANTITY)
    min_order_quantity: Mapped[Decimal] = mapped_column(QUANTITY)
    currency: Mapped[str] = mapped_column(CHAR(3))
    price_tiers: Mapped[list[dict[str, str]]] = mapped_column(JSONB)
    """[{"min_quantity": "10", "unit_price": "4.50"}, ...] as decimal strings, ascending."""
    stock_on_hand: Mapped[Decimal] = mapped_column(QUANTITY)
    lead_time_days: Mapped[int] = mapped_column(Integer)
    origin_country: Mapped[str] = mapped_column(CHAR(2))
    origin_subdivision: Mapped[str | None] = mapped_column(String(6))
    origin_municipality: Mapped[str | None] = mapped_column(String(200))
    ships_to: Mapped[list[str]] = mapped_column(ARRAY(String(6)))
    image_urls: Mapped[list[str]] = mapped_column(ARRAY(String(2000)))
    credential_ids: Mapped[list[uuid.UUID]] = mapped_column(ARRAY(Uuid))
    version: Mapped[int] = mapped_column(Integer, default=1)
    vat_category: Mapped[VatCategory] = mapped_column(
        enum_type(VatCategory, "vat_category"), default=VatCategory.standard, server_default="standard"
    )
    """Its rate is the seller's country's for the category on the day of the order (`marketplace.tax`)."""


class ListingRow(msgspec.Struct, frozen=True, kw_only=True):
    """A listing's columns and its producer's country (its VAT's), as one listing is read
    (`ListingRepository.shown`): the columns under `Listing`'s own names."""

    id: uuid.UUID
    organization_id: uuid.UUID
    sku: str
    status: ListingStatus
    default_language: str
    translations: dict[str, dict[str, str]]
    classification_scheme: Scheme
    classification_code: str
    unit_code: str
    pack_size: Decimal
    min_order_quantity: Decimal
    currency: str
    price_tiers: list[dict[str, str]]
    stock_on_hand: Decimal
    lead_time_days: int
    origin_country: str
    origin_subdivision: str | None
    origin_municipality: str | None
    ships_to: list[str]
    image_urls: list[str]
    credential_ids: list[uuid.UUID]
    version: int
    vat_category: VatCategory
    created_at: dt.datetime
    updated_at: dt.datetime
    producer_country: str


class ListingRevision(Entity):
    """The price and stock of a listing at one version. Append-only: orders cite (listing, version)."""

    __tablename__ = "listing_revision"
    __table_args__ = (UniqueConstraint("listing_id", "version"), {"schema": MARKETPLACE_SCHEMA})

    # Indexed by the unique constraint, whose first column it is.
    listing_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.listing.id", ondelete="CASCADE")
    )
    version: Mapped[int] = mapped_column(Integer)
    change: Mapped[str] = mapped_column(String(40))
    currency: Mapped[str] = mapped_column(CHAR(3))
    price_tiers: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    stock_on_hand: Mapped[Decimal] = mapped_column(QUANTITY)
    changed_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class ListingPhoto(Entity):
    """One photo of a listing, at `position` (1 = shown first) among at most `MAX_PHOTOS`.

    Its image files (`marketplace.catalog.images`: a large variant and a thumbnail, re-encoded
    without any metadata) are kept in the file storage under keys made of the listing's and the
    photo's ids (`photo_key`), never changed once written."""

    __tablename__ = "listing_photo"
    __table_args__ = (
        # Deferrable (checked at the end of each statement): reordering moves several at once.
        UniqueConstraint(
            "listing_id", "position", name="uq_listing_photo_position", deferrable=True, initially="IMMEDIATE"
        ),
        CheckConstraint(f"position BETWEEN 1 AND {MAX_PHOTOS}", name="position_in_range"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    # Indexed by the unique constraint, whose first column it is.
    listing_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.listing.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    alt_text: Mapped[dict[str, str]] = mapped_column(JSONB)
    """{"pl": "Słoik miodu lipowego", "de": "..."}: what the photo shows, for who cannot see it."""
    content_type: Mapped[str] = mapped_column(String(100))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    thumbnail_width: Mapped[int] = mapped_column(Integer)
    thumbnail_height: Mapped[int] = mapped_column(Integer)
    uploaded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
