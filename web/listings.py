"""A producer's listings as pages: the list (title, status, stock, price, last change), a listing
created and edited with its texts side by side — and a marker of the languages buyers of the
producer's hubs read that it lacks —, pausing, offering again and archiving, and its version history.

The pages are for members of the producing organisation; anyone else gets the not-found page, as the
API answers them. Every change goes through `ListingService`, called as
`marketplace.catalog.controllers` calls it (create; edit = PATCH fields, PUT prices, PUT stock, in
one form), and every field it refuses is named beside the form's field.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import babel
from babel import lists
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import Conflict, FieldError, InvalidInput
from kernel.numbers import read_number
from kernel.pagination import MAX_PAGE, page_params
from kernel.validation import convert
from marketplace.api import shown_classification
from marketplace.catalog.classification import Scheme, digits
from marketplace.catalog.models import ListingStatus
from marketplace.catalog.schemas import (
    Classification,
    ListingCreate,
    ListingRead,
    ListingUpdate,
    PriceChange,
    PriceTier,
    StockChange,
    Translation,
)
from marketplace.catalog.service import ListingService, Preference, SkuTaken, listing_values
from marketplace.hub.schemas import HubRead
from marketplace.hub.service import HubService
from marketplace.organization.schemas import OrganizationRead
from marketplace.organization.service import OrganizationService
from marketplace.tax.models import VatCategory
from web.form_numbers import shown_number
from web.i18n import language_name, name_order
from web.messages import field_message
from web.page import Form, Reader, page, safe_next
from web.pickers import classification_picker, read_classification, unit_choices
from web.places import countries as country_names
from web.places import regions
from web.vat_words import VatTerms, vat_terms
from web.vat_words import choices as vat_choices
from web.vat_words import described as vat_described
from web.vat_words import hint as vat_hint
from web.vat_words import said as vat_said

Session = NamedDependency[AsyncSession]
ThisReader = NamedDependency[Reader]

PER_PAGE = 50
#: A listing's form offers at least this many languages side by side.
LEAST_LANGUAGES = 2
#: Empty price rows the form offers below the filled ones, to add tiers without a script.
FREE_TIER_ROWS = 3
#: Rows of tiers read from a form at most (the service allows 20 tiers; the rest is not read).
MAX_TIER_ROWS = 40
#: Languages offered for a text beyond the organisation's and its hubs' (named in the reader's
#: language): the neighbours' and the region's own (Upper and Lower Sorbian in Lusatia).
OTHER_LANGUAGES = (
    "en", "de", "pl", "cs", "sk", "hsb", "dsb", "uk", "ru", "hu", "lt", "fr", "it", "es", "nl", "da", "sv",
)  # fmt: skip
_TIER = re.compile(r"^tier-(\d{1,3})-(min_quantity|unit_price)$")
_TITLE, _DESCRIPTION = "title-", "description-"
_EXTRA = "extra"


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


STATUS_WORDS = {
    ListingStatus.active: _("active"),
    ListingStatus.paused: _("paused"),
    ListingStatus.archived: _("archived"),
}
#: What a version changed (`RevisionRead.change`), in words.
CHANGE_WORDS = {
    "created": _("Listed"),
    "details": _("Texts or details changed"),
    "prices": _("Prices changed"),
    "stock": _("Stock changed"),
    "paused": _("Paused"),
    "active": _("Offered again"),
    "archived": _("Archived"),
}
#: The notice (`web.notices`) after each change of status.
STATUS_NOTICES = {
    ListingStatus.active: "listing-activated",
    ListingStatus.paused: "listing-paused",
    ListingStatus.archived: "listing-archived",
}


# --- the producer and the languages of its buyers ---------------------------------------------


@dataclass(frozen=True)
class Producer:
    """The organisation whose listings a page shows, the hubs it is admitted to or applying to, and
    the VAT rates of its country today (its listings' VAT categories mean those)."""

    organization: OrganizationRead
    hubs: list[HubRead]
    vat: VatTerms


async def _producer(session: AsyncSession, principal: Principal, organization_id: uuid.UUID) -> Producer:
    """The producer, if the reader is a member of it (`NotFound` otherwise, as the API answers;
    `NotAProducer` for an organisation that only buys)."""
    await ListingService(session).producer(principal, organization_id)
    organization = await OrganizationService(session).read(principal, organization_id)
    hubs = HubService(session)
    joined = [ref.hub_id for ref in organization.hubs if ref.status != "rejected"]
    return Producer(
        organization=organization,
        hubs=[await hubs.read(principal, hub_id) for hub_id in joined],
        vat=await vat_terms(session, organization.country),
    )


def _primary(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


@dataclass(frozen=True)
class Missing:
    """A language buyers of some of the producer's hubs read that the listing has no text in."""

    tag: str
    language: str
    """Named in the reader's language."""
    hubs: str
    """The hubs' names, as a list in the reader's language (`A, B and C`)."""


def missing_languages(producer: Producer, written: Iterable[str], locale: babel.Locale) -> list[Missing]:
    """The languages of the producer's hubs that none of `written` (tags with a title) is in."""
    have = {_primary(tag) for tag in written}
    readers: dict[str, list[str]] = {}
    for hub in producer.hubs:
        for tag in hub.languages:
            if _primary(tag) not in have:
                readers.setdefault(tag, []).append(hub.name)
    return [
        Missing(tag=tag, language=language_name(tag, locale), hubs=lists.format_list(names, locale=locale))
        for tag, names in readers.items()
    ]


def _form_languages(producer: Producer, *more: Iterable[str], reader: Reader) -> list[str]:
    """The languages the form has a fieldset for: the organisation's first, then the listing's, the
    ones posted and the hubs'; at least two (the reader's own, else English or German, added)."""
    tags = [*producer.organization.languages, *(tag for group in more for tag in group)]
    tags += [tag for hub in producer.hubs for tag in hub.languages]
    shown: list[str] = []
    for tag in tags:
        if tag and _primary(tag) not in {_primary(seen) for seen in shown}:
            shown.append(tag)
    for fallback in (reader.catalog_language, "en", "de"):
        if len(shown) < LEAST_LANGUAGES and fallback not in {_primary(seen) for seen in shown}:
            shown.append(fallback)
    return shown


# --- numbers as people type them -----------------------------------------------------------------


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


# --- the form, read and written ------------------------------------------------------------------


async def _posted(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The posted form as the page shows it again: each field trimmed, `ships_to` a list (with the
    country picked in "another country"), and a text in "another language" under its language."""
    form = await request.form()
    values: dict[str, Any] = {
        key: str(value).strip() for key, value in form.items() if key not in ("_csrf_token", "ships_to")
    }
    areas = [str(value).strip().upper() for value in form.getall("ships_to", []) if str(value).strip()]
    more = values.pop("ships_to_more", "").upper()
    values["ships_to"] = list(dict.fromkeys([*areas, *([more] if more else [])]))
    extra = values.pop("extra_language", "")
    title, description = values.pop(_TITLE + _EXTRA, ""), values.pop(_DESCRIPTION + _EXTRA, "")
    shown = values.get(_TITLE + extra) or values.get(_DESCRIPTION + extra)
    if extra and (title or description) and not shown:
        values[_TITLE + extra], values[_DESCRIPTION + extra] = title, description
    return values


def _posted_languages(values: Mapping[str, Any]) -> list[str]:
    return [key.removeprefix(_TITLE) for key in values if key.startswith(_TITLE) and key != _TITLE + _EXTRA]


def _texts(values: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The texts of each language with a title or a description (a language left empty is left out)."""
    texts: dict[str, dict[str, str]] = {}
    for tag in _posted_languages(values):
        title, description = values.get(_TITLE + tag, ""), values.get(_DESCRIPTION + tag, "")
        if title or description:
            texts[tag] = {"title": title, "description": description}
    return texts


def _tier_rows(values: Mapping[str, Any]) -> list[int]:
    return sorted({int(found[1]) for key in values if (found := _TIER.match(key)) and int(found[1]) < MAX_TIER_ROWS})


def _tiers(values: Mapping[str, Any], locale: babel.Locale) -> tuple[list[dict[str, str]], list[int]]:
    """The filled price rows as tiers, and the form's row of each."""
    tiers: list[dict[str, str]] = []
    rows: list[int] = []
    for row in _tier_rows(values):
        quantity, price = values.get(f"tier-{row}-min_quantity", ""), values.get(f"tier-{row}-unit_price", "")
        if quantity or price:
            tiers.append({"min_quantity": read_number(quantity, locale), "unit_price": read_number(price, locale)})
            rows.append(row)
    return tiers, rows


def _numbers(values: Mapping[str, Any], names: Iterable[str], locale: babel.Locale) -> dict[str, str]:
    return {name: read_number(values[name], locale) for name in names if values.get(name)}


@dataclass
class Fields:
    """Which form field each of the service's fields is (`$.translations.pl.title` is `title-pl`)."""

    names: dict[str, str] = field(default_factory=dict)

    def texts(self, tags: Iterable[str]) -> None:
        for tag in tags:
            self.names[f"$.translations.{tag}"] = self.names[f"$.translations.{tag}.title"] = _TITLE + tag
            self.names[f"$.translations.{tag}.description"] = _DESCRIPTION + tag
            self.names.setdefault("$.translations", _TITLE + tag)

    def tiers(self, rows: list[int]) -> None:
        for index, row in enumerate(rows):
            for name in ("min_quantity", "unit_price"):
                self.names[f"$.price_tiers[{index}].{name}"] = f"tier-{row}-{name}"
            self.names[f"$.price_tiers[{index}]"] = f"tier-{row}-min_quantity"
        self.names["$.price_tiers"] = f"tier-{rows[0] if rows else 0}-min_quantity"

    def areas(self, count: int) -> None:
        self.names.update({f"$.ships_to[{index}]": "ships_to" for index in range(count)})

    def classification(self) -> None:
        self.names.update({"$.classification": "code", "$.classification.code": "code"})
        self.names["$.classification.scheme"] = "scheme"


def _create_body(
    values: Mapping[str, Any], locale: babel.Locale, languages: list[str]
) -> tuple[dict[str, Any], Fields]:
    """The body `POST /api/v1/organizations/{id}/listings` would get for this form."""
    texts = _texts(values)
    if not texts:  # nothing written at all: the first title is the one missing
        texts = {values.get("default_language") or languages[0]: {"title": "", "description": ""}}
    tiers, rows = _tiers(values, locale)
    if not tiers:
        tiers, rows = [{"min_quantity": "", "unit_price": ""}], (_tier_rows(values) or [0])[:1]
    body: dict[str, Any] = {
        "sku": values.get("sku", ""),
        "translations": texts,
        "default_language": values.get("default_language", ""),
        "classification": read_classification(values),
        "unit": values.get("unit", ""),
        "price_tiers": tiers,
        "stock_on_hand": read_number(values.get("stock_on_hand", ""), locale),
        "ships_to": list(values.get("ships_to", [])),
        "status": values.get("status") or ListingStatus.active.value,
        "vat_category": values.get("vat_category") or VatCategory.standard.value,
        **_numbers(values, ("pack_size", "min_order_quantity", "lead_time_days"), locale),
    }
    fields = Fields()
    fields.texts(texts)
    fields.tiers(rows)
    fields.areas(len(body["ships_to"]))
    fields.classification()
    return body, fields


def _lenient(body: Mapping[str, Any]) -> ListingCreate:
    """`body` as a `ListingCreate` without the checks of decoding (a Struct checks nothing when built):
    whatever does not read as its type stands in as a value the service's rules refuse as well (a
    number that is no number is NaN), so that the rules add only their own problems."""

    def number(text: Any) -> Decimal:
        value = _decimal(str(text))
        return Decimal("NaN") if value is None else value

    scheme = body["classification"]["scheme"]
    status = body["status"]
    vat_category = body["vat_category"]
    minimum = body.get("min_order_quantity")
    lead_time = str(body.get("lead_time_days", "0"))
    return ListingCreate(
        sku=body["sku"],
        translations={
            tag: Translation(title=text["title"], description=text["description"])
            for tag, text in body["translations"].items()
        },
        default_language=body["default_language"],
        classification=Classification(
            scheme=Scheme(scheme) if scheme in {s.value for s in Scheme} else Scheme.CPV,
            code=body["classification"]["code"],
        ),
        unit=body["unit"],
        price_tiers=[
            PriceTier(min_quantity=number(tier["min_quantity"]), unit_price=number(tier["unit_price"]))
            for tier in body["price_tiers"]
        ],
        stock_on_hand=number(body["stock_on_hand"]),
        ships_to=list(body["ships_to"]),
        pack_size=number(body.get("pack_size", "1")),
        min_order_quantity=number(minimum) if minimum is not None else None,
        lead_time_days=int(lead_time) if lead_time.isascii() and lead_time.isdigit() else 0,
        status=ListingStatus(status) if status in {s.value for s in ListingStatus} else ListingStatus.active,
        vat_category=(
            VatCategory(vat_category) if vat_category in {c.value for c in VatCategory} else VatCategory.standard
        ),
    )


async def _listing_create(
    service: ListingService, principal: Principal, organization_id: uuid.UUID, body: Mapping[str, Any]
) -> ListingCreate:
    """`body` as the API decodes it. When it does not decode, the service's rules still judge what
    did (`listing_values`, as the bulk import checks a row), so that one answer names every bad field:
    a missing title and a negative price together. Raises `InvalidInput` with all of them."""
    try:
        data: ListingCreate = convert(body, ListingCreate, strict=False)
    except InvalidInput as shape:
        problems: list[FieldError] = list(shape.errors)
    else:
        return data
    producer = await service.producer(principal, organization_id)
    try:
        listing_values(producer, _lenient(body), await service.vat_rates())
    except InvalidInput as rules:
        problems += rules.errors
    raise InvalidInput.of(problems)


def listing_values_of(listing: ListingRead, locale: babel.Locale) -> dict[str, Any]:
    """The edit form's fields filled with the listing as it is."""
    values: dict[str, Any] = {
        "sku": listing.sku,
        "default_language": listing.default_language,
        "scheme": listing.classification.scheme.value,
        "code": shown_classification(listing.classification.scheme, listing.classification.code),
        "unit": listing.unit,
        "pack_size": shown_number(listing.pack_size, locale),
        "min_order_quantity": shown_number(listing.min_order_quantity, locale),
        "lead_time_days": str(listing.lead_time_days),
        "stock_on_hand": shown_number(listing.stock_on_hand, locale),
        "ships_to": list(listing.ships_to),
        "vat_category": listing.vat_category.value,
        "version": str(listing.version),
    }
    for tag, text in listing.translations.items():
        values[_TITLE + tag], values[_DESCRIPTION + tag] = text.title, text.description
    for row, tier in enumerate(listing.price_tiers):
        values[f"tier-{row}-min_quantity"] = shown_number(tier.min_quantity, locale)
        values[f"tier-{row}-unit_price"] = shown_number(tier.unit_price, locale)
    return values


def _same_number(text: str, current: Decimal) -> bool:
    value = _decimal(text)
    return value is not None and value == current


@dataclass
class Changes:
    """What an edit form changes, as the bodies of the API's three endpoints (None: unchanged)."""

    update: dict[str, Any] | None
    prices: list[dict[str, str]] | None
    stock: str | None
    fields: Fields

    @property
    def any(self) -> bool:
        return self.update is not None or self.prices is not None or self.stock is not None


def _changes(listing: ListingRead, values: Mapping[str, Any], locale: babel.Locale) -> Changes:
    """The parts of the listing the form changes; each unchanged part is left out, so that saving
    the form as it was adds no version."""
    update: dict[str, Any] = {}
    fields = Fields()
    texts = _texts(values)
    current = {
        tag: {"title": text.title, "description": text.description} for tag, text in listing.translations.items()
    }
    if texts != current:
        update["translations"] = texts or {listing.default_language: {"title": "", "description": ""}}
        fields.texts(update["translations"])
    if values.get("default_language", listing.default_language) != listing.default_language:
        update["default_language"] = values["default_language"]
    classification = read_classification(values)
    was = listing.classification
    if (classification["scheme"], digits(classification["code"])) != (was.scheme.value, digits(was.code)):
        update["classification"] = classification
        fields.classification()
    if values.get("unit", "").upper() != listing.unit:
        update["unit"] = values.get("unit", "")
    for name in ("pack_size", "min_order_quantity"):
        typed = read_number(values.get(name, ""), locale)
        if typed and not _same_number(typed, getattr(listing, name)):
            update[name] = typed
    lead_time = values.get("lead_time_days", "")
    if lead_time and lead_time != str(listing.lead_time_days):
        update["lead_time_days"] = lead_time
    if values.get("vat_category", listing.vat_category.value) != listing.vat_category.value:
        update["vat_category"] = values["vat_category"]
    areas = list(values.get("ships_to", []))
    if set(areas) != set(listing.ships_to):
        update["ships_to"] = areas
        fields.areas(len(areas))
    tiers, rows = _tiers(values, locale)
    if not tiers:
        tiers, rows = [{"min_quantity": "", "unit_price": ""}], (_tier_rows(values) or [0])[:1]
    unchanged = len(tiers) == len(listing.price_tiers) and all(
        _same_number(typed["min_quantity"], tier.min_quantity) and _same_number(typed["unit_price"], tier.unit_price)
        for typed, tier in zip(tiers, listing.price_tiers, strict=False)
    )
    fields.tiers(rows)
    stock = read_number(values.get("stock_on_hand", ""), locale)
    return Changes(
        update=update or None,
        prices=None if unchanged else tiers,
        stock=None if _same_number(stock, listing.stock_on_hand) else stock,
        fields=fields,
    )


async def _save(service: ListingService, principal: Principal, listing: ListingRead, changes: Changes) -> None:
    """Each changed part through its own use case, as `PATCH /listings/{id}`, `PUT .../prices` and
    `PUT .../stock` do. Every bad field of every part is named at once (`InvalidInput`); the caller
    keeps nothing unless all of them succeed (a savepoint)."""
    problems: list[FieldError] = []
    version = listing.version
    if changes.update is not None:
        try:
            update: ListingUpdate = convert(changes.update, ListingUpdate, strict=False)
            version = (await service.update(principal, listing.id, update)).version
        except InvalidInput as error:
            problems += error.errors
    if changes.prices is not None:
        try:
            prices: PriceChange = convert(
                {"price_tiers": changes.prices, "expected_version": version}, PriceChange, strict=False
            )
            version = (await service.change_prices(principal, listing.id, prices)).version
        except InvalidInput as error:
            problems += error.errors
    if changes.stock is not None:
        try:
            stock: StockChange = convert(
                {"stock_on_hand": changes.stock, "expected_version": version}, StockChange, strict=False
            )
            await service.change_stock(principal, listing.id, stock)
        except InvalidInput as error:
            problems += error.errors
    if problems:
        raise InvalidInput.of(problems)


# --- what the form offers ------------------------------------------------------------------------


@dataclass(frozen=True)
class LanguageBox:
    """One language's fieldset of title and description."""

    tag: str
    name: str
    missing: bool
    """Buyers of a hub read it and the listing has no text in it."""


@dataclass(frozen=True)
class AreaGroup:
    """The places of one country a producer may deliver to: all of it, or some of its regions."""

    country: str
    name: str
    regions: list[tuple[str, str]]
    """The regions the producer's hubs span, its seat's, and those already chosen: (code, name)."""
    more: list[tuple[str, str]]
    """The country's other regions."""


def _areas(producer: Producer, chosen: list[str], language: str) -> tuple[list[AreaGroup], list[tuple[str, str]]]:
    """The countries and regions to tick (grouped by country) and every other country, by name."""
    organization = producer.organization
    named = [*(area for hub in producer.hubs for area in hub.jurisdictions), *chosen]
    prominent = {*named, *([organization.subdivision] if organization.subdivision else [])}
    countries = list(dict.fromkeys([organization.country, *(area.split("-", 1)[0] for area in named)]))
    names = country_names(language)
    groups = []
    for country in countries:
        if country not in names:
            continue
        shown = [
            (region.code, region.name)
            for region in regions(country, language)
            if region.parent_code is None or region.code in prominent
        ]
        groups.append(
            AreaGroup(
                country=country,
                name=names[country],
                regions=[region for region in shown if region[0] in prominent],
                more=[region for region in shown if region[0] not in prominent],
            )
        )
    others = [(code, name) for code, name in names.items() if code not in countries]
    return groups, others


def _sorted_by_name(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(items, key=lambda item: name_order(item[1]))


def _form_context(
    reader: Reader,
    producer: Producer,
    form: Form,
    *,
    listing: ListingRead | None,
) -> dict[str, Any]:
    """What `listings/form.jinja` shows besides the form's values (the texts written are the ones in
    the form: the listing's, or what was typed when the form is shown again)."""
    locale = reader.formats.locale
    posted = _posted_languages(form.values)
    tags = _form_languages(producer, list(listing.translations) if listing else [], posted, reader=reader)
    titled = [tag for tag, text in _texts(form.values).items() if text["title"]]
    missing = missing_languages(producer, titled, locale)
    lacking = {_primary(item.tag) for item in missing}
    boxes = [LanguageBox(tag, language_name(tag, locale), _primary(tag) in lacking) for tag in tags]
    shown = {_primary(tag) for tag in tags}
    extra = _sorted_by_name((tag, language_name(tag, locale)) for tag in OTHER_LANGUAGES if _primary(tag) not in shown)
    groups, other_countries = _areas(producer, list(form.values.get("ships_to", [])), reader.language)
    rows = _tier_rows({key: value for key, value in form.values.items() if value})
    return {
        "organization": producer.organization,
        "listing": listing,
        "languages_shown": boxes,
        "missing": missing,
        "extra_languages": [("", reader.gettext("Choose a language")), *extra],
        "default_languages": [(box.tag, box.name) for box in boxes],
        **classification_picker(reader, form.values),
        "units": unit_choices(reader, listing.unit if listing else None),
        "tier_rows": range(max(rows, default=-1) + 1 + FREE_TIER_ROWS),
        "currency": listing.currency if listing else producer.organization.default_currency,
        "area_groups": groups,
        "other_countries": [("", reader.gettext("Choose a country")), *other_countries],
        "status_words": {status: reader.gettext(word) for status, word in STATUS_WORDS.items()},
        "vat_choices": vat_choices(producer.vat, reader, listing.vat_category if listing else None),
        "vat_hint": vat_hint(producer.vat, reader),
        "vat_now": vat_described(producer.vat, listing.vat_category, reader) if listing else None,
    }


def _said_to(reader: Reader) -> Callable[[str], str]:
    """How the form says a service's problem with a field: the VAT category's its own way, others as usual."""

    def say(message: str) -> str:
        return vat_said(message, reader) or field_message(message, reader.gettext)

    return say


def _list_path(organization_id: uuid.UUID) -> str:
    return f"/organizations/{organization_id}/listings"


def _with_notice(path: str, notice: str) -> Redirect:
    """See `path` (which may have a query of its own, the filter of a list) with `notice` shown on it
    instead of any it had."""
    parts = urlsplit(path)
    query = [(key, value) for key, value in parse_qsl(parts.query) if key != "notice"]
    return Redirect(f"{parts.path}?{urlencode([*query, ('notice', notice)])}", status_code=303)


# --- the pages -----------------------------------------------------------------------------------


class ListingPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/organizations/{organization_id:uuid}/listings", name="producer-listings")
    async def listings(
        self,
        organization_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        status: FromQuery[str] = "",
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        """The producer's listings, newest change first, filtered by status."""
        principal = reader.require()
        await ListingService(db_session).producer(principal, organization_id)
        organization = await OrganizationService(db_session).read(principal, organization_id)
        chosen = ListingStatus(status) if status in {s.value for s in ListingStatus} else None
        result = await ListingService(db_session).list_of_producer(
            principal,
            organization_id,
            status=chosen,
            classification_prefix=None,
            page=page_params(min(max(page_number, 1), MAX_PAGE), PER_PAGE),
            preference=Preference(languages=(reader.language,)),
        )
        pages = max(1, -(-result.total // PER_PAGE))
        return page(
            reader,
            "listings/list.jinja",
            organization=organization,
            listings=result.items,
            total=result.total,
            page_number=result.page,
            pages=pages,
            status=chosen.value if chosen else "",
            statuses=[
                ("", reader.gettext("All")),
                *((s.value, reader.gettext(STATUS_WORDS[s])) for s in ListingStatus),
            ],
            status_words={s: reader.gettext(word) for s, word in STATUS_WORDS.items()},
            list_path=_list_path(organization_id),
        )

    @get("/organizations/{organization_id:uuid}/listings/new")
    async def new_listing(
        self, organization_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Template:
        principal = reader.require()
        producer = await _producer(db_session, principal, organization_id)
        organization = producer.organization
        values: dict[str, Any] = {
            "default_language": (organization.languages or [reader.catalog_language])[0],
            "scheme": Scheme.CPV.value,
            "pack_size": "1",
            "lead_time_days": "0",
            "status": ListingStatus.active.value,
            "ships_to": [organization.subdivision or organization.country],
            "vat_category": VatCategory.standard.value,
        }
        return self._new_page(reader, producer, Form(values=values))

    def _new_page(self, reader: Reader, producer: Producer, form: Form, status_code: int = 200) -> Template:
        organization_id = producer.organization.id
        return page(
            reader,
            "listings/form.jinja",
            status_code=status_code,
            form=form,
            heading=reader.gettext("List new goods"),
            action=f"/organizations/{organization_id}/listings/new",
            list_path=_list_path(organization_id),
            **_form_context(reader, producer, form, listing=None),
        )

    @post("/organizations/{organization_id:uuid}/listings/new")
    async def create_listing(
        self,
        organization_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
    ) -> Template | Redirect:
        principal = reader.require()
        producer = await _producer(db_session, principal, organization_id)
        values = await _posted(request)
        form = Form(values=values)
        languages = _form_languages(producer, _posted_languages(values), reader=reader)
        body, fields = _create_body(values, reader.formats.locale, languages)
        service = ListingService(db_session)
        try:
            async with db_session.begin_nested():
                data = await _listing_create(service, principal, organization_id, body)
                await service.create(principal, organization_id, data)
        except InvalidInput as error:
            form.note(error, reader, fields.names, say=_said_to(reader))
            return self._new_page(reader, producer, form, status_code=422)
        except SkuTaken:
            form.errors["sku"] = reader.gettext("You already use this SKU for another of your listings.")
            return self._new_page(reader, producer, form, status_code=409)
        return _with_notice(_list_path(organization_id), "listing-created")

    @get("/listings/{listing_id:uuid}/edit")
    async def edit_listing(self, listing_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session) -> Template:
        principal = reader.require()
        listing = await ListingService(db_session).read(principal, listing_id, Preference(languages=(reader.language,)))
        producer = await _producer(db_session, principal, listing.organization_id)
        form = Form(values=listing_values_of(listing, reader.formats.locale))
        return self._edit_page(reader, producer, listing, form)

    def _edit_page(
        self, reader: Reader, producer: Producer, listing: ListingRead, form: Form, status_code: int = 200
    ) -> Template:
        return page(
            reader,
            "listings/form.jinja",
            status_code=status_code,
            form=form,
            heading=reader.gettext("Change the listing"),
            action=f"/listings/{listing.id}/edit",
            list_path=_list_path(listing.organization_id),
            **_form_context(reader, producer, form, listing=listing),
        )

    @post("/listings/{listing_id:uuid}/edit")
    async def save_listing(
        self, listing_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        principal = reader.require()
        service = ListingService(db_session)
        listing = await service.read(principal, listing_id, Preference(languages=(reader.language,)))
        producer = await _producer(db_session, principal, listing.organization_id)
        values = await _posted(request)
        values["sku"] = listing.sku
        form = Form(values=values)
        if values.get("version") != str(listing.version):
            values["version"] = str(listing.version)
            form.problem = reader.gettext(
                "Someone changed this listing since you opened the page. Check the form and save it again "
                "to replace their changes with yours."
            )
            return self._edit_page(reader, producer, listing, form, status_code=409)
        changes = _changes(listing, values, reader.formats.locale)
        if not changes.any:
            return _with_notice(_list_path(listing.organization_id), "listing-unchanged")
        try:
            async with db_session.begin_nested():
                await _save(service, principal, listing, changes)
        except InvalidInput as error:
            form.note(error, reader, changes.fields.names, say=_said_to(reader))
            return self._edit_page(reader, producer, listing, form, status_code=422)
        except Conflict as error:
            form.problem = reader.gettext(error.detail)
            return self._edit_page(reader, producer, listing, form, status_code=error.status)
        return _with_notice(_list_path(listing.organization_id), "listing-saved")

    @post("/listings/{listing_id:uuid}/status")
    async def change_status(
        self, listing_id: FromPath[uuid.UUID], request: Request[Any, Any, Any], reader: ThisReader, db_session: Session
    ) -> Redirect:
        """Pause, offer again or archive (the button says which), then back to the page it was on."""
        principal = reader.require()
        form = await request.form()
        wanted = str(form.get("status", ""))
        if wanted not in {s.value for s in ListingStatus}:
            raise InvalidInput.field("status", "must be one of: active, paused, archived")
        listing = await ListingService(db_session).set_status(principal, listing_id, ListingStatus(wanted))
        back = str(form.get("next", ""))
        path = safe_next(back) if back else _list_path(listing.organization_id)
        return _with_notice(path, STATUS_NOTICES[listing.status])

    @get("/listings/{listing_id:uuid}/history")
    async def history(self, listing_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session) -> Template:
        """Each version's prices and stock, newest first."""
        principal = reader.require()
        service = ListingService(db_session)
        listing = await service.read(principal, listing_id, Preference(languages=(reader.language,)))
        await service.producer(principal, listing.organization_id)
        revisions = await service.revisions(principal, listing_id)
        return page(
            reader,
            "listings/history.jinja",
            listing=listing,
            revisions=list(reversed(revisions)),
            change_words={change: reader.gettext(word) for change, word in CHANGE_WORDS.items()},
            list_path=_list_path(listing.organization_id),
        )
