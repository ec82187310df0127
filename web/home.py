"""The start page: what Borderhub is and a search box; for a signed-in person, where their work is
(each organisation's pages, unread notifications); in the demo, the demo people to sign in as."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.pagination import PageParams
from marketplace.notification.service import NotificationService
from web.mine import buys, my_memberships, sells
from web.page import Reader, page
from web.settings import WebSettings

ThisReader = NamedDependency[Reader]


class HomePage(Controller):
    path = "/"
    include_in_schema = False

    @get("/", name="home")
    async def home(
        self,
        reader: ThisReader,
        web_settings: NamedDependency[WebSettings],
        db_session: NamedDependency[AsyncSession],
    ) -> Template:
        role_names = {
            "producer": reader.gettext("producer"),
            "buyer": reader.gettext("buyer"),
            "coordinator": reader.gettext("hub coordinator"),
        }
        organizations, unread = [], 0
        if reader.principal is not None:
            organizations = [
                (organization, sells(organization.kind), buys(organization.kind))
                for organization in await my_memberships(db_session, reader.principal)
            ]
            inbox = await NotificationService(db_session).inbox(reader.principal, PageParams(page=1, per_page=1))
            unread = inbox.unread
        return page(
            reader,
            "home.jinja",
            demo_accounts=web_settings.demo_accounts if reader.principal is None else (),
            demo_password=web_settings.demo_password,
            role_names=role_names,
            organizations=organizations,
            unread=unread,
        )
