"""Outgoing e-mail: each message is a row, written in the transaction of what caused it and sent after
the commit (the mail table is the mail's outbox). With no SMTP server configured the rows are the local
mailbox."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from marketplace.db import MARKETPLACE_SCHEMA, enum_type


class MailStatus(enum.StrEnum):
    pending = "pending"
    """Waiting to be sent (again, after `next_attempt_at`, when an attempt failed)."""
    sent = "sent"
    """Accepted by the SMTP server."""
    kept = "kept"
    """Kept in the local mailbox: no SMTP server is configured."""
    failed = "failed"
    """Given up after failing for `GIVE_UP_AFTER`; `borderhub mail list --status failed` shows why."""


class OutgoingMail(Entity):
    __tablename__ = "outgoing_mail"
    __table_args__ = (
        Index("ix_outgoing_mail_due", "next_attempt_at", postgresql_where="status = 'pending'"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    key: Mapped[str] = mapped_column(String(200), unique=True)
    """What the message is for, unique so that each is written (and so sent) once: the event,
    recipient and channel of a notification, or the account token it carries."""
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.user_account.id", ondelete="CASCADE"), index=True
    )
    """The account it is for (None: an invitation to an address with no account yet)."""
    to_address: Mapped[str] = mapped_column(String(320), index=True)
    kind: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(35))
    """The language it is written in (a catalog's: en, de, pl, cs)."""
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    status: Mapped[MailStatus] = mapped_column(enum_type(MailStatus, "mail_status"), default=MailStatus.pending)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
