"""What the invoices say: their own message catalog (`borderhub i18n extract|update|compile` lists
it), the labels of a document, the sentence each VAT note prints citing the law, the payment
terms, and the joining of the seller's and the buyer's language versions of a text.

Every text is one whole English sentence or label with named placeholders; money, dates, numbers
and units are formatted with Babel through `marketplace.mail.formats` (units by name).
"""

from __future__ import annotations

import datetime as dt
import gettext
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from pathlib import Path

from babel import numbers

from kernel.catalogs import MessageCatalog
from marketplace.invoicing.document import CreditReason, DocumentKind, TaxCurrency
from marketplace.mail.formats import Formats, catalog_language, formats_for
from marketplace.tax.decision import VatNote
from marketplace.tax.rates import EU_MEMBERS, SMALL_BUSINESS_BASIS

#: The texts of the invoices and credit notes and their translations.
CATALOG = MessageCatalog(
    name="invoices",
    sources=Path(__file__).parent,
    locale_dir=Path(__file__).parent / "locale",
    languages=("de", "pl", "cs"),
)

#: Between the seller's and the buyer's version of one text.
SEPARATOR = " / "


def _(text: str) -> str:
    """Marks a text for the catalog (`borderhub i18n extract`); it is translated when shown."""
    return text


LABELS = {
    "invoice": _("Invoice"),
    "credit_note": _("Credit note"),
    "number": _("Number"),
    "issued_on": _("Date of issue"),
    "supplied_on": _("Date of supply"),
    "due_on": _("Due on"),
    "order": _("Order"),
    "buyer_reference": _("Buyer reference"),
    "preceding": _("Corrected invoice"),
    "seller": _("Seller"),
    "buyer": _("Buyer"),
    "vat_number": _("VAT number"),
    "registration": _("Registration number"),
    "tax_number": _("Tax number"),
    "contact": _("Contact"),
    "delivery": _("Delivery address"),
    "position": _("No."),
    "item": _("Item"),
    "quantity": _("Quantity"),
    "unit_price": _("Unit price"),
    "vat_rate": _("VAT rate"),
    "net": _("Net"),
    "vat_breakdown": _("VAT breakdown"),
    "taxable": _("Taxable amount"),
    "vat": _("VAT"),
    "net_total": _("Total without VAT"),
    "vat_total": _("Total VAT"),
    "total": _("Total"),
    "paid": _("Already paid"),
    "amount_due": _("Amount due"),
    "notes": _("Notes"),
    "payment": _("Payment"),
    "iban": _("IBAN"),
    "bic": _("BIC"),
    "scan_to_pay": _("Scan with a banking app to pay"),
}


def translations(language: str) -> gettext.NullTranslations:
    """The invoices' catalog for `language` (a BCP 47 tag); English for languages without one."""
    return CATALOG.translations(catalog_language(language))


def label(key: str, language: str) -> str:
    """One label of `LABELS` in `language`."""
    return translations(language).gettext(LABELS[key])


def bilingual(texts: Mapping[str, str] | Iterable[str], separator: str = SEPARATOR) -> str:
    """The versions of one text (by language, or in order) with the seller's first, joined by " / ";
    a version equal to an earlier one (an untranslated text, one shared language) is written once."""
    versions = texts.values() if isinstance(texts, Mapping) else texts
    return separator.join(dict.fromkeys(text for text in versions if text))


def in_languages(languages: Iterable[str], text_in: Callable[[str], str], separator: str = SEPARATOR) -> str:
    """`text_in(language)` for each of the document's languages, joined as `bilingual` joins them."""
    return bilingual({language: text_in(language) for language in languages}, separator)


def labels(key: str, languages: Iterable[str], separator: str = SEPARATOR) -> str:
    """A label in each of the document's languages: "Rechnung / Faktura" (a column heading takes
    `separator="\\n"`: one language a line)."""
    return in_languages(languages, lambda language: label(key, language), separator)


def page_text(page: int, pages: str, language: str) -> str:
    """`Page 2 of 3`; `pages` may be a placeholder the PDF fills in once it knows the count."""
    return translations(language).gettext("Page %(page)s of %(pages)s") % {"page": page, "pages": pages}


def note_text(note: VatNote, seller_country: str, language: str) -> str:  # noqa: PLR0911 - a sentence a case
    """The sentence an invoice prints for `note`, citing the law, in `language`."""
    t = translations(language)
    in_eu = seller_country in EU_MEMBERS
    match note:
        case VatNote.intra_community:
            return t.gettext(
                "Tax-exempt intra-Community supply of goods (Article 138 of Directive 2006/112/EC); "
                "the buyer accounts for the VAT."
            )
        case VatNote.reverse_charge:
            return t.gettext(
                "Reverse charge: the buyer accounts for the VAT (Articles 44 and 196 of Directive 2006/112/EC)."
            )
        case VatNote.small_business if seller_country in SMALL_BUSINESS_BASIS:
            text = t.gettext("No VAT is charged under the small-business exemption (%(basis)s).")
            return text % {"basis": SMALL_BUSINESS_BASIS[seller_country]}
        case VatNote.small_business:
            return t.gettext(
                "No VAT is charged under the small-business exemption (Articles 282 to 292 of Directive 2006/112/EC)."
            )
        case VatNote.not_registered:
            return t.gettext("No VAT is charged: the seller is not registered for VAT.")
        case VatNote.exempt:
            return t.gettext("Exempt from VAT (Articles 132 and 135 of Directive 2006/112/EC).")
        case VatNote.export if in_eu:
            return t.gettext("Tax-exempt export of goods outside the EU (Article 146 of Directive 2006/112/EC).")
        case VatNote.export:
            return t.gettext(
                "Export of goods, exempt from VAT in the seller's country; import VAT is due on entry into the "
                "buyer's country."
            )
        case VatNote.outside_scope if in_eu:
            return t.gettext(
                "Not subject to EU VAT: the service is supplied outside the EU (Article 44 of Directive 2006/112/EC)."
            )
        case VatNote.outside_scope:
            return t.gettext(
                "Not subject to VAT in the seller's country; "
                "the buyer accounts for any VAT due where it is established."
            )
        case VatNote.seller_rate_abroad:
            return t.gettext(
                "VAT of the seller's country is charged; distance-selling thresholds are the seller's concern."
            )


def assignment_text(assignee: str, iban: str, language: str) -> str:
    """The notice of assignment (a BT-22 note) in `language`: whom what the invoice asks was assigned
    to, and the one account a payment discharges it on."""
    grouped = " ".join(iban[index : index + 4] for index in range(0, len(iban), 4))
    return translations(language).gettext(
        "Notice of assignment: what this invoice asks has been assigned to %(assignee)s. Only a payment to"
        " the account %(iban)s discharges it."
    ) % {"assignee": assignee, "iban": grouped}


def payment_terms_text(
    due_on: dt.date,
    due_minor: int,
    currency: str,
    language: str,
    *,
    paid_minor: int = 0,
    kind: DocumentKind = DocumentKind.invoice,
    set_off_against: str | None = None,
) -> str:
    """The payment terms (BT-20) in `language`: what is still to pay (or to refund) and by when. A
    credit note refunding nothing (`due_minor` 0) names the invoice it was `set_off_against`, if any."""
    t = translations(language)
    f = formats_for(language)
    due, paid, date = f.money(due_minor, currency), f.money(paid_minor, currency), f.date(due_on)
    if kind is DocumentKind.credit_note:
        if due_minor == 0 and set_off_against:
            return t.gettext(
                "This credit note is set off against what is owed on invoice %(number)s; nothing is refunded."
            ) % {"number": set_off_against}
        if due_minor == 0:
            return t.gettext("The amount of this credit note has been refunded.")
        return t.gettext("%(amount)s will be refunded by %(date)s.") % {"amount": due, "date": date}
    if due_minor == 0:
        return t.gettext("Paid in full; nothing remains to be paid.")
    if paid_minor == 0:
        return t.gettext("Payable without deduction by %(date)s.") % {"date": date}
    return t.gettext("%(paid)s has been paid; the remaining %(due)s is payable by %(date)s.") % {
        "paid": paid,
        "due": due,
        "date": date,
    }


def credit_line_text(invoice_number: str, code: str, rate: Decimal, language: str) -> str:
    """The title of a credit note's line crediting one VAT group of `invoice_number` (category O has no rate)."""
    t = translations(language)
    if code == "O":
        return t.gettext("Credit on invoice %(number)s") % {"number": invoice_number}
    rate_text = formats_for(language).percent(rate)
    return t.gettext("Credit on invoice %(number)s (%(rate)s)") % {"number": invoice_number, "rate": rate_text}


def credit_reason_text(
    reason: CreditReason, invoice_number: str, amount_minor: int, currency: str, language: str
) -> str:
    """Why a credit note was issued (its first note, BT-22), in `language`."""
    t = translations(language)
    match reason:
        case CreditReason.cancelled:
            text = t.gettext("The order was cancelled: this credit note cancels invoice %(number)s in full.")
        case CreditReason.rejected:
            text = t.gettext("The seller rejected the order: this credit note cancels invoice %(number)s in full.")
        case CreditReason.dispute:
            text = t.gettext(
                "A dispute was decided with a refund: this credit note credits %(amount)s on invoice %(number)s."
            )
    return text % {"number": invoice_number, "amount": formats_for(language).money(amount_minor, currency)}


def tax_currency_text(tax_currency: TaxCurrency, currency: str, language: str) -> str:
    """The VAT restated in the seller's national currency, with the rate, its source and day."""
    f = formats_for(language)
    return translations(language).gettext(
        "VAT in %(currency)s: %(amount)s at %(rate)s %(currency)s per %(unit)s (%(source)s, %(date)s)."
    ) % {
        "currency": tax_currency.currency,
        "amount": f.money(tax_currency.tax_minor, tax_currency.currency),
        "rate": numbers.format_decimal(tax_currency.rate, locale=f.locale, decimal_quantization=False),
        "unit": currency,
        "source": tax_currency.rate_source,
        "date": f.date(tax_currency.rate_date),
    }


def unit_price(value: Decimal, currency: str, formats: Formats) -> str:
    """A unit price with every digit it has (`2,345 €` per kilogram), never rounded to the currency's."""
    return numbers.format_currency(value, currency, locale=formats.locale, decimal_quantization=False)


def country_name(code: str, formats: Formats) -> str:
    """The country by name in the reader's locale (`Polen`), the code when Babel has no name."""
    return str(formats.locale.territories.get(code, code))
