"""HTTP endpoints of identity: /auth and /me."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from kernel.openapi import answers_in
from kernel.web import Caller, body_examples, problem_response
from marketplace.identity.dependencies import provide_identity_service
from marketplace.identity.schemas import (
    LOGIN_EXAMPLE,
    USER_REGISTER_EXAMPLE,
    AccessToken,
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyRead,
    LoginRequest,
    RegistrationReceived,
    UserRead,
    UserRegister,
)
from marketplace.identity.service import IdentityService

Identity = NamedDependency[IdentityService]
DEPENDENCIES = {"identity_service": Provide(provide_identity_service, sync_to_thread=False)}


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["identity"]
    dependencies = DEPENDENCIES

    @post(
        "/register",
        summary="Create an account, then sign in with POST /auth/login",
        description=(
            "Answered 202 with the same body whether or not the address already has an account, so that "
            "registering reveals nobody's account; an existing account is left unchanged."
        ),
        status_code=202,
    )
    async def register(
        self, data: Annotated[UserRegister, body_examples(USER_REGISTER_EXAMPLE)], identity_service: Identity
    ) -> RegistrationReceived:
        return await identity_service.register(data)

    @post(
        "/login",
        summary="Exchange e-mail and password for a bearer token",
        description=(
            "After repeated wrong passwords from one address for one account, that address waits before each "
            "further try (1 s, 2 s, 4 s ... up to 15 minutes by default): 429 with Retry-After. Other addresses "
            "are not held up."
        ),
        status_code=200,
        # 401 (wrong e-mail or password) is the `Response[bytes]` below: documented as a problem, not as
        # an untyped alternative of the token.
        operation_class=answers_in(),
        opt={"problems": (401, 429)},
    )
    async def login(
        self,
        data: Annotated[LoginRequest, body_examples(LOGIN_EXAMPLE)],
        request: Request[Any, Any, Any],
        identity_service: Identity,
    ) -> AccessToken | Response[bytes]:
        # The peer address as the ASGI server reports it (uvicorn, under `borderhub serve`, takes it
        # from X-Forwarded-For when the peer is one of its FORWARDED_ALLOW_IPS).
        client = request.client.host if request.client else None
        token = await identity_service.login(data, client=client)
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
    dependencies = DEPENDENCIES

    @get("/", summary="The calling user")
    async def me(self, principal: Caller, identity_service: Identity) -> UserRead:
        return await identity_service.me(principal)

    @post("/api-keys", summary="Issue an API key (shown once)")
    async def create_api_key(
        self, data: JSONBody[ApiKeyCreate], principal: Caller, identity_service: Identity
    ) -> ApiKeyIssued:
        return await identity_service.create_api_key(principal, data)

    @get("/api-keys", summary="The caller's API keys (without secrets)")
    async def list_api_keys(self, principal: Caller, identity_service: Identity) -> list[ApiKeyRead]:
        return await identity_service.list_api_keys(principal)

    @delete("/api-keys/{key_id:uuid}", summary="Revoke an API key")
    async def revoke_api_key(self, key_id: FromPath[uuid.UUID], principal: Caller, identity_service: Identity) -> None:
        await identity_service.revoke_api_key(principal, key_id)
