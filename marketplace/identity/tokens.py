"""Account tokens: the secrets in the links mailed to a person to prove an address is theirs (after
registering, or to move the account to a new one) or to set a new password.

A token is given out once, as `<id>.<secret>` in a link, and only the sha256 digest of the secret is
kept (the secret is 256 random bits, so a fast hash is enough, as for API keys). It works once,
until it expires; sending a newer one of the same purpose makes the earlier ones stop working. A
link that does not work is refused with the same words whether it was used, expired, superseded,
mistyped or never existed.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from kernel.auth import secret_digest
from kernel.errors import InvalidInput
from marketplace.identity.models import AccountToken, TokenPurpose, User
from marketplace.identity.repository import IdentityRepository
from marketplace.mail.service import queue_mail

VALIDITY = {
    TokenPurpose.verify_email: dt.timedelta(hours=48),
    TokenPurpose.reset_password: dt.timedelta(hours=1),
    TokenPurpose.change_email: dt.timedelta(hours=48),
}
"""How long a link works after it is sent."""

VERIFY_EMAIL_PAGE = "/account/verify-email"
RESET_PASSWORD_PAGE = "/account/reset-password"  # noqa: S105 - a page, not a secret
MAILED = {
    TokenPurpose.verify_email: ("email_verification", VERIFY_EMAIL_PAGE),
    TokenPurpose.reset_password: ("password_reset", RESET_PASSWORD_PAGE),
    TokenPurpose.change_email: ("email_change", VERIFY_EMAIL_PAGE),
}
"""The message mailing a token of each purpose, and the page its link leads to."""


class TokenInvalid(InvalidInput):
    """The link's token does not work (used, expired, superseded or unknown: never said which)."""

    slug = "token-invalid"
    title = "The link does not work"


TOKEN_INVALID_MESSAGE = (
    "this link no longer works (it was used, has expired or a newer one was sent); ask for a new one"  # noqa: S105 - words
)


@dataclass(frozen=True)
class Issued:
    token: AccountToken
    value: str
    """What the link carries: `<id>.<secret>` (shown once, never stored)."""


def link(public_url: str, page: str, value: str) -> str:
    """The page below the public URL, carrying the token."""
    return f"{public_url.rstrip('/')}{page}?{urlencode({'token': value})}"


async def issue(
    session: AsyncSession, user_id: uuid.UUID, purpose: TokenPurpose, *, new_email: str | None = None
) -> Issued:
    """A new token of `purpose` for the account, valid for `VALIDITY[purpose]`; the account's earlier
    tokens of that purpose stop working."""
    repo = IdentityRepository(session)
    now = clock.now()
    await repo.spend_tokens(user_id, [purpose], now)
    secret = secrets.token_urlsafe(32)
    token = AccountToken(
        user_id=user_id,
        purpose=purpose,
        digest=secret_digest(secret),
        new_email=new_email,
        expires_at=now + VALIDITY[purpose],
        # Stamped by the service's clock (not the column default): the resend throttle reads it.
        created_at=now,
        updated_at=now,
    )
    await repo.add(token)
    return Issued(token=token, value=f"{token.id}.{secret}")


async def redeem(session: AsyncSession, value: str, purposes: Collection[TokenPurpose]) -> AccountToken:
    """The token `value` names, if it is of one of `purposes`, unused and unexpired: marked used (its
    row locked, so two clicks on one link cannot both use it). Raises `TokenInvalid` (422 naming
    `token`) otherwise, with the same words whatever the reason."""
    token_id, _, secret = value.strip().partition(".")
    try:
        parsed = uuid.UUID(token_id)
    except ValueError:
        raise TokenInvalid.field("token", TOKEN_INVALID_MESSAGE) from None
    token = await IdentityRepository(session).token(parsed)
    now = clock.now()
    if (
        token is None
        or not hmac.compare_digest(token.digest, secret_digest(secret))
        or token.purpose not in purposes
        or token.used_at is not None
        or token.expires_at <= now
    ):
        raise TokenInvalid.field("token", TOKEN_INVALID_MESSAGE)
    token.used_at = now
    await session.flush()
    return token


async def send_link(
    session: AsyncSession, user: User, purpose: TokenPurpose, public_url: str, *, new_email: str | None = None
) -> AccountToken:
    """Issue a token of `purpose` (`issue`: earlier ones stop working) and mail its link (`MAILED`)
    in the owner's language: to the account's address, or to `new_email`, the address it moves to."""
    issued = await issue(session, user.id, purpose, new_email=new_email)
    kind, page = MAILED[purpose]
    context = {
        "full_name": user.full_name,
        "expires_at": issued.token.expires_at,
        "link": link(public_url, page, issued.value),
    }
    if new_email is not None:
        context["new_email"] = new_email
    await queue_mail(
        session,
        key=f"token:{issued.token.id}",
        to=new_email or user.email,
        kind=kind,
        language=user.preferred_language,
        context=context,
        user_id=user.id,
    )
    return issued.token


async def mark_email_verified(session: AsyncSession, user: User) -> bool:
    """Record that the owner proved the account's address (a link mailed to it was followed); no
    verification link sent before is needed any more.
    Returns whether it was not verified before."""
    now = clock.now()
    await IdentityRepository(session).spend_tokens(user.id, [TokenPurpose.verify_email], now)
    if user.email_verified_at is not None:
        return False
    user.email_verified_at = now
    await session.flush()
    return True
