"""Cross-border compliance: credentials organisations hold, and the rules hubs set about them.

A credential (organic certificate, export licence, ...) is issued in one
jurisdiction and verified or rejected by a hub coordinator; whether it is expired
is never stored but derived from its dates. A hub records which credential types
issued in one jurisdiction it recognises in another (`Recognition`), and which
credential a seller needs to sell goods of a classification into a destination
(`Requirement`). The rules that combine them are the methods below; they are pure
(no I/O) so eligibility can be decided over rows loaded once.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Index, Integer, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from kernel import codes
from kernel.db import Entity
from marketplace.compliance.errors import CredentialAlreadyDecided
from marketplace.db import MARKETPLACE_SCHEMA, enum_type

#: How far ahead a verified credential counts as "expiring" for the daily job.
EXPIRY_WARNING = dt.timedelta(days=30)


class CredentialStatus(enum.StrEnum):
    """What a hub coordinator decided. Expiry is not a status: it follows from the dates."""

    submitted = "submitted"
    verified = "verified"
    rejected = "rejected"


class EffectiveStatus(enum.StrEnum):
    """The status a reader sees on a given day: `expired` once `valid_until` has passed."""

    submitted = "submitted"
    verified = "verified"
    rejected = "rejected"
    expired = "expired"


class ClassificationScheme(enum.StrEnum):
    CPV = "CPV"
    HS = "HS"


def classification_digits(code: str) -> str:
    """The digits of a classification code: CPV `03110000-5` → `031100005`, HS `0406.10` → `040610`."""
    return "".join(ch for ch in code if ch.isdigit())


def prefix_matches(prefix: str, code: str) -> bool:
    """Whether a requirement's classification prefix covers a code, comparing digits only.

    `0311` covers CPV `03110000-5` and `03111000-2` but not `03200000-3`.
    """
    return classification_digits(code).startswith(classification_digits(prefix))


class Credential(Entity):
    """A permit or certificate held by an organisation, checked by a hub coordinator.

    The document itself is uploaded (a PDF, JPEG or PNG kept in the file storage under
    `document_key`), linked (`document_url`), or both: a credential has at least one of them.
    """

    __tablename__ = "credential"
    __table_args__ = (
        CheckConstraint("valid_until >= valid_from", name="credential_validity_ordered"),
        CheckConstraint("isfinite(valid_from) AND isfinite(valid_until)", name="validity_finite"),
        CheckConstraint("document_url IS NOT NULL OR document_key IS NOT NULL", name="has_document"),
        CheckConstraint(
            "(document_key IS NULL) = (document_media_type IS NULL) "
            "AND (document_key IS NULL) = (document_name IS NULL) "
            "AND (document_key IS NULL) = (document_bytes IS NULL)",
            name="document_described",
        ),
        UniqueConstraint(
            "organization_id",
            "credential_type",
            "issuing_jurisdiction",
            "number",
            "valid_from",
            name="uq_credential_per_organization",
        ),
        Index("ix_credential_status_valid_until", "status", "valid_until"),
        {"schema": MARKETPLACE_SCHEMA},
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.organization.id", ondelete="CASCADE"), index=True
    )
    credential_type: Mapped[str] = mapped_column(String(40))
    number: Mapped[str] = mapped_column(String(100))
    issuing_jurisdiction: Mapped[str] = mapped_column(String(6))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date] = mapped_column(Date)
    issuer: Mapped[str | None] = mapped_column(String(200))
    """The authority that issued it, as the organisation names it (None on credentials recorded before
    it was asked)."""
    document_url: Mapped[str | None] = mapped_column(String(2000))
    document_key: Mapped[str | None] = mapped_column(String(300))
    """Where the uploaded document is in the file storage (`kernel.storage`); None when only linked."""
    document_media_type: Mapped[str | None] = mapped_column(String(100))
    document_name: Mapped[str | None] = mapped_column(String(200))
    """The uploaded file's name, made safe to send back (see `marketplace.compliance.documents`)."""
    document_bytes: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[CredentialStatus] = mapped_column(enum_type(CredentialStatus, "credential_status"))
    rejection_reason: Mapped[str | None] = mapped_column(String(1000))
    decided_by_hub_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.hub.id"))
    decided_by_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    expiry_flagged_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """When the daily job first saw this verified credential expiring soon (set once)."""
    expiry_announced_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """When the daily job announced that this verified credential had expired (set once)."""
    start_announced_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    """When the daily job announced that this credential, verified before its first valid day,
    had become valid (set once)."""

    def expired_on(self, on: dt.date) -> bool:
        return self.valid_until < on

    def valid_on(self, on: dt.date) -> bool:
        return self.valid_from <= on <= self.valid_until

    def effective_status(self, on: dt.date) -> EffectiveStatus:
        """`expired` once `valid_until` is before `on`; otherwise the coordinator's decision."""
        if self.expired_on(on):
            return EffectiveStatus.expired
        return EffectiveStatus(self.status.value)

    def expires_in_days(self, on: dt.date) -> int:
        """Days from `on` to the last valid day (0 on that day, negative once expired)."""
        return (self.valid_until - on).days

    def verify(self, *, hub_id: uuid.UUID, user_id: uuid.UUID, at: dt.datetime) -> None:
        """Mark verified (from submitted, or revising a rejection). Raises `CredentialAlreadyDecided` (409)."""
        if self.status is CredentialStatus.verified:
            raise CredentialAlreadyDecided("the credential is already verified")
        if self.expired_on(at.date()):
            raise CredentialAlreadyDecided(
                f"the credential expired on {self.valid_until.isoformat()}; "
                "the organisation should submit the current one"
            )
        self._decide(CredentialStatus.verified, hub_id=hub_id, user_id=user_id, at=at, reason=None)

    def reject(self, *, hub_id: uuid.UUID, user_id: uuid.UUID, at: dt.datetime, reason: str) -> None:
        """Mark rejected with a reason (from submitted, or withdrawing a verification). 409 if already rejected."""
        if self.status is CredentialStatus.rejected:
            raise CredentialAlreadyDecided("the credential is already rejected")
        self._decide(CredentialStatus.rejected, hub_id=hub_id, user_id=user_id, at=at, reason=reason)

    def _decide(
        self, status: CredentialStatus, *, hub_id: uuid.UUID, user_id: uuid.UUID, at: dt.datetime, reason: str | None
    ) -> None:
        self.status = status
        self.rejection_reason = reason
        self.decided_by_hub_id = hub_id
        self.decided_by_user_id = user_id
        self.decided_at = at

    def valid_in(self, destination: str, recognitions: list[Recognition]) -> bool:
        """Whether the credential counts in `destination`.

        It does when issued in the destination or in a jurisdiction enclosing it
        (its country), or when one of `recognitions` (the requirement's hub's)
        recognises this type issued here in the destination.
        """
        return codes.jurisdiction_covers(self.issuing_jurisdiction, destination) or any(
            r.recognises(self.credential_type, self.issuing_jurisdiction, destination) for r in recognitions
        )


class Recognition(Entity):
    """A hub recognises credentials of a type issued in one jurisdiction as valid in another."""

    __tablename__ = "credential_recognition"
    __table_args__ = (
        UniqueConstraint(
            "hub_id", "credential_type", "issued_in", "recognised_in", name="uq_credential_recognition_per_hub"
        ),
        {"schema": MARKETPLACE_SCHEMA},
    )

    hub_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.hub.id"), index=True)
    credential_type: Mapped[str] = mapped_column(String(40))
    issued_in: Mapped[str] = mapped_column(String(6))
    recognised_in: Mapped[str] = mapped_column(String(6))
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)

    def recognises(self, credential_type: str, issued_in: str, destination: str) -> bool:
        """Same type, issued inside `issued_in`, and `destination` inside `recognised_in`."""
        return (
            self.credential_type == credential_type
            and codes.jurisdiction_covers(self.issued_in, issued_in)
            and codes.jurisdiction_covers(self.recognised_in, destination)
        )


class Requirement(Entity):
    """To sell goods under `classification_prefix` into `destination`, a seller needs a `credential_type`."""

    __tablename__ = "credential_requirement"
    __table_args__ = (
        UniqueConstraint(
            "hub_id",
            "classification_scheme",
            "classification_prefix",
            "destination",
            "credential_type",
            name="uq_credential_requirement_per_hub",
        ),
        {"schema": MARKETPLACE_SCHEMA},
    )

    hub_id: Mapped[uuid.UUID] = mapped_column(Uuid, ForeignKey(f"{MARKETPLACE_SCHEMA}.hub.id"), index=True)
    classification_scheme: Mapped[ClassificationScheme] = mapped_column(
        # Named apart from the catalog's `classification_scheme` type: each package owns its own types.
        enum_type(ClassificationScheme, "requirement_classification_scheme")
    )
    classification_prefix: Mapped[str] = mapped_column(String(10))
    destination: Mapped[str] = mapped_column(String(6))
    credential_type: Mapped[str] = mapped_column(String(40))
    description: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)

    def applies_to(self, scheme: ClassificationScheme, code: str, destination: str) -> bool:
        """Same scheme, the prefix covers the code, and the rule's destination encloses `destination`.

        A rule for `PL` applies to deliveries into `PL-02`; a rule for `PL-02` does
        not apply to `PL` as a whole nor to `PL-04`.
        """
        return (
            self.classification_scheme == scheme
            and prefix_matches(self.classification_prefix, code)
            and codes.jurisdiction_covers(self.destination, destination)
        )
