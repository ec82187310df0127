"""The web application: every package's routers and dependencies (`borderhub.composition`) behind one
transaction per request, problem+json errors and request ids, with the worker in-process when embedded."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import structlog
from litestar import Litestar, Request, Response
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, MethodNotAllowedException, NotFoundException
from sqlalchemy.ext.asyncio import AsyncSession

from borderhub import health, openapi, options
from borderhub.composition import Composition, compose
from borderhub.csrf import CsrfProtection, csrf_secret
from borderhub.settings import Settings, ensure_secrets, load_settings
from kernel.contribution import provide_value
from kernel.db import create_engine, transaction
from kernel.logging import configure_logging
from kernel.web import JsonRequest, RequestContextMiddleware, check_parameters, exception_handlers, is_page_path
from kernel.worker import run_worker
from web.errors import error_page
from web.templating import template_config

_log = structlog.get_logger("borderhub")


async def provide_db_session(state: State) -> AsyncIterator[AsyncSession]:
    """One transaction per request, committed after the handler returns and before the
    response is sent — so a failed COMMIT becomes an error response, never a false 2xx."""
    async with transaction(state.sessions) as session:
        yield session


def _not_found(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    """A path no route serves: a page in the reader's language, or problem+json under the API."""
    if is_page_path(request.url.path):
        return error_page(request, exc)
    return exception_handlers[HTTPException](request, exc)


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


async def _before_request(request: Request[Any, Any, Any]) -> Response[None] | None:
    """Litestar runs one `before_request` per layer: OPTIONS is answered (`borderhub.options`), and
    every other request has its parameters checked first (`kernel.web.check_parameters`)."""
    answer = await options.answer_options(request)
    if answer is None:
        await check_parameters(request)
    return answer


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


def create_app(settings: Settings | None = None, composition: Composition | None = None) -> Litestar:
    """The web application; `composition` (default: every package, as configured) says what it serves
    and whom its events reach."""
    settings = ensure_secrets(settings or load_settings())
    if settings.database_url is None:
        raise RuntimeError("create_app needs DATABASE_URL; `borderhub serve` starts the embedded server and sets it")
    configure_logging(settings.log_level, settings.log_format)
    composition = composition or compose(settings)
    engine = create_engine(settings.database_url, pool_size=settings.db_pool_size)
    sessions = composition.sessions(engine)
    url = settings.database_url
    jwt_secret = settings.jwt_secret
    assert jwt_secret is not None  # noqa: S101 - ensure_secrets gives one

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        stop = asyncio.Event()
        worker = None
        if settings.worker_in_process:
            worker = asyncio.create_task(
                _supervised_worker(lambda: run_worker(url, sessions, composition.registry, stop=stop), stop)
            )
        tune_garbage_collector()
        try:
            async with composition.running():
                yield
        finally:
            stop.set()
            if worker is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await asyncio.wait_for(worker, timeout=10)
            await engine.dispose()

    state = {"settings": settings, "engine": engine, "sessions": sessions, "registry": composition.registry}
    return Litestar(
        route_handlers=[health.health, health.ready, openapi.docs_asset, *composition.route_handlers],
        dependencies={
            "db_session": Provide(provide_db_session),
            "sessions": provide_value(sessions),  # for work after the request's transaction (a streamed export)
            **composition.dependencies,
        },
        state=State(state),
        lifespan=[lifespan],
        exception_handlers={**exception_handlers, NotFoundException: _not_found, MethodNotAllowedException: _not_found},
        template_config=template_config(),
        # CSRF inside the request context, so a refusal carries the request's id.
        middleware=[RequestContextMiddleware(), CsrfProtection(csrf_secret(jwt_secret))],
        before_request=_before_request,
        request_class=JsonRequest,
        request_max_body_size=settings.max_request_body_bytes,
        # No CORS configuration: no other origin is served, and a browser refuses a cross-origin call
        # whose preflight (answered by `options`) carries no Access-Control-Allow-Origin. (Litestar's
        # CORS middleware refused such a preflight in plain text, outside the problem+json model.)
        openapi_config=openapi.openapi_config(),
        plugins=[openapi.ProblemResponses(), openapi.StrictStructSchemas()],
        logging_config=None,
        debug=False,
    )
