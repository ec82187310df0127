"""The floor of an authenticated one-row read: a bare Litestar app on the service's own database.

`GET /api/v1/listings/{id}` here does only what no implementation of the service's read can
skip: check the same JWT (`kernel.auth.read_access_token`, the same secret) and that its
sign-in is still in force (one query: session not revoked or expired, account active, as the
service refuses a signed-out token at once), read the listing with its producer's country (one
query, asyncpg, one pool), and return the row as JSON with msgspec. No ORM, no dependency
injection beyond Litestar's own, no middleware, no logging.

`benchmarks/per_request.py` starts it beside `borderhub serve`, under the same server (uvicorn,
one process) and on the same embedded PostgreSQL, and loads both alternately.

Run alone: `uv run python -m benchmarks.floor --data-dir <serve's data dir> --port 8100`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import msgspec
import uvicorn
from litestar import Litestar, Request, get
from litestar.exceptions import NotAuthorizedException, NotFoundException

from borderhub.settings import kept_secret
from kernel import embedded
from kernel.auth import credential_from, read_access_token
from kernel.db import asyncpg_dsn
from kernel.errors import Unauthenticated

_SESSION_IN_FORCE = """
SELECT 1 FROM marketplace.user_session s JOIN marketplace.user_account u ON u.id = s.user_id
WHERE s.id = $1 AND s.user_id = $2 AND u.is_active AND s.revoked_at IS NULL AND s.expires_at > $3
"""
_LISTING = """
SELECT l.*, o.country AS producer_country
FROM marketplace.listing l JOIN marketplace.organization o ON o.id = l.organization_id
WHERE l.id = $1 AND l.status = 'active'
"""


def create_floor_app(dsn: str, jwt_secret: str) -> Litestar:
    pool: asyncpg.Pool | None = None

    async def json_codecs(connection: asyncpg.Connection) -> None:
        for name in ("json", "jsonb"):
            await connection.set_type_codec(
                name, schema="pg_catalog", encoder=msgspec.json.encode, decoder=msgspec.json.decode, format="text"
            )

    @contextlib.asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        nonlocal pool
        pool = await asyncpg.create_pool(dsn, min_size=10, max_size=10, init=json_codecs)
        try:
            yield
        finally:
            await pool.close()

    @get("/api/v1/listings/{listing_id:uuid}")
    async def read_listing(request: Request[Any, Any, Any], listing_id: uuid.UUID) -> dict[str, Any]:
        credential = credential_from(request.headers)
        try:
            claims = read_access_token(credential or "", jwt_secret)
        except Unauthenticated:
            raise NotAuthorizedException from None
        assert pool is not None  # noqa: S101 - set by the lifespan
        async with pool.acquire() as connection:
            now = dt.datetime.now(dt.UTC)
            if await connection.fetchval(_SESSION_IN_FORCE, claims.session_id, claims.user_id, now) is None:
                raise NotAuthorizedException
            row = await connection.fetchrow(_LISTING, listing_id)
        if row is None:
            raise NotFoundException
        return dict(row)

    return Litestar(route_handlers=[read_listing], lifespan=[lifespan], logging_config=None, openapi_config=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--data-dir", type=Path, required=True, help="the data dir of a running `borderhub serve`")
    parser.add_argument("--port", type=int, required=True)
    arguments = parser.parse_args()
    dsn = asyncpg_dsn(embedded.start(arguments.data_dir / "pgdata"))
    app = create_floor_app(dsn, kept_secret(arguments.data_dir, "jwt-secret"))
    uvicorn.run(app, host="127.0.0.1", port=arguments.port, log_config=None, access_log=False)


if __name__ == "__main__":
    main()
