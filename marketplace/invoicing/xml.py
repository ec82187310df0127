"""A document as an EN 16931 e-invoice: XRechnung 3.0 (UBL 2.1 syntax), for German public buyers,
and Factur-X EN 16931 (CII syntax), the XML a Factur-X PDF carries.

factur-x's `generate_xml` writes both from one dict keyed by EN 16931 business terms (BT-/BG-
codes); this module only fills that dict. Neither renderer validates: `validation.validate` does.

What EN 16931 asks of the figures holds because the document was built so (`document.py`): line
nets add up to BT-106, each VAT group's tax is its taxable amount times its rate rounded once.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from facturx import generate_xml
from lxml import etree

from kernel.money import from_minor
from marketplace.invoicing.document import Document, DocumentKind, Party
from marketplace.invoicing.wording import bilingual, tax_currency_text

#: BT-24 of an XRechnung 3.0 and BT-23 of the Peppol billing process XRechnung adopts.
XRECHNUNG_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PEPPOL_BILLING = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
#: UNTDID 4461: SEPA credit transfer (to the IBAN given), and "instrument not defined" for a
#: document that asks for no transfer (paid by card, or a credit note's refund).
SEPA_CREDIT_TRANSFER = "58"
NOT_DEFINED = "1"
#: Registration schemes whose numbers a tax office issues: written as the seller's tax
#: registration (BT-32) too, which lets a seller without a VAT number issue E and Z lines (BR-E-02).
TAX_NUMBER_SCHEMES = frozenset({"PL-NIP", "DE-STNR", "DE-USTIDNR", "CZ-DIC", "SK-ICDPH", "AT-UID"})
#: VAT categories whose groups state no exemption reason (BR-S-10, BR-Z-10).
TAXED = frozenset({"S", "Z"})

_UBL_CUSTOMIZATION = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}CustomizationID"


def xrechnung(doc: Document) -> bytes:
    """The document as an XRechnung 3.0 in UBL 2.1 syntax: an `Invoice`, or a `CreditNote` naming
    the invoice it corrects (BT-25)."""
    data = en16931_terms(doc)
    data["BT-23"] = PEPPOL_BILLING
    written = generate_xml(data, flavor="ubl-2.1", level="en16931", check_xsd=False, check_schematron=False)
    # factur-x always writes the CEN specification identifier of the level it is given into BT-24
    # (`urn:cen.eu:en16931:2017`); an XRechnung names the German CIUS there, so it is replaced.
    tree = etree.fromstring(written)
    customization = tree.find(_UBL_CUSTOMIZATION)
    if customization is None:
        raise AssertionError("factur-x wrote a UBL document without CustomizationID")
    customization.text = XRECHNUNG_CUSTOMIZATION
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def facturx(doc: Document) -> bytes:
    """The document as a Factur-X EN 16931 (CII) XML."""
    written = generate_xml(
        en16931_terms(doc), flavor="factur-x", level="en16931", check_xsd=False, check_schematron=False
    )
    return bytes(written)


def en16931_terms(doc: Document) -> dict[str, Any]:
    """The document's EN 16931 business terms, as factur-x's `generate_xml` reads them."""
    credit_note = doc.kind is DocumentKind.credit_note
    # BR-O-02: a document with lines "not subject to VAT" names no VAT identifier of either party.
    name_vat = not any(group.code == "O" for group in doc.groups)
    notes = list(doc.notes)
    if doc.tax_currency is not None:
        tax_currency = doc.tax_currency
        notes.append(bilingual({lang: tax_currency_text(tax_currency, doc.currency, lang) for lang in doc.languages}))
    data: dict[str, Any] = {
        "BT-1": doc.number,
        "BT-2": doc.issued_on,
        "BT-3": "381" if credit_note else "380",
        "BT-5": doc.currency,
        "BT-9": doc.due_on,
        "BT-10": doc.buyer_reference,
        "BT-13": doc.order_reference,
        "BT-20": doc.payment_terms,
        "BT-72": doc.supplied_on,
        "BG-1": [{"BT-22": note} for note in notes],
        "BG-4": _party(doc.seller, seller=True, name_vat=name_vat),
        "BG-7": _party(doc.buyer, seller=False, name_vat=name_vat),
        "BG-13": {
            "name": doc.buyer.name,
            "country_code": doc.delivery_country,
            "city": doc.delivery_city,
            "postcode": doc.delivery_postal_code,
            "addr_l1": doc.delivery_street,
        },
        "BG-23": [_group_terms(doc, index) for index in range(len(doc.groups))],
        "BG-25": [_line_terms(doc, index) for index in range(len(doc.lines))],
        "BT-106": _amount(doc.net_minor, doc.currency),
        "BT-109": _amount(doc.net_minor, doc.currency),
        "BT-110": _amount(doc.vat_minor, doc.currency),
        "BT-112": _amount(doc.gross_minor, doc.currency),
        "BT-115": _amount(doc.due_minor, doc.currency),
    }
    if doc.paid_minor:  # factur-x writes any amount given, and a zero BT-113 says nothing
        data["BT-113"] = _amount(doc.paid_minor, doc.currency)
    if doc.payee and not credit_note:
        data["BG-10"] = {"name": doc.payee}
    if doc.iban and not credit_note:
        # The seller's account is where the buyer pays an invoice; a credit note is paid the other way.
        data |= {"BT-81": SEPA_CREDIT_TRANSFER, "BT-83": doc.number, "BT-84": doc.iban.replace(" ", "")}
        if doc.bic:
            data["BT-86"] = doc.bic
    else:
        data["BT-81"] = NOT_DEFINED
    if doc.tax_currency is not None:
        data["BT-6"] = doc.tax_currency.currency
        data["BT-111"] = _amount(doc.tax_currency.tax_minor, doc.tax_currency.currency)
    if doc.preceding_number:
        data["BG-3"] = [{"BT-25": doc.preceding_number, "BT-26": doc.preceding_issued_on}]
    return data


def _party(party: Party, *, seller: bool, name_vat: bool) -> dict[str, Any]:
    terms: dict[str, Any] = {
        "name": party.name,
        "country_code": party.country,
        "city": party.city,
        "postcode": party.postal_code,
        "addr_l1": party.street,
        # No scheme identifier: ours (PL-NIP, DE-HANDELSREGISTER ...) are not ISO 6523 ICDs (BR-CL-11).
        "legal_identifier": party.registration_id,
    }
    if name_vat and party.vat_number:
        terms["vat_identifier"] = party.vat_number
    if seller and party.registration_scheme in TAX_NUMBER_SCHEMES:
        terms["tax_identifier"] = party.registration_id
    if party.email:
        # The electronic address (BT-34, BT-49) is an e-mail address: scheme EM of the CEF EAS list.
        terms |= {"einvoicing_addr": party.email, "einvoicing_addr_schemeid": "EM"}
    contact = {"name": party.contact_name, "phone": party.phone, "email": party.email}
    if any(contact.values()):
        terms["contacts"] = [{key: value for key, value in contact.items() if value}]
    return terms


def _group_terms(doc: Document, index: int) -> dict[str, Any]:
    group = doc.groups[index]
    terms: dict[str, Any] = {
        "BT-116": _amount(group.taxable_minor, doc.currency),
        "BT-117": _amount(group.tax_minor, doc.currency),
        "BT-118": group.code,
    }
    if group.code != "O":  # "not subject to VAT" has no rate at all, not a rate of 0
        terms["BT-119"] = _number(group.rate)
    if group.code not in TAXED:
        terms["BT-120"] = group.exemption_text
        terms["BT-121"] = group.exemption_code
    return terms


def _line_terms(doc: Document, index: int) -> dict[str, Any]:
    line = doc.lines[index]
    terms: dict[str, Any] = {
        "BT-126": str(line.position),
        "BT-129": _number(line.quantity),
        "BT-130": line.unit_code,
        "BT-131": _amount(line.net_minor, doc.currency),
        "BT-146": _number(line.unit_price),
        "BT-151": line.vat_code,
        "BT-153": line.title,
        "BT-155": line.sku,
    }
    if line.vat_code != "O":  # BR-O-05
        terms["BT-152"] = _number(line.vat_rate)
    return terms


def _amount(amount_minor: int, currency: str) -> str:
    """An amount in currency units, with the currency's decimals (`12.50`)."""
    return format(from_minor(amount_minor, currency), "f")


def _number(value: Decimal) -> str:
    """A quantity, price or rate without an exponent or trailing zeros (`19`, `2.5`, `0.125`)."""
    return format(value.normalize(), "f") if value else "0"
