"""A listing's photos as a page, for the members of its producer: the photos in their order, each
with its thumbnail and what it shows in each of the listing's languages (to change), buttons to move
it up or down and to remove it, and a form to upload one more.

Everything goes through `ListingPhotoService`, as the JSON API (`marketplace.catalog.controllers`)
calls it; the upload form sends what the API's multipart body does (`file`, `alt_text[<tag>]`), read
by the same `read_photo_upload`. A file the service refuses (no image, damaged, too large, too many
pixels, a ninth photo) shows the page again (422) with the reason beside the file field; anyone but
the producer's members gets the not-found page.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import InvalidInput
from kernel.storage import FileStorage
from kernel.validation import convert
from marketplace.catalog.controllers import MAX_PHOTO_BODY_BYTES, read_photo_upload
from marketplace.catalog.images import ACCEPTED_MEDIA_TYPES, MAX_PHOTO_BYTES
from marketplace.catalog.models import MAX_PHOTOS, ListingStatus
from marketplace.catalog.photos import ListingPhotoService, PhotoNotFound
from marketplace.catalog.schemas import ListingRead, PhotoDescription, PhotoOrder, PhotoRead
from marketplace.catalog.service import ListingService, Preference
from web.i18n import language_name
from web.page import Form, Reader, form_values, page, see_other

Session = NamedDependency[AsyncSession]
Storage = NamedDependency[FileStorage]
ThisReader = NamedDependency[Reader]


def _photos_path(listing_id: uuid.UUID) -> str:
    return f"/listings/{listing_id}/photos"


def _alt_texts(values: Mapping[str, str], tags: list[str]) -> dict[str, str]:
    """The `alt_text[<tag>]` fields of a posted form, for the listing's languages."""
    return {tag: values.get(f"alt_text[{tag}]", "") for tag in tags}


def _languages(listing: ListingRead) -> list[str]:
    """The languages of the listing's texts, its default first: its photos are described in them."""
    return sorted(listing.translations, key=lambda tag: (tag != listing.default_language, tag))


async def _listing(
    session: AsyncSession, storage: FileStorage, reader: Reader, principal: Principal, listing_id: uuid.UUID
) -> tuple[ListingRead, list[PhotoRead]]:
    """The listing and its photos, for a member of its producer (the not-found page for anyone else)."""
    photos = await ListingPhotoService(session, storage).photos_to_manage(principal, listing_id)
    listing = await ListingService(session).read(principal, listing_id, Preference(languages=(reader.language,)))
    return listing, photos


class ListingPhotoPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/listings/{listing_id:uuid}/photos")
    async def photos(
        self, listing_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session, file_storage: Storage
    ) -> Template:
        principal = reader.require()
        listing, photos = await _listing(db_session, file_storage, reader, principal, listing_id)
        return _page(reader, listing, photos, Form())

    @post("/listings/{listing_id:uuid}/photos", request_max_body_size=MAX_PHOTO_BODY_BYTES)
    async def upload(
        self,
        listing_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
    ) -> Template | Redirect:
        principal = reader.require()
        listing, photos = await _listing(db_session, file_storage, reader, principal, listing_id)
        tags = _languages(listing)
        posted = _alt_texts(await form_values(request), tags)
        form = Form(values={f"new-alt-{tag}": text for tag, text in posted.items()})
        try:
            upload = await read_photo_upload(request)
            await ListingPhotoService(db_session, file_storage).add(principal, listing_id, upload)
        except InvalidInput as error:
            form.note(error, reader, {f"$.alt_text.{tag}": f"new-alt-{tag}" for tag in tags})
            return _page(reader, listing, photos, form, status_code=422)
        return see_other(_photos_path(listing_id), notice="photo-added")

    @post("/listings/{listing_id:uuid}/photos/{photo_id:uuid}/description")
    async def describe(
        self,
        listing_id: FromPath[uuid.UUID],
        photo_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
    ) -> Template | Redirect:
        principal = reader.require()
        listing, photos = await _listing(db_session, file_storage, reader, principal, listing_id)
        photo = _photo(photos, photo_id)
        tags = _languages(listing)
        posted = _alt_texts(await form_values(request), tags)
        prefix = f"alt-{photo.position}-"
        form = Form(values={f"{prefix}{tag}": text for tag, text in posted.items()})
        service = ListingPhotoService(db_session, file_storage)
        try:
            await service.describe(principal, listing_id, photo_id, convert({"alt_text": posted}, PhotoDescription))
        except InvalidInput as error:
            form.note(error, reader, {f"$.alt_text.{tag}": f"{prefix}{tag}" for tag in tags})
            return _page(reader, listing, photos, form, status_code=422)
        return see_other(_photos_path(listing_id), notice="photo-described")

    @post("/listings/{listing_id:uuid}/photos/{photo_id:uuid}/move")
    async def move(
        self,
        listing_id: FromPath[uuid.UUID],
        photo_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
    ) -> Redirect:
        """One place earlier (`direction=up`) or later (`down`) among the listing's photos."""
        principal = reader.require()
        service = ListingPhotoService(db_session, file_storage)
        order = [photo.id for photo in await service.photos_to_manage(principal, listing_id)]
        place = order.index(_photo_id(order, photo_id))
        direction = (await form_values(request)).get("direction")
        if direction not in {"up", "down"}:
            raise InvalidInput.field("direction", "must be one of: up, down")
        other = place - 1 if direction == "up" else place + 1
        if 0 <= other < len(order):
            order[place], order[other] = order[other], order[place]
            await service.reorder(principal, listing_id, PhotoOrder(photo_ids=order))
        return see_other(_photos_path(listing_id), notice="photos-reordered")

    @post("/listings/{listing_id:uuid}/photos/{photo_id:uuid}/remove")
    async def remove(
        self,
        listing_id: FromPath[uuid.UUID],
        photo_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
    ) -> Redirect:
        principal = reader.require()
        await ListingPhotoService(db_session, file_storage).remove(principal, listing_id, photo_id)
        return see_other(_photos_path(listing_id), notice="photo-removed")


def _photo(photos: list[PhotoRead], photo_id: uuid.UUID) -> PhotoRead:
    for photo in photos:
        if photo.id == photo_id:
            return photo
    raise PhotoNotFound("no such photo")


def _photo_id(order: list[uuid.UUID], photo_id: uuid.UUID) -> uuid.UUID:
    if photo_id not in order:
        raise PhotoNotFound("no such photo")
    return photo_id


def _shown_alt(photo: PhotoRead, listing: ListingRead) -> str | None:
    """The language of the description a thumbnail shows: the one the listing is shown in to the reader,
    else its default one, else any (None: the photo says nothing yet)."""
    for tag in (listing.language, listing.default_language, *photo.alt_text):
        if tag in photo.alt_text:
            return tag
    return None


def _page(
    reader: Reader, listing: ListingRead, photos: list[PhotoRead], form: Form, status_code: int = 200
) -> Template:
    return page(
        reader,
        "listing_photos/photos.jinja",
        status_code=status_code,
        form=form,
        listing=listing,
        photos=photos,
        shown_alt={photo.id: _shown_alt(photo, listing) for photo in photos},
        photo_languages=[(tag, language_name(tag, reader.formats.locale)) for tag in _languages(listing)],
        changeable=listing.status is not ListingStatus.archived,
        max_photos=MAX_PHOTOS,
        max_megabytes=MAX_PHOTO_BYTES // (1024 * 1024),
        accept=",".join(ACCEPTED_MEDIA_TYPES),
    )
