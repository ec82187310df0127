"""The VAT of a line, decided from seller country x buyer country x buyer's VAT status x the seller's
exemption x goods or services x the listing's category (EU rules for B2B supplies)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from marketplace.tax.decision import NoRate, Supply, TaxParty, VatNote, decide, supply_of
from marketplace.tax.models import VatCategory, VatScheme
from marketplace.tax.rates import shipped_rate

DAY = dt.date(2026, 12, 6)
REG = VatScheme.registered
SMALL = VatScheme.small_business
NONE = VatScheme.not_registered
G = Supply.goods
SV = Supply.services
STD = VatCategory.standard
RED = VatCategory.reduced
SUP = VatCategory.super_reduced
ZERO = VatCategory.zero
EX = VatCategory.exempt

VAT_NUMBERS = {"DE": "DE136695976", "PL": "PL5260250274", "CZ": "CZ25123891", "SK": "SK2020317068",
               "AT": "ATU13585627", "FR": "FR40303265045", "CH": "CHE116281710", "UA": "UA1234567890"}  # fmt: skip


def party(country: str, scheme: VatScheme) -> TaxParty:
    return TaxParty(country=country, scheme=scheme, vat_number=VAT_NUMBERS[country] if scheme is REG else None)


CASES = [
    # seller, its scheme, buyer, its scheme, supply, category -> code, rate, note
    # domestic: the seller's country's rate for the category
    ("DE", REG, "DE", REG, G, STD, "S", "19", None),
    ("DE", REG, "DE", NONE, G, RED, "S", "7", None),
    ("PL", REG, "PL", REG, G, SUP, "S", "5", None),
    ("PL", REG, "PL", REG, SV, RED, "S", "8", None),
    ("CZ", REG, "CZ", REG, G, RED, "S", "12", None),
    ("SK", REG, "SK", REG, G, STD, "S", "23", None),
    ("SK", REG, "SK", REG, G, SUP, "S", "5", None),
    ("AT", REG, "AT", REG, G, RED, "S", "10", None),
    ("FR", REG, "FR", REG, G, SUP, "S", "2.1", None),
    ("DE", REG, "DE", REG, G, ZERO, "Z", "0", None),
    ("CH", REG, "CH", REG, G, STD, "S", "8.1", None),
    # intra-EU goods to a buyer with a VAT number: Article 138
    ("PL", REG, "DE", REG, G, SUP, "K", "0", VatNote.intra_community),
    ("DE", REG, "PL", REG, G, RED, "K", "0", VatNote.intra_community),
    ("CZ", REG, "SK", REG, G, STD, "K", "0", VatNote.intra_community),
    ("AT", REG, "FR", REG, G, STD, "K", "0", VatNote.intra_community),
    # intra-EU services to a buyer with a VAT number: Articles 44 and 196
    ("PL", REG, "DE", REG, SV, STD, "AE", "0", VatNote.reverse_charge),
    ("FR", REG, "CZ", REG, SV, RED, "AE", "0", VatNote.reverse_charge),
    # intra-EU to a buyer without a VAT number: the seller's rate, and the distance-selling note
    ("PL", REG, "DE", NONE, G, STD, "S", "23", VatNote.seller_rate_abroad),
    ("DE", REG, "CZ", SMALL, G, RED, "S", "7", VatNote.seller_rate_abroad),
    ("SK", REG, "AT", NONE, SV, STD, "S", "23", VatNote.seller_rate_abroad),
    # the seller's small-business exemption, whatever the buyer
    ("DE", SMALL, "DE", REG, G, STD, "E", "0", VatNote.small_business),
    ("PL", SMALL, "DE", REG, G, STD, "E", "0", VatNote.small_business),
    ("CZ", SMALL, "CH", REG, SV, STD, "E", "0", VatNote.small_business),
    # a seller not registered for VAT charges none
    ("AT", NONE, "DE", REG, G, STD, "O", "0", VatNote.not_registered),
    # exempt goods or services stay exempt across the border
    ("DE", REG, "PL", REG, SV, EX, "E", "0", VatNote.exempt),
    ("FR", REG, "FR", REG, G, EX, "E", "0", VatNote.exempt),
    # across the EU's border: export of goods, services outside the scope of EU VAT
    ("DE", REG, "CH", REG, G, STD, "G", "0", VatNote.export),
    ("PL", REG, "UA", NONE, G, RED, "G", "0", VatNote.export),
    ("CH", REG, "DE", REG, G, STD, "G", "0", VatNote.export),
    ("SK", REG, "UA", REG, SV, STD, "O", "0", VatNote.outside_scope),
]


@pytest.mark.parametrize(
    ("seller", "seller_scheme", "buyer", "buyer_scheme", "supply", "category", "code", "rate", "note"), CASES
)
def test_line_vat_follows_the_eu_b2b_rules(
    seller: str,
    seller_scheme: VatScheme,
    buyer: str,
    buyer_scheme: VatScheme,
    supply: Supply,
    category: VatCategory,
    code: str,
    rate: str,
    note: VatNote | None,
) -> None:
    taken = decide(
        party(seller, seller_scheme), party(buyer, buyer_scheme), supply, category, shipped_rate(seller, category, DAY)
    )
    assert (taken.code, taken.rate, taken.note) == (code, Decimal(rate), note)


@pytest.mark.parametrize(
    ("seller", "buyer", "supply", "destination", "code", "rate", "note"),
    [
        # A Swiss buyer takes the goods in Görlitz: a German sale, not an export.
        ("DE", "CH", G, "DE", "S", "19", None),
        # A German buyer with a VAT number takes them in Zgorzelec: a Polish sale, not intra-Community.
        ("PL", "DE", G, "PL", "S", "23", None),
        # A German seller delivers to Poland for a buyer identified in Germany: German VAT (Art. 138 needs
        # the buyer identified in another member state than the one the goods leave).
        ("DE", "DE", G, "PL", "S", "19", VatNote.seller_rate_abroad),
        # Delivered to Poland for a Czech buyer with a VAT number: intra-Community.
        ("DE", "CZ", G, "PL", "K", "0", VatNote.intra_community),
        # Services are supplied where the buyer is, wherever they are performed.
        ("PL", "DE", SV, "PL", "AE", "0", VatNote.reverse_charge),
    ],
)
def test_goods_are_taxed_where_they_are_delivered_and_services_where_the_buyer_is(
    seller: str, buyer: str, supply: Supply, destination: str, code: str, rate: str, note: VatNote | None
) -> None:
    taken = decide(
        party(seller, REG), party(buyer, REG), supply, STD, shipped_rate(seller, STD, DAY), destination=destination
    )
    assert (taken.code, taken.rate, taken.note) == (code, Decimal(rate), note)


def test_zero_rated_lines_cite_their_vatex_code_when_the_law_exempts_them() -> None:
    ic = decide(party("PL", REG), party("DE", REG), G, STD, Decimal(23))
    rc = decide(party("PL", REG), party("DE", REG), SV, STD, Decimal(23))
    export = decide(party("DE", REG), party("CH", REG), G, STD, Decimal(19))
    assert (ic.exemption_code, rc.exemption_code, export.exemption_code) == ("VATEX-EU-IC", "VATEX-EU-AE", "VATEX-EU-G")


def test_a_registered_buyer_without_a_number_pays_the_sellers_rate_when_abroad() -> None:
    buyer = TaxParty(country="DE", scheme=REG, vat_number=None)
    assert decide(party("PL", REG), buyer, G, STD, Decimal(23)).code == "S"


def test_no_rate_is_refused_when_the_sellers_country_has_no_such_category() -> None:
    assert shipped_rate("DE", SUP, DAY) is None
    with pytest.raises(NoRate):
        decide(party("DE", REG), party("DE", REG), G, SUP, shipped_rate("DE", SUP, DAY))


@pytest.mark.parametrize(
    ("country", "category", "day", "rate"),
    [
        ("DE", STD, dt.date(2020, 6, 30), "19"),
        ("DE", STD, dt.date(2020, 7, 1), "16"),
        ("DE", RED, dt.date(2020, 12, 31), "5"),
        ("DE", STD, dt.date(2021, 1, 1), "19"),
        ("CZ", RED, dt.date(2023, 12, 31), "15"),
        ("CZ", RED, dt.date(2024, 1, 1), "12"),
        ("SK", STD, dt.date(2024, 12, 31), "20"),
        ("SK", STD, dt.date(2025, 1, 1), "23"),
    ],
)
def test_a_rate_change_applies_from_its_day(country: str, category: VatCategory, day: dt.date, rate: str) -> None:
    assert shipped_rate(country, category, day) == Decimal(rate)


def test_a_country_without_shipped_rates_has_none() -> None:
    assert shipped_rate("BR", STD, DAY) is None


@pytest.mark.parametrize(
    ("scheme", "code", "supply"),
    [("CPV", "15811100-7", G), ("CPV", "55520000-1", SV), ("CPV", "90910000-9", SV), ("HS", "0409.00", G)],
)
def test_goods_and_services_are_told_apart_by_the_classification(scheme: str, code: str, supply: Supply) -> None:
    assert supply_of(scheme, code) is supply
