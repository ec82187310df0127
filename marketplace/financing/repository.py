"""All SQL of working capital but the journal's (`ledger`): consortia, advances, and the facts a request is
judged on."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from marketplace.financing.models import (
    DELIVERED,
    LIVE,
    OWING,
    PRINCIPAL,
    Account,
    Advance,
    AdvanceDecision,
    AdvanceStatus,
    Consortium,
    ConsortiumCurrency,
    ConsortiumHub,
    EntryKind,
    Funder,
    InclusionTerm,
    Instalment,
    JournalEntry,
    JournalLine,
    Officer,
)
from marketplace.hub.models import Hub
from marketplace.identity.models import User
from marketplace.order.models import Order
from marketplace.organization.models import Inclusion, InclusionAttribute, Organization
from marketplace.payment.models import Invoice

#: Asked for or approved, not yet paid out: they hold their principal against the limits and the capital.
_RESERVED = (AdvanceStatus.requested, AdvanceStatus.approved)


class FinancingRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def consortium(self, consortium_id: uuid.UUID) -> Consortium | None:
        return await self.session.get(Consortium, consortium_id)

    async def consortium_of_hub(self, hub_id: uuid.UUID) -> Consortium | None:
        return await self.session.scalar(
            select(Consortium)
            .join(ConsortiumHub, ConsortiumHub.consortium_id == Consortium.id)
            .where(ConsortiumHub.hub_id == hub_id)
        )

    async def hub_ids(self, consortium_id: uuid.UUID) -> list[uuid.UUID]:
        return list(
            await self.session.scalars(
                select(ConsortiumHub.hub_id)
                .where(ConsortiumHub.consortium_id == consortium_id)
                .order_by(ConsortiumHub.hub_id)
            )
        )

    async def hubs_taken(self, hub_ids: Sequence[uuid.UUID]) -> list[uuid.UUID]:
        return list(await self.session.scalars(select(ConsortiumHub.hub_id).where(ConsortiumHub.hub_id.in_(hub_ids))))

    async def currencies(self, consortium_id: uuid.UUID) -> list[ConsortiumCurrency]:
        return list(
            await self.session.scalars(
                select(ConsortiumCurrency)
                .where(ConsortiumCurrency.consortium_id == consortium_id)
                .order_by(ConsortiumCurrency.currency)
            )
        )

    async def currency_terms(
        self, consortium_id: uuid.UUID, currency: str, *, lock: bool = False
    ) -> ConsortiumCurrency | None:
        """The consortium's terms in `currency`; with `lock`, its row locked for the rest of the
        transaction: every change to what is lent in a currency takes this lock first."""
        statement = select(ConsortiumCurrency).where(
            ConsortiumCurrency.consortium_id == consortium_id, ConsortiumCurrency.currency == currency
        )
        if lock:
            statement = statement.with_for_update()
        return await self.session.scalar(statement)

    async def funders(self, consortium_id: uuid.UUID) -> list[Funder]:
        return list(
            await self.session.scalars(
                select(Funder).where(Funder.consortium_id == consortium_id).order_by(Funder.name)
            )
        )

    async def inclusion_terms(self, consortium_id: uuid.UUID) -> list[InclusionTerm]:
        return list(
            await self.session.scalars(
                select(InclusionTerm)
                .where(InclusionTerm.consortium_id == consortium_id)
                .order_by(InclusionTerm.attribute)
            )
        )

    async def officers(self, consortium_id: uuid.UUID) -> list[tuple[uuid.UUID, str]]:
        rows = await self.session.execute(
            select(User.id, User.full_name)
            .join(Officer, Officer.user_id == User.id)
            .where(Officer.consortium_id == consortium_id)
            .order_by(User.full_name, User.id)
        )
        return [(user_id, name) for user_id, name in rows]

    async def is_officer(self, consortium_id: uuid.UUID, user_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(Officer.id).where(Officer.consortium_id == consortium_id, Officer.user_id == user_id)
        )
        return found is not None

    async def officer_of(self, user_id: uuid.UUID) -> list[uuid.UUID]:
        """The consortia the user is an officer of, by name."""
        return list(
            await self.session.scalars(
                select(Officer.consortium_id)
                .join(Consortium, Consortium.id == Officer.consortium_id)
                .where(Officer.user_id == user_id)
                .order_by(Consortium.name)
            )
        )

    async def names(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, str]:
        rows = await self.session.execute(select(User.id, User.full_name).where(User.id.in_(user_ids)))
        return {user_id: name for user_id, name in rows}  # noqa: C416 - rows are not pairs to mypy

    async def order_and_invoice(
        self, order_id: uuid.UUID, *, lock: bool = False
    ) -> tuple[Order, Invoice | None] | None:
        """The order and its invoice; with `lock`, both rows locked, the order first: the order's own
        moves (cancel, dispute) lock it, then its invoice, and so does everything here, before any
        advance, so an advance never waits for an order that waits for it."""
        statement = select(Order).where(Order.id == order_id)
        if lock:
            statement = statement.with_for_update().execution_options(populate_existing=True)
        order = await self.session.scalar(statement)
        if order is None:
            return None
        invoices = select(Invoice).where(Invoice.order_id == order_id)
        if lock:
            invoices = invoices.with_for_update().execution_options(populate_existing=True)
        return order, await self.session.scalar(invoices)

    async def verified_attributes(self, organization_id: uuid.UUID) -> frozenset[InclusionAttribute]:
        rows = await self.session.scalars(
            select(Inclusion.attribute).where(
                Inclusion.organization_id == organization_id, Inclusion.verified.is_(True)
            )
        )
        return frozenset(rows)

    async def delivered_orders(self, producer_id: uuid.UUID) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(Order)
            .where(Order.producer_organization_id == producer_id, Order.status.in_(DELIVERED))
        )
        return int(count or 0)

    async def written_off(self, consortium_id: uuid.UUID, producer_id: uuid.UUID) -> int:
        count = await self.session.scalar(
            select(func.count())
            .select_from(Advance)
            .where(
                Advance.consortium_id == consortium_id,
                Advance.producer_organization_id == producer_id,
                Advance.status == AdvanceStatus.written_off,
            )
        )
        return int(count or 0)

    async def exposure(
        self,
        consortium_id: uuid.UUID,
        currency: str,
        *,
        producer_id: uuid.UUID | None = None,
        buyer_id: uuid.UUID | None = None,
    ) -> int:
        """Principal the consortium has lent and not been repaid, or promised (asked for, approved),
        in `currency`: to one producer, against one buyer's orders, or in all."""
        paid_out = (
            select(func.coalesce(func.sum(JournalLine.amount_minor), 0))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(JournalEntry.advance_id == Advance.id, JournalLine.account.in_(PRINCIPAL))
            .scalar_subquery()
        )
        statement = select(
            func.coalesce(func.sum(case((Advance.status.in_(_RESERVED), Advance.principal_minor), else_=paid_out)), 0)
        ).where(Advance.consortium_id == consortium_id, Advance.currency == currency, Advance.status.in_(LIVE))
        if producer_id is not None:
            statement = statement.where(Advance.producer_organization_id == producer_id)
        if buyer_id is not None:
            statement = statement.where(Advance.buyer_organization_id == buyer_id)
        return int(await self.session.scalar(statement) or 0)

    async def reserved(self, consortium_id: uuid.UUID, currency: str) -> int:
        """Principal asked for or approved and not yet paid out."""
        total = await self.session.scalar(
            select(func.coalesce(func.sum(Advance.principal_minor), 0)).where(
                Advance.consortium_id == consortium_id, Advance.currency == currency, Advance.status.in_(_RESERVED)
            )
        )
        return int(total or 0)

    async def advance(self, advance_id: uuid.UUID, *, lock: bool = False) -> Advance | None:
        statement = select(Advance).where(Advance.id == advance_id)
        if lock:
            statement = statement.with_for_update()
        return await self.session.scalar(statement)

    async def live_advance_of_order(self, order_id: uuid.UUID, *, lock: bool = False) -> Advance | None:
        statement = select(Advance).where(
            Advance.order_id == order_id, Advance.status.not_in((AdvanceStatus.declined, AdvanceStatus.withdrawn))
        )
        if lock:
            statement = statement.with_for_update()
        return await self.session.scalar(statement)

    async def advances(
        self,
        *,
        consortium_id: uuid.UUID | None = None,
        producer_id: uuid.UUID | None = None,
        order_id: uuid.UUID | None = None,
        statuses: Sequence[AdvanceStatus] = (),
        offset: int = 0,
        limit: int = 50,
    ) -> tuple[list[Advance], int]:
        statement = select(Advance)
        if consortium_id is not None:
            statement = statement.where(Advance.consortium_id == consortium_id)
        if producer_id is not None:
            statement = statement.where(Advance.producer_organization_id == producer_id)
        if order_id is not None:
            statement = statement.where(Advance.order_id == order_id)
        if statuses:
            statement = statement.where(Advance.status.in_(statuses))
        total = await self.session.scalar(select(func.count()).select_from(statement.subquery()))
        rows = await self.session.scalars(
            statement.order_by(Advance.created_at, Advance.id).offset(offset).limit(limit)
        )
        return list(rows), int(total or 0)

    async def owing(self) -> list[uuid.UUID]:
        """Every advance that still owes money, for the daily review (arrears, write-offs)."""
        return list(
            await self.session.scalars(select(Advance.id).where(Advance.status.in_(OWING)).order_by(Advance.id))
        )

    async def decisions(self, advance_id: uuid.UUID) -> list[AdvanceDecision]:
        return list(
            await self.session.scalars(
                select(AdvanceDecision)
                .where(AdvanceDecision.advance_id == advance_id)
                .order_by(AdvanceDecision.created_at)
            )
        )

    async def instalments(self, advance_id: uuid.UUID) -> list[Instalment]:
        return list(
            await self.session.scalars(
                select(Instalment).where(Instalment.advance_id == advance_id).order_by(Instalment.number)
            )
        )

    async def schedule(self, advance_id: uuid.UUID, instalments: Sequence[tuple[dt.date, int]]) -> None:
        """The advance's instalments (due day, amount) in place of any before."""
        await self.session.execute(delete(Instalment).where(Instalment.advance_id == advance_id))
        self.session.add_all(
            Instalment(advance_id=advance_id, number=number, due_on=due_on, amount_minor=amount)
            for number, (due_on, amount) in enumerate(instalments, start=1)
        )
        await self.session.flush()

    async def repaid_by_producer(self, advance_id: uuid.UUID, since: dt.datetime) -> int:
        """What the producer's repayments booked from `since` took off what the advance owes."""
        total = await self.session.scalar(
            select(func.coalesce(func.sum(JournalLine.amount_minor), 0))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                JournalEntry.advance_id == advance_id,
                JournalEntry.kind == EntryKind.producer_repayment,
                JournalEntry.created_at >= since,
                JournalLine.account.in_((Account.fees_receivable, *PRINCIPAL)),
            )
        )
        return -int(total or 0)

    async def entries(self, advance_id: uuid.UUID) -> list[JournalEntry]:
        return list(
            await self.session.scalars(
                select(JournalEntry).where(JournalEntry.advance_id == advance_id).order_by(JournalEntry.created_at)
            )
        )

    async def sums(self, advance_id: uuid.UUID) -> dict[tuple[EntryKind, Account], int]:
        """Per entry kind and account, the sum of the advance's journal lines."""
        rows = await self.session.execute(
            select(JournalEntry.kind, JournalLine.account, func.sum(JournalLine.amount_minor))
            .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
            .where(JournalEntry.advance_id == advance_id)
            .group_by(JournalEntry.kind, JournalLine.account)
        )
        return {(kind, account): int(amount) for kind, account, amount in rows}

    async def flows(self, consortium_id: uuid.UUID, first_day: dt.date, last_day: dt.date) -> list[Flow]:
        """Per currency, month, entry kind and account: the sum of the lines booked in the period."""
        month = func.to_char(JournalEntry.booked_on, "YYYY-MM")
        rows = await self.session.execute(
            select(
                JournalEntry.currency, month, JournalEntry.kind, JournalLine.account, func.sum(JournalLine.amount_minor)
            )
            .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
            .where(JournalEntry.consortium_id == consortium_id, JournalEntry.booked_on.between(first_day, last_day))
            .group_by(JournalEntry.currency, month, JournalEntry.kind, JournalLine.account)
        )
        return [
            Flow(currency, month_of, kind, account, int(amount)) for currency, month_of, kind, account, amount in rows
        ]

    async def outstanding_on(self, consortium_id: uuid.UUID, day: dt.date) -> list[Outstanding]:
        """Every advance that owed principal at the end of `day`, with its parties and when it fell behind."""
        principal = func.sum(JournalLine.amount_minor).filter(JournalLine.account.in_(PRINCIPAL))
        rows = await self.session.execute(
            select(
                Advance.currency,
                Advance.producer_organization_id,
                Advance.buyer_organization_id,
                Advance.in_arrears_since,
                principal,
            )
            .join(JournalEntry, JournalEntry.advance_id == Advance.id)
            .join(JournalLine, JournalLine.entry_id == JournalEntry.id)
            .where(Advance.consortium_id == consortium_id, JournalEntry.booked_on <= day)
            .group_by(Advance.id)
            .having(principal != 0)
        )
        return [Outstanding(*row[:4], int(row[4])) for row in rows]

    async def disbursed_in(self, consortium_id: uuid.UUID, first_day: dt.date, last_day: dt.date) -> list[Disbursed]:
        """Every advance paid out in the period, with its producer's and buyer's countries and the
        producer's hub-verified inclusion attributes (as they are now)."""
        producer, buyer = aliased(Organization), aliased(Organization)
        verified = (
            select(func.coalesce(func.array_agg(Inclusion.attribute), text("'{}'")))
            .where(Inclusion.organization_id == Advance.producer_organization_id, Inclusion.verified.is_(True))
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(
                Advance.producer_organization_id,
                Advance.buyer_organization_id,
                Advance.currency,
                Advance.principal_minor,
                producer.country,
                buyer.country,
                verified,
                func.to_char(JournalEntry.booked_on, "YYYY-MM"),
            )
            .join(JournalEntry, (JournalEntry.advance_id == Advance.id) & (JournalEntry.kind == EntryKind.disbursement))
            .join(producer, producer.id == Advance.producer_organization_id)
            .join(buyer, buyer.id == Advance.buyer_organization_id)
            .where(Advance.consortium_id == consortium_id, JournalEntry.booked_on.between(first_day, last_day))
        )
        return [
            Disbursed(
                producer_id,
                buyer_id,
                currency,
                int(amount),
                producer_country,
                buyer_country,
                frozenset(attributes or ()),
                month,
            )
            for producer_id, buyer_id, currency, amount, producer_country, buyer_country, attributes, month in rows
        ]

    async def parties_in(
        self, consortium_id: uuid.UUID, first_day: dt.date, last_day: dt.date
    ) -> list[tuple[str, uuid.UUID, uuid.UUID]]:
        """(currency, producer, buyer) of every advance with money moving in the period."""
        rows = await self.session.execute(
            select(Advance.currency, Advance.producer_organization_id, Advance.buyer_organization_id)
            .join(JournalEntry, JournalEntry.advance_id == Advance.id)
            .where(Advance.consortium_id == consortium_id, JournalEntry.booked_on.between(first_day, last_day))
            .distinct()
        )
        return [(currency, producer, buyer) for currency, producer, buyer in rows]

    async def organization_names(self, organization_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
        """Legal name and country of each organisation."""
        rows = await self.session.execute(
            select(Organization.id, Organization.legal_name, Organization.country).where(
                Organization.id.in_(organization_ids)
            )
        )
        return {organization_id: (name, country) for organization_id, name, country in rows}

    async def reporting_currency(self, consortium_id: uuid.UUID) -> str | None:
        """The reporting currency of the consortium's first hub: what its funders' totals are converted to."""
        return await self.session.scalar(
            select(Hub.reporting_currency)
            .join(ConsortiumHub, ConsortiumHub.hub_id == Hub.id)
            .where(ConsortiumHub.consortium_id == consortium_id)
            .order_by(ConsortiumHub.created_at, Hub.id)
            .limit(1)
        )


@dataclass(frozen=True)
class Flow:
    currency: str
    month: str
    kind: EntryKind
    account: Account
    amount_minor: int


@dataclass(frozen=True)
class Outstanding:
    currency: str
    producer_id: uuid.UUID
    buyer_id: uuid.UUID
    in_arrears_since: dt.date | None
    principal_minor: int


@dataclass(frozen=True)
class Disbursed:
    producer_id: uuid.UUID
    buyer_id: uuid.UUID
    currency: str
    principal_minor: int
    producer_country: str
    buyer_country: str
    verified: frozenset[InclusionAttribute]
    month: str
    """When it was paid out, `YYYY-MM`."""
