"""Wire formats of identity: registration, login, the caller's profile and its changes, API keys."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

from marketplace.identity.models import EmailFrequency

Email = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        max_length=320,
        description="E-mail address",
        examples=["ana@example.org"],
    ),
]
Password = Annotated[str, msgspec.Meta(min_length=10, max_length=256, description="At least 10 characters")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class UserRegister(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email
    password: Password
    full_name: Name
    preferred_language: str | None = msgspec.field(default=None)
    """BCP 47 tag used when a request names no language."""


USER_REGISTER_EXAMPLE = {
    "email": "maria@ziola.example",
    "password": "a long passphrase",
    "full_name": "Maria Zielińska",
    "preferred_language": "pl",
}
"""A producer from Zgorzelec signs up (the README's walk-through; shown in the OpenAPI document)."""


class RegistrationReceived(msgspec.Struct, kw_only=True, frozen=True):
    """The answer to every well-formed registration, whether or not the address already has an
    account: the same status, body and headers either way, so that registering cannot tell anyone
    who has an account. Sign in with `POST /auth/login` next. An attempt on an existing account is
    recorded as the `RegistrationAttemptedForExistingAccount` event, for a mailer to tell its owner."""

    email: str
    """The address as stored: trimmed and lower-cased."""
    status: Literal["registered"] = "registered"


class LoginRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=320)]
    password: Annotated[str, msgspec.Meta(max_length=256)]


LOGIN_EXAMPLE = {"email": "maria@ziola.example", "password": "a long passphrase"}


class AccessToken(msgspec.Struct, kw_only=True, frozen=True):
    """A sign-in's tokens: the access token for `Authorization: Bearer`, valid `expires_in` seconds,
    and the refresh token that gets the next pair (`POST /auth/refresh`) until `refresh_expires_in`.
    A refresh token works once: keep the newest only."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int
    refresh_token: str
    refresh_expires_in: int


class RefreshRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    refresh_token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


REFRESH_EXAMPLE = {"refresh_token": "bhr_PzX8...the refresh token of the last login or refresh"}


class SessionRead(msgspec.Struct, kw_only=True, frozen=True):
    """One of the caller's sign-ins that still works (one device, app or browser)."""

    id: uuid.UUID
    kind: Literal["token", "cookie"]
    """`token`: access and refresh tokens (`POST /auth/login`); `cookie`: the web application's
    session cookie (`POST /auth/session`)."""
    created_at: dt.datetime
    last_used_at: dt.datetime
    expires_at: dt.datetime
    """When it ends unless used (refreshed) again."""
    user_agent: str | None
    client: str | None
    """The address it signed in from."""
    current: bool
    """The session of this very request."""


class SignOutEverywhere(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    keep_current: bool = False
    """Keep the session of this request signed in (the others end)."""


class CsrfToken(msgspec.Struct, kw_only=True, frozen=True):
    """Send it back in the `X-CSRF-Token` header (or a form's `_csrf_token` field) with every unsafe
    request signed in by the session cookie, and with the cookie sign-in itself."""

    csrf_token: str


class UserRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    email: str
    full_name: str
    preferred_language: str | None
    is_platform_admin: bool
    created_at: dt.datetime
    email_verified: bool
    """False until the owner follows the link mailed to the address: until then they may sign in but
    not act for an organisation (`POST /me/verification-email` sends a new link)."""
    pending_email: str | None
    """The address the account moves to once the link mailed there is followed (`POST /me/email`)."""
    notify_in_app: bool
    """Whether what concerns them is kept in their inbox in the app."""
    notify_email: EmailFrequency
    """How they hear of it by e-mail: at once, in one daily digest, or not at all."""


class UserUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Changes to the caller's own profile; omitted fields stay as they are."""

    full_name: Name | msgspec.UnsetType = msgspec.UNSET
    preferred_language: str | msgspec.UnsetType | None = msgspec.UNSET
    """BCP 47 tag: the language of messages and of answers to requests that name none (null: none)."""
    notify_in_app: bool | msgspec.UnsetType = msgspec.UNSET
    notify_email: EmailFrequency | msgspec.UnsetType = msgspec.UNSET


USER_UPDATE_EXAMPLE = {"preferred_language": "de", "notify_email": "daily"}

Token = Annotated[str, msgspec.Meta(min_length=1, max_length=200, description="The token of the link mailed")]


class EmailVerification(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    token: Token


class EmailVerified(msgspec.Struct, kw_only=True, frozen=True):
    email: str
    """The account's address, now proven (after an e-mail change: the new one)."""
    email_verified: bool = True


class VerificationSent(msgspec.Struct, kw_only=True, frozen=True):
    """A new link is on its way to `email`; links sent before no longer work."""

    email: str
    expires_at: dt.datetime


class PasswordResetRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=320)]


class PasswordResetRequested(msgspec.Struct, kw_only=True, frozen=True):
    """The answer to every password reset request, whether or not the address has an account: if it
    has, a link valid for one hour was mailed to it."""

    email: str
    status: Literal["requested"] = "requested"


class PasswordResetConfirm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    token: Token
    new_password: Password


class PasswordChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    current_password: Annotated[str, msgspec.Meta(max_length=256)]
    new_password: Password


class EmailChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    new_email: Email
    current_password: Annotated[str, msgspec.Meta(max_length=256)]


class EmailChangeRequested(msgspec.Struct, kw_only=True, frozen=True):
    """A link was mailed to `new_email`; the account's address changes when it is followed."""

    new_email: str
    expires_at: dt.datetime


class ApiKeyCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    expires_in_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] | None = None


class ApiKeyRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    name: str
    prefix: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None


class ApiKeyIssued(msgspec.Struct, kw_only=True, frozen=True):
    """Returned once at creation: `key` is never shown again (only its digest is stored)."""

    api_key: ApiKeyRead
    key: str
