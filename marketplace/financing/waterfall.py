"""What happens to an advance as its order's money moves: the buyer's payment repays it first, a
credit, cancellation or dispute leaves the producer owing the rest by a schedule, and past due it
falls into arrears and, after the consortium's period, is written off against the guarantee fund.

Each step posts its journal entry in the transaction of the change that causes it: the officer's
request, the invoice's payment, the dispute's decision, the daily review.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.money import apportion
from marketplace.financing import ledger
from marketplace.financing.ledger import Line, Owed
from marketplace.financing.models import (
    OWING,
    Account,
    Advance,
    AdvanceStatus,
    Consortium,
    EntryKind,
    Funder,
)
from marketplace.financing.repository import FinancingRepository
from marketplace.payment.models import Invoice, InvoiceStatus

INSTALMENT_DAYS = 30


@dataclass(frozen=True)
class Position:
    """Where an advance stands against its order's invoice."""

    owed: Owed
    receivable_minor: int
    """What the buyer may still be expected to pay: what the invoice asks less what was collected."""

    @property
    def shortfall_minor(self) -> int:
        """What the buyer's payment will not cover: the producer owes it."""
        return max(0, self.owed.total_minor - self.receivable_minor)


async def position(session: AsyncSession, advance: Advance, invoice: Invoice | None) -> Position:
    sums = await FinancingRepository(session).sums(advance.id)
    collected = sum(amount for (kind, account), amount in sums.items() if kind is EntryKind.collection and amount > 0)
    asked = (
        0 if invoice is None or invoice.status is InvoiceStatus.void else invoice.amount_minor - invoice.credited_minor
    )
    return Position(
        owed=Owed.of(await ledger.advance_balances(session, advance.id)),
        receivable_minor=max(0, asked - collected)
        if invoice is None or invoice.status is not InvoiceStatus.paid
        else 0,
    )


async def collect(
    session: AsyncSession,
    advance: Advance,
    amount_minor: int,
    *,
    kind: EntryKind,
    on: dt.date,
    reference: str,
    booked_by: uuid.UUID | None,
) -> Owed:
    """Book money received for the advance: fees first, then principal, into the funders' cash (after
    a write-off, back to those who bore it: `recovery`); from the buyer, the rest is owed to the
    producer (`producer_payable`). Returns what is owed after."""
    balances = await ledger.advance_balances(session, advance.id)
    if advance.status is AdvanceStatus.written_off:
        lines = recovery(balances, amount_minor)
    else:
        lines = Owed.of(balances).repayment(amount_minor)
    received = sum(line.amount_minor for line in lines if line.amount_minor > 0)
    rest = amount_minor - received
    if rest:
        lines += [Line(Account.collections, rest), Line(Account.producer_payable, -rest)]
    await ledger.post(
        session,
        consortium_id=advance.consortium_id,
        currency=advance.currency,
        kind=kind,
        lines=lines,
        booked_on=on,
        advance_id=advance.id,
        reference=reference,
        booked_by=booked_by,
    )
    after = Owed.of(await ledger.advance_balances(session, advance.id))
    if after.total_minor == 0 and advance.status in OWING:
        advance.status = AdvanceStatus.repaid
        advance.settled_on = on
    await session.flush()
    return after


def recovery(balances: ledger.Balances, amount_minor: int) -> list[Line]:
    """Lines giving up to `amount_minor` received after a write-off back to those who bore the loss,
    in proportion to what each still has to recover: guarantee money into each guarantor's
    `guarantee_cash`, a lender's own loss into its `cash`; each taken off its `write_offs`."""
    covered = {funder: -amount for funder, amount in ledger.of_account(balances, Account.guarantee_cash).items()}
    lost = ledger.of_account(balances, Account.write_offs)
    owed_back: dict[tuple[Account, uuid.UUID | None], int] = {
        (Account.guarantee_cash, funder): amount for funder, amount in covered.items() if amount > 0
    }
    for funder, amount in lost.items():
        if amount - covered.get(funder, 0) > 0:
            owed_back[Account.cash, funder] = amount - covered.get(funder, 0)
    parts = ledger.split(min(amount_minor, sum(owed_back.values())), owed_back)
    return [Line(account, part, funder) for (account, funder), part in parts.items()] + [
        Line(Account.write_offs, -part, funder) for (_, funder), part in parts.items()
    ]


async def reassess(
    session: AsyncSession, consortium: Consortium, advance: Advance, invoice: Invoice | None, today: dt.date
) -> None:
    """After a credit note, a cancellation or a dispute's decision: when the buyer's payment will no
    longer cover what the advance owes, the producer owes the rest in the consortium's number of
    monthly instalments from today. A schedule that already covers what the producer owes keeps its
    dates; one that no longer does (a second credit) is made again for all of it."""
    if advance.status not in OWING:
        return
    shortfall = (await position(session, advance, invoice)).shortfall_minor
    if shortfall <= 0:
        return
    repo = FinancingRepository(session)
    instalments = await repo.instalments(advance.id)
    if instalments:
        since = min(instalment.created_at for instalment in instalments)
        scheduled_left = sum(i.amount_minor for i in instalments) - await repo.repaid_by_producer(advance.id, since)
        if shortfall <= scheduled_left:
            return
    parts = [part for part in apportion(shortfall, [1] * consortium.repayment_instalments) if part]
    await repo.schedule(
        advance.id,
        [(today + dt.timedelta(days=INSTALMENT_DAYS * number), part) for number, part in enumerate(parts, 1)],
    )
    if advance.status is AdvanceStatus.disbursed:
        advance.status = AdvanceStatus.due_from_producer
        advance.reason = "the buyer's payment will not cover the advance; the producer repays the rest by the schedule"
    advance.due_on = today + dt.timedelta(days=INSTALMENT_DAYS)
    await session.flush()


async def overdue_since(
    session: AsyncSession, advance: Advance, invoice: Invoice | None, today: dt.date
) -> dt.date | None:
    """The day the advance fell behind, if it is behind today: the invoice's due date while the buyer
    still owes on it, and the first instalment past due once the producer's repayments no longer
    cover what was due by today; None when it owes nothing or is up to date."""
    now = await position(session, advance, invoice)
    if now.owed.total_minor == 0:
        return None
    behind = []
    if now.receivable_minor > 0 and invoice is not None and invoice.due_on < today:
        behind.append(invoice.due_on)
    instalments = await FinancingRepository(session).instalments(advance.id)
    still_to_come = sum(i.amount_minor for i in instalments if i.due_on >= today)
    past_due = [i.due_on for i in instalments if i.due_on < today]
    if past_due and now.shortfall_minor > still_to_come:
        behind.append(min(past_due))
    return min(behind, default=None)


async def fall_into_arrears(session: AsyncSession, advance: Advance, since: dt.date, today: dt.date) -> None:
    """Move the principal still owed to `advances_in_arrears`, funder by funder."""
    await _move_principal(
        session, advance, Account.advances, Account.advances_in_arrears, today, f"in arrears since {since}"
    )
    advance.status = AdvanceStatus.in_arrears
    advance.in_arrears_since = since
    await session.flush()


async def catch_up(session: AsyncSession, advance: Advance, today: dt.date) -> None:
    """An advance in arrears that is up to date again: its principal moves back out of arrears."""
    reference = f"up to date again (in arrears since {advance.in_arrears_since})"
    await _move_principal(session, advance, Account.advances_in_arrears, Account.advances, today, reference)
    instalments = await FinancingRepository(session).instalments(advance.id)
    advance.status = AdvanceStatus.due_from_producer if instalments else AdvanceStatus.disbursed
    advance.in_arrears_since = None
    await session.flush()


async def _move_principal(
    session: AsyncSession, advance: Advance, source: Account, target: Account, today: dt.date, reference: str
) -> None:
    """An `arrears` entry moving the principal the advance owes on `source` to `target`, funder by funder."""
    owed = Owed.of(await ledger.advance_balances(session, advance.id))
    lines = []
    for (account, funder), amount in owed.principal.items():
        if account is source:
            lines += [Line(source, -amount, funder), Line(target, amount, funder)]
    if lines:
        await ledger.post(
            session,
            consortium_id=advance.consortium_id,
            currency=advance.currency,
            kind=EntryKind.arrears,
            lines=lines,
            booked_on=today,
            advance_id=advance.id,
            reference=reference,
        )


async def write_off(session: AsyncSession, advance: Advance, funders: list[Funder], today: dt.date) -> None:
    """What the advance still owes is written off. The loss of principal is shared by the funders'
    guarantee shares, each paying its part out of the guarantee money it still has there; that money
    makes the lenders whole in proportion to what each lent. Whatever the guarantee money does not
    cover, each lender bears on what it lent. `write_offs` is what each funder bore either way. Fees
    never paid are taken back out of fee income."""
    owed = Owed.of(await ledger.advance_balances(session, advance.id))
    books = await ledger.consortium_balances(session, advance.consortium_id, advance.currency)
    guarantee_left = ledger.of_account(books, Account.guarantee_cash)
    lent: dict[uuid.UUID | None, int] = {}
    for (_, funder), amount in owed.principal.items():
        lent[funder] = lent.get(funder, 0) + amount
    shares = ledger.split(owed.principal_minor, {funder.id: funder.guarantee_share_bp for funder in funders})
    covered = {funder: min(part, max(0, guarantee_left.get(funder, 0))) for funder, part in shares.items()}
    made_whole = ledger.split(sum(covered.values()), lent)
    lines = [Line(account, -amount, funder) for (account, funder), amount in owed.principal.items()]
    lines += [Line(Account.write_offs, part, funder) for funder, part in covered.items()]
    lines += [Line(Account.guarantee_cash, -part, funder) for funder, part in covered.items()]
    lines += [Line(Account.cash, part, funder) for funder, part in made_whole.items()]
    lines += [Line(Account.write_offs, amount - made_whole.get(funder, 0), funder) for funder, amount in lent.items()]
    for funder, amount in owed.fees.items():
        lines += [Line(Account.fees_receivable, -amount, funder), Line(Account.fee_income, amount, funder)]
    await ledger.post(
        session,
        consortium_id=advance.consortium_id,
        currency=advance.currency,
        kind=EntryKind.write_off,
        lines=lines,
        booked_on=today,
        advance_id=advance.id,
        reference=f"in arrears since {advance.in_arrears_since}",
    )
    advance.status = AdvanceStatus.written_off
    advance.settled_on = today
    await session.flush()
