"""Organisations (producers and buyers), their members, invitations and inclusion attributes,
and where they stand in hubs: their hub memberships and the hubs' coordinators.

The two hub relations live here, not in `hub`, because an organisation's standing (a
coordinator of its hub may read it) and its read model (the hubs it belongs to) need them,
while the hub domain builds on organisations."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

import msgspec
from sqlalchemy import (
    CHAR,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from kernel.db import Entity
from marketplace.db import MARKETPLACE_SCHEMA, enum_type
from marketplace.tax.decision import TaxParty
from marketplace.tax.models import VatScheme


class OrganizationKind(enum.StrEnum):
    producer = "producer"
    buyer = "buyer"
    both = "both"


# Here rather than in `order`: invoices (in `payment`, below orders) are filtered by it too.
class Side(enum.StrEnum):
    """Which end of an order an organisation is on."""

    buyer = "buyer"
    producer = "producer"


class Role(enum.StrEnum):
    """Membership roles, ordered: an owner can do all an admin can, an admin all a member can."""

    member = "member"
    admin = "admin"
    owner = "owner"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def at_least(self, other: Role) -> bool:
        return self.rank >= other.rank


class InclusionAttribute(enum.StrEnum):
    women_led = "women_led"
    youth_led = "youth_led"
    minority_led = "minority_led"
    cooperative = "cooperative"


class InvitationStatus(enum.StrEnum):
    pending = "pending"
    accepted = "accepted"
    revoked = "revoked"


class Organization(Entity):
    __tablename__ = "organization"
    __table_args__ = (
        UniqueConstraint("country", "registration_scheme", "registration_id", name="uq_organization_registration"),
        CheckConstraint("employee_count >= 0", name="employee_count_not_negative"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    legal_name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[OrganizationKind] = mapped_column(enum_type(OrganizationKind, "organization_kind"))
    registration_scheme: Mapped[str] = mapped_column(String(40))
    registration_id: Mapped[str] = mapped_column(String(80))
    country: Mapped[str] = mapped_column(CHAR(2), index=True)
    subdivision: Mapped[str | None] = mapped_column(String(6))
    municipality: Mapped[str | None] = mapped_column(String(200))
    default_currency: Mapped[str] = mapped_column(CHAR(3))
    languages: Mapped[list[str]] = mapped_column(ARRAY(String(35)))
    employee_count: Mapped[int] = mapped_column(Integer)
    # What its invoices say about it (`OrganizationService.set_billing`): each checked when entered.
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    vat_scheme: Mapped[VatScheme] = mapped_column(
        enum_type(VatScheme, "vat_scheme"), default=VatScheme.not_registered, server_default="not_registered"
    )
    vat_number: Mapped[str | None] = mapped_column(String(20))
    """With its country prefix (DE301234565), valid by its country's check digits."""
    iban: Mapped[str | None] = mapped_column(String(34))
    """Where buyers pay its invoices (printed on them, with an EPC QR code in euro)."""
    bic: Mapped[str | None] = mapped_column(String(11))
    leitweg_id: Mapped[str | None] = mapped_column(String(50))
    """A German public buyer's routing id: its suppliers' invoices are XRechnungen that cite it."""
    invoice_email: Mapped[str | None] = mapped_column(String(320))
    """Where its invoices are sent, and the contact printed on the invoices it issues."""
    phone: Mapped[str | None] = mapped_column(String(40))

    @property
    def tax_party(self) -> TaxParty:
        """How the VAT of its sales and purchases is decided (`marketplace.tax.decision`)."""
        return TaxParty(country=self.country, scheme=self.vat_scheme, vat_number=self.vat_number)

    @property
    def sells(self) -> bool:
        return self.kind in (OrganizationKind.producer, OrganizationKind.both)

    @property
    def buys(self) -> bool:
        return self.kind in (OrganizationKind.buyer, OrganizationKind.both)


class Membership(Entity):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("organization_id", "user_id"), {"schema": MARKETPLACE_SCHEMA})

    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.organization.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.user_account.id"), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "membership_role"))


class Invitation(Entity):
    __tablename__ = "invitation"
    __table_args__ = {"schema": MARKETPLACE_SCHEMA}

    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.organization.id", ondelete="CASCADE"), index=True
    )
    email: Mapped[str] = mapped_column(String(320), index=True)
    role: Mapped[Role] = mapped_column(enum_type(Role, "membership_role"))
    status: Mapped[InvitationStatus] = mapped_column(enum_type(InvitationStatus, "invitation_status"))
    invited_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    token_digest: Mapped[str] = mapped_column(String(64))
    """sha256 of the accept token; the token itself is only given out once."""


class Inclusion(Entity):
    """One inclusion attribute of an organisation: self-declared, and separately hub-verified."""

    __tablename__ = "inclusion"
    __table_args__ = (UniqueConstraint("organization_id", "attribute"), {"schema": MARKETPLACE_SCHEMA})

    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.organization.id", ondelete="CASCADE"), index=True
    )
    attribute: Mapped[InclusionAttribute] = mapped_column(enum_type(InclusionAttribute, "inclusion_attribute"))
    declared: Mapped[bool] = mapped_column(Boolean, default=False)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    verified_by_hub_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    verified_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    verification_evidence: Mapped[str | None] = mapped_column(String(1000))
    """What the verifying coordinator saw (a register extract, the articles of a cooperative), in
    their words; None when not verified or verified without saying."""


class InclusionRefusal(Entity):
    """A hub's refusal to verify a declared inclusion attribute, with the coordinator's reason. It
    ends when the hub verifies the attribute after all, the declaration changes, or the hub turns
    the organisation away; each hub decides for itself (another hub may still verify it)."""

    __tablename__ = "inclusion_refusal"
    __table_args__ = (
        UniqueConstraint("hub_id", "organization_id", "attribute", name="uq_inclusion_refusal_attribute"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    hub_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.hub.id"))
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.organization.id", ondelete="CASCADE"), index=True
    )
    attribute: Mapped[InclusionAttribute] = mapped_column(enum_type(InclusionAttribute, "inclusion_attribute"))
    reason: Mapped[str] = mapped_column(String(1000))
    refused_by: Mapped[uuid.UUID] = mapped_column(Uuid)


class HubMembershipStatus(enum.StrEnum):
    pending = "pending"
    admitted = "admitted"
    rejected = "rejected"


class HubCoordinator(Entity):
    __tablename__ = "hub_coordinator"
    __table_args__ = (UniqueConstraint("hub_id", "user_id"), {"schema": MARKETPLACE_SCHEMA})

    hub_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.hub.id"), index=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.user_account.id"), index=True)


class HubMembership(Entity):
    """An organisation's place in a hub: applied (pending), admitted or rejected by a coordinator."""

    __tablename__ = "hub_membership"
    __table_args__ = (UniqueConstraint("hub_id", "organization_id"), {"schema": MARKETPLACE_SCHEMA})

    hub_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.hub.id"), index=True)
    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.organization.id"), index=True
    )
    status: Mapped[HubMembershipStatus] = mapped_column(enum_type(HubMembershipStatus, "hub_membership_status"))
    decided_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(1000))
    invoice_net_days: Mapped[int | None] = mapped_column(Integer, server_default="30")
    """The hub's payment terms for this organisation as a buyer: invoices fall due this many
    days after the order is placed; None means the hub grants it no invoice terms."""


class InclusionRow(msgspec.Struct, frozen=True, kw_only=True):
    """An inclusion attribute's row as one organisation's read gets it (`OrganizationRow`)."""

    attribute: InclusionAttribute
    declared: bool
    verified: bool
    verified_by_hub_id: uuid.UUID | None
    verified_at: dt.datetime | None
    verification_evidence: str | None


class HubPlace(msgspec.Struct, frozen=True, kw_only=True):
    hub_id: uuid.UUID
    status: HubMembershipStatus


class OrganizationRow(msgspec.Struct, frozen=True, kw_only=True):
    """One organisation as it is read (`OrganizationRepository.shown`): its columns under
    `Organization`'s own names, its inclusion rows and hubs, and the reader's standing in it."""

    id: uuid.UUID
    legal_name: str
    kind: OrganizationKind
    registration_scheme: str
    registration_id: str
    country: str
    subdivision: str | None
    municipality: str | None
    default_currency: str
    languages: list[str]
    employee_count: int
    created_at: dt.datetime
    updated_at: dt.datetime
    inclusion: list[InclusionRow]
    hubs: list[HubPlace]
    """In the order the organisation applied to them."""
    role: Role | None
    """The reader's."""
    coordinates: bool
    """Whether the reader coordinates a hub the organisation belongs to or applied to."""
