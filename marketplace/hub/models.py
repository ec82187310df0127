"""Hubs: joint micro-enterprise hubs spanning jurisdictions on both sides of a border."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CHAR, Boolean, String
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from marketplace.db import MARKETPLACE_SCHEMA


class Hub(Entity):
    __tablename__ = "hub"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    name: Mapped[str] = mapped_column(String(200), unique=True)
    jurisdictions: Mapped[list[str]] = mapped_column(ARRAY(String(6)))
    """ISO 3166-1 or 3166-2 codes the hub spans (at least two countries or subdivisions)."""
    municipalities: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    """Named places: [{"name": "Görlitz", "jurisdiction": "DE-SN"}, ...]."""
    reporting_currency: Mapped[str] = mapped_column(CHAR(3))
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(35)))
    catalogue_shows_prices: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    """Whether the hub's public catalogue preview (`/portal/<hub>/catalogue`) shows the listings' prices."""
