"""Documents for the renderers' tests, built consistent the way the invoicing service builds them:
line nets rounded once, VAT per breakdown group (its taxable amount times its rate, rounded once),
notes and exemption texts in the document's languages."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from kernel.money import from_minor, to_minor
from marketplace.invoicing.document import Document, DocumentKind, Line, Party, TaxCurrency, VatGroup
from marketplace.invoicing.wording import bilingual, note_text, payment_terms_text
from marketplace.tax.decision import VatNote

ISSUED = dt.date(2026, 12, 4)
#: What each VAT category's lines carry: the note and the VATEX code (decide()'s outcomes).
TREATMENTS: dict[str, tuple[VatNote | None, str | None]] = {
    "S": (None, None),
    "Z": (None, None),
    "K": (VatNote.intra_community, "VATEX-EU-IC"),
    "AE": (VatNote.reverse_charge, "VATEX-EU-AE"),
    "G": (VatNote.export, "VATEX-EU-G"),
}
GERMAN_IBAN = "DE89370400440532013000"
POLISH_IBAN = "PL61109010140000071219812874"


_ANYONE = Party(
    name="",
    country="DE",
    city="Görlitz",
    street="Berliner Straße 12",
    postal_code="02826",
    vat_number=None,
    registration_scheme="DE-HANDELSREGISTER",
    registration_id="Dresden HRB 12345",
    email="rechnung@example.de",
    phone="+49 3581 123456",
    contact_name="Anna Schmidt",
    language="de",
)


def party(name: str, country: str, **changes: str | None) -> Party:
    return dataclasses.replace(_ANYONE, name=name, country=country, **changes)


MUELLER = party("Hofladen Müller GmbH", "DE", vat_number="DE136695976")
STADT = party(
    "Stadt Görlitz",
    "DE",
    street="Untermarkt 6-8",
    registration_scheme="DE-GKZ",
    registration_id="14626110",
    email="e-rechnung@goerlitz.de",
    contact_name=None,
    phone=None,
)
NOWAK = party(
    "Piekarnia Nowak s.c.",
    "PL",
    city="Zgorzelec",
    street="ul. Daszyńskiego 3",
    postal_code="59-900",
    vat_number="PL6151234561",
    registration_scheme="PL-NIP",
    registration_id="6151234561",
    email="faktury@nowak.pl",
    phone="+48 75 775 12 34",
    contact_name="Łukasz Nowak",
    language="pl",
)
BIOLADEN = party("Bioladen am Obermarkt GmbH", "DE", vat_number="DE811569869", contact_name=None)
KLEIN = party(
    "Imkerei Klein",
    "DE",
    registration_scheme="DE-STNR",
    registration_id="2181508150",
    contact_name="Jonas Klein",
)
SVOBODA = party(
    "Pekárna Svoboda s.r.o.",
    "CZ",
    city="Liberec",
    street="Moskevská 14",
    postal_code="460 01",
    vat_number="CZ25123891",
    registration_scheme="CZ-ICO",
    registration_id="25123891",
    email="faktury@svoboda.cz",
    phone="+420 485 123 456",
    contact_name="Petra Svobodová",
    language="cs",
)
DUBLIN = party(
    "Dublin Fine Foods Ltd",
    "IE",
    city="Dublin",
    street="12 Capel Street",
    postal_code="D01 F5P2",
    vat_number="IE6388047V",
    registration_scheme="IE-CRO",
    registration_id="123456",
    email="accounts@dublinfinefoods.ie",
    phone=None,
    contact_name=None,
    language="en",
)
KYIV = party(
    "TOV Kyiv Produkty",
    "UA",
    city="Kyiv",
    street="vul. Khreshchatyk 22",
    postal_code="01001",
    registration_scheme="UA-EDRPOU",
    registration_id="32855961",
    email="buh@produkty.example.ua",
    phone=None,
    contact_name=None,
    language="uk",
)


def line(position: int, title: str, quantity: str, unit: str, price: str, code: str, rate: str, currency: str) -> Line:
    return Line(
        position=position,
        sku=f"SKU-{position:03d}",
        title=title,
        quantity=Decimal(quantity),
        unit_code=unit,
        unit_price=Decimal(price),
        net_minor=to_minor(Decimal(quantity) * Decimal(price), currency),
        vat_code=code,
        vat_rate=Decimal(rate),
    )


def vat_groups(
    lines: Sequence[Line],
    currency: str,
    seller_country: str,
    languages: Sequence[str],
    treatments: dict[str, tuple[VatNote | None, str | None]],
) -> tuple[VatGroup, ...]:
    """One group per category and rate, in the order the lines name them (BR-CO-17: VAT of the
    group's taxable amount, rounded once)."""
    taxable: dict[tuple[str, Decimal], int] = {}
    for each in lines:
        key = (each.vat_code, each.vat_rate)
        taxable[key] = taxable.get(key, 0) + each.net_minor
    groups = []
    for (code, rate), amount in taxable.items():
        note, exemption = treatments.get(code, TREATMENTS.get(code, (None, None)))
        groups.append(
            VatGroup(
                code=code,
                rate=rate,
                taxable_minor=amount,
                tax_minor=to_minor(from_minor(amount, currency) * rate / 100, currency),
                note=note,
                exemption_code=exemption if code not in ("S", "Z") else None,
                exemption_text=(
                    bilingual({lang: note_text(note, seller_country, lang) for lang in languages})
                    if note is not None and code not in ("S", "Z")
                    else None
                ),
            )
        )
    return tuple(groups)


def document(
    seller: Party,
    buyer: Party,
    lines: Sequence[Line],
    *,
    currency: str = "EUR",
    kind: DocumentKind = DocumentKind.invoice,
    treatments: dict[str, tuple[VatNote | None, str | None]] | None = None,
    iban: str | None = None,
    paid_in_full: bool = False,
    buyer_reference: str = "ORD-7F3A",
    tax_currency: tuple[str, str] | None = None,
    number: str = "INV-000012",
    preceding: str | None = None,
) -> Document:
    languages = tuple(dict.fromkeys((seller.language, buyer.language)))
    groups = vat_groups(lines, currency, seller.country, languages, treatments or {})
    net = sum(each.net_minor for each in lines)
    vat = sum(group.tax_minor for group in groups)
    paid = net + vat if paid_in_full else 0
    due_on = ISSUED + dt.timedelta(days=14)
    notes = tuple(
        dict.fromkeys(
            bilingual({lang: note_text(group.note, seller.country, lang) for lang in languages})
            for group in groups
            if group.note is not None
        )
    )
    stated_again = None
    if tax_currency is not None:
        national, rate = tax_currency
        stated_again = TaxCurrency(
            currency=national,
            tax_minor=to_minor(from_minor(vat, currency) * Decimal(rate), national),
            rate=Decimal(rate),
            rate_date=ISSUED - dt.timedelta(days=1),
            rate_source="NBP",
        )
    return Document(
        kind=kind,
        number=number,
        issued_on=ISSUED,
        supplied_on=ISSUED - dt.timedelta(days=2),
        due_on=due_on,
        currency=currency,
        seller=seller,
        buyer=buyer,
        lines=tuple(lines),
        groups=groups,
        net_minor=net,
        vat_minor=vat,
        gross_minor=net + vat,
        paid_minor=paid,
        due_minor=net + vat - paid,
        buyer_reference=buyer_reference,
        order_reference="0193a5c2-7f3a-7b6e-9d41-3c2e5f1a8b90",
        delivery_country=buyer.country,
        delivery_city=buyer.city,
        delivery_postal_code=buyer.postal_code,
        delivery_street=buyer.street,
        iban=iban,
        bic=None,
        payment_terms=bilingual(
            {
                lang: payment_terms_text(due_on, net + vat - paid, currency, lang, paid_minor=paid, kind=kind)
                for lang in languages
            }
        ),
        notes=notes,
        languages=languages,
        tax_currency=stated_again,
        preceding_number=preceding,
        preceding_issued_on=ISSUED - dt.timedelta(days=30) if preceding else None,
        public_buyer=buyer is STADT,
    )


def domestic_german() -> Document:
    """Bread at 7 % and a crate at 19 % to a German town, which gave its Leitweg-ID."""
    lines = [
        line(1, "Roggenmischbrot 1 kg", "24", "H87", "3.85", "S", "7", "EUR"),
        line(2, "Brötchen, Kiste zu 50", "3", "XBX", "17.49", "S", "7", "EUR"),
        line(3, "Mehrweg-Transportkiste", "2", "H87", "12.605", "S", "19", "EUR"),
    ]
    return document(MUELLER, STADT, lines, iban=GERMAN_IBAN, buyer_reference="14626110-GOERLITZ-43")


def polish_to_german() -> Document:
    """Goods across an EU border to a buyer with a VAT number: exempt intra-Community supply (K), in
    Polish and German."""
    lines = [
        line(1, "Chleb żytni na zakwasie", "40", "H87", "14.50", "K", "0", "PLN"),
        line(2, "Pierniki toruńskie", "12.5", "KGM", "62.00", "K", "0", "PLN"),
    ]
    return document(NOWAK, BIOLADEN, lines, currency="PLN", iban=POLISH_IBAN)


def small_business() -> Document:
    """A seller under the small-business exemption (E), without a VAT number, paid by card."""
    lines = [line(1, "Waldhonig 500 g", "10", "XJR", "7.90", "E", "0", "EUR")]
    treatments = {"E": (VatNote.small_business, None)}
    return document(KLEIN, BIOLADEN, lines, treatments=treatments, paid_in_full=True)


def credit_note() -> Document:
    """Money given back on an intra-Community supply, in Czech and English."""
    lines = [line(1, "Chléb kmínový", "5", "H87", "2.40", "K", "0", "EUR")]
    return document(
        SVOBODA,
        DUBLIN,
        lines,
        kind=DocumentKind.credit_note,
        number="INV-000031-C1",
        preceding="INV-000031",
    )


def export() -> Document:
    """Goods leaving the EU (G), to a buyer reading a language without a catalog (English)."""
    lines = [line(1, "Lebkuchen, Karton", "30", "XBX", "21.00", "G", "0", "EUR")]
    return document(MUELLER, KYIV, lines, iban=GERMAN_IBAN)


def euro_from_poland() -> Document:
    """A Polish seller's invoice in euro to a German buyer without a VAT number: Polish VAT, stated
    again in złoty at the NBP's rate."""
    lines = [
        line(1, "Sernik krakowski", "6", "H87", "18.90", "S", "8", "EUR"),
        line(2, "Kosz prezentowy", "2", "H87", "45.00", "S", "23", "EUR"),
    ]
    buyer = dataclasses.replace(BIOLADEN, vat_number=None)
    treatments = {"S": (VatNote.seller_rate_abroad, None)}
    return document(NOWAK, buyer, lines, treatments=treatments, iban=POLISH_IBAN, tax_currency=("PLN", "4.2654"))


def not_registered() -> Document:
    """A seller not registered for VAT (O): no VAT identifier may be named in the XML (BR-O-02)."""
    lines = [line(1, "Apfelsaft 1 l", "12", "XBO", "2.20", "O", "0", "EUR")]
    treatments = {"O": (VatNote.not_registered, "VATEX-EU-O")}
    return document(KLEIN, BIOLADEN, lines, treatments=treatments, iban=GERMAN_IBAN)


SPOLEM = party(
    "Społem PSS Lubań",
    "PL",
    city="Lubań",
    street="ul. Rynek 14",
    postal_code="59-800",
    vat_number="PL1010000008",
    registration_scheme="PL-NIP",
    registration_id="1010000008",
    email="faktury@spolem-luban.example.pl",
    phone=None,
    contact_name=None,
    language="pl",
)


def polish_domestic() -> Document:
    """A Polish seller to a Polish buyer in złoty, at each of Poland's three rates (23, 8, 5 %); the
    8 % group's VAT (61.46) is a grosz more than its lines' VAT rounded one by one."""
    lines = [
        line(1, "Chleb żytni na zakwasie", "40", "H87", "11.70", "S", "5", "PLN"),
        line(2, "Pierniki toruńskie", "12.5", "KGM", "48.33", "S", "8", "PLN"),
        line(3, "Kosz prezentowy", "3", "H87", "61.79", "S", "23", "PLN"),
        line(4, "Pączki, karton", "4", "XBX", "41.015", "S", "8", "PLN"),
    ]
    return document(NOWAK, SPOLEM, lines, currency="PLN", iban=POLISH_IBAN)


ALL = {
    "domestic_german": domestic_german,
    "polish_domestic": polish_domestic,
    "polish_to_german": polish_to_german,
    "small_business": small_business,
    "credit_note": credit_note,
    "export": export,
    "euro_from_poland": euro_from_poland,
    "not_registered": not_registered,
}
