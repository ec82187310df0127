"""Request dependencies of identity: the caller (app-wide, through `marketplace.wiring`) and the
identity service of the /auth and /me endpoints."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import Unauthenticated
from kernel.settings import CoreSettings
from marketplace.identity.service import IdentityService


def credential_of(request: Request[Any, Any, Any]) -> str | None:
    """`Authorization: Bearer <token or API key>` or `X-API-Key: <API key>`."""
    authorization = request.headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    api_key = request.headers.get("x-api-key", "").strip()
    return api_key or None


def provide_identity_service(
    db_session: NamedDependency[AsyncSession], core_settings: NamedDependency[CoreSettings]
) -> IdentityService:
    return IdentityService(db_session, core_settings)


async def provide_principal(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    core_settings: NamedDependency[CoreSettings],
) -> Principal:
    credential = credential_of(request)
    if credential is None:
        raise Unauthenticated("send 'Authorization: Bearer <token>' or 'X-API-Key: <key>'")
    return await provide_identity_service(db_session, core_settings).authenticate(credential)
