"""The composition root: builds the Litestar app, mounts every router, registers subscribers and jobs.

This is the only module that imports every package; everything else depends
only downwards (see the import-linter contracts in pyproject.toml).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import structlog
from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin
from sqlalchemy.ext.asyncio import AsyncSession

from borderhub import health
from kernel.db import create_engine, session_factory, transaction
from kernel.idempotency import purge_expired_keys
from kernel.logging import configure_logging
from kernel.outbox import Registry, registry
from kernel.settings import Settings, ensure_secrets, load_settings
from kernel.web import RequestContextMiddleware, exception_handlers
from kernel.worker import run_worker
from marketplace.catalog.controllers import ListingController, ProducerListingController
from marketplace.compliance.controllers import HubComplianceController, OrganizationComplianceController
from marketplace.compliance.jobs import announce_validity_changes, flag_expiring_credentials
from marketplace.dashboard.controllers import HubDashboardController
from marketplace.dashboard.jobs import refresh_dashboards
from marketplace.dispute.controllers import DisputeController
from marketplace.events import CardPaymentSucceeded, CardRefundDue, CardTransferDue
from marketplace.hub.controllers import HubController
from marketplace.identity.controllers import AuthController, MeController
from marketplace.identity.dependencies import provide_principal
from marketplace.identity.service import purge_login_failures
from marketplace.money.controllers import FxController
from marketplace.order.controllers import (
    CheckoutController,
    HubOrderController,
    OrderController,
    OrganizationOrderController,
)
from marketplace.order.jobs import cancel_unpaid_card_orders, mark_orders_paid
from marketplace.organization.controllers import InvitationController, OrganizationController
from marketplace.payment.controllers import (
    CardPaymentController,
    InvoiceController,
    OrganizationInvoiceController,
    PayoutAccountController,
    StripeWebhookController,
)
from marketplace.payment.jobs import refund_to_card, transfer_to_producer
from marketplace.payment.stripe_gateway import StripeGateway
from marketplace.place.controllers import PlaceController
from procurement.award.controllers import AwardController
from procurement.award.jobs import evaluate_tender
from procurement.bid.controllers import BidController
from procurement.dashboard.service import pooled_procurement
from procurement.events import BidsOpened
from procurement.ocds.controllers import OcdsController
from procurement.pool.controllers import PoolController
from procurement.pool.jobs import close_due_pools
from procurement.tender.controllers import HubTenderController, TenderController
from procurement.tender.jobs import close_due_tenders
from search.engines import build_engine
from search.engines.base import SearchEngine, SearchUnavailable
from search.indexing import subscribers as search_subscribers
from search.query.controllers import SearchController

_log = structlog.get_logger("borderhub")


def build_registry(
    target: Registry | None = None, settings: Settings | None = None, search_engine: SearchEngine | None = None
) -> Registry:
    """Register every outbox subscriber and scheduled job of every package (once)."""
    reg = target or registry()
    settings = ensure_secrets(settings or load_settings())
    if "mark_orders_paid" not in reg.subscribers:
        gateway = StripeGateway.from_settings(settings)
        search_subscribers.register(reg, search_engine or build_engine(settings))
        reg.subscribe(CardPaymentSucceeded, "mark_orders_paid", mark_orders_paid)
        reg.subscribe(
            CardTransferDue,
            "transfer_to_producer",
            functools.partial(transfer_to_producer, gateway, settings.hub_fee_percent),
        )
        reg.subscribe(CardRefundDue, "refund_to_card", functools.partial(refund_to_card, gateway))
        reg.subscribe(
            BidsOpened,
            "evaluate_tender",
            functools.partial(evaluate_tender, settings.award_time_limit_seconds, settings.stripe_enabled),
        )
    if "purge_login_failures" not in reg.schedules:
        reg.schedule("purge_login_failures", "17 3 * * *", purge_login_failures)
    if "purge_idempotency_keys" not in reg.schedules:
        reg.schedule("purge_idempotency_keys", "41 3 * * *", purge_expired_keys)
    if "cancel_unpaid_card_orders" not in reg.schedules:
        reg.schedule("cancel_unpaid_card_orders", "23 * * * *", cancel_unpaid_card_orders)
    if "flag_expiring_credentials" not in reg.schedules:
        reg.schedule("flag_expiring_credentials", "5 4 * * *", flag_expiring_credentials)
    if "announce_validity_changes" not in reg.schedules:
        reg.schedule("announce_validity_changes", "7 0 * * *", announce_validity_changes)
    if "refresh_dashboards" not in reg.schedules:
        reg.schedule("refresh_dashboards", "* * * * *", refresh_dashboards)
    if "close_due_pools" not in reg.schedules:
        reg.schedule("close_due_pools", "* * * * *", close_due_pools)
    if "close_due_tenders" not in reg.schedules:
        assert settings.bid_sealing_secret is not None  # noqa: S101 - ensure_secrets sets it
        job = functools.partial(close_due_tenders, settings.bid_sealing_secret, settings.ocid_prefix)
        reg.schedule("close_due_tenders", "* * * * *", job)
    return reg


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed after the handler returns and before the
    response is sent — so a failed COMMIT becomes an error response, never a false 2xx."""
    async with transaction(state.sessions) as session:
        yield session


async def _supervised_worker(run: Callable[[], Awaitable[None]], stop: asyncio.Event) -> None:
    """Keep the in-process worker running: restart it with backoff until the app stops."""
    delay = 1.0
    while not stop.is_set():
        try:
            await run()
        except Exception:  # noqa: BLE001 - any crash of the worker is logged and retried
            _log.exception("in-process worker stopped; restarting", retry_in_seconds=delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
            delay = min(delay * 2, 60.0)
        else:
            delay = 1.0


@functools.cache  # once per process, at the first start-up
def tune_garbage_collector() -> None:
    """Fewer, cheaper cyclic-GC passes for a long-running service.

    Everything alive at start-up (modules, ORM mappers, the OpenAPI schema) is moved out of
    the collector's sight, and the youngest generation is collected after 50,000 allocations
    instead of 700: requests that build many objects at once (a 100,000-row import, an
    export) otherwise spend a fifth of their time in collections that free nothing
    (benchmarks/catalog_import.py). Reference counting still frees almost everything at once.
    """
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)


def create_app(settings: Settings | None = None) -> Litestar:
    settings = ensure_secrets(settings or load_settings())
    if settings.database_url is None:
        raise RuntimeError("create_app needs DATABASE_URL; `borderhub serve` starts the embedded server and sets it")
    configure_logging(settings.log_level, settings.log_format)
    search_engine = build_engine(settings)
    reg = build_registry(settings=settings, search_engine=search_engine)
    stripe_gateway = StripeGateway.from_settings(settings)
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    sessions = session_factory(engine)

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        stop = asyncio.Event()
        worker = None
        if settings.worker_in_process:
            assert settings.database_url is not None  # noqa: S101 - checked above
            url = settings.database_url
            worker = asyncio.create_task(_supervised_worker(lambda: run_worker(url, sessions, reg, stop=stop), stop))
        tune_garbage_collector()
        try:
            await search_engine.prepare()
        except SearchUnavailable as exc:
            # Serve anyway: the catalog does not need search, and indexing retries until it is back.
            _log.error("search engine not ready; search answers 503 until it is", detail=exc.detail)
        try:
            yield
        finally:
            stop.set()
            if worker is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(worker, timeout=10)
            await engine.dispose()
            await search_engine.close()

    state: dict[str, Any] = {"settings": settings, "engine": engine, "sessions": sessions, "registry": reg}
    state["search_engine"] = search_engine
    return Litestar(
        route_handlers=[
            health.health,
            health.ready,
            AuthController,
            MeController,
            OrganizationController,
            InvitationController,
            HubController,
            HubDashboardController,
            OrganizationComplianceController,
            HubComplianceController,
            PlaceController,
            FxController,
            ProducerListingController,
            ListingController,
            CheckoutController,
            OrderController,
            DisputeController,
            OrganizationOrderController,
            HubOrderController,
            InvoiceController,
            OrganizationInvoiceController,
            PayoutAccountController,
            CardPaymentController,
            StripeWebhookController,
            SearchController,
            PoolController,
            TenderController,
            HubTenderController,
            AwardController,
            BidController,
            OcdsController,
        ],
        dependencies={
            "db_session": Provide(provide_db_session),
            "principal": Provide(provide_principal),
            "stripe_gateway": Provide(lambda: stripe_gateway, sync_to_thread=False, use_cache=True),
            "pooled_procurement": Provide(lambda: pooled_procurement, sync_to_thread=False, use_cache=True),
        },
        state=State(state),
        lifespan=[lifespan],
        exception_handlers=exception_handlers,
        middleware=[RequestContextMiddleware()],
        request_max_body_size=settings.max_request_body_bytes,
        cors_config=CORSConfig(allow_origins=[]),
        openapi_config=OpenAPIConfig(
            title="Borderhub API",
            version="1",
            description="Cross-border B2B marketplace and pooled procurement for joint micro-enterprise hubs.",
            path="/schema",
            render_plugins=[ScalarRenderPlugin()],
        ),
        logging_config=None,
        debug=False,
    )
