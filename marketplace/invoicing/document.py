"""What a legal invoice or credit note says, gathered once from the order, its invoice and the two
organisations, and then written out in each format (PDF, XRechnung, Factur-X). Every renderer
reads only this: no renderer looks anything up.

Money is in minor units of `currency`; VAT is computed per VAT breakdown group (EN 16931
BR-CO-17: the group's taxable amount times its rate, rounded once), never summed per line.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from marketplace.tax.decision import VatNote


class DocumentKind(enum.StrEnum):
    invoice = "invoice"
    """UNTDID 1001 code 380."""
    credit_note = "credit_note"
    """UNTDID 1001 code 381: money given back on an invoice (a dispute's refund, a cancellation)."""


class CreditReason(enum.StrEnum):
    """Why money was taken back on an invoice: what its credit note says first."""

    cancelled = "cancelled"
    """The order was cancelled after the invoice was issued: the whole invoice is credited."""
    rejected = "rejected"
    """The seller rejected the order after the invoice was issued: the whole invoice is credited."""
    dispute = "dispute"
    """A dispute's decision refunded part or all of it."""


@dataclass(frozen=True)
class Party:
    name: str
    country: str
    """ISO 3166-1 alpha-2."""
    city: str | None
    street: str | None
    postal_code: str | None
    vat_number: str | None
    """With its country prefix (DE301234565); None when the party has none."""
    registration_scheme: str
    """How `registration_id` is issued (PL-NIP, DE-USTID, PL-KRS, DE-GKZ ...)."""
    registration_id: str
    email: str | None
    """Where invoices are sent (the seller's: its contact address)."""
    phone: str | None
    contact_name: str | None
    language: str
    """The party's first language (the documents are written in the seller's and the buyer's)."""


@dataclass(frozen=True)
class Line:
    position: int
    """1, 2, 3 ... (BT-126)."""
    sku: str
    title: str
    quantity: Decimal
    unit_code: str
    """UN/CEFACT Rec 20 (KGM, H87 ...); shown by name on the PDF."""
    unit_price: Decimal
    """Net, in currency units, as many digits as the listing has."""
    net_minor: int
    """Quantity times price, rounded once (BT-131)."""
    vat_code: str
    """EN 16931 VAT category code: S, Z, E, AE, K, G or O."""
    vat_rate: Decimal
    """Percent."""


@dataclass(frozen=True)
class VatGroup:
    """One row of the VAT breakdown (BG-23): the lines of one category and rate."""

    code: str
    rate: Decimal
    taxable_minor: int
    tax_minor: int
    note: VatNote | None
    exemption_code: str | None
    """VATEX code (BT-121)."""
    exemption_text: str | None
    """The note in the document's languages (BT-120), for every code but S and Z."""


@dataclass(frozen=True)
class TaxCurrency:
    """The VAT stated again in the seller's national currency, for an invoice in another one."""

    currency: str
    tax_minor: int
    rate: Decimal
    """Units of `currency` per unit of the invoice's currency."""
    rate_date: dt.date
    rate_source: str


@dataclass(frozen=True)
class Document:
    kind: DocumentKind
    number: str
    """Per seller, without gaps (INV-000012); a credit note's carries its invoice's (INV-000012-C1)."""
    issued_on: dt.date
    supplied_on: dt.date
    """When the goods were delivered (the tax point), or the order day when not yet delivered."""
    due_on: dt.date
    currency: str
    seller: Party
    buyer: Party
    lines: tuple[Line, ...]
    groups: tuple[VatGroup, ...]
    net_minor: int
    vat_minor: int
    gross_minor: int
    """`net_minor + vat_minor`: what the buyer pays (a credit note: what is given back)."""
    paid_minor: int
    """Already paid (BT-113): for an invoice paid by card, all of it."""
    due_minor: int
    """Still to pay (BT-115)."""
    buyer_reference: str
    """BT-10: the Leitweg-ID of a German public buyer, else the order's reference."""
    order_reference: str
    """The order's id (BT-13)."""
    delivery_country: str
    delivery_city: str | None
    delivery_postal_code: str | None
    delivery_street: str | None
    iban: str | None
    """The seller's account for a credit transfer (BT-84), checked when it was entered."""
    bic: str | None
    payment_terms: str
    """In the document's languages (BT-20)."""
    notes: tuple[str, ...]
    """In the document's languages (BT-22): why no VAT was charged, distance selling ..."""
    languages: tuple[str, ...]
    """The seller's language, then the buyer's when it differs (a bilingual document)."""
    tax_currency: TaxCurrency | None
    preceding_number: str | None = None
    """A credit note's invoice (BT-25)."""
    preceding_issued_on: dt.date | None = None
    public_buyer: bool = False
    """The buyer is a public body (a German one is sent an XRechnung with its Leitweg-ID)."""
    payee: str | None = None
    """Whom the buyer pays when it is not the seller (BG-10, BT-59): the consortium what the invoice
    asks was assigned to, under a notice of assignment; `iban` is then the payee's account."""
