"""Hubs: joint micro-enterprise hubs spanning jurisdictions on both sides of a border."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import CHAR, DateTime, ForeignKey, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import MARKETPLACE_SCHEMA, Entity, db_enum


class HubMembershipStatus(enum.StrEnum):
    pending = "pending"
    admitted = "admitted"
    rejected = "rejected"


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


class HubCoordinator(Entity):
    __tablename__ = "hub_coordinator"
    __table_args__ = (UniqueConstraint("hub_id", "user_id"), {"schema": MARKETPLACE_SCHEMA})

    hub_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.hub.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.user_account.id"), index=True)


class HubMembership(Entity):
    """An organisation's place in a hub: applied (pending), admitted or rejected by a coordinator."""

    __tablename__ = "hub_membership"
    __table_args__ = (UniqueConstraint("hub_id", "organization_id"), {"schema": MARKETPLACE_SCHEMA})

    hub_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.hub.id"), index=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.organization.id"), index=True
    )
    status: Mapped[HubMembershipStatus] = mapped_column(db_enum(HubMembershipStatus, "hub_membership_status"))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(1000))
    invoice_net_days: Mapped[int | None] = mapped_column(Integer, server_default="30")
    """The hub's payment terms for this organisation as a buyer: invoices fall due this many
    days after the order is placed; None means the hub grants it no invoice terms."""
