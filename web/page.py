"""What every page handler needs: who reads the page (`Reader`), rendering a template for them, and
answering a form (redirect after success, the form again with each field's problem otherwise)."""

from __future__ import annotations

import dataclasses
import gettext
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from litestar import Request
from litestar.di import NamedDependency
from litestar.enums import MediaType
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import SESSION_COOKIE, Principal
from kernel.errors import DomainError, FieldError, Unauthenticated
from kernel.settings import CoreSettings
from marketplace.api import Formats, catalog_language, formats_for, hubs_coordinated
from marketplace.identity.service import IdentityService
from marketplace.settings import MarketplaceSettings
from web.i18n import LANGUAGE_COOKIE, WEB_CATALOG, language_names, page_language
from web.messages import field_message
from web.mine import consortia_of_officer
from web.notices import counted_notice, notice_text

#: The count a counted notice says (`web.notices.COUNTED_NOTICES`).
_COUNT = re.compile(r"[0-9]{1,9}")


class SignInRequired(DomainError):
    """The page is for signed-in people: the reader is sent to sign in, and back here afterwards."""

    status = 401
    slug = "sign-in-required"
    title = "Sign in"


@dataclass(frozen=True)
class Reader:
    """Who reads the page: the signed-in person (or nobody), in which language, formatting how."""

    principal: Principal | None
    name: str | None
    language: str
    """The BCP 47 tag the page is written for (`de`, `pl-PL`)."""
    formats: Formats
    texts: gettext.NullTranslations
    path: str
    """This page's path and query: where to come back to (after signing in, changing the language)."""
    email_verified: bool = False
    coordinates: bool = False
    """Whether the reader coordinates a hub (the header then links to the hubs' pages)."""
    consortia: tuple[uuid.UUID, ...] = ()
    """The microfinance consortia the reader is an officer of (the header then links to them)."""
    notice: str | None = None
    """What the form that led here achieved (`web.notices`), in the reader's language."""

    @property
    def catalog_language(self) -> str:
        return catalog_language(self.language)

    def gettext(self, text: str) -> str:
        return str(self.texts.gettext(text))

    def require(self) -> Principal:
        """The signed-in person; `SignInRequired` (the page sends them to sign in) otherwise."""
        if self.principal is None:
            raise SignInRequired("sign in to see this page")
        return self.principal


async def read_reader(
    request: Request[Any, Any, Any],
    db_session: NamedDependency[AsyncSession],
    core_settings: NamedDependency[CoreSettings],
    marketplace_settings: NamedDependency[MarketplaceSettings],
) -> Reader:
    """The reader of this request (kept on `request.state` for the error pages)."""
    principal, name, preferred, verified, coordinates = None, None, None, False, False
    consortia: tuple[uuid.UUID, ...] = ()
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        identity = IdentityService(db_session, core_settings, public_url=marketplace_settings.public_url)
        try:
            principal, user = await identity.authenticate_reader(cookie)
        except Unauthenticated:
            pass
        else:
            name, preferred, verified = user.full_name, user.preferred_language, user.email_verified
            coordinates = bool(await hubs_coordinated(db_session, principal))
            consortia = await consortia_of_officer(db_session, principal)
    language = page_language(preferred, request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    # Where to come back to, without the notice of the form that led here (it was said once).
    kept = [(key, value) for key, value in request.query_params.multi_items() if key != "notice"]
    path = request.url.path + (f"?{urlencode(kept)}" if kept else "")
    reader = Reader(
        principal=principal,
        name=name,
        language=language,
        formats=formats_for(language),
        texts=WEB_CATALOG.translations(catalog_language(language)),
        path=path,
        email_verified=verified,
        coordinates=coordinates,
        consortia=consortia,
    )
    key, count = request.query_params.get("notice"), request.query_params.get("count", "")
    if (notice := notice_text(key)) is not None:
        reader = dataclasses.replace(reader, notice=reader.gettext(notice))
    elif (forms := counted_notice(key)) is not None and _COUNT.fullmatch(count):
        said = reader.texts.ngettext(*forms, int(count)) % {"num": reader.formats.number(int(count))}
        reader = dataclasses.replace(reader, notice=said)
    request.state.reader = reader
    return reader


def reader_without_database(request: Request[Any, Any, Any]) -> Reader:
    """The reader as far as is known without the database (for an error raised before a handler ran)."""
    known = getattr(request.state, "reader", None)
    if isinstance(known, Reader):
        return known
    language = page_language(None, request.cookies.get(LANGUAGE_COOKIE), request.headers.get("accept-language"))
    return Reader(
        principal=None,
        name=None,
        language=language,
        formats=formats_for(language),
        texts=WEB_CATALOG.translations(catalog_language(language)),
        path=request.url.path,
    )


@dataclass
class Form:
    """A submitted form: its values as sent (to show them again) and each field's problem."""

    values: Mapping[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    problem: str | None = None
    """What is wrong with the form as a whole (not with one field)."""

    def note(
        self,
        error: DomainError,
        reader: Reader,
        fields: Mapping[str, str] | None = None,
        say: Callable[[str], str] | None = None,
    ) -> None:
        """The problems of `error`, each on its field (named as the form names it: `fields` maps the
        service's names, `$.lines[0].quantity`, to the form's, when they differ), in the services'
        usual words (`web.messages`) or as `say` puts a page's own."""
        fields = fields or {}
        for problem in error.errors or []:
            name = fields.get(problem.field, _form_field(problem))
            if name in self.errors:
                continue
            self.errors[name] = say(problem.message) if say else field_message(problem.message, reader.gettext)
        if not error.errors:
            self.problem = reader.gettext(error.detail)


def _form_field(problem: FieldError) -> str:
    name = problem.field.removeprefix("$.").removeprefix("$")
    return name or "form"


def page(reader: Reader, template: str, *, status_code: int = 200, **context: Any) -> Template:
    """`template` rendered for the reader, with `context`."""
    return Template(
        template_name=template,
        context={"reader": reader, "f": reader.formats, "languages": language_names(), **context},
        status_code=status_code,
        media_type=MediaType.HTML,
    )


def see_other(path: str, **query: str | uuid.UUID | None) -> Redirect:
    """After a form succeeded: go (GET) to `path` (with `query`), so reloading does not post again."""
    shown = {key: str(value) for key, value in query.items() if value is not None}
    return Redirect(path + (f"?{urlencode(shown)}" if shown else ""), status_code=303)


def sign_in_path(next_path: str) -> str:
    return f"/sign-in?next={quote(next_path, safe='')}"


def safe_next(next_path: str | None) -> str:
    """Where to go after signing in: a path of this site only (never another site's address)."""
    if not next_path or not next_path.startswith("/") or next_path.startswith("//") or "\\" in next_path:
        return "/"
    return next_path


async def form_values(request: Request[Any, Any, Any]) -> dict[str, str]:
    """The posted form's fields (the first value of each; the CSRF token left out), trimmed."""
    form = await request.form()
    return {key: str(value).strip() for key, value in form.items() if key != "_csrf_token"}
