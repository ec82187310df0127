"""The person's own settings (name, language, how they are told of things, password) and accepting
an invitation to an organisation (the link of the invitation e-mail)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.errors import InvalidInput, NotFound
from kernel.settings import CoreSettings
from kernel.validation import convert
from marketplace.identity.account import AccountService
from marketplace.identity.models import EmailFrequency
from marketplace.identity.schemas import PasswordChange, UserRead, UserUpdate
from marketplace.identity.service import IdentityService
from marketplace.organization.service import OrganizationService
from marketplace.settings import MarketplaceSettings
from web.page import Form, Reader, form_values, page, see_other

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
Marketplace = NamedDependency[MarketplaceSettings]
Core = NamedDependency[CoreSettings]


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


FREQUENCIES = {
    EmailFrequency.immediately: _("At once, one e-mail each"),
    EmailFrequency.daily: _("Once a day, in one e-mail"),
    EmailFrequency.off: _("Not by e-mail (only here, in the app)"),
}


def _settings_form(me: UserRead, reader: Reader) -> Form:
    values: dict[str, object] = {
        "full_name": me.full_name,
        "preferred_language": reader.catalog_language,
        "notify_in_app": me.notify_in_app,
        "notify_email": me.notify_email.value,
    }
    return Form(values=values)


class ProfilePages(Controller):
    path = "/"
    include_in_schema = False

    @get("/account")
    async def profile(
        self, reader: ThisReader, db_session: Session, core_settings: Core, marketplace_settings: Marketplace
    ) -> Template:
        principal = reader.require()
        me = await IdentityService(db_session, core_settings, public_url=marketplace_settings.public_url).me(principal)
        return self._page(reader, me.email, _settings_form(me, reader), Form())

    def _page(self, reader: Reader, email: str, form: Form, password: Form, status_code: int = 200) -> Template:
        frequencies = [(key.value, reader.gettext(text)) for key, text in FREQUENCIES.items()]
        return page(
            reader,
            "account/profile.jinja",
            email=email,
            form=form,
            password=password,
            frequencies=frequencies,
            status_code=status_code,
        )

    @post("/account")
    async def save_profile(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        marketplace_settings: Marketplace,
    ) -> Template | Redirect:
        principal = reader.require()
        values = await form_values(request)
        form = Form(values={**values, "notify_in_app": "notify_in_app" in values})
        accounts = AccountService(db_session, public_url=marketplace_settings.public_url)
        try:
            change = convert(
                {
                    "full_name": values.get("full_name", ""),
                    "preferred_language": values.get("preferred_language") or None,
                    "notify_in_app": "notify_in_app" in values,
                    "notify_email": values.get("notify_email", ""),
                },
                UserUpdate,
            )
            await accounts.update_profile(principal, change)
        except InvalidInput as error:
            form.note(error, reader)
            return self._page(reader, principal.email, form, Form(), status_code=422)
        return see_other("/account", notice="profile-saved")

    @post("/account/password")
    async def change_password(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        core_settings: Core,
        marketplace_settings: Marketplace,
    ) -> Template | Redirect:
        principal = reader.require()
        values = await form_values(request)
        password = Form()
        if values.get("new_password") != values.get("password_again"):
            password.errors["password_again"] = reader.gettext("The two passwords differ.")
        accounts = AccountService(db_session, public_url=marketplace_settings.public_url)
        try:
            change = convert(
                {
                    "current_password": values.get("current_password", ""),
                    "new_password": values.get("new_password", ""),
                },
                PasswordChange,
            )
            if password.errors:
                raise InvalidInput.of([])
            await accounts.change_password(principal, change)
        except InvalidInput as error:
            password.note(error, reader)
            identity = IdentityService(db_session, core_settings, public_url=marketplace_settings.public_url)
            me = await identity.me(principal)
            return self._page(reader, me.email, _settings_form(me, reader), password, status_code=422)
        return see_other("/account", notice="password-changed-here")

    @get("/invitations/accept")
    async def invitation(
        self, reader: ThisReader, db_session: Session, invitation: FromQuery[str] = "", token: FromQuery[str] = ""
    ) -> Template:
        principal = reader.require()
        invitations = await OrganizationService(db_session).my_invitations(principal)
        found = next((i for i in invitations if str(i.id) == invitation), None)
        if found is None:
            raise NotFound("no such invitation")
        return page(reader, "account/invitation.jinja", invitation=found, token=token)

    @post("/invitations/accept")
    async def accept_invitation(
        self, request: Request[Any, Any, Any], reader: ThisReader, db_session: Session
    ) -> Redirect:
        principal = reader.require()
        values = await form_values(request)
        try:
            invitation_id = uuid.UUID(values.get("invitation", ""))
        except ValueError:
            raise NotFound("no such invitation") from None
        organizations = OrganizationService(db_session)
        pending = {i.id: i.organization_id for i in await organizations.my_invitations(principal)}
        await organizations.accept_invitation(principal, invitation_id, values.get("token", ""))
        return see_other(f"/organizations/{pending[invitation_id]}", notice="invitation-accepted")
