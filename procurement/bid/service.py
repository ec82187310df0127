"""Sealed bid use cases: submit, amend, withdraw, read one's own, and at the deadline close the
tender and open them all (`close_due`, the scheduled job).

The guarantee: before a tender's deadline a bid's contents exist only as ciphertext
(`procurement.bid.sealing`). The only path that decrypts one before the deadline is
`read_own`, for members of the bidding organisation. Coordinators learn nothing about
bids — not their prices, not their number, not who bid — until `open_all` runs at the
deadline and writes the opened lines, converted into the tender's currency.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import msgspec
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, codes
from kernel.auth import Principal
from kernel.bulk import copy_rows
from kernel.clock import now, today
from kernel.errors import Conflict, FieldError, Forbidden, InvalidInput, NotFound
from kernel.fx import find_rate
from kernel.money import from_minor, money
from kernel.outbox import emit
from marketplace.api import (
    Reader,
    acting_member,
    check_eligibility,
    hub_members,
    is_hub_coordinator,
    missing_credentials,
    read_organization,
    require_hub_coordinator,
    trading_parties,
)
from procurement.bid import sealing
from procurement.bid.repository import BidRepository
from procurement.bid.schemas import (
    BidLineRead,
    BidRead,
    BidSubmit,
    MissingForLot,
    SealedContents,
    SealedLine,
    SupplierEligibility,
)
from procurement.db import Lock
from procurement.events import BidsOpened
from procurement.pool.models import DemandPool
from procurement.pool.repository import PoolRepository
from procurement.quantities import quantity, unit_price_minor
from procurement.tender.errors import TenderNotFound
from procurement.tender.models import Bid, BidLine, BidStatus, Lot, Tender, TenderStatus
from procurement.tender.repository import TenderRepository

_log = structlog.get_logger("borderhub.procurement")


class TenderNotOpenForBids(Conflict):
    slug = "tender-not-open-for-bids"


class BidNotFound(NotFound):
    slug = "bid-not-found"


class BidsSealed(Forbidden):
    slug = "bids-sealed"


class SupplierIneligible(InvalidInput):
    """The supplier lacks what a lot requires; `errors` lists each missing credential per lot."""

    slug = "supplier-ineligible"


class BidService:
    def __init__(self, session: AsyncSession, sealing_secret: str) -> None:
        self.session = session
        self.secret = sealing_secret
        self.repo = BidRepository(session)
        self.tenders = TenderRepository(session)

    async def _public_tender(self, tender_id: uuid.UUID, *, lock: Lock = None) -> Tender:
        tender = await self.tenders.get(tender_id, lock=lock)
        if tender is None or not tender.is_public():
            raise TenderNotFound("no such tender")
        return tender

    async def submit(
        self, principal: Principal, tender_id: uuid.UUID, organization_id: uuid.UUID, data: BidSubmit
    ) -> BidRead:
        """Submit (or replace) the organisation's sealed bid on a published tender before its deadline.

        Raises `TenderNotFound` for a draft or unknown tender, `NotFound`/`Forbidden` unless the
        caller acts for a producer admitted to the tender's hub, `TenderNotOpenForBids` after the
        deadline or once cancelled, `InvalidInput` naming the field for an unknown lot, a lot
        named twice, a price, quantity or capacity that is not positive, and `SupplierIneligible`
        listing, per lot, each credential the supplier lacks in the lot's delivery jurisdiction.
        """
        tender = await self._public_tender(tender_id, lock="share")
        await acting_member(self.session, principal, organization_id, tender.hub_id, as_="producer")
        if not tender.accepts_bids(now()):
            raise TenderNotOpenForBids(_closed_message(tender))
        pool = await _pool(self.session, tender)
        lots = {lot.id: lot for lot in await self.tenders.lots(tender.id)}
        contents = _contents(data, lots, pool.unit)
        try:
            await find_rate(self.session, contents.currency, pool.currency, today())
        except NotFound:
            raise InvalidInput.field(
                "currency", f"no exchange rate from {contents.currency} to the tender's {pool.currency} is recorded"
            ) from None
        await self._require_eligible(tender, pool, organization_id, [lots[line.lot_id] for line in contents.lines])
        sealed = sealing.seal(self.secret, tender.id, organization_id, msgspec.json.encode(contents))
        bid = await self.repo.of(tender.id, organization_id, for_update=True)
        if bid is None:
            bid = Bid(
                tender_id=tender.id,
                organization_id=organization_id,
                status=BidStatus.submitted,
                sealed=sealed,
                revision=1,
                submitted_by=principal.user_id,
                submitted_at=now(),
            )
            await self.repo.add(bid)
        else:
            bid.status, bid.sealed, bid.revision = BidStatus.submitted, sealed, bid.revision + 1
            bid.submitted_by, bid.submitted_at = principal.user_id, now()
            await self.session.flush()
        # The audit log records that a bid was made, never what it says; and it is attached to no
        # organisation or hub, so no audit view shows a coordinator who bid before the deadline.
        await audit.record(
            self.session,
            principal,
            "bid.submitted",
            object_type="bid",
            object_id=bid.id,
            after={"tender_id": str(tender.id), "revision": bid.revision},
        )
        return _sealed_read(bid, contents, lots)

    async def withdraw(self, principal: Principal, tender_id: uuid.UUID, organization_id: uuid.UUID) -> BidRead:
        """Withdraw the organisation's bid before the deadline; its contents are erased."""
        tender = await self._public_tender(tender_id, lock="share")
        await acting_member(self.session, principal, organization_id, tender.hub_id, as_="producer")
        bid = await self.repo.of(tender.id, organization_id, for_update=True)
        if bid is None or bid.status is not BidStatus.submitted:
            raise BidNotFound("this organization has no bid standing on the tender")
        if not tender.accepts_bids(now()):
            raise TenderNotOpenForBids(_closed_message(tender))
        bid.status, bid.sealed = BidStatus.withdrawn, None
        await self.session.flush()
        await audit.record(
            self.session,
            principal,
            "bid.withdrawn",
            object_type="bid",
            object_id=bid.id,
            after={"tender_id": str(tender.id)},
        )
        return await self._read(tender, bid)

    async def read_own(self, principal: Principal, tender_id: uuid.UUID, organization_id: uuid.UUID) -> BidRead:
        """The organisation's own bid, to its members only (a coordinator or rival gets 404)."""
        tender = await self._public_tender(tender_id)
        organization = await read_organization(self.session, principal, organization_id)
        if organization.my_role is None:
            raise BidNotFound("no bid of yours")
        bid = await self.repo.of(tender.id, organization_id)
        if bid is None:
            raise BidNotFound("this organization has not bid on the tender")
        return await self._read(tender, bid)

    async def missing(
        self, principal: Principal, tender_id: uuid.UUID, organization_id: uuid.UUID
    ) -> list[MissingForLot]:
        """What the organisation lacks today to bid on each lot of a published tender (what `submit`
        would refuse with `SupplierIneligible`), by lot number; empty when it may bid on every lot.
        To the organisation's members only: `NotFound` (404) for anyone else, and `TenderNotFound`
        for a draft or unknown tender."""
        tender = await self._public_tender(tender_id)
        organization = await read_organization(self.session, principal, organization_id)
        if organization.my_role is None:
            raise NotFound("no such organization")
        pool = await _pool(self.session, tender)
        lots = await self.tenders.lots(tender.id)
        by_number = {lot.number: lot for lot in lots}
        return [
            MissingForLot(
                lot_id=by_number[problem["lot"]].id,
                lot_number=problem["lot"],
                credential_type=problem["credential_type"],
                jurisdiction=by_number[problem["lot"]].jurisdiction,
                message=problem["message"],
            )
            for problem in await self._unmet(tender, pool, organization_id, lots, None, Reader.seller)
        ]

    async def who_may_bid(self, principal: Principal, tender_id: uuid.UUID) -> list[SupplierEligibility]:
        """The producers admitted to the tender's hub, by name, each with the lots it may bid on today
        and, per other lot, each credential it lacks (what `submit` would refuse it for), worded for
        the hub's coordinators. It says nothing of bids: who bid stays sealed until the deadline.

        To the hub's coordinators, drafts included: `TenderNotFound` for an unknown tender or
        another hub's draft, `Forbidden` (403) for anyone else on a published tender.
        """
        tender = await self.tenders.get(tender_id)
        if tender is None or (
            not tender.is_public() and not await is_hub_coordinator(self.session, principal, tender.hub_id)
        ):
            raise TenderNotFound("no such tender")
        await require_hub_coordinator(self.session, principal, tender.hub_id)
        pool = await _pool(self.session, tender)
        lots = await self.tenders.lots(tender.id)
        by_number = {lot.number: lot for lot in lots}
        producers = await trading_parties(
            self.session, tender.hub_id, await hub_members(self.session, tender.hub_id, as_="producer")
        )
        suppliers: list[SupplierEligibility] = []
        for producer in sorted(producers, key=lambda party: (party.name.casefold(), party.organization_id)):
            unmet = await self._unmet(tender, pool, producer.organization_id, lots, None, Reader.others)
            lacking = [
                MissingForLot(
                    lot_id=by_number[problem["lot"]].id,
                    lot_number=problem["lot"],
                    credential_type=problem["credential_type"],
                    jurisdiction=by_number[problem["lot"]].jurisdiction,
                    message=problem["message"],
                )
                for problem in unmet
            ]
            barred = {lack.lot_number for lack in lacking}
            suppliers.append(
                SupplierEligibility(
                    organization_id=producer.organization_id,
                    name=producer.name,
                    eligible_lots=[lot.number for lot in lots if lot.number not in barred],
                    lacking=lacking,
                )
            )
        return suppliers

    async def opened_bids(self, principal: Principal, tender_id: uuid.UUID) -> list[BidRead]:
        """Every bid of the tender, to its hub's coordinators, once opened at the deadline.
        Raises `BidsSealed` (403) before that."""
        tender = await self._public_tender(tender_id)
        await require_hub_coordinator(self.session, principal, tender.hub_id)
        if not tender.bids_opened():
            raise BidsSealed(f"bids stay sealed until the deadline ({tender.bid_deadline.isoformat()})")
        return [await self._read(tender, bid) for bid in await self.repo.submitted(tender.id)]

    async def close_due(self) -> int:
        """Close every published tender whose deadline passed and open its bids (the scheduled job)."""
        due = await self.tenders.due_for_opening(now())
        closed = 0
        for tender_id in due:
            try:
                # One savepoint per tender: a tender that cannot be opened (say, bids sealed under
                # another BID_SEALING_SECRET) is retried next minute without holding up the others.
                async with self.session.begin_nested():
                    await self._close(tender_id)
                closed += 1
            except Exception:  # noqa: BLE001 - logged with its tender; the job goes on with the next
                _log.exception("could not open the bids of a tender; retrying next minute", tender_id=str(tender_id))
        return closed

    async def _close(self, tender_id: uuid.UUID) -> None:
        tender = await self.tenders.get(tender_id, lock="update")
        assert tender is not None  # noqa: S101 - locked by due_for_opening in this transaction
        tender.status, tender.closed_at = TenderStatus.closed, now()
        opened = await self.open_all(tender)
        # The event writes the tender's OCDS `tenderUpdate` release too (procurement.ocds reacts to it).
        await emit(self.session, BidsOpened(tender_id=tender.id, hub_id=tender.hub_id, bid_count=opened))

    async def open_all(self, tender: Tender) -> int:
        """Open the bids of a tender at its deadline (it is locked for update and closed by the caller).

        Each bid's lines are written with the price converted into the tender's currency at the
        most recent rate on or before the deadline's date (rate, date and source kept), and
        eligibility is checked again as of that date. A bid that cannot be converted (no rate)
        is opened but marked ineligible with the reason.
        """
        pool = await _pool(self.session, tender)
        lots = {lot.id: lot for lot in await self.tenders.lots(tender.id)}
        day = tender.bid_deadline.astimezone(dt.UTC).date()
        bids = await self.repo.submitted(tender.id)
        # The rate fixed at the deadline, once per currency (or why there is none).
        rates: dict[str, tuple[Decimal, dt.date, str] | str] = {}
        lines: list[dict[str, Any]] = []
        for bid in bids:
            contents = self._unseal(tender, bid)
            problems: list[dict[str, Any]] = []
            if contents.currency not in rates:
                try:
                    rates[contents.currency] = await find_rate(self.session, contents.currency, pool.currency, day)
                except NotFound as exc:
                    rates[contents.currency] = exc.detail
            rate = rates[contents.currency]
            if isinstance(rate, str):
                problems.append({"lot": None, "credential_type": None, "message": rate})
            for sealed_line in contents.lines:
                converted: dict[str, Any] = {
                    "tender_unit_price_minor": None,
                    "fx_rate": None,
                    "fx_as_of": None,
                    "fx_source": None,
                }
                if not isinstance(rate, str):
                    price = from_minor(sealed_line.unit_price_minor, contents.currency) * rate[0]
                    converted = {
                        "tender_unit_price_minor": money(price, pool.currency).amount_minor,
                        "fx_rate": rate[0],
                        "fx_as_of": rate[1],
                        "fx_source": rate[2],
                    }
                lines.append(
                    {
                        "bid_id": bid.id,
                        "lot_id": sealed_line.lot_id,
                        "unit_price_minor": sealed_line.unit_price_minor,
                        "currency": contents.currency,
                        "max_quantity": sealed_line.max_quantity,
                        "lead_time_days": sealed_line.lead_time_days,
                        **converted,
                    }
                )
            covered = [lots[line.lot_id] for line in contents.lines]
            # Kept with the opened bid, which the hub's coordinators read.
            problems += await self._unmet(tender, pool, bid.organization_id, covered, day, Reader.others)
            bid.opened_at, bid.currency, bid.total_capacity = now(), contents.currency, contents.total_capacity
            bid.eligible, bid.ineligibility = not problems, problems or None
        await self.session.flush()
        await copy_rows(self.session, BidLine, lines)  # a tender's lines can run to 100,000s
        return len(bids)

    async def _require_eligible(
        self, tender: Tender, pool: DemandPool, organization_id: uuid.UUID, lots: list[Lot]
    ) -> None:
        """Raise `SupplierIneligible` naming, per bid line (`lots` in line order), what is missing."""
        problems = await self._unmet(tender, pool, organization_id, lots, None, Reader.seller)
        if problems:
            line_of = {lot.number: i for i, lot in enumerate(lots)}
            numbers = sorted({p["lot"] for p in problems})
            raise SupplierIneligible(
                f"the supplier may not supply lot(s) {', '.join(map(str, numbers))}: "
                + "; ".join(p["message"] for p in problems),
                errors=[
                    FieldError(field=f"$.lines[{line_of[p['lot']]}].lot_id", message=p["message"]) for p in problems
                ],
            )

    async def _unmet(
        self,
        tender: Tender,
        pool: DemandPool,
        organization_id: uuid.UUID,
        lots: list[Lot],
        on: dt.date | None,
        reader: Reader,
    ) -> list[dict[str, Any]]:
        """What the supplier lacks per lot, worded for `reader`: the hub's rules for the goods into
        the lot's jurisdiction, and the tender's own credential types recognised there. Checked once
        per jurisdiction (a hub's lots share a handful of them)."""
        lacking_in: dict[str, dict[str, str]] = {}
        for jurisdiction in sorted({lot.jurisdiction for lot in lots}):
            rules = await check_eligibility(
                self.session,
                seller_organization_id=organization_id,
                classification_scheme=pool.classification_scheme,
                classification_code=pool.classification_code,
                destination=jurisdiction,
                on=on,
                reader=reader,
            )
            missing = await missing_credentials(
                self.session,
                seller_organization_id=organization_id,
                hub_id=tender.hub_id,
                credential_types=tender.required_credential_types,
                destination=jurisdiction,
                on=on,
                reader=reader,
            )
            lacking_in[jurisdiction] = {u.credential_type: u.message for u in rules.unmet} | {
                m.credential_type: m.message for m in missing
            }
        return [
            {"lot": lot.number, "credential_type": kind, "message": f"lot {lot.number} ({lot.name}): {message}"}
            for lot in lots
            for kind, message in lacking_in[lot.jurisdiction].items()
        ]

    def _unseal(self, tender: Tender, bid: Bid) -> SealedContents:
        assert bid.sealed is not None  # noqa: S101 - callers check: only a withdrawn bid has no contents
        contents = sealing.unseal(self.secret, tender.id, bid.organization_id, bid.sealed)
        return msgspec.json.decode(contents, type=SealedContents)

    async def _read(self, tender: Tender, bid: Bid) -> BidRead:
        lots = {lot.id: lot for lot in await self.tenders.lots(tender.id)}
        if bid.opened_at is None:
            return _sealed_read(bid, None if bid.sealed is None else self._unseal(tender, bid), lots)
        tender_currency = (await _pool(self.session, tender)).currency
        lines = [
            BidLineRead(
                lot_id=line.lot_id,
                lot_number=lots[line.lot_id].number,
                unit_price=from_minor(line.unit_price_minor, line.currency),
                currency=line.currency,
                max_quantity=line.max_quantity,
                lead_time_days=line.lead_time_days,
                tender_unit_price=None
                if line.tender_unit_price_minor is None
                else from_minor(line.tender_unit_price_minor, tender_currency),
                fx_rate=line.fx_rate,
                fx_as_of=line.fx_as_of,
                fx_source=line.fx_source,
            )
            for line in (await self.repo.lines([bid.id]))[bid.id]
        ]
        return _bid_read(bid, bid.currency, lines, bid.total_capacity)


async def _pool(session: AsyncSession, tender: Tender) -> DemandPool:
    return await PoolRepository(session).of_tender(tender.pool_id)


def _closed_message(tender: Tender) -> str:
    if tender.status is TenderStatus.cancelled:
        return "the tender was cancelled"
    return f"bids closed at the deadline ({tender.bid_deadline.isoformat()})"


def _contents(data: BidSubmit, lots: dict[uuid.UUID, Lot], unit: str) -> SealedContents:
    currency = codes.currency(data.currency)
    seen: set[uuid.UUID] = set()
    lines: list[SealedLine] = []
    for i, line in enumerate(data.lines):
        field = f"lines[{i}]"
        if line.lot_id not in lots:
            raise InvalidInput.field(f"{field}.lot_id", "not a lot of this tender")
        if line.lot_id in seen:
            raise InvalidInput.field(f"{field}.lot_id", "this lot is already in the bid")
        seen.add(line.lot_id)
        lines.append(
            SealedLine(
                lot_id=line.lot_id,
                unit_price_minor=unit_price_minor(line.unit_price, currency, f"{field}.unit_price"),
                max_quantity=quantity(line.max_quantity, unit, f"{field}.max_quantity"),
                lead_time_days=line.lead_time_days,
            )
        )
    capacity = None if data.total_capacity is None else quantity(data.total_capacity, unit, "total_capacity")
    return SealedContents(currency=currency, lines=lines, total_capacity=capacity)


def _sealed_read(bid: Bid, contents: SealedContents | None, lots: dict[uuid.UUID, Lot]) -> BidRead:
    """A bid not yet opened, as its bidder sees it (a withdrawn one has no contents left)."""
    if contents is None:
        return _bid_read(bid, None, [], None)
    lines = [
        BidLineRead(
            lot_id=line.lot_id,
            lot_number=lots[line.lot_id].number,
            unit_price=from_minor(line.unit_price_minor, contents.currency),
            currency=contents.currency,
            max_quantity=line.max_quantity,
            lead_time_days=line.lead_time_days,
        )
        for line in contents.lines
    ]
    return _bid_read(bid, contents.currency, lines, contents.total_capacity)


def _bid_read(bid: Bid, currency: str | None, lines: list[BidLineRead], total_capacity: Decimal | None) -> BidRead:
    return BidRead(
        tender_id=bid.tender_id,
        organization_id=bid.organization_id,
        status=bid.status,
        revision=bid.revision,
        submitted_at=bid.submitted_at,
        currency=currency,
        lines=sorted(lines, key=lambda line: line.lot_number),
        total_capacity=total_capacity,
        opened_at=bid.opened_at,
        eligible=bid.eligible,
        ineligibility=bid.ineligibility,
    )
