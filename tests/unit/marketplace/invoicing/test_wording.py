"""What the documents say: a sentence citing the law for each VAT note, payment terms, and a text in
the seller's language then the buyer's. (English here: the other languages' catalogs are compiled
by the lead; the German assertions come with them.)"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from marketplace.invoicing.document import DocumentKind, TaxCurrency
from marketplace.invoicing.wording import (
    CATALOG,
    LABELS,
    bilingual,
    label,
    labels,
    note_text,
    payment_terms_text,
    tax_currency_text,
)
from marketplace.tax.decision import VatNote

DUE = dt.date(2026, 12, 18)


@pytest.mark.parametrize(
    ("note", "seller_country", "cited"),
    [
        (VatNote.intra_community, "PL", "Article 138 of Directive 2006/112/EC"),
        (VatNote.reverse_charge, "CZ", "Articles 44 and 196 of Directive 2006/112/EC"),
        (VatNote.small_business, "DE", "(§ 19 UStG)"),
        (VatNote.small_business, "PL", "(art. 113 ust. 1 ustawy o VAT)"),
        (VatNote.small_business, "HR", "Articles 282 to 292 of Directive 2006/112/EC"),
        (VatNote.exempt, "DE", "Articles 132 and 135 of Directive 2006/112/EC"),
        (VatNote.export, "DE", "Article 146 of Directive 2006/112/EC"),
        (VatNote.export, "CH", "import VAT is due"),
        (VatNote.outside_scope, "DE", "Article 44 of Directive 2006/112/EC"),
        (VatNote.outside_scope, "UA", "where it is established"),
        (VatNote.not_registered, "DE", "not registered for VAT"),
        (VatNote.seller_rate_abroad, "PL", "distance-selling thresholds are the seller's concern"),
    ],
)
def test_each_vat_note_is_one_sentence_citing_its_law(note: VatNote, seller_country: str, cited: str) -> None:
    sentence = note_text(note, seller_country, "en")
    assert cited in sentence
    assert sentence.endswith(".")


def test_the_intra_community_note_reads_as_the_law_requires() -> None:
    assert note_text(VatNote.intra_community, "PL", "en") == (
        "Tax-exempt intra-Community supply of goods (Article 138 of Directive 2006/112/EC); "
        "the buyer accounts for the VAT."
    )


def test_a_bilingual_text_puts_the_sellers_version_first_and_writes_one_that_is_the_same_once() -> None:
    assert bilingual({"de": "Rechnung", "pl": "Faktura"}) == "Rechnung / Faktura"
    assert bilingual({"de": "Invoice", "uk": "Invoice"}) == "Invoice"
    assert bilingual(["Rechnung", "Faktura"], separator="\n") == "Rechnung\nFaktura"
    assert labels("invoice", ("en",)) == "Invoice"


def test_a_language_without_a_catalog_reads_english() -> None:
    assert label("credit_note", "uk") == "Credit note"
    assert set(CATALOG.languages) == {"de", "pl", "cs"}
    assert all(LABELS[key] for key in LABELS)


@pytest.mark.parametrize(
    ("kind", "due", "paid", "said"),
    [
        (DocumentKind.invoice, 18501, 0, "Payable without deduction by December 18, 2026."),
        (DocumentKind.invoice, 0, 18501, "Paid in full; nothing remains to be paid."),
        (
            DocumentKind.invoice,
            8501,
            10000,
            "€100.00 has been paid; the remaining €85.01 is payable by December 18, 2026.",
        ),
        (DocumentKind.credit_note, 1200, 0, "€12.00 will be refunded by December 18, 2026."),
        (DocumentKind.credit_note, 0, 1200, "The amount of this credit note has been refunded."),
    ],
)
def test_payment_terms_say_what_is_left_to_pay_and_by_when(kind: DocumentKind, due: int, paid: int, said: str) -> None:
    assert payment_terms_text(DUE, due, "EUR", "en", paid_minor=paid, kind=kind) == said


def test_vat_stated_in_another_currency_keeps_every_digit_of_the_rate() -> None:
    stated = TaxCurrency(
        currency="PLN", tax_minor=12698, rate=Decimal("4.2654"), rate_date=dt.date(2026, 12, 3), rate_source="NBP"
    )
    text = tax_currency_text(stated, "EUR", "en")
    assert text == "VAT in PLN: PLN126.98 at 4.2654 PLN per EUR (NBP, December 3, 2026)."
