"""Wire formats of VAT rates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

import msgspec

from kernel.validation import Day, bounded
from marketplace.tax.models import VatCategory


class VatRateRead(msgspec.Struct, kw_only=True, frozen=True):
    country: str
    category: VatCategory
    rate: Decimal | None
    """Percent; null where the country has no such rate."""
    valid_from: dt.date
    """The day this rate took effect."""
    source: str
    """`shipped` (the table the service ships) or `corrected` (set by a platform administrator)."""


class VatRateCorrectionCreate(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    country: str
    category: VatCategory
    valid_from: Day
    rate: Annotated[Decimal, bounded(places=2, below=100)] | None
    """Percent from `valid_from` on; null: the country no longer has this category."""
    reason: Annotated[str, msgspec.Meta(min_length=3, max_length=500)]
    """Why (the law or announcement), kept in the audit log."""
