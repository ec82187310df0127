"""A Polish seller's or buyer's invoice as a KSeF FA(3) XML: valid against the official XSD, each
VAT category under its Polish rate code and annotations, its sums the document's to the grosz; a
document that cannot be one is refused with the reason, and a broken XML is told what is wrong."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from lxml import etree

from kernel.money import from_minor
from marketplace.invoicing.document import Document, DocumentKind
from marketplace.invoicing.ksef import KsefCorrectionUnsupported, KsefNotApplicable, fa3, validate_fa3
from marketplace.tax.decision import VatNote
from tests.unit.marketplace.invoicing import documents
from tests.unit.marketplace.invoicing.documents import DUBLIN, KYIV, NOWAK, POLISH_IBAN, SPOLEM, document, line

FA = {"fa": "http://crd.gov.pl/wzor/2025/06/25/13775/"}
#: A Polish seller under the small-business exemption: no VAT number, its NIP as its registration.
NOWAK_EXEMPT = dataclasses.replace(NOWAK, vat_number=None)


def services_to_ireland() -> Document:
    """Services to a business with an Irish VAT number (AE): the buyer accounts for the VAT."""
    lines = [line(1, "Warsztaty piekarnicze", "6", "HUR", "85.00", "AE", "0", "EUR")]
    return document(NOWAK, DUBLIN, lines, iban=POLISH_IBAN)


def export_to_ukraine() -> Document:
    """Goods leaving the EU (G) to a buyer without an EU VAT number."""
    lines = [line(1, "Pierniki toruńskie, karton", "30", "XBX", "54.00", "G", "0", "PLN")]
    return document(NOWAK, KYIV, lines, currency="PLN", iban=POLISH_IBAN)


def services_to_ukraine() -> Document:
    """Services across the EU's border (O, outside the scope of Polish VAT)."""
    lines = [line(1, "Szkolenie online", "2", "HUR", "120.00", "O", "0", "PLN")]
    treatments = {"O": (VatNote.outside_scope, "VATEX-EU-O")}
    return document(NOWAK, KYIV, lines, currency="PLN", treatments=treatments, iban=POLISH_IBAN)


def small_business_at_home() -> Document:
    """A Polish seller exempt by its turnover (E), to a Polish buyer."""
    lines = [line(1, "Miód wielokwiatowy 1 kg", "8", "XJR", "42.00", "E", "0", "PLN")]
    treatments = {"E": (VatNote.small_business, None)}
    return document(NOWAK_EXEMPT, SPOLEM, lines, currency="PLN", treatments=treatments)


def not_registered_at_home() -> Document:
    """A Polish seller not registered for VAT (O), to a Polish buyer."""
    lines = [line(1, "Sok jabłkowy 1 l", "12", "XBO", "9.50", "O", "0", "PLN")]
    treatments = {"O": (VatNote.not_registered, "VATEX-EU-O")}
    return document(NOWAK_EXEMPT, SPOLEM, lines, currency="PLN", treatments=treatments, iban=POLISH_IBAN)


def exempt_and_taxed() -> Document:
    """An exempt line (E, by its category) beside a taxed one, at home."""
    lines = [
        line(1, "Kosz prezentowy", "2", "H87", "61.79", "S", "23", "PLN"),
        line(2, "Kurs pszczelarski", "1", "H87", "300.00", "E", "0", "PLN"),
    ]
    treatments = {"E": (VatNote.exempt, None)}
    return document(NOWAK, SPOLEM, lines, currency="PLN", treatments=treatments, iban=POLISH_IBAN)


def _polish_invoice(make: Callable[[], Document]) -> bool:
    doc = make()
    return doc.kind is DocumentKind.invoice and "PL" in (doc.seller.country, doc.buyer.country)


POLISH: dict[str, Callable[[], Document]] = {
    **{name: make for name, make in documents.ALL.items() if _polish_invoice(make)},
    "services_to_ireland": services_to_ireland,
    "export_to_ukraine": export_to_ukraine,
    "services_to_ukraine": services_to_ukraine,
    "small_business_at_home": small_business_at_home,
    "not_registered_at_home": not_registered_at_home,
    "exempt_and_taxed": exempt_and_taxed,
}
#: Where a breakdown group's taxable amount and VAT go: (P_13_x, P_14_x) by category, rate and
#: note (an O line is exempt at home when its seller is not registered, else supplied abroad).
SUMS: dict[tuple[str, Decimal, VatNote | None], tuple[str, str | None]] = {
    ("S", Decimal(23), None): ("P_13_1", "P_14_1"),
    ("S", Decimal(23), VatNote.seller_rate_abroad): ("P_13_1", "P_14_1"),
    ("S", Decimal(8), None): ("P_13_2", "P_14_2"),
    ("S", Decimal(8), VatNote.seller_rate_abroad): ("P_13_2", "P_14_2"),
    ("S", Decimal(5), None): ("P_13_3", "P_14_3"),
    ("K", Decimal(0), VatNote.intra_community): ("P_13_6_2", None),
    ("G", Decimal(0), VatNote.export): ("P_13_6_3", None),
    ("E", Decimal(0), VatNote.small_business): ("P_13_7", None),
    ("E", Decimal(0), VatNote.exempt): ("P_13_7", None),
    ("O", Decimal(0), VatNote.not_registered): ("P_13_7", None),
    ("O", Decimal(0), VatNote.outside_scope): ("P_13_8", None),
    ("AE", Decimal(0), VatNote.reverse_charge): ("P_13_9", None),
}


def tree_of(doc: Document) -> Any:
    return etree.fromstring(fa3(doc))


def text(tree: Any, path: str) -> str | None:
    found: str | None = tree.findtext(path, namespaces=FA)
    return found


def rates(tree: Any) -> list[str | None]:
    return [row.findtext("fa:P_12", namespaces=FA) for row in tree.iterfind("fa:Fa/fa:FaWiersz", FA)]


@pytest.mark.parametrize("case", POLISH)
def test_every_polish_invoice_is_valid_against_the_fa3_schema(case: str) -> None:
    assert validate_fa3(fa3(POLISH[case]())) == []


@pytest.mark.parametrize("case", POLISH)
def test_the_sums_are_the_documents_to_the_grosz(case: str) -> None:
    doc = POLISH[case]()
    expected: dict[str, Decimal] = {}
    for group in doc.groups:
        net_field, vat_field = SUMS[(group.code, group.rate, group.note)]
        expected[net_field] = expected.get(net_field, Decimal(0)) + from_minor(group.taxable_minor, doc.currency)
        if vat_field:
            expected[vat_field] = expected.get(vat_field, Decimal(0)) + from_minor(group.tax_minor, doc.currency)
    fa = tree_of(doc).find("fa:Fa", FA)
    written = {
        etree.QName(each).localname: Decimal(each.text)
        for each in fa
        if etree.QName(each).localname.startswith(("P_13_", "P_14_")) and not etree.QName(each).localname.endswith("W")
    }
    assert written == expected
    assert Decimal(text(fa, "fa:P_15") or "") == from_minor(doc.gross_minor, doc.currency)


def test_a_group_s_vat_is_rounded_once_not_line_by_line() -> None:
    doc = documents.polish_domestic()
    line_by_line = sum(
        (from_minor(each.net_minor, "PLN") * each.vat_rate / 100).quantize(Decimal("0.01"))
        for each in doc.lines
        if each.vat_rate == 8
    )
    assert line_by_line == Decimal("61.45")
    assert text(tree_of(doc), "fa:Fa/fa:P_14_2") == "61.46"


def test_polish_parties_are_named_by_their_nip() -> None:
    tree = tree_of(documents.polish_domestic())
    assert text(tree, "fa:Podmiot1/fa:DaneIdentyfikacyjne/fa:NIP") == "6151234561"
    assert text(tree, "fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:NIP") == "1010000008"
    assert text(tree, "fa:Podmiot1/fa:Adres/fa:AdresL2") == "59-900 Zgorzelec"
    assert rates(tree) == ["5", "8", "23", "8"]
    assert text(tree, "fa:Fa/fa:KodWaluty") == "PLN"
    assert text(tree, "fa:Fa/fa:P_1") == str(documents.ISSUED)
    assert text(tree, "fa:Fa/fa:P_6") == "2026-12-02"
    assert text(tree, "fa:Fa/fa:Platnosc/fa:TerminPlatnosci/fa:Termin") == "2026-12-18"
    assert text(tree, "fa:Fa/fa:Platnosc/fa:FormaPlatnosci") == "6"
    assert text(tree, "fa:Fa/fa:Platnosc/fa:RachunekBankowy/fa:NrRB") == POLISH_IBAN


def test_a_seller_without_a_vat_number_is_named_by_its_nip_registration() -> None:
    tree = tree_of(small_business_at_home())
    assert text(tree, "fa:Podmiot1/fa:DaneIdentyfikacyjne/fa:NIP") == "6151234561"


def test_an_intra_community_supply_is_0_wdt_to_the_buyers_eu_vat_number() -> None:
    tree = tree_of(documents.polish_to_german())
    assert rates(tree) == ["0 WDT", "0 WDT"]
    assert text(tree, "fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:KodUE") == "DE"
    assert text(tree, "fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:NrVatUE") == "811569869"
    assert text(tree, "fa:Fa/fa:Adnotacje/fa:P_18") == "2"  # not "odwrotne obciążenie"
    assert text(tree, "fa:Fa/fa:Adnotacje/fa:Zwolnienie/fa:P_19N") == "1"


def test_services_to_an_eu_business_are_np_ii_with_reverse_charge() -> None:
    tree = tree_of(services_to_ireland())
    assert rates(tree) == ["np II"]
    assert text(tree, "fa:Fa/fa:Adnotacje/fa:P_18") == "1"
    assert text(tree, "fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:KodUE") == "IE"
    assert text(tree, "fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:NrVatUE") == "6388047V"
    assert text(tree, "fa:Fa/fa:P_13_9") == "510.00"


def test_an_export_is_0_ex_to_a_buyer_named_by_country_and_registration() -> None:
    tree = tree_of(export_to_ukraine())
    assert rates(tree) == ["0 EX"]
    assert text(tree, "fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:KodKraju") == "UA"
    assert text(tree, "fa:Podmiot2/fa:DaneIdentyfikacyjne/fa:NrID") == "32855961"
    assert text(tree, "fa:Fa/fa:Adnotacje/fa:P_18") == "2"


def test_services_outside_the_eu_are_np_i() -> None:
    assert rates(tree_of(services_to_ukraine())) == ["np I"]


@pytest.mark.parametrize("make", [small_business_at_home, not_registered_at_home])
def test_a_seller_exempt_by_its_turnover_names_article_113(make: Callable[[], Document]) -> None:
    tree = tree_of(make())
    assert rates(tree) == ["zw"]
    assert text(tree, "fa:Fa/fa:Adnotacje/fa:Zwolnienie/fa:P_19") == "1"
    assert text(tree, "fa:Fa/fa:Adnotacje/fa:Zwolnienie/fa:P_19A") == "art. 113 ust. 1 ustawy o VAT"


def test_an_exempt_line_names_article_43_beside_a_taxed_one() -> None:
    tree = tree_of(exempt_and_taxed())
    assert rates(tree) == ["23", "zw"]
    assert text(tree, "fa:Fa/fa:Adnotacje/fa:Zwolnienie/fa:P_19A") == "art. 43 ust. 1 ustawy o VAT"


def test_an_invoice_in_euro_states_its_vat_in_zloty_at_the_rate_it_names() -> None:
    doc = documents.euro_from_poland()
    assert doc.tax_currency is not None
    tree = tree_of(doc)
    assert text(tree, "fa:Fa/fa:KodWaluty") == "EUR"
    assert {row.findtext("fa:KursWaluty", namespaces=FA) for row in tree.iterfind("fa:Fa/fa:FaWiersz", FA)} == {
        "4.2654"
    }
    for rate in ("1", "2"):
        vat = Decimal(text(tree, f"fa:Fa/fa:P_14_{rate}") or "")
        in_zloty = Decimal(text(tree, f"fa:Fa/fa:P_14_{rate}W") or "")
        assert abs(in_zloty - vat * doc.tax_currency.rate) <= Decimal("0.01")


def test_an_invoice_in_euro_with_vat_but_no_zloty_rate_is_refused() -> None:
    doc = dataclasses.replace(documents.euro_from_poland(), tax_currency=None)
    with pytest.raises(KsefNotApplicable, match="złoty"):
        fa3(doc)


def test_an_invoice_without_a_polish_party_is_refused() -> None:
    with pytest.raises(KsefNotApplicable, match="a KSeF FA\\(3\\) invoice is for Polish sellers and buyers"):
        fa3(documents.domestic_german())


def test_a_foreign_seller_without_a_nip_is_refused_even_to_a_polish_buyer() -> None:
    lines = [line(1, "Roggenmischbrot 1 kg", "24", "H87", "3.85", "K", "0", "EUR")]
    with pytest.raises(KsefNotApplicable, match="NIP"):
        fa3(document(documents.MUELLER, SPOLEM, lines))


def test_a_credit_note_is_refused_until_corrections_are_written() -> None:
    doc = dataclasses.replace(documents.polish_to_german(), kind=DocumentKind.credit_note)
    with pytest.raises(KsefCorrectionUnsupported, match="KSeF corrections are not supported yet"):
        fa3(doc)


def test_a_rate_poland_does_not_have_is_refused() -> None:
    lines = [line(1, "Brot", "1", "H87", "3.00", "S", "19", "PLN")]
    with pytest.raises(KsefNotApplicable, match="19 % is not a Polish VAT rate"):
        fa3(document(NOWAK, SPOLEM, lines, currency="PLN"))


def test_an_invoice_without_the_sellers_nip_fails_validation_saying_so() -> None:
    tree = tree_of(documents.polish_domestic())
    identity = tree.find("fa:Podmiot1/fa:DaneIdentyfikacyjne", FA)
    identity.remove(identity.find("fa:NIP", FA))
    problems = validate_fa3(etree.tostring(tree))
    assert problems
    assert "NIP" in problems[0]


def test_a_wrong_rate_code_fails_validation_saying_so() -> None:
    broken = fa3(documents.polish_domestic()).replace(b"<P_12>23</P_12>", b"<P_12>19</P_12>")
    [problem] = validate_fa3(broken)
    assert "P_12" in problem
    assert "19" in problem


def test_a_file_that_is_not_xml_fails_validation() -> None:
    [problem] = validate_fa3(b"<Faktura>")
    assert "not well-formed" in problem
