"""Demo data for `borderhub serve --demo`: a small living cross-border hub.

Görlitz (Saxony, DE, euro, German) and Zgorzelec (Lower Silesia, PL, złoty,
Polish) face each other across the Neisse. The demo creates their joint hub, a
coordinator, four admitted producers and two buyers on both sides, verified inclusion
attributes and a few illustrative EUR/PLN rates; and, for the coordinator's work queue, a herb
business that applied to join, an inclusion declaration and a certificate waiting to be checked.
Everything goes through the same services as the API (so it is validated and audited), and
loading twice changes nothing. Later capabilities extend `load_demo`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from kernel.auth import Principal
from kernel.fx import RateRow
from kernel.settings import CoreSettings
from marketplace.catalog.classification import Scheme
from marketplace.catalog.schemas import Classification, ListingCreate, PriceTier, Translation
from marketplace.catalog.service import ListingService
from marketplace.compliance.models import ClassificationScheme
from marketplace.compliance.schemas import CredentialCreate, RecognitionCreate, RequirementCreate
from marketplace.compliance.service import ComplianceService
from marketplace.demo_financing import CONSORTIUM_NAME, OFFICERS, load_consortium
from marketplace.hub.schemas import HubApplication, HubCreate, InvoiceTerms, NamedPlace
from marketplace.hub.service import HubService
from marketplace.identity.models import User
from marketplace.identity.schemas import UserRegister
from marketplace.identity.service import IdentityService, principal_of
from marketplace.money.service import record_rates
from marketplace.order.models import PaymentMethod
from marketplace.order.schemas import Address, CheckoutCreate, CheckoutLine, Delivery
from marketplace.order.service import OrderService
from marketplace.organization.models import InclusionAttribute, OrganizationKind
from marketplace.organization.schemas import (
    BillingDetails,
    InclusionDeclaration,
    OrganizationCreate,
    RegistrationIdentifier,
)
from marketplace.organization.service import OrganizationService
from marketplace.tax.models import VatCategory, VatScheme

DEMO_PASSWORD = "borderhub-demo"  # noqa: S105 - published demo credential, printed at start-up
HUB_NAME = "Görlitz–Zgorzelec Europastadt Hub"
ADMIN_EMAIL = "admin@demo.borderhub.eu"
COORDINATOR_EMAIL = "coordinator@demo.borderhub.eu"


@dataclass(frozen=True)
class DemoOrganization:
    owner_email: str
    owner_name: str
    legal_name: str
    kind: OrganizationKind
    scheme: str
    registration_id: str
    country: str
    subdivision: str
    municipality: str
    currency: str
    languages: list[str]
    employees: int
    declared: list[InclusionAttribute] = field(default_factory=list)
    verified: list[InclusionAttribute] = field(default_factory=list)
    admitted: bool = True
    """False: it applied to the hub and waits in the coordinator's work queue."""


ORGANIZATIONS = [
    DemoOrganization(
        "anna@piekarnia-nowak.demo",
        "Anna Nowak",
        "Piekarnia Nowak s.c.",
        OrganizationKind.producer,
        "PL-NIP",
        "6151000001",
        "PL",
        "PL-02",
        "Zgorzelec",
        "PLN",
        ["pl", "de"],
        6,
        declared=[InclusionAttribute.women_led],
        verified=[InclusionAttribute.women_led],
    ),
    DemoOrganization(
        "jan@mleczarnia-nysa.demo",
        "Jan Kowalczyk",
        "Spółdzielnia Mleczarska Nysa",
        OrganizationKind.producer,
        "PL-KRS",
        "0000123456",
        "PL",
        "PL-02",
        "Bogatynia",
        "PLN",
        ["pl"],
        23,
        declared=[InclusionAttribute.cooperative],
        verified=[InclusionAttribute.cooperative],
    ),
    DemoOrganization(
        "lena@lausitzer-honig.demo",
        "Lena Schulz",
        "Lausitzer Honig GbR",
        OrganizationKind.producer,
        "DE-USTID",
        "DE301234565",
        "DE",
        "DE-SN",
        "Görlitz",
        "EUR",
        ["de", "pl"],
        2,
        declared=[InclusionAttribute.youth_led, InclusionAttribute.women_led],
    ),
    DemoOrganization(
        "info@baeckerei-lehmann.demo",
        "Tobias Lehmann",
        "Bäckerei Lehmann",
        OrganizationKind.producer,
        "DE-USTID",
        "DE309876543",
        "DE",
        "DE-SN",
        "Görlitz",
        "EUR",
        ["de"],
        4,
    ),
    DemoOrganization(
        "marta@ziolowy-zakatek.demo",
        "Marta Wójcik",
        "Ziołowy Zakątek s.c.",
        OrganizationKind.producer,
        "PL-NIP",
        "6151007109",
        "PL",
        "PL-02",
        "Zgorzelec",
        "PLN",
        ["pl", "de"],
        3,
        declared=[InclusionAttribute.women_led],
        admitted=False,
    ),
    DemoOrganization(
        "einkauf@goerlitz.demo",
        "Markus Weber",
        "Stadt Görlitz – Schulverpflegung",
        OrganizationKind.buyer,
        "DE-GKZ",
        "14626110",
        "DE",
        "DE-SN",
        "Görlitz",
        "EUR",
        ["de"],
        40,
    ),
    DemoOrganization(
        "zakupy@hotel-zgorzelec.demo",
        "Ewa Lis",
        "Hotel Nad Nysą Sp. z o.o.",
        OrganizationKind.buyer,
        "PL-KRS",
        "0000654321",
        "PL",
        "PL-02",
        "Zgorzelec",
        "PLN",
        ["pl", "en"],
        18,
    ),
]


# What each organisation's invoices say about it (illustrative numbers that pass their checks).
# The two Polish producers and the German ones are registered for VAT; the herb applicant is a
# small business; the town of Görlitz is a public buyer with a Leitweg-ID (so it receives
# XRechnungen); the hotel is registered for VAT in Poland.
BILLING: dict[str, BillingDetails] = {
    "anna@piekarnia-nowak.demo": BillingDetails(
        vat_scheme=VatScheme.registered,
        vat_number="PL6151000001",
        street="ul. Daszyńskiego 12",
        postal_code="59-900",
        iban="PL69109016650000000123456789",
        invoice_email="faktury@piekarnia-nowak.demo",
        phone="+48 75 775 12 34",
    ),
    "jan@mleczarnia-nysa.demo": BillingDetails(
        vat_scheme=VatScheme.registered,
        vat_number="PL6112345670",
        street="ul. Mickiewicza 3",
        postal_code="59-920",
        iban="PL21109016650000000987654321",
        invoice_email="faktury@mleczarnia-nysa.demo",
        phone="+48 75 772 40 00",
    ),
    "lena@lausitzer-honig.demo": BillingDetails(
        vat_scheme=VatScheme.registered,
        vat_number="DE301234565",
        street="Obermarkt 17",
        postal_code="02826",
        iban="DE34850501003000123456",
        invoice_email="rechnung@lausitzer-honig.demo",
        phone="+49 3581 400 100",
    ),
    "info@baeckerei-lehmann.demo": BillingDetails(
        vat_scheme=VatScheme.registered,
        vat_number="DE309876543",
        street="Berliner Straße 5",
        postal_code="02826",
        iban="DE78850501003000654321",
        invoice_email="rechnung@baeckerei-lehmann.demo",
        phone="+49 3581 400 200",
    ),
    "marta@ziolowy-zakatek.demo": BillingDetails(
        vat_scheme=VatScheme.small_business, street="ul. Warszawska 8", postal_code="59-900"
    ),
    "einkauf@goerlitz.demo": BillingDetails(
        vat_scheme=VatScheme.registered,
        vat_number="DE136695976",
        street="Untermarkt 6",
        postal_code="02826",
        leitweg_id="14626110-GOE01-31",
        invoice_email="rechnungseingang@goerlitz.demo",
        phone="+49 3581 67 0",
    ),
    "zakupy@hotel-zgorzelec.demo": BillingDetails(
        vat_scheme=VatScheme.registered,
        vat_number="PL6151007109",
        street="ul. Wrocławska 1",
        postal_code="59-900",
        invoice_email="faktury@hotel-zgorzelec.demo",
    ),
}

#: The town of Görlitz buys on 30 days' invoice terms: one checkout of honey from Görlitz (a
#: domestic sale at 7 %) and bread from Zgorzelec (an intra-Community supply, without VAT).
INVOICE_BUYER = "einkauf@goerlitz.demo"
INVOICE_ORDER = [("HONIG-LINDE-500", "24"), ("CHLEB-ZYTNI-800", "40")]


def _tiers(*pairs: tuple[str, str]) -> list[PriceTier]:
    return [PriceTier(min_quantity=Decimal(q), unit_price=Decimal(p)) for q, p in pairs]


# A few listings per producer, each in the languages of both sides of the border.
LISTINGS: dict[str, list[ListingCreate]] = {
    "anna@piekarnia-nowak.demo": [
        ListingCreate(
            sku="CHLEB-ZYTNI-800",
            translations={
                "pl": Translation(
                    title="Chleb żytni na zakwasie 800 g", description="Pieczony codziennie w Zgorzelcu."
                ),
                "de": Translation(
                    title="Roggen-Sauerteigbrot 800 g", description="Täglich frisch in Zgorzelec gebacken."
                ),
                "en": Translation(title="Rye sourdough bread 800 g", description="Baked daily in Zgorzelec."),
            },
            default_language="pl",
            classification=Classification(scheme=Scheme.CPV, code="15811100-7"),
            vat_category=VatCategory.super_reduced,
            unit="H87",
            min_order_quantity=Decimal(10),
            price_tiers=_tiers(("10", "9.50"), ("50", "8.90"), ("200", "8.20")),
            stock_on_hand=Decimal(400),
            lead_time_days=1,
            ships_to=["PL-02", "DE-SN"],
        ),
    ],
    "jan@mleczarnia-nysa.demo": [
        ListingCreate(
            sku="SER-GOUDA-KG",
            translations={
                "pl": Translation(title="Ser gouda dojrzewający", description="Spółdzielcze mleko z doliny Nysy."),
                "de": Translation(title="Gereifter Gouda", description="Genossenschaftsmilch aus dem Neißetal."),
            },
            default_language="pl",
            classification=Classification(scheme=Scheme.HS, code="0406.90"),
            vat_category=VatCategory.super_reduced,
            unit="KGM",
            pack_size=Decimal("2.5"),
            price_tiers=_tiers(("2.5", "38.00"), ("25", "34.00")),
            stock_on_hand=Decimal(600),
            lead_time_days=2,
            ships_to=["PL", "DE-SN"],
        ),
    ],
    "info@baeckerei-lehmann.demo": [
        ListingCreate(
            sku="ROGGENMISCH-1000",
            translations={
                "de": Translation(title="Roggenmischbrot 1 kg", description="Aus der Backstube in der Altstadt."),
                "pl": Translation(title="Chleb mieszany żytni 1 kg", description="Z piekarni na starówce Görlitz."),
            },
            default_language="de",
            classification=Classification(scheme=Scheme.CPV, code="15811100-7"),
            vat_category=VatCategory.reduced,
            unit="H87",
            min_order_quantity=Decimal(10),
            price_tiers=_tiers(("10", "2.60"), ("100", "2.30")),
            stock_on_hand=Decimal(250),
            lead_time_days=1,
            ships_to=["DE-SN", "PL-02"],
        ),
    ],
    "lena@lausitzer-honig.demo": [
        ListingCreate(
            sku="HONIG-LINDE-500",
            translations={
                "de": Translation(title="Lausitzer Lindenhonig 500 g", description="Von Bienen aus Görlitz."),
                "pl": Translation(title="Miód lipowy łużycki 500 g", description="Od pszczół z Görlitz."),
                "en": Translation(title="Lusatian linden honey 500 g", description="From bees in Görlitz."),
            },
            default_language="de",
            classification=Classification(scheme=Scheme.CPV, code="03142100-9"),
            vat_category=VatCategory.reduced,
            unit="XJR",
            min_order_quantity=Decimal(6),
            price_tiers=_tiers(("6", "7.90"), ("48", "6.95")),
            stock_on_hand=Decimal(300),
            lead_time_days=3,
            ships_to=["DE-SN", "PL-02"],
        ),
    ],
}

# Cross-border rules of the demo hub, and the credentials producers hold. Bread sells into
# Saxony on a Polish food-safety certificate the hub recognises; the cheese's veterinary
# approval is not recognised in Germany (so eligibility explains why) and expires soon.
REQUIREMENTS = [
    RequirementCreate(
        classification_scheme=ClassificationScheme.CPV,
        classification_prefix="158",
        destination="DE",
        credential_type="food_safety",
        description="Bakery products sold into Germany need a food-safety certificate",
    ),
    RequirementCreate(
        classification_scheme=ClassificationScheme.HS,
        classification_prefix="0406",
        destination="DE",
        credential_type="veterinary_approval",
        description="Cheese sold into Germany needs a veterinary approval",
    ),
]
RECOGNITIONS = [RecognitionCreate(credential_type="food_safety", issued_in="PL", recognised_in="DE")]
CREDENTIALS: dict[str, list[tuple[str, str, int, bool]]] = {
    # owner e-mail: (type, number, days until expiry, verified by the hub: else waiting for review)
    "anna@piekarnia-nowak.demo": [("food_safety", "PL-SANEPID-02-4411", 300, True)],
    "jan@mleczarnia-nysa.demo": [("veterinary_approval", "PL-WET-0212-77", 20, True)],
    "info@baeckerei-lehmann.demo": [("food_safety", "DE-LUA-SN-2211", 250, True)],
    "lena@lausitzer-honig.demo": [("organic", "DE-ÖKO-021-3391", 400, False)],
}

# Illustrative rates so conversions work offline; import real ones with `borderhub fx import`.
DEMO_RATES = [("2026-11-16", "4.2310"), ("2026-11-17", "4.2285"), ("2026-11-18", "4.2342"), ("2026-11-19", "4.2401")]


def demo_people() -> list[tuple[str, str, str, str]]:
    """(e-mail, name, organisation, role) of everyone the demo lets one sign in as; role is
    `producer`, `buyer` or `coordinator`."""
    people = [(COORDINATOR_EMAIL, "Katarzyna Müller", HUB_NAME, "coordinator")]
    people += [(org.owner_email, org.owner_name, org.legal_name, org.kind.value) for org in ORGANIZATIONS]
    return people


@dataclass
class DemoSummary:
    created: bool
    lines: list[str]
    hub_id: uuid.UUID | None = None
    coordinator: Principal | None = None
    members: dict[str, tuple[Principal, uuid.UUID]] = field(default_factory=dict)
    """Owner e-mail -> (owner, organisation), for loading other packages' demo data on top."""

    def describe(self) -> str:
        state = "loaded" if self.created else "already present"
        return "\n".join([f"Demo hub {state}: {HUB_NAME}", *self.lines])


async def _user(identity: IdentityService, email: str, name: str, language: str, *, admin: bool = False) -> User:
    """A demo account, its address verified (nobody reads the demo's mail to follow a link), reading
    messages in `language`."""
    user = await identity.repo.user_by_email(email)
    if user is None:
        await identity.register(
            UserRegister(email=email, password=DEMO_PASSWORD, full_name=name, preferred_language=language),
            platform_admin=admin,
            verified=True,
        )
        user = await identity.repo.user_by_email(email)
    assert user is not None  # noqa: S101 - just created
    return user


async def load_demo(session: AsyncSession, settings: CoreSettings, *, public_url: str) -> DemoSummary:
    """The demo hub and its people, unless loaded before (then nothing changes); `public_url` is where
    the links mailed to people lead (`MarketplaceSettings.public_url`)."""
    lines = [
        f"  every demo account's password: {DEMO_PASSWORD}",
        f"  platform admin:  {ADMIN_EMAIL}",
        f"  hub coordinator: {COORDINATOR_EMAIL}",
        f"  loan officers of the {CONSORTIUM_NAME}: " + ", ".join(email for email, _, _ in OFFICERS),
        *(
            f"  {o.kind.value:<8} {o.owner_email:<30} {o.legal_name} ({o.municipality}, {o.country})"
            for o in ORGANIZATIONS
        ),
    ]
    hubs = HubService(session)
    if await hubs.repo.by_name(HUB_NAME) is not None:
        return DemoSummary(created=False, lines=lines)
    identity = IdentityService(session, settings, public_url=public_url)
    admin = principal_of(await _user(identity, ADMIN_EMAIL, "Demo Administrator", "en", admin=True))
    # The coordinator works in the hub's office in Görlitz.
    coordinator = principal_of(await _user(identity, COORDINATOR_EMAIL, "Katarzyna Müller", "de"))
    hub = await hubs.create(
        admin,
        HubCreate(
            name=HUB_NAME,
            jurisdictions=["DE-SN", "PL-02"],
            municipalities=[
                NamedPlace(name="Görlitz", jurisdiction="DE-SN"),
                NamedPlace(name="Zgorzelec", jurisdiction="PL-02"),
                NamedPlace(name="Bogatynia", jurisdiction="PL-02"),
            ],
            reporting_currency="EUR",
            languages=["de", "pl"],
            coordinator_emails=[COORDINATOR_EMAIL],
        ),
    )
    compliance = ComplianceService(session)
    for rule in REQUIREMENTS:
        await compliance.add_requirement(coordinator, hub.id, rule)
    for recognition in RECOGNITIONS:
        await compliance.add_recognition(coordinator, hub.id, recognition)
    organizations = OrganizationService(session)
    summary = DemoSummary(created=True, lines=lines, hub_id=hub.id, coordinator=coordinator)
    listing_ids: dict[str, uuid.UUID] = {}
    for demo in ORGANIZATIONS:
        # Each owner reads the first of their organisation's languages: German in Görlitz, Polish in
        # Zgorzelec and Bogatynia.
        owner: Principal = principal_of(await _user(identity, demo.owner_email, demo.owner_name, demo.languages[0]))
        created = await organizations.create(
            owner,
            OrganizationCreate(
                legal_name=demo.legal_name,
                kind=demo.kind,
                registration=RegistrationIdentifier(scheme=demo.scheme, id=demo.registration_id),
                country=demo.country,
                subdivision=demo.subdivision,
                municipality=demo.municipality,
                default_currency=demo.currency,
                languages=demo.languages,
                employee_count=demo.employees,
                inclusion=InclusionDeclaration(**{a.value: True for a in demo.declared}),
            ),
        )
        summary.members[demo.owner_email] = (owner, created.id)
        if demo.owner_email in BILLING:
            await organizations.set_billing(owner, created.id, BILLING[demo.owner_email])
        await hubs.apply(owner, hub.id, HubApplication(organization_id=created.id))
        if not demo.admitted:
            continue
        await hubs.decide(coordinator, hub.id, created.id, admit=True, note="demo member")
        for attribute in demo.verified:
            await hubs.verify_inclusion(coordinator, hub.id, created.id, attribute, verified=True)
        for listing in LISTINGS.get(demo.owner_email, []):
            listed = await ListingService(session).create(owner, created.id, listing)
            listing_ids[listing.sku] = listed.id
        for credential_type, number, days_left, verified in CREDENTIALS.get(demo.owner_email, []):
            today = clock.today()
            credential = await compliance.submit_credential(
                owner,
                created.id,
                CredentialCreate(
                    credential_type=credential_type,
                    number=number,
                    issuing_jurisdiction=demo.country,
                    valid_from=today - dt.timedelta(days=200),
                    valid_until=today + dt.timedelta(days=days_left),
                    issuer="Demo certification body (illustrative)",
                    document_url=f"https://documents.demo.borderhub.eu/{number}.pdf",
                ),
            )
            if verified:
                await compliance.verify_credential(coordinator, hub.id, credential.id)
    await record_rates(
        session,
        [
            RateRow(
                base="EUR",
                quote="PLN",
                rate=Decimal(rate),
                as_of=dt.date.fromisoformat(day),
                source="demo (illustrative)",
            )
            for day, rate in DEMO_RATES
        ],
    )
    await _invoice_orders(session, coordinator, hub.id, summary, listing_ids)
    officers = [principal_of(await _user(identity, email, name, language)) for email, name, language in OFFICERS]
    await load_consortium(session, coordinator, hub.id, officers)
    return summary


async def _invoice_orders(
    session: AsyncSession,
    coordinator: Principal,
    hub_id: uuid.UUID,
    summary: DemoSummary,
    listing_ids: dict[str, uuid.UUID],
) -> None:
    """The town's invoice checkout (`INVOICE_ORDER`), on the invoice terms the hub grants it."""
    buyer, buyer_id = summary.members[INVOICE_BUYER]
    await HubService(session).set_invoice_terms(coordinator, hub_id, buyer_id, InvoiceTerms(net_days=30))
    lines = [CheckoutLine(listing_id=listing_ids[sku], quantity=Decimal(quantity)) for sku, quantity in INVOICE_ORDER]
    await OrderService(session).checkout(
        buyer,
        CheckoutCreate(
            buyer_organization_id=buyer_id,
            lines=lines,
            delivery=Delivery(
                jurisdiction="DE-SN",
                address=Address(
                    recipient="Stadt Görlitz, Schulküche", line1="Untermarkt 6", postal_code="02826", city="Görlitz"
                ),
            ),
            payment_method=PaymentMethod.invoice,
        ),
    )
