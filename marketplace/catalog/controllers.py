"""HTTP endpoints of the catalog: a producer's listings, reading, quoting and changing them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Controller, Request, get, patch, post, put
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, FromQuery, HeaderParameter, JSONBody, QueryParameter
from litestar.response import Stream

from kernel import codes
from kernel.negotiation import accepted_languages
from kernel.openapi import answers_in
from kernel.pagination import Page
from kernel.validation import Day
from kernel.web import Caller, Paging, Session, SessionFactory, body_examples
from marketplace.catalog import listing_files
from marketplace.catalog.bulk import MAX_IMPORT_BYTES, ListingImport, export_listings
from marketplace.catalog.models import ListingStatus
from marketplace.catalog.schemas import (
    LISTING_CREATE_EXAMPLE,
    FileFormat,
    ImportMode,
    ImportReport,
    ListingCreate,
    ListingEligibility,
    ListingRead,
    ListingUpdate,
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
        summary="Import listings from a CSV or JSON lines file (all or nothing, with a row-by-row report)",
        description=(
            "The raw file is the body (at most 40 MiB; larger gets 413). CSV columns: "
            + ", ".join(listing_files.REQUIRED_COLUMNS)
            + ", title[<language>] (one or more), and optionally description[<language>], "
            + ", ".join(listing_files.OPTIONAL_COLUMNS)
            + ". Lists are separated by |, price tiers are min_quantity:unit_price pairs (1:48.00|20:44.00). "
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
        file_format: Annotated[FileFormat, QueryParameter(name="format")] = FileFormat.csv,
        mode: FromQuery[ImportMode] = ImportMode.create,
        dry_run: FromQuery[bool] = False,
    ) -> ImportReport:
        # The raw body (Litestar would parse a `data` parameter as JSON), limited by `request_max_body_size`.
        body = await request.body()
        return await listing_import.run(
            principal, organization_id, body, file_format=file_format, mode=mode, dry_run=dry_run
        )

    @get(
        "/export",
        summary="Download the active and paused listings as CSV or JSON lines (importable as is)",
        media_type="text/csv",
        operation_class=answers_in(listing_files.MEDIA_TYPES[FileFormat.jsonl]),
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
            media_type=listing_files.MEDIA_TYPES[file_format],
            headers={"Content-Disposition": f'attachment; filename="listings-{organization_id}.{file_format.value}"'},
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

    @patch("/{listing_id:uuid}", summary="Change descriptive fields")
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
    ) -> Quote:
        return await listing_service.quote(principal, listing_id, quantity, currency, on)
