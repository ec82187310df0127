"""Authentication primitives: who is calling (`Principal`), passwords, tokens, API keys.

Resolving a token to a stored user lives in `marketplace.identity`; this module
knows nothing about tables so every package can depend on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from typing import Literal

import jwt
import msgspec
from pwdlib import PasswordHash

from kernel import clock
from kernel.errors import Forbidden, Unauthenticated

API_KEY_PREFIX = "bhk_"
_JWT_ALGORITHM = "HS256"
_JWT_AUDIENCE = "borderhub"

_password_hash = PasswordHash.recommended()  # argon2id


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The authenticated caller of a request, job or command."""

    user_id: uuid.UUID
    email: str
    is_platform_admin: bool = False
    via: Literal["token", "api_key", "system"] = "token"


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    return _password_hash.verify(password, password_hash)


# Verifying against a real hash when the email is unknown keeps login timing
# the same for unknown and known accounts.
DUMMY_PASSWORD_HASH = _password_hash.hash(secrets.token_urlsafe(16))


def issue_access_token(user_id: uuid.UUID, secret: str, ttl_seconds: int) -> str:
    issued = clock.now()
    claims = {
        "sub": str(user_id),
        "aud": _JWT_AUDIENCE,
        "iat": int(issued.timestamp()),
        "exp": int((issued + dt.timedelta(seconds=ttl_seconds)).timestamp()),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=_JWT_ALGORITHM)


def read_access_token(token: str, secret: str) -> uuid.UUID:
    """The user id in a valid token; `Unauthenticated` if expired, tampered or malformed.

    Expiry is judged by `kernel.clock`, the clock that issued the token, not PyJWT's own."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_JWT_ALGORITHM],
            audience=_JWT_AUDIENCE,
            options={"require": ["exp", "sub"], "verify_exp": False, "verify_iat": False},
        )
        expires, user_id = int(claims["exp"]), uuid.UUID(claims["sub"])
    except (jwt.InvalidTokenError, TypeError, ValueError):
        raise Unauthenticated("the access token is invalid") from None
    if expires <= clock.now().timestamp():
        raise Unauthenticated("the access token has expired; log in again")
    return user_id


def new_api_key() -> tuple[str, str, str]:
    """A fresh API key: (secret shown once, lookup prefix, sha256 digest to store)."""
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    return secret, api_key_prefix(secret), api_key_digest(secret)


def api_key_prefix(secret: str) -> str:
    return secret[: len(API_KEY_PREFIX) + 8]


def api_key_digest(secret: str) -> str:
    # API keys are 256-bit random, so a fast hash is enough (no password stretching needed).
    return hashlib.sha256(secret.encode()).hexdigest()


def require_platform_admin(principal: Principal) -> None:
    """Raise `Forbidden` unless the caller is a platform administrator."""
    if not principal.is_platform_admin:
        raise Forbidden("only a platform administrator may do this")
