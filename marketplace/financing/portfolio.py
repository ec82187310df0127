"""The consortium's report for a period: flows by month, the portfolio and its risk at the period's
end, exposures, the funders' parts, who the money went to, and the totals in the reporting currency.

Every figure is read from the journal (amounts) and the advances (parties, arrears); nothing is
kept apart. Shares are of money paid out in the period and rounded half-up to two places.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.errors import NotFound
from kernel.fx import convert
from kernel.money import Money
from marketplace.dashboard.schemas import Period, months_between
from marketplace.financing import ledger
from marketplace.financing.models import PRINCIPAL, Account, Consortium, EntryKind
from marketplace.financing.repository import Disbursed, FinancingRepository, Flow, Outstanding
from marketplace.financing.schemas import (
    ConvertedTotals,
    CurrencyPortfolio,
    ExposureRow,
    FunderRow,
    PortfolioMonth,
    PortfolioReport,
    PublicPortfolio,
    PublicPortfolioRow,
    RateUsed,
)
from marketplace.organization.models import InclusionAttribute

_REPAID_BY = (EntryKind.collection, EntryKind.producer_repayment)
_OWED = (Account.fees_receivable, *PRINCIPAL)


def share(part: int, whole: int) -> Decimal | None:
    if whole == 0:
        return None
    return (Decimal(100) * part / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _month_row(month: str | None, currency: str, flows: Iterable[Flow], advances: int) -> PortfolioMonth:
    disbursed = repaid = fees = written_off = 0
    for flow in flows:
        if flow.kind is EntryKind.disbursement and flow.account is Account.advances:
            disbursed += flow.amount_minor
        if flow.kind in _REPAID_BY and flow.account in _OWED:
            repaid -= flow.amount_minor
        if flow.kind in _REPAID_BY and flow.account is Account.fees_receivable:
            fees -= flow.amount_minor
        if flow.kind is EntryKind.write_off and flow.account in _OWED:
            written_off -= flow.amount_minor
    return PortfolioMonth(
        month=month,
        currency=currency,
        advances_disbursed=advances,
        disbursed_minor=disbursed,
        repaid_minor=repaid,
        fee_income_minor=fees,
        written_off_minor=written_off,
    )


def _months(flows: list[Flow], currencies: list[str], period: Period, lent: list[Disbursed]) -> list[PortfolioMonth]:
    rows = []
    for currency in currencies:
        mine = [flow for flow in flows if flow.currency == currency]
        paid_out = [row.month for row in lent if row.currency == currency]
        rows.append(_month_row(None, currency, mine, len(paid_out)))
        rows += [
            _month_row(month, currency, [flow for flow in mine if flow.month == month], paid_out.count(month))
            for month in months_between(period.first_day, period.last_day)
        ]
    return rows


def _exposures(
    outstanding: list[Outstanding], names: dict[uuid.UUID, tuple[str, str]], *, by_buyer: bool
) -> list[ExposureRow]:
    totals: dict[tuple[uuid.UUID, str], list[int]] = defaultdict(lambda: [0, 0])
    for row in outstanding:
        key = (row.buyer_id if by_buyer else row.producer_id, row.currency)
        totals[key][0] += row.principal_minor
        totals[key][1] += 1
    return sorted(
        (
            ExposureRow(
                organization_id=organization_id,
                legal_name=names.get(organization_id, ("", ""))[0],
                country=names.get(organization_id, ("", ""))[1],
                currency=currency,
                outstanding_minor=amount,
                advances=count,
            )
            for (organization_id, currency), (amount, count) in totals.items()
        ),
        key=lambda row: (row.currency, -row.outstanding_minor, row.legal_name),
    )


async def report(session: AsyncSession, consortium: Consortium, period: Period) -> PortfolioReport:
    return (await _figures(session, consortium, period))[0]


async def open_data(session: AsyncSession, consortium: Consortium, year: int, minimum: int) -> PublicPortfolio:
    """The report's figures for a calendar year per currency, for anyone (the hub dashboards' rule of
    `minimum`): a currency's row is shown only when at least `minimum` producers and `minimum` buyers
    stand behind it — every advance with money moving in the year or outstanding at its end — and a
    share (women-led, cross-border ...) only when the producers in it and the producers outside it
    are each none or at least `minimum`, so no one firm's borrowing can be read from a row or a
    share. Only whole years are published (they never overlap, so no figure is the difference of
    two), and no months, exposures, funders or totals across rows."""
    period = Period(first_day=dt.date(year, 1, 1), last_day=dt.date(year, 12, 31))
    found, disbursed, outstanding = await _figures(session, consortium, period)
    moved = await FinancingRepository(session).parties_in(consortium.id, period.first_day, period.last_day)
    rows = []
    for portfolio in found.currencies:
        currency = portfolio.currency
        whole = next(row for row in found.months if row.currency == currency and row.month is None)
        behind = {(p, b) for c, p, b in moved if c == currency}
        behind |= {(row.producer_id, row.buyer_id) for row in outstanding if row.currency == currency}
        producers, buyers = len({p for p, _ in behind}), len({b for _, b in behind})
        hidden = producers < minimum or buyers < minimum
        lent = [row for row in disbursed if row.currency == currency]

        def share_of(
            value: Decimal | None, inside: set[uuid.UUID], hidden: bool = hidden, lent: list[Disbursed] = lent
        ) -> Decimal | None:
            outside = {row.producer_id for row in lent} - inside
            small = any(0 < len(group) < minimum for group in (inside, outside))
            return None if hidden or small else value

        def attribute(attribute: InclusionAttribute, lent: list[Disbursed] = lent) -> set[uuid.UUID]:
            return {row.producer_id for row in lent if attribute in row.verified}

        rows.append(
            PublicPortfolioRow(
                currency=currency,
                producers=producers,
                buyers=buyers,
                suppressed=hidden,
                advances_disbursed=None if hidden else whole.advances_disbursed,
                disbursed_minor=None if hidden else whole.disbursed_minor,
                repaid_minor=None if hidden else whole.repaid_minor,
                written_off_minor=None if hidden else whole.written_off_minor,
                outstanding_minor=None if hidden else portfolio.outstanding_minor,
                par30_percent=None if hidden else portfolio.par30_percent,
                women_led_percent=share_of(portfolio.women_led_percent, attribute(InclusionAttribute.women_led)),
                youth_led_percent=share_of(portfolio.youth_led_percent, attribute(InclusionAttribute.youth_led)),
                cooperative_percent=share_of(portfolio.cooperative_percent, attribute(InclusionAttribute.cooperative)),
                minority_led_percent=share_of(
                    portfolio.minority_led_percent, attribute(InclusionAttribute.minority_led)
                ),
                cross_border_percent=share_of(
                    portfolio.cross_border_percent,
                    {row.producer_id for row in lent if row.producer_country != row.buyer_country},
                ),
            )
        )
    return PublicPortfolio(
        consortium_id=consortium.id,
        consortium_name=consortium.name,
        year=year,
        minimum_group_size=minimum,
        currencies=rows,
    )


async def _figures(
    session: AsyncSession, consortium: Consortium, period: Period
) -> tuple[PortfolioReport, list[Disbursed], list[Outstanding]]:
    repo = FinancingRepository(session)
    currencies = [terms.currency for terms in await repo.currencies(consortium.id)]
    flows = await repo.flows(consortium.id, period.first_day, period.last_day)
    outstanding = await repo.outstanding_on(consortium.id, period.last_day)
    disbursed = await repo.disbursed_in(consortium.id, period.first_day, period.last_day)
    names = await repo.organization_names(
        sorted({row.producer_id for row in outstanding} | {row.buyer_id for row in outstanding}, key=str)
    )
    portfolios = []
    for currency in currencies:
        owed = [row for row in outstanding if row.currency == currency]
        total = sum(row.principal_minor for row in owed)
        par30 = _at_risk(owed, period.last_day, 30)
        par90 = _at_risk(owed, period.last_day, 90)
        lent = [row for row in disbursed if row.currency == currency]
        lent_total = sum(row.principal_minor for row in lent)
        to = {
            attribute: share(sum(row.principal_minor for row in lent if attribute in row.verified), lent_total)
            for attribute in InclusionAttribute
        }

        portfolios.append(
            CurrencyPortfolio(
                currency=currency,
                outstanding_minor=total,
                advances_outstanding=len(owed),
                par30_minor=par30,
                par30_percent=share(par30, total),
                par90_minor=par90,
                par90_percent=share(par90, total),
                disbursed_minor=lent_total,
                women_led_percent=to[InclusionAttribute.women_led],
                youth_led_percent=to[InclusionAttribute.youth_led],
                cooperative_percent=to[InclusionAttribute.cooperative],
                minority_led_percent=to[InclusionAttribute.minority_led],
                cross_border_percent=share(
                    sum(row.principal_minor for row in lent if row.producer_country != row.buyer_country), lent_total
                ),
            )
        )
    months = _months(flows, currencies, period, disbursed)
    found = PortfolioReport(
        consortium_id=consortium.id,
        consortium_name=consortium.name,
        first_day=period.first_day,
        last_day=period.last_day,
        currencies=portfolios,
        months=months,
        producers=_exposures(outstanding, names, by_buyer=False),
        buyers=_exposures(outstanding, names, by_buyer=True),
        funders=await _funders(session, consortium, currencies, period.last_day),
        in_reporting_currency=await _converted(
            session, await repo.reporting_currency(consortium.id), portfolios, months, period.last_day
        ),
    )
    return found, disbursed, outstanding


def _at_risk(owed: list[Outstanding], day: dt.date, days: int) -> int:
    return sum(
        row.principal_minor
        for row in owed
        if row.in_arrears_since is not None and (day - row.in_arrears_since).days > days
    )


async def _funders(
    session: AsyncSession, consortium: Consortium, currencies: list[str], day: dt.date
) -> list[FunderRow]:
    funders = await FinancingRepository(session).funders(consortium.id)
    rows = []
    for currency in currencies:
        balances = await ledger.consortium_balances(session, consortium.id, currency, day)

        def of(account: Account, funder: uuid.UUID, balances: ledger.Balances = balances) -> int:
            return balances.get((account, funder), 0)

        for funder in funders:
            guarantee = -of(Account.guarantee_fund, funder.id)
            rows.append(
                FunderRow(
                    funder_id=funder.id,
                    name=funder.name,
                    currency=currency,
                    capital_minor=-of(Account.capital, funder.id),
                    cash_minor=of(Account.cash, funder.id),
                    lent_minor=sum(of(account, funder.id) for account in PRINCIPAL),
                    fees_charged_minor=-of(Account.fee_income, funder.id),
                    guarantee_minor=guarantee,
                    guarantee_left_minor=of(Account.guarantee_cash, funder.id),
                    write_offs_minor=of(Account.write_offs, funder.id),
                )
            )
    return rows


async def _converted(
    session: AsyncSession,
    target: str | None,
    portfolios: list[CurrencyPortfolio],
    months: list[PortfolioMonth],
    day: dt.date,
) -> ConvertedTotals | None:
    if target is None:
        return None
    totals: dict[str, int] = defaultdict(int)
    rates = []
    whole = {row.currency: row for row in months if row.month is None}
    try:
        for portfolio in portfolios:
            figures = {
                "outstanding_minor": portfolio.outstanding_minor,
                "disbursed_minor": whole[portfolio.currency].disbursed_minor,
                "repaid_minor": whole[portfolio.currency].repaid_minor,
                "fee_income_minor": whole[portfolio.currency].fee_income_minor,
                "written_off_minor": whole[portfolio.currency].written_off_minor,
            }
            if portfolio.currency == target:
                for name, amount in figures.items():
                    totals[name] += amount
                continue
            for name, amount in figures.items():
                conversion = await convert(
                    session, Money(amount_minor=amount, currency=portfolio.currency), target, day
                )
                totals[name] += conversion.converted.amount_minor
            rates.append(
                RateUsed(
                    currency=portfolio.currency, rate=conversion.rate, as_of=conversion.as_of, source=conversion.source
                )
            )
    except NotFound:
        return None
    return ConvertedTotals(currency=target, rates=rates, **totals)
