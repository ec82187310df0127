"""All SQL of published OCDS releases."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from procurement.ocds.models import Release

# One publisher at a time: positions then commit in the order they were drawn, so a feed
# reader paging by position never skips a release that commits late.
_PUBLISH_LOCK = 0x0CD5_0001


class ReleaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_for_publishing(self) -> None:
        await self.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PUBLISH_LOCK})

    async def add(self, release: Release) -> None:
        self.session.add(release)
        await self.session.flush()

    async def count(self, ocid: str) -> int:
        return int((await self.session.execute(select(func.count()).where(Release.ocid == ocid))).scalar_one())

    async def latest(self, ocid: str) -> Release | None:
        rows = await self.session.execute(
            select(Release).where(Release.ocid == ocid).order_by(Release.position.desc()).limit(1)
        )
        return rows.scalar_one_or_none()

    async def of_tender(self, tender_id: uuid.UUID) -> list[Release]:
        rows = await self.session.execute(
            select(Release).where(Release.tender_id == tender_id).order_by(Release.position)
        )
        return list(rows.scalars())

    async def of_ocid(self, ocid: str) -> list[Release]:
        rows = await self.session.execute(select(Release).where(Release.ocid == ocid).order_by(Release.position))
        return list(rows.scalars())

    async def feed(self, since: dt.datetime | None, after: int, limit: int) -> list[Release]:
        statement = select(Release).where(Release.position > after)
        if since is not None:
            statement = statement.where(Release.date >= since)
        rows = await self.session.execute(statement.order_by(Release.position).limit(limit))
        return list(rows.scalars())
