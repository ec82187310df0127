"""All SQL of the catalog."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.catalog.models import Listing, ListingRevision, ListingStatus
from marketplace.kernel.db import equals_any


class ListingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *objects: object) -> None:
        self.session.add_all(objects)
        await self.session.flush()

    async def get(self, listing_id: uuid.UUID, *, for_update: bool = False) -> Listing | None:
        statement = select(Listing).where(Listing.id == listing_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def by_sku(self, organization_id: uuid.UUID, sku: str) -> Listing | None:
        return (
            await self.session.execute(
                select(Listing).where(Listing.organization_id == organization_id, Listing.sku == sku)
            )
        ).scalar_one_or_none()

    async def rows_by_sku(self, organization_id: uuid.UUID, skus: list[str]) -> dict[str, dict[str, Any]]:
        """The producer's listings with these SKUs as plain column values, locked for change.

        Plain rows, not entities: bulk imports compare many thousands of them.
        """
        table = Listing.__table__
        rows = await self.session.execute(
            select(table)
            .where(table.c.organization_id == organization_id, equals_any(table.c.sku, skus, String))
            .with_for_update()
        )
        return {row["sku"]: dict(row) for row in rows.mappings()}

    async def languages_of_producer(self, organization_id: uuid.UUID, statuses: list[ListingStatus]) -> list[str]:
        language = func.jsonb_object_keys(Listing.translations).label("language")
        rows = await self.session.execute(
            select(language)
            .where(Listing.organization_id == organization_id, Listing.status.in_(statuses))
            .distinct()
            .order_by(language)
        )
        return list(rows.scalars())

    async def batch_of_producer(
        self, organization_id: uuid.UUID, statuses: list[ListingStatus], after_sku: str | None, limit: int
    ) -> list[dict[str, Any]]:
        """The next `limit` listings in SKU order after `after_sku`, as plain column values
        (keyset paging for exports)."""
        table = Listing.__table__
        conditions = [table.c.organization_id == organization_id, table.c.status.in_(statuses)]
        if after_sku is not None:
            conditions.append(table.c.sku > after_sku)
        rows = await self.session.execute(select(table).where(*conditions).order_by(table.c.sku).limit(limit))
        return [dict(row) for row in rows.mappings()]

    async def page_of_producer(
        self,
        organization_id: uuid.UUID,
        statuses: list[ListingStatus],
        classification_prefix: str | None,
        offset: int,
        limit: int,
    ) -> tuple[list[Listing], int]:
        conditions = [Listing.organization_id == organization_id, Listing.status.in_(statuses)]
        if classification_prefix:
            conditions.append(Listing.classification_code.startswith(classification_prefix, autoescape=True))
        total = (await self.session.execute(select(func.count()).select_from(Listing).where(*conditions))).scalar_one()
        rows = await self.session.execute(
            select(Listing).where(*conditions).order_by(Listing.sku, Listing.id).offset(offset).limit(limit)
        )
        return list(rows.scalars()), int(total)

    async def revisions(self, listing_id: uuid.UUID) -> list[ListingRevision]:
        rows = await self.session.execute(
            select(ListingRevision).where(ListingRevision.listing_id == listing_id).order_by(ListingRevision.version)
        )
        return list(rows.scalars())
