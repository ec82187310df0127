"""All SQL of identity."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.identity.models import ApiKey, LoginFailure, User


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

    async def add(self, obj: User | ApiKey | LoginFailure) -> None:
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
