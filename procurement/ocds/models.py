"""Published OCDS releases: immutable once written, read by the public feed and compiled into records."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, String, Uuid
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from procurement.db import SCHEMA


class Release(Entity):
    __tablename__ = "ocds_release"
    __table_args__ = (Index("ix_ocds_release_ocid_date", "ocid", "date"), {"schema": SCHEMA})

    position: Mapped[int] = mapped_column(BigInteger, Identity(), unique=True)
    """Feed order: releases are written one at a time (under a lock), so positions commit in order."""
    ocid: Mapped[str] = mapped_column(String(120))
    release_id: Mapped[str] = mapped_column(String(200), unique=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    date: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    tag: Mapped[list[str]] = mapped_column(ARRAY(String(40)))
    body: Mapped[dict[str, Any]] = mapped_column(JSONB)
