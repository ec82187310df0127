"""Pages of one's account: signing in and out, registering, proving the address, a new password,
and the language pages are read in."""

from __future__ import annotations

import contextlib
from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import SESSION_COOKIE
from kernel.errors import DomainError, InvalidInput, TooManyRequests
from kernel.settings import CoreSettings
from kernel.validation import convert
from marketplace.identity.account import AccountService
from marketplace.identity.controllers import session_cookie
from marketplace.identity.schemas import (
    EmailVerification,
    LoginRequest,
    PasswordResetConfirm,
    PasswordResetRequest,
    UserRegister,
    UserUpdate,
)
from marketplace.identity.service import IdentityService
from marketplace.identity.sessions import SessionService
from marketplace.settings import MarketplaceSettings
from web.i18n import LANGUAGE_COOKIE, language_names
from web.page import Form, Reader, form_values, page, safe_next, see_other

Session = NamedDependency[AsyncSession]
Core = NamedDependency[CoreSettings]
Marketplace = NamedDependency[MarketplaceSettings]
ThisReader = NamedDependency[Reader]
#: A language picked on a browser is remembered for a year.
LANGUAGE_COOKIE_SECONDS = 365 * 24 * 3600


def _client(request: Request[Any, Any, Any]) -> str | None:
    return request.client.host if request.client else None


class AccountPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/sign-in", name="sign-in")
    async def sign_in_form(self, reader: ThisReader, next: FromQuery[str | None] = None) -> Template:  # noqa: A002
        return page(reader, "account/sign_in.jinja", form=Form(values={"next": safe_next(next)}))

    @post("/sign-in")
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        core_settings: Core,
        marketplace_settings: Marketplace,
    ) -> Template | Redirect:
        values = await form_values(request)
        form = Form(values=values)
        identity = IdentityService(db_session, core_settings, public_url=marketplace_settings.public_url)
        try:
            login = convert({"email": values.get("email", ""), "password": values.get("password", "")}, LoginRequest)
            signed_in = await identity.sign_in_with_cookie(
                login, client=_client(request), user_agent=request.headers.get("user-agent")
            )
        except (InvalidInput, TooManyRequests) as error:
            form.note(error, reader)
            return page(reader, "account/sign_in.jinja", form=form, status_code=error.status)
        if signed_in is None:
            # Answered without raising, so that the failure recorded for throttling commits.
            form.problem = reader.gettext("Wrong e-mail or password.")
            return page(reader, "account/sign_in.jinja", form=form, status_code=401)
        _, value = signed_in
        redirect = see_other(safe_next(values.get("next")))
        redirect.cookies.append(session_cookie(request, marketplace_settings, value))
        return redirect

    @post("/sign-out")
    async def sign_out(
        self,
        request: Request[Any, Any, Any],
        db_session: Session,
        core_settings: Core,
        marketplace_settings: Marketplace,
    ) -> Redirect:
        await SessionService(db_session, core_settings).end_cookie_session(request.cookies.get(SESSION_COOKIE))
        redirect = see_other("/", notice="signed-out")
        redirect.cookies.append(session_cookie(request, marketplace_settings, None))
        return redirect

    @get("/register")
    async def register_form(self, reader: ThisReader) -> Template:
        return page(reader, "account/register.jinja", form=Form(values={"preferred_language": reader.catalog_language}))

    @post("/register")
    async def register(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        core_settings: Core,
        marketplace_settings: Marketplace,
    ) -> Template | Redirect:
        values = await form_values(request)
        form = Form(values=values)
        if values.get("password") != values.get("password_again"):
            form.errors["password_again"] = reader.gettext("The two passwords differ.")
        identity = IdentityService(db_session, core_settings, public_url=marketplace_settings.public_url)
        try:
            data = convert(
                {
                    "email": values.get("email", ""),
                    "password": values.get("password", ""),
                    "full_name": values.get("full_name", ""),
                    "preferred_language": values.get("preferred_language") or reader.language,
                },
                UserRegister,
            )
            if form.errors:
                raise InvalidInput.of([])
            await identity.register(data)
        except InvalidInput as error:
            form.note(error, reader)
            return page(reader, "account/register.jinja", form=form, status_code=422)
        # The same answer whether or not the address had an account (registering reveals no one).
        return see_other("/sign-in", notice="registered", email=data.email)

    @get("/account/verify-email")
    async def verify_email_form(self, reader: ThisReader, token: FromQuery[str] = "") -> Template:
        # A button, not the link itself, proves the address: mail scanners open links on their own.
        return page(reader, "account/verify_email.jinja", form=Form(values={"token": token}))

    @post("/account/verify-email")
    async def verify_email(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        marketplace_settings: Marketplace,
    ) -> Template | Redirect:
        values = await form_values(request)
        form = Form(values=values)
        accounts = AccountService(db_session, public_url=marketplace_settings.public_url)
        try:
            await accounts.verify_email(convert({"token": values.get("token", "")}, EmailVerification))
        except InvalidInput:
            form.problem = reader.gettext(
                "This link has been used, has expired or is not complete. Sign in and ask for a new one."
            )
            return page(reader, "account/verify_email.jinja", form=form, status_code=422)
        return see_other("/", notice="email-verified")

    @post("/account/verification-email")
    async def resend_verification(
        self, reader: ThisReader, db_session: Session, marketplace_settings: Marketplace
    ) -> Redirect:
        principal = reader.require()
        try:
            await AccountService(db_session, public_url=marketplace_settings.public_url).resend_verification(principal)
        except TooManyRequests:
            return see_other("/", notice="verification-wait")
        return see_other("/", notice="verification-sent")

    @get("/account/forgot-password")
    async def forgot_password_form(self, reader: ThisReader) -> Template:
        return page(reader, "account/forgot_password.jinja", form=Form())

    @post("/account/forgot-password")
    async def forgot_password(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        marketplace_settings: Marketplace,
    ) -> Template:
        values = await form_values(request)
        form = Form(values=values)
        accounts = AccountService(db_session, public_url=marketplace_settings.public_url)
        try:
            await accounts.request_password_reset(convert({"email": values.get("email", "")}, PasswordResetRequest))
        except InvalidInput as error:
            form.note(error, reader)
            return page(reader, "account/forgot_password.jinja", form=form, status_code=422)
        return page(reader, "account/forgot_password.jinja", form=form, sent=True)

    @get("/account/reset-password")
    async def reset_password_form(self, reader: ThisReader, token: FromQuery[str] = "") -> Template:
        return page(reader, "account/reset_password.jinja", form=Form(values={"token": token}))

    @post("/account/reset-password")
    async def reset_password(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        marketplace_settings: Marketplace,
    ) -> Template | Redirect:
        values = await form_values(request)
        form = Form(values={"token": values.get("token", "")})
        if values.get("new_password") != values.get("password_again"):
            form.errors["password_again"] = reader.gettext("The two passwords differ.")
            return page(reader, "account/reset_password.jinja", form=form, status_code=422)
        accounts = AccountService(db_session, public_url=marketplace_settings.public_url)
        try:
            data = convert(
                {"token": values.get("token", ""), "new_password": values.get("new_password", "")},
                PasswordResetConfirm,
            )
            await accounts.reset_password(data)
        except InvalidInput as error:
            form.note(error, reader, {"$.token": "form"})
            if "form" in form.errors:
                form.problem = reader.gettext(
                    "This link has been used, has expired or is not complete. Ask for a new one."
                )
            return page(reader, "account/reset_password.jinja", form=form, status_code=422)
        return see_other("/sign-in", notice="password-changed")

    @post("/language")
    async def change_language(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        marketplace_settings: Marketplace,
    ) -> Redirect:
        """The language of every page from now on: the person's preferred language when signed in
        (their mail follows it too), else this browser's."""
        values = await form_values(request)
        language = values.get("language", "")
        redirect = see_other(safe_next(values.get("next")))
        if language not in language_names():
            return redirect
        if reader.principal is not None:
            accounts = AccountService(db_session, public_url=marketplace_settings.public_url)
            # An account that may not change its profile still gets the browser's language below.
            with contextlib.suppress(DomainError):
                await accounts.update_profile(reader.principal, UserUpdate(preferred_language=language))
        redirect.cookies.append(
            Cookie(key=LANGUAGE_COOKIE, value=language, max_age=LANGUAGE_COOKIE_SECONDS, samesite="lax", httponly=True)
        )
        return redirect
