"""Events marketplace publishes through the outbox (past tense; frozen; ids, not objects)."""

from __future__ import annotations

import uuid

import msgspec


class InvitationSent(msgspec.Struct, frozen=True, kw_only=True):
    invitation_id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    role: str


class OrganizationAdmitted(msgspec.Struct, frozen=True, kw_only=True):
    hub_id: uuid.UUID
    organization_id: uuid.UUID


class OrganizationRejected(msgspec.Struct, frozen=True, kw_only=True):
    hub_id: uuid.UUID
    organization_id: uuid.UUID


class InclusionVerificationChanged(msgspec.Struct, frozen=True, kw_only=True):
    """A hub coordinator verified (or withdrew verification of) an inclusion attribute."""

    hub_id: uuid.UUID
    organization_id: uuid.UUID
    attribute: str
    verified: bool


class ListingChanged(msgspec.Struct, frozen=True, kw_only=True):
    """A listing was created or changed (`change`: created, details, prices, stock, active, paused, archived).

    Consumers re-read the listing; `version` lets them ignore stale or repeated deliveries.
    """

    listing_id: uuid.UUID
    organization_id: uuid.UUID
    version: int
    change: str
