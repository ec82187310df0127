"""Working capital as the pages show it, to the producer (`web.advances`, `web.advance_status`) and to
the consortium's officers (`web.consortia`, `web.advance_status`) alike: an advance's state, the
journal's entries and accounts in words, why the consortium cannot advance on an order (by the
refusal's code, with its figures in the reader's way), the service's refusals of a form in the
reader's language with money in currency units, and amounts typed in currency units the reader's way
(`616,00` in Polish) read as the minor units the services take.

Every rule is the service's (`marketplace.financing.service.FinancingService`): these only say what it
decided.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.money import check_price_precision, to_minor
from kernel.numbers import parse_number
from marketplace.api import trading_parties
from marketplace.financing.models import Account, AdvanceStatus, EntryKind
from marketplace.financing.schemas import AdvanceOffer, AdvanceRead, Refusal
from web.messages import FIELD_MESSAGES, Phrasebook
from web.page import Reader


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


STATUS_WORDS = {
    AdvanceStatus.requested: _("Asked for: the consortium's officers decide"),
    AdvanceStatus.approved: _("Approved: to be paid out"),
    AdvanceStatus.declined: _("Declined"),
    AdvanceStatus.withdrawn: _("Withdrawn"),
    AdvanceStatus.disbursed: _("Paid out: the buyer's payment repays it"),
    AdvanceStatus.due_from_producer: _("Owed by the producer: repaid by instalments"),
    AdvanceStatus.in_arrears: _("In arrears: a payment is overdue"),
    AdvanceStatus.repaid: _("Repaid"),
    AdvanceStatus.written_off: _("Written off"),
}
ENTRY_WORDS = {
    EntryKind.commitment: _("Money put up by a funder"),
    EntryKind.disbursement: _("Paid out to the producer"),
    EntryKind.collection: _("Payment from the buyer"),
    EntryKind.producer_repayment: _("Repayment by the producer"),
    EntryKind.remittance: _("Passed on to the producer"),
    EntryKind.arrears: _("Fell into arrears"),
    EntryKind.write_off: _("Write-off"),
}
ACCOUNT_WORDS = {
    Account.cash: _("Money available to lend"),
    Account.capital: _("Lending capital committed"),
    Account.guarantee_fund: _("Guarantee money committed"),
    Account.guarantee_cash: _("Guarantee money held"),
    Account.advances: _("Advances owed"),
    Account.advances_in_arrears: _("Advances in arrears"),
    Account.fees_receivable: _("Fees owed"),
    Account.fee_income: _("Fees earned"),
    Account.write_offs: _("Write-offs borne"),
    Account.collections: _("Buyers' payments not yet passed on"),
    Account.producer_payable: _("Owed to producers"),
}
#: Why the consortium cannot advance on an order, by the refusal's code (`marketplace.financing.rules`),
#: said to the producer's admins (only they read offers).
REFUSAL_WORDS = {
    "card_order": _("The order is paid by card at checkout: there is no invoice to wait for."),
    "not_confirmed": _(
        "Only an order you have accepted, and that is not cancelled, rejected or disputed, can be advanced on."
    ),
    "invoice_settled": _("The buyer owes nothing more on the order's invoice."),
    "overdue": _("The invoice fell due on %(day)s: only an invoice not yet due can be advanced on."),
    "tenor": _("The invoice falls due in %(days)s days; the consortium advances for at most %(most)s days."),
    "record": _(
        "Orders your organisation has delivered so far: %(delivered)s. The consortium asks for at least %(needed)s."
    ),
    "written_off": _("An earlier advance to your organisation was written off."),
    "producer_limit": _("Your organisation already owes the consortium as much as its rules allow."),
    "buyer_limit": _("The consortium has advanced as much against this buyer's orders as its rules allow."),
    "capital": _("The consortium has no money left to lend in %(currency)s at the moment."),
    "too_small": _("The buyer owes too little on the order to advance on."),
    "above_maximum": _("At most %(maximum)s can be advanced against this order."),
}
#: The figures of a refusal that only its message carries (the rules' limits), read from it.
_REFUSAL_FIGURES = {
    "tenor": re.compile(r".* in (?P<days>\d+) days; .* at most (?P<most>\d+) days"),
    "record": re.compile(r".* delivered (?P<delivered>\d+) orders; .* at least (?P<needed>\d+)"),
}
#: Why an advance was declined, withdrawn or left to its producer to repay, when the service said so
#: (an officer's or the producer's own reason is shown as they wrote it).
SERVICE_REASONS = {
    "the order was cancelled": _("The order was cancelled."),
    "the order was rejected": _("The order was rejected."),
    "the buyer disputes the order": _("The buyer disputes the order."),
    "the order's invoice was credited; ask again for what it now allows": _(
        "The order's invoice was credited. Ask again for what it allows now."
    ),
    "the buyer paid the invoice before the advance was paid out": _(
        "The buyer paid the invoice before the advance was paid out."
    ),
    "the buyer's payment will not cover the advance; the producer repays the rest by the schedule": _(
        "The buyer's payment will not cover the advance: the producer repays the rest by the schedule below."
    ),
}
#: The service's refusals of the forms about an advance, as the pages say them; `minor` is money in
#: the advance's currency, `status` an advance's state, `day` a day.
ADVANCE_MESSAGES = Phrasebook(
    [
        (
            r"the advance is (?P<status>[a-z ]+), not waiting for a decision",
            _("The advance no longer waits for a decision. It stands at: %(status)s."),
        ),
        (
            r"you already decided on this advance; a second approval comes from another officer",
            _("You have decided on this advance already. A second approval comes from another officer."),
        ),
        (
            r"an officer does not (?:decide on|act on) an advance to (?:or against )?their own organisation",
            _("You are a member of one side of this order: other officers act on its advance."),
        ),
        (r"only the consortium's officers do this", _("Only the consortium's officers do this.")),
        (
            r"the advance is (?P<status>[a-z ]+); only an approved one is paid out",
            _("Only an approved advance is paid out. This one stands at: %(status)s."),
        ),
        (
            r"the funders' cash in this currency does not cover the advance; record their capital first",
            _("The funders' money in this currency does not cover the advance. Record their capital first."),
        ),
        (
            r"the advance is (?P<status>[a-z ]+); payments are recorded once it is paid out",
            _("Payments are recorded once the advance is paid out. It stands at: %(status)s."),
        ),
        (
            r"the advance is (?P<status>[a-z ]+) and owes nothing",
            _("The advance owes nothing. It stands at: %(status)s."),
        ),
        (r"nothing collected is owed to the producer", _("Nothing collected is owed to the producer.")),
        (
            r"the advance is (?P<status>[a-z ]+); only a request not (?:yet decided|paid out) is withdrawn",
            _("Only a request not yet decided can be withdrawn. The advance stands at: %(status)s."),
        ),
        # The order may have changed since the request: the officers decide and pay out only while it qualifies.
        (
            r"the order is now [a-z ]+: it no longer qualifies",
            _(
                "The order has changed since the request and no longer qualifies: only an order accepted, and not "
                "cancelled, rejected or disputed, can be advanced on."
            ),
        ),
        (
            r"the order's invoice no longer asks the buyer for anything",
            _("The order's invoice no longer asks the buyer for anything: it is paid, credited or void."),
        ),
        (
            r"the order's invoice fell due on (?P<day>\d{4}-\d{2}-\d{2})",
            _("The order's invoice fell due on %(day)s: only an invoice not yet due can be advanced on."),
        ),
        (
            r"the order already has an advance asked for or paid out",
            _("The order already has an advance asked for or paid out."),
        ),
        (
            r"the buyer owes (?P<minor>\d+) \(minor units\) on the invoice, less than this",
            _("The buyer owes %(minor)s on the invoice, less than this."),
        ),
        (
            r"the advance owes (?P<minor>\d+) \(minor units\), less than this",
            _("The advance owes %(minor)s, less than this."),
        ),
        (
            r"at most (?P<minor>\d+) \(minor units\) may be advanced against this order",
            _("At most %(minor)s can be advanced against this order."),
        ),
        (r"cannot be in the future", _("Choose today or a day before.")),
        (r"cannot be before (?P<day>\d{4}-\d{2}-\d{2})", _("Choose %(day)s or a later day.")),
        # Amounts are typed in currency units and sent in minor units: "1 or more" is one cent.
        (r"must be 1 or more", _("Enter an amount above zero.")),
        (r"must be a whole number|must be an integer", _("Enter an amount, like 12.50.")),
        (
            r"this Idempotency-Key was used for a different request; .*",
            _("This form was sent already. Load the page again to send another."),
        ),
    ],
    then=FIELD_MESSAGES,
)


def status_words(status: AdvanceStatus, reader: Reader) -> str:
    return reader.gettext(STATUS_WORDS[status])


def reason_words(reason: str | None, reader: Reader) -> str | None:
    """Why the advance stands where it does: the service's reasons in the reader's language, a person's as written."""
    if reason is None:
        return None
    said = SERVICE_REASONS.get(reason)
    return reader.gettext(said) if said is not None else reason


def refusal_words(refusal: Refusal, offer: AdvanceOffer, reader: Reader) -> str:
    """Why the consortium cannot advance on the order, in the reader's language with the figures the
    reader's way; a refusal of a code no page knows yet in the service's (English) words."""
    sentence = REFUSAL_WORDS.get(refusal.code)
    if sentence is None:
        return refusal.message
    f = reader.formats
    figures: dict[str, str] = {
        "currency": f.currency_name(offer.maximum.currency),
        "maximum": f.money(offer.maximum.amount_minor, offer.maximum.currency),
        "day": f.date(offer.due_on) if offer.due_on else "",
    }
    pattern = _REFUSAL_FIGURES.get(refusal.code)
    if pattern is not None:
        found = pattern.fullmatch(refusal.message)
        if found is None:  # the rules put it otherwise now: their own words, rather than a sentence with gaps
            return refusal.message
        figures |= {name: f.number(value) for name, value in found.groupdict().items()}
    return reader.gettext(sentence) % figures


def say(message: str, reader: Reader, currency: str) -> str:
    """A service's refusal of a form about an advance in `currency`, as the page says it."""
    named: Mapping[str, Callable[[str], str]] = {
        "minor": lambda minor: reader.formats.money(int(minor), currency),
        "status": lambda status: status_words(AdvanceStatus(status.replace(" ", "_")), reader),
        "day": reader.formats.date,
    }
    return ADVANCE_MESSAGES.say(message, reader.gettext, named)


def typed_minor(text: str, currency: str, reader: Reader, field: str) -> int | str:
    """An amount typed in currency units the reader's way (`616,00` in Polish) in minor units, as the
    services read it; the text itself when it is no number, for the service to name. `InvalidInput`
    naming `field` for more decimals than the currency has."""
    amount = parse_number(text, reader.formats.locale)
    if amount is None:
        return text
    return to_minor(check_price_precision(amount, currency, field), currency)


def iban_groups(iban: str) -> str:
    """An IBAN in groups of four, as it is printed for people to copy (`DE89 3704 0044 ...`)."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


async def organization_names(
    session: AsyncSession, hub_id: uuid.UUID | None, advances: Iterable[AdvanceRead]
) -> dict[uuid.UUID, str]:
    """The names of the advances' producers and buyers (trading parties of `hub_id`), by id."""
    ids = sorted({i for a in advances for i in (a.producer_organization_id, a.buyer_organization_id)})
    if hub_id is None or not ids:
        return {}
    return {party.organization_id: party.name for party in await trading_parties(session, hub_id, ids)}


@dataclass(frozen=True)
class Listed:
    """An advance in a list: its state in words and both sides by name."""

    advance: AdvanceRead
    status: str
    producer: str
    buyer: str
    approvals: int
    """Approvals given so far (of `advance.approvals_needed`)."""


def listed(advances: Iterable[AdvanceRead], names: Mapping[uuid.UUID, str], reader: Reader) -> list[Listed]:
    return [
        Listed(
            advance=advance,
            status=status_words(advance.status, reader),
            producer=names.get(advance.producer_organization_id, ""),
            buyer=names.get(advance.buyer_organization_id, ""),
            approvals=sum(decision.approve for decision in advance.decisions),
        )
        for advance in advances
    ]
