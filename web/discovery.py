"""Pages for buyers finding goods: the search with its facets (`/search`) and a listing's page
(`/listings/<id>`) with its translations, volume prices, what a quantity would cost and the form
that puts it in the cart.

They call the services of `GET /api/v1/search/listings` and `GET /api/v1/listings/{id}` (with its
`/quote` and `/eligibility`) in process. Those answer signed-in callers only (a search looks for goods
delivered to where the caller's buying organisation is; active listings are shown to everyone signed
in), so both pages send others to sign in first. Prices are shown in the currency of the reader's
buying organisation when a rate is recorded, with the rate's date.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import babel
from babel import numbers
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from markupsafe import Markup, escape
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import InvalidInput, NotFound
from kernel.numbers import parse_number
from kernel.storage import FileStorage
from marketplace.api import (
    ProducerProfile,
    category_name,
    classification_name,
    producer_profiles,
    shown_classification,
)
from marketplace.catalog.classification import digits as digits_of
from marketplace.catalog.photos import ListingPhotoService
from marketplace.catalog.schemas import ListingEligibility, ListingRead, PhotoRead, Quote
from marketplace.catalog.service import ListingNotFound, ListingService, Preference
from marketplace.organization.schemas import MembershipRead
from search.api import SearchEngine
from search.document import REFERENCE_CURRENCY
from search.engines.base import CLASSIFICATION_FACET_DIGITS
from search.query.schemas import ListingHit, SearchPage
from search.query.service import ANYWHERE, MAX_RESULT_WINDOW, SearchParams, search_listings
from web.i18n import language_name, language_names
from web.mine import my_memberships
from web.page import Form, Reader, page
from web.places import place_name
from web.words import INCLUSION_WORDS, credential_name

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
Engine = NamedDependency[SearchEngine]
#: Results on one page of the search.
PER_PAGE = 20
#: How much of a description a result shows (the listing's page has all of it).
EXCERPT_CHARACTERS = 220


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: The inclusion attributes by their codes, as search hits and profiles carry them (a buyer filters by them).
INCLUSION = {attribute.value: words for attribute, words in INCLUSION_WORDS.items()}
SORTS = {
    "relevance": _("Best match first"),
    "price_asc": _("Lowest price first"),
    "price_desc": _("Highest price first"),
    "newest": _("Newest first"),
}
#: The search's query parameters as the form names them; a service's `query:<name>` is the field `<name>`.
SEARCH_FIELDS = (
    "q",
    "classification",
    "origin_country",
    "inclusion",
    "price_min",
    "price_max",
    "in_stock",
    "ships_to",
    "buyer",
    "sort",
    "page",
)
_SEARCH_ERRORS = {f"query:{name}": name for name in SEARCH_FIELDS} | {"query:currency": "form"}


# --- who buys ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Buyer:
    """The reader's buying organisations and the one they buy for (their only one, or the one named)."""

    organizations: list[MembershipRead]
    chosen: MembershipRead | None

    @property
    def place(self) -> str | None:
        """Where goods are delivered to by default: the organisation's region, else its country."""
        return (self.chosen.subdivision or self.chosen.country) if self.chosen else None

    @property
    def currency(self) -> str | None:
        return self.chosen.default_currency if self.chosen else None


async def buying_for(session: AsyncSession, principal: Principal, wanted: uuid.UUID | None = None) -> Buyer:
    """The organisations the reader belongs to that buy, and the one chosen as the search service
    chooses it (`buyer`, else the only one); a `wanted` one that is not theirs is not chosen."""
    buying = await my_memberships(session, principal, buying=True)
    if wanted is not None:
        chosen = next((o for o in buying if o.id == wanted), None)
    else:
        chosen = buying[0] if len(buying) == 1 else None
    return Buyer(organizations=buying, chosen=chosen)


# --- places, numbers, prices ---------------------------------------------------------------------


def per_unit(reader: Reader, price: str, unit_code: str) -> str:
    """`2,40 € / kg`: a price for one unit, the unit by name."""
    return reader.gettext("%(price)s / %(unit)s") % {"price": price, "unit": reader.formats.unit(unit_code)}


def marked(excerpt: str) -> Markup:
    """An engine's excerpt with the matched words in `<mark>`: escaped, the marks kept."""
    safe = str(escape(excerpt))
    return Markup(safe.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))  # noqa: S704


def _link(path: str, values: Iterable[tuple[str, str]], **changes: str | None) -> str:
    """`path` with the query `values`, where each of `changes` replaces (or, None, removes) a parameter."""
    kept = [(key, value) for key, value in values if key not in changes and value != ""]
    kept += [(key, value) for key, value in changes.items() if value is not None]
    return path + (f"?{urlencode(kept)}" if kept else "")


# --- the search page -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One listing found, as the results list shows it."""

    id: uuid.UUID
    title: str
    language: str
    excerpt: Markup | str
    producer: str
    origin: str
    price: str
    """Per unit, in the reader's currency where converted."""
    producer_price: str | None
    """The producer's own price per unit, when `price` is converted."""
    rate_date: str | None
    in_stock: bool
    verified: list[str]
    """The producer's inclusion attributes its hub verified, by name."""
    category: str | None
    """What the goods are, by the name of their classification code (None when it has none)."""
    found_as: tuple[str, str, str] | None = None
    """How a listing found through another language's word names the goods: (language tag, the language
    by name, the word), for "Also found as (Polish): miód"; None when it matched the reader's words."""


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    count: int
    checked: bool


@dataclass(frozen=True)
class PriceLink:
    url: str
    label: str
    count: int | None
    """None when the matches were not all counted."""


@dataclass
class SearchView:
    """Everything the search page shows besides the form's own values."""

    total: int = 0
    total_exact: bool = True
    """False: more than `total` match, and the facets' counts are left out (they count only those)."""
    results: list[Result] = field(default_factory=list)
    categories: list[tuple[str, str]] = field(default_factory=list)
    origins: list[tuple[str, str]] = field(default_factory=list)
    inclusion: list[Choice] = field(default_factory=list)
    prices: list[PriceLink] = field(default_factory=list)
    currency_name: str = ""
    """The currency prices are shown and filtered in, by name."""
    searched: bool = False
    """Whether the search ran (not when the form has a problem)."""
    destinations: list[tuple[str, str]] = field(default_factory=list)
    destination: str | None = None
    """Where the results are delivered to, by name (None: anywhere)."""
    anywhere_url: str | None = None
    buyers: list[tuple[str, str]] = field(default_factory=list)
    sorts: list[tuple[str, str]] = field(default_factory=list)
    page: int = 1
    pages: int = 1
    previous_url: str | None = None
    next_url: str | None = None


@dataclass(frozen=True)
class SearchRequest:
    """The search form as sent: its values (shown again as typed) and what is asked of the service."""

    values: dict[str, Any]
    pairs: list[tuple[str, str]]
    inclusion: tuple[str, ...]
    price_min: Decimal | None
    price_max: Decimal | None
    buyer: uuid.UUID | None
    page: int
    errors: dict[str, str]

    @classmethod
    def read(cls, query: Mapping[str, Any], pairs: list[tuple[str, str]], reader: Reader) -> SearchRequest:
        values = {name: str(query.get(name) or "").strip() for name in SEARCH_FIELDS if name != "inclusion"}
        values["sort"] = values["sort"] or "relevance"
        inclusion = tuple(value for key, value in pairs if key == "inclusion" and value)
        errors: dict[str, str] = {}
        prices: dict[str, Decimal | None] = {}
        for name in ("price_min", "price_max"):
            prices[name] = parse_number(values[name], reader.formats.locale)
            if values[name] and prices[name] is None:
                errors[name] = reader.gettext("Enter a number, like 12.50.")
        try:
            buyer = uuid.UUID(values["buyer"]) if values["buyer"] else None
        except ValueError:
            buyer = None
        page_number = int(values["page"]) if values["page"].isascii() and values["page"].isdigit() else 1
        return cls(
            values={**values, "inclusion": inclusion},
            pairs=[(key, value) for key, value in pairs if key in SEARCH_FIELDS],
            inclusion=inclusion,
            price_min=prices["price_min"],
            price_max=prices["price_max"],
            buyer=buyer,
            page=max(page_number, 1),
            errors=errors,
        )

    def params(self, reader: Reader, buyer: Buyer, currency: str | None) -> SearchParams:
        values = self.values
        return SearchParams(
            q=values["q"],
            languages=(reader.language,),
            classification=values["classification"] or None,
            origin_country=values["origin_country"] or None,
            ships_to=values["ships_to"] or None,
            buyer=buyer.chosen.id if buyer.chosen else None,
            inclusion=self.inclusion,
            price_min=self.price_min,
            price_max=self.price_max,
            currency=currency,
            in_stock=bool(values["in_stock"]),
            sort=values["sort"],
            page=self.page,
            per_page=PER_PAGE,
            facets=True,
        )


async def find(
    session: AsyncSession,
    engine: SearchEngine,
    principal: Principal,
    asked: SearchRequest,
    reader: Reader,
    buyer: Buyer,
) -> SearchPage:
    """The search, in the buyer's currency; in the service's own (euro) when no rate to it is recorded."""
    params = asked.params(reader, buyer, buyer.currency)
    try:
        return await search_listings(session, engine, principal, params)
    except InvalidInput as error:
        if buyer.currency is None or any(e.field != "query:currency" for e in error.errors or []):
            raise
    return await search_listings(session, engine, principal, asked.params(reader, buyer, None))


def _result(hit: ListingHit, reader: Reader) -> Result:
    f = reader.formats
    converted = hit.converted
    own = per_unit(reader, f.amount(hit.unit_price, hit.currency), hit.unit)
    if hit.highlights and "<mark>" in hit.highlights.description:
        excerpt: Markup | str = marked(hit.highlights.description)
    else:
        excerpt = _shortened(hit.description)
    origin = place_name(hit.origin_subdivision or hit.origin_country, reader.language)
    matched = hit.matched
    found_as = None
    if matched and matched.via == "translation" and matched.language and matched.term:
        found_as = (matched.language, language_name(matched.language, reader.formats.locale), matched.term)
    return Result(
        id=hit.id,
        title=hit.title,
        language=hit.language,
        excerpt=excerpt,
        producer=hit.producer_name,
        origin=origin,
        price=per_unit(reader, f.amount(converted.unit_price, converted.currency), hit.unit) if converted else own,
        producer_price=own if converted else None,
        rate_date=f.date(converted.as_of) if converted else None,
        in_stock=hit.in_stock,
        verified=[reader.gettext(INCLUSION[a]) for a in hit.inclusion if a in INCLUSION],
        category=classification_name(hit.classification_scheme, hit.classification_code, reader.language),
        found_as=found_as,
    )


def _shortened(text: str) -> str:
    if len(text) <= EXCERPT_CHARACTERS:
        return text
    return text[:EXCERPT_CHARACTERS].rsplit(" ", 1)[0] + "…"


def _counted(reader: Reader, label: str, count: int) -> str:
    return reader.gettext("%(name)s (%(count)s)") % {"name": label, "count": reader.formats.number(count)}


def search_view(found: SearchPage | None, asked: SearchRequest, reader: Reader, buyer: Buyer) -> SearchView:
    """The results, facets and links of the search page (`found` None: the search could not run; the
    form keeps what was chosen)."""
    values = asked.values
    facets = found.facets if found else None
    classification = facets.classification if facets else {}
    origin = facets.origin_country if facets else {}
    inclusion = facets.inclusion if facets else {}
    # Beyond the matches counted, a facet's count would count only those: the values are shown without.
    exact = found.total_exact if found else True

    def counted(label: str, count: int) -> str:
        return _counted(reader, label, count) if exact else label

    view = SearchView(sorts=[(key, reader.gettext(label)) for key, label in SORTS.items()])
    if len(buyer.organizations) > 1:
        view.buyers = [
            ("", reader.gettext("Any of them (delivered anywhere)")),
            *((str(o.id), o.legal_name) for o in buyer.organizations),
        ]
    currency = found.query.currency if found else buyer.currency or REFERENCE_CURRENCY
    view.currency_name = numbers.get_currency_name(currency, locale=reader.formats.locale)
    named = _named_groups(found.items if found else [], reader)
    categories = {
        digits: counted(_group(digits, named.get(digits, []), reader), count)
        for digits, count in sorted(classification.items())
    }
    if values["classification"] and values["classification"] not in categories:
        categories[values["classification"]] = reader.gettext("Codes beginning %(digits)s") % {
            "digits": values["classification"]
        }
    view.categories = [("", reader.gettext("All categories")), *categories.items()]
    origins = {code: counted(place_name(code, reader.language), count) for code, count in origin.items()}
    if values["origin_country"] and values["origin_country"].upper() not in origins:
        origins[values["origin_country"]] = place_name(values["origin_country"], reader.language)
    view.origins = [("", reader.gettext("Anywhere")), *sorted(origins.items(), key=lambda item: item[1].casefold())]
    view.inclusion = [
        Choice(key, reader.gettext(label), inclusion.get(key, 0) if exact else 0, key in asked.inclusion)
        for key, label in INCLUSION.items()
    ]
    view.destinations = _destinations(found.query.ships_to if found else None, buyer, values["ships_to"], reader)
    if found is None:
        return view
    view.searched = True
    view.total = found.total
    view.total_exact = found.total_exact
    view.results = [_result(hit, reader) for hit in found.items]
    view.prices = [
        _price_link(bucket.min, bucket.max, bucket.count if exact else None, found.query.currency, asked, reader)
        for bucket in (facets.price if facets else [])
        if bucket.count
    ]
    view.destination = place_name(found.query.ships_to, reader.language) if found.query.ships_to else None
    if found.query.ships_to:
        view.anywhere_url = _link("/search", asked.pairs, ships_to=ANYWHERE, page=None)
    view.page = found.page
    # Beyond the matches counted there is at least one page more.
    matches = found.total if found.total_exact else found.total + 1
    view.pages = max(1, min(-(-matches // found.per_page), MAX_RESULT_WINDOW // found.per_page))
    if view.page > 1:
        view.previous_url = _link("/search", asked.pairs, page=str(min(view.page, view.pages + 1) - 1))
    if view.page < view.pages:
        view.next_url = _link("/search", asked.pairs, page=str(view.page + 1))
    return view


def _named_groups(hits: Iterable[ListingHit], reader: Reader) -> dict[str, list[str]]:
    """The names of the categories the facet groups the results' codes by (the HS chapter or CPV division
    of their first digits: `04`, "Dairy, eggs and honey"), else of the codes themselves."""
    names: dict[str, set[str]] = {}
    for hit in hits:
        group = digits_of(hit.classification_code)[:CLASSIFICATION_FACET_DIGITS]
        name = category_name(hit.classification_scheme, group, reader.language) or classification_name(
            hit.classification_scheme, hit.classification_code, reader.language
        )
        if name:
            names.setdefault(group, set()).add(name)
    return {digits: sorted(found, key=str.casefold) for digits, found in names.items()}


def _group(digits: str, names: list[str], reader: Reader) -> str:
    """A category of the facet: its code's first digits, and the names of the goods found in it."""
    if not names:
        return reader.gettext("Codes beginning %(digits)s") % {"digits": digits}
    return reader.gettext("%(digits)s…: %(names)s") % {"digits": digits, "names": ", ".join(names[:3])}


def _price_link(
    low: Decimal, high: Decimal | None, count: int | None, currency: str, asked: SearchRequest, reader: Reader
) -> PriceLink:
    f = reader.formats
    if high is None:
        label = reader.gettext("%(price)s or more") % {"price": f.amount(low, currency)}
    elif not low:
        label = reader.gettext("Below %(price)s") % {"price": f.amount(high, currency)}
    else:
        label = reader.gettext("%(low)s to %(high)s") % {
            "low": f.amount(low, currency),
            "high": f.amount(high, currency),
        }
    url = _link(
        "/search",
        asked.pairs,
        price_min=f.number(low) if low else None,
        price_max=f.number(high) if high is not None else None,
        page=None,
    )
    return PriceLink(url=url, label=label, count=count)


def _destinations(applied: str | None, buyer: Buyer, asked: str, reader: Reader) -> list[tuple[str, str]]:
    """The choices of where goods are delivered to: the buyer's place (the default) or anywhere (or
    the place asked for in the address, `applied` as the search understood it)."""
    choices: list[tuple[str, str]] = []
    if buyer.place:
        choices.append(("", place_name(buyer.place, reader.language)))
    if asked and asked.lower() != ANYWHERE and asked != buyer.place:
        choices.append((asked, place_name(applied or asked, reader.language)))
    if choices:
        choices.append((ANYWHERE, reader.gettext("Anywhere")))
    return choices


# --- the listing page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class QuoteView:
    quantity: str
    total: str
    unit_price: str
    converted: str | None
    rate_date: str | None


@dataclass(frozen=True)
class Delivery:
    """Whether the listing may be sold into the buyer's place, in words."""

    place: str
    eligible: bool
    ships_there: bool
    missing: list[str]


@dataclass(frozen=True)
class ListingView:
    listing: ListingRead
    other_languages: list[tuple[str, str, str]]
    """(language tag, its name in itself, the link showing it first) of the listing's other texts."""
    producer: str | None
    origin: str
    verified: list[str]
    ships_to: list[str]
    in_stock: bool
    quote: QuoteView | None
    cart_quantity: str
    """What the cart form offers: the quantity just priced, else the least order."""
    delivery: Delivery | None
    tiers: list[tuple[str, str]]
    """(from quantity, price per unit) in words."""
    classification: str
    """The goods' classification code as written, with its name when it has one."""


def _language_name(tag: str) -> str:
    try:
        return babel.Locale.parse(tag, sep="-").get_display_name(tag.replace("-", "_")) or tag
    except (ValueError, babel.UnknownLocaleError):
        return language_names().get(tag, tag)


async def quote_for(
    service: ListingService,
    principal: Principal,
    listing: ListingRead,
    quantity: str,
    currency: str | None,
    reader: Reader,
    form: Form,
) -> Quote | None:
    """The price of `quantity` as the reader typed it, converted to `currency` when it differs and a
    rate is recorded; None with the problem noted on `form` when the quantity cannot be ordered."""
    amount = parse_number(quantity, reader.formats.locale)
    if amount is None:
        form.errors["quantity"] = reader.gettext("Enter a number, like 12.50.")
        return None
    wanted = currency if currency and currency != listing.currency else None
    try:
        return await _quote(service, principal, listing.id, amount, wanted)
    except InvalidInput as error:
        quantity_problem(error, listing, reader, form)
        return None


async def _quote(
    service: ListingService, principal: Principal, listing_id: uuid.UUID, amount: Decimal, currency: str | None
) -> Quote:
    try:
        return await service.quote(principal, listing_id, amount, currency)
    except NotFound as error:
        if isinstance(error, ListingNotFound) or currency is None:
            raise
    # No rate to the buyer's currency is recorded: the producer's price alone.
    return await service.quote(principal, listing_id, amount, None)


def quantity_problem(error: InvalidInput, listing: ListingRead, reader: Reader, form: Form) -> None:
    """The quote's problem with the quantity, in words naming the unit (the service names its code)."""
    f = reader.formats
    for problem in error.errors or []:
        message = problem.message
        if message.startswith("below the minimum order"):
            said = reader.gettext("The least you can order is %(quantity)s.") % {
                "quantity": f.quantity(listing.min_order_quantity, listing.unit)
            }
        elif message.startswith("must be a whole number of packs"):
            said = reader.gettext("It is sold in packs of %(quantity)s: order a whole number of packs.") % {
                "quantity": f.quantity(listing.pack_size, listing.unit)
            }
        elif message.startswith("must be a whole number"):
            said = reader.gettext("Enter a whole number.")
        else:
            form.note(InvalidInput.of([problem]), reader, {"query:quantity": "quantity"})
            continue
        form.errors.setdefault("quantity", said)
    if not error.errors:
        form.note(error, reader)


def listing_view(
    listing: ListingRead,
    producer: ProducerProfile | None,
    quote: Quote | None,
    eligibility: ListingEligibility | None,
    reader: Reader,
) -> ListingView:
    """The listing page's texts, the places by name and the amounts formatted for the reader."""
    f = reader.formats
    others = [
        (tag, _language_name(tag), f"/listings/{listing.id}?{urlencode({'lang': tag})}")
        for tag in listing.translations
        if tag != listing.language
    ]
    quoted = None
    if quote is not None:
        converted = quote.converted
        quoted = QuoteView(
            quantity=f.quantity(quote.quantity, quote.unit),
            total=f.money(quote.total.amount_minor, quote.total.currency),
            unit_price=per_unit(reader, f.amount(quote.tier.unit_price, quote.total.currency), quote.unit),
            converted=f.money(converted.amount_minor, converted.currency) if converted else None,
            rate_date=f.date(converted.rate_date) if converted else None,
        )
    delivery = None
    if eligibility is not None:
        delivery = Delivery(
            place=place_name(eligibility.destination, reader.language),
            eligible=eligibility.eligible,
            ships_there=eligibility.ships_to_destination,
            missing=sorted({credential_name(u.credential_type, reader.gettext) for u in eligibility.unmet}),
        )
    origin = listing.origin
    origin_name = place_name(origin.subdivision or origin.country, reader.language)
    if origin.municipality:
        origin_name = reader.gettext("%(town)s, %(region)s") % {"town": origin.municipality, "region": origin_name}
    return ListingView(
        listing=listing,
        other_languages=others,
        producer=producer.name if producer else None,
        origin=origin_name,
        verified=[
            reader.gettext(INCLUSION[a]) for a in (producer.verified_inclusion if producer else []) if a in INCLUSION
        ],
        ships_to=[place_name(code, reader.language) for code in listing.ships_to],
        in_stock=listing.stock_on_hand >= listing.min_order_quantity,
        quote=quoted,
        cart_quantity=f.number(quote.quantity if quote is not None else listing.min_order_quantity),
        delivery=delivery,
        classification=_classification(listing, reader),
        tiers=[
            (
                f.quantity(tier.min_quantity, listing.unit),
                per_unit(reader, f.amount(tier.unit_price, listing.currency), listing.unit),
            )
            for tier in listing.price_tiers
        ],
    )


def _shown_photo(photo: PhotoRead, listing: ListingRead) -> dict[str, Any]:
    """A photo as the listing page shows it: described in the language the listing is shown in,
    else its default one, else any (`language` None: not described yet)."""
    language = next(
        (tag for tag in (listing.language, listing.default_language, *photo.alt_text) if tag in photo.alt_text), None
    )
    return {"photo": photo, "language": language, "alt": photo.alt_text.get(language, "") if language else ""}


def _classification(listing: ListingRead, reader: Reader) -> str:
    scheme, code = listing.classification.scheme, listing.classification.code
    shown = f"{scheme.value} {shown_classification(scheme, code)}"
    name = classification_name(scheme, code, reader.language)
    return reader.gettext("%(name)s (%(code)s)") % {"name": name, "code": shown} if name else shown


# --- the pages -----------------------------------------------------------------------------------


class DiscoveryPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/search", name="search")
    async def search(
        self, request: Request[Any, Any, Any], reader: ThisReader, db_session: Session, search_engine: Engine
    ) -> Template:
        """Results for the words and facets asked, delivered to the buyer's place unless asked otherwise."""
        principal = reader.require()
        asked = SearchRequest.read(request.query_params, list(request.query_params.multi_items()), reader)
        form = Form(values=asked.values, errors=dict(asked.errors))
        buyer = await buying_for(db_session, principal, asked.buyer)
        found = None
        if not form.errors:
            try:
                found = await find(db_session, search_engine, principal, asked, reader, buyer)
            except InvalidInput as error:
                form.note(error, reader, _SEARCH_ERRORS)
        view = search_view(found, asked, reader, buyer)
        return page(reader, "discovery/search.jinja", form=form, view=view, status_code=422 if found is None else 200)

    @get("/listings/{listing_id:uuid}", name="listing")
    async def listing(
        self,
        listing_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        file_storage: NamedDependency[FileStorage],
        lang: FromQuery[str | None] = None,
        quantity: FromQuery[str | None] = None,
    ) -> Template:
        """The listing in the reader's language (or `lang`), its photos, its prices, and what
        `quantity` would cost."""
        principal = reader.require()
        service = ListingService(db_session)
        languages = (lang, reader.language) if lang else (reader.language,)
        listing = await service.read(principal, listing_id, Preference(languages=languages))
        buyer = await buying_for(db_session, principal)
        form = Form(values={"quantity": quantity or reader.formats.number(listing.min_order_quantity)})
        quote = (
            await quote_for(service, principal, listing, quantity, buyer.currency, reader, form) if quantity else None
        )
        eligibility = await service.eligibility(principal, listing.id, buyer.place) if buyer.place else None
        profiles = await producer_profiles(db_session, {listing.organization_id})
        view = listing_view(listing, profiles.get(listing.organization_id), quote, eligibility, reader)
        photos = await ListingPhotoService(db_session, file_storage, service).photos(principal, listing.id)
        status = 422 if form.errors or form.problem else 200
        return page(
            reader,
            "discovery/listing.jinja",
            form=form,
            view=view,
            photos=[_shown_photo(photo, listing) for photo in photos],
            status_code=status,
        )
