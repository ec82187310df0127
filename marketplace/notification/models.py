"""What each person was told: one row per event and recipient, shown in their inbox in the app and
gathered into their daily digest when they chose one."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from marketplace.db import MARKETPLACE_SCHEMA


class Notification(Entity):
    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_inbox", "user_id", "created_at"),
        Index("ix_notification_digest", "user_id", postgresql_where="digest_pending"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    key: Mapped[str] = mapped_column(String(200), unique=True)
    """`<event id>:<user id>`: a person is told of an event once, however often it is delivered."""
    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.user_account.id", ondelete="CASCADE")
    )
    kind: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(35))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    """Paragraphs separated by a blank line, in `language`."""
    link: Mapped[str | None] = mapped_column(String(1000))
    action: Mapped[str | None] = mapped_column(String(200))
    in_app: Mapped[bool] = mapped_column(Boolean)
    """Shown in the inbox (the person kept in-app notifications on when it was written)."""
    digest_pending: Mapped[bool] = mapped_column(Boolean, default=False)
    """To go out in the person's next daily digest."""
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
