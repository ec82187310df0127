"""Marketplace's public facade: what `procurement` and `search` may call (and the application's
commands: creating a platform administrator, importing exchange rates).

Guards (reusable authorisation checks) and read models live here so other
packages never import marketplace's internals.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from decimal import Decimal

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.auth import Principal, require_platform_admin
from kernel.errors import Forbidden, InvalidInput, NotFound
from marketplace.card.reconciliation import RECONCILE_DAYS, Finding, Progress, ReconciliationReport, reconcile
from marketplace.catalog import classification, classification_names, rules, units
from marketplace.catalog.repository import ListingRepository
from marketplace.catalog.snapshot import ListingSnapshot, ListingText, listing_snapshots
from marketplace.compliance.schemas import Eligibility, MissingCredential, UnmetRequirement
from marketplace.compliance.service import Reader, check_eligibility, missing_credentials
from marketplace.dashboard.schemas import Period, PooledProcurement, ProcurementRow, QuantityRow
from marketplace.hub.repository import HubRepository, coordinator_standing_sql, sees_hub_sql
from marketplace.hub.service import HubService, check_coordinator
from marketplace.identity.service import bootstrap_platform_admin
from marketplace.invoicing.wording import CATALOG as INVOICE_CATALOG
from marketplace.mail.formats import CATALOG as MESSAGE_CATALOG
from marketplace.mail.formats import LANGUAGES as READER_LANGUAGES
from marketplace.mail.formats import Formats, catalog_language, formats_for
from marketplace.mail.models import MailStatus
from marketplace.mail.service import mail_by_id, mailbox
from marketplace.money.service import record_rates
from marketplace.notification.service import Audience, InLanguages, Notice, Notifier
from marketplace.notification.subscribers import telling
from marketplace.order.awarded import AwardedOrder, place_awarded_orders
from marketplace.organization.models import InclusionAttribute, OrganizationKind, Role
from marketplace.organization.repository import OrganizationRepository
from marketplace.organization.schemas import OrganizationRead
from marketplace.organization.service import OrganizationService
from marketplace.payment.stripe_gateway import StripeGateway
from marketplace.settings import MarketplaceSettings

__all__ = [
    "INVOICE_CATALOG",
    "MESSAGE_CATALOG",
    "READER_LANGUAGES",
    "RECONCILE_DAYS",
    "Audience",
    "AwardedOrder",
    "ClassificationScheme",
    "Eligibility",
    "Finding",
    "Formats",
    "HubSummary",
    "InLanguages",
    "InclusionAttribute",
    "ListedGoods",
    "ListedTiers",
    "ListingSnapshot",
    "ListingText",
    "MailStatus",
    "MissingCredential",
    "Notice",
    "Notifier",
    "OrganizationKind",
    "OrganizationRead",
    "Period",
    "PooledProcurement",
    "ProcurementRow",
    "ProducerProfile",
    "QuantityRow",
    "Reader",
    "ReconciliationReport",
    "Role",
    "TradingParty",
    "Unit",
    "UnmetRequirement",
    "acting_member",
    "bootstrap_platform_admin",
    "buying_jurisdiction",
    "catalog_language",
    "category_name",
    "check_eligibility",
    "check_hub_coordinator",
    "classification_name",
    "coordinator_standing_sql",
    "formats_for",
    "hub_coordinator_standing",
    "hub_jurisdictions",
    "hub_members",
    "hub_summary",
    "hubs_coordinated",
    "hubs_of_member",
    "is_hub_coordinator",
    "listed_goods",
    "listed_tiers",
    "listing_id_batch",
    "listing_ids_of_hub_members",
    "listing_ids_of_producers",
    "listing_ids_priced_in",
    "listing_snapshots",
    "mail_by_id",
    "mailbox",
    "missing_credentials",
    "named_classifications",
    "normalise_classification",
    "place_awarded_orders",
    "producer_profiles",
    "read_organization",
    "reconcile_card_payments",
    "record_rates",
    "require_hub_coordinator",
    "require_org_role",
    "require_platform_admin",
    "sees_hub_sql",
    "shown_classification",
    "telling",
    "trading_parties",
    "unit_of",
]

ClassificationScheme = classification.Scheme
#: A classification code's name in a language (None for a code without one), every named code by
#: name, and a code as people write it (`marketplace.catalog.classification_names`).
classification_name = classification_names.name_of
category_name = classification_names.category_name
named_classifications = classification_names.named_codes
shown_classification = classification_names.shown_code
Unit = units.Unit


class HubSummary(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    name: str
    jurisdictions: list[str]
    municipalities: list[dict[str, str]]
    """Named places: [{"name": "Görlitz", "jurisdiction": "DE-SN"}, ...]."""
    reporting_currency: str
    languages: list[str]


class TradingParty(msgspec.Struct, kw_only=True, frozen=True):
    """An organisation as a trading party of one hub: who it is and what that hub verified about it."""

    organization_id: uuid.UUID
    name: str
    kind: OrganizationKind
    country: str
    subdivision: str | None
    municipality: str | None
    verified_inclusion: list[str]
    """Inclusion attributes (`women_led`, ...) the hub verified."""
    languages: list[str]
    """The organisation's languages (BCP 47), preferred first: what it is written to in, as at checkout."""


async def require_org_role(
    session: AsyncSession, principal: Principal, organization_id: uuid.UUID, minimum: Role
) -> Role:
    """Member of the organisation with role ≥ `minimum`; 404 if not readable, 403 if role too low."""
    return await OrganizationService(session).require_role(principal, organization_id, minimum)


async def require_hub_coordinator(session: AsyncSession, principal: Principal, hub_id: uuid.UUID) -> None:
    """Coordinator of the hub; 404 for an unknown hub, 403 otherwise."""
    await HubService(session).require_coordinator(principal, hub_id)


async def hub_coordinator_standing(session: AsyncSession, principal: Principal, hub_id: uuid.UUID) -> tuple[bool, bool]:
    """Whether the hub exists and whether the caller coordinates it, for `check_hub_coordinator` (one
    statement); a read of something of a hub asks the same in its own statement with
    `coordinator_standing_sql`."""
    return await HubRepository(session).coordinator_standing(hub_id, principal.user_id)


#: `require_hub_coordinator`'s rule on a standing read already (`hub_coordinator_standing`,
#: `coordinator_standing_sql`): `NotFound` (404) for an unknown hub, `Forbidden` (403) otherwise.
check_hub_coordinator = check_coordinator


async def read_organization(
    session: AsyncSession, principal: Principal, organization_id: uuid.UUID
) -> OrganizationRead:
    """The organisation as the caller may see it (404 when they may not)."""
    return await OrganizationService(session).read(principal, organization_id)


async def buying_jurisdiction(
    session: AsyncSession, principal: Principal, organization_id: uuid.UUID | None
) -> str | None:
    """Where the caller buys for: the subdivision (else the country) of `organization_id`, which must
    be a buying organisation they belong to (404 otherwise), or, with none named, of their only
    buying organisation. None when they have no buying organisation, or several and named none."""
    places = await OrganizationRepository(session).buying_places_of_member(principal.user_id)
    if organization_id is not None:
        places = [place for place in places if place[0] == organization_id]
        if not places:
            raise NotFound("no such buying organization of yours")
    if len(places) != 1:
        return None
    [(_, country, subdivision)] = places
    return subdivision or country


async def hub_jurisdictions(session: AsyncSession) -> set[str]:
    """Every jurisdiction some hub spans (where listings' eligibility is known)."""
    return await HubRepository(session).all_jurisdictions()


class ProducerProfile(msgspec.Struct, kw_only=True, frozen=True):
    """A producer as buyers of its goods see it: its name and what its hubs verified about it."""

    name: str
    verified_inclusion: list[str]


async def producer_profiles(
    session: AsyncSession, organization_ids: set[uuid.UUID]
) -> dict[uuid.UUID, ProducerProfile]:
    """The producers' public profiles (names and hub-verified inclusion attributes are public, as the
    search shows them); unknown ids are left out. No access check."""
    facts = await ListingRepository(session).producer_facts(organization_ids)
    return {
        organization_id: ProducerProfile(name=fact.name, verified_inclusion=list(fact.inclusion))
        for organization_id, fact in facts.items()
    }


async def listing_ids_of_producers(session: AsyncSession, organization_ids: set[uuid.UUID]) -> list[uuid.UUID]:
    return await ListingRepository(session).ids_of_producers(organization_ids)


async def listing_ids_of_hub_members(session: AsyncSession, hub_id: uuid.UUID) -> list[uuid.UUID]:
    return await ListingRepository(session).ids_of_hub_members(hub_id)


async def listing_ids_priced_in(session: AsyncSession, currencies: set[str]) -> list[uuid.UUID]:
    return await ListingRepository(session).ids_priced_in(currencies)


async def listing_id_batch(session: AsyncSession, after: uuid.UUID | None, limit: int) -> list[uuid.UUID]:
    """Every listing's id, in id order, `limit` at a time after `after` (for rebuilding an index)."""
    return await ListingRepository(session).id_batch(after, limit)


async def hub_summary(session: AsyncSession, hub_id: uuid.UUID) -> HubSummary:
    """The hub (hubs are public); `NotFound` when there is none."""
    hub = await HubRepository(session).get(hub_id)
    if hub is None:
        raise NotFound("no such hub")
    return HubSummary(
        id=hub.id,
        name=hub.name,
        jurisdictions=list(hub.jurisdictions),
        municipalities=[{"name": m["name"], "jurisdiction": m["jurisdiction"]} for m in hub.municipalities],
        reporting_currency=hub.reporting_currency,
        languages=list(hub.languages),
    )


async def is_hub_coordinator(session: AsyncSession, principal: Principal, hub_id: uuid.UUID) -> bool:
    return await HubRepository(session).is_coordinator(hub_id, principal.user_id)


async def hubs_coordinated(session: AsyncSession, principal: Principal) -> set[uuid.UUID]:
    return await HubRepository(session).coordinated_by(principal.user_id)


async def hubs_of_member(session: AsyncSession, principal: Principal) -> set[uuid.UUID]:
    """The hubs some organisation of the caller's is admitted to."""
    return await HubRepository(session).hubs_of_member(principal.user_id)


async def hub_members(session: AsyncSession, hub_id: uuid.UUID, *, as_: str) -> list[uuid.UUID]:
    """The organisations admitted to the hub that act in it `as_` "buyer" or "producer" (organisations
    registered as both count as either), in id order. No access check: for telling a hub's members
    what concerns them."""
    kinds = [OrganizationKind.both, OrganizationKind(as_)]
    return await HubRepository(session).admitted_organizations(hub_id, kinds)


async def acting_member(
    session: AsyncSession, principal: Principal, organization_id: uuid.UUID, hub_id: uuid.UUID, *, as_: str
) -> TradingParty:
    """The organisation the caller acts for in a hub `as_` "buyer" or "producer".

    Raises `NotFound` when the caller is not a member of it (nor may read it), `Forbidden`
    when it is not admitted to the hub or does not buy (sell).
    """
    await OrganizationService(session).require_role(principal, organization_id, Role.member)
    if not await HubRepository(session).is_admitted(hub_id, organization_id):
        raise Forbidden("the organization is not an admitted member of this hub")
    [party] = await trading_parties(session, hub_id, [organization_id])
    acts = party.kind is OrganizationKind.both or party.kind.value == as_
    if not acts:
        raise Forbidden(f"the organization is registered as a {party.kind.value}, not a {as_}")
    return party


async def trading_parties(
    session: AsyncSession, hub_id: uuid.UUID, organization_ids: Sequence[uuid.UUID]
) -> list[TradingParty]:
    """The organisations (in id order) with the inclusion attributes `hub_id` verified. No access check:
    for publishing the parties of a hub's tenders."""
    rows = await HubRepository(session).organizations_with_verified_inclusion(hub_id, list(organization_ids))
    return [
        TradingParty(
            organization_id=organization.id,
            name=organization.legal_name,
            kind=organization.kind,
            country=organization.country,
            subdivision=organization.subdivision,
            municipality=organization.municipality,
            verified_inclusion=attributes,
            languages=list(organization.languages),
        )
        for organization, attributes in rows
    ]


def normalise_classification(scheme: str, code: str, field: str) -> tuple[ClassificationScheme, str]:
    """A classification as the catalog stores it; `InvalidInput` naming `field` when malformed."""
    try:
        known = ClassificationScheme(scheme)
    except ValueError:
        raise InvalidInput.field(field, f"unknown scheme {scheme!r}; use CPV or HS") from None
    return known, classification.normalise(known, code, f"{field}.code")


def unit_of(code: str) -> Unit | None:
    """A UN/CEFACT Rec 20 unit the catalog accepts (its English name, whether counted whole), else None."""
    return units.unit(code)


class ListedTiers(msgspec.Struct, kw_only=True, frozen=True):
    """A producer's listed volume prices for one item: what a buyer pays ordering on its own."""

    organization_id: uuid.UUID
    currency: str
    tiers: list[tuple[Decimal, Decimal]]
    """(minimum quantity, unit price), ascending."""

    def unit_price(self, quantity: Decimal) -> Decimal:
        """The unit price for `quantity`; below the first tier, the first tier's (the least one can order)."""
        if quantity < self.tiers[0][0]:
            return self.tiers[0][1]
        return rules.tier_for(self.tiers, quantity)[1]


class ListedGoods(msgspec.Struct, kw_only=True, frozen=True):
    """One active listing of a producer admitted to a hub: what it is and where it ships."""

    organization_id: uuid.UUID
    classification_code: str
    ships_to: list[str]
    """Jurisdictions (countries or subdivisions) the producer ships the goods to."""


async def listed_goods(session: AsyncSession, hub_id: uuid.UUID, scheme: str, digits_prefix: str) -> list[ListedGoods]:
    """The active listings of the producers admitted to the hub whose classification in `scheme` (CPV
    or HS) begins with the digits `digits_prefix` (`03142` covers CPV `03142100-9`), by producer.
    No access check: listings are public."""
    rows = await ListingRepository(session).classified_of_hub_sellers(hub_id, scheme, digits_prefix)
    return [ListedGoods(organization_id=org, classification_code=code, ships_to=ships) for org, code, ships in rows]


async def listed_tiers(
    session: AsyncSession, organization_ids: Sequence[uuid.UUID], scheme: str, code: str, unit_code: str
) -> list[ListedTiers]:
    """The active listings of one item (classification and unit) by the producers. No access check:
    listed prices are public."""
    rows = await ListingRepository(session).tiers_of_item(organization_ids, scheme, code, unit_code)
    return [
        ListedTiers(
            organization_id=organization_id,
            currency=currency,
            tiers=[(Decimal(t["min_quantity"]), Decimal(t["unit_price"])) for t in tiers],
        )
        for organization_id, currency, tiers in rows
    ]


async def reconcile_card_payments(
    sessions: async_sessionmaker[AsyncSession],
    settings: MarketplaceSettings,
    *,
    since: dt.datetime,
    progress: Progress | None = None,
) -> ReconciliationReport:
    """Card payments since `since` (and every money move still waiting) compared with Stripe and
    repaired where they can be (`marketplace.card.reconciliation`). Raises `RuntimeError` when card
    payments are off (no `STRIPE_SECRET_KEY`)."""
    gateway = StripeGateway.from_settings(settings)
    if gateway is None:
        raise RuntimeError("card payments are off (STRIPE_SECRET_KEY is not set): there is nothing to reconcile")
    return await reconcile(sessions, gateway, settings.hub_fee_percent, since=since, progress=progress)
