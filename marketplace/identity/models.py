"""People, their API keys, login attempts and the tokens of the links mailed to them."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import msgspec
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


class TokenPurpose(enum.StrEnum):
    """What an account token proves when its link is followed."""

    verify_email = "verify_email"
    reset_password = "reset_password"  # noqa: S105 - a purpose, not a secret
    change_email = "change_email"


class AccountToken(Entity):
    """A single-use, expiring secret mailed in a link (`<id>.<secret>`); only the secret's sha256
    digest is kept, as for API keys.

    `used_at` is set when the link is followed, and also when it is superseded (a newer link of the
    same purpose was sent, the password was reset, the address changed): either way it works no
    more. `created_at` is stamped by the service's clock, which the resend throttle reads."""

    __tablename__ = "account_token"
    __table_args__ = (
        Index("ix_account_token_user_purpose", "user_id", "purpose", "created_at"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.user_account.id", ondelete="CASCADE")
    )
    purpose: Mapped[TokenPurpose] = mapped_column(enum_type(TokenPurpose, "account_token_purpose"))
    digest: Mapped[str] = mapped_column(String(64))
    new_email: Mapped[str | None] = mapped_column(String(320))
    """For `change_email`: the address the account moves to once the link (mailed there) is followed."""
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


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


class SessionKind(enum.StrEnum):
    """How a sign-in is carried."""

    token = "token"  # noqa: S105 - a kind of session, not a secret
    """Access tokens and a rotating refresh token, for apps and scripts (`POST /auth/login`)."""
    cookie = "cookie"
    """The web application's session cookie (`POST /auth/session`)."""


class UserSession(Entity):
    """One sign-in on one device: every access token issued in it names it (`sid`), and for a token
    session it is the family of its refresh tokens. Revoking it (`revoked_at`) stops them all at once.

    `expires_at` slides: a token session's is its newest refresh token's; a cookie session's moves
    on with use, never beyond `ends_at`. Times are stamped by the service's clock."""

    __tablename__ = "user_session"
    __table_args__ = (
        Index("ix_user_session_user_id", "user_id", "created_at"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.user_account.id", ondelete="CASCADE")
    )
    kind: Mapped[SessionKind] = mapped_column(enum_type(SessionKind, "session_kind"))
    secret_digest: Mapped[str | None] = mapped_column(String(64))
    """Of a cookie session: the sha256 digest of the secret in its cookie."""
    last_used_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """The latest `expires_at` may reach (a cookie session's longest life); None: no limit."""
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    user_agent: Mapped[str | None] = mapped_column(String(200))
    """The User-Agent it signed in with, cut to 200 characters."""
    client: Mapped[str | None] = mapped_column(String(64))
    """The address it signed in from, as the ASGI server reports it."""

    def live_at(self, now: dt.datetime) -> bool:
        return self.revoked_at is None and self.expires_at > now


class RefreshToken(Entity):
    """One refresh token given out in a token session; only its sha256 digest is kept.

    A refresh spends it (`used_at`) and gives out the next one; a spent token presented again means
    it was copied, so the whole session is revoked."""

    __tablename__ = "refresh_token"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    session_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.user_session.id", ondelete="CASCADE"), index=True
    )
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class SignIn(msgspec.Struct, frozen=True, kw_only=True):
    """A session and its user, as every signed-in request reads them (`SessionRepository.sign_in`):
    the user's columns under the `User`'s own names, the session's prefixed."""

    id: uuid.UUID
    email: str
    full_name: str
    preferred_language: str | None
    is_platform_admin: bool
    is_active: bool
    email_verified_at: dt.datetime | None
    notify_in_app: bool
    notify_email: EmailFrequency
    created_at: dt.datetime
    session_id: uuid.UUID
    session_kind: SessionKind
    session_secret_digest: str | None
    session_last_used_at: dt.datetime
    session_expires_at: dt.datetime
    session_ends_at: dt.datetime | None
    session_revoked_at: dt.datetime | None
