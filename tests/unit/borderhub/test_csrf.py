"""Which requests the CSRF check guards: the web pages, whatever the session cookie authenticates, and
the cookie sign-in; never a bearer or API-key client, the API document or the probes."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from borderhub.csrf import checked, csrf_secret
from kernel.auth import CSRF_ALWAYS


def scope(path: str, *, headers: dict[str, str] | None = None, always: bool = False) -> Any:
    return {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()],
        "query_string": b"",
        "route_handler": SimpleNamespace(opt={CSRF_ALWAYS: True} if always else {}),
    }


COOKIE = {"Cookie": "borderhub_session=0190d3b0-0000-7000-8000-000000000000.secret"}


@pytest.mark.parametrize("path", ["/", "/listings/42", "/account/reset-password", "/schemas"])
def test_every_web_page_is_checked_when_it_is_outside_the_api(path: str) -> None:
    assert checked(scope(path))


@pytest.mark.parametrize("path", ["/api/v1/me/api-keys", "/schema", "/schema/openapi.json", "/health", "/ready"])
def test_api_document_and_probes_are_not_checked_when_no_session_cookie_is_sent(path: str) -> None:
    assert not checked(scope(path))


def test_an_api_request_is_checked_when_the_session_cookie_would_authenticate_it() -> None:
    assert checked(scope("/api/v1/me/api-keys", headers=COOKIE))
    assert checked(scope("/api/v1/me/api-keys", headers={**COOKIE, "Authorization": "Basic eDp5"}))


def test_an_api_request_is_not_checked_when_a_bearer_token_or_api_key_authenticates_it() -> None:
    assert not checked(scope("/api/v1/me/api-keys", headers={**COOKIE, "Authorization": "Bearer x.y.z"}))
    assert not checked(scope("/api/v1/me/api-keys", headers={**COOKIE, "X-API-Key": "bhk_abc"}))


def test_a_handler_marked_csrf_always_is_checked_when_no_cookie_is_sent() -> None:
    assert checked(scope("/api/v1/auth/session", always=True))


def test_the_csrf_secret_is_derived_from_the_jwt_key_and_differs_from_it() -> None:
    assert csrf_secret("k" * 40) == csrf_secret("k" * 40) != csrf_secret("j" * 40)
    assert "k" * 40 not in csrf_secret("k" * 40)
