"""Wire formats of disputes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

import msgspec

from kernel.money import Amount
from marketplace.catalog.schemas import Url
from marketplace.dispute.models import DisputeOutcome, DisputeReason, DisputeStatus

Message = Annotated[str, msgspec.Meta(min_length=1, max_length=5000)]
Evidence = Annotated[list[Url], msgspec.Meta(max_length=10, description="https links to photos, delivery notes...")]


class DisputeOpen(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    reason: DisputeReason
    message: Message
    evidence_urls: Evidence = []


class DisputeReply(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    message: Message
    evidence_urls: Evidence = []


class DisputeResolution(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    outcome: DisputeOutcome
    note: Message
    """Why, for both sides (kept with the dispute's messages)."""
    refund_minor: int | None = None
    """For `partial_refund` only: more than 0 and less than the order's total, in its currency."""


class DisputeMessageRead(msgspec.Struct, kw_only=True, frozen=True):
    party: str
    author_id: uuid.UUID
    message: str
    evidence_urls: list[str]
    at: dt.datetime


class DisputeRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    order_id: uuid.UUID
    status: DisputeStatus
    reason: DisputeReason
    outcome: DisputeOutcome | None
    refund: Amount | None
    messages: list[DisputeMessageRead]
    opened_at: dt.datetime
    resolved_at: dt.datetime | None


class DisputeWaiting(msgspec.Struct, kw_only=True, frozen=True):
    """A dispute of a hub's order not decided yet, as its coordinators list it."""

    id: uuid.UUID
    order_id: uuid.UUID
    status: DisputeStatus
    """`open`: waiting for the producer's answer; `answered`: for a coordinator's decision."""
    reason: DisputeReason
    buyer_name: str
    producer_name: str
    opened_at: dt.datetime


class DisputeDecided(DisputeWaiting, kw_only=True, frozen=True):
    """A dispute of a hub's order a coordinator resolved, as its coordinators list it."""

    outcome: DisputeOutcome
    refund: Amount
    """What was credited (nothing for a rejection)."""
    resolved_at: dt.datetime
