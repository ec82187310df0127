"""Catalog use cases: producers create and maintain listings; everyone signed in reads active ones and asks quotes."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, clock, codes, text
from kernel.auth import Principal
from kernel.errors import Conflict, FieldError, FieldProblems, Forbidden, InvalidInput, NotFound
from kernel.fx import convert
from kernel.money import Amount, ConvertedAmount, line_total
from kernel.negotiation import pick_language
from kernel.outbox import emit
from kernel.pagination import Page, PageParams
from marketplace.catalog import classification, rules
from marketplace.catalog.models import Listing, ListingRevision, ListingRow, ListingStatus
from marketplace.catalog.repository import ListingRepository
from marketplace.catalog.schemas import (
    CatalogueEntry,
    Classification,
    HubCatalogue,
    ListingCreate,
    ListingEligibility,
    ListingRead,
    ListingUpdate,
    Origin,
    PriceChange,
    PriceTier,
    Quote,
    QuoteVat,
    RevisionRead,
    StockChange,
    Translation,
)
from marketplace.catalog.units import REC20, Unit
from marketplace.catalog.units import unit as find_unit
from marketplace.compliance.repository import ComplianceRepository
from marketplace.compliance.service import Reader, check_eligibility
from marketplace.events import ListingChanged
from marketplace.hub.service import HubService
from marketplace.organization.models import Organization, Role
from marketplace.organization.policies import can_act_as, can_read
from marketplace.organization.repository import OrganizationRepository
from marketplace.organization.service import OrganizationService, require_verified_email
from marketplace.place import service as places
from marketplace.tax.breakdown import TaxedAmount, vat_of
from marketplace.tax.models import VatCategory
from marketplace.tax.service import RateBook, TaxService

VISIBLE_TO_ALL = (ListingStatus.active,)
# Stands in for a unit that is not known (itself reported), so that quantities are still
# checked: positive, not too large, not too many decimals.
_SOME_MEASURE = Unit("unit", discrete=False)


class ListingNotFound(NotFound):
    slug = "listing-not-found"


class NotAProducer(Forbidden):
    slug = "not-a-producer"


class ListingsNotPublic(Forbidden):
    """Listings in a status others do not see (paused, archived) were asked for by someone who is
    not an insider of the organisation; the same answer whether or not there are any."""

    slug = "listings-not-public"


class SkuTaken(Conflict):
    slug = "sku-taken"


class VersionConflict(Conflict):
    slug = "version-conflict"


class ListingArchived(Conflict):
    slug = "listing-archived"


@dataclass(frozen=True)
class Preference:
    """Which language the caller wants: `?lang=` first, then `Accept-Language` order."""

    languages: tuple[str, ...] = ()


def check_unit(code: str, field: str = "unit") -> tuple[str, Unit]:
    found = find_unit(code)
    if found is None:
        raise InvalidInput.field(field, f"unknown UN/CEFACT Rec 20 unit {code!r} (e.g. KGM, LTR, H87)")
    return code.strip().upper(), found


def check_translations(
    translations: dict[str, Translation], default_language: str
) -> tuple[dict[str, dict[str, str]], str]:
    """The texts keyed by canonical language tag, as stored (`Listing.translations`), and the default language.

    Raises `InvalidInput` naming every bad tag, blank title (or one with control or invisible
    characters, `kernel.text.clean`) and an untranslated default language.
    """
    problems = FieldProblems()
    normalised: dict[str, dict[str, str]] = {}
    for tag, translation in translations.items():
        language = problems.check(codes.language, tag, f"translations.{tag}")
        title = problems.check(text.clean, translation.title, f"translations.{tag}.title") or ""
        if language in normalised:
            problems.add(f"translations.{tag}", f"{language} is given twice")
        elif language is not None:
            normalised[language] = {"title": title, "description": translation.description.strip()}
    default = problems.check(codes.language, default_language, "default_language")
    if default is not None and default not in normalised:
        problems.add("default_language", f"{default} has no translation")
    problems.raise_if_any()
    assert default is not None  # noqa: S101 - else a problem was raised
    return normalised, default


def check_jurisdictions(values: list[str], field: str) -> list[str]:
    """The places, normalised and without repeats; `InvalidInput` naming every unknown one."""
    problems = FieldProblems()
    result: list[str] = []
    for index, value in enumerate(values):
        code = problems.check(codes.jurisdiction, value, f"{field}[{index}]")
        if code is not None and code not in result:
            result.append(code)
    problems.raise_if_any()
    return result


def check_origin(origin: Origin) -> tuple[str, str | None, str | None]:
    problems = FieldProblems()
    country = problems.check(codes.country, origin.country, "origin.country")
    subdivision = (
        problems.check(codes.subdivision, origin.subdivision, "origin.subdivision", country_code=country)
        if origin.subdivision
        else None
    )
    problems.raise_if_any()
    assert country is not None  # noqa: S101 - else a problem was raised
    return country, subdivision, origin.municipality.strip() if origin.municipality else None


#: Categories at 0 wherever there are rates: named as the choices only where no rated category is left.
_UNRATED = (VatCategory.zero, VatCategory.exempt)


def check_vat_category(
    rates: RateBook, country: str, category: VatCategory, field: str = "vat_category"
) -> VatCategory:
    """A producer seated in `country` may put a listing in `category` when the country has a rate of
    it in `rates` (today's): an order's VAT is that rate (`marketplace.tax.decision`). A country of
    which no rates are known at all takes any category (each order's VAT decision judges it then).

    Raises `InvalidInput` naming `field`, the country by name and the categories it has
    (`Germany has no super-reduced VAT rate; choose standard or reduced`).
    """
    if rates.rate(country, category) is not None:
        return category
    offered = [c for c in VatCategory if rates.rate(country, c) is not None]
    if not offered:
        return category
    choices = [_category_words(c) for c in [c for c in offered if c not in _UNRATED] or offered]
    choice = choices[0] if len(choices) == 1 else f"{', '.join(choices[:-1])} or {choices[-1]}"
    raise InvalidInput.field(
        field, f"{_country_name(country)} has no {_category_words(category)} VAT rate; choose {choice}"
    )


def _category_words(category: VatCategory) -> str:
    return category.value.replace("_", "-")


def _country_name(country: str) -> str:
    """The country by its English name (`Germany`), as the services' messages name places."""
    return next((c.name for c in places.list_countries("en", None).items if c.code == country), country)


def plain(value: Decimal) -> Decimal:
    """A quantity without the column's trailing zeros ("250.000" reads as "250")."""
    return Decimal(format(value.normalize(), "f"))


def tiers_of(listing: Listing | ListingRow) -> list[tuple[Decimal, Decimal]]:
    return [(Decimal(t["min_quantity"]), Decimal(t["unit_price"])) for t in listing.price_tiers]


def _tier_json(tiers: list[tuple[Decimal, Decimal]]) -> list[dict[str, str]]:
    return [{"min_quantity": str(q), "unit_price": str(p)} for q, p in tiers]


def _unchanged(listing: Listing) -> bool:
    """Whether a listing read earlier in this session may be used as it is: not expired (a rolled
    back savepoint expires what it touched), deleted or detached since."""
    state = inspect(listing)
    return not (state.expired_attributes or state.was_deleted or state.detached)


class ListingService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = ListingRepository(session)
        self.organizations = OrganizationService(session)
        # Listings this service read for its caller, so a second question about one (a page reads
        # the listing, then asks its eligibility) costs no second statement.
        self._read: dict[uuid.UUID, Listing] = {}
        # Today's VAT rates and the producers' countries, read once per request.
        self._rates: RateBook | None = None
        self._countries: dict[uuid.UUID, str] = {}

    # --- access -----------------------------------------------------------------

    async def producer(self, principal: Principal, organization_id: uuid.UUID) -> Organization:
        """The organisation, if the caller is a member and it sells (`NotAProducer` for buyers)."""
        await self.organizations.require_role(principal, organization_id, Role.member)
        organization = await OrganizationRepository(self.session).get(organization_id)
        assert organization is not None  # noqa: S101 - checked by require_role
        if not organization.sells:
            raise NotAProducer("a buyer-only organization cannot list goods; change its kind to producer or both")
        return organization

    async def own(self, principal: Principal, listing_id: uuid.UUID, *, for_update: bool = False) -> Listing:
        """The listing, if the caller is a member (or above) of its producer; `ListingNotFound` (404) otherwise."""
        listing = await self.repo.get(listing_id, for_update=for_update)
        if listing is None:
            raise ListingNotFound("no such listing")
        standing = await self.organizations.standing(principal, listing.organization_id)
        if not can_act_as(standing, Role.member):
            raise ListingNotFound("no such listing")
        return listing

    async def editable(self, principal: Principal, listing_id: uuid.UUID) -> Listing:
        """The listing locked for change, if the caller is a member of its producer (else 404), has
        proven their address (`EmailUnverified`) and the listing is not archived (`ListingArchived`)."""
        listing = await self.own(principal, listing_id, for_update=True)
        require_verified_email(principal)
        if listing.status is ListingStatus.archived:
            raise ListingArchived("the listing is archived and can no longer change")
        return listing

    async def readable(self, principal: Principal | None, listing_id: uuid.UUID) -> Listing:
        """Active listings are visible to every caller (their photos even to people not signed in);
        others only to the producer and its hubs."""
        cached = self._read.get(listing_id)
        listing = cached if cached is not None and _unchanged(cached) else await self.repo.get(listing_id)
        if listing is None:
            raise ListingNotFound("no such listing")
        self._read[listing_id] = listing
        await self._check_visible(principal, listing)
        return listing

    async def _check_visible(self, principal: Principal | None, listing: Listing | ListingRow) -> None:
        if listing.status not in VISIBLE_TO_ALL:
            standing = (
                None if principal is None else await self.organizations.standing(principal, listing.organization_id)
            )
            if standing is None or not can_read(standing):
                raise ListingNotFound("no such listing")

    # --- VAT -------------------------------------------------------------------

    async def vat_rates(self) -> RateBook:
        """The VAT rates in force today (`TaxService.rate_book`), read once per service."""
        today = clock.today()
        if self._rates is None or self._rates.day != today:
            self._rates = await TaxService(self.session).rate_book(today)
        return self._rates

    async def _country_of(self, organization_id: uuid.UUID) -> str:
        """The country of a producer's seat: its listings' VAT is that country's."""
        if organization_id not in self._countries:
            organization = await OrganizationRepository(self.session).get(organization_id)
            assert organization is not None  # noqa: S101 - a listing's producer is never deleted (foreign key)
            self._countries[organization_id] = organization.country
        return self._countries[organization_id]

    async def _shown(self, listing: Listing, preference: Preference = Preference()) -> ListingRead:
        """The listing as it is read, with today's rate of its VAT category in its producer's country."""
        country = await self._country_of(listing.organization_id)
        return _listing_read(listing, preference, (await self.vat_rates()).rate(country, listing.vat_category))

    # --- reads ------------------------------------------------------------------

    async def read(
        self, principal: Principal, listing_id: uuid.UUID, preference: Preference = Preference()
    ) -> ListingRead:
        listing = await self.repo.shown(listing_id)
        if listing is None:
            raise ListingNotFound("no such listing")
        await self._check_visible(principal, listing)
        rate = (await self.vat_rates()).rate(listing.producer_country, listing.vat_category)
        return _listing_read(listing, preference, rate)

    async def list_of_producer(
        self,
        principal: Principal,
        organization_id: uuid.UUID,
        *,
        status: ListingStatus | None,
        classification_prefix: str | None,
        page: PageParams,
        preference: Preference = Preference(),
    ) -> Page[ListingRead]:
        """A producer's listings: all of them for its members and its hubs' coordinators, active ones for others.

        Raises `ListingsNotPublic` (403) when someone else filters by a status only insiders see:
        an empty list would look like there are none."""
        standing = await self.organizations.standing(principal, organization_id)
        insider = can_read(standing)
        if not insider and await OrganizationRepository(self.session).get(organization_id) is None:
            raise NotFound("no such organization")
        if not insider and status is not None and status not in VISIBLE_TO_ALL:
            raise ListingsNotPublic(
                f"{status.value} listings are shown only to the organization's members and its hubs' coordinators;"
                f" others see its {', '.join(s.value for s in VISIBLE_TO_ALL)} listings"
            )
        statuses = list(ListingStatus) if insider else list(VISIBLE_TO_ALL)
        if status is not None:
            statuses = [s for s in statuses if s is status]
        prefix = classification.digits(classification_prefix) if classification_prefix else None
        listings, total = await self.repo.page_of_producer(
            organization_id, statuses, prefix, page.offset, page.per_page
        )
        rates = await self.vat_rates()
        country = await self._country_of(organization_id) if listings else ""
        return Page(
            items=[_listing_read(item, preference, rates.rate(country, item.vat_category)) for item in listings],
            page=page.page,
            per_page=page.per_page,
            total=total,
        )

    async def hub_catalogue(
        self, hub_id: uuid.UUID, page: PageParams, preference: Preference = Preference()
    ) -> HubCatalogue:
        """What the hub offers, as anyone may read it (no sign-in): one page of the active listings of
        the producers admitted to it, goods of a kind together, with their prices unless the hub
        chose to show none. Three statements, whatever the number of listings. Raises `HubNotFound`
        (404) for a hub that does not exist."""
        hub = await HubService(self.session).read_public(hub_id)
        rows, total = await self.repo.offered_in_hub(hub_id, page.offset, page.per_page)
        entries = [
            _catalogue_entry(listing, producer, preference, hub.catalogue_shows_prices) for listing, producer in rows
        ]
        return HubCatalogue(
            hub=hub,
            shows_prices=hub.catalogue_shows_prices,
            listings=Page(items=entries, page=page.page, per_page=page.per_page, total=total),
        )

    async def revisions(self, principal: Principal, listing_id: uuid.UUID) -> list[RevisionRead]:
        await self.readable(principal, listing_id)
        return [
            RevisionRead(
                version=r.version,
                change=r.change,
                currency=r.currency,
                price_tiers=[
                    PriceTier(min_quantity=Decimal(t["min_quantity"]), unit_price=Decimal(t["unit_price"]))
                    for t in r.price_tiers
                ],
                stock_on_hand=plain(r.stock_on_hand),
                changed_by=r.changed_by,
                at=r.created_at,
            )
            for r in await self.repo.revisions(listing_id)
        ]

    async def eligibility(
        self, principal: Principal, listing_id: uuid.UUID, destination: str, on: dt.date | None = None
    ) -> ListingEligibility:
        """May this listing be sold into `destination`? Compliance rules of the producer's hubs
        (with the listing's own credentials if it names any, else all of the producer's)
        and whether the producer ships there, worded for the caller (the producer's members read
        "you have ...", buyers "the producer has ..."). Raises `InvalidInput` for an unknown destination."""
        listing = await self.readable(principal, listing_id)
        destination = codes.jurisdiction(destination, "query:destination")
        member = (await self.organizations.standing(principal, listing.organization_id)).is_member
        result = await check_eligibility(
            self.session,
            seller_organization_id=listing.organization_id,
            classification_scheme=listing.classification_scheme.value,
            classification_code=listing.classification_code,
            destination=destination,
            on=on,
            credential_ids=list(listing.credential_ids) or None,
            reader=Reader.seller if member else Reader.others,
        )
        ships = any(codes.jurisdiction_covers(area, result.destination) for area in listing.ships_to)
        return ListingEligibility(
            listing_id=listing.id,
            destination=result.destination,
            checked_on=result.checked_on,
            eligible=result.eligible and ships,
            ships_to_destination=ships,
            unmet=result.unmet,
        )

    async def _credential_problems(
        self, organization_id: uuid.UUID, credential_ids: list[uuid.UUID]
    ) -> list[FieldError]:
        """A problem for each of `credential_ids` (as the caller listed them) the organisation does not hold."""
        if not credential_ids:
            return []
        owned = await ComplianceRepository(self.session).owned_credential_ids(organization_id, credential_ids)
        return [
            FieldError(field=f"$.credential_ids[{index}]", message="not a credential of this organization")
            for index, credential_id in enumerate(credential_ids)
            if credential_id not in owned
        ]

    async def quote(
        self,
        principal: Principal,
        listing_id: uuid.UUID,
        amount: Decimal,
        currency: str | None,
        on: dt.date | None = None,
        buyer_organization_id: uuid.UUID | None = None,
    ) -> Quote:
        """Price `amount` units: the applicable tier, the total in the producer's currency and,
        if asked, in `currency` at the latest recorded rate (with that rate and its date); with a
        buyer, the VAT its checkout would charge today (`tax`).

        Raises `InvalidInput` naming the query parameter `quantity` below the minimum order or not a
        whole number of packs, or `currency` if unknown; `NotFound` for a buyer the caller is no
        member of; `NoRate` (409) when the producer's country has no rate of the listing's category.
        """
        listing = await self.readable(principal, listing_id)
        rules.order_quantity(amount, listing.unit_code, listing.pack_size, listing.min_order_quantity, "query:quantity")
        min_quantity, unit_price = rules.tier_for(tiers_of(listing), amount)
        total = line_total(unit_price, amount, listing.currency)
        converted = None
        if currency is not None:
            target = codes.currency(currency, "query:currency")
            conversion = await convert(self.session, total, target, on or clock.today())
            converted = ConvertedAmount(
                amount_minor=conversion.converted.amount_minor,
                currency=target,
                rate=conversion.rate,
                rate_date=conversion.as_of,
                rate_source=conversion.source,
            )
        return Quote(
            listing_id=listing.id,
            listing_version=listing.version,
            quantity=amount,
            unit=listing.unit_code,
            tier=PriceTier(min_quantity=min_quantity, unit_price=unit_price),
            total=Amount(amount_minor=total.amount_minor, currency=total.currency),
            converted=converted,
            vat=None
            if buyer_organization_id is None
            else await self._quote_vat(principal, listing, buyer_organization_id, total.amount_minor),
        )

    async def _quote_vat(self, principal: Principal, listing: Listing, buyer_id: uuid.UUID, net_minor: int) -> QuoteVat:
        if not (await self.organizations.standing(principal, buyer_id)).is_member:
            raise NotFound("no such organization")
        organizations = OrganizationRepository(self.session)
        seller, buyer = await organizations.get(listing.organization_id), await organizations.get(buyer_id)
        assert seller is not None  # noqa: S101 - a listing's producer and a member's organisation exist
        assert buyer is not None  # noqa: S101
        book = await TaxService(self.session).rate_book(clock.today())
        taken = book.treatment(
            seller.tax_party,
            buyer.tax_party,
            listing.vat_category,
            listing.classification_scheme,
            listing.classification_code,
        )
        vat = vat_of([TaxedAmount(code=taken.code, rate=taken.rate, net_minor=net_minor)], listing.currency)
        return QuoteVat(
            category=taken.code,
            rate=plain(taken.rate),
            note=taken.note.value if taken.note else None,
            vat=Amount(amount_minor=vat, currency=listing.currency),
            gross=Amount(amount_minor=net_minor + vat, currency=listing.currency),
        )

    # --- writes -----------------------------------------------------------------

    async def create(self, principal: Principal, organization_id: uuid.UUID, data: ListingCreate) -> ListingRead:
        """List goods of the caller's producer organisation.

        Raises `NotAProducer` (403) for buyer-only organisations, `InvalidInput` (422) naming
        every field that breaks a rule, `SkuTaken` (409) when the producer already uses the SKU.
        """
        producer = await self.producer(principal, organization_id)
        self._countries[producer.id] = producer.country
        problems = FieldProblems()
        values = problems.check(listing_values, producer, data, await self.vat_rates())
        problems.extend(await self._credential_problems(organization_id, data.credential_ids))
        problems.raise_if_any()
        assert values is not None  # noqa: S101 - else a problem was raised
        listing = Listing(**values)
        if await self.repo.by_sku(organization_id, listing.sku) is not None:
            raise SkuTaken(f"SKU {listing.sku} is already used by another of your listings")
        await self.repo.add(listing)
        return await self._changed(principal, listing, "created", before=None)

    async def update(self, principal: Principal, listing_id: uuid.UUID, data: ListingUpdate) -> ListingRead:
        """Change descriptive fields and the VAT category (a new version, as every change); every rule
        is checked again on the result, and `InvalidInput` names every field that breaks one
        (`vat_category` when the producer's country has no rate of it today, `check_vat_category`)."""
        listing = await self.editable(principal, listing_id)
        before = await self._shown(listing)
        problems = FieldProblems()
        if not isinstance(data.translations, msgspec.UnsetType) or not isinstance(
            data.default_language, msgspec.UnsetType
        ):
            given = data.translations if not isinstance(data.translations, msgspec.UnsetType) else before.translations
            default = (
                data.default_language
                if not isinstance(data.default_language, msgspec.UnsetType)
                else before.default_language
            )
            texts = problems.check(check_translations, given, default)
            if texts is not None:
                listing.translations, listing.default_language = texts
        _apply_codes(listing, data, problems)
        for name in ("pack_size", "min_order_quantity", "lead_time_days"):
            if not isinstance(value := getattr(data, name), msgspec.UnsetType):
                setattr(listing, name, value)
        if not isinstance(data.image_urls, msgspec.UnsetType):
            listing.image_urls = list(dict.fromkeys(data.image_urls))
        if not isinstance(data.credential_ids, msgspec.UnsetType):
            listing.credential_ids = list(dict.fromkeys(data.credential_ids))
            problems.extend(await self._credential_problems(listing.organization_id, data.credential_ids))
        if not isinstance(data.vat_category, msgspec.UnsetType):
            country = await self._country_of(listing.organization_id)
            category = problems.check(check_vat_category, await self.vat_rates(), country, data.vat_category)
            if category is not None:
                listing.vat_category = category
        unit = REC20[listing.unit_code]
        packs = problems.check(rules.pack_and_minimum, listing.pack_size, listing.min_order_quantity, unit)
        pack_size, minimum = packs or (None, None)
        problems.check(rules.price_tiers, tiers_of(listing), listing.currency, unit, pack_size, minimum)
        problems.check(rules.quantity, listing.stock_on_hand, unit, "stock_on_hand", allow_zero=True)
        problems.raise_if_any()
        return await self._changed(principal, listing, "details", before=before)

    async def change_prices(self, principal: Principal, listing_id: uuid.UUID, data: PriceChange) -> ListingRead:
        """Replace the volume tiers (a new version; earlier versions stay as they were)."""
        listing = await self.editable(principal, listing_id)
        _check_version(listing, data.expected_version)
        before = await self._shown(listing)
        tiers = [(t.min_quantity, t.unit_price) for t in data.price_tiers]
        rules.price_tiers(
            tiers, listing.currency, REC20[listing.unit_code], listing.pack_size, listing.min_order_quantity
        )
        listing.price_tiers = _tier_json(tiers)
        return await self._changed(principal, listing, "prices", before=before)

    async def change_stock(self, principal: Principal, listing_id: uuid.UUID, data: StockChange) -> ListingRead:
        """Set or adjust stock; never below zero (422), whole units for discrete goods."""
        if (data.stock_on_hand is None) == (data.adjust_by is None):
            raise InvalidInput.field("stock_on_hand", "give exactly one of stock_on_hand or adjust_by")
        listing = await self.editable(principal, listing_id)
        _check_version(listing, data.expected_version)
        before = await self._shown(listing)
        unit = REC20[listing.unit_code]
        # Each given number is judged on its own before any arithmetic: NaN would make the
        # comparisons raise, and a tiny or huge `adjust_by` would round away in the sum.
        if data.stock_on_hand is not None:
            field, target = "stock_on_hand", rules.quantity(data.stock_on_hand, unit, "stock_on_hand", allow_zero=True)
        else:
            assert data.adjust_by is not None  # noqa: S101 - exactly one of the two was given (checked above)
            field = "adjust_by"
            target = listing.stock_on_hand + rules.quantity_change(data.adjust_by, unit, field)
        if target < 0:
            raise InvalidInput.field(field, f"stock cannot go below zero (it is {listing.stock_on_hand})")
        listing.stock_on_hand = rules.quantity(target, unit, field, allow_zero=True)
        return await self._changed(principal, listing, "stock", before=before)

    async def set_status(self, principal: Principal, listing_id: uuid.UUID, status: ListingStatus) -> ListingRead:
        """Pause, re-activate or archive (final). Archived listings stay readable by their producer."""
        listing = await self.editable(principal, listing_id)
        if listing.status is status:
            raise Conflict(f"the listing is already {status.value}")
        before = await self._shown(listing)
        listing.status = status
        return await self._changed(principal, listing, status.value, before=before)

    async def _changed(
        self, principal: Principal, listing: Listing, change: str, *, before: ListingRead | None
    ) -> ListingRead:
        """Bump the version, append the revision, audit and announce — one place for every change."""
        if before is not None:
            listing.version += 1
        await self.repo.add(
            ListingRevision(
                listing_id=listing.id,
                version=listing.version,
                change=change,
                currency=listing.currency,
                price_tiers=listing.price_tiers,
                stock_on_hand=listing.stock_on_hand,
                changed_by=principal.user_id,
            )
        )
        after = await self._shown(listing)
        await audit.record(
            self.session,
            principal,
            f"listing.{change}",
            object_type="listing",
            object_id=listing.id,
            organization_id=listing.organization_id,
            before=before,
            after=after,
        )
        await emit(
            self.session,
            ListingChanged(
                listing_id=listing.id, organization_id=listing.organization_id, version=listing.version, change=change
            ),
        )
        return after


def listing_values(producer: Organization, data: ListingCreate, rates: RateBook) -> dict[str, Any]:
    """The checked column values of a new listing of `producer`, its VAT category against `rates`
    (today's, `check_vat_category`). Shared by the API and the bulk import (which writes plain
    rows, as building ORM objects would cost more than the rules). Does not check credential
    ownership or SKU uniqueness, which need the database.

    Raises `InvalidInput` naming every field that breaks a rule, not only the first.
    """
    problems = FieldProblems()
    unit_code, unit = problems.check(check_unit, data.unit) or (data.unit, _SOME_MEASURE)
    scheme = data.classification.scheme
    code = problems.check(classification.normalise, scheme, data.classification.code)
    packs = problems.check(rules.pack_and_minimum, data.pack_size, data.min_order_quantity, unit)
    pack_size, minimum = packs or (None, None)
    tiers = [(t.min_quantity, t.unit_price) for t in data.price_tiers]
    problems.check(rules.price_tiers, tiers, producer.default_currency, unit, pack_size, minimum)
    problems.check(rules.quantity, data.stock_on_hand, unit, "stock_on_hand", allow_zero=True)
    texts = problems.check(check_translations, data.translations, data.default_language)
    origin = data.origin or Origin(
        country=producer.country, subdivision=producer.subdivision, municipality=producer.municipality
    )
    place = problems.check(check_origin, origin)
    ships_to = problems.check(check_jurisdictions, data.ships_to, "ships_to")
    problems.check(check_vat_category, rates, producer.country, data.vat_category)
    if data.status is ListingStatus.archived:
        problems.add("status", "a new listing is active or paused")
    problems.raise_if_any()
    assert texts is not None  # noqa: S101 - else a problem was raised
    assert place is not None  # noqa: S101
    translations, default_language = texts
    country, subdivision, municipality = place
    values: dict[str, Any] = {
        "organization_id": producer.id,
        "sku": data.sku.strip(),
        "status": data.status,
        "default_language": default_language,
        "translations": translations,
        "classification_scheme": scheme,
        "classification_code": code,
        "unit_code": unit_code,
        "pack_size": data.pack_size,
        "min_order_quantity": minimum,
        "currency": producer.default_currency,
        "price_tiers": _tier_json(tiers),
        "stock_on_hand": data.stock_on_hand,
        "lead_time_days": data.lead_time_days,
        "origin_country": country,
        "origin_subdivision": subdivision,
        "origin_municipality": municipality,
        "ships_to": ships_to,
        "image_urls": list(dict.fromkeys(data.image_urls)),
        "credential_ids": list(dict.fromkeys(data.credential_ids)),
        "vat_category": data.vat_category,
        "version": 1,
    }
    return values


def _apply_codes(listing: Listing, data: ListingUpdate, problems: FieldProblems) -> None:
    """The classification, unit and places a change gives, where valid; `problems` notes the others."""
    if not isinstance(data.classification, msgspec.UnsetType):
        code = problems.check(classification.normalise, data.classification.scheme, data.classification.code)
        if code is not None:
            listing.classification_scheme, listing.classification_code = data.classification.scheme, code
    if not isinstance(data.unit, msgspec.UnsetType):
        unit = problems.check(check_unit, data.unit)
        if unit is not None:
            listing.unit_code = unit[0]
    if not isinstance(data.origin, msgspec.UnsetType):
        place = problems.check(check_origin, data.origin)
        if place is not None:
            listing.origin_country, listing.origin_subdivision, listing.origin_municipality = place
    if not isinstance(data.ships_to, msgspec.UnsetType):
        ships_to = problems.check(check_jurisdictions, data.ships_to, "ships_to")
        if ships_to is not None:
            listing.ships_to = ships_to


def _check_version(listing: Listing, expected: int | None) -> None:
    if expected is not None and expected != listing.version:
        raise VersionConflict(f"the listing is at version {listing.version}, not {expected}; reload and retry")


def _catalogue_entry(
    listing: Listing, producer: Organization, preference: Preference, shows_prices: bool
) -> CatalogueEntry:
    language = pick_language(list(listing.translations), list(preference.languages), listing.default_language)
    served = listing.translations.get(language) or listing.translations.get(listing.default_language) or {}
    return CatalogueEntry(
        id=listing.id,
        organization_id=producer.id,
        producer_name=producer.legal_name,
        producer_country=producer.country,
        producer_subdivision=producer.subdivision,
        producer_municipality=producer.municipality,
        language=language,
        title=served.get("title") or listing.sku,
        classification=Classification(scheme=listing.classification_scheme, code=listing.classification_code),
        unit=listing.unit_code,
        currency=listing.currency,
        # Volume prices only get cheaper, but the least of them is what "from" promises whatever the order.
        lowest_unit_price=min(price for _, price in tiers_of(listing)) if shows_prices else None,
        in_stock=listing.stock_on_hand >= listing.min_order_quantity,
    )


def _listing_read(listing: Listing | ListingRow, preference: Preference, vat_rate: Decimal | None) -> ListingRead:
    """`vat_rate`: today's rate of the listing's VAT category in its producer's country."""
    texts = {language: Translation(**text) for language, text in sorted(listing.translations.items())}
    language = pick_language(list(texts), list(preference.languages), listing.default_language)
    served = texts.get(language) or texts.get(listing.default_language) or Translation(title=listing.sku)
    unit = REC20[listing.unit_code]
    return ListingRead(
        id=listing.id,
        organization_id=listing.organization_id,
        sku=listing.sku,
        status=listing.status,
        version=listing.version,
        language=language,
        title=served.title,
        description=served.description,
        default_language=listing.default_language,
        translations=texts,
        classification=Classification(scheme=listing.classification_scheme, code=listing.classification_code),
        unit=listing.unit_code,
        unit_name=unit.name,
        pack_size=plain(listing.pack_size),
        min_order_quantity=plain(listing.min_order_quantity),
        currency=listing.currency,
        price_tiers=[PriceTier(min_quantity=q, unit_price=p) for q, p in tiers_of(listing)],
        stock_on_hand=plain(listing.stock_on_hand),
        lead_time_days=listing.lead_time_days,
        origin=Origin(
            country=listing.origin_country,
            subdivision=listing.origin_subdivision,
            municipality=listing.origin_municipality,
        ),
        ships_to=list(listing.ships_to),
        image_urls=list(listing.image_urls),
        credential_ids=list(listing.credential_ids),
        vat_category=listing.vat_category,
        vat_rate=None if vat_rate is None else plain(vat_rate),
        created_at=listing.created_at,
        updated_at=listing.updated_at,
    )
