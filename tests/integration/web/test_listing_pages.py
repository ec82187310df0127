"""A producer's listing pages: creating a listing in two languages on the form, every bad field named,
the marker of the languages a hub's buyers read that a listing lacks, editing prices (a new version
on the history page), pausing, and what a member of another organisation sees (the not-found page)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import httpx
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.catalog import create_listing
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.organization import admitted_organization, create_hub, create_organization, platform_admin
from tests.integration.web.pages import csrf_of, sign_in_page


class _FormFields(HTMLParser):
    """The fields a browser posts from the page's form with `action`: inputs with their values,
    ticked boxes only, each select's chosen option, textareas' text."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action = action
        self.inside = False
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._options: list[str] = []
        self._chosen: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "form":
            self.inside = found.get("action") == self.action and found.get("method") == "post"
        elif not self.inside:
            return
        elif tag == "input" and found.get("name"):
            kind = found.get("type") or "text"
            if kind not in ("submit", "button") and (kind not in ("checkbox", "radio") or "checked" in found):
                self.fields.append((str(found["name"]), found.get("value") or ""))
        elif tag == "select":
            self._select, self._options, self._chosen = found.get("name"), [], None
        elif tag == "option" and self._select is not None:
            self._options.append(found.get("value") or "")
            if "selected" in found:
                self._chosen = found.get("value") or ""
        elif tag == "textarea":
            self._textarea, self._text = found.get("name"), []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = self._chosen if self._chosen is not None else (self._options or [""])[0]
            self.fields.append((self._select, chosen))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)


def form_fields(html: str, action: str) -> dict[str, list[str]]:
    reader = _FormFields(action)
    reader.feed(html)
    assert reader.fields, f"no form posting to {action}"
    fields: dict[str, list[str]] = {}
    for name, value in reader.fields:
        fields.setdefault(name, []).append(value)
    return fields


async def _post(
    client: AsyncTestClient[Litestar], form_page: str, action: str, fields: dict[str, Any]
) -> httpx.Response:
    """Open `form_page`, then post `fields` (a list is a repeated field: ticked boxes) to `action`."""
    shown = await client.get(form_page)
    assert shown.status_code == 200, shown.text
    return await client.post(action, data={"_csrf_token": csrf_of(shown.text), **fields}, follow_redirects=False)


async def _producer(
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    hub_languages: tuple[str, ...] = ("de", "pl"),
) -> tuple[Account, dict[str, Any], dict[str, Any]]:
    """A Polish producer (languages pl, de) admitted to a Görlitz–Zgorzelec hub, signed in on the pages."""
    coordinator = await register(client)
    admin = await platform_admin(client, sessions, settings)
    hub = await create_hub(client, admin, [coordinator], languages=list(hub_languages))
    owner = await register(client, full_name="Ewa Nowak")
    organization = await admitted_organization(client, hub, owner, coordinator)
    client.cookies.clear()
    assert (await sign_in_page(client, owner.email, PASSWORD)).status_code == 303
    return owner, organization, hub


def _honey(**overrides: Any) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title-pl": "Miód lipowy",
        "description-pl": "Miód z lip nad Nysą",
        "title-de": "Lindenhonig",
        "description-de": "Honig von den Linden an der Neiße",
        "default_language": "pl",
        "sku": "HONEY-LIPA-1",
        "scheme": "CPV",
        "code": "CPV 03142100-9",  # picked from the names: "Natural honey (CPV)"
        "unit": "KGM",
        "pack_size": "1",
        "min_order_quantity": "",
        "lead_time_days": "2",
        "stock_on_hand": "250",
        "tier-0-min_quantity": "1",
        "tier-0-unit_price": "48,50",  # as a Polish producer types it
        "tier-1-min_quantity": "20",
        "tier-1-unit_price": "44",
        "tier-2-min_quantity": "",
        "tier-2-unit_price": "",
        "ships_to": ["PL-02", "DE-SN"],
        "status": "active",
    }
    fields.update(overrides)
    return fields


async def _listings_of(client: AsyncTestClient[Litestar], owner: Account, organization: dict[str, Any]) -> Any:
    found = await client.get(f"/api/v1/organizations/{organization['id']}/listings", headers=owner.headers)
    assert found.status_code == 200, found.text
    return found.json()


async def test_a_producer_lists_goods_in_polish_and_german_and_sees_them_with_price_and_unit_by_name(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    owner, organization, _ = await _producer(client, sessions, settings)
    listings = f"/organizations/{organization['id']}/listings"

    created = await _post(client, f"{listings}/new", f"{listings}/new", _honey())

    assert created.status_code == 303, created.text
    shown = await client.get(created.headers["location"])
    assert shown.status_code == 200
    assert "The listing is created." in shown.text
    assert '<a href="/listings/' in shown.text
    assert 'lang="pl">Miód lipowy</a>' in shown.text  # the English reader gets the default text, marked Polish
    assert "PLN48.50 per kg" in shown.text  # 48,50 as typed; the unit by name, never KGM
    assert "250 kg" in shown.text
    assert ">active<" in shown.text
    [listing] = (await _listings_of(client, owner, organization))["items"]
    assert set(listing["translations"]) == {"pl", "de"}
    assert listing["translations"]["de"]["title"] == "Lindenhonig"
    assert listing["classification"] == {"scheme": "CPV", "code": "03142100-9"}
    assert listing["ships_to"] == ["PL-02", "DE-SN"]


async def test_a_missing_title_a_negative_price_and_no_place_to_deliver_are_all_named_and_nothing_is_created(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    owner, organization, _ = await _producer(client, sessions, settings)
    listings = f"/organizations/{organization['id']}/listings"

    refused = await _post(
        client,
        f"{listings}/new",
        f"{listings}/new",
        _honey(**{"title-pl": "", "tier-0-unit_price": "-2", "ships_to": []}),
    )

    assert refused.status_code == 422
    assert 'id="f-title-pl-error"' in refused.text
    assert 'id="f-tier-0-unit_price-error"' in refused.text
    assert 'id="f-ships_to-error"' in refused.text
    assert 'href="#f-title-pl"' in refused.text  # the summary leads to each field
    assert 'href="#f-tier-0-unit_price"' in refused.text
    assert 'value="Lindenhonig"' in refused.text  # what was typed is kept
    assert (await _listings_of(client, owner, organization))["total"] == 0


async def test_the_form_marks_a_language_the_hubs_buyers_read_when_the_listing_has_no_text_in_it(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    owner, organization, hub = await _producer(client, sessions, settings, hub_languages=("de", "pl", "cs"))
    listing = await create_listing(client, owner, organization)  # in Polish, German and English

    edit = await client.get(f"/listings/{listing['id']}/edit")

    assert edit.status_code == 200
    assert f"Buyers in {hub['name']} also read Czech — no text yet." in edit.text
    assert "also read German" not in edit.text
    assert 'name="title-cs"' in edit.text  # a fieldset to write it in, beside the others
    assert 'name="title-pl"' in edit.text
    assert 'name="title-de"' in edit.text


async def test_changing_the_price_adds_a_version_shown_on_the_history_page(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    owner, organization, _ = await _producer(client, sessions, settings)
    listing = await create_listing(client, owner, organization)  # 48.00 PLN per kg from 1 kg
    edit = f"/listings/{listing['id']}/edit"
    shown = await client.get(edit)
    fields = form_fields(shown.text, edit)
    fields["tier-0-unit_price"] = ["45.00"]

    saved = await client.post(edit, data=fields, follow_redirects=False)

    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == f"/organizations/{organization['id']}/listings?notice=listing-saved"
    history = await client.get(f"/listings/{listing['id']}/history")
    assert history.status_code == 200
    assert "Prices changed" in history.text
    assert "from 1 kg: PLN45.00 per kg" in history.text
    assert "from 1 kg: PLN48.00 per kg" in history.text  # the first version, as it was
    assert "Texts or details changed" not in history.text  # the untouched parts made no version
    assert "Stock changed" not in history.text
    assert (await client.get(f"/api/v1/listings/{listing['id']}", headers=owner.headers)).json()["version"] == 2


async def test_an_edit_with_a_bad_price_names_it_and_keeps_none_of_the_other_changes(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    owner, organization, _ = await _producer(client, sessions, settings)
    listing = await create_listing(client, owner, organization)
    edit = f"/listings/{listing['id']}/edit"
    fields = form_fields((await client.get(edit)).text, edit)
    fields.update({"title-de": [""], "stock_on_hand": ["300"], "tier-1-unit_price": ["50"]})  # dearer than row 1

    refused = await client.post(edit, data=fields, follow_redirects=False)

    assert refused.status_code == 422
    assert 'id="f-title-de-error"' in refused.text
    assert 'id="f-tier-1-unit_price-error"' in refused.text
    assert 'value="300"' in refused.text  # what was typed is kept on the form ...
    kept = (await client.get(f"/api/v1/listings/{listing['id']}", headers=owner.headers)).json()
    assert (kept["version"], kept["stock_on_hand"]) == (1, "250")  # ... and none of it in the listing
    assert kept["translations"]["de"]["title"] == "Lindenhonig"


async def test_pausing_a_listing_shows_it_paused(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    owner, organization, _ = await _producer(client, sessions, settings)
    listing = await create_listing(client, owner, organization)
    listings = f"/organizations/{organization['id']}/listings"

    paused = await _post(client, listings, f"/listings/{listing['id']}/status", {"status": "paused", "next": listings})

    assert paused.status_code == 303
    shown = await client.get(paused.headers["location"])
    assert "The listing is paused" in shown.text
    assert 'class="badge status-paused">paused<' in shown.text
    assert "Offer again" in shown.text


async def test_each_action_on_a_listing_is_named_by_the_words_it_shows_then_the_listing_in_its_language(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    owner, organization, _ = await _producer(client, sessions, settings)
    polish_only = {"pl": {"title": "Miód lipowy", "description": "Miód z lip nad Nysą"}}
    listing = await create_listing(client, owner, organization, translations=polish_only)
    listings = f"/organizations/{organization['id']}/listings"
    await _post(client, listings, f"/listings/{listing['id']}/status", {"status": "paused", "next": listings})

    shown = (await client.get(listings)).text

    # A voice command says what the button shows (WCAG 2.5.3); a screen reader hears which listing,
    # in the listing's language.
    table = shown.split("<table", 1)[1].split("</table>", 1)[0]
    title = '<span class="visually-hidden"> <span lang="pl">Miód lipowy</span></span>'
    assert f">Offer again{title}</button>" in table
    assert f">Archive{title}</button>" in table
    assert f">Change{title}</a>" in table
    assert f">Versions{title}</a>" in table
    assert "aria-label=" not in table


async def test_a_member_of_another_organisation_gets_the_not_found_page(
    client: AsyncTestClient[Litestar], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> None:
    owner, organization, _ = await _producer(client, sessions, settings)
    listing = await create_listing(client, owner, organization)
    client.cookies.clear()
    stranger = await register(client)
    await create_organization(client, stranger)
    assert (await sign_in_page(client, stranger.email, PASSWORD)).status_code == 303

    for path in (
        f"/organizations/{organization['id']}/listings",
        f"/organizations/{organization['id']}/listings/new",
        f"/listings/{listing['id']}/edit",
        f"/listings/{listing['id']}/history",
    ):
        answer = await client.get(path)
        assert answer.status_code == 404, path
        assert answer.headers["content-type"].startswith("text/html")
        assert "Miód lipowy" not in answer.text
    paused = await _post(client, "/", f"/listings/{listing['id']}/status", {"status": "paused"})
    assert paused.status_code == 404
    assert (await client.get(f"/api/v1/listings/{listing['id']}", headers=owner.headers)).json()["status"] == "active"
