"""The PDFs a person reads: they open, and say the number, the total as the seller's language writes
it, why no VAT was charged, and, for a Factur-X PDF, carry the very XML `facturx` writes."""

from __future__ import annotations

import io

import facturx as facturx_library
import pypdf
import pytest

from marketplace.invoicing.document import Document
from marketplace.invoicing.hybrid import facturx_pdf
from marketplace.invoicing.pdf import invoice_pdf
from marketplace.invoicing.wording import labels
from marketplace.invoicing.xml import facturx
from marketplace.mail.formats import formats_for
from tests.unit.marketplace.invoicing import documents


def text_of(pdf: bytes) -> str:
    """The PDF's text with every run of white space (Babel writes non-breaking ones) as one space."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def plain(text: str) -> str:
    return " ".join(text.split())


def gross(doc: Document) -> str:
    return plain(formats_for(doc.languages[0]).money(doc.gross_minor, doc.currency))


@pytest.mark.parametrize("case", documents.ALL)
def test_the_pdf_says_the_number_the_total_and_why_no_vat_was_charged(case: str) -> None:
    doc = documents.ALL[case]()
    text = text_of(invoice_pdf(doc))
    assert doc.number in text
    assert gross(doc) in text
    for note in doc.notes:
        assert plain(note) in text
    assert plain(doc.payment_terms) in text


def test_a_german_invoice_writes_money_as_germans_do_and_units_by_name() -> None:
    text = text_of(invoice_pdf(documents.domestic_german()))
    assert "185,01 €" in text
    assert "12,605 €" in text  # a unit price keeps every digit it has
    assert "H87" not in text
    assert "DE89 3704 0044 0532 0130 00" in text


def test_a_number_a_tax_office_issued_is_named_a_tax_number() -> None:
    doc = documents.small_business()
    assert f"{labels('tax_number', doc.languages)}: 2181508150" in text_of(invoice_pdf(doc))


def test_a_credit_note_is_titled_so_and_names_the_invoice_it_corrects() -> None:
    doc = documents.credit_note()
    text = text_of(invoice_pdf(doc))
    assert "Credit note" in text  # the buyer reads English
    assert doc.preceding_issued_on is not None
    assert f"INV-000031, {plain(formats_for('cs').date(doc.preceding_issued_on))}" in text


def test_a_bilingual_document_labels_everything_in_the_sellers_language_then_the_buyers() -> None:
    doc = documents.export()
    assert doc.languages == ("de", "uk")
    text = text_of(invoice_pdf(doc))
    assert labels("invoice", doc.languages) in text
    assert "Invoice" in text  # Ukrainian has no catalog: the buyer's version is the English one


def test_the_vat_stated_again_in_zloty_is_on_the_pdf() -> None:
    doc = documents.euro_from_poland()
    text = text_of(invoice_pdf(doc))
    assert "126,98 zł" in text
    assert "4,2654" in text
    assert "NBP" in text


def test_an_invoice_in_euro_with_an_iban_carries_an_epc_qr_code_and_one_in_zloty_none() -> None:
    scan = labels("scan_to_pay", documents.domestic_german().languages)
    assert scan in text_of(invoice_pdf(documents.domestic_german()))
    zloty = documents.polish_to_german()
    assert labels("scan_to_pay", zloty.languages) not in text_of(invoice_pdf(zloty))
    paid = documents.small_business()
    assert labels("scan_to_pay", paid.languages) not in text_of(invoice_pdf(paid))


def test_a_long_invoice_runs_over_pages_repeating_the_column_headings() -> None:
    lines = [
        documents.line(position, f"Brot Nr. {position}", "3", "H87", "4.10", "S", "7", "EUR")
        for position in range(1, 61)
    ]
    doc = documents.document(documents.MUELLER, documents.BIOLADEN, lines, iban=documents.GERMAN_IBAN)
    reader = pypdf.PdfReader(io.BytesIO(invoice_pdf(doc)))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert len(pages) >= 2
    assert all(labels("unit_price", doc.languages) in page for page in pages[:2])
    assert "Brot Nr. 60" in " ".join(pages)
    assert gross(doc) in pages[-1]


def test_rendering_a_document_again_gives_the_same_text() -> None:
    doc = documents.polish_to_german()
    assert text_of(invoice_pdf(doc)) == text_of(invoice_pdf(doc))


@pytest.mark.parametrize("case", ["domestic_german", "credit_note", "euro_from_poland"])
def test_a_facturx_pdf_carries_the_facturx_xml_and_still_reads_as_the_invoice(case: str) -> None:
    doc = documents.ALL[case]()
    combined = facturx_pdf(doc)
    name, embedded = facturx_library.get_xml_from_pdf(combined, check_xsd=False)
    assert name == "factur-x.xml"
    assert embedded == facturx(doc)
    assert doc.number in text_of(combined)
    assert gross(doc) in text_of(combined)
