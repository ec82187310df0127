"""Working capital use cases: a consortium set up by its hubs' coordinators, funders' commitments,
a producer's request, the officers' decisions (four eyes above a threshold), the payout, and the
money that comes back.

Who sees what: an advance is seen by its consortium's officers and its producer's admins (404 for
everyone else); a consortium by its officers and its hubs' coordinators. Every change that moves
money is journalled in the same transaction and audited.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, clock, codes
from kernel.auth import Principal
from kernel.errors import Conflict, FieldError, FieldProblems, Forbidden, InvalidInput, NotFound, located
from kernel.money import Amount
from kernel.pagination import MAX_PER_PAGE, Page, PageParams
from marketplace.dashboard.schemas import Period
from marketplace.dashboard.service import MINIMUM_GROUP_SIZE
from marketplace.financing import ledger, portfolio, waterfall
from marketplace.financing.ledger import Line, Owed
from marketplace.financing.models import (
    BASIS_POINTS,
    OWING,
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
    Officer,
)
from marketplace.financing.repository import FinancingRepository
from marketplace.financing.rules import CONFIRMED, Facts, Offer, Rules, offer
from marketplace.financing.rules import Refusal as RuleRefusal
from marketplace.financing.schemas import (
    AdvanceAsk,
    AdvanceDecide,
    AdvanceOffer,
    AdvanceRead,
    BooksRead,
    Commitment,
    ConsortiumCreate,
    ConsortiumRead,
    CurrencyTerms,
    CurrencyTermsRead,
    DecisionRead,
    EntryRead,
    FunderBalance,
    FunderRead,
    InclusionTermsIn,
    InstalmentRead,
    MoneyMoved,
    MoneyReceived,
    OfficerRead,
    PortfolioReport,
    PublicPortfolio,
    Refusal,
    Withdrawal,
)
from marketplace.hub.service import HubService
from marketplace.identity.repository import IdentityRepository
from marketplace.order.models import Order
from marketplace.organization.billing import bic as valid_bic
from marketplace.organization.billing import iban as valid_iban
from marketplace.organization.models import InclusionAttribute, Role
from marketplace.organization.service import OrganizationService, require_verified_email
from marketplace.payment.models import Invoice, InvoiceStatus
from marketplace.payment.service import InvoiceService


class ConsortiumNotFound(NotFound):
    slug = "consortium-not-found"


class AdvanceNotFound(NotFound):
    slug = "advance-not-found"


class NotAnOfficer(Forbidden):
    slug = "not-an-officer"


class AdvanceRefused(InvalidInput):
    """The rules do not allow the advance asked for: every reason is named."""

    slug = "advance-refused"


class AdvanceState(Conflict):
    """The advance is not in a state that allows this (already decided, paid out, settled)."""

    slug = "advance-state"


def basis_points(percent: Decimal, field: str) -> int:
    """A percentage from 0 to 100 (two decimal places, `schemas.Percent`), as whole basis points."""
    if not 0 <= percent <= 100:  # noqa: PLR2004 - a percentage
        raise InvalidInput.field(field, "must be from 0 to 100")
    return int(percent * 100)


def percent(points: int) -> Decimal:
    """Basis points as a percentage without trailing zeros ("70", "7.3", "0.5")."""
    # normalize() writes 70 as 7E+1; adding zero gives the plain notation back.
    return (Decimal(points) / 100).normalize() + Decimal(0)


class FinancingService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = FinancingRepository(session)
        self.organizations = OrganizationService(session)
        self.hubs = HubService(session)
        self.invoices = InvoiceService(session)

    # --- the consortium -----------------------------------------------------------------------

    async def create_consortium(self, principal: Principal, data: ConsortiumCreate) -> ConsortiumRead:
        """Set up a consortium lending to the producers of `hub_ids` (the caller coordinates each).

        Raises `InvalidInput` naming every offending field (a percentage with more than two
        decimals, guarantee shares not adding up to 100, an unknown currency, IBAN or officer, a
        repeated currency or funder), and `Conflict` when a hub already has a consortium or the
        name is taken.
        """
        for hub_id in data.hub_ids:
            await self.hubs.require_coordinator(principal, hub_id)
        valid = await self._validated(data)
        taken = await self.repo.hubs_taken(data.hub_ids)
        if taken:
            raise Conflict("a hub has one consortium, and these already have one: " + ", ".join(map(str, taken)))
        consortium = Consortium(
            name=data.name.strip(),
            advance_share_bp=valid.share,
            flat_fee_bp=valid.flat,
            annual_rate_bp=valid.annual,
            max_tenor_days=data.max_tenor_days,
            min_completed_orders=data.min_completed_orders,
            arrears_write_off_days=data.arrears_write_off_days,
            repayment_instalments=data.repayment_instalments,
            notice_of_assignment=data.notice_of_assignment,
            created_by=principal.user_id,
        )
        self.session.add(consortium)
        try:
            await self.session.flush()
        except IntegrityError:
            raise Conflict(f"a consortium named {data.name.strip()!r} already exists") from None
        self.session.add_all(
            ConsortiumHub(consortium_id=consortium.id, hub_id=hub_id) for hub_id in sorted(set(data.hub_ids))
        )
        self.session.add_all(
            ConsortiumCurrency(
                consortium_id=consortium.id,
                currency=code,
                max_per_producer_minor=terms.max_per_producer_minor,
                max_per_buyer_minor=terms.max_per_buyer_minor,
                second_approval_above_minor=terms.second_approval_above_minor,
                collection_iban=account,
                collection_bic=bank,
            )
            for code, terms, account, bank in valid.currencies
        )
        self.session.add_all(
            Funder(consortium_id=consortium.id, name=name, country=country, guarantee_share_bp=points)
            for name, country, points in valid.funders
        )
        self.session.add_all(Officer(consortium_id=consortium.id, user_id=user_id) for user_id in valid.officers)
        self.session.add_all(
            InclusionTerm(
                consortium_id=consortium.id,
                attribute=attribute,
                share_bonus_bp=bonus,
                fee_discount_bp=fee_off,
                rate_discount_bp=rate_off,
            )
            for attribute, bonus, fee_off, rate_off in valid.inclusion
        )
        await self.session.flush()
        read = await self._consortium_read(consortium, principal)
        await audit.record(
            self.session, principal, "consortium.created", object_type="consortium", object_id=consortium.id, after=read
        )
        return read

    async def _validated(self, data: ConsortiumCreate) -> _ValidConsortium:
        """`data` checked field by field (`InvalidInput` naming every offending field at once)."""
        problems = FieldProblems()
        share = problems.check(basis_points, data.advance_share_percent, "advance_share_percent")
        if share == 0:
            problems.add("advance_share_percent", "must be more than 0")
        flat = problems.check(basis_points, data.flat_fee_percent, "flat_fee_percent")
        annual = problems.check(basis_points, data.annual_rate_percent, "annual_rate_percent")
        currencies: list[tuple[str, CurrencyTerms, str, str | None]] = []
        for index, terms in enumerate(data.currencies):
            field = f"currencies[{index}]"
            code = problems.check(codes.currency, terms.currency, f"{field}.currency")
            if code is not None and code in {c for c, *_ in currencies}:
                problems.add(f"{field}.currency", f"{code} is given twice")
            account = problems.check(valid_iban, terms.collection_iban, f"{field}.collection_iban")
            bank = None
            if terms.collection_bic:
                bank = problems.check(valid_bic, terms.collection_bic, account, f"{field}.collection_bic")
            if code is not None and account is not None:
                currencies.append((code, terms, str(account.compact), None if bank is None else str(bank)))
        funders: list[tuple[str, str, int]] = []
        for index, funder in enumerate(data.funders):
            field = f"funders[{index}]"
            country = problems.check(codes.country, funder.country, f"{field}.country")
            points = problems.check(basis_points, funder.guarantee_share_percent, f"{field}.guarantee_share_percent")
            if funder.name.strip() in {name for name, *_ in funders}:
                problems.add(f"{field}.name", f"{funder.name.strip()} is given twice")
            funders.append((funder.name.strip(), country or "", points or 0))
        if not problems and sum(points for *_, points in funders) != BASIS_POINTS:
            problems.add("funders", "the funders' guarantee shares must add up to 100")
        officers = await self._officers(data.officer_emails, problems)
        inclusion = []
        for index, term in enumerate(data.inclusion_terms):
            field = f"inclusion_terms[{index}]"
            inclusion.append(
                (
                    term.attribute,
                    problems.check(basis_points, term.share_bonus_percent, f"{field}.share_bonus_percent") or 0,
                    problems.check(basis_points, term.fee_discount_percent, f"{field}.fee_discount_percent") or 0,
                    problems.check(basis_points, term.rate_discount_percent, f"{field}.rate_discount_percent") or 0,
                )
            )
        if len({attribute for attribute, *_ in inclusion}) != len(inclusion):
            problems.add("inclusion_terms", "each attribute at most once")
        problems.raise_if_any()
        return _ValidConsortium(
            share=share or 0,
            flat=flat or 0,
            annual=annual or 0,
            currencies=currencies,
            funders=funders,
            officers=officers,
            inclusion=inclusion,
        )

    async def _officers(self, emails: list[str], problems: FieldProblems) -> list[uuid.UUID]:
        identity = IdentityRepository(self.session)
        officers: list[uuid.UUID] = []
        for index, email in enumerate(emails):
            user = await identity.user_by_email(email.strip())
            if user is None:
                problems.add(f"officer_emails[{index}]", f"no account with e-mail {email}; the officer registers first")
            elif user.id in officers:
                problems.add(f"officer_emails[{index}]", f"{email} is given twice")
            else:
                officers.append(user.id)
        return officers

    async def read_consortium(self, principal: Principal, consortium_id: uuid.UUID) -> ConsortiumRead:
        """The consortium, for its officers and its hubs' coordinators (404 for anyone else)."""
        consortium = await self._consortium(consortium_id)
        if not await self.repo.is_officer(consortium.id, principal.user_id):
            coordinated = {hub.id for hub in await self.hubs.coordinated(principal)}
            if not coordinated & set(await self.repo.hub_ids(consortium.id)):
                raise ConsortiumNotFound("no such consortium")
        return await self._consortium_read(consortium, principal)

    async def consortium_of_hub(self, hub_id: uuid.UUID) -> Consortium | None:
        return await self.repo.consortium_of_hub(hub_id)

    async def my_consortia(self, principal: Principal) -> list[ConsortiumRead]:
        """The consortia the caller is an officer of."""
        return [
            await self._consortium_read(await self._consortium(consortium_id), principal)
            for consortium_id in await self.repo.officer_of(principal.user_id)
        ]

    async def officer_of(self, principal: Principal) -> list[uuid.UUID]:
        """The ids of the consortia the caller is an officer of, by name (one statement: the pages ask it
        on every request)."""
        return await self.repo.officer_of(principal.user_id)

    async def commit(self, principal: Principal, consortium_id: uuid.UUID, data: Commitment) -> BooksRead:
        """An officer records money a funder put up: lending capital, guarantee money, or both.

        Raises `InvalidInput` for a currency the consortium does not lend in, an unknown funder or
        nothing to record.
        """
        consortium = await self._as_officer(principal, consortium_id)
        currency = codes.currency(data.currency)
        terms = await self.repo.currency_terms(consortium.id, currency, lock=True)
        problems = FieldProblems()
        if terms is None:
            problems.add("currency", f"the consortium does not lend in {currency}")
        if data.funder_id not in {funder.id for funder in await self.repo.funders(consortium.id)}:
            problems.add("funder_id", "not a funder of this consortium")
        if data.capital_minor == 0 and data.guarantee_minor == 0:
            problems.add("capital_minor", "give the capital, the guarantee money or both")
        problems.raise_if_any()
        lines = [
            Line(Account.cash, data.capital_minor, data.funder_id),
            Line(Account.capital, -data.capital_minor, data.funder_id),
            Line(Account.guarantee_cash, data.guarantee_minor, data.funder_id),
            Line(Account.guarantee_fund, -data.guarantee_minor, data.funder_id),
        ]
        await ledger.post(
            self.session,
            consortium_id=consortium.id,
            currency=currency,
            kind=EntryKind.commitment,
            lines=lines,
            booked_on=clock.today(),
            reference=data.reference,
            booked_by=principal.user_id,
        )
        books = await self._books(consortium.id, currency)
        await audit.record(
            self.session,
            principal,
            "consortium.committed",
            object_type="consortium",
            object_id=consortium.id,
            after=data,
        )
        return books

    async def books(self, principal: Principal, consortium_id: uuid.UUID, currency: str) -> BooksRead:
        consortium = await self._as_officer(principal, consortium_id)
        return await self._books(consortium.id, codes.currency(currency, "query:currency"))

    async def report(self, principal: Principal, consortium_id: uuid.UUID, period: Period) -> PortfolioReport:
        """The consortium's report for the period (its officers)."""
        consortium = await self._as_officer(principal, consortium_id)
        return await portfolio.report(self.session, consortium, period)

    async def open_data(self, consortium_id: uuid.UUID, year: int | None) -> PublicPortfolio:
        """A calendar year of the consortium's public aggregates (no login; this year by default), small
        groups suppressed (`portfolio.open_data`). Raises `InvalidInput` naming `query:year` outside 2000–2100."""
        chosen = year or clock.today().year
        if not 2000 <= chosen <= 2100:  # noqa: PLR2004 - the years anyone lends in
            raise InvalidInput.query("year", "must be from 2000 to 2100")
        return await portfolio.open_data(
            self.session, await self._consortium(consortium_id), chosen, MINIMUM_GROUP_SIZE
        )

    async def queue(
        self, principal: Principal, consortium_id: uuid.UUID, statuses: list[AdvanceStatus], page: PageParams
    ) -> Page[AdvanceRead]:
        """The consortium's advances (its officers), oldest first; by default those to decide on or pay out."""
        consortium = await self._as_officer(principal, consortium_id)
        advances, total = await self.repo.advances(
            consortium_id=consortium.id,
            statuses=statuses or [AdvanceStatus.requested, AdvanceStatus.approved],
            offset=page.offset,
            limit=page.per_page,
        )
        return Page(
            items=[await self._read(advance) for advance in advances],
            page=page.page,
            per_page=page.per_page,
            total=total,
        )

    # --- the producer -------------------------------------------------------------------------

    async def offer(self, principal: Principal, order_id: uuid.UUID) -> AdvanceOffer:
        """What the hub's consortium may advance against the order today, and every reason it may
        not (the producer's admins; 404 for anyone else, and when the hub has no consortium)."""
        order, invoice, consortium = await self._producers_order(principal, order_id)
        terms = await self._currency_terms(consortium, order.currency, field="query:order_id")
        found = await self._judge(consortium, terms, order, invoice)
        return _offer_read(order, invoice, consortium, found)

    async def ask(self, principal: Principal, data: AdvanceAsk) -> AdvanceRead:
        """A producer's admin asks for an advance against a confirmed order paid by invoice.

        Judged under the lock of the consortium's currency, so two requests cannot both take the
        last of a limit. Raises `AdvanceRefused` (422) naming every reason the rules do not allow
        it (or that the amount is above the most allowed), `Conflict` when the order already has one.
        """
        order, invoice, consortium = await self._producers_order(principal, data.order_id, field="order_id", lock=True)
        terms = await self._currency_terms(consortium, order.currency, lock=True)
        if await self.repo.live_advance_of_order(order.id) is not None:
            raise AdvanceState("the order already has an advance asked for or paid out")
        found = await self._judge(consortium, terms, order, invoice)
        amount = data.amount_minor or found.maximum_minor
        refusals = list(found.refusals)
        if not refusals and amount > found.maximum_minor:
            refusals.append(
                RuleRefusal(
                    "above_maximum", f"at most {found.maximum_minor} (minor units) may be advanced against this order"
                )
            )
        if refusals:
            field = "amount_minor" if refusals[0].code == "above_maximum" else "order_id"
            raise AdvanceRefused(
                "the consortium cannot advance this: " + "; ".join(r.message for r in refusals),
                errors=[FieldError(field=located(field), message=r.message) for r in refusals],
            )
        assert invoice is not None  # noqa: S101 - an offer without refusals has an unpaid invoice
        advance = Advance(
            consortium_id=consortium.id,
            order_id=order.id,
            producer_organization_id=order.producer_organization_id,
            buyer_organization_id=order.buyer_organization_id,
            hub_id=order.hub_id,
            currency=order.currency,
            receivable_minor=invoice.due_minor,
            principal_minor=amount,
            fee_minor=found.fee_minor(amount),
            due_on=invoice.due_on,
            status=AdvanceStatus.requested,
            requested_by=principal.user_id,
        )
        self.session.add(advance)
        await self.session.flush()
        read = await self._read(advance)
        await audit.record(
            self.session,
            principal,
            "advance.requested",
            object_type="advance",
            object_id=advance.id,
            organization_id=advance.producer_organization_id,
            hub_id=advance.hub_id,
            after=read,
        )
        return read

    async def withdraw(self, principal: Principal, advance_id: uuid.UUID, data: Withdrawal) -> AdvanceRead:
        """The producer's admin withdraws a request not yet decided."""
        advance = await self._visible(principal, advance_id, lock=True)
        await self.organizations.require_role(principal, advance.producer_organization_id, Role.admin)
        # Not once approved: the officers may have sent the transfer already and are about to record it.
        if advance.status is not AdvanceStatus.requested:
            raise AdvanceState(
                f"the advance is {advance.status.value.replace('_', ' ')}; only a request not yet decided is withdrawn"
            )
        return await self._change(
            principal, advance, "advance.withdrawn", status=AdvanceStatus.withdrawn, reason=data.reason
        )

    async def of_producer(
        self, principal: Principal, organization_id: uuid.UUID, page: PageParams
    ) -> Page[AdvanceRead]:
        await self.organizations.require_role(principal, organization_id, Role.admin)
        advances, total = await self.repo.advances(producer_id=organization_id, offset=page.offset, limit=page.per_page)
        return Page(
            items=[await self._read(advance) for advance in advances],
            page=page.page,
            per_page=page.per_page,
            total=total,
        )

    async def advances_of_order(self, principal: Principal, order_id: uuid.UUID) -> list[AdvanceRead]:
        """Every advance asked for against the order, oldest first (its producer's admins; 404 for anyone else)."""
        found = await self.repo.order_and_invoice(order_id)
        if (
            found is None
            or (await self.organizations.standing(principal, found[0].producer_organization_id)).role is None
        ):
            raise NotFound("no such order")
        await self.organizations.require_role(principal, found[0].producer_organization_id, Role.admin)
        advances, _ = await self.repo.advances(order_id=order_id, limit=MAX_PER_PAGE)
        return [await self._read(advance) for advance in advances]

    async def read(self, principal: Principal, advance_id: uuid.UUID) -> AdvanceRead:
        return await self._read(await self._visible(principal, advance_id))

    # --- the officers -------------------------------------------------------------------------

    async def decide(self, principal: Principal, advance_id: uuid.UUID, data: AdvanceDecide) -> AdvanceRead:
        """An officer approves or declines a request, saying why. One refusal declines it; it is
        approved by one officer, or by two different ones when above the currency's threshold.

        Raises `NotAnOfficer` (403, `_as_officer_of`), `AdvanceState` (409) when it is not waiting for
        a decision, the officer already gave theirs, or the order no longer qualifies.
        """
        advance, order, invoice = await self._as_officer_of(principal, advance_id)
        if advance.status is not AdvanceStatus.requested:
            raise AdvanceState(f"the advance is {advance.status.value.replace('_', ' ')}, not waiting for a decision")
        decisions = await self.repo.decisions(advance.id)
        if any(decision.officer_id == principal.user_id for decision in decisions):
            raise AdvanceState("you already decided on this advance; a second approval comes from another officer")
        if data.approve:
            _still_qualifies(order, invoice)
        self.session.add(
            AdvanceDecision(
                advance_id=advance.id, officer_id=principal.user_id, approve=data.approve, reason=data.reason
            )
        )
        await self.session.flush()
        if not data.approve:
            return await self._change(
                principal, advance, "advance.declined", status=AdvanceStatus.declined, reason=data.reason
            )
        terms = await self._currency_terms(await self._consortium(advance.consortium_id), advance.currency)
        approvals = 1 + sum(decision.approve for decision in decisions)
        if approvals >= _approvals_needed(advance, terms):
            return await self._change(principal, advance, "advance.approved", status=AdvanceStatus.approved)
        return await self._change(principal, advance, "advance.approval_given", status=AdvanceStatus.requested)

    async def disburse(self, principal: Principal, advance_id: uuid.UUID, data: MoneyMoved) -> AdvanceRead:
        """An officer confirms the bank transfer that paid the advance out: the principal leaves the
        funders' cash in proportion to what each has, the fee is charged, and the order's invoice is
        assigned to the consortium.

        Raises `AdvanceState` unless approved and the order still qualifies (confirmed, its invoice
        unpaid and not yet due), `InvalidInput` for a day in the future or before the request.
        """
        advance, order, invoice = await self._as_officer_of(principal, advance_id)
        if advance.status is not AdvanceStatus.approved:
            raise AdvanceState(
                f"the advance is {advance.status.value.replace('_', ' ')}; only an approved one is paid out"
            )
        _still_qualifies(order, invoice)
        consortium = await self._consortium(advance.consortium_id)
        terms = await self._currency_terms(consortium, advance.currency, lock=True)
        on = self._day(data.on, advance.created_at.date())
        cash = {
            funder: amount
            for funder, amount in ledger.of_account(
                await ledger.consortium_balances(self.session, consortium.id, advance.currency), Account.cash
            ).items()
            if amount > 0
        }
        if sum(cash.values()) < advance.principal_minor:
            raise AdvanceState(
                "the funders' cash in this currency does not cover the advance; record their capital first"
            )
        lent = ledger.split(advance.principal_minor, cash)
        fees = ledger.split(advance.fee_minor, lent)
        lines = [Line(Account.advances, part, funder) for funder, part in lent.items()]
        lines += [Line(Account.cash, -part, funder) for funder, part in lent.items()]
        lines += [Line(Account.fees_receivable, part, funder) for funder, part in fees.items()]
        lines += [Line(Account.fee_income, -part, funder) for funder, part in fees.items()]
        await ledger.post(
            self.session,
            consortium_id=consortium.id,
            currency=advance.currency,
            kind=EntryKind.disbursement,
            lines=lines,
            booked_on=on,
            advance_id=advance.id,
            reference=data.reference,
            booked_by=principal.user_id,
        )
        await self.invoices.assign(
            advance.order_id,
            assignee=consortium.name,
            iban=terms.collection_iban,
            notice=consortium.notice_of_assignment,
        )
        advance.disbursed_on, advance.disbursement_reference = on, data.reference
        return await self._change(principal, advance, "advance.disbursed", status=AdvanceStatus.disbursed)

    async def record_buyer_payment(
        self, principal: Principal, advance_id: uuid.UUID, data: MoneyReceived
    ) -> AdvanceRead:
        """An officer records a payment from the buyer on the collection account (the whole of what
        the invoice asks, or part): the advance and its fee are repaid first, the rest is owed to
        the producer; the invoice is paid once what it asks is collected. A payment after a write-off
        goes back to those who bore the loss (`waterfall.recovery`).

        Raises `InvalidInput` for more than the buyer still owes, `AdvanceState` before the payout.
        """
        advance, _, invoice = await self._as_officer_of(principal, advance_id)
        if advance.status not in {*OWING, AdvanceStatus.repaid, AdvanceStatus.written_off}:
            raise AdvanceState(
                f"the advance is {advance.status.value.replace('_', ' ')}; payments are recorded once it is paid out"
            )
        was = advance.status
        now = await waterfall.position(self.session, advance, invoice)
        if data.amount_minor > now.receivable_minor:
            raise InvalidInput.field(
                "amount_minor", f"the buyer owes {now.receivable_minor} (minor units) on the invoice, less than this"
            )
        on = self._day(data.on, advance.disbursed_on or advance.created_at.date())
        await waterfall.collect(
            self.session,
            advance,
            data.amount_minor,
            kind=EntryKind.collection,
            on=on,
            reference=data.reference,
            booked_by=principal.user_id,
        )
        if data.amount_minor == now.receivable_minor and invoice is not None:
            await self.invoices.settle_assigned(principal, advance.order_id, on)
        return await self._change(
            principal, advance, "advance.buyer_paid", status=advance.status, after_data=data, was=was
        )

    async def record_repayment(self, principal: Principal, advance_id: uuid.UUID, data: MoneyReceived) -> AdvanceRead:
        """An officer records a repayment from the producer (an instalment, or all of it at once).

        Raises `InvalidInput` for more than the advance still owes, `AdvanceState` when it owes nothing.
        """
        advance, _, _ = await self._as_officer_of(principal, advance_id)
        if advance.status not in OWING:
            raise AdvanceState(f"the advance is {advance.status.value.replace('_', ' ')} and owes nothing")
        was = advance.status
        owed = Owed.of(await ledger.advance_balances(self.session, advance.id))
        if data.amount_minor > owed.total_minor:
            raise InvalidInput.field(
                "amount_minor", f"the advance owes {owed.total_minor} (minor units), less than this"
            )
        on = self._day(data.on, advance.disbursed_on or advance.created_at.date())
        await waterfall.collect(
            self.session,
            advance,
            data.amount_minor,
            kind=EntryKind.producer_repayment,
            on=on,
            reference=data.reference,
            booked_by=principal.user_id,
        )
        return await self._change(
            principal, advance, "advance.producer_repaid", status=advance.status, after_data=data, was=was
        )

    async def remit(self, principal: Principal, advance_id: uuid.UUID, data: MoneyMoved) -> AdvanceRead:
        """An officer confirms the transfer passing on to the producer what was collected beyond the advance."""
        advance, _, _ = await self._as_officer_of(principal, advance_id)
        owed = Owed.of(await ledger.advance_balances(self.session, advance.id))
        if owed.producer_payable <= 0:
            raise AdvanceState("nothing collected is owed to the producer")
        on = self._day(data.on, advance.disbursed_on or advance.created_at.date())
        await ledger.post(
            self.session,
            consortium_id=advance.consortium_id,
            currency=advance.currency,
            kind=EntryKind.remittance,
            lines=[
                Line(Account.producer_payable, owed.producer_payable),
                Line(Account.collections, -owed.producer_payable),
            ],
            booked_on=on,
            advance_id=advance.id,
            reference=data.reference,
            booked_by=principal.user_id,
        )
        return await self._change(principal, advance, "advance.remitted", status=advance.status, after_data=data)

    # --- helpers ------------------------------------------------------------------------------

    async def _consortium(self, consortium_id: uuid.UUID) -> Consortium:
        consortium = await self.repo.consortium(consortium_id)
        if consortium is None:
            raise ConsortiumNotFound("no such consortium")
        return consortium

    async def _as_officer(self, principal: Principal, consortium_id: uuid.UUID) -> Consortium:
        """The consortium, if the caller is one of its officers (404 otherwise: its books are not public)."""
        consortium = await self._consortium(consortium_id)
        if not await self.repo.is_officer(consortium.id, principal.user_id):
            raise ConsortiumNotFound("no such consortium")
        require_verified_email(principal)
        return consortium

    async def _visible(self, principal: Principal, advance_id: uuid.UUID, *, lock: bool = False) -> Advance:
        """The advance, for its consortium's officers and its producer's admins (404 for anyone else)."""
        advance = await self.repo.advance(advance_id, lock=lock)
        if advance is None:
            raise AdvanceNotFound("no such advance")
        if await self.repo.is_officer(advance.consortium_id, principal.user_id):
            return advance
        standing = await self.organizations.standing(principal, advance.producer_organization_id)
        if standing.role is None or standing.role is Role.member:
            raise AdvanceNotFound("no such advance")
        return advance

    async def _as_officer_of(
        self, principal: Principal, advance_id: uuid.UUID
    ) -> tuple[Advance, Order, Invoice | None]:
        """The advance, its order and invoice, locked (order, invoice, then advance: the order's own moves
        lock in that order too), if the caller is one of its consortium's officers and a member of
        neither side of the order (`NotAnOfficer`: nobody acts on their own organisation's advance)."""
        found = await self._visible(principal, advance_id)
        if not await self.repo.is_officer(found.consortium_id, principal.user_id):
            raise NotAnOfficer("only the consortium's officers do this")
        require_verified_email(principal)
        for side in (found.producer_organization_id, found.buyer_organization_id):
            if (await self.organizations.standing(principal, side)).is_member:
                raise NotAnOfficer("an officer does not act on an advance to or against their own organisation")
        order_invoice = await self.repo.order_and_invoice(found.order_id, lock=True)
        advance = await self.repo.advance(advance_id, lock=True)
        if order_invoice is None or advance is None:
            raise AdvanceNotFound("no such advance")
        return advance, *order_invoice

    async def _producers_order(
        self, principal: Principal, order_id: uuid.UUID, *, field: str | None = None, lock: bool = False
    ) -> tuple[Order, Invoice | None, Consortium]:
        found = await self.repo.order_and_invoice(order_id, lock=lock)
        missing = (
            InvalidInput.field(field, "no such order of your organisation") if field else NotFound("no such order")
        )
        if found is None:
            raise missing
        order, invoice = found
        standing = await self.organizations.standing(principal, order.producer_organization_id)
        if standing.role is None:
            raise missing
        await self.organizations.require_role(principal, order.producer_organization_id, Role.admin)
        consortium = await self.repo.consortium_of_hub(order.hub_id)
        if consortium is None:
            raise ConsortiumNotFound("the order's hub has no microfinance consortium")
        return order, invoice, consortium

    async def _currency_terms(
        self, consortium: Consortium, currency: str, *, lock: bool = False, field: str = "order_id"
    ) -> ConsortiumCurrency:
        """The consortium's terms in the order's currency (`AdvanceRefused` naming `field` if it lends in no such)."""
        terms = await self.repo.currency_terms(consortium.id, currency, lock=lock)
        if terms is None:
            message = f"{consortium.name} does not lend in {currency}"
            raise AdvanceRefused(message, errors=[FieldError(field=located(field), message=message)])
        return terms

    async def _judge(
        self, consortium: Consortium, terms: ConsortiumCurrency, order: Order, invoice: Invoice | None
    ) -> Offer:
        rules = Rules(
            advance_share_bp=consortium.advance_share_bp,
            flat_fee_bp=consortium.flat_fee_bp,
            annual_rate_bp=consortium.annual_rate_bp,
            max_tenor_days=consortium.max_tenor_days,
            min_completed_orders=consortium.min_completed_orders,
            max_per_producer_minor=terms.max_per_producer_minor,
            max_per_buyer_minor=terms.max_per_buyer_minor,
            inclusion={
                term.attribute: (term.share_bonus_bp, term.fee_discount_bp, term.rate_discount_bp)
                for term in await self.repo.inclusion_terms(consortium.id)
            },
        )
        cash = ledger.total(await ledger.consortium_balances(self.session, consortium.id, order.currency), Account.cash)
        facts = Facts(
            today=clock.today(),
            payment_method=order.payment_method,
            order_status=order.status,
            invoice_status=None if invoice is None else invoice.status,
            receivable_minor=0 if invoice is None else invoice.due_minor,
            due_on=None if invoice is None else invoice.due_on,
            verified=await self.repo.verified_attributes(order.producer_organization_id),
            delivered_orders=await self.repo.delivered_orders(order.producer_organization_id),
            written_off=await self.repo.written_off(consortium.id, order.producer_organization_id),
            producer_exposure_minor=await self.repo.exposure(
                consortium.id, order.currency, producer_id=order.producer_organization_id
            ),
            buyer_exposure_minor=await self.repo.exposure(
                consortium.id, order.currency, buyer_id=order.buyer_organization_id
            ),
            capital_available_minor=cash - await self.repo.reserved(consortium.id, order.currency),
        )
        return offer(rules, facts)

    def _day(self, day: dt.date | None, earliest: dt.date) -> dt.date:
        today = clock.today()
        on = day or today
        if on > today:
            raise InvalidInput.field("on", "cannot be in the future")
        if on < earliest:
            raise InvalidInput.field("on", f"cannot be before {earliest.isoformat()}")
        return on

    async def _change(
        self,
        principal: Principal,
        advance: Advance,
        action: str,
        *,
        status: AdvanceStatus,
        reason: str | None = None,
        after_data: MoneyReceived | MoneyMoved | None = None,
        was: AdvanceStatus | None = None,
    ) -> AdvanceRead:
        """Set the advance's status (and reason), audit the change (`was`: its status before the
        caller's own changes) and read it back."""
        before = was or advance.status
        advance.status = status
        if reason is not None:
            advance.reason = reason
        await self.session.flush()
        read = await self._read(advance)
        await audit.record(
            self.session,
            principal,
            action,
            object_type="advance",
            object_id=advance.id,
            organization_id=advance.producer_organization_id,
            hub_id=advance.hub_id,
            before={"status": before.value},
            after={"status": status.value, "reason": reason, **({"money": after_data} if after_data else {})},
        )
        return read

    async def _read(self, advance: Advance) -> AdvanceRead:
        consortium = await self._consortium(advance.consortium_id)
        terms = await self._currency_terms(consortium, advance.currency)
        decisions = await self.repo.decisions(advance.id)
        names = await self.repo.names([decision.officer_id for decision in decisions])
        owed = Owed.of(await ledger.advance_balances(self.session, advance.id))
        sums = await self.repo.sums(advance.id)
        owing_accounts = (Account.fees_receivable, Account.advances, Account.advances_in_arrears)

        def taken_off(*kinds: EntryKind) -> int:
            """What entries of `kinds` took off what the advance owes."""
            return -sum(
                amount for (kind, account), amount in sums.items() if kind in kinds and account in owing_accounts
            )

        repaid = taken_off(EntryKind.collection, EntryKind.producer_repayment)
        written_off = taken_off(EntryKind.write_off)
        passed_on = sums.get((EntryKind.remittance, Account.producer_payable), 0)
        currency = advance.currency

        def money(amount: int) -> Amount:
            return Amount(amount_minor=amount, currency=currency)

        return AdvanceRead(
            id=advance.id,
            consortium_id=consortium.id,
            consortium_name=consortium.name,
            order_id=advance.order_id,
            producer_organization_id=advance.producer_organization_id,
            buyer_organization_id=advance.buyer_organization_id,
            status=advance.status,
            owed_by_buyer_when_asked=money(advance.receivable_minor),
            principal=money(advance.principal_minor),
            fee=money(advance.fee_minor),
            due_on=advance.due_on,
            requested_at=advance.created_at,
            approvals_needed=_approvals_needed(advance, terms),
            decisions=[
                DecisionRead(
                    officer_id=decision.officer_id,
                    officer_name=names.get(decision.officer_id, ""),
                    approve=decision.approve,
                    reason=decision.reason,
                    at=decision.created_at,
                )
                for decision in decisions
            ],
            reason=advance.reason,
            disbursed_on=advance.disbursed_on,
            disbursement_reference=advance.disbursement_reference,
            outstanding=money(owed.total_minor),
            repaid=money(repaid),
            written_off=money(written_off),
            owed_to_producer=money(owed.producer_payable),
            passed_on_to_producer=money(passed_on),
            instalments=[
                InstalmentRead(number=i.number, due_on=i.due_on, amount=money(i.amount_minor))
                for i in await self.repo.instalments(advance.id)
            ],
            in_arrears_since=advance.in_arrears_since,
            settled_on=advance.settled_on,
            pay_to_iban=terms.collection_iban,
            entries=[
                EntryRead(kind=entry.kind, booked_on=entry.booked_on, reference=entry.reference)
                for entry in await self.repo.entries(advance.id)
            ],
        )

    async def _books(self, consortium_id: uuid.UUID, currency: str) -> BooksRead:
        balances = await ledger.consortium_balances(self.session, consortium_id, currency)
        names = {funder.id: funder.name for funder in await self.repo.funders(consortium_id)}

        def money(amount: int) -> Amount:
            return Amount(amount_minor=amount, currency=currency)

        return BooksRead(
            currency=currency,
            lines=[
                FunderBalance(
                    funder_id=funder,
                    name=None if funder is None else names.get(funder),
                    account=account.value,
                    balance=money(amount),
                )
                for (account, funder), amount in sorted(
                    balances.items(), key=lambda item: (item[0][0].value, str(item[0][1]))
                )
                if amount
            ],
            cash_available=money(
                ledger.total(balances, Account.cash) - await self.repo.reserved(consortium_id, currency)
            ),
            principal_outstanding=money(ledger.total(balances, Account.advances, Account.advances_in_arrears)),
            fees_receivable=money(ledger.total(balances, Account.fees_receivable)),
        )

    async def _consortium_read(self, consortium: Consortium, principal: Principal) -> ConsortiumRead:
        officers = await self.repo.officers(consortium.id)
        return ConsortiumRead(
            id=consortium.id,
            name=consortium.name,
            hub_ids=await self.repo.hub_ids(consortium.id),
            advance_share_percent=percent(consortium.advance_share_bp),
            flat_fee_percent=percent(consortium.flat_fee_bp),
            annual_rate_percent=percent(consortium.annual_rate_bp),
            max_tenor_days=consortium.max_tenor_days,
            min_completed_orders=consortium.min_completed_orders,
            arrears_write_off_days=consortium.arrears_write_off_days,
            repayment_instalments=consortium.repayment_instalments,
            notice_of_assignment=consortium.notice_of_assignment,
            currencies=[
                CurrencyTermsRead(
                    currency=terms.currency,
                    max_per_producer=Amount(amount_minor=terms.max_per_producer_minor, currency=terms.currency),
                    max_per_buyer=Amount(amount_minor=terms.max_per_buyer_minor, currency=terms.currency),
                    second_approval_above=Amount(
                        amount_minor=terms.second_approval_above_minor, currency=terms.currency
                    ),
                    collection_iban=terms.collection_iban,
                    collection_bic=terms.collection_bic,
                )
                for terms in await self.repo.currencies(consortium.id)
            ],
            funders=[
                FunderRead(
                    id=funder.id,
                    name=funder.name,
                    country=funder.country,
                    guarantee_share_percent=percent(funder.guarantee_share_bp),
                )
                for funder in await self.repo.funders(consortium.id)
            ],
            officers=[OfficerRead(user_id=user_id, full_name=name) for user_id, name in officers],
            inclusion_terms=[
                InclusionTermsIn(
                    attribute=term.attribute,
                    share_bonus_percent=percent(term.share_bonus_bp),
                    fee_discount_percent=percent(term.fee_discount_bp),
                    rate_discount_percent=percent(term.rate_discount_bp),
                )
                for term in await self.repo.inclusion_terms(consortium.id)
            ],
            i_am_officer=any(user_id == principal.user_id for user_id, _ in officers),
        )


@dataclass(frozen=True)
class _ValidConsortium:
    share: int
    flat: int
    annual: int
    currencies: list[tuple[str, CurrencyTerms, str, str | None]]
    funders: list[tuple[str, str, int]]
    officers: list[uuid.UUID]
    inclusion: list[tuple[InclusionAttribute, int, int, int]]


def _still_qualifies(order: Order, invoice: Invoice | None) -> None:
    """Raises `AdvanceState` unless the order is still one to advance on: confirmed, its invoice unpaid
    and not yet due (it may have changed since the request)."""
    if order.status not in CONFIRMED:
        raise AdvanceState(f"the order is now {order.status.value.replace('_', ' ')}: it no longer qualifies")
    if invoice is None or invoice.status is not InvoiceStatus.issued or invoice.due_minor <= 0:
        raise AdvanceState("the order's invoice no longer asks the buyer for anything")
    if invoice.due_on <= clock.today():
        raise AdvanceState(f"the order's invoice fell due on {invoice.due_on.isoformat()}")


def _approvals_needed(advance: Advance, terms: ConsortiumCurrency) -> int:
    return 2 if advance.principal_minor > terms.second_approval_above_minor else 1


def _offer_read(order: Order, invoice: Invoice | None, consortium: Consortium, found: Offer) -> AdvanceOffer:
    currency = order.currency

    def money(amount: int) -> Amount:
        return Amount(amount_minor=amount, currency=currency)

    return AdvanceOffer(
        order_id=order.id,
        consortium_id=consortium.id,
        consortium_name=consortium.name,
        possible=found.possible,
        refusals=[Refusal(code=r.code, message=r.message) for r in found.refusals],
        owed_by_buyer=money(0 if invoice is None else invoice.due_minor),
        share_percent=percent(found.terms.share_bp),
        by_share=money(found.by_share_minor),
        producer_room=money(found.producer_room_minor),
        buyer_room=money(found.buyer_room_minor),
        capital_room=money(found.capital_room_minor),
        maximum=money(found.maximum_minor),
        flat_fee_percent=percent(found.terms.flat_fee_bp),
        annual_rate_percent=percent(found.terms.annual_rate_bp),
        days=found.days,
        fee_for_maximum=money(found.fee_minor(found.maximum_minor)),
        better_terms_for=list(found.terms.applied),
        due_on=None if invoice is None else invoice.due_on,
    )
