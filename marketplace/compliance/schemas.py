"""Wire formats of credentials, recognitions, requirements and eligibility."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from kernel.validation import DocumentDay
from marketplace.compliance.models import ClassificationScheme, CredentialStatus, EffectiveStatus

CredentialType = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z][a-z0-9_]{1,39}$",
        description="Lower-case slug",
        examples=["organic", "food_safety", "export_licence", "phytosanitary", "trade_permit"],
    ),
]
Jurisdiction = Annotated[
    str, msgspec.Meta(min_length=2, max_length=10, description="ISO 3166-1 alpha-2 or ISO 3166-2", examples=["PL-02"])
]
DocumentUrl = Annotated[str, msgspec.Meta(max_length=2000, pattern=r"^https://[^\s/?#]+\S*$")]
Issuer = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        description="The authority that issued it",
        examples=["Polska Izba Produktu Ekologicznego, PL-EKO-07"],
    ),
]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class CredentialCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    credential_type: CredentialType
    number: Annotated[str, msgspec.Meta(min_length=1, max_length=100, examples=["PL-EKO-07-1234"])]
    issuing_jurisdiction: Jurisdiction
    valid_from: DocumentDay
    valid_until: DocumentDay
    issuer: Issuer | None = None
    """Who issued it (the pages ask for it; optional here for clients written before it was asked)."""
    document_url: DocumentUrl | None = None
    """Where a coordinator can see the document (https only). Required unless the document is uploaded
    (the multipart field `file`); both may be given."""


class DocumentUpload(msgspec.Struct, kw_only=True):
    """A credential's document as uploaded (the multipart field `file`): its bytes and its file name."""

    content: bytes
    filename: str = ""


class CredentialDocumentRead(msgspec.Struct, kw_only=True, frozen=True):
    """The uploaded document: served at `url` to the organisation's members and its hubs' coordinators."""

    url: str
    media_type: str
    """`application/pdf`, `image/jpeg` or `image/png`, from the file's bytes."""
    name: str
    size_bytes: int


class CredentialRejection(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Reason


class CredentialRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    organization_id: uuid.UUID
    credential_type: str
    number: str
    issuing_jurisdiction: str
    valid_from: dt.date
    valid_until: dt.date
    issuer: str | None
    """None on credentials recorded before the issuer was asked."""
    document_url: str | None
    document: CredentialDocumentRead | None
    """The uploaded document, if there is one (a credential has it, `document_url`, or both)."""
    status: CredentialStatus
    """The coordinator's decision."""
    effective_status: EffectiveStatus
    """`expired` once `valid_until` has passed, otherwise `status`."""
    expires_in_days: int
    """Days until the last valid day (0 on it, negative once expired)."""
    rejection_reason: str | None
    decided_by_hub_id: uuid.UUID | None
    decided_at: dt.datetime | None
    expiry_flagged_at: dt.datetime | None
    created_at: dt.datetime


class ExpiringCredentialRead(CredentialRead, kw_only=True, frozen=True):
    organization_name: str


class SubmittedCredentialRead(CredentialRead, kw_only=True, frozen=True):
    """A credential waiting for a coordinator's check, with its organisation's name."""

    organization_name: str


class AcceptedIn(msgspec.Struct, kw_only=True, frozen=True):
    """A jurisdiction a credential counts in: where it was issued (`hub_id` None), or where a hub the
    organisation is admitted to recognises it."""

    jurisdiction: str
    hub_id: uuid.UUID | None


class UnlockedRequirement(msgspec.Struct, kw_only=True, frozen=True):
    """A requirement of a hub the organisation is admitted to that the credential meets, once it is
    verified and while it is valid: goods of the classification may then be sold into `destination`."""

    requirement_id: uuid.UUID
    hub_id: uuid.UUID
    classification_scheme: ClassificationScheme
    classification_prefix: str
    destination: str
    description: str | None


class CredentialAcceptance(msgspec.Struct, kw_only=True, frozen=True):
    """Where a credential counts, by the rules of the hubs its organisation is admitted to."""

    credential_id: uuid.UUID
    counts_today: bool
    """Verified and valid today: only then does it count anywhere (otherwise the lists below say where it
    would count once verified and valid)."""
    accepted_in: list[AcceptedIn]
    unlocks: list[UnlockedRequirement]


class RecognitionCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    credential_type: CredentialType
    issued_in: Jurisdiction
    recognised_in: Jurisdiction


class RecognitionRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    hub_id: uuid.UUID
    credential_type: str
    issued_in: str
    recognised_in: str
    created_at: dt.datetime


class RequirementCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    classification_scheme: ClassificationScheme
    classification_prefix: Annotated[
        str, msgspec.Meta(pattern=r"^[0-9]{1,10}$", description="Leading digits of the code", examples=["0311"])
    ]
    destination: Jurisdiction
    credential_type: CredentialType
    description: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class RequirementRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    hub_id: uuid.UUID
    classification_scheme: ClassificationScheme
    classification_prefix: str
    destination: str
    credential_type: str
    description: str | None
    created_at: dt.datetime


class UnmetRequirement(msgspec.Struct, kw_only=True, frozen=True):
    requirement_id: uuid.UUID
    hub_id: uuid.UUID
    credential_type: str
    destination: str
    """The requirement's destination (it may enclose the one checked)."""
    message: str
    """What is missing, in plain words."""


class MissingCredential(msgspec.Struct, kw_only=True, frozen=True):
    """A credential type asked for (by a tender) that the seller holds no counting credential of."""

    credential_type: str
    destination: str
    message: str


class Eligibility(msgspec.Struct, kw_only=True, frozen=True):
    eligible: bool
    destination: str
    checked_on: dt.date
    unmet: list[UnmetRequirement]
