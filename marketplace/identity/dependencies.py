"""Request dependencies of identity: the caller (app-wide, through `marketplace.wiring`) and the
identity and account services of the /auth and /me endpoints."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import SESSION_COOKIE, Principal, credential_from
from kernel.errors import Unauthenticated
from kernel.settings import CoreSettings
from marketplace.identity.account import AccountService
from marketplace.identity.service import IdentityService
from marketplace.identity.sessions import SessionService
from marketplace.settings import MarketplaceSettings


def provide_identity_service(
    db_session: NamedDependency[AsyncSession],
    core_settings: NamedDependency[CoreSettings],
    marketplace_settings: NamedDependency[MarketplaceSettings],
) -> IdentityService:
    return IdentityService(db_session, core_settings, public_url=marketplace_settings.public_url)


def provide_account_service(
    db_session: NamedDependency[AsyncSession], marketplace_settings: NamedDependency[MarketplaceSettings]
) -> AccountService:
    return AccountService(db_session, public_url=marketplace_settings.public_url)


def caller_dependencies(core_settings: CoreSettings, marketplace_settings: MarketplaceSettings) -> dict[str, Provide]:
    """`principal` and `principal_if_any`, with the settings they need bound here rather than asked of
    the dependency injector on every request: Litestar resolves the dependencies of one level
    concurrently, in a task group, so each one more costs every authenticated request
    (`benchmarks/README.md`, per-request cost)."""
    public_url = marketplace_settings.public_url

    async def provide_principal(
        request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Principal:
        """The caller: by `Authorization` or `X-API-Key` when the request sends either, else by the
        session cookie of the web application (whose unsafe requests `borderhub.csrf` checks)."""
        identity = IdentityService(db_session, core_settings, public_url=public_url)
        credential = credential_from(request.headers)
        if credential is not None:
            return await identity.authenticate(credential)
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            return await identity.authenticate_cookie(cookie)
        raise Unauthenticated("send 'Authorization: Bearer <token>' or 'X-API-Key: <key>'")

    async def provide_principal_if_any(
        request: Request[Any, Any, Any], db_session: NamedDependency[AsyncSession]
    ) -> Principal | None:
        """The caller as `principal` finds them, for what anyone may read (an active listing's
        photos): None when the request says nobody, or names someone it fails to authenticate (an
        expired cookie does not hide what is public)."""
        try:
            return await provide_principal(request, db_session)
        except Unauthenticated:
            return None

    return {"principal": Provide(provide_principal), "principal_if_any": Provide(provide_principal_if_any)}


def provide_session_service(
    db_session: NamedDependency[AsyncSession], core_settings: NamedDependency[CoreSettings]
) -> SessionService:
    return SessionService(db_session, core_settings)
