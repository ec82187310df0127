"""Wire formats of listings. Quantities and prices are decimal strings on the wire ("4.50"), never floats."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec

from kernel.money import Amount, ConvertedAmount
from kernel.pagination import Page
from kernel.validation import bounded
from marketplace.catalog.classification import Scheme
from marketplace.catalog.models import MAX_PHOTOS, ListingStatus
from marketplace.compliance.schemas import UnmetRequirement
from marketplace.hub.schemas import HubRead
from marketplace.tax.models import VatCategory


class FileFormat(enum.StrEnum):
    """Listing files: CSV (one row per listing, `title[<tag>]` columns), an Excel workbook (the CSV's
    columns on its first sheet) or JSON lines (one listing body per line)."""

    csv = "csv"
    xlsx = "xlsx"
    jsonl = "jsonl"


class ImportMode(enum.StrEnum):
    """`create`: every SKU must be new. `upsert`: known SKUs are updated (new version if anything changed)."""

    create = "create"
    upsert = "upsert"


Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")]
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=10_000)]
QUANTITY_DECIMALS = 3
UNIT_PRICE_DECIMALS = 6
MAX_QUANTITY = Decimal("1e12")
MAX_UNIT_PRICE = Decimal("1e9")

Quantity = Annotated[
    Decimal,
    msgspec.Meta(description='Decimal string in the listing\'s unit, at most 3 decimal places, e.g. "2.5"'),
    bounded(places=QUANTITY_DECIMALS, below=int(MAX_QUANTITY)),
]
UnitPrice = Annotated[
    Decimal,
    msgspec.Meta(description='Per unit, decimal string with at most 6 decimal places, e.g. "4.50"'),
    bounded(places=UNIT_PRICE_DECIMALS, below=int(MAX_UNIT_PRICE)),
]
Url = Annotated[str, msgspec.Meta(max_length=2000, pattern=r"^https://\S+$")]
_VAT_CATEGORY = (
    "standard, reduced, super_reduced, zero or exempt: the rate is your country's for that category on the day"
    " of the order"
)
ListingVatCategory = Annotated[
    VatCategory,
    msgspec.Meta(
        description=f"{_VAT_CATEGORY}. A category your country has no rate of today is refused (422).",
        examples=["standard", "reduced"],
    ),
]


class Translation(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    title: Title
    description: Description = ""


class Classification(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    scheme: Scheme
    code: Annotated[str, msgspec.Meta(max_length=20, examples=["03221200-8", "0409.00"])]


class PriceTier(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """From `min_quantity` units up, each unit costs `unit_price` (in the listing's currency)."""

    min_quantity: Quantity
    unit_price: UnitPrice


class Origin(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    country: str
    subdivision: str | None = None
    municipality: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None


class ListingCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    sku: Sku
    translations: Annotated[dict[str, Translation], msgspec.Meta(min_length=1, max_length=30)]
    """Keyed by BCP 47 tag; `default_language` must be one of them."""
    default_language: str
    classification: Classification
    unit: Annotated[str, msgspec.Meta(description="UN/CEFACT Rec 20 code", examples=["KGM", "LTR", "H87"])]
    price_tiers: Annotated[list[PriceTier], msgspec.Meta(min_length=1, max_length=20)]
    stock_on_hand: Quantity
    ships_to: Annotated[list[str], msgspec.Meta(min_length=1, max_length=50)]
    origin: Origin | None = None
    """Defaults to the producer's seat."""
    pack_size: Quantity = Decimal(1)
    min_order_quantity: Quantity | None = None
    """Defaults to the pack size."""
    lead_time_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 0
    image_urls: Annotated[list[Url], msgspec.Meta(max_length=20)] = msgspec.field(default_factory=list)
    credential_ids: list[uuid.UUID] = msgspec.field(default_factory=list)
    status: ListingStatus = ListingStatus.active
    vat_category: ListingVatCategory = VatCategory.standard


LISTING_CREATE_EXAMPLE = {
    "sku": "TEA-MINT-100",
    "translations": {
        "pl": {"title": "Herbata miętowa 100 g", "description": "Mięta z ogrodu w Zgorzelcu"},
        "de": {"title": "Pfefferminztee 100 g", "description": "Minze aus einem Garten in Zgorzelec"},
        "en": {"title": "Peppermint tea 100 g", "description": "Mint from a garden in Zgorzelec"},
    },
    "default_language": "pl",
    "classification": {"scheme": "HS", "code": "1211.90"},
    "unit": "XPK",
    "min_order_quantity": "10",
    "price_tiers": [{"min_quantity": "10", "unit_price": "12.50"}, {"min_quantity": "100", "unit_price": "10.90"}],
    "stock_on_hand": "500",
    "lead_time_days": 2,
    "ships_to": ["PL-02", "DE-SN"],
}
"""Peppermint tea in three languages, two volume tiers (the README's walk-through; shown in the OpenAPI document)."""


class ListingUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Descriptive changes; omitted fields stay. Prices, stock and status have their own endpoints."""

    translations: Annotated[dict[str, Translation], msgspec.Meta(min_length=1, max_length=30)] | msgspec.UnsetType = (
        msgspec.UNSET
    )
    default_language: str | msgspec.UnsetType = msgspec.UNSET
    classification: Classification | msgspec.UnsetType = msgspec.UNSET
    unit: str | msgspec.UnsetType = msgspec.UNSET
    pack_size: Quantity | msgspec.UnsetType = msgspec.UNSET
    min_order_quantity: Quantity | msgspec.UnsetType = msgspec.UNSET
    lead_time_days: Annotated[int, msgspec.Meta(ge=0, le=365)] | msgspec.UnsetType = msgspec.UNSET
    origin: Origin | msgspec.UnsetType = msgspec.UNSET
    ships_to: Annotated[list[str], msgspec.Meta(min_length=1, max_length=50)] | msgspec.UnsetType = msgspec.UNSET
    image_urls: Annotated[list[Url], msgspec.Meta(max_length=20)] | msgspec.UnsetType = msgspec.UNSET
    credential_ids: list[uuid.UUID] | msgspec.UnsetType = msgspec.UNSET
    vat_category: ListingVatCategory | msgspec.UnsetType = msgspec.UNSET


class PriceChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    price_tiers: Annotated[list[PriceTier], msgspec.Meta(min_length=1, max_length=20)]
    expected_version: int | None = None
    """If given, the change is refused (409) unless the listing is still at this version."""


class StockChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Set the stock (`stock_on_hand`) or move it (`adjust_by`, e.g. "-3" after a sale elsewhere)."""

    stock_on_hand: Quantity | None = None
    adjust_by: Quantity | None = None
    expected_version: int | None = None


class ListingRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    organization_id: uuid.UUID
    sku: str
    status: ListingStatus
    version: int
    language: str
    """The language `title` and `description` are in (the caller's choice, else the default)."""
    title: str
    description: str
    default_language: str
    translations: dict[str, Translation]
    classification: Classification
    unit: str
    unit_name: str
    pack_size: Decimal
    min_order_quantity: Decimal
    currency: str
    price_tiers: list[PriceTier]
    stock_on_hand: Decimal
    lead_time_days: int
    origin: Origin
    ships_to: list[str]
    image_urls: list[str]
    credential_ids: list[uuid.UUID]
    vat_category: Annotated[VatCategory, msgspec.Meta(description=_VAT_CATEGORY)]
    vat_rate: Annotated[
        Decimal | None,
        msgspec.Meta(
            description=(
                'The rate of `vat_category` in force today in the producer\'s country, in percent ("7");'
                " null where that country has no such rate, or where no rates of it are known yet"
            )
        ),
    ]
    """What the category means today; an order takes the rate in force on its day."""
    created_at: dt.datetime
    updated_at: dt.datetime


class CatalogueEntry(msgspec.Struct, kw_only=True, frozen=True):
    """An offered listing as the hub's public catalogue preview shows it, titled in the language asked
    for where the producer wrote it (else the producer's own)."""

    id: uuid.UUID
    organization_id: uuid.UUID
    producer_name: str
    producer_country: str
    producer_subdivision: str | None
    producer_municipality: str | None
    language: str
    """The language of `title`."""
    title: str
    classification: Classification
    unit: str
    currency: str
    lowest_unit_price: Decimal | None
    """What one unit costs at the listing's best volume price ("from ... per unit"); None when the
    hub's catalogue shows no prices."""
    in_stock: bool
    """At least one minimum order is in stock."""


class HubCatalogue(msgspec.Struct, kw_only=True, frozen=True):
    """One page of what a hub's admitted producers offer, as anyone may read it."""

    hub: HubRead
    shows_prices: bool
    listings: Page[CatalogueEntry]


class RevisionRead(msgspec.Struct, kw_only=True, frozen=True):
    version: int
    change: str
    currency: str
    price_tiers: list[PriceTier]
    stock_on_hand: Decimal
    changed_by: uuid.UUID | None
    at: dt.datetime


class Quote(msgspec.Struct, kw_only=True, frozen=True):
    listing_id: uuid.UUID
    listing_version: int
    quantity: Decimal
    unit: str
    tier: PriceTier
    """The tier that applies to this quantity."""
    total: Amount
    """In the listing's (producer's) currency, rounded once, half-up."""
    converted: ConvertedAmount | None
    """In the requested currency, with the rate used."""
    vat: QuoteVat | None = None
    """The VAT a checkout by `buyer_organization_id` would charge (null when no buyer was named)."""


class QuoteVat(msgspec.Struct, kw_only=True, frozen=True):
    category: str
    """EN 16931 VAT category code (S, Z, E, AE, K, G, O; see the order lines)."""
    rate: Decimal
    """Percent."""
    note: str | None
    """Why no VAT, or the seller's VAT abroad (as on the order lines)."""
    vat: Amount
    gross: Amount
    """`total` plus `vat`: what the buyer would pay."""


class ListingEligibility(msgspec.Struct, kw_only=True, frozen=True):
    """Whether this listing may be sold and shipped into `destination`, and if not, why (in plain words)."""

    listing_id: uuid.UUID
    destination: str
    checked_on: dt.date
    eligible: bool
    """True only when the producer ships there and every applicable requirement is met."""
    ships_to_destination: bool
    unmet: list[UnmetRequirement]


class ImportReport(msgspec.Struct, kw_only=True, frozen=True):
    """What an import did (or, on a dry run, would do). Rejected files get a 422 with a row-by-row report."""

    import_id: uuid.UUID | None
    """Names the audit entry; absent on a dry run."""
    format: FileFormat
    mode: ImportMode
    dry_run: bool
    rows: int
    created: int
    updated: int
    unchanged: int
    """Rows whose listing already says exactly this (no new version)."""


# --- photos ------------------------------------------------------------------------

MAX_ALT_TEXT = 300
AltText = Annotated[str, msgspec.Meta(max_length=MAX_ALT_TEXT)]


class PhotoRead(msgspec.Struct, kw_only=True, frozen=True):
    """A photo of a listing: where its two sizes are served, and what it shows in words."""

    id: uuid.UUID
    listing_id: uuid.UUID
    position: int
    """1 is shown first (in search results too)."""
    alt_text: dict[str, str]
    """What the photo shows, by language (BCP 47 tag), for people who cannot see it; any language may lack it."""
    media_type: str
    width: int
    height: int
    """Of the large size (at most 1600 px on its longer side)."""
    thumbnail_width: int
    thumbnail_height: int
    url: str
    """The large size (`GET .../photos/{photo_id}/large`)."""
    thumbnail_url: str
    """At most 400 px on its longer side (`GET .../photos/{photo_id}/thumbnail`)."""
    created_at: dt.datetime


class PhotoUpload(msgspec.Struct, kw_only=True):
    """An image as uploaded (the multipart field `file`), with its descriptions (`alt_text[<tag>]` fields)."""

    content: bytes
    alt_text: dict[str, str] = msgspec.field(default_factory=dict)


class PhotoDescription(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What the photo shows, by language, replacing what it said: a language left out (or blank) has none."""

    alt_text: Annotated[dict[str, AltText], msgspec.Meta(max_length=30)]


PHOTO_DESCRIPTION_EXAMPLE = {
    "alt_text": {"pl": "Słoik miodu lipowego na drewnianym stole", "de": "Ein Glas Lindenhonig auf einem Holztisch"}
}


class PhotoOrder(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Every photo of the listing, each once, in the order to show them."""

    photo_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=MAX_PHOTOS)]


class AffectedListing(msgspec.Struct, kw_only=True, frozen=True):
    """An offered listing a change to a hub's rules would make available or unavailable somewhere."""

    listing_id: uuid.UUID
    organization_id: uuid.UUID
    producer_name: str
    titles: dict[str, str]
    """By language tag, as the producer wrote them."""
    default_language: str


class PlaceEffect(msgspec.Struct, kw_only=True, frozen=True):
    """What a change to a hub's rules would do in one jurisdiction (a country or region of the
    producers' hubs, inside the place the rule is about)."""

    jurisdiction: str
    unavailable: int
    """How many of the hub's offered listings may be sold there today and would no longer be."""
    available: int
    """How many may not be sold there today and would be."""
    becoming_unavailable: list[AffectedListing]
    """The first few of them (by producer, then title), to show."""
    becoming_available: list[AffectedListing]


class RulePreview(msgspec.Struct, kw_only=True, frozen=True):
    """Where the hub's offered listings may be sold today, before and after a change to its rules
    that is not made (`marketplace.catalog.snapshot.rule_change_preview`)."""

    hub_id: uuid.UUID
    offered: int
    """The hub's offered listings (active, of the selling organisations it admitted)."""
    checked_on: dt.date
    places: list[PlaceEffect]
    """Every jurisdiction of the producers' hubs the change reaches, by code."""
