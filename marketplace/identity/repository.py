"""All SQL of identity."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import fetch_as
from marketplace.identity.models import (
    AccountToken,
    ApiKey,
    LoginFailure,
    RefreshToken,
    SignIn,
    TokenPurpose,
    User,
    UserSession,
)

_SIGN_IN = """
SELECT u.id, u.email, u.full_name, u.preferred_language, u.is_platform_admin, u.is_active, u.email_verified_at,
       u.notify_in_app, u.notify_email, u.created_at,
       s.id AS session_id, s.kind AS session_kind, s.secret_digest AS session_secret_digest,
       s.last_used_at AS session_last_used_at, s.expires_at AS session_expires_at,
       s.ends_at AS session_ends_at, s.revoked_at AS session_revoked_at
FROM marketplace.user_session s JOIN marketplace.user_account u ON u.id = s.user_id
WHERE s.id = $1 AND ($2::uuid IS NULL OR s.user_id = $2)
"""


class IdentityRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def user_by_email(self, email: str) -> User | None:
        return (await self.session.execute(select(User).where(User.email == email.lower()))).scalar_one_or_none()

    async def user_by_id(self, user_id: uuid.UUID) -> User | None:
        return await self.session.get(User, user_id)

    async def users_by_ids(self, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, User]:
        if not user_ids:
            return {}
        rows = (await self.session.execute(select(User).where(User.id.in_(user_ids)))).scalars()
        return {user.id: user for user in rows}

    async def user_for_update(self, user_id: uuid.UUID) -> User | None:
        """The account, its row locked until the transaction ends (serialises changes to it)."""
        return (
            await self.session.execute(
                select(User).where(User.id == user_id).with_for_update().execution_options(populate_existing=True)
            )
        ).scalar_one_or_none()

    async def add(self, obj: User | ApiKey | LoginFailure | AccountToken) -> None:
        self.session.add(obj)
        await self.session.flush()

    async def lock_login(self, email: str, source: str) -> None:
        """Serialise one source's login attempts at one account (until the transaction ends)."""
        key = f"login:{email.lower()}|{source}"
        await self.session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))

    async def source_failures(self, email: str, source: str, *, since: dt.datetime) -> tuple[int, dt.datetime | None]:
        """How many logins at the account failed from `source` since then, and when the last one did."""
        row = (
            await self.session.execute(
                select(func.count(), func.max(LoginFailure.created_at)).where(
                    LoginFailure.email == email.lower(),
                    LoginFailure.created_at >= since,
                    LoginFailure.client == source,
                )
            )
        ).one()
        return int(row[0]), row[1]

    async def account_failures(self, email: str, *, since: dt.datetime) -> int:
        """How many logins at the account failed since then, from every source together."""
        return int(
            await self.session.scalar(
                select(func.count()).where(LoginFailure.email == email.lower(), LoginFailure.created_at >= since)
            )
            or 0
        )

    async def clear_failures(self, email: str, source: str) -> None:
        await self.session.execute(
            delete(LoginFailure).where(LoginFailure.email == email.lower(), LoginFailure.client == source)
        )

    async def purge_failures_before(self, before: dt.datetime) -> int:
        result = await self.session.execute(delete(LoginFailure).where(LoginFailure.created_at < before))
        return int(getattr(result, "rowcount", 0) or 0)

    async def api_key_by_prefix(self, prefix: str) -> ApiKey | None:
        return (await self.session.execute(select(ApiKey).where(ApiKey.prefix == prefix))).scalar_one_or_none()

    async def api_keys_of(self, user_id: uuid.UUID) -> list[ApiKey]:
        rows = await self.session.execute(select(ApiKey).where(ApiKey.user_id == user_id).order_by(ApiKey.created_at))
        return list(rows.scalars())

    async def touch_api_key(self, key_id: uuid.UUID, now: dt.datetime) -> None:
        await self.session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))

    async def token(self, token_id: uuid.UUID) -> AccountToken | None:
        """The token, its row locked (two clicks on one link cannot both use it)."""
        return (
            await self.session.execute(select(AccountToken).where(AccountToken.id == token_id).with_for_update())
        ).scalar_one_or_none()

    async def latest_token(self, user_id: uuid.UUID, purpose: TokenPurpose) -> AccountToken | None:
        return (
            await self.session.execute(
                select(AccountToken)
                .where(AccountToken.user_id == user_id, AccountToken.purpose == purpose)
                .order_by(AccountToken.created_at.desc())
                .limit(1)
            )
        ).scalar_one_or_none()

    async def pending_email(self, user_id: uuid.UUID, now: dt.datetime) -> str | None:
        """The address the account is moving to: that of its latest e-mail change link still valid."""
        return await self.session.scalar(
            select(AccountToken.new_email)
            .where(
                AccountToken.user_id == user_id,
                AccountToken.purpose == TokenPurpose.change_email,
                AccountToken.used_at.is_(None),
                AccountToken.expires_at > now,
            )
            .order_by(AccountToken.created_at.desc())
            .limit(1)
        )

    async def spend_tokens(self, user_id: uuid.UUID, purposes: Collection[TokenPurpose], now: dt.datetime) -> None:
        """Every unused token of these purposes of the account stops working."""
        await self.session.execute(
            update(AccountToken)
            .where(
                AccountToken.user_id == user_id,
                AccountToken.purpose.in_(list(purposes)),
                AccountToken.used_at.is_(None),
            )
            .values(used_at=now, updated_at=now)
        )


class SessionRepository:
    """The SQL of sessions and their refresh tokens."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, obj: UserSession | RefreshToken) -> None:
        self.session.add(obj)
        await self.session.flush()

    async def sign_in(self, session_id: uuid.UUID, *, user_id: uuid.UUID | None = None) -> SignIn | None:
        """The session and its user in one query (of that user, when given): what every signed-in
        request reads first, so sent past SQLAlchemy (`kernel.db.fetch_as`)."""
        found = await fetch_as(self.session, _SIGN_IN, SignIn, session_id, user_id)
        return found[0] if found else None

    async def refresh_token(self, digest: str) -> tuple[RefreshToken, UserSession] | None:
        """The refresh token with this digest and its session, the token's row locked until the
        transaction ends (two refreshes with one token are decided one after the other)."""
        row = (
            await self.session.execute(
                select(RefreshToken, UserSession)
                .join(UserSession, UserSession.id == RefreshToken.session_id)
                .where(RefreshToken.digest == digest)
                .with_for_update(of=RefreshToken)
                .execution_options(populate_existing=True)
            )
        ).one_or_none()
        return None if row is None else (row[0], row[1])

    async def session_of(self, user_id: uuid.UUID, session_id: uuid.UUID) -> UserSession | None:
        return (
            await self.session.execute(
                select(UserSession).where(UserSession.id == session_id, UserSession.user_id == user_id)
            )
        ).scalar_one_or_none()

    async def live_sessions(self, user_id: uuid.UUID, now: dt.datetime) -> list[UserSession]:
        """The user's sessions neither revoked nor expired, the most recently used first."""
        rows = await self.session.execute(
            select(UserSession)
            .where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None), UserSession.expires_at > now)
            .order_by(UserSession.last_used_at.desc(), UserSession.id)
        )
        return list(rows.scalars())

    async def touch(self, session_id: uuid.UUID, now: dt.datetime, *, expires_at: dt.datetime | None = None) -> None:
        values: dict[str, dt.datetime] = {"last_used_at": now}
        if expires_at is not None:
            values["expires_at"] = expires_at
        await self.session.execute(update(UserSession).where(UserSession.id == session_id).values(**values))

    async def revoke(
        self,
        user_id: uuid.UUID,
        now: dt.datetime,
        reason: str,
        *,
        only: uuid.UUID | None = None,
        keep: uuid.UUID | None = None,
    ) -> list[uuid.UUID]:
        """Revoke the user's sessions still in force (`only` that one, all but `keep`); their ids."""
        query = update(UserSession).where(UserSession.user_id == user_id, UserSession.revoked_at.is_(None))
        if only is not None:
            query = query.where(UserSession.id == only)
        if keep is not None:
            query = query.where(UserSession.id != keep)
        result = await self.session.execute(
            query.values(revoked_at=now, revoked_reason=reason, updated_at=now)
            .returning(UserSession.id)
            .execution_options(synchronize_session="fetch")
        )
        return list(result.scalars())

    async def purge(self, *, tokens_expired_before: dt.datetime, sessions_ended_before: dt.datetime) -> None:
        await self.session.execute(delete(RefreshToken).where(RefreshToken.expires_at < tokens_expired_before))
        await self.session.execute(
            delete(UserSession).where(
                (UserSession.revoked_at < sessions_ended_before) | (UserSession.expires_at < sessions_ended_before)
            )
        )
