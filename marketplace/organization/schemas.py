"""Wire formats of organisations, members and invitations."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from marketplace.organization.models import InvitationStatus, OrganizationKind, Role
from marketplace.tax.models import VatScheme

LegalName = Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
Municipality = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
EmployeeCount = Annotated[int, msgspec.Meta(ge=0, le=10_000_000, description="People employed, owners included")]
Languages = Annotated[list[str], msgspec.Meta(min_length=1, max_length=20, description="BCP 47 tags, first preferred")]


class RegistrationIdentifier(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A registration or VAT number. One python-stdnum checks is read back as stored: under its scheme's
    one name, compact (`PL-VAT` `PL 615-123-45-61` is `PL-NIP` `6151234561`)."""

    scheme: Annotated[str, msgspec.Meta(min_length=1, max_length=40, examples=["DE-HRB", "PL-KRS", "VAT"])]
    id: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class InclusionDeclaration(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """What the organisation declares about its ownership (verified separately by a hub)."""

    women_led: bool = False
    youth_led: bool = False
    minority_led: bool = False
    cooperative: bool = False


class OrganizationCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    legal_name: LegalName
    kind: OrganizationKind
    registration: RegistrationIdentifier
    country: Annotated[str, msgspec.Meta(description="ISO 3166-1 alpha-2", examples=["PL"])]
    default_currency: Annotated[str, msgspec.Meta(description="ISO 4217", examples=["PLN"])]
    languages: Languages
    employee_count: EmployeeCount
    subdivision: Annotated[str, msgspec.Meta(description="ISO 3166-2", examples=["PL-02"])] | None = None
    municipality: Municipality | None = None
    inclusion: InclusionDeclaration | None = None


ORGANIZATION_CREATE_EXAMPLE = {
    "legal_name": "Zioła Zielińska",
    "kind": "producer",
    "registration": {"scheme": "PL-NIP", "id": "6151234561"},
    "country": "PL",
    "subdivision": "PL-02",
    "municipality": "Zgorzelec",
    "default_currency": "PLN",
    "languages": ["pl", "de"],
    "employee_count": 3,
    "inclusion": {"women_led": True, "youth_led": True},
}
"""A herb grower in Zgorzelec (the README's walk-through; shown in the OpenAPI document)."""


class OrganizationUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Profile changes; omitted fields stay as they are. Country and registration are fixed."""

    legal_name: LegalName | msgspec.UnsetType = msgspec.UNSET
    kind: OrganizationKind | msgspec.UnsetType = msgspec.UNSET
    subdivision: str | msgspec.UnsetType | None = msgspec.UNSET
    municipality: Municipality | msgspec.UnsetType | None = msgspec.UNSET
    default_currency: str | msgspec.UnsetType = msgspec.UNSET
    languages: Languages | msgspec.UnsetType = msgspec.UNSET
    employee_count: EmployeeCount | msgspec.UnsetType = msgspec.UNSET


class InclusionStatus(msgspec.Struct, kw_only=True, frozen=True):
    declared: bool
    verified_by_hub: bool
    """True when a coordinator of `verified_by_hub_id` has verified the declaration."""
    verified_by_hub_id: uuid.UUID | None = None
    verified_at: dt.datetime | None = None
    evidence: str | None = None
    """What the verifying coordinator saw, in their words (None if they did not say)."""


class InclusionRead(msgspec.Struct, kw_only=True, frozen=True):
    women_led: InclusionStatus
    youth_led: InclusionStatus
    minority_led: InclusionStatus
    cooperative: InclusionStatus


class HubMembershipRef(msgspec.Struct, kw_only=True, frozen=True):
    hub_id: uuid.UUID
    status: str


class OrganizationRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    legal_name: str
    kind: OrganizationKind
    registration: RegistrationIdentifier
    country: str
    subdivision: str | None
    municipality: str | None
    default_currency: str
    languages: list[str]
    employee_count: int
    inclusion: InclusionRead
    hubs: list[HubMembershipRef]
    my_role: Role | None
    """The caller's role, or null when reading as a hub coordinator or platform admin."""
    created_at: dt.datetime
    updated_at: dt.datetime


class MembershipRead(msgspec.Struct, kw_only=True, frozen=True):
    """An organisation the caller belongs to, in brief: whom they may act for, where, in which currency."""

    id: uuid.UUID
    legal_name: str
    kind: OrganizationKind
    country: str
    subdivision: str | None
    default_currency: str
    role: Role


class MemberRead(msgspec.Struct, kw_only=True, frozen=True):
    user_id: uuid.UUID
    email: str
    full_name: str
    role: Role
    member_since: dt.datetime


class RoleChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    role: Role


class InvitationCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320)]
    role: Role = Role.member


class InvitationAccept(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    token: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class InvitationRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    organization_id: uuid.UUID
    organization_name: str
    email: str
    role: Role
    status: InvitationStatus
    expires_at: dt.datetime
    created_at: dt.datetime


class InvitationIssued(msgspec.Struct, kw_only=True, frozen=True):
    """A new invitation and the token the invitee needs to accept it (shown once)."""

    invitation: InvitationRead
    accept_token: str


# --- invoicing details --------------------------------------------------------------------------

_STREET = 'Street and house number as printed on invoices, e.g. "Kościuszki 12" (at most 200 characters).'
_POSTAL_CODE = 'Postal code as your post office writes it, e.g. "59-900" (at most 20 characters).'
_VAT_SCHEME = (
    "How the organisation stands towards VAT. `registered`: it charges VAT and its invoices show its VAT "
    "number (then `vat_number` is required). `small_business`: it charges no VAT under its country's "
    "small-business exemption (such as § 19 UStG in Germany), which its invoices cite. `not_registered`: "
    "it is not registered for VAT and charges none."
)
_VAT_NUMBER = (
    "The organisation's VAT identification number. Checked by its country's check digits; in the EU it is "
    "stored with its country code (DE136695976; Greece's is EL), which may be left out when entering it. "
    "Required when `vat_scheme` is `registered`, optional for a small business."
)
_IBAN = (
    'The bank account buyers pay the organisation\'s invoices into, e.g. "DE89 3704 0044 0532 0130 00". '
    "Printed on its invoices; spaces are dropped."
)
_BIC = 'The BIC (SWIFT code) of the account\'s bank, 8 or 11 characters, e.g. "COBADEFFXXX".'
_LEITWEG_ID = (
    'German public buyers only: the Leitweg-ID that routes invoices to you, e.g. "991-33333TEST-33". '
    "Suppliers' invoices to you are XRechnungen that cite it."
)
_INVOICE_EMAIL = "Where invoices to the organisation are sent, and the contact printed on the invoices it issues."
_PHONE = "A phone number printed on invoices: 3 to 40 characters of digits, spaces and + - ( ) /."


class BillingDetails(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What the organisation's invoices say about it, replaced as a whole: a field left out or null is
    cleared. Every field is checked, and all problems are named at once; nothing is saved then."""

    vat_scheme: Annotated[VatScheme, msgspec.Meta(description=_VAT_SCHEME)]
    street: Annotated[str | None, msgspec.Meta(description=_STREET, examples=["Kościuszki 12"])] = None
    postal_code: Annotated[str | None, msgspec.Meta(description=_POSTAL_CODE, examples=["59-900"])] = None
    vat_number: Annotated[str | None, msgspec.Meta(description=_VAT_NUMBER, examples=["DE136695976"])] = None
    iban: Annotated[str | None, msgspec.Meta(description=_IBAN, examples=["DE89370400440532013000"])] = None
    bic: Annotated[str | None, msgspec.Meta(description=_BIC, examples=["COBADEFFXXX"])] = None
    leitweg_id: Annotated[str | None, msgspec.Meta(description=_LEITWEG_ID, examples=["991-33333TEST-33"])] = None
    invoice_email: Annotated[
        str | None, msgspec.Meta(description=_INVOICE_EMAIL, examples=["rechnungen@example.org"])
    ] = None
    phone: Annotated[str | None, msgspec.Meta(description=_PHONE, examples=["+49 3581 123456"])] = None


BILLING_DETAILS_EXAMPLE = {
    "vat_scheme": "registered",
    "street": "Berliner Straße 5",
    "postal_code": "02826",
    "vat_number": "DE 136 695 976",
    "iban": "DE89 3704 0044 0532 0130 00",
    "bic": "COBADEFFXXX",
    "invoice_email": "rechnungen@example.org",
    "phone": "+49 3581 123456",
}
"""A registered producer in Görlitz (shown in the OpenAPI document)."""


class BillingRead(msgspec.Struct, kw_only=True, frozen=True):
    """The organisation's invoicing details as stored: numbers compact, the VAT number with its
    country code in the EU."""

    organization_id: uuid.UUID
    country: Annotated[str, msgspec.Meta(description="Where the organisation is registered (ISO 3166-1 alpha-2)")]
    vat_scheme: Annotated[VatScheme, msgspec.Meta(description=_VAT_SCHEME)]
    small_business_basis: Annotated[
        str | None,
        msgspec.Meta(
            description=(
                "The law a small business of the organisation's country cites on its invoices "
                "(null: Borderhub knows no small-business exemption there)"
            ),
            examples=["§ 19 UStG"],
        ),
    ]
    street: Annotated[str | None, msgspec.Meta(description=_STREET)]
    postal_code: Annotated[str | None, msgspec.Meta(description=_POSTAL_CODE)]
    vat_number: Annotated[str | None, msgspec.Meta(description=_VAT_NUMBER)]
    iban: Annotated[str | None, msgspec.Meta(description=_IBAN)]
    bic: Annotated[str | None, msgspec.Meta(description=_BIC)]
    leitweg_id: Annotated[str | None, msgspec.Meta(description=_LEITWEG_ID)]
    invoice_email: Annotated[str | None, msgspec.Meta(description=_INVOICE_EMAIL)]
    phone: Annotated[str | None, msgspec.Meta(description=_PHONE)]
