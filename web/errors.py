"""Errors on pages: a page in the reader's language saying what happened, never JSON; a page for
signed-in people sends others to sign in first."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from litestar.types import ExceptionHandlersMap

from kernel.errors import DomainError, Unauthenticated
from kernel.web import exception_handlers
from marketplace.organization.service import EmailUnverified
from web.page import SignInRequired, page, reader_without_database, safe_next, sign_in_path
from web.words import UNVERIFIED


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: What each status means to the reader; the service's own words are shown for the rest.
_SAID = {
    403: (_("Not allowed"), _("Your account may not do this. Ask an administrator of your organisation.")),
    404: (_("Not found"), _("This page does not exist, or it is not yours to see.")),
    405: (_("Not found"), _("This page does not exist, or it is not yours to see.")),
    429: (_("Please wait"), _("Too many tries in a short time. Wait a minute and try again.")),
    500: (_("Something went wrong"), _("Something went wrong on our side. Try again in a minute.")),
    503: (_("Not available"), _("Borderhub is busy or being maintained. Try again in a minute.")),
}
#: A form sent without the token of the page it was on (`borderhub.csrf`).
_FORM_EXPIRED = (
    _("The form has expired"),
    _(
        "The form could not be sent: it was open for a long time, or it was not opened on Borderhub. "
        "Go back, reload the page of the form and send it again."
    ),
)


def _api_answer(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    for kind in type(exc).__mro__:
        if kind in exception_handlers:
            return exception_handlers[kind](request, exc)
    return exception_handlers[Exception](request, exc)


def error_page(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The page answering `exc` raised on a page (or a path that is no page)."""
    reader = reader_without_database(request)
    if isinstance(exc, (SignInRequired, Unauthenticated)):
        return Redirect(sign_in_path(reader.path), status_code=303)
    if isinstance(exc, DomainError):
        status, detail = exc.status, reader.gettext(exc.detail)
    elif isinstance(exc, HTTPException):
        status, detail = exc.status_code, reader.gettext(str(exc.detail))
    else:
        # The status the JSON API would answer (a conflict, the database unavailable, ...), which
        # also logs what was unexpected; the page says it in words.
        status, detail = _api_answer(request, exc).status_code or 500, ""
    title, said = _SAID.get(status, (_("That did not work"), None))
    if isinstance(exc, EmailUnverified):
        # Not a matter of the account's role: it proves its address (the layout offers a new link).
        said = UNVERIFIED
    return page(
        reader,
        "error.jinja",
        status_code=status,
        title=reader.gettext(title),
        detail=reader.gettext(said) if said else detail,
    )


def form_expired_page(request: Request[Any, Any, Any]) -> Template:
    """The page answering a form posted to a page without a valid CSRF token (a stale or missing
    one: `borderhub.csrf`), 403 in the reader's language, with a link to the form's page to load it
    afresh when the browser said where the form was (a page of this site)."""
    reader = reader_without_database(request)
    title, said = _FORM_EXPIRED
    return page(
        reader,
        "error.jinja",
        status_code=403,
        title=reader.gettext(title),
        detail=reader.gettext(said),
        again=_form_page(request),
    )


def _form_page(request: Request[Any, Any, Any]) -> str | None:
    """The page of this site the posted form was on (its `Referer`), if the browser said."""
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.url.netloc or not referer.path:
        return None
    return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))


#: Every exception a page may raise, answered by `error_page`. The app's handlers answer problem+json
#: for the same classes, and a router's handler wins only for a class it names itself.
PAGE_EXCEPTION_HANDLERS: ExceptionHandlersMap = dict.fromkeys(exception_handlers, error_page)
