"""Sessions: one sign-in on one device, what keeps it going and what ends it.

A **token session** (`POST /auth/login`) gives an access token (a JWT naming the session in `sid`,
valid `access_token_ttl_seconds`, 15 minutes by default) and a refresh token (opaque, valid
`refresh_token_ttl_seconds`, 30 days by default). `POST /auth/refresh` spends the refresh token and
gives a new pair, so a client that refreshes at least every 30 days stays signed in; there is no
longer limit. A refresh token presented a second time was copied (by the client's owner or by
someone else: the server cannot tell), so the whole session is revoked and every token of it
stops working.

A **cookie session** (`POST /auth/session`, the web application) is carried by the
`borderhub_session` cookie, `<session id>.<secret>`, of which only the secret's digest is kept.
It ends after `COOKIE_IDLE` (14 days) without use and `COOKIE_LIFETIME` (30 days) after sign-in
whatever the use.

Either kind ends when revoked: signing out, ending it from the list of one's sessions, signing out
everywhere, a password reset or change (`revoke_sessions`). A revoked or expired session's access
tokens and cookie are refused at once, however long they had left. API keys are no sessions.
"""

from __future__ import annotations

import datetime as dt
import enum
import hmac
import secrets
import uuid

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, clock
from kernel.auth import (
    AccessClaims,
    Principal,
    issue_access_token,
    new_refresh_token,
    secret_digest,
)
from kernel.errors import Forbidden, NotFound, Unauthenticated
from kernel.settings import CoreSettings
from marketplace.identity.models import RefreshToken, SessionKind, SignIn, User, UserSession
from marketplace.identity.repository import IdentityRepository, SessionRepository
from marketplace.identity.schemas import AccessToken, SessionRead

COOKIE_IDLE = dt.timedelta(days=14)
"""A cookie session unused this long has ended."""
COOKIE_LIFETIME = dt.timedelta(days=30)
"""A cookie session ends this long after sign-in, used or not."""
TOUCH_INTERVAL = dt.timedelta(minutes=1)
"""A session's use is recorded at most this often: recording every request would make each read a write."""
ENDED_KEPT = dt.timedelta(days=30)
"""Ended sessions (and expired refresh tokens) are kept this long, then purged by a daily job."""
USER_AGENT_LENGTH = 200

_log = structlog.get_logger("borderhub.identity")


class RevokedReason(enum.StrEnum):
    """Why a session ended before its time (`UserSession.revoked_reason`)."""

    signed_out = "signed_out"
    """`POST /auth/logout` or `DELETE /auth/session`."""
    ended_by_user = "ended_by_user"
    """Ended from the list of one's sessions (`DELETE /me/sessions/{id}`)."""
    signed_out_everywhere = "signed_out_everywhere"
    password_reset = "password_reset"  # noqa: S105 - a reason, not a secret
    password_changed = "password_changed"  # noqa: S105 - a reason, not a secret
    refresh_token_reused = "refresh_token_reused"  # noqa: S105 - a reason, not a secret


def session_read(session: UserSession, current: uuid.UUID | None) -> SessionRead:
    return SessionRead(
        id=session.id,
        kind=session.kind.value,
        created_at=session.created_at,
        last_used_at=session.last_used_at,
        expires_at=session.expires_at,
        user_agent=session.user_agent,
        client=session.client,
        current=session.id == current,
    )


def cookie_value(session_id: uuid.UUID, secret: str) -> str:
    return f"{session_id}.{secret}"


def read_cookie(value: str) -> tuple[uuid.UUID, str] | None:
    """(session id, secret) of a session cookie's value; None if it is no such value."""
    session_id, _, secret = value.partition(".")
    try:
        return uuid.UUID(session_id), secret
    except ValueError:
        return None


async def revoke_sessions(
    session: AsyncSession,
    user_id: uuid.UUID,
    except_session_id: uuid.UUID | None = None,
    *,
    reason: str = RevokedReason.signed_out_everywhere,
) -> list[uuid.UUID]:
    """End every session of the account but `except_session_id` (the caller's own, when they keep
    it): their access tokens, refresh tokens and cookies are refused from the next request on.
    Returns the ids of the sessions ended (those already ended are left as they were)."""
    return await SessionRepository(session).revoke(user_id, clock.now(), reason, keep=except_session_id)


async def purge_sessions(session: AsyncSession) -> None:
    """Scheduled daily: forget sessions that ended, and refresh tokens that expired, `ENDED_KEPT` ago."""
    before = clock.now() - ENDED_KEPT
    await SessionRepository(session).purge(tokens_expired_before=before, sessions_ended_before=before)


class SessionService:
    """Starts, keeps and ends sessions. Never commits (the caller's transaction does)."""

    def __init__(self, session: AsyncSession, settings: CoreSettings) -> None:
        self.session = session
        self.settings = settings
        self.repo = SessionRepository(session)

    # --- starting ---------------------------------------------------------------------------------

    def _new(
        self, user: User, kind: SessionKind, now: dt.datetime, *, client: str | None, user_agent: str | None
    ) -> UserSession:
        if kind is SessionKind.cookie:
            expires_at, ends_at = now + COOKIE_IDLE, now + COOKIE_LIFETIME
        else:
            expires_at, ends_at = now + dt.timedelta(seconds=self.settings.refresh_token_ttl_seconds), None
        return UserSession(
            user_id=user.id,
            kind=kind,
            created_at=now,
            updated_at=now,
            last_used_at=now,
            expires_at=expires_at,
            ends_at=ends_at,
            user_agent=user_agent[:USER_AGENT_LENGTH] if user_agent else None,
            client=client[:64] if client else None,
        )

    async def start_token_session(self, user: User, *, client: str | None, user_agent: str | None) -> AccessToken:
        """A new token session for `user`: its first access and refresh tokens."""
        now = clock.now()
        session = self._new(user, SessionKind.token, now, client=client, user_agent=user_agent)
        await self.repo.add(session)
        return await self._tokens(user.id, session, now)

    async def start_cookie_session(
        self, user: User, *, client: str | None, user_agent: str | None
    ) -> tuple[SessionRead, str]:
        """A new cookie session for `user`, and the value of its cookie (given out once)."""
        secret = secrets.token_urlsafe(32)
        session = self._new(user, SessionKind.cookie, clock.now(), client=client, user_agent=user_agent)
        session.secret_digest = secret_digest(secret)
        await self.repo.add(session)
        return session_read(session, session.id), cookie_value(session.id, secret)

    async def _tokens(self, user_id: uuid.UUID, session: UserSession, now: dt.datetime) -> AccessToken:
        """An access token of `session` and its next refresh token, which expires with the session."""
        refresh, digest = new_refresh_token()
        await self.repo.add(
            RefreshToken(
                session_id=session.id, digest=digest, expires_at=session.expires_at, created_at=now, updated_at=now
            )
        )
        assert self.settings.jwt_secret is not None  # noqa: S101 - ensured at start-up
        ttl = self.settings.access_token_ttl_seconds
        return AccessToken(
            access_token=issue_access_token(user_id, self.settings.jwt_secret, ttl, session_id=session.id),
            expires_in=ttl,
            refresh_token=refresh,
            refresh_expires_in=round((session.expires_at - now).total_seconds()),
        )

    # --- keeping ----------------------------------------------------------------------------------

    async def refresh(self, refresh_token: str) -> AccessToken | Unauthenticated:
        """Spend a refresh token for a new access token and refresh token of the same session.

        Raises `Unauthenticated` for an unknown or expired token, or one of an ended session. A token
        already spent is *returned* as `Unauthenticated` after revoking its whole session (it was
        copied): the caller must commit and answer 401, so the revocation holds.
        """
        now = clock.now()
        found = await self.repo.refresh_token(secret_digest(refresh_token))
        if found is None:
            raise Unauthenticated("the refresh token is invalid; log in again")
        token, session = found
        if session.revoked_at is not None:
            raise Unauthenticated("this session has been signed out; log in again")
        if token.used_at is not None:
            await self.repo.revoke(session.user_id, now, RevokedReason.refresh_token_reused, only=session.id)
            _log.warning(
                "a spent refresh token was presented again; its session is revoked",
                user_id=str(session.user_id),
                session_id=str(session.id),
                spent_at=token.used_at.isoformat(),
            )
            await audit.record(
                self.session,
                None,
                "session.revoked_after_refresh_token_reuse",
                object_type="session",
                object_id=session.id,
                after={"user_id": str(session.user_id), "reason": RevokedReason.refresh_token_reused.value},
            )
            return Unauthenticated(
                "this refresh token was already used, so it may have been copied: its session is signed out "
                "on every device that shared it; log in again"
            )
        if token.expires_at <= now or session.expires_at <= now:
            raise Unauthenticated("the refresh token has expired; log in again")
        user = await IdentityRepository(self.session).user_by_id(session.user_id)
        if user is None or not user.is_active:
            raise Unauthenticated("the account behind this refresh token is inactive")
        token.used_at = now
        token.updated_at = now
        session.last_used_at = now
        session.expires_at = now + dt.timedelta(seconds=self.settings.refresh_token_ttl_seconds)
        session.updated_at = now
        await self.session.flush()
        return await self._tokens(user.id, session, now)

    async def token_session(self, claims: AccessClaims) -> SignIn:
        """The user and session of a valid access token; `Unauthenticated` once the session has
        ended (signed out, revoked or expired) or the account is inactive."""
        found = await self.repo.sign_in(claims.session_id, user_id=claims.user_id)
        if found is None:
            raise Unauthenticated("this sign-in has ended; log in again")
        return await self._in_force(found, what="the session of this token")

    async def cookie_session(self, value: str) -> SignIn:
        """The user and session of a session cookie; `Unauthenticated` unless it is one in force.
        Each use moves its expiry on (`COOKIE_IDLE`), never beyond its lifetime."""
        found = await self._cookie_sign_in(value)
        if found is None:
            raise Unauthenticated("the session cookie is invalid; sign in again")
        return await self._in_force(found, what="your session")

    async def _cookie_sign_in(self, value: str) -> SignIn | None:
        """The cookie session whose id and secret the cookie carries, in force or not; None if none."""
        parsed = read_cookie(value)
        found = None if parsed is None else await self.repo.sign_in(parsed[0])
        if (
            parsed is None
            or found is None
            or found.session_kind is not SessionKind.cookie
            or found.session_secret_digest is None
            or not hmac.compare_digest(found.session_secret_digest, secret_digest(parsed[1]))
        ):
            return None
        return found

    async def _in_force(self, found: SignIn, *, what: str) -> SignIn:
        now = clock.now()
        if not found.is_active:
            raise Unauthenticated("the account is inactive")
        if found.session_revoked_at is not None:
            raise Unauthenticated(f"{what} has been signed out; sign in again")
        if found.session_expires_at <= now:
            raise Unauthenticated(f"{what} has expired; sign in again")
        if found.session_last_used_at < now - TOUCH_INTERVAL:
            expires_at = None
            if found.session_kind is SessionKind.cookie:
                expires_at = min(now + COOKIE_IDLE, found.session_ends_at or now + COOKIE_IDLE)
            await self.repo.touch(found.session_id, now, expires_at=expires_at)
        return found

    # --- listing and ending -----------------------------------------------------------------------

    async def list_sessions(self, principal: Principal) -> list[SessionRead]:
        """The caller's sessions in force, the most recently used first; `current` marks the request's own."""
        sessions = await self.repo.live_sessions(principal.user_id, clock.now())
        return [session_read(session, principal.session_id) for session in sessions]

    async def end_session(self, principal: Principal, session_id: uuid.UUID) -> None:
        """End one of the caller's sessions (ending one already ended changes nothing); another
        user's or an unknown one is `NotFound`."""
        session = await self.repo.session_of(principal.user_id, session_id)
        if session is None:
            raise NotFound("no such session")
        if await self.repo.revoke(principal.user_id, clock.now(), RevokedReason.ended_by_user, only=session_id):
            await audit.record(self.session, principal, "session.ended", object_type="session", object_id=session_id)

    async def sign_out_everywhere(self, principal: Principal, *, keep_current: bool) -> int:
        """End every session of the caller (but this request's own, with `keep_current`); how many ended."""
        keep = principal.session_id if keep_current else None
        ended = await revoke_sessions(self.session, principal.user_id, keep, reason=RevokedReason.signed_out_everywhere)
        await audit.record(
            self.session,
            principal,
            "user.signed_out_everywhere",
            object_type="user",
            object_id=principal.user_id,
            after={"sessions_ended": len(ended), "kept": str(keep) if keep else None},
        )
        return len(ended)

    async def sign_out(self, principal: Principal) -> None:
        """End the session of this request. `Forbidden` for an API key, which is no session."""
        if principal.session_id is None:
            raise Forbidden(
                "an API key is no sign-in to sign out of; revoke the key instead (DELETE /api/v1/me/api-keys/{id})"
            )
        await self.repo.revoke(principal.user_id, clock.now(), RevokedReason.signed_out, only=principal.session_id)

    async def end_cookie_session(self, value: str | None) -> None:
        """Sign out of the session a cookie carries, if it is one (any other value: nothing to do)."""
        found = None if value is None else await self._cookie_sign_in(value)
        if found is not None:
            await self.repo.revoke(found.id, clock.now(), RevokedReason.signed_out, only=found.session_id)
