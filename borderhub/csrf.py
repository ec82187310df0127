"""CSRF protection for what a browser may send on its own: Litestar's CSRF middleware, applied to the
requests where another site could make a signed-in browser act.

A browser adds the session cookie to a request another site starts (a form posted to us), but never
an `Authorization` or `X-API-Key` header, so only the cookie is at risk. Litestar's middleware
(double submit: the token in the `borderhub_csrf` cookie must come back, signed, in the
`X-CSRF-Token` header or a form's `_csrf_token` field) checks every POST, PUT, PATCH and DELETE of:

- a request carrying the session cookie and neither header (one the cookie authenticates);
- a handler marked `opt={CSRF_ALWAYS: True}`: the cookie sign-in itself (so no other site can sign
  a browser in to an account of theirs) and `GET /api/v1/auth/csrf`, which hands out the token;
- every path outside the JSON API, its document and the probes: the web pages.

Safe requests among those get the CSRF cookie when they lack it. A failed check is a 403 saying
what to do: on a web page, a page in the reader's language (`web.errors.form_expired_page`); on
the API, problem+json. The secret signing the tokens is derived from the JWT signing key
(`csrf_secret`), so it needs no setting of its own and changes when that key does.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from litestar import Request
from litestar.config.csrf import CSRFConfig
from litestar.enums import ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from kernel.auth import CSRF_ALWAYS, CSRF_COOKIE, CSRF_HEADER, SESSION_COOKIE, credential_from
from kernel.web import is_page_path, problem_response
from web.errors import form_expired_page

CSRF_FAILED = "the form has expired or did not come from Borderhub; reload the page and try again"


def csrf_secret(jwt_secret: str) -> str:
    """The key signing CSRF tokens: derived from the JWT signing key, for this purpose only."""
    return hmac.new(jwt_secret.encode(), b"borderhub csrf tokens", hashlib.sha256).hexdigest()


def _by_cookie(scope: Scope) -> bool:
    """Whether the session cookie is what would authenticate the request: it sends no credential
    header (`credential_from`, as `marketplace.identity.dependencies.caller_dependencies` read them)."""
    request: Request[Any, Any, Any] = Request(scope)
    return SESSION_COOKIE in request.cookies and credential_from(request.headers) is None


def checked(scope: Scope) -> bool:
    """Whether the request goes through the CSRF check (see the module's docstring)."""
    if scope["route_handler"].opt.get(CSRF_ALWAYS):
        return True
    return is_page_path(scope["path"]) or _by_cookie(scope)


class CsrfProtection(ASGIMiddleware):
    """Litestar's `CSRFMiddleware` for the requests `checked` picks; the others pass untouched."""

    scopes = (ScopeType.HTTP,)

    def __init__(self, secret: str) -> None:
        def config(*, secure: bool) -> CSRFConfig:
            # Not HttpOnly: a page's script may read the token to send it back.
            return CSRFConfig(
                secret=secret,
                cookie_name=CSRF_COOKIE,
                header_name=CSRF_HEADER,
                cookie_samesite="lax",
                cookie_secure=secure,
            )

        self._configs = {True: config(secure=True), False: config(secure=False)}

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        if not checked(scope):
            await next_app(scope, receive, send)
            return
        passed = False

        async def protected(scope: Scope, receive: Receive, send: Send) -> None:
            nonlocal passed
            passed = True
            await next_app(scope, receive, send)

        middleware = CSRFMiddleware(protected, self._configs[scope.get("scheme") == "https"])
        try:
            await middleware(scope, receive, send)
        except PermissionDeniedException:
            if passed:  # raised by the handler, not by the check
                raise
            request: Request[Any, Any, Any] = Request(scope)
            if is_page_path(scope["path"]):
                page = form_expired_page(request)
                await page.to_asgi_response(None, request)(scope, receive, send)
                return
            refused = problem_response(request, status=403, slug="csrf-failed", title="Forbidden", detail=CSRF_FAILED)
            await refused.to_asgi_response(None, request)(scope, receive, send)
