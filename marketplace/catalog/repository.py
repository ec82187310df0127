"""All SQL of the catalog."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ARRAY, String, Uuid, case, cast, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import equals_any, fetch_as
from marketplace.catalog.models import Listing, ListingPhoto, ListingRevision, ListingRow, ListingStatus
from marketplace.hub.models import Hub
from marketplace.organization.models import (
    HubMembership,
    HubMembershipStatus,
    Inclusion,
    Organization,
    OrganizationKind,
)

_SHOWN = """
SELECT l.id, l.organization_id, l.sku, l.status, l.default_language, l.translations, l.classification_scheme,
       l.classification_code, l.unit_code, l.pack_size, l.min_order_quantity, l.currency, l.price_tiers,
       l.stock_on_hand, l.lead_time_days, l.origin_country, l.origin_subdivision, l.origin_municipality,
       l.ships_to, l.image_urls, l.credential_ids, l.version, l.vat_category, l.created_at, l.updated_at,
       o.country AS producer_country
FROM marketplace.listing l JOIN marketplace.organization o ON o.id = l.organization_id
WHERE l.id = $1
"""


@dataclass(frozen=True)
class ProducerFacts:
    """What a listing's snapshot needs to know of its producer."""

    name: str
    kind: OrganizationKind
    jurisdictions: frozenset[str]
    """Of the hubs that admitted the producer."""
    inclusion: list[str]
    """Hub-verified inclusion attributes, sorted."""


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

    async def shown(self, listing_id: uuid.UUID) -> ListingRow | None:
        """The listing and its producer's country, for reading it (sent past SQLAlchemy:
        `kernel.db.fetch_as`)."""
        found = await fetch_as(self.session, _SHOWN, ListingRow, listing_id)
        return found[0] if found else None

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

    # --- photos -----------------------------------------------------------------------

    async def photos(self, listing_id: uuid.UUID) -> list[ListingPhoto]:
        """The listing's photos in their order."""
        rows = await self.session.execute(
            select(ListingPhoto)
            .where(ListingPhoto.listing_id == listing_id)
            .order_by(ListingPhoto.position)
            .execution_options(populate_existing=True)
        )
        return list(rows.scalars())

    async def photo(self, listing_id: uuid.UUID, photo_id: uuid.UUID) -> ListingPhoto | None:
        """One photo, if it is of that listing."""
        rows = await self.session.execute(
            select(ListingPhoto).where(ListingPhoto.id == photo_id, ListingPhoto.listing_id == listing_id)
        )
        return rows.scalar_one_or_none()

    async def reorder_photos(self, listing_id: uuid.UUID, order: list[uuid.UUID]) -> None:
        """Each of `order` (the listing's photo ids) at its place in it, 1 first: one statement, as the
        unique position is checked at its end."""
        await self.session.execute(
            update(ListingPhoto)
            .where(ListingPhoto.listing_id == listing_id)
            .values(position=case({photo_id: place for place, photo_id in enumerate(order, 1)}, value=ListingPhoto.id))
            .execution_options(synchronize_session=False)
        )

    async def remove_photo(self, photo: ListingPhoto) -> None:
        """The photo gone and those after it moved up, so that positions stay 1, 2, 3 ..."""
        await self.session.execute(
            delete(ListingPhoto).where(ListingPhoto.id == photo.id).execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(ListingPhoto)
            .where(ListingPhoto.listing_id == photo.listing_id, ListingPhoto.position > photo.position)
            .values(position=ListingPhoto.position - 1)
            .execution_options(synchronize_session=False)
        )
        self.session.expunge(photo)

    # --- bulk reads for other packages (search) ---------------------------------------

    async def rows_by_id(self, listing_ids: list[uuid.UUID]) -> list[dict[str, Any]]:
        table = Listing.__table__
        rows = await self.session.execute(
            select(table).where(equals_any(table.c.id, listing_ids, Uuid)).order_by(table.c.id)
        )
        return [dict(row) for row in rows.mappings()]

    async def producer_facts(self, organization_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ProducerFacts]:
        """In one statement: each producer's name and kind, the jurisdictions of the hubs that admitted
        it, and its verified inclusion attributes (a listing page and every snapshot ask it)."""
        jurisdictions = (
            select(func.unnest(Hub.jurisdictions))
            .join(HubMembership, HubMembership.hub_id == Hub.id)
            .where(
                HubMembership.organization_id == Organization.id,
                HubMembership.status == HubMembershipStatus.admitted,
            )
            .scalar_subquery()
        )
        inclusion = (
            select(cast(Inclusion.attribute, String))
            .where(Inclusion.organization_id == Organization.id, Inclusion.verified.is_(True))
            .order_by(Inclusion.attribute)
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(
                Organization.id,
                Organization.legal_name,
                Organization.kind,
                func.array(jurisdictions, type_=ARRAY(String)),
                func.array(inclusion, type_=ARRAY(String)),
            ).where(equals_any(Organization.id, list(organization_ids), Uuid))
        )
        return {
            oid: ProducerFacts(name=name, kind=kind, jurisdictions=frozenset(places), inclusion=list(attributes))
            for oid, name, kind, places, attributes in rows
        }

    async def ids_of_producers(self, organization_ids: Collection[uuid.UUID]) -> list[uuid.UUID]:
        rows = await self.session.execute(
            select(Listing.id).where(equals_any(Listing.organization_id, list(organization_ids), Uuid))
        )
        return list(rows.scalars())

    async def ids_of_hub_members(self, hub_id: uuid.UUID) -> list[uuid.UUID]:
        """Listings of every organisation that applied to the hub (admitted or not: admission changes)."""
        rows = await self.session.execute(
            select(Listing.id)
            .join(HubMembership, HubMembership.organization_id == Listing.organization_id)
            .where(HubMembership.hub_id == hub_id)
        )
        return list(rows.scalars())

    async def offered_ids_of_hub(self, hub_id: uuid.UUID) -> list[uuid.UUID]:
        """Every active listing of the selling organisations admitted to the hub (as `offered_in_hub`
        pages them), in id order."""
        rows = await self.session.execute(
            select(Listing.id)
            .join(HubMembership, HubMembership.organization_id == Listing.organization_id)
            .join(Organization, Organization.id == Listing.organization_id)
            .where(
                HubMembership.hub_id == hub_id,
                HubMembership.status == HubMembershipStatus.admitted,
                Organization.kind.in_([OrganizationKind.producer, OrganizationKind.both]),
                Listing.status == ListingStatus.active,
            )
            .order_by(Listing.id)
        )
        return list(rows.scalars())

    async def offered_in_hub(
        self, hub_id: uuid.UUID, offset: int, limit: int
    ) -> tuple[list[tuple[Listing, Organization]], int]:
        """One page of the active listings of the selling organisations admitted to the hub, each
        with its producer, by classification (so that goods of a kind stand together), and how many
        there are: two statements, whatever the number of listings."""
        sellers = (
            select(HubMembership.organization_id)
            .join(Organization, Organization.id == HubMembership.organization_id)
            .where(
                HubMembership.hub_id == hub_id,
                HubMembership.status == HubMembershipStatus.admitted,
                Organization.kind.in_([OrganizationKind.producer, OrganizationKind.both]),
            )
        )
        conditions = (Listing.status == ListingStatus.active, Listing.organization_id.in_(sellers))
        total = (await self.session.execute(select(func.count()).select_from(Listing).where(*conditions))).scalar_one()
        rows = await self.session.execute(
            select(Listing, Organization)
            .join(Organization, Organization.id == Listing.organization_id)
            .where(*conditions)
            .order_by(
                Listing.classification_scheme,
                Listing.classification_code,
                Organization.legal_name,
                Listing.created_at,
                Listing.id,
            )
            .offset(offset)
            .limit(limit)
        )
        return [(listing, organization) for listing, organization in rows], int(total)

    async def first_photos(self, listing_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, ListingPhoto]:
        """The first photo of each of the listings that is active and has one (one statement): the
        photos of active listings are public."""
        rows = await self.session.execute(
            select(ListingPhoto)
            .join(Listing, Listing.id == ListingPhoto.listing_id)
            .where(
                equals_any(ListingPhoto.listing_id, list(listing_ids), Uuid),
                ListingPhoto.position == 1,
                Listing.status == ListingStatus.active,
            )
        )
        return {photo.listing_id: photo for photo in rows.scalars()}

    async def tiers_of_item(
        self, organization_ids: Collection[uuid.UUID], scheme: str, code: str, unit_code: str
    ) -> list[tuple[uuid.UUID, str, list[dict[str, str]]]]:
        """(producer, currency, price tiers) of the producers' active listings of one item in one unit."""
        rows = await self.session.execute(
            select(Listing.organization_id, Listing.currency, Listing.price_tiers).where(
                equals_any(Listing.organization_id, list(organization_ids), Uuid),
                Listing.classification_scheme == scheme,
                Listing.classification_code == code,
                Listing.unit_code == unit_code,
                Listing.status == ListingStatus.active,
            )
        )
        return [(row[0], row[1], row[2]) for row in rows]

    async def classified_of_hub_sellers(
        self, hub_id: uuid.UUID, scheme: str, digits_prefix: str
    ) -> list[tuple[uuid.UUID, str, list[str]]]:
        """(producer, classification code, ships to) of the active listings of the selling organisations
        admitted to the hub whose classification in `scheme` begins with the digits `digits_prefix`."""
        digits = func.regexp_replace(Listing.classification_code, "[^0-9]", "", "g")
        rows = await self.session.execute(
            select(Listing.organization_id, Listing.classification_code, Listing.ships_to)
            .join(HubMembership, HubMembership.organization_id == Listing.organization_id)
            .join(Organization, Organization.id == Listing.organization_id)
            .where(
                HubMembership.hub_id == hub_id,
                HubMembership.status == HubMembershipStatus.admitted,
                Organization.kind.in_([OrganizationKind.producer, OrganizationKind.both]),
                Listing.status == ListingStatus.active,
                Listing.classification_scheme == scheme,
                digits.startswith(digits_prefix, autoescape=True),
            )
            .order_by(Listing.organization_id, Listing.id)
        )
        return [(row[0], row[1], list(row[2])) for row in rows]

    async def ids_priced_in(self, currencies: Collection[str]) -> list[uuid.UUID]:
        rows = await self.session.execute(select(Listing.id).where(Listing.currency.in_(list(currencies))))
        return list(rows.scalars())

    async def id_batch(self, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
        """The next `limit` listing ids in id order after `after` (keyset paging over every listing)."""
        statement = select(Listing.id).order_by(Listing.id).limit(limit)
        if after is not None:
            statement = statement.where(Listing.id > after)
        return list((await self.session.execute(statement)).scalars())
