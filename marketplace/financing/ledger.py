"""The consortium's double-entry journal: posting balanced entries, and every balance derived from them.

Lines are signed (debit positive, credit negative) and each entry's lines add up to zero, which the
database checks again when the transaction commits. Money lent is split between the funders that
had cash for it; what comes back is split in proportion to what each funder is still owed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from kernel.money import apportion
from marketplace.financing.models import PRINCIPAL, Account, EntryKind, JournalEntry, JournalLine


@dataclass(frozen=True)
class Line:
    account: Account
    amount_minor: int
    """Debit when positive, credit when negative."""
    funder_id: uuid.UUID | None = None


class Unbalanced(ValueError):
    """A programming error: an entry whose lines do not add up to zero is never written."""


async def post(
    session: AsyncSession,
    *,
    consortium_id: uuid.UUID,
    currency: str,
    kind: EntryKind,
    lines: Iterable[Line],
    booked_on: dt.date,
    advance_id: uuid.UUID | None = None,
    reference: str | None = None,
    booked_by: uuid.UUID | None = None,
) -> uuid.UUID:
    """Write one entry in the caller's transaction; lines of zero are left out, lines of the same
    account and funder are added together."""
    merged: dict[tuple[Account, uuid.UUID | None], int] = defaultdict(int)
    for line in lines:
        merged[line.account, line.funder_id] += line.amount_minor
    kept = {key: amount for key, amount in merged.items() if amount}
    if sum(kept.values()):
        raise Unbalanced(f"{kind} entry does not balance: {kept}")
    if not kept:
        raise Unbalanced(f"{kind} entry moves no money")
    entry_id = uuid7()
    session.add(
        JournalEntry(
            id=entry_id,
            consortium_id=consortium_id,
            currency=currency,
            kind=kind,
            advance_id=advance_id,
            booked_on=booked_on,
            reference=reference,
            booked_by=booked_by,
        )
    )
    await session.flush()
    session.add_all(
        JournalLine(entry_id=entry_id, account=account, funder_id=funder_id, amount_minor=amount)
        for (account, funder_id), amount in sorted(kept.items(), key=lambda item: (item[0][0], str(item[0][1])))
    )
    await session.flush()
    return entry_id


Balances = dict[tuple[Account, uuid.UUID | None], int]


async def advance_balances(session: AsyncSession, advance_id: uuid.UUID) -> Balances:
    """Every (account, funder) balance of one advance's entries."""
    rows = await session.execute(
        select(JournalLine.account, JournalLine.funder_id, func.sum(JournalLine.amount_minor))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.advance_id == advance_id)
        .group_by(JournalLine.account, JournalLine.funder_id)
    )
    return {(account, funder): int(total) for account, funder, total in rows}


async def consortium_balances(
    session: AsyncSession, consortium_id: uuid.UUID, currency: str, as_of: dt.date | None = None
) -> Balances:
    """Every (account, funder) balance of the consortium's books in one currency (at the end of `as_of`)."""
    statement = (
        select(JournalLine.account, JournalLine.funder_id, func.sum(JournalLine.amount_minor))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.consortium_id == consortium_id, JournalEntry.currency == currency)
        .group_by(JournalLine.account, JournalLine.funder_id)
    )
    if as_of is not None:
        statement = statement.where(JournalEntry.booked_on <= as_of)
    rows = await session.execute(statement)
    return {(account, funder): int(total) for account, funder, total in rows}


def of_account(balances: Balances, *accounts: Account) -> dict[uuid.UUID | None, int]:
    """The balances of `accounts` per funder (added together), zeros left out."""
    result: dict[uuid.UUID | None, int] = defaultdict(int)
    for (account, funder), amount in balances.items():
        if account in accounts:
            result[funder] += amount
    return {funder: amount for funder, amount in result.items() if amount}


def total(balances: Balances, *accounts: Account) -> int:
    return sum(of_account(balances, *accounts).values())


K = TypeVar("K", bound=Hashable)


def split(amount_minor: int, weights: Mapping[K, int]) -> dict[K, int]:
    """`amount_minor` split in proportion to `weights` (exactly, largest remainders; ties to the
    first key in text order, so the same split every time); parts of zero left out."""
    keys = sorted(weights, key=str)
    parts = apportion(amount_minor, [weights[key] for key in keys])
    return {key: part for key, part in zip(keys, parts, strict=True) if part}


@dataclass(frozen=True)
class Owed:
    """What an advance still owes, per funder."""

    fees: dict[uuid.UUID | None, int]
    principal: dict[tuple[Account, uuid.UUID | None], int]
    """Per principal account (`advances` or `advances_in_arrears`) and funder."""
    producer_payable: int
    """Collected beyond the advance and not yet passed on to the producer."""

    @classmethod
    def of(cls, balances: Balances) -> Owed:
        return cls(
            fees=of_account(balances, Account.fees_receivable),
            principal={key: amount for key, amount in balances.items() if key[0] in PRINCIPAL and amount},
            producer_payable=-total(balances, Account.producer_payable),
        )

    @property
    def fees_minor(self) -> int:
        return sum(self.fees.values())

    @property
    def principal_minor(self) -> int:
        return sum(self.principal.values())

    @property
    def total_minor(self) -> int:
        return self.fees_minor + self.principal_minor

    def repayment(self, amount_minor: int) -> list[Line]:
        """Lines taking up to `amount_minor` off what is owed, fees first, each split by what each
        funder is still owed of it, and paid into the funders' cash."""
        fees = min(amount_minor, self.fees_minor)
        principal = min(amount_minor - fees, self.principal_minor)
        lines = [Line(Account.fees_receivable, -part, funder) for funder, part in split(fees, self.fees).items()]
        lines += [Line(account, -part, funder) for (account, funder), part in split(principal, self.principal).items()]
        cash: dict[uuid.UUID | None, int] = defaultdict(int)
        for line in lines:
            cash[line.funder_id] -= line.amount_minor
        return lines + [Line(Account.cash, amount, funder) for funder, amount in cash.items()]
