"""People, their API keys and login attempts."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import Boolean, DateTime, ForeignKey, Index, String, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from marketplace.db import MARKETPLACE_SCHEMA, enum_type


class EmailFrequency(enum.StrEnum):
    """How a person wants to hear of what concerns them by e-mail (messages about the account
    itself, such as a password reset, are always sent)."""

    immediately = "immediately"
    daily = "daily"
    """One digest a day of what happened since the last."""
    off = "off"


class User(Entity):
    __tablename__ = "user_account"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    email: Mapped[str] = mapped_column(String(320), unique=True)
    """Stored lower-cased; the unique index makes registration race-safe."""
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(200))
    preferred_language: Mapped[str | None] = mapped_column(String(35))
    is_platform_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """When the owner proved the address is theirs (None: not yet; they may sign in but not act
    for an organisation)."""
    notify_in_app: Mapped[bool] = mapped_column(Boolean, default=True, server_default="true")
    notify_email: Mapped[EmailFrequency] = mapped_column(
        enum_type(EmailFrequency, "email_frequency"), default=EmailFrequency.immediately, server_default="immediately"
    )


class ApiKey(Entity):
    __tablename__ = "api_key"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(20), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginFailure(Entity):
    """A failed login, kept while it counts towards throttling (purged daily by a scheduled job).

    `created_at` is stamped by the service's clock; the index serves both counts, of one source's
    failures and of all of an account's within a window."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_email_created_at", "email", "created_at"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    email: Mapped[str] = mapped_column(String(320))
    client: Mapped[str | None] = mapped_column(String(64))
    """The source the attempt came from (`login_source`: an IPv4 address or an IPv6 /64)."""
