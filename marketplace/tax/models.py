"""VAT categories and statuses, and the rate corrections a platform administrator makes."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal

from sqlalchemy import CHAR, CheckConstraint, Date, Numeric, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from marketplace.db import MARKETPLACE_SCHEMA, enum_type


class VatCategory(enum.StrEnum):
    """A listing's VAT category; its rate depends on the seller's country and the day."""

    standard = "standard"
    reduced = "reduced"
    super_reduced = "super_reduced"
    zero = "zero"
    exempt = "exempt"


class VatScheme(enum.StrEnum):
    """How an organisation stands towards VAT."""

    registered = "registered"
    """Has a VAT number and charges VAT."""
    small_business = "small_business"
    """Under its country's small-business exemption: charges no VAT and cites the law."""
    not_registered = "not_registered"
    """Not registered for VAT (the default until an organisation says otherwise): charges none."""


class VatRateCorrection(Entity):
    """A rate set by a platform administrator: from `valid_from`, `category` in `country` is
    `rate` percent (or, with `rate` None, no longer exists there)."""

    __tablename__ = "vat_rate_correction"
    __table_args__ = (
        UniqueConstraint("country", "category", "valid_from", name="uq_vat_rate_correction"),
        CheckConstraint("rate >= 0 AND rate < 100", name="rate_is_percent"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    country: Mapped[str] = mapped_column(CHAR(2))
    category: Mapped[VatCategory] = mapped_column(enum_type(VatCategory, "vat_category"))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    rate: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    reason: Mapped[str] = mapped_column(String(500))
    set_by: Mapped[uuid.UUID] = mapped_column(Uuid)
