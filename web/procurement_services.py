"""The procurement services as the pages build them, the way the JSON API's controllers do: one
place that knows which settings and languages each takes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from procurement.settings import ProcurementSettings
from procurement.tender.service import TenderService
from web.page import Reader


def tender_service(db_session: AsyncSession, settings: ProcurementSettings, reader: Reader) -> TenderService:
    """The tender service, its item texts in the reader's language (`procurement.tender.controllers`)."""
    return TenderService(db_session, settings.ocid_prefix, [reader.language])
