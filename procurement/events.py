"""Events procurement publishes through the outbox (past tense; frozen; ids, not objects).

Each carries whom it concerns where the change knows it; `procurement.notice` tells them (in the
app and by e-mail), reading the rest from procurement's tables.
"""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec


class PoolOpened(msgspec.Struct, frozen=True, kw_only=True):
    """A coordinator opened a demand pool: the hub's buyers may commit from `opens_at` on."""

    pool_id: uuid.UUID
    hub_id: uuid.UUID


class PoolClosed(msgspec.Struct, frozen=True, kw_only=True):
    """The pooling window ended with the minimum met: commitments are binding and a tender may follow."""

    pool_id: uuid.UUID
    hub_id: uuid.UUID
    participant_ids: list[uuid.UUID]


class PoolFailed(msgspec.Struct, frozen=True, kw_only=True):
    """The pooling window ended below the pool's minimum total quantity: no tender, nothing binding."""

    pool_id: uuid.UUID
    hub_id: uuid.UUID
    participant_ids: list[uuid.UUID]
    total_quantity: str
    minimum_total_quantity: str


class TenderPublished(msgspec.Struct, frozen=True, kw_only=True):
    tender_id: uuid.UUID
    hub_id: uuid.UUID
    ocid: str


class TenderAmended(msgspec.Struct, frozen=True, kw_only=True):
    """Bidders (`bidder_ids`, who have bid so far) are told what changed and the deadline now in force."""

    tender_id: uuid.UUID
    amendment: int
    material: bool
    bid_deadline: dt.datetime
    bidder_ids: list[uuid.UUID]


class TenderCancelled(msgspec.Struct, frozen=True, kw_only=True):
    tender_id: uuid.UUID
    reason: str
    bidder_ids: list[uuid.UUID]


class BidsOpened(msgspec.Struct, frozen=True, kw_only=True):
    """The deadline passed: bids are decrypted, priced in the tender currency and re-checked."""

    tender_id: uuid.UUID
    hub_id: uuid.UUID
    bid_count: int


class AwardProposed(msgspec.Struct, frozen=True, kw_only=True):
    """The evaluation job proposed an award: the hub's coordinators review and confirm it."""

    tender_id: uuid.UUID
    hub_id: uuid.UUID
    optimal: bool
    shortfall: str
    """Units of all lots no eligible offer could take."""


class TenderUnsuccessful(msgspec.Struct, frozen=True, kw_only=True):
    """No bid was eligible for any lot: nothing is awarded; buyers and bidders are told why."""

    tender_id: uuid.UUID
    hub_id: uuid.UUID
    reason: str
    buyer_ids: list[uuid.UUID]
    bidder_ids: list[uuid.UUID]


class TenderAwarded(msgspec.Struct, frozen=True, kw_only=True):
    """The award is final and its orders placed: suppliers and buyers see theirs."""

    tender_id: uuid.UUID
    hub_id: uuid.UUID
    overridden: bool
    supplier_ids: list[uuid.UUID]
    buyer_ids: list[uuid.UUID]
    order_count: int
