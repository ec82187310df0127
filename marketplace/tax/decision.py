"""Which VAT an order line carries: the EU rules for business-to-business supplies, as a pure
function of the two parties, what is supplied and the seller's rate.

The outcome is an EN 16931 VAT category code (UNCL 5305), a rate, the note the invoice must carry
and, for the zero-rated cases, the VATEX exemption reason code:

| case                                                      | code | rate         | note                  |
| --------------------------------------------------------- | ---- | ------------ | --------------------- |
| seller not registered for VAT                             | O    | 0            | not_registered        |
| seller under a small-business exemption                   | E    | 0            | small_business        |
| goods or services exempt by their category                | E    | 0            | exempt                |
| seller and buyer in one country                           | S/Z  | seller's     | —                     |
| EU → other EU, buyer's VAT number, goods (Art. 138)       | K    | 0            | intra_community       |
| EU → other EU, buyer's VAT number, services (Art. 44/196) | AE   | 0            | reverse_charge        |
| EU → other EU, buyer without VAT number                   | S/Z  | seller's     | seller_rate_abroad    |
| goods across the EU's border (either way)                 | G    | 0            | export                |
| services across the EU's border                           | O    | 0            | outside_scope         |

Goods are placed where they are delivered, services where the buyer is established.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from kernel.errors import Conflict
from marketplace.tax.models import VatCategory, VatScheme
from marketplace.tax.rates import EU_MEMBERS


class Supply(enum.StrEnum):
    goods = "goods"
    services = "services"


class VatNote(enum.StrEnum):
    """What the invoice must say about the VAT of its lines (each in the invoice's languages)."""

    not_registered = "not_registered"
    small_business = "small_business"
    exempt = "exempt"
    intra_community = "intra_community"
    reverse_charge = "reverse_charge"
    seller_rate_abroad = "seller_rate_abroad"
    export = "export"
    outside_scope = "outside_scope"


@dataclass(frozen=True)
class TaxParty:
    country: str
    scheme: VatScheme
    vat_number: str | None = None

    @property
    def identified(self) -> bool:
        """Registered for VAT with a number (a number is checked when it is entered)."""
        return self.scheme is VatScheme.registered and bool(self.vat_number)


@dataclass(frozen=True)
class Treatment:
    code: str
    """EN 16931 VAT category code (BT-151): S, Z, E, AE, K, G or O."""
    rate: Decimal
    """Percent."""
    note: VatNote | None = None
    exemption_code: str | None = None
    """VATEX code (BT-121) of a line taxed at 0 for a reason of law."""


class NoRate(Conflict):
    """The seller's country has no rate of the line's category on the day (its listing's category
    must be changed), or the service ships no rates for that country."""

    slug = "vat-rate-missing"


def supply_of(scheme: str, code: str) -> Supply:
    """Goods or services by the listing's classification: CPV divisions 45 and up are works and
    services, everything else (and every HS code) is goods."""
    if scheme.upper() == "CPV" and code[:2].isdigit() and int(code[:2]) >= 45:  # noqa: PLR2004
        return Supply.services
    return Supply.goods


#: The VATEX code (BT-121) of each category taxed at 0 for a reason of EU law.
EXEMPTION_CODES = {"K": "VATEX-EU-IC", "AE": "VATEX-EU-AE", "G": "VATEX-EU-G", "O": "VATEX-EU-O"}


def _zero(code: str, note: VatNote) -> Treatment:
    return Treatment(code=code, rate=Decimal(0), note=note, exemption_code=EXEMPTION_CODES.get(code))


def decide(  # noqa: PLR0911 - one return per row of the table above
    seller: TaxParty,
    buyer: TaxParty,
    supply: Supply,
    category: VatCategory,
    seller_rate: Decimal | None,
    destination: str | None = None,
) -> Treatment:
    """The VAT of a line sold by `seller` to `buyer`; `seller_rate` is the rate of `category` in
    the seller's country on the day of the order (None: the country has no such rate). Goods cross
    a border when they are delivered to `destination` (a country; default the buyer's) outside the
    seller's country: goods a foreign buyer takes delivery of in the seller's country are a domestic
    sale. Services are supplied where the buyer is (Article 44). Raises `NoRate` when the seller's
    rate applies but there is none."""
    if seller.scheme is VatScheme.not_registered:
        return _zero("O", VatNote.not_registered)
    if seller.scheme is VatScheme.small_business:
        return _zero("E", VatNote.small_business)
    if category is VatCategory.exempt:
        return _zero("E", VatNote.exempt)
    place = (destination or buyer.country) if supply is Supply.goods else buyer.country
    if seller.country != place:
        if seller.country not in EU_MEMBERS or place not in EU_MEMBERS:
            return _zero("G", VatNote.export) if supply is Supply.goods else _zero("O", VatNote.outside_scope)
        if buyer.identified and buyer.country != seller.country:
            return (
                _zero("K", VatNote.intra_community) if supply is Supply.goods else _zero("AE", VatNote.reverse_charge)
            )
    if seller_rate is None:
        raise NoRate(f"{seller.country} has no {category.value} VAT rate")
    note = VatNote.seller_rate_abroad if seller.country != place else None
    if category is VatCategory.zero or seller_rate == 0:
        return Treatment(code="Z", rate=Decimal(0), note=note)
    return Treatment(code="S", rate=seller_rate, note=note)
