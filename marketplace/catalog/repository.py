"""All SQL of the catalog."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import String, Uuid, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.catalog.models import Listing, ListingRevision, ListingStatus, ListingTranslation
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

    async def texts(self, listing_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, tuple[str, str]]]:
        """Each listing's (title, description) by language, as plain values."""
        result: dict[uuid.UUID, dict[str, tuple[str, str]]] = {i: {} for i in listing_ids}
        if listing_ids:
            rows = await self.session.execute(
                select(
                    ListingTranslation.listing_id,
                    ListingTranslation.language,
                    ListingTranslation.title,
                    ListingTranslation.description,
                )
                .where(equals_any(ListingTranslation.listing_id, listing_ids, Uuid))
                .order_by(ListingTranslation.language)
            )
            for listing_id, language, title, description in rows:
                result[listing_id][language] = (title, description)
        return result

    async def delete_translations(self, listing_ids: list[uuid.UUID]) -> None:
        if listing_ids:
            await self.session.execute(
                delete(ListingTranslation).where(equals_any(ListingTranslation.listing_id, listing_ids, Uuid))
            )

    async def languages_of_producer(self, organization_id: uuid.UUID, statuses: list[ListingStatus]) -> list[str]:
        rows = await self.session.execute(
            select(ListingTranslation.language)
            .join(Listing, Listing.id == ListingTranslation.listing_id)
            .where(Listing.organization_id == organization_id, Listing.status.in_(statuses))
            .distinct()
            .order_by(ListingTranslation.language)
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

    async def translations(self, listing_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ListingTranslation]]:
        result: dict[uuid.UUID, list[ListingTranslation]] = {i: [] for i in listing_ids}
        if listing_ids:
            rows = await self.session.execute(
                select(ListingTranslation)
                .where(equals_any(ListingTranslation.listing_id, listing_ids, Uuid))
                .order_by(ListingTranslation.language)
            )
            for row in rows.scalars():
                result[row.listing_id].append(row)
        return result

    async def replace_translations(self, listing_id: uuid.UUID, translations: dict[str, tuple[str, str]]) -> None:
        for row in (await self.translations([listing_id]))[listing_id]:
            await self.session.delete(row)
        await self.session.flush()
        self.session.add_all(
            ListingTranslation(listing_id=listing_id, language=language, title=title, description=description)
            for language, (title, description) in translations.items()
        )
        await self.session.flush()

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
