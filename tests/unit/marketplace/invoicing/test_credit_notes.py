"""Credit notes: a partial credit spread over the invoice's VAT groups to the cent, each part split
into net and VAT that add up to it exactly; a cancellation credits the invoice's own lines; either
is a valid EN 16931 credit note naming its invoice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from marketplace.invoicing.credit import apportioned, credit_note, split_gross, vat_of
from marketplace.invoicing.document import CreditReason, Document, DocumentKind, VatGroup
from marketplace.invoicing.validation import errors, validate
from marketplace.invoicing.wording import credit_line_text, credit_reason_text, payment_terms_text
from marketplace.invoicing.xml import facturx, xrechnung
from tests.unit.marketplace.invoicing import documents

UBL = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
RATES = ["0", "5", "5.5", "7", "8", "10", "19", "21", "23", "25.5"]
CREDITED_ON = documents.ISSUED + dt.timedelta(days=9)


def group(rate: str, taxable_minor: int, currency: str = "EUR") -> VatGroup:
    rate_ = Decimal(rate)
    return VatGroup(
        code="S" if rate_ else "Z",
        rate=rate_,
        taxable_minor=taxable_minor,
        tax_minor=vat_of(taxable_minor, rate_, currency),
        note=None,
        exemption_code=None,
        exemption_text=None,
    )


@st.composite
def groups_and_credit(draw: st.DrawFn) -> tuple[list[VatGroup], int, str]:
    currency = draw(st.sampled_from(["EUR", "PLN", "CZK", "JPY"]))
    rates = draw(st.lists(st.sampled_from(RATES), min_size=1, max_size=5, unique=True))
    groups = [group(rate, draw(st.integers(min_value=0, max_value=10**9)), currency) for rate in rates]
    gross = sum(each.taxable_minor + each.tax_minor for each in groups)
    return groups, draw(st.integers(min_value=0, max_value=gross)), currency


@given(groups_and_credit())
def test_a_credit_is_spread_over_the_vat_groups_to_the_cent_with_vat_within_one_cent(
    case: tuple[list[VatGroup], int, str],
) -> None:
    groups, credited, currency = case
    parts = apportioned(groups, credited, currency)
    assert sum(net + vat for net, vat in parts) == credited
    for each, (net, vat) in zip(groups, parts, strict=True):
        assert net >= 0
        assert vat >= 0
        assert abs(vat - vat_of(net, each.rate, currency)) <= 1
        # No group is given more than its share of the gross.
        assert net + vat <= each.taxable_minor + each.tax_minor


@given(st.sampled_from(RATES), st.integers(min_value=0, max_value=10**9))
def test_vat_is_the_net_times_the_rate_whenever_some_net_allows_it(rate: str, gross: int) -> None:
    net, vat = split_gross(gross, Decimal(rate), "EUR")
    assert net + vat == gross
    exact = [n for n in range(net - 3, net + 4) if n >= 0 and n + vat_of(n, Decimal(rate), "EUR") == gross]
    if exact:
        assert vat == vat_of(net, Decimal(rate), "EUR")


def partial(doc: Document, credited: int, refund: int = 0) -> Document:
    return credit_note(
        doc, reason=CreditReason.dispute, credited_minor=credited, credited_on=CREDITED_ON, refund_minor=refund
    )


@settings(max_examples=15, deadline=None)  # each example runs the CEN rules twice (~0.1 s)
@given(st.data())
def test_a_partial_credit_note_is_a_valid_e_invoice(data: st.DataObject) -> None:
    invoice = data.draw(st.sampled_from([documents.domestic_german(), documents.euro_from_poland()]))
    credited = data.draw(st.integers(min_value=1, max_value=invoice.gross_minor - 1))
    credit = partial(invoice, credited)
    assert credit.gross_minor == credited
    assert credit.net_minor + credit.vat_minor == credited
    for render in (xrechnung, facturx):
        assert errors(validate(render(credit))) == []


def test_a_partial_credit_note_has_one_line_a_vat_rate_naming_the_invoice() -> None:
    invoice = documents.domestic_german()  # 7 % and 19 %
    credit = partial(invoice, 5000)
    assert (credit.number, credit.preceding_number, credit.issued_on) == ("INV-000012-C1", "INV-000012", CREDITED_ON)
    assert [(line.vat_rate, line.quantity, line.unit_code) for line in credit.lines] == [
        (Decimal(7), Decimal(1), "C62"),
        (Decimal(19), Decimal(1), "C62"),
    ]
    assert [line.net_minor for line in credit.lines] == [each.taxable_minor for each in credit.groups]
    assert invoice.languages == ("de",)
    assert credit.lines[0].title == credit_line_text("INV-000012", "S", Decimal(7), "de")
    assert credit.notes[0] == credit_reason_text(CreditReason.dispute, "INV-000012", 5000, "EUR", "de")
    assert credit.payment_terms == payment_terms_text(
        credit.due_on, 0, "EUR", "de", kind=DocumentKind.credit_note, set_off_against="INV-000012"
    )


def test_a_refund_owed_back_is_promised_on_the_invoices_terms() -> None:
    invoice = documents.domestic_german()  # due 14 days after issue
    credit = partial(invoice, 5000, refund=5000)
    assert credit.due_on == CREDITED_ON + dt.timedelta(days=14)
    assert credit.payment_terms == payment_terms_text(
        dt.date(2026, 12, 27), 5000, "EUR", "de", kind=DocumentKind.credit_note
    )


@pytest.mark.parametrize("reason", [CreditReason.cancelled, CreditReason.rejected])
def test_a_cancellation_credits_the_invoices_own_lines_and_totals(reason: CreditReason) -> None:
    invoice = documents.euro_from_poland()
    credit = credit_note(
        invoice, reason=reason, credited_minor=invoice.gross_minor, credited_on=CREDITED_ON, refund_minor=0
    )
    assert (credit.lines, credit.groups) == (invoice.lines, invoice.groups)
    assert (credit.net_minor, credit.vat_minor, credit.gross_minor) == (
        invoice.net_minor,
        invoice.vat_minor,
        invoice.gross_minor,
    )
    assert credit.tax_currency == invoice.tax_currency
    assert credit.notes[1:] == invoice.notes
    tree = etree.fromstring(xrechnung(credit))
    assert tree.findtext("cbc:CreditNoteTypeCode", namespaces=UBL) == "381"
    assert tree.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=UBL) == "INV-000012"
    assert errors(validate(xrechnung(credit))) == []
    assert errors(validate(facturx(credit))) == []
