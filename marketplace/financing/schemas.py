"""Wire formats of consortia, advances and the consortium's books.

Shares, fees and rates are percentages on the wire (decimal strings, at most two places: "70",
"1.5"), basis points inside; money is `amount_minor` + `currency` as everywhere.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated

import msgspec

from kernel.money import Amount
from kernel.validation import Day, bounded
from marketplace.financing.models import AdvanceStatus, EntryKind
from marketplace.organization.models import InclusionAttribute

Percent = Annotated[
    Decimal,
    msgspec.Meta(description='Decimal string from 0 to 100, at most 2 decimal places: "70" for 70 %', examples=["70"]),
    bounded(places=2, below=1000),
]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=1000)]
Reference = Annotated[
    str,
    msgspec.Meta(
        min_length=1, max_length=140, description="The bank transfer's reference", examples=["SEPA 2026-12-07 0042"]
    ),
]
MinorAmount = Annotated[int, msgspec.Meta(gt=0, le=2**62, description="In the currency's minor units (cents, grosze)")]
Limit = Annotated[int, msgspec.Meta(gt=0, le=2**62, description="In the currency's minor units")]


class CurrencyTerms(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A currency the consortium lends in."""

    currency: str
    max_per_producer_minor: Limit
    max_per_buyer_minor: Limit
    second_approval_above_minor: Annotated[int, msgspec.Meta(ge=0, le=2**62)]
    """Advances above this need two officers' approvals; 0 asks two for every advance."""
    collection_iban: str
    collection_bic: str | None = None


class FunderCreate(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    name: Name
    country: str
    guarantee_share_percent: Percent
    """Its share of every write-off; the funders' shares add up to 100."""


class InclusionTermsIn(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    attribute: InclusionAttribute
    share_bonus_percent: Percent = Decimal(0)
    fee_discount_percent: Percent = Decimal(0)
    rate_discount_percent: Percent = Decimal(0)


class ConsortiumCreate(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    name: Name
    hub_ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=20)]
    advance_share_percent: Percent
    flat_fee_percent: Percent
    annual_rate_percent: Percent
    max_tenor_days: Annotated[int, msgspec.Meta(ge=1, le=730)]
    min_completed_orders: Annotated[int, msgspec.Meta(ge=0, le=1000)] = 0
    arrears_write_off_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 90
    repayment_instalments: Annotated[int, msgspec.Meta(ge=1, le=24)] = 3
    notice_of_assignment: bool = True
    currencies: Annotated[list[CurrencyTerms], msgspec.Meta(min_length=1, max_length=10)]
    funders: Annotated[list[FunderCreate], msgspec.Meta(min_length=1, max_length=50)]
    officer_emails: Annotated[list[str], msgspec.Meta(min_length=2, max_length=50)]
    """Registered accounts that decide on advances; at least two, for the four-eyes rule."""
    inclusion_terms: Annotated[list[InclusionTermsIn], msgspec.Meta(max_length=4)] = []


class CurrencyTermsRead(msgspec.Struct, kw_only=True, frozen=True):
    currency: str
    max_per_producer: Amount
    max_per_buyer: Amount
    second_approval_above: Amount
    collection_iban: str
    collection_bic: str | None


class FunderRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    name: str
    country: str
    guarantee_share_percent: Decimal


class OfficerRead(msgspec.Struct, kw_only=True, frozen=True):
    user_id: uuid.UUID
    full_name: str


class ConsortiumRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    name: str
    hub_ids: list[uuid.UUID]
    advance_share_percent: Decimal
    flat_fee_percent: Decimal
    annual_rate_percent: Decimal
    max_tenor_days: int
    min_completed_orders: int
    arrears_write_off_days: int
    repayment_instalments: int
    notice_of_assignment: bool
    currencies: list[CurrencyTermsRead]
    funders: list[FunderRead]
    officers: list[OfficerRead]
    inclusion_terms: list[InclusionTermsIn]
    i_am_officer: bool


class Commitment(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """Money a funder puts up: lending capital, guarantee money, or both."""

    funder_id: uuid.UUID
    currency: str
    capital_minor: Annotated[int, msgspec.Meta(ge=0, le=2**62)] = 0
    guarantee_minor: Annotated[int, msgspec.Meta(ge=0, le=2**62)] = 0
    reference: Reference


class FunderBalance(msgspec.Struct, kw_only=True, frozen=True):
    funder_id: uuid.UUID | None
    """None for the collection account (buyers' payments passing through)."""
    name: str | None
    account: str
    balance: Amount
    """Debit positive, credit negative."""


class BooksRead(msgspec.Struct, kw_only=True, frozen=True):
    """The consortium's balances in one currency, each derived from the journal."""

    currency: str
    lines: list[FunderBalance]
    cash_available: Amount
    principal_outstanding: Amount
    fees_receivable: Amount


class Refusal(msgspec.Struct, kw_only=True, frozen=True):
    code: str
    message: str


class AdvanceOffer(msgspec.Struct, kw_only=True, frozen=True):
    """What the consortium may advance against an order today, and why not."""

    order_id: uuid.UUID
    consortium_id: uuid.UUID
    consortium_name: str
    possible: bool
    refusals: list[Refusal]
    owed_by_buyer: Amount
    share_percent: Decimal
    by_share: Amount
    producer_room: Amount
    buyer_room: Amount
    capital_room: Amount
    maximum: Amount
    flat_fee_percent: Decimal
    annual_rate_percent: Decimal
    days: int
    """From today to the invoice's due date."""
    fee_for_maximum: Amount
    better_terms_for: list[InclusionAttribute]
    due_on: dt.date | None


class AdvanceAsk(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    order_id: uuid.UUID
    amount_minor: MinorAmount | None = None
    """In the order's currency; omitted, the most the consortium may advance."""


class AdvanceDecide(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    approve: bool
    reason: Reason


class Withdrawal(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    reason: Reason


class MoneyMoved(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A bank transfer an officer confirms: the advance paid out, or the rest passed on to the producer."""

    reference: Reference
    on: Day | None = None
    """The day the transfer was made; today when omitted."""


class MoneyReceived(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """A payment received on the consortium's collection account: the buyer's, or the producer's repayment."""

    amount_minor: MinorAmount
    reference: Reference
    on: Day | None = None


class DecisionRead(msgspec.Struct, kw_only=True, frozen=True):
    officer_id: uuid.UUID
    officer_name: str
    approve: bool
    reason: str
    at: dt.datetime


class InstalmentRead(msgspec.Struct, kw_only=True, frozen=True):
    number: int
    due_on: dt.date
    amount: Amount


class EntryRead(msgspec.Struct, kw_only=True, frozen=True):
    kind: EntryKind
    booked_on: dt.date
    reference: str | None


class AdvanceRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    consortium_id: uuid.UUID
    consortium_name: str
    order_id: uuid.UUID
    producer_organization_id: uuid.UUID
    buyer_organization_id: uuid.UUID
    status: AdvanceStatus
    owed_by_buyer_when_asked: Amount
    principal: Amount
    fee: Amount
    due_on: dt.date
    requested_at: dt.datetime
    approvals_needed: int
    decisions: list[DecisionRead]
    reason: str | None
    disbursed_on: dt.date | None
    disbursement_reference: str | None
    outstanding: Amount
    """Principal and fee still owed: disbursed + fee - repaid - written off."""
    repaid: Amount
    """Principal and fee repaid, from the buyer's payment or by the producer."""
    written_off: Amount
    """Principal and fee still owed when it was written off."""
    owed_to_producer: Amount
    """Collected from the buyer beyond the advance and fee, not yet passed on."""
    passed_on_to_producer: Amount
    instalments: list[InstalmentRead]
    in_arrears_since: dt.date | None
    settled_on: dt.date | None
    pay_to_iban: str
    """Where the buyer pays (the invoice's notice of assignment) and the producer repays."""
    entries: list[EntryRead]


class PortfolioMonth(msgspec.Struct, kw_only=True, frozen=True):
    """Money that moved in one month (or, with `month` None, the whole period), in one currency."""

    month: str | None
    currency: str
    advances_disbursed: int
    disbursed_minor: int
    repaid_minor: int
    """Principal and fees repaid, by buyers' payments and producers' repayments."""
    fee_income_minor: int
    """Fees received (cash basis)."""
    written_off_minor: int
    """Principal and fees written off."""


class CurrencyPortfolio(msgspec.Struct, kw_only=True, frozen=True):
    """The portfolio in one currency at the end of the period, and what was lent in it during the period."""

    currency: str
    outstanding_minor: int
    """Principal owed at the end of the period."""
    advances_outstanding: int
    par30_minor: int
    """Portfolio at risk: principal of advances more than 30 days behind at the end of the period."""
    par30_percent: Decimal | None
    par90_minor: int
    par90_percent: Decimal | None
    disbursed_minor: int
    """Paid out during the period; the shares below are of this."""
    women_led_percent: Decimal | None
    youth_led_percent: Decimal | None
    cooperative_percent: Decimal | None
    minority_led_percent: Decimal | None
    """Shares of what was paid out that went to producers a hub verified as such (an advance counts
    for each attribute its producer has)."""
    cross_border_percent: Decimal | None
    """Share of what was paid out against orders whose buyer is in another country than the producer."""


class ExposureRow(msgspec.Struct, kw_only=True, frozen=True):
    organization_id: uuid.UUID
    legal_name: str
    country: str
    currency: str
    outstanding_minor: int
    advances: int


class FunderRow(msgspec.Struct, kw_only=True, frozen=True):
    """One funder's part of the books in one currency at the end of the period."""

    funder_id: uuid.UUID
    name: str
    currency: str
    capital_minor: int
    cash_minor: int
    lent_minor: int
    """Principal its money is in."""
    fees_charged_minor: int
    """Fees charged on what it lent, less fees written off unpaid (received or still to come)."""
    guarantee_minor: int
    guarantee_left_minor: int
    write_offs_minor: int
    """What it lost to write-offs: its guarantee share, and as a lender what the guarantee did not cover."""


class RateUsed(msgspec.Struct, kw_only=True, frozen=True):
    currency: str
    rate: Decimal
    """Units of the reporting currency per unit of `currency`."""
    as_of: dt.date
    source: str


class ConvertedTotals(msgspec.Struct, kw_only=True, frozen=True):
    """The currencies' figures added up in the reporting currency at the rates of the period's last day."""

    currency: str
    outstanding_minor: int
    disbursed_minor: int
    repaid_minor: int
    fee_income_minor: int
    written_off_minor: int
    rates: list[RateUsed]


class PortfolioReport(msgspec.Struct, kw_only=True, frozen=True):
    """What a consortium reports to its municipalities for a period of whole months."""

    consortium_id: uuid.UUID
    consortium_name: str
    first_day: dt.date
    last_day: dt.date
    currencies: list[CurrencyPortfolio]
    months: list[PortfolioMonth]
    """Per currency: the whole period first, then every month."""
    producers: list[ExposureRow]
    buyers: list[ExposureRow]
    funders: list[FunderRow]
    in_reporting_currency: ConvertedTotals | None
    """None when no recorded rate connects a currency to the reporting one."""


class PublicPortfolioRow(msgspec.Struct, kw_only=True, frozen=True):
    """One currency's lending in the period, published only when enough organisations stand behind it."""

    currency: str
    producers: int
    """Distinct producers with money moving on an advance in the year, or one outstanding at its end."""
    buyers: int
    """Distinct buyers against whose orders they were."""
    suppressed: bool
    """Fewer than `minimum_group_size` producers or buyers: the figures are not shown."""
    advances_disbursed: int | None
    disbursed_minor: int | None
    repaid_minor: int | None
    written_off_minor: int | None
    outstanding_minor: int | None
    par30_percent: Decimal | None
    women_led_percent: Decimal | None
    youth_led_percent: Decimal | None
    cooperative_percent: Decimal | None
    minority_led_percent: Decimal | None
    cross_border_percent: Decimal | None
    """A share is null too when fewer than `minimum_group_size` producers are in it, or outside it."""


class PublicPortfolio(msgspec.Struct, kw_only=True, frozen=True):
    """What anyone may read of a consortium's lending: a calendar year's aggregates per currency, no
    organisation named, none from fewer than `minimum_group_size` producers and buyers."""

    consortium_id: uuid.UUID
    consortium_name: str
    year: int
    minimum_group_size: int
    currencies: list[PublicPortfolioRow]
    licence: str = "https://creativecommons.org/licenses/by/4.0/"
