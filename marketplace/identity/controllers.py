"""HTTP endpoints of identity: /auth and /me."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from kernel.web import Caller, Session, problem_response
from marketplace.identity.schemas import (
    AccessToken,
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyRead,
    LoginRequest,
    UserRead,
    UserRegister,
)
from marketplace.identity.service import IdentityService


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["identity"]

    @post("/register", summary="Create an account")
    async def register(self, data: JSONBody[UserRegister], db_session: Session, state: State) -> UserRead:
        return await IdentityService(db_session, state.settings).register(data)

    @post("/login", summary="Exchange e-mail and password for a bearer token", status_code=200)
    async def login(
        self, data: JSONBody[LoginRequest], db_session: Session, state: State, request: Request[Any, Any, Any]
    ) -> AccessToken | Response[bytes]:
        client = request.client.host if request.client else None
        token = await IdentityService(db_session, state.settings).login(data, client=client)
        if token is None:
            # Answered without raising so the recorded failure commits and counts.
            return problem_response(
                request,
                status=401,
                slug="unauthenticated",
                title="Authentication required",
                detail="wrong e-mail or password",
            )
        return token


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["identity"]

    @get("/", summary="The calling user")
    async def me(self, principal: Caller, db_session: Session, state: State) -> UserRead:
        return await IdentityService(db_session, state.settings).me(principal)

    @post("/api-keys", summary="Issue an API key (shown once)")
    async def create_api_key(
        self, data: JSONBody[ApiKeyCreate], principal: Caller, db_session: Session, state: State
    ) -> ApiKeyIssued:
        return await IdentityService(db_session, state.settings).create_api_key(principal, data)

    @get("/api-keys", summary="The caller's API keys (without secrets)")
    async def list_api_keys(self, principal: Caller, db_session: Session, state: State) -> list[ApiKeyRead]:
        return await IdentityService(db_session, state.settings).list_api_keys(principal)

    @delete("/api-keys/{key_id:uuid}", summary="Revoke an API key")
    async def revoke_api_key(
        self, key_id: FromPath[uuid.UUID], principal: Caller, db_session: Session, state: State
    ) -> None:
        await IdentityService(db_session, state.settings).revoke_api_key(principal, key_id)
