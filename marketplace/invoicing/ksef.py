"""A document as a Polish structured invoice: the KSeF FA(3) XML (Poland's national e-invoice
system), built with ksef-client's FA(3) builders and checked against the official XSD it ships.
Sending it to KSeF is not done here.

How our EN 16931 VAT categories become FA(3) rate codes (`P_12`) and the sums they add to:

| ours                                   | P_12        | sums            | annotations (Adnotacje)          |
| -------------------------------------- | ----------- | --------------- | -------------------------------- |
| S at 23 / 8 / 5 (%)                    | 23 / 8 / 5  | P_13_1..3, P_14 | —                                |
| Z (zero rate at home)                  | 0 KR        | P_13_6_1        | —                                |
| K (intra-Community supply of goods)    | 0 WDT       | P_13_6_2        | —                                |
| G (export of goods)                    | 0 EX        | P_13_6_3        | —                                |
| AE (services, Art. 28b, buyer pays)    | np II       | P_13_9          | P_18 = 1 (odwrotne obciążenie)   |
| E, small business / O, not registered  | zw          | P_13_7          | P_19 + P_19A art. 113 ust. 1     |
| E, exempt goods or services            | zw          | P_13_7          | P_19 + P_19A art. 43 ust. 1      |
| O, services outside the EU             | np I        | P_13_8          | —                                |

The figures are the document's to the grosz: each line carries its net (`P_11`), and the VAT of
each breakdown group is split over the group's lines in proportion to their nets (`apportion`), so
every `P_14_x` is the group's VAT rounded once, as EN 16931 has it, and `P_15` the gross.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from importlib import resources
from pathlib import PurePosixPath
from typing import Any

from ksef_client.documents.fa3 import (
    FA3_SCHEMA_FILE,
    Address,
    BankAccount,
    BasicInvoiceBuilder,
    Contact,
    InvoiceParty,
    PartyIdentifier,
    PaymentMethod,
    PaymentTerms,
    TaxCategory,
)
from lxml import etree

from kernel.errors import Conflict
from kernel.money import apportion, from_minor
from marketplace.invoicing.document import Document, DocumentKind, Line, Party
from marketplace.mail.formats import formats_for
from marketplace.tax.decision import VatNote
from marketplace.tax.rates import EU_MEMBERS

POLAND = "PL"
#: P_19A: the provision of the Polish VAT act (ustawa o podatku od towarów i usług) a line is
#: exempt under. A seller "not registered for VAT" in Poland is one exempt by its turnover (Art.
#: 113): Polish law has no seller outside VAT who issues invoices, so `np I` (supplied abroad)
#: would be untrue of it. The listing's "exempt" category does not say which point of Art. 43
#: ust. 1 applies, so the article is named as a whole.
SMALL_BUSINESS_BASIS = "art. 113 ust. 1 ustawy o VAT"
EXEMPT_BASIS = "art. 43 ust. 1 ustawy o VAT"
#: The prefixes of EU VAT numbers (KodUE): Greece's is EL, Northern Ireland's XI.
EU_VAT_PREFIXES = (EU_MEMBERS - {"GR"}) | {"EL", "XI"}
#: TNumerTelefonu allows at most 16 characters.
PHONE_LENGTH = 16
_DIGITS = re.compile(r"\D")


class KsefNotApplicable(Conflict):
    """The invoice cannot be a KSeF FA(3) invoice: neither party is Polish, the seller has no
    Polish tax number (NIP), or what it says has no FA(3) form (a rate Poland does not have)."""

    slug = "ksef-not-applicable"


class KsefCorrectionUnsupported(Conflict):
    """A credit note would be a KSeF correction invoice (faktura korygująca), not written yet."""

    slug = "ksef-correction-unsupported"


def fa3(doc: Document) -> bytes:
    """The invoice as a KSeF FA(3) XML. Raises `KsefNotApplicable` (409) when neither the seller
    nor the buyer is Polish, when the seller has no NIP or when a line or figure has no FA(3) form,
    and `KsefCorrectionUnsupported` (409) for a credit note."""
    if doc.kind is DocumentKind.credit_note:
        raise KsefCorrectionUnsupported("KSeF corrections are not supported yet")
    if POLAND not in (doc.seller.country, doc.buyer.country):
        raise KsefNotApplicable("a KSeF FA(3) invoice is for Polish sellers and buyers")
    seller_nip = nip(doc.seller)
    if seller_nip is None:
        raise KsefNotApplicable(
            f"a KSeF FA(3) invoice names its seller by its Polish tax number (NIP), and {doc.seller.name} has none"
        )
    builder = BasicInvoiceBuilder(invoice_number=doc.number)
    builder.issued_on(doc.issued_on).currency(doc.currency)
    if doc.seller.city:
        builder.issue_place(doc.seller.city)
    # P_6 is written only when it differs from the issue date (the XSD's description of P_6).
    if doc.supplied_on != doc.issued_on:
        builder.sale_date(doc.supplied_on)
    builder.seller(
        InvoiceParty(
            name=doc.seller.name,
            identifier=PartyIdentifier.polish_nip(seller_nip),
            address=_address(doc.seller),
            contacts=_contacts(doc.seller),
        )
    )
    builder.buyer(
        InvoiceParty(
            name=doc.buyer.name,
            identifier=_buyer_identifier(doc.buyer),
            address=_address(doc.buyer),
            contacts=_contacts(doc.buyer),
        )
    )
    for line, tax, vat in _taxed_lines(doc):
        builder.add_goods_line(
            line.title,
            quantity=line.quantity,
            unit_net_price=line.unit_price,
            tax=tax,
            unit=formats_for("pl").unit(line.unit_code),
            net_amount=from_minor(line.net_minor, doc.currency),
            vat_amount=vat,
            currency_rate=_currency_rate(doc) if tax.summary_fields[1] else None,
        )
    # "odwrotne obciążenie" (Art. 106e ust. 1 pkt 18): the buyer accounts for the VAT of services
    # supplied where it is established (AE). An intra-Community supply (K) is not so annotated.
    # Cash accounting (P_16), self-billing (P_17), split payment (P_18A: Annex 15 goods over
    # 15 000 zł; listings carry no Annex 15 mark), new means of transport (P_22), simplified
    # triangulation (P_23) and the margin schemes stay "no" (2), ksef-client's defaults: the
    # marketplace records none of them.
    if any(line.vat_code == "AE" for line in doc.lines):
        builder.reverse_charge()
    # `PaymentTerms` given whole: the builder's `payment_due` records the date twice (as a date and
    # as a term), and ksef-client 0.20 then writes two identical TerminPlatnosci.
    builder.payment(
        PaymentTerms(
            due_dates=(doc.due_on,),
            method=PaymentMethod.TRANSFER.value if doc.iban else None,
            bank_accounts=(BankAccount(doc.iban.replace(" ", ""), swift=doc.bic),) if doc.iban else (),
        )
    )
    try:
        return builder.to_xml(xsd_validate=False)
    except ValueError as error:  # ksef-client's checks (FA3XmlValidationError is a ValueError)
        raise KsefNotApplicable(f"the invoice does not fit the KSeF FA(3) structure: {error}") from error


def validate_fa3(xml: bytes) -> list[str]:
    """What is wrong with `xml` as an FA(3) invoice, by the official XSD ksef-client ships (read
    offline: its includes are resolved to the bundled files, never fetched): every error with its
    line, or nothing."""
    try:
        tree = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as error:
        return [f"not well-formed XML: {error}"]
    schema = _schema()
    if schema.validate(tree):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


def nip(party: Party) -> str | None:
    """A Polish party's tax number (NIP, 10 digits): its VAT number without the PL prefix, or its
    registration when that is a NIP; None for anyone else."""
    if party.vat_number and party.vat_number.upper().startswith(POLAND):
        return _DIGITS.sub("", party.vat_number)
    if party.registration_scheme == "PL-NIP" and party.registration_id:
        return _DIGITS.sub("", party.registration_id)
    return None


def _buyer_identifier(buyer: Party) -> PartyIdentifier:
    """A Polish buyer by its NIP (KSeF shows the invoice to the buyer by it), an EU buyer by its VAT
    number (KodUE + NrVatUE), anyone else by country and registration (KodKraju + NrID), or BrakID."""
    if buyer.country == POLAND:
        number = nip(buyer)
        return PartyIdentifier.polish_nip(number) if number else PartyIdentifier.none()
    vat = (buyer.vat_number or "").replace(" ", "").upper()
    if vat[:2] in EU_VAT_PREFIXES:
        return PartyIdentifier.eu_vat(vat[:2], vat[2:])
    if buyer.registration_id:
        return PartyIdentifier.foreign(buyer.registration_id, country_code=buyer.country)
    return PartyIdentifier.none()


def _address(party: Party) -> Address | None:
    """AdresL1 the street, AdresL2 the postal code and town (as Polish addresses are written)."""
    town = " ".join(part for part in (party.postal_code, party.city) if part)
    first, second = (party.street, town or None) if party.street else (town, None)
    if not first:
        return None  # ksef-client then says the address is missing
    return Address(line1=first, country_code=party.country, line2=second)


def _contacts(party: Party) -> tuple[Contact, ...]:
    phone = party.phone if party.phone and len(party.phone) <= PHONE_LENGTH else None
    return (Contact(email=party.email, phone=phone),) if party.email or phone else ()


def _taxed_lines(doc: Document) -> Iterator[tuple[Line, TaxCategory, Decimal | None]]:
    """Each line with its FA(3) tax category and its share of its group's VAT (None for a category
    without a rate: zw, np I, np II)."""
    groups = {(group.code, group.rate): group for group in doc.groups}
    shares: dict[int, int] = {}
    for key, group in groups.items():
        members = [line for line in doc.lines if (line.vat_code, line.vat_rate) == key]
        for line, share in zip(members, apportion(group.tax_minor, [line.net_minor for line in members]), strict=True):
            shares[line.position] = share
    for line in doc.lines:
        own = groups.get((line.vat_code, line.vat_rate))
        tax = _category(line, own.note if own is not None else None)
        vat = from_minor(shares.get(line.position, 0), doc.currency) if tax.vat_rate is not None else None
        yield line, tax, vat


def _category(line: Line, note: VatNote | None) -> TaxCategory:  # noqa: PLR0911 - one return per row of the table above
    code = line.vat_code
    if code == "S":
        try:
            return TaxCategory.from_vat_rate(line.vat_rate)
        except ValueError as error:
            raise KsefNotApplicable(f"{line.vat_rate} % is not a Polish VAT rate (line {line.position})") from error
    if code == "Z":
        return TaxCategory.zero_domestic()
    if code == "K":
        return TaxCategory.zero_wdt()
    if code == "G":
        return TaxCategory.zero_export()
    if code == "AE":
        return TaxCategory.outside_country_2()
    if code == "E" or (code == "O" and note is VatNote.not_registered):
        return TaxCategory.exempt(EXEMPT_BASIS if note is VatNote.exempt else SMALL_BUSINESS_BASIS)
    if code == "O":
        return TaxCategory.outside_country()
    raise KsefNotApplicable(f"VAT category {code} has no KSeF FA(3) rate (line {line.position})")


def _currency_rate(doc: Document) -> Decimal | None:
    """KursWaluty of a taxed line: the złoty per unit of the invoice's currency the VAT was stated
    again in (P_14_xW); None for an invoice in złoty."""
    if doc.currency == "PLN":
        return None
    if doc.tax_currency is None or doc.tax_currency.currency != "PLN":
        raise KsefNotApplicable(
            f"the VAT of an invoice in {doc.currency} must be stated in złoty too, and no exchange rate was found"
        )
    return doc.tax_currency.rate


@functools.cache  # compiled once per process
def _schema() -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    parser.resolvers.add(_BundledSchemas())
    with _bundled(FA3_SCHEMA_FILE) as path:
        return etree.XMLSchema(etree.parse(path, parser))


@contextmanager
def _bundled(name: str) -> Iterator[str]:
    with resources.as_file(resources.files("ksef_client.documents.fa3.schemas") / name) as path:
        yield str(path)


class _BundledSchemas(etree.Resolver):  # type: ignore[misc]  # lxml ships no types
    """The FA(3) XSD imports its parts by URL (crd.gov.pl): each is read from ksef-client's copy
    by its file name, and any other is refused rather than fetched."""

    _NAMES = frozenset(
        {FA3_SCHEMA_FILE, "StrukturyDanych_v10-0E.xsd", "ElementarneTypyDanych_v10-0E.xsd", "KodyKrajow_v10-0E.xsd"}
    )

    def resolve(self, url: str, public_id: str | None, context: Any) -> Any:
        name = PurePosixPath(url).name
        if name not in self._NAMES:
            raise LookupError(f"{url} is not one of the FA(3) schema files")
        with _bundled(name) as path:
            return self.resolve_filename(path, context)
