"""A person's cart: one line per listing they mean to order, kept (in the database, by person) across
sign-ins and devices until they check it out or take the line out."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from marketplace.catalog.models import QUANTITY
from marketplace.db import MARKETPLACE_SCHEMA


class CartLine(Entity):
    """A listing in a person's cart and how much of it they mean to order (in the listing's unit).

    One line per listing: adding it again adds to its quantity. The person's own, not an
    organisation's: which organisation buys is chosen at checkout."""

    __tablename__ = "cart_line"
    __table_args__ = (
        # Also the index of a person's cart (its first column).
        UniqueConstraint("user_id", "listing_id", name="uq_cart_line_listing"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.user_account.id", ondelete="CASCADE")
    )
    listing_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.listing.id", ondelete="CASCADE"), index=True
    )
    quantity: Mapped[Decimal] = mapped_column(QUANTITY)
