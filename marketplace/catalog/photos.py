"""A listing's photos: its producer's members add (at most `MAX_PHOTOS`), describe, reorder and remove
them; whoever may read the listing sees them (an active listing's even without signing in).

An upload is turned into what is kept by `marketplace.catalog.images` (upright, sRGB, no metadata,
two sizes) and its files go to the file storage (`kernel.storage`) once the row is written, and
are deleted again if the transaction rolls back (`put_for_transaction`: no file is left behind); a
removed photo's files are deleted once the removal has committed (`jobs.delete_photo_files`).
"""

from __future__ import annotations

import uuid

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, codes, text
from kernel.auth import Principal
from kernel.errors import FieldProblems, InvalidInput, NotFound
from kernel.outbox import emit
from kernel.storage import FileStorage, StoredFile, put_for_transaction
from marketplace.catalog.images import PhotoVariant, process_photo
from marketplace.catalog.models import MAX_PHOTOS, ListingPhoto
from marketplace.catalog.repository import ListingRepository
from marketplace.catalog.schemas import MAX_ALT_TEXT, PhotoDescription, PhotoOrder, PhotoRead, PhotoUpload
from marketplace.catalog.service import VISIBLE_TO_ALL, ListingService
from marketplace.events import ListingPhotoRemoved

#: Where a photo's files are served (the catalog's HTTP endpoint).
PHOTO_PATH = "/api/v1/listings/{listing_id}/photos/{photo_id}/{variant}"


class PhotoNotFound(NotFound):
    slug = "photo-not-found"


def photo_key(listing_id: uuid.UUID, photo_id: uuid.UUID, variant: PhotoVariant) -> str:
    """The file storage key of one size of a photo (never reused: a photo's id is new)."""
    return f"listing-photos/{listing_id}/{photo_id}/{variant.value}"


def check_alt_text(alt_text: dict[str, str], field: str = "alt_text") -> dict[str, str]:
    """The descriptions keyed by canonical language tag, blank ones left out; `InvalidInput` naming
    every bad tag, a language given twice, and a text too long or with control characters."""
    problems = FieldProblems()
    result: dict[str, str] = {}
    for tag, value in alt_text.items():
        where = f"{field}.{tag}"
        language = problems.check(codes.language, tag, where)
        if not value.strip() or language is None:
            continue
        cleaned = problems.check(text.clean, value, where)
        if cleaned is None:
            continue
        if len(cleaned) > MAX_ALT_TEXT:
            problems.add(where, f"must be at most {MAX_ALT_TEXT} characters")
        elif language in result:
            problems.add(where, f"{language} is given twice")
        else:
            result[language] = cleaned
    problems.raise_if_any()
    return result


class ListingPhotoService:
    def __init__(self, session: AsyncSession, storage: FileStorage, listings: ListingService | None = None) -> None:
        """`listings`: the caller's own listing service, so a listing it read already is not read again."""
        self.session = session
        self.storage = storage
        self.repo = ListingRepository(session)
        self.listings = listings or ListingService(session)

    # --- reads ------------------------------------------------------------------

    async def photos(self, principal: Principal, listing_id: uuid.UUID) -> list[PhotoRead]:
        """The photos of a listing the caller may read (`ListingNotFound` otherwise), in their order."""
        await self.listings.readable(principal, listing_id)
        return [_photo_read(photo) for photo in await self.repo.photos(listing_id)]

    async def first_photos(self, listing_ids: list[uuid.UUID]) -> dict[uuid.UUID, PhotoRead]:
        """The first photo of each of the listings that is active and has one, as anyone may see it
        (a catalogue shows it beside each listing): one statement, whatever the number of listings."""
        return {
            listing_id: _photo_read(photo) for listing_id, photo in (await self.repo.first_photos(listing_ids)).items()
        }

    async def photos_to_manage(self, principal: Principal, listing_id: uuid.UUID) -> list[PhotoRead]:
        """The photos of a listing of the caller's producer organisation (`ListingNotFound` for anyone else)."""
        await self.listings.own(principal, listing_id)
        return [_photo_read(photo) for photo in await self.repo.photos(listing_id)]

    async def image(
        self, principal: Principal | None, listing_id: uuid.UUID, photo_id: uuid.UUID, variant: PhotoVariant
    ) -> tuple[StoredFile, bool]:
        """One size of a photo, and whether everyone may see it (the listing is active). Without a
        caller, only an active listing's photos are found; `ListingNotFound` or `PhotoNotFound` (404)."""
        listing = await self.listings.readable(principal, listing_id)
        photo = await self.repo.photo(listing_id, photo_id)
        stored = None if photo is None else await self.storage.get(photo_key(listing_id, photo_id, variant))
        if stored is None:
            raise PhotoNotFound("no such photo")
        return stored, listing.status in VISIBLE_TO_ALL

    # --- writes -----------------------------------------------------------------

    async def add(self, principal: Principal, listing_id: uuid.UUID, upload: PhotoUpload) -> PhotoRead:
        """A photo after the listing's others, made from a JPEG, PNG or WebP image (see
        `marketplace.catalog.images`) by a member of its producer (`ListingNotFound` for anyone else).

        Raises `InvalidInput` naming `file` (not an image, damaged, larger than 10 MB, too many pixels,
        or the listing already has `MAX_PHOTOS`) or `alt_text.<tag>`; `ListingArchived` (409).
        """
        listing = await self.listings.editable(principal, listing_id)
        problems = FieldProblems()
        alt_text = problems.check(check_alt_text, upload.alt_text)
        existing = await self.repo.photos(listing_id)
        if len(existing) >= MAX_PHOTOS:
            problems.add("file", f"a listing has at most {MAX_PHOTOS} photos: remove one first")
        problems.raise_if_any()
        processed = await anyio.to_thread.run_sync(process_photo, upload.content)
        large, thumbnail = processed.variants[PhotoVariant.large], processed.variants[PhotoVariant.thumbnail]
        photo = ListingPhoto(
            listing_id=listing_id,
            position=len(existing) + 1,
            alt_text=alt_text or {},
            content_type=processed.media_type,
            width=large.width,
            height=large.height,
            thumbnail_width=thumbnail.width,
            thumbnail_height=thumbnail.height,
            uploaded_by=principal.user_id,
        )
        await self.repo.add(photo)
        # After the row (whose id names the files): if storing fails, the row is rolled back with it;
        # if the transaction fails later (even its COMMIT), the files are deleted again.
        for variant, encoded in processed.variants.items():
            key = photo_key(listing_id, photo.id, variant)
            await put_for_transaction(self.session, self.storage, key, encoded.content, processed.media_type)
        read = _photo_read(photo)
        await self._audit(principal, listing.id, listing.organization_id, "photo_added", after=read)
        return read

    async def describe(
        self, principal: Principal, listing_id: uuid.UUID, photo_id: uuid.UUID, data: PhotoDescription
    ) -> PhotoRead:
        """Replace what the photo says it shows (`InvalidInput` naming `alt_text.<tag>`)."""
        listing = await self.listings.editable(principal, listing_id)
        photo = await self._photo(listing_id, photo_id)
        before = _photo_read(photo)
        photo.alt_text = check_alt_text(data.alt_text)
        await self.session.flush()
        read = _photo_read(photo)
        await self._audit(principal, listing.id, listing.organization_id, "photo_described", before=before, after=read)
        return read

    async def reorder(self, principal: Principal, listing_id: uuid.UUID, data: PhotoOrder) -> list[PhotoRead]:
        """Show the photos in the order given; `InvalidInput` naming `photo_ids` unless it lists every
        photo of the listing exactly once."""
        listing = await self.listings.editable(principal, listing_id)
        current = [photo.id for photo in await self.repo.photos(listing_id)]
        if len(set(data.photo_ids)) != len(data.photo_ids) or set(data.photo_ids) != set(current):
            raise InvalidInput.field("photo_ids", "must list every photo of the listing exactly once")
        await self.repo.reorder_photos(listing_id, data.photo_ids)
        photos = [_photo_read(photo) for photo in await self.repo.photos(listing_id)]
        await self._audit(
            principal,
            listing.id,
            listing.organization_id,
            "photos_reordered",
            before={"photo_ids": [str(i) for i in current]},
            after={"photo_ids": [str(photo.id) for photo in photos]},
        )
        return photos

    async def remove(self, principal: Principal, listing_id: uuid.UUID, photo_id: uuid.UUID) -> None:
        """Remove the photo (those after it move up); its files are deleted once this commits."""
        listing = await self.listings.editable(principal, listing_id)
        photo = await self._photo(listing_id, photo_id)
        before = _photo_read(photo)
        await self.repo.remove_photo(photo)
        await self._audit(principal, listing.id, listing.organization_id, "photo_removed", before=before)
        await emit(
            self.session,
            ListingPhotoRemoved(
                listing_id=listing.id,
                organization_id=listing.organization_id,
                photo_id=photo_id,
                file_keys=[photo_key(listing_id, photo_id, variant) for variant in PhotoVariant],
            ),
        )

    async def _photo(self, listing_id: uuid.UUID, photo_id: uuid.UUID) -> ListingPhoto:
        photo = await self.repo.photo(listing_id, photo_id)
        if photo is None:
            raise PhotoNotFound("no such photo")
        return photo

    async def _audit(
        self,
        principal: Principal,
        listing_id: uuid.UUID,
        organization_id: uuid.UUID,
        change: str,
        *,
        before: PhotoRead | dict[str, list[str]] | None = None,
        after: PhotoRead | dict[str, list[str]] | None = None,
    ) -> None:
        await audit.record(
            self.session,
            principal,
            f"listing.{change}",
            object_type="listing",
            object_id=listing_id,
            organization_id=organization_id,
            before=before,
            after=after,
        )


def _photo_read(photo: ListingPhoto) -> PhotoRead:
    def path(variant: PhotoVariant) -> str:
        return PHOTO_PATH.format(listing_id=photo.listing_id, photo_id=photo.id, variant=variant.value)

    return PhotoRead(
        id=photo.id,
        listing_id=photo.listing_id,
        position=photo.position,
        alt_text=dict(photo.alt_text),
        media_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        thumbnail_width=photo.thumbnail_width,
        thumbnail_height=photo.thumbnail_height,
        url=path(PhotoVariant.large),
        thumbnail_url=path(PhotoVariant.thumbnail),
        created_at=photo.created_at,
    )
