"""The start page: what Borderhub is, a search box, and (in the demo) the demo people to sign in as."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.response import Template

from web.page import Reader, page
from web.settings import WebSettings

ThisReader = NamedDependency[Reader]


class HomePage(Controller):
    path = "/"
    include_in_schema = False

    @get("/", name="home")
    async def home(self, reader: ThisReader, web_settings: NamedDependency[WebSettings]) -> Template:
        role_names = {
            "producer": reader.gettext("producer"),
            "buyer": reader.gettext("buyer"),
            "coordinator": reader.gettext("hub coordinator"),
        }
        return page(
            reader,
            "home.jinja",
            demo_accounts=web_settings.demo_accounts,
            demo_password=web_settings.demo_password,
            role_names=role_names,
        )
