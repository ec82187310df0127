"""Wire formats of hubs, coordinators, hub memberships and the hub's audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec

from marketplace.organization.models import HubMembershipStatus, InclusionAttribute
from marketplace.organization.schemas import InclusionRead


class NamedPlace(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200, examples=["Görlitz"])]
    jurisdiction: Annotated[str, msgspec.Meta(description="ISO 3166-1 or 3166-2 code", examples=["DE-SN"])]


class HubCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    jurisdictions: Annotated[
        list[str], msgspec.Meta(min_length=2, max_length=50, description="ISO 3166-1/3166-2 codes on each side")
    ]
    reporting_currency: str
    languages: Annotated[list[str], msgspec.Meta(min_length=1, max_length=20)]
    municipalities: list[NamedPlace] = msgspec.field(default_factory=list)
    coordinator_emails: list[str] = msgspec.field(default_factory=list)
    """Registered users appointed as the first coordinators."""


class HubRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    name: str
    jurisdictions: list[str]
    municipalities: list[NamedPlace]
    reporting_currency: str
    languages: list[str]
    i_coordinate: bool
    created_at: dt.datetime
    catalogue_shows_prices: bool = True
    """Whether the hub's public catalogue preview shows the listings' prices (its coordinators choose)."""


class PublicCatalogue(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """How the hub's public catalogue preview (`/portal/<hub>/catalogue`) shows its producers' listings."""

    shows_prices: bool
    """Whether it shows each listing's price ("from 40.50 zł per kg"); off, it shows what is offered only."""


class CoordinatorAppoint(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: str


class CoordinatorRead(msgspec.Struct, kw_only=True, frozen=True):
    user_id: uuid.UUID
    email: str | None
    """Shown to fellow coordinators and platform admins only."""
    full_name: str
    since: dt.datetime


class HubApplication(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    organization_id: uuid.UUID
    note: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class MembershipDecision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    note: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class HubMembershipRead(msgspec.Struct, kw_only=True, frozen=True):
    hub_id: uuid.UUID
    organization_id: uuid.UUID
    organization_name: str
    organization_kind: str
    country: str
    subdivision: str | None
    status: HubMembershipStatus
    note: str | None
    invoice_net_days: int | None
    """Payment terms the hub grants the organisation as a buyer (days to pay an invoice; null: none)."""
    applied_at: dt.datetime
    decided_at: dt.datetime | None
    municipality: str | None = None


class HubMemberRead(HubMembershipRead, kw_only=True, frozen=True):
    """An application or membership with the organisation's inclusion attributes as declared and
    verified (None for an organisation the hub turned away: the hub no longer reads it)."""

    inclusion: InclusionRead | None


Evidence = Annotated[
    str,
    msgspec.Meta(max_length=1000, examples=["Extract of the KRS register of 3 March: two of three owners are women"]),
]


class InclusionVerification(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    verified: bool
    evidence: Evidence | None = None
    """What the coordinator saw that shows the declaration true (kept with the verification)."""


class InclusionVerificationRead(msgspec.Struct, kw_only=True, frozen=True):
    organization_id: uuid.UUID
    attribute: InclusionAttribute
    declared: bool
    verified_by_hub: bool
    verified_by_hub_id: uuid.UUID | None
    verified_at: dt.datetime | None
    evidence: str | None = None
    """What the verifying coordinator saw."""
    refused: bool = False
    """True when this hub refused to verify the declaration (`InclusionRefusalRead` says why)."""


class InclusionRefusalCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=1000, examples=["No document shows who leads it"])]


class InclusionRefusalRead(msgspec.Struct, kw_only=True, frozen=True):
    """A hub's refusal to verify a declared inclusion attribute, and why."""

    organization_id: uuid.UUID
    attribute: InclusionAttribute
    hub_id: uuid.UUID
    reason: str
    refused_at: dt.datetime


class DeclarationToVerify(msgspec.Struct, kw_only=True, frozen=True):
    """A declared inclusion attribute of an admitted organisation that the hub has neither verified
    nor refused."""

    organization_id: uuid.UUID
    organization_name: str
    attribute: InclusionAttribute


class AuditEntryRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    at: dt.datetime
    actor_id: uuid.UUID | None
    actor_email: str | None
    action: str
    object_type: str
    object_id: uuid.UUID
    organization_id: uuid.UUID | None
    hub_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None


class InvoiceTerms(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    net_days: Annotated[int, msgspec.Meta(ge=0, le=120)] | None
    """Days from an order to its invoice's due date; null: this buyer may not pay by invoice."""
