"""Wire formats of hubs, coordinators, hub memberships and the hub's audit log."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec

from marketplace.organization.models import HubMembershipStatus, InclusionAttribute


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


class InclusionVerification(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    verified: bool


class InclusionVerificationRead(msgspec.Struct, kw_only=True, frozen=True):
    organization_id: uuid.UUID
    attribute: InclusionAttribute
    declared: bool
    verified_by_hub: bool
    verified_by_hub_id: uuid.UUID | None
    verified_at: dt.datetime | None


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
