"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response, get
from litestar.datastructures import State
from sqlalchemy import text

from kernel.migrate import head_revision
from kernel.web import problem_response


class Health(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    status: str
    database: str | None = None
    migration: str | None = None


@get("/health", tags=["operations"], summary="Liveness: the process answers")
async def health() -> Health:
    return Health(status="ok")


@get("/ready", tags=["operations"], summary="Readiness: database reachable and migrations current")
async def ready(state: State, request: Request[Any, Any, Any]) -> Health | Response[bytes]:
    expected = head_revision()
    try:
        async with state.engine.connect() as connection:
            current = (await connection.execute(text("SELECT version_num FROM public.alembic_version"))).scalar()
    except Exception as exc:  # noqa: BLE001 - any failure means "not ready"
        return problem_response(
            request,
            status=503,
            slug="not-ready",
            title="Not ready",
            detail=f"database unreachable: {type(exc).__name__}",
        )
    if current != expected:
        return problem_response(
            request,
            status=503,
            slug="not-ready",
            title="Not ready",
            detail=f"database at migration {current}, code expects {expected}; run `borderhub db upgrade`",
        )
    return Health(status="ready", database="ok", migration=current)
