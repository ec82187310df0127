"""Liveness and readiness probes."""

from __future__ import annotations

import msgspec
from litestar import get
from litestar.datastructures import State
from sqlalchemy import text

from kernel.errors import Unavailable
from kernel.migrate import head_revision


class Health(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    status: str
    database: str | None = None
    migration: str | None = None


@get("/health", tags=["operations"], summary="Liveness: the process answers")
async def health() -> Health:
    return Health(status="ok")


class NotReady(Unavailable):
    slug = "not-ready"
    title = "Not ready"


@get(
    "/ready",
    tags=["operations"],
    summary="Readiness: database reachable and migrations current",
    opt={"problems": (503,)},
)
async def ready(state: State) -> Health:
    expected = head_revision()
    try:
        async with state.engine.connect() as connection:
            current = (await connection.execute(text("SELECT version_num FROM public.alembic_version"))).scalar()
    except Exception as exc:
        raise NotReady(f"database unreachable: {type(exc).__name__}") from exc
    if current != expected:
        raise NotReady(f"database at migration {current}, code expects {expected}; run `borderhub db upgrade`")
    return Health(status="ready", database="ok", migration=current)
