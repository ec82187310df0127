"""HTTP endpoints of identity: /auth and /me."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState

from kernel.auth import CSRF_ALWAYS, SESSION_COOKIE
from kernel.errors import Unauthenticated
from kernel.openapi import answers_in
from kernel.web import Caller, body_examples, problem_response
from marketplace.identity.account import AccountService
from marketplace.identity.dependencies import (
    provide_account_service,
    provide_identity_service,
    provide_session_service,
)
from marketplace.identity.schemas import (
    LOGIN_EXAMPLE,
    REFRESH_EXAMPLE,
    USER_REGISTER_EXAMPLE,
    USER_UPDATE_EXAMPLE,
    AccessToken,
    ApiKeyCreate,
    ApiKeyIssued,
    ApiKeyRead,
    CsrfToken,
    EmailChange,
    EmailChangeRequested,
    EmailVerification,
    EmailVerified,
    LoginRequest,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    PasswordResetRequested,
    RefreshRequest,
    RegistrationReceived,
    SessionRead,
    SignOutEverywhere,
    UserRead,
    UserRegister,
    UserUpdate,
    VerificationSent,
)
from marketplace.identity.service import IdentityService
from marketplace.identity.sessions import COOKIE_LIFETIME, SessionService
from marketplace.settings import MarketplaceSettings

Identity = NamedDependency[IdentityService]
Accounts = NamedDependency[AccountService]
Sessions = NamedDependency[SessionService]
Marketplace = NamedDependency[MarketplaceSettings]
DEPENDENCIES = {
    "identity_service": Provide(provide_identity_service, sync_to_thread=False),
    "account_service": Provide(provide_account_service, sync_to_thread=False),
    "session_service": Provide(provide_session_service, sync_to_thread=False),
}


def session_cookie(request: Request[Any, Any, Any], settings: MarketplaceSettings, value: str | None) -> Cookie:
    """The web application's session cookie carrying `value` (None clears it): never readable by
    scripts, not sent along with requests other sites start (but with a link followed to us), and
    over https only when the service is reached over https: the request came over it, or the public
    URL says so (behind a proxy that ends TLS and forwards plain http)."""
    return Cookie(
        key=SESSION_COOKIE,
        value=value or "",
        path="/",
        max_age=int(COOKIE_LIFETIME.total_seconds()) if value else 0,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https" or settings.public_url.startswith("https://"),
    )


def csrf_token_of(request: Request[Any, Any, Any]) -> str:
    """The request's CSRF token, as Litestar's CSRF middleware (run by `borderhub.csrf`) left it."""
    token = ScopeState.from_scope(request.scope).csrf_token
    if token is Empty:
        raise RuntimeError("no CSRF token: the CSRF middleware (borderhub.csrf) did not run for this path")
    return str(token)


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
        summary="Exchange e-mail and password for an access token and a refresh token",
        description=(
            "Starts a session (see GET /me/sessions): the access token (`Authorization: Bearer`) is valid for "
            "`expires_in` seconds (15 minutes by default), the refresh token gets the next pair from POST "
            "/auth/refresh until `refresh_expires_in` (30 days by default). "
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
        token = await identity_service.login(data, client=client, user_agent=request.headers.get("user-agent"))
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

    @post(
        "/refresh",
        summary="Exchange the refresh token for a new access token and refresh token",
        description=(
            "A refresh token works once: the answer carries the next one, which replaces it. Presenting a "
            "spent refresh token again signs its session out (every access and refresh token of it stops "
            "working), since it must have been copied: 401, log in again."
        ),
        status_code=200,
        operation_class=answers_in(),
        opt={"problems": (401,)},
    )
    async def refresh(
        self,
        data: Annotated[RefreshRequest, body_examples(REFRESH_EXAMPLE)],
        request: Request[Any, Any, Any],
        session_service: Sessions,
    ) -> AccessToken | Response[bytes]:
        tokens = await session_service.refresh(data.refresh_token)
        if isinstance(tokens, Unauthenticated):
            # Answered without raising so that revoking the session commits.
            return problem_response(request, status=401, slug=tokens.slug, title=tokens.title, detail=tokens.detail)
        return tokens

    @post(
        "/logout",
        summary="Sign out: end the session of this request",
        description=(
            "Its access and refresh tokens (or its session cookie, which is cleared) stop working at once. "
            "An API key is no session: revoke it with DELETE /me/api-keys/{key_id} (403)."
        ),
        status_code=204,
        responses={204: ResponseSpec(None, description="Signed out", generate_examples=False)},
    )
    async def logout(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        session_service: Sessions,
        marketplace_settings: Marketplace,
    ) -> Response[None]:
        await session_service.sign_out(principal)
        cleared = [session_cookie(request, marketplace_settings, None)] if principal.via == "cookie" else None
        return Response(None, status_code=204, cookies=cleared)

    @post(
        "/session",
        summary="Sign in to the web application: e-mail and password for a session cookie",
        description=(
            "Sets the `borderhub_session` cookie (HttpOnly, SameSite=Lax; Secure over https or when the public "
            "URL is https), which then authenticates requests that send no Authorization or X-API-Key header. "
            "It lasts 14 days without use and 30 days at most. Checked and throttled as POST /auth/login. Like "
            "every unsafe request signed in by the cookie, it needs the CSRF token of GET /auth/csrf in the "
            "X-CSRF-Token header (403 otherwise)."
        ),
        status_code=200,
        operation_class=answers_in(),
        opt={"problems": (401, 403, 429), CSRF_ALWAYS: True},
        responses={
            200: ResponseSpec(
                SessionRead, description="Signed in: the new session (its cookie is set)", generate_examples=False
            )
        },
    )
    async def sign_in(
        self,
        data: Annotated[LoginRequest, body_examples(LOGIN_EXAMPLE)],
        request: Request[Any, Any, Any],
        identity_service: Identity,
        marketplace_settings: Marketplace,
    ) -> Response[SessionRead] | Response[bytes]:
        client = request.client.host if request.client else None
        signed_in = await identity_service.sign_in_with_cookie(
            data, client=client, user_agent=request.headers.get("user-agent")
        )
        if signed_in is None:
            # Answered without raising so the recorded failure commits and counts.
            return problem_response(
                request,
                status=401,
                slug="unauthenticated",
                title="Authentication required",
                detail="wrong e-mail or password",
            )
        session, value = signed_in
        return Response(session, status_code=200, cookies=[session_cookie(request, marketplace_settings, value)])

    @delete(
        "/session",
        summary="Sign out of the web application: end the cookie's session and clear the cookie",
        description="Answers 204 whether or not the cookie still carried a session in force.",
        status_code=204,
        opt={"problems": (403,)},
        responses={204: ResponseSpec(None, description="Signed out; the cookie is cleared", generate_examples=False)},
    )
    async def sign_out(
        self, request: Request[Any, Any, Any], session_service: Sessions, marketplace_settings: Marketplace
    ) -> Response[None]:
        await session_service.end_cookie_session(request.cookies.get(SESSION_COOKIE))
        return Response(None, status_code=204, cookies=[session_cookie(request, marketplace_settings, None)])

    @get(
        "/csrf",
        summary="A CSRF token for requests signed in by the session cookie",
        description=(
            "Also sets it in the `borderhub_csrf` cookie. Send the token back in the X-CSRF-Token header (a "
            "form: the `_csrf_token` field) with every POST, PUT, PATCH and DELETE signed in by the session "
            "cookie, and with POST /auth/session. Bearer tokens and API keys need none."
        ),
        opt={CSRF_ALWAYS: True},
    )
    async def csrf(self, request: Request[Any, Any, Any]) -> CsrfToken:
        return CsrfToken(csrf_token=csrf_token_of(request))

    @post(
        "/verify-email",
        summary="Follow the link mailed to prove an address (after registering, or to change it)",
        description=(
            "The token of the link mailed by registering, `POST /me/verification-email` or `POST /me/email`. "
            "It works once, for 48 hours, and only the latest one sent does; a link that does not work is "
            "422 naming `token`, whatever the reason. After `POST /me/email` the account moves to the new "
            "address, unless that got an account meanwhile (409)."
        ),
        status_code=200,
    )
    async def verify_email(self, data: JSONBody[EmailVerification], account_service: Accounts) -> EmailVerified:
        return await account_service.verify_email(data)

    @post(
        "/password-reset",
        summary="Forgot the password: mail a link to set a new one",
        description=(
            "Answered 202 with the same body whether or not the address has an account, so that it reveals "
            "nobody's account. If it has, a link valid for one hour goes to it (at most one a minute)."
        ),
        status_code=202,
    )
    async def request_password_reset(
        self, data: JSONBody[PasswordResetRequest], account_service: Accounts
    ) -> PasswordResetRequested:
        return await account_service.request_password_reset(data)

    @post(
        "/password-reset/confirm",
        summary="Set a new password with the link's token",
        description=(
            "Signs the account out everywhere and proves its address. A link that does not work (used, "
            "expired, superseded) is 422 naming `token`."
        ),
        status_code=204,
    )
    async def reset_password(self, data: JSONBody[PasswordResetConfirm], account_service: Accounts) -> None:
        await account_service.reset_password(data)


class MeController(Controller):
    path = "/api/v1/me"
    tags = ["identity"]
    dependencies = DEPENDENCIES

    @get("/", summary="The calling user")
    async def me(self, principal: Caller, identity_service: Identity) -> UserRead:
        return await identity_service.me(principal)

    @patch(
        "/",
        summary="Change my name, language and how I am told of what concerns me",
        description="Omitted fields stay as they are. Every bad field is named in one 422.",
    )
    async def update_me(
        self,
        data: Annotated[UserUpdate, body_examples(USER_UPDATE_EXAMPLE)],
        principal: Caller,
        account_service: Accounts,
    ) -> UserRead:
        return await account_service.update_profile(principal, data)

    @post(
        "/verification-email",
        summary="Send a new link to prove my address",
        description=(
            "Links sent before stop working. At most one a minute (429 with Retry-After); 409 when the "
            "address is proven already."
        ),
        status_code=202,
    )
    async def resend_verification(self, principal: Caller, account_service: Accounts) -> VerificationSent:
        return await account_service.resend_verification(principal)

    @post(
        "/password",
        summary="Change my password",
        description=(
            "Needs the current password (422 naming `current_password` otherwise); signs out every other session."
        ),
        status_code=204,
    )
    async def change_password(
        self, data: JSONBody[PasswordChange], principal: Caller, account_service: Accounts
    ) -> None:
        await account_service.change_password(principal, data)

    @post(
        "/email",
        summary="Move my account to another address",
        description=(
            "Mails a link to the new address (and a notice to the current one); the address changes when "
            "the link is followed with `POST /auth/verify-email`. Needs the current password."
        ),
        status_code=202,
    )
    async def change_email(
        self, data: JSONBody[EmailChange], principal: Caller, account_service: Accounts
    ) -> EmailChangeRequested:
        return await account_service.request_email_change(principal, data)

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

    @get("/sessions", summary="My sign-ins in force: devices, apps and browsers")
    async def list_sessions(self, principal: Caller, session_service: Sessions) -> list[SessionRead]:
        return await session_service.list_sessions(principal)

    @delete(
        "/sessions/{session_id:uuid}",
        summary="Sign one of my sessions out",
        description="Its access and refresh tokens, or its cookie, stop working at once.",
    )
    async def end_session(self, session_id: FromPath[uuid.UUID], principal: Caller, session_service: Sessions) -> None:
        await session_service.end_session(principal, session_id)

    @post(
        "/sessions/sign-out-everywhere",
        summary="Sign out everywhere: end all my sessions",
        description=(
            'This request\'s own session too, unless the body is `{"keep_current": true}`. API keys are '
            "not sessions and keep working."
        ),
        status_code=204,
        responses={204: ResponseSpec(None, description="Signed out everywhere", generate_examples=False)},
    )
    async def sign_out_everywhere(
        self,
        request: Request[Any, Any, Any],
        principal: Caller,
        session_service: Sessions,
        marketplace_settings: Marketplace,
        data: JSONBody[SignOutEverywhere | None] = None,
    ) -> Response[None]:
        keep_current = data is not None and data.keep_current
        await session_service.sign_out_everywhere(principal, keep_current=keep_current)
        clear = principal.via == "cookie" and not keep_current
        cleared = [session_cookie(request, marketplace_settings, None)] if clear else None
        return Response(None, status_code=204, cookies=cleared)
