"""Public OCDS endpoints (no sign-in): a tender's release package, the release feed, records."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.datastructures import ResponseHeader
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from kernel.validation import Timestamp
from kernel.web import Session
from procurement.ocds import service
from procurement.settings import ProcurementSettings


class OcdsController(Controller):
    path = "/api/v1/ocds"
    tags = ["open data"]

    @get(
        "/releases",
        summary="Every release in publication order (OCDS release package; the `Link` header's `next` pages on)",
        response_headers=[
            ResponseHeader(
                name="Link",
                documentation_only=True,
                description='`<URL of the next page>; rel="next"` (RFC 8288), absent on the last page',
            )
        ],
    )
    async def feed(
        self,
        request: Request[Any, Any, Any],
        db_session: Session,
        procurement_settings: NamedDependency[ProcurementSettings],
        since: FromQuery[Timestamp | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int] = service.MAX_FEED_PAGE,
    ) -> Response[dict[str, Any]]:
        page = await service.feed(db_session, procurement_settings, str(request.url), since, cursor, limit)
        # RFC 8288: the next page's URL beside the package, as OCDS 1.1 packages have no field for it.
        headers = {"Link": f'<{page.next}>; rel="next"'} if page.next else {}
        return Response(page.package, headers=headers)

    @get("/tenders/{tender_id:uuid}", summary="Every release of one tender (OCDS release package)")
    async def tender_package(
        self,
        request: Request[Any, Any, Any],
        tender_id: FromPath[uuid.UUID],
        db_session: Session,
        procurement_settings: NamedDependency[ProcurementSettings],
    ) -> dict[str, Any]:
        return await service.tender_package(db_session, procurement_settings, tender_id, str(request.url))

    @get("/records/{ocid:str}", summary="The record of one ocid: its releases and the compiled release (ocdsmerge)")
    async def record(
        self,
        request: Request[Any, Any, Any],
        ocid: FromPath[str],
        db_session: Session,
        procurement_settings: NamedDependency[ProcurementSettings],
    ) -> dict[str, Any]:
        return await service.record_package(db_session, procurement_settings, ocid, str(request.url))
