"""Demand pool use cases: a coordinator opens a pool, the hub's buyers commit, the window closes.

Who sees what: a pool is visible to its hub's coordinators and to members of organisations
admitted to the hub (404 to anyone else). Everyone who sees it sees the running total per
delivery point; a buyer sees only its own commitments; only coordinators see them all.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from decimal import Decimal

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from kernel import audit, codes, text, validation
from kernel.auth import Principal
from kernel.clock import now, today
from kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from kernel.money import from_minor
from kernel.outbox import emit
from kernel.pagination import Page, PageParams
from marketplace.api import (
    acting_member,
    hub_summary,
    hubs_coordinated,
    hubs_of_member,
    is_hub_coordinator,
    normalise_classification,
    require_hub_coordinator,
    trading_parties,
    unit_of,
)
from procurement.db import Lock
from procurement.events import PoolClosed, PoolFailed, PoolOpened
from procurement.pool.models import (
    Commitment,
    DeliveryPoint,
    DeliveryPointRow,
    DemandPool,
    PooledItem,
    PoolRow,
    PoolStatus,
)
from procurement.pool.repository import PoolRepository
from procurement.pool.schemas import (
    BuyerCommitmentRead,
    Classification,
    CommitmentCreate,
    CommitmentRead,
    CommitmentUpdate,
    DeliveryPointRead,
    Item,
    PoolClosing,
    PoolCreate,
    PoolRead,
    Translation,
)
from procurement.quantities import quantity, unit_price_minor

NOTHING = Decimal("0.000")


class PoolNotFound(NotFound):
    slug = "pool-not-found"


class PoolNotOpen(Conflict):
    """The pooling window is not open: not yet, or closed (commitments are then binding)."""

    slug = "pool-not-open"


def credential_types(values: list[str], field: str) -> list[str]:
    """Cleaned, de-duplicated credential types in their given order."""
    cleaned = [text.clean(value, f"{field}[{i}]").lower() for i, value in enumerate(values)]
    return list(dict.fromkeys(cleaned))


class PoolService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = PoolRepository(session)

    # --- reading ------------------------------------------------------------------

    async def visible(self, principal: Principal, pool_id: uuid.UUID, *, lock: Lock = None) -> DemandPool:
        """The pool, if the caller coordinates its hub or belongs to an organisation admitted to it
        (`read` asks the same in its one statement: `PoolRepository.shown`)."""
        pool = await self.repo.get(pool_id, lock=lock)
        if pool is None or not (
            await is_hub_coordinator(self.session, principal, pool.hub_id)
            or pool.hub_id in await hubs_of_member(self.session, principal)
        ):
            raise PoolNotFound("no such pool")
        return pool

    async def read(self, principal: Principal, pool_id: uuid.UUID) -> PoolRead:
        """The pool with its running totals, for those `visible` lets see it (`PoolNotFound` for anyone
        else). Read by every pool page: one statement sent past SQLAlchemy (`PoolRepository.shown`),
        outside a transaction when it is the request's first."""
        found = await self.repo.shown(principal.user_id, pool_id)
        if found is None or not found.visible:
            raise PoolNotFound("no such pool")
        return _pool_read(found, found.delivery_points, found.committed)

    async def list_pools(
        self, principal: Principal, hub_id: uuid.UUID | None, status: PoolStatus | None, page: PageParams
    ) -> Page[PoolRead]:
        """Pools of the hubs the caller coordinates or belongs to (of one of them, given `hub_id`)."""
        hubs = await hubs_coordinated(self.session, principal) | await hubs_of_member(self.session, principal)
        if hub_id is not None:
            hubs &= {hub_id}
        pools, total = await self.repo.page(hubs, status, page.offset, page.per_page)
        items = [await self.pool_read(pool) for pool in pools]
        return Page(items=items, page=page.page, per_page=page.per_page, total=total)

    async def closing_soon(
        self, principal: Principal, hub_id: uuid.UUID, within: dt.timedelta, languages: Sequence[str] = ()
    ) -> list[PoolClosing]:
        """The hub's open pools whose window closes within `within` from now, the soonest first,
        each titled in the best of `languages` it has (its coordinators' work; one read). Raises
        `Forbidden` for anyone but its coordinators."""
        await require_hub_coordinator(self.session, principal, hub_id)
        start = now()
        closing = []
        for pool in await self.repo.closing_between(hub_id, start, start + within):
            language = pool.language_for(languages)
            closing.append(
                PoolClosing(id=pool.id, title=pool.title(language), language=language, closes_at=pool.closes_at)
            )
        return closing

    async def pool_read(self, pool: DemandPool) -> PoolRead:
        points = await self.repo.delivery_points(pool.id)
        committed = await self.repo.committed_quantities(pool.id)
        return _pool_read(pool, points, committed)

    # --- the coordinator's side -----------------------------------------------------

    async def open_pool(self, principal: Principal, data: PoolCreate) -> PoolRead:
        """Open a demand pool in a hub the caller coordinates; the hub's buyers are told (`PoolOpened`).

        Raises `NotFound` for an unknown hub, `Forbidden` for a non-coordinator and
        `InvalidInput` naming the field for a malformed item, an unknown currency, a
        delivery point outside the hub's jurisdictions (or named twice) or a window
        that is empty, already over, or outside 2000-01-01 to five years ahead
        (`kernel.validation.instant`).
        """
        await require_hub_coordinator(self.session, principal, data.hub_id)
        hub = await hub_summary(self.session, data.hub_id)
        scheme, code = normalise_classification(
            data.item.classification.scheme, data.item.classification.code, "item.classification"
        )
        unit = data.item.unit.strip().upper()
        if unit_of(unit) is None:
            raise InvalidInput.field("item.unit", f"unknown UN/CEFACT Rec 20 unit {data.item.unit!r}")
        translations = _translations(data.item.translations)
        default_language = codes.language(data.item.default_language, "item.default_language")
        if default_language not in translations:
            raise InvalidInput.field("item.default_language", "must be one of the translations' languages")
        currency = codes.currency(data.currency)
        current = now()
        opens_at = current if data.opens_at is None else validation.instant(data.opens_at, "opens_at")
        closes_at = validation.instant(data.closes_at, "closes_at")
        if closes_at <= max(opens_at, current):
            raise InvalidInput.field("closes_at", "must be after opens_at and in the future")
        pool = DemandPool(
            id=uuid7(),
            hub_id=hub.id,
            status=PoolStatus.open,
            classification_scheme=scheme.value,
            classification_code=code,
            unit=unit,
            translations=translations,
            default_language=default_language,
            quality_notes=data.item.quality_notes.strip(),
            required_credential_types=credential_types(data.required_credential_types, "required_credential_types"),
            currency=currency,
            reserve_unit_price_minor=None
            if data.reserve_unit_price is None
            else unit_price_minor(data.reserve_unit_price, currency, "reserve_unit_price"),
            minimum_total_quantity=None
            if data.minimum_total_quantity is None
            else quantity(data.minimum_total_quantity, unit, "minimum_total_quantity"),
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=principal.user_id,
        )
        points = _delivery_points(pool.id, data, hub.jurisdictions)
        await self.repo.add(pool)
        await self.repo.add(*points)
        await emit(self.session, PoolOpened(pool_id=pool.id, hub_id=hub.id))
        read = await self.pool_read(pool)
        await audit.record(
            self.session,
            principal,
            "pool.opened",
            object_type="demand_pool",
            object_id=pool.id,
            after=read,
            hub_id=hub.id,
        )
        return read

    async def close_early(self, principal: Principal, pool_id: uuid.UUID) -> PoolRead:
        """Close the window now (a coordinator): `closed` when the minimum is met, else `failed`.
        Raises `PoolNotOpen` when it is already closed or failed."""
        pool = await self.visible(principal, pool_id, lock="update")
        await require_hub_coordinator(self.session, principal, pool.hub_id)
        if pool.status is not PoolStatus.open:
            raise PoolNotOpen(f"the pool is already {pool.status.value}")
        await self.close(pool)
        await audit.record(
            self.session,
            principal,
            "pool.closed_early",
            object_type="demand_pool",
            object_id=pool.id,
            hub_id=pool.hub_id,
        )
        return await self.pool_read(pool)

    async def close(self, pool: DemandPool) -> None:
        """End the window of a pool locked for update: commitments become binding (`closed`), or the
        pool `failed` when nothing, or less than its minimum, was committed. Participants are told."""
        committed = await self.repo.committed_quantities(pool.id)
        total = sum(committed.values(), Decimal(0))
        participants = await self.repo.participants(pool.id)
        pool.closed_at = now()
        if total == 0 or (pool.minimum_total_quantity is not None and total < pool.minimum_total_quantity):
            pool.status = PoolStatus.failed
            await emit(
                self.session,
                PoolFailed(
                    pool_id=pool.id,
                    hub_id=pool.hub_id,
                    participant_ids=participants,
                    total_quantity=str(total),
                    minimum_total_quantity=str(pool.minimum_total_quantity or 0),
                ),
            )
        else:
            pool.status = PoolStatus.closed
            await emit(self.session, PoolClosed(pool_id=pool.id, hub_id=pool.hub_id, participant_ids=participants))
        await self.session.flush()

    async def close_due(self) -> int:
        """Close every open pool whose window has ended (the scheduled job); returns how many."""
        due = await self.repo.due_for_closing(now())
        for pool_id in due:
            pool = await self.repo.get(pool_id, lock="update")
            assert pool is not None  # noqa: S101 - locked by due_for_closing in this transaction
            await self.close(pool)
        return len(due)

    async def all_commitments(
        self, principal: Principal, pool_id: uuid.UUID, organization_id: uuid.UUID | None
    ) -> list[CommitmentRead]:
        """A buyer's own commitments (`organization_id` given), or every commitment (a coordinator)."""
        pool = await self.visible(principal, pool_id)
        if organization_id is None:
            await require_hub_coordinator(self.session, principal, pool.hub_id)
            rows = await self.repo.commitments(pool.id, None)
        else:
            await acting_member(self.session, principal, organization_id, pool.hub_id, as_="buyer")
            rows = await self.repo.commitments(pool.id, {organization_id})
        return [commitment_read(pool, c) for c in rows]

    async def commitments_of_buyers(self, principal: Principal, pool_id: uuid.UUID) -> list[BuyerCommitmentRead]:
        """Every commitment of the pool (withdrawn ones too), oldest first, each with the name of the
        organisation that made it: what a coordinator of the pool's hub watches come in. Raises
        `PoolNotFound` for a pool the caller does not see and `Forbidden` for anyone else who sees it
        (a buyer sees only its own commitments: `all_commitments`)."""
        pool = await self.visible(principal, pool_id)
        await require_hub_coordinator(self.session, principal, pool.hub_id)
        rows = await self.repo.commitments(pool.id, None)
        parties = await trading_parties(self.session, pool.hub_id, sorted({c.organization_id for c in rows}))
        names = {party.organization_id: party.name for party in parties}
        return [
            BuyerCommitmentRead(
                **msgspec.structs.asdict(commitment_read(pool, c)), organization_name=names.get(c.organization_id, "")
            )
            for c in rows
        ]

    # --- the buyer's side -------------------------------------------------------------

    async def commit(self, principal: Principal, pool_id: uuid.UUID, data: CommitmentCreate) -> CommitmentRead:
        """Commit a buying organisation of the pool's hub to a quantity at one delivery point.

        Raises `PoolNotFound` outside the hub, `Forbidden` unless the caller's organisation is
        an admitted buyer of it, `PoolNotOpen` outside the window, `Conflict` when it already
        committed there (change that commitment instead) and `InvalidInput` naming the field
        for a quantity or price that is not positive, an unknown delivery point or a past date.
        """
        pool = await self.visible(principal, pool_id, lock="share")
        await acting_member(self.session, principal, data.organization_id, pool.hub_id, as_="buyer")
        _require_window(pool)
        points = {p.id: p for p in await self.repo.delivery_points(pool.id)}
        if data.delivery_point_id not in points:
            raise InvalidInput.field("delivery_point_id", "not a delivery point of this pool")
        values = _commitment_values(pool, data.quantity, data.needed_by, data.max_unit_price)
        existing = await self.repo.commitment_at(pool.id, data.organization_id, data.delivery_point_id)
        if existing is not None and existing.active:
            raise Conflict("this organization already committed at this delivery point; change that commitment")
        if existing is None:
            commitment = Commitment(
                id=uuid7(),
                pool_id=pool.id,
                delivery_point_id=data.delivery_point_id,
                organization_id=data.organization_id,
                committed_by=principal.user_id,
                **values,
            )
            await self.repo.add(commitment)
        else:
            commitment = existing
            _assign(commitment, values, principal)
            commitment.withdrawn_at = None
            await self.session.flush()
        read = commitment_read(pool, commitment)
        await audit.record(
            self.session,
            principal,
            "commitment.made",
            object_type="commitment",
            object_id=commitment.id,
            after=read,
            organization_id=data.organization_id,
            hub_id=pool.hub_id,
        )
        return read

    async def change(
        self, principal: Principal, pool_id: uuid.UUID, commitment_id: uuid.UUID, data: CommitmentUpdate
    ) -> CommitmentRead:
        """Change a commitment while the window is open (errors as for `commit`)."""
        pool, commitment = await self._own_commitment(principal, pool_id, commitment_id)
        if not commitment.active:
            raise Conflict("the commitment was withdrawn; commit again instead")
        before = commitment_read(pool, commitment)
        # Only what is sent is checked: a needed-by date that has passed does not block a new quantity.
        values: dict[str, object] = {}
        if data.quantity is not msgspec.UNSET:
            values["quantity"] = quantity(data.quantity, pool.unit, "quantity")
        if data.needed_by is not msgspec.UNSET:
            values["needed_by"] = _needed_by(data.needed_by)
        if data.max_unit_price is not msgspec.UNSET:
            values["max_unit_price_minor"] = _max_price(pool, data.max_unit_price)
        _assign(commitment, values, principal)
        await self.session.flush()
        read = commitment_read(pool, commitment)
        await audit.record(
            self.session,
            principal,
            "commitment.changed",
            object_type="commitment",
            object_id=commitment.id,
            before=before,
            after=read,
            organization_id=commitment.organization_id,
            hub_id=pool.hub_id,
        )
        return read

    async def withdraw(self, principal: Principal, pool_id: uuid.UUID, commitment_id: uuid.UUID) -> CommitmentRead:
        """Withdraw a commitment while the window is open; after it closes commitments are binding."""
        pool, commitment = await self._own_commitment(principal, pool_id, commitment_id)
        if commitment.active:
            commitment.withdrawn_at = now()
            await self.session.flush()
            await audit.record(
                self.session,
                principal,
                "commitment.withdrawn",
                object_type="commitment",
                object_id=commitment.id,
                organization_id=commitment.organization_id,
                hub_id=pool.hub_id,
            )
        return commitment_read(pool, commitment)

    async def _own_commitment(
        self, principal: Principal, pool_id: uuid.UUID, commitment_id: uuid.UUID
    ) -> tuple[DemandPool, Commitment]:
        pool = await self.visible(principal, pool_id, lock="share")
        commitment = await self.repo.commitment(pool.id, commitment_id)
        if commitment is None:
            raise NotFound("no such commitment")
        try:
            await acting_member(self.session, principal, commitment.organization_id, pool.hub_id, as_="buyer")
        except (NotFound, Forbidden):
            raise NotFound("no such commitment") from None
        _require_window(pool)
        return pool, commitment


def _pool_read(
    pool: DemandPool | PoolRow,
    points: Sequence[DeliveryPoint | DeliveryPointRow],
    committed: Mapping[uuid.UUID, Decimal],
) -> PoolRead:
    """The pool as it is shown: the stored one with its points and totals, or its row as `read` fetches it."""
    return PoolRead(
        id=pool.id,
        hub_id=pool.hub_id,
        status=pool.status,
        accepting_commitments=pool.accepts_commitments(now()),
        item=item_of(pool),
        delivery_points=[
            DeliveryPointRead(
                id=p.id,
                name=p.name,
                jurisdiction=p.jurisdiction,
                address=p.address,
                committed_quantity=committed.get(p.id, NOTHING),
            )
            for p in points
        ],
        total_quantity=sum(committed.values(), NOTHING),
        currency=pool.currency,
        reserve_unit_price=_price(pool.reserve_unit_price_minor, pool.currency),
        minimum_total_quantity=pool.minimum_total_quantity,
        required_credential_types=list(pool.required_credential_types),
        opens_at=pool.opens_at,
        closes_at=pool.closes_at,
        closed_at=pool.closed_at,
        created_at=pool.created_at,
    )


def item_of(pool: PooledItem) -> Item:
    return Item(
        classification=Classification(scheme=pool.classification_scheme, code=pool.classification_code),
        unit=pool.unit,
        translations={tag: Translation(**value) for tag, value in pool.translations.items()},
        default_language=pool.default_language,
        quality_notes=pool.quality_notes,
    )


def commitment_read(pool: DemandPool, commitment: Commitment) -> CommitmentRead:
    return CommitmentRead(
        id=commitment.id,
        pool_id=pool.id,
        organization_id=commitment.organization_id,
        delivery_point_id=commitment.delivery_point_id,
        quantity=commitment.quantity,
        needed_by=commitment.needed_by,
        max_unit_price=_price(commitment.max_unit_price_minor, pool.currency),
        currency=pool.currency,
        withdrawn=not commitment.active,
        binding=commitment.active and pool.status is PoolStatus.closed,
        updated_at=commitment.updated_at,
    )


def _price(amount_minor: int | None, currency: str) -> Decimal | None:
    return None if amount_minor is None else from_minor(amount_minor, currency)


def _require_window(pool: DemandPool) -> None:
    current = now()
    # A coordinator may close the window before `closes_at`: say when it really ended, and that only
    # a `closed` pool binds its commitments.
    ended = (pool.closed_at or pool.closes_at).isoformat()
    if pool.status is PoolStatus.closed:
        raise PoolNotOpen(f"the pool closed at {ended}; commitments are now binding")
    if pool.status is PoolStatus.failed:
        raise PoolNotOpen(f"the pool failed at {ended}: less than its minimum was committed, so nothing is binding")
    if current >= pool.closes_at:
        raise PoolNotOpen(f"the pool's window closed at {ended}")
    if current < pool.opens_at:
        raise PoolNotOpen(f"the pool opens at {pool.opens_at.isoformat()}")


def _commitment_values(
    pool: DemandPool, amount: Decimal, needed_by: dt.date, max_unit_price: Decimal | None
) -> dict[str, object]:
    return {
        "quantity": quantity(amount, pool.unit, "quantity"),
        "needed_by": _needed_by(needed_by),
        "max_unit_price_minor": _max_price(pool, max_unit_price),
    }


def _needed_by(day: dt.date) -> dt.date:
    if day < today():
        raise InvalidInput.field("needed_by", "must not be in the past")
    return validation.day(day, "needed_by")


def _max_price(pool: DemandPool, price: Decimal | None) -> int | None:
    return None if price is None else unit_price_minor(price, pool.currency, "max_unit_price")


def _assign(commitment: Commitment, values: dict[str, object], principal: Principal) -> None:
    for field, value in values.items():
        setattr(commitment, field, value)
    commitment.committed_by = principal.user_id


def _translations(values: dict[str, Translation]) -> dict[str, dict[str, str]]:
    result: dict[str, dict[str, str]] = {}
    for tag, value in values.items():
        language = codes.language(tag, f"item.translations.{tag}")
        result[language] = {
            "title": text.clean(value.title, f"item.translations.{tag}.title"),
            "description": value.description.strip(),
        }
    return result


def _delivery_points(pool_id: uuid.UUID, data: PoolCreate, hub_jurisdictions: list[str]) -> list[DeliveryPoint]:
    points: list[DeliveryPoint] = []
    seen: set[str] = set()
    for i, spec in enumerate(data.delivery_points):
        field = f"delivery_points[{i}]"
        name = text.clean(spec.name, f"{field}.name")
        if name.casefold() in seen:
            raise InvalidInput.field(f"{field}.name", f"{name!r} is named twice")
        seen.add(name.casefold())
        place = codes.jurisdiction(spec.jurisdiction, f"{field}.jurisdiction")
        if not any(codes.jurisdiction_covers(scope, place) for scope in hub_jurisdictions):
            raise InvalidInput.field(
                f"{field}.jurisdiction", f"{place} is outside the hub's jurisdictions ({', '.join(hub_jurisdictions)})"
            )
        points.append(
            DeliveryPoint(
                id=uuid7(), pool_id=pool_id, position=i, name=name, jurisdiction=place, address=spec.address.strip()
            )
        )
    return points
