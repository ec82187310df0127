"""HTTP endpoints of the catalog: a producer's listings, reading, quoting and changing them, and their photos."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post, put
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import (
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
)
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.response import Stream

from kernel import codes
from kernel.auth import Principal
from kernel.errors import InvalidInput
from kernel.negotiation import accepted_languages
from kernel.openapi import answers_in
from kernel.pagination import Page
from kernel.storage import FileStorage
from kernel.validation import Day
from kernel.web import Caller, Paging, Session, SessionFactory, body_examples
from marketplace.catalog import listing_files
from marketplace.catalog.bulk import MAX_IMPORT_BYTES, ListingImport, export_listings
from marketplace.catalog.images import ACCEPTED_MEDIA_TYPES, MAX_PHOTO_BYTES, STORED_MEDIA_TYPE, PhotoVariant
from marketplace.catalog.models import ListingStatus
from marketplace.catalog.photos import ListingPhotoService
from marketplace.catalog.schemas import (
    LISTING_CREATE_EXAMPLE,
    PHOTO_DESCRIPTION_EXAMPLE,
    FileFormat,
    ImportMode,
    ImportReport,
    ListingCreate,
    ListingEligibility,
    ListingRead,
    ListingUpdate,
    PhotoDescription,
    PhotoOrder,
    PhotoRead,
    PhotoUpload,
    PriceChange,
    Quantity,
    Quote,
    RevisionRead,
    StockChange,
)
from marketplace.catalog.service import ListingService, Preference

Lang = Annotated[str | None, QueryParameter(name="lang", description="BCP 47 tag; wins over Accept-Language")]
AcceptLanguage = Annotated[str | None, HeaderParameter(name="Accept-Language")]


def provide_listing_service(db_session: Session) -> ListingService:
    return ListingService(db_session)


def provide_listing_import(db_session: Session) -> ListingImport:
    return ListingImport(db_session)


Listings = NamedDependency[ListingService]
ListingImports = NamedDependency[ListingImport]


def preference(lang: str | None, accept_language: str | None) -> Preference:
    if lang is not None:
        return Preference(languages=(codes.language(lang, "query:lang"),))
    return Preference(languages=tuple(accepted_languages(accept_language or "")))


@dataclass
class _ListingFileUpload(Operation):
    """Documents the raw file body, which Litestar cannot infer from a handler reading `request.body()`."""

    def __post_init__(self) -> None:
        file = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, description="The file, as is"))
        self.request_body = RequestBody(required=True, content=dict.fromkeys(listing_files.MEDIA_TYPES.values(), file))


class ProducerListingController(Controller):
    path = "/api/v1/organizations/{organization_id:uuid}/listings"
    tags = ["catalog"]
    dependencies = {
        "listing_service": Provide(provide_listing_service, sync_to_thread=False),
        "listing_import": Provide(provide_listing_import, sync_to_thread=False),
    }

    @post("/", summary="List goods (members of a producer organisation)")
    async def create(
        self,
        organization_id: FromPath[uuid.UUID],
        data: Annotated[ListingCreate, body_examples(LISTING_CREATE_EXAMPLE)],
        principal: Caller,
        listing_service: Listings,
    ) -> ListingRead:
        return await listing_service.create(principal, organization_id, data)

    @get(
        "/",
        summary="A producer's listings (all for its members, active ones for others)",
        description=(
            "Members of the organisation and coordinators of its hubs see every status. Anyone else sees the "
            "active listings; asking them for `status=paused` or `status=archived` is 403 `listings-not-public`."
        ),
    )
    async def list_listings(
        self,
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        listing_service: Listings,
        status: FromQuery[ListingStatus | None] = None,
        classification: Annotated[str | None, QueryParameter(description="Code prefix, e.g. 0311")] = None,
        *,
        paging: Paging,
        lang: Lang = None,
        accept_language: AcceptLanguage = None,
    ) -> Page[ListingRead]:
        return await listing_service.list_of_producer(
            principal,
            organization_id,
            status=status,
            classification_prefix=classification,
            page=paging,
            preference=preference(lang, accept_language),
        )

    @post(
        "/import",
        summary="Import listings from a CSV, XLSX or JSON lines file (all or nothing, with a row-by-row report)",
        description=(
            "The raw file is the body (at most 40 MiB; larger gets 413); its kind is `format`, else its "
            "Content-Type (text/csv, " + listing_files.XLSX_MEDIA_TYPE + ", application/x-ndjson), else CSV. "
            "CSV columns: "
            + ", ".join(listing_files.REQUIRED_COLUMNS)
            + ", title[<language>] (one or more), and optionally description[<language>], "
            + ", ".join(listing_files.OPTIONAL_COLUMNS)
            + ". Lists are separated by |, price tiers are min_quantity:unit_price pairs (1:48.00|20:44.00). "
            "A CSV may be separated by commas or semicolons (then numbers may have a decimal comma) and be in "
            "UTF-8, windows-1250 or windows-1252. An XLSX file has the same columns on its first sheet. "
            "A JSON line is the body of POST .../listings. A file with any bad row is rejected whole (422, "
            "`errors` lists row, field and message); `dry_run=true` checks without writing."
        ),
        status_code=200,
        request_max_body_size=MAX_IMPORT_BYTES,
        operation_class=_ListingFileUpload,
    )
    async def import_listings(
        self,
        organization_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        principal: Caller,
        listing_import: ListingImports,
        file_format: Annotated[
            FileFormat | None, QueryParameter(name="format", description="Defaults to the one the Content-Type names")
        ] = None,
        mode: FromQuery[ImportMode] = ImportMode.create,
        dry_run: FromQuery[bool] = False,
    ) -> ImportReport:
        # The raw body (Litestar would parse a `data` parameter as JSON), limited by `request_max_body_size`.
        body = await request.body()
        chosen = file_format or listing_files.format_of(request.content_type[0])
        return await listing_import.run(
            principal, organization_id, body, file_format=chosen, mode=mode, dry_run=dry_run
        )

    @get(
        "/export",
        summary="Download the active and paused listings as CSV, XLSX or JSON lines (importable as is)",
        media_type="text/csv",
        operation_class=answers_in(listing_files.MEDIA_TYPES[FileFormat.jsonl], listing_files.XLSX_MEDIA_TYPE),
    )
    async def export_listings(
        self,
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        listing_service: Listings,
        sessions: SessionFactory,
        file_format: Annotated[FileFormat, QueryParameter(name="format")] = FileFormat.csv,
    ) -> Stream:
        await listing_service.producer(principal, organization_id)
        return Stream(
            export_listings(sessions, organization_id, file_format),
            headers={
                # The handler's media type (for the OpenAPI document) would win over the Stream's.
                "Content-Type": listing_files.content_type(file_format),
                "Content-Disposition": f'attachment; filename="listings-{organization_id}.{file_format.value}"',
            },
        )


class ListingController(Controller):
    path = "/api/v1/listings"
    tags = ["catalog"]
    dependencies = {"listing_service": Provide(provide_listing_service, sync_to_thread=False)}

    @get("/{listing_id:uuid}", summary="One listing, in the caller's language where translated")
    async def read(
        self,
        listing_id: FromPath[uuid.UUID],
        principal: Caller,
        listing_service: Listings,
        lang: Lang = None,
        accept_language: AcceptLanguage = None,
    ) -> ListingRead:
        return await listing_service.read(principal, listing_id, preference(lang, accept_language))

    @patch("/{listing_id:uuid}", summary="Change descriptive fields or the VAT category")
    async def update(
        self,
        listing_id: FromPath[uuid.UUID],
        data: JSONBody[ListingUpdate],
        principal: Caller,
        listing_service: Listings,
    ) -> ListingRead:
        return await listing_service.update(principal, listing_id, data)

    @put("/{listing_id:uuid}/prices", summary="Replace the volume price tiers (new version)")
    async def change_prices(
        self, listing_id: FromPath[uuid.UUID], data: JSONBody[PriceChange], principal: Caller, listing_service: Listings
    ) -> ListingRead:
        return await listing_service.change_prices(principal, listing_id, data)

    @put("/{listing_id:uuid}/stock", summary="Set or adjust the stock on hand (new version)")
    async def change_stock(
        self, listing_id: FromPath[uuid.UUID], data: JSONBody[StockChange], principal: Caller, listing_service: Listings
    ) -> ListingRead:
        return await listing_service.change_stock(principal, listing_id, data)

    @post("/{listing_id:uuid}/pause", summary="Hide from buyers for now", status_code=200)
    async def pause(self, listing_id: FromPath[uuid.UUID], principal: Caller, listing_service: Listings) -> ListingRead:
        return await listing_service.set_status(principal, listing_id, ListingStatus.paused)

    @post("/{listing_id:uuid}/activate", summary="Offer to buyers again", status_code=200)
    async def activate(
        self, listing_id: FromPath[uuid.UUID], principal: Caller, listing_service: Listings
    ) -> ListingRead:
        return await listing_service.set_status(principal, listing_id, ListingStatus.active)

    @post("/{listing_id:uuid}/archive", summary="Withdraw for good (history is kept)", status_code=200)
    async def archive(
        self, listing_id: FromPath[uuid.UUID], principal: Caller, listing_service: Listings
    ) -> ListingRead:
        return await listing_service.set_status(principal, listing_id, ListingStatus.archived)

    @get("/{listing_id:uuid}/versions", summary="Price and stock history, one entry per version")
    async def versions(
        self, listing_id: FromPath[uuid.UUID], principal: Caller, listing_service: Listings
    ) -> list[RevisionRead]:
        return await listing_service.revisions(principal, listing_id)

    @get(
        "/{listing_id:uuid}/eligibility", summary="May it be sold and shipped into a jurisdiction? Unmet rules in words"
    )
    async def eligibility(
        self,
        listing_id: FromPath[uuid.UUID],
        principal: Caller,
        destination: Annotated[str, QueryParameter(description="ISO 3166-1 or 3166-2, e.g. DE or DE-SN")],
        listing_service: Listings,
        on: Annotated[Day | None, QueryParameter(description="Defaults to today (UTC)")] = None,
    ) -> ListingEligibility:
        return await listing_service.eligibility(principal, listing_id, destination, on)

    @get("/{listing_id:uuid}/quote", summary="Price a quantity, optionally converted to another currency")
    async def quote(
        self,
        listing_id: FromPath[uuid.UUID],
        principal: Caller,
        quantity: Annotated[Quantity, QueryParameter(description="In the listing's unit")],
        listing_service: Listings,
        currency: Annotated[str | None, QueryParameter(description="ISO 4217; adds `converted`")] = None,
        on: Annotated[Day | None, QueryParameter(description="FX date; defaults to today (UTC)")] = None,
        buyer_organization_id: Annotated[
            uuid.UUID | None,
            QueryParameter(description="Your buying organisation; adds the `vat` its checkout would charge"),
        ] = None,
    ) -> Quote:
        return await listing_service.quote(principal, listing_id, quantity, currency, on, buyer_organization_id)


# --- photos ------------------------------------------------------------------------

#: The largest photo upload body: room for a file well over the 10 MB a photo may have, so that
#: one a little too large is told so by its field (422) rather than refused whole (413).
MAX_PHOTO_BODY_BYTES = 2 * MAX_PHOTO_BYTES
#: A year: a photo's address always shows the same image (a new photo gets a new address).
PHOTO_MAX_AGE_SECONDS = 365 * 24 * 3600
_ALT_TEXT_FIELD = re.compile(r"alt_text\[([^\]]{1,35})\]")


def provide_photo_service(db_session: Session, file_storage: NamedDependency[FileStorage]) -> ListingPhotoService:
    return ListingPhotoService(db_session, file_storage)


Photos = NamedDependency[ListingPhotoService]


async def read_photo_upload(request: Request[Any, Any, Any]) -> PhotoUpload:
    """The photo a multipart form sends: the image in its `file` field, what it shows in `alt_text[<tag>]`
    fields (the web pages' form sends the same). `InvalidInput` naming `file` when it sends no file."""
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise InvalidInput.field("file", "is required")
    try:
        content = await file.read()
    finally:
        await file.close()
    alt_text = {}
    for key, value in form.multi_items():
        if isinstance(value, str) and (match := _ALT_TEXT_FIELD.fullmatch(key)):
            alt_text[match.group(1)] = value
    return PhotoUpload(content=content, alt_text=alt_text)


@dataclass
class _PhotoUpload(Operation):
    """Documents the multipart body, which Litestar cannot infer from a handler reading `request.form()`."""

    def __post_init__(self) -> None:
        form = Schema(
            type=OpenAPIType.OBJECT,
            required=["file"],
            properties={
                "file": Schema(
                    type=OpenAPIType.STRING,
                    format=OpenAPIFormat.BINARY,
                    description=f"A JPEG, PNG or WebP image ({', '.join(ACCEPTED_MEDIA_TYPES)}), at most 10 MB",
                )
            },
            additional_properties=Schema(
                type=OpenAPIType.STRING,
                description="`alt_text[<language>]`: what the photo shows, in that language (at most 300 characters)",
            ),
        )
        self.request_body = RequestBody(
            required=True, content={RequestEncodingType.MULTI_PART.value: OpenAPIMediaType(schema=form)}
        )


class ListingPhotoController(Controller):
    path = "/api/v1/listings/{listing_id:uuid}/photos"
    tags = ["catalog"]
    dependencies = {"photo_service": Provide(provide_photo_service, sync_to_thread=False)}

    @post(
        "/",
        summary="Add a photo (members of the producer; at most 8 a listing)",
        description=(
            "A multipart form: the image in `file` (JPEG, PNG or WebP, at most 10 MB; its name and claimed type "
            "do not matter) and, optionally, what it shows in `alt_text[<language>]` fields. The image is turned "
            "upright by its EXIF orientation, converted to sRGB and kept without any metadata (no EXIF, GPS, ICC "
            "profile or comment) as WebP, at most 1600 px (`large`) and 400 px (`thumbnail`) on its longer side. "
            "Not an image, damaged, too large, more pixels than the decoder allows, or a ninth photo: 422 "
            "naming `file`."
        ),
        request_max_body_size=MAX_PHOTO_BODY_BYTES,
        operation_class=_PhotoUpload,
        opt={"problems": (413, 415, 422)},
    )
    async def add(
        self, listing_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], principal: Caller, photo_service: Photos
    ) -> PhotoRead:
        return await photo_service.add(principal, listing_id, await read_photo_upload(request))

    @get("/", summary="A listing's photos, in their order (whoever may read the listing)")
    async def list_photos(
        self, listing_id: FromPath[uuid.UUID], principal: Caller, photo_service: Photos
    ) -> list[PhotoRead]:
        return await photo_service.photos(principal, listing_id)

    @put("/order", summary="Show the photos in this order (every photo of the listing, each once)")
    async def reorder(
        self, listing_id: FromPath[uuid.UUID], data: JSONBody[PhotoOrder], principal: Caller, photo_service: Photos
    ) -> list[PhotoRead]:
        return await photo_service.reorder(principal, listing_id, data)

    @patch("/{photo_id:uuid}", summary="Say what the photo shows, in each language")
    async def describe(
        self,
        listing_id: FromPath[uuid.UUID],
        photo_id: FromPath[uuid.UUID],
        data: Annotated[PhotoDescription, body_examples(PHOTO_DESCRIPTION_EXAMPLE)],
        principal: Caller,
        photo_service: Photos,
    ) -> PhotoRead:
        return await photo_service.describe(principal, listing_id, photo_id, data)

    @delete("/{photo_id:uuid}", summary="Remove a photo (those after it move up)")
    async def remove(
        self, listing_id: FromPath[uuid.UUID], photo_id: FromPath[uuid.UUID], principal: Caller, photo_service: Photos
    ) -> None:
        await photo_service.remove(principal, listing_id, photo_id)

    @get(
        "/{photo_id:uuid}/{variant:str}",
        summary="A photo's image: large or thumbnail (no sign-in needed for an active listing's)",
        description=(
            "WebP. An active listing's photos are public (`Cache-Control: public`); a paused or archived "
            "listing's are served to its producer's members and its hubs' coordinators only."
        ),
        media_type=STORED_MEDIA_TYPE,
        operation_class=answers_in(binary=True),
    )
    async def image(
        self,
        listing_id: FromPath[uuid.UUID],
        photo_id: FromPath[uuid.UUID],
        variant: FromPath[PhotoVariant],
        principal_if_any: NamedDependency[Principal | None],
        photo_service: Photos,
    ) -> Response[bytes]:
        stored, public = await photo_service.image(principal_if_any, listing_id, photo_id, variant)
        scope = "public" if public else "private"
        return Response(
            stored.content,
            media_type=stored.content_type,
            headers={
                "Cache-Control": f"{scope}, max-age={PHOTO_MAX_AGE_SECONDS}, immutable",
                "X-Content-Type-Options": "nosniff",
            },
        )
