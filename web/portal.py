"""The public tender portal of each hub (`/portal/<hub>`), no sign-in: its open and past tenders with
their lots, deadlines, required credentials and results, each linked to its OCDS record and the
release feed, and how to become one of its suppliers."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.pagination import MAX_PER_PAGE, PageParams, page_params
from marketplace.compliance.service import ComplianceService
from marketplace.hub.schemas import HubRead
from marketplace.hub.service import HubService
from procurement.award.schemas import AwardRead
from procurement.award.service import AwardService
from procurement.settings import ProcurementSettings
from procurement.tender.errors import TenderNotFound
from procurement.tender.service import TenderService
from web.page import Reader, page
from web.places import place_name
from web.rule_words import goods_words
from web.tender_views import tender_view
from web.words import credential_name

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
Settings = NamedDependency[ProcurementSettings]
PER_PAGE = 20


class PortalPages(Controller):
    path = "/portal"
    include_in_schema = False

    @get("/", name="portal")
    async def hubs(self, reader: ThisReader, db_session: Session) -> Template:
        found = await HubService(db_session).list_hubs(None, PageParams(page=1, per_page=MAX_PER_PAGE))
        return page(reader, "portal/hubs.jinja", hubs=found.items)

    @get("/{hub_id:uuid}", name="hub-portal")
    async def hub(
        self,
        hub_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Settings,
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        hub = await _hub(db_session, hub_id)
        tenders = _tenders(db_session, procurement_settings, reader)
        everything = PageParams(page=1, per_page=MAX_PER_PAGE)
        open_now = await tenders.list_public(hub_id, None, everything, open_now=True)
        paging = page_params(max(page_number, 1), PER_PAGE)
        past = await tenders.list_public(hub_id, None, paging, open_now=False)
        return page(
            reader,
            "portal/hub.jinja",
            hub=hub,
            open_now=[tender_view(reader, tender, hub.name) for tender in open_now.items],
            past=[tender_view(reader, tender, hub.name) for tender in past.items],
            page_number=paging.page,
            pages=max(1, -(-past.total // PER_PAGE)),
        )

    @get("/{hub_id:uuid}/tenders/{tender_id:uuid}", name="portal-tender")
    async def tender(
        self,
        hub_id: FromPath[uuid.UUID],
        tender_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Settings,
    ) -> Template:
        hub = await _hub(db_session, hub_id)
        tender = await _tenders(db_session, procurement_settings, reader).read_public(tender_id)
        if tender.hub_id != hub.id:
            raise TenderNotFound("no such tender in this hub")
        award: AwardRead = await AwardService(db_session).read(None, tender_id)
        return page(reader, "portal/tender.jinja", hub=hub, view=tender_view(reader, tender, hub.name), award=award)

    @get("/{hub_id:uuid}/become-a-supplier", name="become-a-supplier")
    async def become_a_supplier(self, hub_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session) -> Template:
        hub = await _hub(db_session, hub_id)
        requirements = await ComplianceService(db_session).requirements(
            None, hub_id, destination=None, credential_type=None, page=PageParams(page=1, per_page=MAX_PER_PAGE)
        )
        required = sorted(
            {
                (
                    credential_name(r.credential_type, reader.gettext),
                    goods_words(reader, r.classification_scheme.value, r.classification_prefix),
                    place_name(r.destination, reader.language),
                )
                for r in requirements.items
            }
        )
        places = [place_name(code, reader.language) for code in hub.jurisdictions]
        return page(reader, "portal/become_a_supplier.jinja", hub=hub, required=required, places=places)


async def _hub(db_session: AsyncSession, hub_id: uuid.UUID) -> HubRead:
    """The hub (`HubNotFound`, a 404 page, when there is none): hubs are public."""
    return await HubService(db_session).read_public(hub_id)


def _tenders(db_session: AsyncSession, settings: ProcurementSettings, reader: Reader) -> TenderService:
    return TenderService(db_session, settings.ocid_prefix, [reader.language])
