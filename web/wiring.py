"""The web application's part of the service: its pages, their static files and dependencies."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.di import Provide
from litestar.static_files import create_static_files_router

from kernel.contribution import Contribution, provide_value
from web.account import AccountPages
from web.advance_status import AdvanceStatusPages
from web.advances import AdvancePages
from web.bids import BidPages
from web.billing import BillingPages
from web.cart import CartPages
from web.catalogue import CataloguePages
from web.consortia import ConsortiumPages
from web.credentials import CredentialPages
from web.dashboards import DashboardPages
from web.discovery import DiscoveryPages
from web.disputes import DisputePages
from web.errors import PAGE_EXCEPTION_HANDLERS
from web.home import HomePage
from web.hub_awards import HubAwardPages
from web.hub_disputes import HubDisputePages
from web.hub_pools import HubPoolPages
from web.hub_settings import HubSettingsPages
from web.hub_tenders import HubTenderPages
from web.hub_vocabulary import HubVocabularyPages
from web.hubs import HubPages
from web.inbox import InboxPages
from web.invoice_documents import InvoiceDocumentPages
from web.listing_import import ListingImportPages
from web.listing_photos import ListingPhotoPages
from web.listings import ListingPages
from web.orders import OrderPages
from web.organizations import OrganizationPages
from web.page import read_reader
from web.payouts import PayoutPages
from web.pools import PoolPages
from web.portal import PortalPages
from web.profile import ProfilePages
from web.settings import WebSettings

STATIC = Path(__file__).parent / "static"


def register(settings: WebSettings) -> Contribution:
    pages = Router(
        path="/",
        route_handlers=[
            HomePage,
            AccountPages,
            InboxPages,
            ProfilePages,
            DiscoveryPages,
            OrganizationPages,
            CredentialPages,
            BillingPages,
            PoolPages,
            HubPages,
            HubPoolPages,
            HubTenderPages,
            HubAwardPages,
            HubSettingsPages,
            HubVocabularyPages,
            HubDisputePages,
            BidPages,
            DisputePages,
            CartPages,
            OrderPages,
            InvoiceDocumentPages,
            PayoutPages,
            AdvancePages,
            AdvanceStatusPages,
            ConsortiumPages,
            ListingPages,
            ListingPhotoPages,
            ListingImportPages,
            PortalPages,
            DashboardPages,
            CataloguePages,
        ],
        dependencies={"reader": Provide(read_reader)},
        exception_handlers=PAGE_EXCEPTION_HANDLERS,
        include_in_schema=False,
    )
    static = create_static_files_router(
        path="/static", directories=[STATIC], include_in_schema=False, cache_control=None, name="static"
    )
    return Contribution(route_handlers=[pages, static], dependencies={"web_settings": provide_value(settings)})
