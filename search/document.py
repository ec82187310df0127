"""What the search engines index: one document per offered listing, built from its snapshot."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

import msgspec

from kernel.negotiation import pick_language
from marketplace.api import ListingSnapshot, ListingText

#: Prices are compared, sorted and bucketed in one currency: euro, the base of the ECB reference
#: rates the hubs import. Each document carries its price converted at the latest rate when indexed.
REFERENCE_CURRENCY = "EUR"

_WORD = re.compile(r"[^\W_]+")


class SearchDocument(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    """The listing's id."""
    organization_id: uuid.UUID
    producer_name: str
    version: int
    default_language: str
    translations: dict[str, ListingText]
    classification_scheme: str
    classification_code: str
    unit_code: str
    currency: str
    unit_price: Decimal
    """Per unit, in `currency`, for the minimum order."""
    price_ref: float | None
    """`unit_price` in REFERENCE_CURRENCY at the rate of `fx_as_of`, for filters, sorting and facets only
    (never shown as money); None when no rate connects the currencies."""
    fx_as_of: dt.date | None
    in_stock: bool
    origin_country: str
    origin_subdivision: str | None
    ships_to: list[str]
    eligible_in: list[str]
    inclusion: list[str]
    created_at: dt.datetime

    @property
    def classification_digits(self) -> str:
        return "".join(ch for ch in self.classification_code if ch.isdigit())


def document_of(snapshot: ListingSnapshot, rate: tuple[Decimal, dt.date | None] | None) -> SearchDocument:
    """The document of an offered listing; `rate` converts its currency into REFERENCE_CURRENCY
    (with the rate's date; None for the reference currency itself, which needs no rate)."""
    price_ref = float(snapshot.unit_price * rate[0]) if rate is not None else None
    return SearchDocument(
        id=snapshot.listing_id,
        organization_id=snapshot.organization_id,
        producer_name=snapshot.producer_name,
        version=snapshot.version,
        default_language=snapshot.default_language,
        translations=snapshot.translations,
        classification_scheme=snapshot.classification_scheme,
        classification_code=snapshot.classification_code,
        unit_code=snapshot.unit_code,
        currency=snapshot.currency,
        unit_price=snapshot.unit_price,
        price_ref=price_ref,
        fx_as_of=rate[1] if rate is not None else None,
        in_stock=snapshot.in_stock,
        origin_country=snapshot.origin_country,
        origin_subdivision=snapshot.origin_subdivision,
        ships_to=sorted(snapshot.ships_to),
        eligible_in=sorted(snapshot.eligible_in),
        inclusion=sorted(snapshot.inclusion),
        created_at=snapshot.created_at,
    )


def is_word(text: str) -> bool:
    return _WORD.fullmatch(text) is not None


def words(text: str) -> list[str]:
    """The lower-case words of a text; punctuation and query syntax (`&|!:*()'"\\`) are dropped.
    Accents stay: PostgreSQL's `unaccent` folds them the same way in documents and queries."""
    return _WORD.findall(text.casefold())


def primary_language(tag: str | None) -> str:
    """A BCP 47 tag's primary language subtag, lower-case (`de-AT` -> `de`; '' for none): what the
    search's stemmers, lemmas, vocabulary and ranking go by."""
    return tag.split("-", 1)[0].lower() if tag else ""


def display_language(document: SearchDocument, wanted: str | None, matched: str | None) -> str:
    """Which translation to show: the caller's language if the listing has it, else the one
    the query matched, else the listing's default."""
    preferences = [tag for tag in (wanted, matched) if tag]
    return pick_language(list(document.translations), preferences, document.default_language)
