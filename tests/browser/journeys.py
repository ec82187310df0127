"""The people of the browser journeys and the market they trade in: `Person` (a page, the language
its reader reads, with or without JavaScript), `Words` (the pages' texts in that language, looked up
in the pages' catalog so the journeys hold before and after translation) and `build_market` (a hub
on the Neisse, two Polish producers, a German town hall), made through the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import httpx
from babel.messages.pofile import read_po
from playwright.async_api import Locator, Page, expect
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from kernel.catalogs import POT
from kernel.db import transaction
from kernel.fx import RateRow, store_rates
from marketplace.api import Formats, catalog_language, formats_for
from tests.browser.conftest import OpenPage
from tests.browser.pages import assert_accessible, assert_fits_phone, screenshot
from tests.factories.catalog import create_listing
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.organization import admitted_organization, create_hub, german_registration, platform_admin
from web.i18n import WEB_CATALOG

RunWorker = Callable[[], Awaitable[None]]
UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HUB = "Görlitz–Zgorzelec"
PRODUCER = "Zioła Łużyckie sp. z o.o."
EUR_PLN = Decimal("4.2500")
TRACKING = "DHL 00340434161094042557"
NEW_ORDER = "New: waiting for the producer to accept it"


def _catalog_texts() -> frozenset[str]:
    """Every text of the pages (the template the catalogs are made from): a test looking up a text
    that is not one would read the English words in every language, and pass until translated."""
    with (WEB_CATALOG.locale_dir / POT).open("rb") as template:
        return frozenset(message.id if isinstance(message.id, str) else message.id[0] for message in read_po(template))


_CATALOG_TEXTS = _catalog_texts()


class Words:
    """The pages' texts as a reader of `language` reads them: the catalog's translation (the English
    text until there is one), formatted as the templates format it; and the reader's formats."""

    def __init__(self, language: str) -> None:
        self.texts = WEB_CATALOG.translations(catalog_language(language))
        self.f: Formats = formats_for(language)

    def __call__(self, text: str, **values: object) -> str:
        assert text in _CATALOG_TEXTS, f"not a text of the pages' catalog (a slip, or a part of one): {text!r}"
        said = str(self.texts.gettext(text))
        return said % values if values else said

    def counted(self, singular: str, plural: str, count: int) -> str:
        assert singular in _CATALOG_TEXTS, f"not a text of the pages' catalog: {singular!r}"
        return str(self.texts.ngettext(singular, plural, count)) % {"num": count}

    def per_unit(self, price: Decimal, currency: str, unit: str) -> str:
        """A price for one unit, as the search and listing pages say it (`48,00 zł / kg`)."""
        return self("%(price)s / %(unit)s", price=self.f.amount(price, currency), unit=self.f.unit(unit))


@dataclass(frozen=True)
class Person:
    """Someone at their browser: its page, the language they read, and whether it runs JavaScript
    (then on a desktop, taking the screenshots; else on a small phone)."""

    page: Page
    words: Words
    live_server: str
    java_script: bool

    @property
    def main(self) -> Locator:
        return self.page.locator("main")

    def heading(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    def notice(self) -> Locator:
        """What the form that led to the page achieved (`web.notices`)."""
        return self.page.locator("main > p.notice[role=status]")

    def order_state(self) -> Locator:
        """An order's state on its page (the first of its facts)."""
        return self.page.locator("main dl.facts dd").first.locator("strong")

    async def visit(self, path: str) -> None:
        response = await self.page.goto(f"{self.live_server}{path}")
        assert response is not None
        assert response.status == 200, f"{path}: {response.status}"

    async def check(self, name: str, *, phone: bool = False, picture: str | None = None) -> None:
        """axe on the page as it is; for the main pages, that it fits a 360 px phone and (in the run
        with JavaScript) its screenshots at phone and desktop widths."""
        # After a click the new document may still be loading its stylesheet, and axe would judge it
        # unstyled (links crowded together, the skip link on show).
        await self.page.wait_for_load_state("load")
        await assert_accessible(self.page, name)
        if phone:
            await assert_fits_phone(self.page)
        if picture and self.java_script:
            await self.page.evaluate("document.activeElement?.blur()")  # no focus ring on the picture
            await screenshot(self.page, picture)

    async def sign_in(self, email: str) -> None:
        """On the sign-in page (found by its form: it may be in any language); lands on the start page."""
        await self.visit("/sign-in")
        await self.page.locator("#f-email").fill(email)
        await self.page.locator("#f-password").fill(PASSWORD)
        await self.page.locator("main form[action='/sign-in'] button[type=submit]").click()
        await expect(self.page).to_have_url(f"{self.live_server}/")
        await expect(self.page.locator("header .who")).to_be_visible()


async def person(open_page: OpenPage, live_server: str, language: str, *, java_script: bool) -> Person:
    page = await open_page(java_script=java_script, phone=not java_script, locale=language)
    return Person(page=page, words=Words(language), live_server=live_server, java_script=java_script)


@dataclass(frozen=True)
class Market:
    beekeeper: Account
    cheesemaker: Account
    buyer: Account
    honey: dict[str, Any]
    """Zioła Łużyckie's linden honey, in Polish and German: 48.00 PLN per kg, 44.00 from 20 kg."""
    cheese: dict[str, Any]
    """Serowarnia Bogatynia's cheese, in Polish and German: 60.00 PLN per kg, 55.00 from 10 kg."""
    cheese_producer: str
    buyer_name: str
    hub: dict[str, Any]
    coordinator: Account
    """A coordinator of the hub (Jana Horáková), who admits, verifies and sets the hub's rules."""


async def build_market(
    http: httpx.AsyncClient, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> Market:
    """A hub on the Neisse, two Polish producers with a listing each, a German town hall buying; the
    rate of the euro stored as the daily job would."""
    client: Any = http  # the factories take any client of the API
    admin = await platform_admin(client, sessions, settings)
    coordinator = await register(client, full_name="Jana Horáková")
    beekeeper = await register(client, full_name="Ewa Nowak", preferred_language="pl")
    cheesemaker = await register(client, full_name="Piotr Wiśniewski", preferred_language="pl")
    buyer = await register(client, full_name="Katrin Vogel", preferred_language="de")
    hub = await create_hub(client, admin, [coordinator], name=HUB)
    honey_producer = await admitted_organization(
        client, hub, beekeeper, coordinator, legal_name=PRODUCER, employee_count=3
    )
    cheese_producer = await admitted_organization(
        client, hub, cheesemaker, coordinator, legal_name="Serowarnia Bogatynia", municipality="Bogatynia"
    )
    town_hall = await admitted_organization(
        client,
        hub,
        buyer,
        coordinator,
        legal_name="Stadt Görlitz",
        kind="buyer",
        registration=german_registration(),
        country="DE",
        subdivision="DE-SN",
        municipality="Görlitz",
        default_currency="EUR",
        languages=["de"],
    )
    honey = await create_listing(
        client,
        beekeeper,
        honey_producer,
        translations={
            "pl": {"title": "Miód lipowy", "description": "Miód z lip nad Nysą, w słoikach po pół kilograma."},
            "de": {"title": "Lindenhonig", "description": "Honig von den Linden an der Neiße, im Glas zu 500 g."},
        },
        price_tiers=[{"min_quantity": "1", "unit_price": "48.00"}, {"min_quantity": "20", "unit_price": "44.00"}],
    )
    cheese = await create_listing(
        client,
        cheesemaker,
        cheese_producer,
        translations={
            "pl": {"title": "Ser koryciński", "description": "Ser z mleka niepasteryzowanego, dojrzewający."},
            "de": {"title": "Korycin-Käse", "description": "Käse aus Rohmilch, gereift in Bogatynia."},
        },
        classification={"scheme": "CPV", "code": "15544000-3"},
        pack_size="1",
        min_order_quantity="1",
        price_tiers=[{"min_quantity": "1", "unit_price": "60.00"}, {"min_quantity": "10", "unit_price": "55.00"}],
        stock_on_hand="40",
    )
    async with transaction(sessions) as session:
        day = clock.today() - dt.timedelta(days=1)
        await store_rates(session, [RateRow(base="EUR", quote="PLN", rate=EUR_PLN, as_of=day, source="ECB")])
    return Market(
        beekeeper=beekeeper,
        cheesemaker=cheesemaker,
        buyer=buyer,
        honey=honey,
        cheese=cheese,
        cheese_producer=cheese_producer["legal_name"],
        buyer_name=town_hall["legal_name"],
        hub=hub,
        coordinator=coordinator,
    )
