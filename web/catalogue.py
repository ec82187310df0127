"""The public catalogue preview of each hub (`/portal/<hub>/catalogue`), no sign-in: what the hub's
admitted producers offer, goods of a kind together, twenty to a page, so that a buyer across the
border sees what the hub offers before joining it. Each listing with its title in the reader's
language where its producer wrote one (else the producer's own, marked with its language), its
producer and town, its first photo, and its price ("from 40,50 zł per kg") unless the hub chose to
show none (`PUT /api/v1/hubs/{id}/public-catalogue`).

It calls `ListingService.hub_catalogue` and `ListingPhotoService.first_photos`: a fixed number of
statements per page, whatever the number of listings.
"""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.pagination import MAX_PAGE, page_params
from kernel.storage import FileStorage
from marketplace.api import classification_name, shown_classification
from marketplace.catalog.photos import ListingPhotoService
from marketplace.catalog.schemas import CatalogueEntry, PhotoRead
from marketplace.catalog.service import ListingService, Preference
from web.page import Reader, page
from web.places import place_name

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
Storage = NamedDependency[FileStorage]
#: Listings on one page of the catalogue.
PER_PAGE = 20


@dataclass(frozen=True)
class Offer:
    """One offered listing as the catalogue shows it: texts in the reader's language, amounts formatted."""

    id: uuid.UUID
    title: str
    language: str
    """Of the title (the producer's own language where it wrote none in the reader's)."""
    producer: str
    place: str
    """The producer's town and region, by name."""
    price: str | None
    """`from 40,50 zł per kg`; None when the hub shows no prices."""
    in_stock: bool
    photo: PhotoRead | None
    alt: str
    """What the photo shows, in `alt_language` (empty: not described; the title says what it is)."""
    alt_language: str | None


@dataclass(frozen=True)
class Category:
    """Goods of one kind on the page, under their category's name."""

    name: str
    offers: list[Offer]


def _category(entry: CatalogueEntry, reader: Reader) -> str:
    scheme, code = entry.classification.scheme, entry.classification.code
    name = classification_name(scheme, code, reader.language)
    if name is not None:
        return name
    return reader.gettext("Goods classified as %(code)s") % {
        "code": f"{scheme.value} {shown_classification(scheme, code)}"
    }


def _place(entry: CatalogueEntry, reader: Reader) -> str:
    region = place_name(entry.producer_subdivision or entry.producer_country, reader.language)
    if not entry.producer_municipality:
        return region
    return reader.gettext("%(town)s, %(region)s") % {"town": entry.producer_municipality, "region": region}


def _offer(entry: CatalogueEntry, photo: PhotoRead | None, reader: Reader) -> Offer:
    f = reader.formats
    price = None
    if entry.lowest_unit_price is not None:
        price = reader.gettext("from %(price)s per %(unit)s") % {
            "price": f.amount(entry.lowest_unit_price, entry.currency),
            "unit": f.unit(entry.unit),
        }
    alt_language = None
    if photo is not None:
        # Described in the title's language, else the reader's, else any the producer wrote.
        alt_language = next(
            (
                tag
                for tag in (entry.language, reader.language, reader.catalog_language, *photo.alt_text)
                if tag in photo.alt_text
            ),
            None,
        )
    return Offer(
        id=entry.id,
        title=entry.title,
        language=entry.language,
        producer=entry.producer_name,
        place=_place(entry, reader),
        price=price,
        in_stock=entry.in_stock,
        photo=photo,
        alt=photo.alt_text[alt_language] if photo is not None and alt_language is not None else "",
        alt_language=alt_language,
    )


def categories(entries: list[CatalogueEntry], photos: dict[uuid.UUID, PhotoRead], reader: Reader) -> list[Category]:
    """The page's listings under their categories' names, in the order the service gives them (goods
    of a kind together)."""
    offers = [(_category(entry, reader), _offer(entry, photos.get(entry.id), reader)) for entry in entries]
    return [
        Category(name=name, offers=[offer for _, offer in group])
        for name, group in itertools.groupby(offers, key=lambda item: item[0])
    ]


class CataloguePages(Controller):
    path = "/portal"
    include_in_schema = False

    @get("/{hub_id:uuid}/catalogue", name="hub-catalogue")
    async def catalogue(
        self,
        hub_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        """One page of what the hub's producers offer (the not-found page for a hub there is not)."""
        paging = page_params(min(max(page_number, 1), MAX_PAGE), PER_PAGE)
        listings = ListingService(db_session)
        catalogue = await listings.hub_catalogue(hub_id, paging, Preference(languages=(reader.language,)))
        entries = catalogue.listings.items
        photos = await ListingPhotoService(db_session, file_storage, listings).first_photos([e.id for e in entries])
        return page(
            reader,
            "portal/catalogue.jinja",
            hub=catalogue.hub,
            shows_prices=catalogue.shows_prices,
            total=catalogue.listings.total,
            categories=categories(entries, photos, reader),
            page_number=paging.page,
            pages=max(1, -(-catalogue.listings.total // PER_PAGE)),
        )
