"""All SQL of the catalog."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.catalog.models import Listing, ListingRevision, ListingStatus, ListingTranslation


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

    async def by_skus(self, organization_id: uuid.UUID, skus: list[str]) -> dict[str, Listing]:
        """The producer's listings with these SKUs, locked for change."""
        rows = await self.session.execute(
            select(Listing).where(Listing.organization_id == organization_id, Listing.sku.in_(skus)).with_for_update()
        )
        return {listing.sku: listing for listing in rows.scalars()}

    async def delete_translations(self, listing_ids: list[uuid.UUID]) -> None:
        await self.session.execute(delete(ListingTranslation).where(ListingTranslation.listing_id.in_(listing_ids)))

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
    ) -> list[Listing]:
        """The next `limit` listings in SKU order after `after_sku` (keyset paging for exports)."""
        conditions = [Listing.organization_id == organization_id, Listing.status.in_(statuses)]
        if after_sku is not None:
            conditions.append(Listing.sku > after_sku)
        rows = await self.session.execute(select(Listing).where(*conditions).order_by(Listing.sku).limit(limit))
        return list(rows.scalars())

    async def translations(self, listing_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[ListingTranslation]]:
        result: dict[uuid.UUID, list[ListingTranslation]] = {i: [] for i in listing_ids}
        if listing_ids:
            rows = await self.session.execute(
                select(ListingTranslation)
                .where(ListingTranslation.listing_id.in_(listing_ids))
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
