"""Events marketplace publishes through the outbox (past tense; frozen; ids, not objects)."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec


class InvitationSent(msgspec.Struct, frozen=True, kw_only=True):
    """For the mailer: `accept_token` goes into the link sent to `email` (single use, expires)."""

    invitation_id: uuid.UUID
    organization_id: uuid.UUID
    email: str
    role: str
    accept_token: str


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


class CredentialVerified(msgspec.Struct, frozen=True, kw_only=True):
    """A coordinator of `hub_id` verified a credential of the organisation."""

    hub_id: uuid.UUID
    organization_id: uuid.UUID
    credential_id: uuid.UUID
    credential_type: str


class CredentialRejected(msgspec.Struct, frozen=True, kw_only=True):
    """A coordinator of `hub_id` rejected a credential (or withdrew its verification); the reason is on it."""

    hub_id: uuid.UUID
    organization_id: uuid.UUID
    credential_id: uuid.UUID
    credential_type: str


class CredentialExpiring(msgspec.Struct, frozen=True, kw_only=True):
    """A verified credential's last valid day is near (emitted once per credential, about 30 days ahead)."""

    organization_id: uuid.UUID
    credential_id: uuid.UUID
    credential_type: str
    valid_until: dt.date
