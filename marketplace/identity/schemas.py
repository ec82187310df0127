"""Wire formats of identity: registration, login, the caller's profile, API keys."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

import msgspec

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
    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_in: int


class UserRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    email: str
    full_name: str
    preferred_language: str | None
    is_platform_admin: bool
    created_at: dt.datetime


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
