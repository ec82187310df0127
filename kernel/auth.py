"""Authentication primitives: who is calling (`Principal`), passwords, tokens, API keys.

Resolving a token to a stored user lives in `marketplace.identity`; this module
knows nothing about tables so every package can depend on it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
import uuid
from collections.abc import Mapping
from typing import Literal

import jwt
import msgspec
from pwdlib import PasswordHash

from kernel import clock
from kernel.errors import Forbidden, Unauthenticated

API_KEY_PREFIX = "bhk_"
REFRESH_TOKEN_PREFIX = "bhr_"  # noqa: S105 - a prefix, not a secret
SESSION_COOKIE = "borderhub_session"
"""The web application's session cookie: `<session id>.<secret>` (only the secret's digest is stored)."""
CSRF_COOKIE = "borderhub_csrf"
"""The CSRF token cookie (double submit: the same token goes back in `CSRF_HEADER` or the `_csrf_token`
field of a form)."""
CSRF_HEADER = "x-csrf-token"
CSRF_ALWAYS = "csrf_always"
"""A route handler's `opt` key: its unsafe requests are CSRF-checked even when no session cookie is sent."""
_JWT_ALGORITHM = "HS256"
_JWT_AUDIENCE = "borderhub"

_password_hash = PasswordHash.recommended()  # argon2id


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The authenticated caller of a request, job or command."""

    user_id: uuid.UUID
    email: str
    is_platform_admin: bool = False
    via: Literal["token", "cookie", "api_key", "system"] = "token"
    email_verified: bool = False
    """Whether the caller proved their e-mail address is theirs: until they do, they may sign in
    but not act for an organisation."""
    session_id: uuid.UUID | None = None
    """The sign-in the caller acts in (an access token's or the session cookie's); None for an API key
    and the system."""


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _password_hash.verify(password, password_hash)


# Verifying against a real hash when the email is unknown keeps login timing
# the same for unknown and known accounts.
DUMMY_PASSWORD_HASH = _password_hash.hash(secrets.token_urlsafe(16))


class AccessClaims(msgspec.Struct, frozen=True, kw_only=True):
    """What a valid access token says: whose it is and the sign-in (session) it was issued in."""

    user_id: uuid.UUID
    session_id: uuid.UUID


def issue_access_token(user_id: uuid.UUID, secret: str, ttl_seconds: int, *, session_id: uuid.UUID) -> str:
    """A signed JWT for `user_id`, valid `ttl_seconds`, naming its session in `sid` (a token of a
    revoked session is refused at once, however long it had to run)."""
    issued = clock.now()
    claims = {
        "sub": str(user_id),
        "sid": str(session_id),
        "aud": _JWT_AUDIENCE,
        "iat": int(issued.timestamp()),
        "exp": int((issued + dt.timedelta(seconds=ttl_seconds)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=_JWT_ALGORITHM)


def read_access_token(token: str, secret: str) -> AccessClaims:
    """The user and session of a valid token; `Unauthenticated` if expired, tampered or malformed
    (a token without a session is malformed).

    Expiry is judged by `kernel.clock`, the clock that issued the token, not PyJWT's own."""
    expires, claims = _verified(token, secret)
    if expires <= clock.now().timestamp():
        raise Unauthenticated("the access token has expired; refresh it (POST /api/v1/auth/refresh) or log in again")
    return claims


@functools.lru_cache(maxsize=8192)
def _verified(token: str, secret: str) -> tuple[int, AccessClaims]:
    """The expiry and claims of a token whose signature and claims check out. Kept for the tokens in
    use: a client sends its token with every request for 15 minutes, and PyJWT's checks in Python
    were the largest part of reading one listing after the database (`benchmarks/README.md`). The
    result depends on nothing but the token and the key; what changes (expiry, the session's end)
    is judged on every request. A token that fails raises, and is not kept."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_JWT_ALGORITHM],
            audience=_JWT_AUDIENCE,
            options={"require": ["exp", "sub"], "verify_exp": False, "verify_iat": False},
        )
        expires, user_id = int(claims["exp"]), uuid.UUID(claims["sub"])
        session_id = uuid.UUID(str(claims["sid"]))
    except (jwt.InvalidTokenError, TypeError, ValueError, KeyError):
        raise Unauthenticated("the access token is invalid") from None
    return expires, AccessClaims(user_id=user_id, session_id=session_id)


def new_refresh_token() -> tuple[str, str]:
    """A fresh refresh token: (secret given to the client once, sha256 digest to store)."""
    secret = REFRESH_TOKEN_PREFIX + secrets.token_urlsafe(32)
    return secret, secret_digest(secret)


def secret_digest(secret: str) -> str:
    """The digest stored for a random secret (an API key, a refresh token, a session cookie's secret,
    the token of an account link or an invitation): sha256, hex. They are 256-bit random, so a fast
    hash is enough (no password stretching needed)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key() -> tuple[str, str, str]:
    """A fresh API key: (secret shown once, lookup prefix, sha256 digest to store)."""
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return secret, api_key_prefix(secret), secret_digest(secret)


def api_key_prefix(secret: str) -> str:
    return secret[: len(API_KEY_PREFIX) + 8]


def credential_from(headers: Mapping[str, str]) -> str | None:
    """The credential a request sends in a header: `Authorization: Bearer <token or API key>` or
    `X-API-Key: <API key>`; None when it sends neither (then only the session cookie may sign it in).
    `headers` are looked up by lower-case name (as an ASGI framework's case-insensitive headers are)."""
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return headers.get("x-api-key", "").strip() or None


def require_platform_admin(principal: Principal) -> None:
    """Raise `Forbidden` unless the caller is a platform administrator."""
    if not principal.is_platform_admin:
        raise Forbidden("only a platform administrator may do this")
