"""E-invoices pass the official checks: the syntax's XML schema and the CEN EN 16931 business rules
(and the XRechnung rules we check ourselves); a document that breaks a rule is told which."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from marketplace.invoicing.document import Document
from marketplace.invoicing.validation import Finding, Severity, errors, validate
from marketplace.invoicing.xml import XRECHNUNG_CUSTOMIZATION, facturx, xrechnung
from tests.unit.marketplace.invoicing import documents

RENDERERS: dict[str, Callable[[Document], bytes]] = {"xrechnung": xrechnung, "facturx": facturx}
UBL = {
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
}
CII = {
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
}


def rules(findings: list[Finding]) -> set[str]:
    return {finding.rule for finding in errors(findings)}


@pytest.mark.parametrize("syntax", RENDERERS)
@pytest.mark.parametrize("case", documents.ALL)
def test_every_kind_of_document_is_a_valid_e_invoice(case: str, syntax: str) -> None:
    xml = RENDERERS[syntax](documents.ALL[case]())
    assert errors(validate(xml)) == []


def test_an_xrechnung_names_the_german_cius_the_leitweg_id_and_the_account() -> None:
    doc = documents.domestic_german()
    tree = etree.fromstring(xrechnung(doc))
    assert tree.findtext("cbc:CustomizationID", namespaces=UBL) == XRECHNUNG_CUSTOMIZATION
    assert tree.findtext("cbc:ProfileID", namespaces=UBL) == "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
    assert tree.findtext("cbc:BuyerReference", namespaces=UBL) == "14626110-GOERLITZ-43"
    assert tree.find("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID", UBL).get("schemeID") == "EM"
    assert tree.findtext("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID", namespaces=UBL) == (
        "e-rechnung@goerlitz.de"
    )
    assert tree.findtext("cac:PaymentMeans/cbc:PaymentMeansCode", namespaces=UBL) == "58"
    assert tree.findtext("cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", namespaces=UBL) == documents.GERMAN_IBAN
    rates = [each.text for each in tree.iterfind("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", UBL)]
    assert rates == ["7", "19"]


def test_a_credit_note_is_a_ubl_credit_note_naming_the_invoice_it_corrects() -> None:
    tree = etree.fromstring(xrechnung(documents.credit_note()))
    assert etree.QName(tree).localname == "CreditNote"
    assert tree.findtext("cbc:CreditNoteTypeCode", namespaces=UBL) == "381"
    assert tree.findtext("cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID", namespaces=UBL) == "INV-000031"
    cii = etree.fromstring(facturx(documents.credit_note()))
    assert cii.findtext("rsm:ExchangedDocument/ram:TypeCode", namespaces=CII) == "381"


def test_an_exempt_group_states_its_reason_as_text_and_code() -> None:
    doc = documents.polish_to_german()
    tree = etree.fromstring(xrechnung(doc))
    category = tree.find("cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory", UBL)
    assert category.findtext("cbc:ID", namespaces=UBL) == "K"
    assert category.findtext("cbc:TaxExemptionReasonCode", namespaces=UBL) == "VATEX-EU-IC"
    assert category.findtext("cbc:TaxExemptionReason", namespaces=UBL) == doc.groups[0].exemption_text


def test_the_vat_in_the_sellers_currency_is_stated_in_it() -> None:
    doc = documents.euro_from_poland()
    assert doc.tax_currency is not None
    tree = etree.fromstring(xrechnung(doc))
    assert tree.findtext("cbc:TaxCurrencyCode", namespaces=UBL) == "PLN"
    stated = [each.text for each in tree.iterfind("cac:TaxTotal/cbc:TaxAmount[@currencyID='PLN']", UBL)]
    assert stated == [str(Decimal(doc.tax_currency.tax_minor).scaleb(-2))]


def test_a_document_with_lines_not_subject_to_vat_names_no_vat_number() -> None:
    doc = documents.not_registered()
    assert doc.buyer.vat_number is not None
    assert b"PartyTaxScheme><cbc:CompanyID>DE" not in xrechnung(doc)
    assert b'schemeID="VA"' not in facturx(doc)


@pytest.mark.parametrize("syntax", RENDERERS)
def test_totals_that_do_not_add_up_break_the_calculation_rules(syntax: str) -> None:
    doc = documents.domestic_german()
    broken = dataclasses.replace(doc, net_minor=doc.net_minor + 1)
    assert {"BR-CO-10", "BR-CO-15"} <= rules(validate(RENDERERS[syntax](broken)))


@pytest.mark.parametrize("syntax", RENDERERS)
def test_vat_that_is_not_the_groups_taxable_amount_times_its_rate_breaks_br_co_17(syntax: str) -> None:
    doc = documents.domestic_german()
    first = doc.groups[0]
    # The CEN rule allows a unit of the currency either way (rounding in other systems); 1.50 is not.
    more = 150
    groups = (dataclasses.replace(first, tax_minor=first.tax_minor + more), *doc.groups[1:])
    broken = dataclasses.replace(
        doc,
        groups=groups,
        vat_minor=doc.vat_minor + more,
        gross_minor=doc.gross_minor + more,
        due_minor=doc.due_minor + more,
    )
    assert rules(validate(RENDERERS[syntax](broken))) == {"BR-CO-17", "BR-S-09"}


@pytest.mark.parametrize("syntax", RENDERERS)
def test_an_intra_community_supply_without_its_exemption_reason_breaks_br_ic_10(syntax: str) -> None:
    doc = documents.polish_to_german()
    groups = tuple(dataclasses.replace(group, exemption_text=None, exemption_code=None) for group in doc.groups)
    assert "BR-IC-10" in rules(validate(RENDERERS[syntax](dataclasses.replace(doc, groups=groups))))


def test_an_xrechnung_without_leitweg_id_or_seller_phone_breaks_the_german_rules() -> None:
    doc = documents.domestic_german()
    broken = dataclasses.replace(doc, buyer_reference="", seller=dataclasses.replace(doc.seller, phone=None))
    assert {"BR-DE-15", "BR-DE-6"} <= rules(validate(xrechnung(broken)))


def test_an_xrechnung_asking_for_a_transfer_to_an_invalid_iban_breaks_br_de_19() -> None:
    broken = dataclasses.replace(documents.domestic_german(), iban="DE89370400440532013001")
    assert "BR-DE-19" in rules(validate(xrechnung(broken)))


def test_what_is_no_e_invoice_is_one_finding_and_never_an_exception() -> None:
    assert [finding.rule for finding in validate(b"<Invoice><unclosed></Invoice>")] == ["XML"]
    assert [finding.rule for finding in validate(b"<html/>")] == ["XML"]
    schema_only = xrechnung(documents.domestic_german()).replace(b"<cbc:IssueDate>", b"<cbc:IssueDay>", 1)
    schema_only = schema_only.replace(b"</cbc:IssueDate>", b"</cbc:IssueDay>", 1)
    found = validate(schema_only)
    assert "XSD" in rules(found)
    assert all(finding.severity is Severity.error for finding in errors(found))


LINE_NETS = ".//ram:SpecifiedLineTradeSettlement//ram:LineTotalAmount"
RATES = [Decimal(rate) for rate in ("0", "5", "7", "8", "19", "23")]
QUANTITIES = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(500), places=3)
PRICES = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(900), places=3)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(QUANTITIES, PRICES, st.sampled_from(RATES)), min_size=1, max_size=8))
def test_any_set_of_lines_adds_up_and_validates(picked: list[tuple[Decimal, Decimal, Decimal]]) -> None:
    lines = [
        documents.line(position, "Ware", str(quantity), "KGM", str(price), "S" if rate else "Z", str(rate), "EUR")
        for position, (quantity, price, rate) in enumerate(picked, start=1)
    ]
    doc = documents.document(documents.MUELLER, documents.BIOLADEN, lines, iban=documents.GERMAN_IBAN)
    assert sum(each.net_minor for each in doc.lines) == doc.net_minor
    assert doc.net_minor + doc.vat_minor == doc.gross_minor
    tree = etree.fromstring(facturx(doc))
    summation = tree.find(".//ram:SpecifiedTradeSettlementHeaderMonetarySummation", CII)
    line_nets = [Decimal(each.text) for each in tree.iterfind(LINE_NETS, CII)]
    assert sum(line_nets) == Decimal(summation.findtext("ram:LineTotalAmount", namespaces=CII))
    assert Decimal(summation.findtext("ram:TaxBasisTotalAmount", namespaces=CII)) + Decimal(
        summation.findtext("ram:TaxTotalAmount", namespaces=CII)
    ) == Decimal(summation.findtext("ram:GrandTotalAmount", namespaces=CII))
    for render in (facturx, xrechnung):
        assert errors(validate(render(doc))) == []
