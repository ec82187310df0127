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
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]


class CredentialCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    credential_type: CredentialType
    number: Annotated[str, msgspec.Meta(min_length=1, max_length=100, examples=["PL-EKO-07-1234"])]
    issuing_jurisdiction: Jurisdiction
    valid_from: DocumentDay
    valid_until: DocumentDay
    document_url: DocumentUrl
    """Where a coordinator can see the document (https only)."""


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
    document_url: str
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
