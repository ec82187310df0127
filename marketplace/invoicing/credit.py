"""Credit notes: money taken back on an issued invoice, written as a document of its own (EN 16931
type 381, naming its invoice in BT-25). An issued invoice is never changed or deleted; in Germany
and Poland it is corrected or cancelled by a credit note (Rechnungskorrektur, faktura korygująca).

- A cancellation (the order cancelled or rejected after the invoice was issued), and a dispute's
  credit of the whole amount, credit the invoice in full: its own lines, groups and totals as
  they are (EN 16931 credit notes carry positive amounts: type 381 says which way they go).
- A dispute's partial refund credits a gross amount: apportioned over the invoice's VAT groups in
  proportion to their gross (`kernel.money.apportion`), one credit line per group, each part split
  into net and VAT (`split_gross`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections.abc import Callable, Sequence
from decimal import Decimal

from kernel.money import apportion, from_minor, to_minor
from marketplace.invoicing import wording
from marketplace.invoicing.document import CreditReason, Document, DocumentKind, Line, VatGroup

#: UN/CEFACT Rec 20 "one": a credit line is one amount, not a quantity of goods.
ONE = "C62"


def vat_of(net_minor: int, rate: Decimal, currency: str) -> int:
    """A VAT group's tax: its taxable amount times the rate (percent), rounded once (BR-CO-17)."""
    return to_minor(from_minor(net_minor, currency) * rate / 100, currency)


def split_gross(gross_minor: int, rate: Decimal, currency: str) -> tuple[int, int]:
    """`gross_minor` as (net, VAT) adding up to it exactly, VAT being `vat_of(net)` whenever some
    net allows both. A gross the rounding skips (net + `vat_of(net)` steps by two there) keeps the
    exact sum and has VAT within one minor unit of `vat_of(net)`, which BR-CO-17 tolerates."""
    guess = to_minor(from_minor(gross_minor, currency) * 100 / (100 + rate), currency)
    for net in (guess, guess - 1, guess + 1):
        if net >= 0 and net + vat_of(net, rate, currency) == gross_minor:
            return net, gross_minor - net
    return guess, gross_minor - guess


def apportioned(groups: Sequence[VatGroup], credited_minor: int, currency: str) -> list[tuple[int, int]]:
    """`credited_minor` (gross) over the VAT groups in proportion to their gross, each group's part
    as (net, VAT) (`split_gross`): the parts add up to `credited_minor` exactly."""
    parts = apportion(credited_minor, [group.taxable_minor + group.tax_minor for group in groups])
    return [split_gross(part, group.rate, currency) for part, group in zip(parts, groups, strict=True)]


def credit_note(
    invoice: Document,
    *,
    reason: CreditReason,
    credited_minor: int,
    credited_on: dt.date,
    refund_minor: int,
) -> Document:
    """The credit note of `invoice` (its document), numbered after it with "-C1" (one credit per
    invoice: see `DocumentService.credit_note`) and issued on `credited_on`.

    `credited_minor` is the gross given back: the invoice's whole gross credits it in full (its own
    lines); less credits that much over its VAT groups (`apportioned`), one line a group. The credit
    note asks its gross back (BT-115); the payment terms say how: `refund_minor` (what the buyer
    paid beyond what is left) is refunded on the invoice's own terms counted from `credited_on`, or,
    when nothing is refunded, the credit is set off against what is owed on the invoice.
    """
    currency = invoice.currency
    if credited_minor >= invoice.gross_minor:
        lines, groups = invoice.lines, invoice.groups
    else:
        lines, groups = _credit_lines(invoice, credited_minor)
    net = sum(line.net_minor for line in lines)
    vat = sum(group.tax_minor for group in groups)
    due_on = credited_on + (invoice.due_on - invoice.issued_on)

    def said(text_in: Callable[[str], str]) -> str:
        return wording.in_languages(invoice.languages, text_in)

    reason_note = said(
        lambda language: wording.credit_reason_text(reason, invoice.number, net + vat, currency, language)
    )
    payment_terms = said(
        lambda language: wording.payment_terms_text(
            due_on,
            refund_minor,
            currency,
            language,
            kind=DocumentKind.credit_note,
            set_off_against=None if refund_minor else invoice.number,
        )
    )
    tax_currency = invoice.tax_currency
    if tax_currency is not None:
        # Stated again at the invoice's own rate: a correction restates the invoice's figures.
        in_national = to_minor(from_minor(vat, currency) * tax_currency.rate, tax_currency.currency)
        tax_currency = dataclasses.replace(tax_currency, tax_minor=in_national) if vat else None
    return dataclasses.replace(
        invoice,
        kind=DocumentKind.credit_note,
        number=f"{invoice.number}-C1",
        issued_on=credited_on,
        due_on=due_on,
        lines=lines,
        groups=groups,
        net_minor=net,
        vat_minor=vat,
        gross_minor=net + vat,
        paid_minor=0,
        due_minor=net + vat,
        payment_terms=payment_terms,
        notes=(reason_note, *invoice.notes),
        tax_currency=tax_currency,
        preceding_number=invoice.number,
        preceding_issued_on=invoice.issued_on,
    )


def _credit_lines(invoice: Document, credited_minor: int) -> tuple[tuple[Line, ...], tuple[VatGroup, ...]]:
    """One credit line and one VAT group for each of the invoice's groups given a part of the credit."""
    lines: list[Line] = []
    groups: list[VatGroup] = []
    parts = apportioned(invoice.groups, credited_minor, invoice.currency)
    for group, (net, vat) in zip(invoice.groups, parts, strict=True):
        if net + vat == 0:  # a group too small to be given a minor unit of the credit
            continue
        title_in = functools.partial(wording.credit_line_text, invoice.number, group.code, group.rate)
        title = wording.in_languages(invoice.languages, title_in)
        lines.append(
            Line(
                position=len(lines) + 1,
                sku="",  # no item of the seller's: no BT-155 is written
                title=title,
                quantity=Decimal(1),
                unit_code=ONE,
                unit_price=from_minor(net, invoice.currency),
                net_minor=net,
                vat_code=group.code,
                vat_rate=group.rate,
            )
        )
        groups.append(dataclasses.replace(group, taxable_minor=net, tax_minor=vat))
    return tuple(lines), tuple(groups)
