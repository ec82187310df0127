"""Wire formats of organisations, members and invitations."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from marketplace.organization.models import InvitationStatus, OrganizationKind, Role

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
