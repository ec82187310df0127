"""Invoices as documents: gathered from the order, its invoice and the two organisations into one
`Document`, then written as a PDF, an XRechnung (UBL) or a Factur-X PDF; an invoice money was taken
back on has a credit note too (`credit`). Only the members of the seller and of the buyer may read
them (anyone else: 404, as for the invoice itself)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import NotFound
from kernel.fx import find_rate
from kernel.money import from_minor, to_minor
from marketplace.invoicing import credit, wording
from marketplace.invoicing.document import (
    CreditReason,
    Document,
    DocumentKind,
    Line,
    Party,
    TaxCurrency,
    VatGroup,
)
from marketplace.order.models import Order, OrderLine, OrderStatus
from marketplace.order.repository import OrderRepository
from marketplace.order.taxes import vat_breakdown
from marketplace.organization.models import Organization
from marketplace.organization.repository import OrganizationRepository
from marketplace.payment.models import Invoice, InvoiceStatus
from marketplace.payment.service import InvoiceService, invoice_number
from marketplace.tax.decision import EXEMPTION_CODES, VatNote
from marketplace.tax.rates import NATIONAL_CURRENCY


class CreditNoteNotFound(NotFound):
    slug = "credit-note-not-found"


class DocumentFormat(enum.StrEnum):
    pdf = "pdf"
    """For people: in the seller's and the buyer's languages."""
    xrechnung = "xrechnung"
    """EN 16931 in UBL with the German CIUS, for German public buyers (BT-10: their Leitweg-ID)."""
    facturx = "factur-x"
    """A PDF/A-3 with its EN 16931 XML (CII) inside (Factur-X / ZUGFeRD)."""
    ksef = "ksef"
    """Poland's structured invoice, KSeF FA(3)."""


@dataclass(frozen=True)
class DocumentFile:
    name: str
    content: bytes
    media_type: str


_Parts: TypeAlias = tuple[Invoice, Order, list[OrderLine], Organization, Organization]


class DocumentService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def document(self, principal: Principal, invoice_id: uuid.UUID) -> Document:
        """The invoice as a legal document; `InvoiceNotFound` (404) for anyone but the members of
        its seller and its buyer."""
        return await self._gather(*await self._parts(principal, invoice_id))

    async def credit_note(self, principal: Principal, invoice_id: uuid.UUID) -> Document:
        """The credit note of the invoice: what a dispute's decision credited on it, or all of it
        when it was voided because its order was cancelled or rejected (`credit.credit_note`).

        The domain makes one credit per invoice (a dispute is decided once; a cancelled or
        rejected order, or one completed by a dispute's decision, moves no more), so the credit
        note is the invoice's number with "-C1", issued on the day of that last move of its order
        (`Order.status_changed_at`: the cancellation, rejection or decision).
        Raises `InvoiceNotFound` (404) for anyone but the members of the seller and the buyer,
        `CreditNoteNotFound` (404) when nothing was credited or cancelled.
        """
        parts = await self._parts(principal, invoice_id)
        invoice, order = parts[0], parts[1]
        if not invoice.has_credit_note:
            raise CreditNoteNotFound("this invoice has no credit note: nothing was credited or cancelled")
        document = await self._gather(*parts)
        # A paid invoice whose order was cancelled is credited in full too (`InvoiceService.void`).
        if order.status is OrderStatus.rejected:
            reason = CreditReason.rejected
        elif order.status is OrderStatus.cancelled:
            reason = CreditReason.cancelled
        else:
            reason = CreditReason.dispute
        return credit.credit_note(
            document,
            reason=reason,
            credited_minor=invoice.credited_minor or document.gross_minor,
            credited_on=order.status_changed_at.date(),
            refund_minor=invoice.owed_back_minor,
        )

    async def _parts(self, principal: Principal, invoice_id: uuid.UUID) -> _Parts:
        invoice = await InvoiceService(self.session).visible(principal, invoice_id)
        orders = OrderRepository(self.session)
        order = await orders.get(invoice.order_id)
        if order is None:  # an invoice always has its order (foreign key)
            raise NotFound("no such order")
        lines = (await orders.lines_of([order.id])).get(order.id, [])
        organizations = OrganizationRepository(self.session)
        seller = await organizations.get(invoice.producer_organization_id)
        buyer = await organizations.get(invoice.buyer_organization_id)
        assert seller is not None  # noqa: S101 - foreign keys
        assert buyer is not None  # noqa: S101
        return invoice, order, lines, seller, buyer

    async def file(
        self, principal: Principal, invoice_id: uuid.UUID, written_as: DocumentFormat, *, credit_note: bool = False
    ) -> DocumentFile:
        """The invoice (or its credit note) written as `written_as`. Raises what `document` and
        `credit_note` raise, and `KsefNotApplicable` (409) for a KSeF FA(3) when neither party is
        Polish or the seller has no NIP; KSeF corrections are not written yet
        (`KsefCorrectionUnsupported`, 409)."""
        if credit_note:
            document = await self.credit_note(principal, invoice_id)
        else:
            document = await self.document(principal, invoice_id)
        # Writing a file takes up to a tenth of a second (a PDF most): off the event loop.
        return await anyio.to_thread.run_sync(_written, document, written_as)

    async def _gather(
        self, invoice: Invoice, order: Order, lines: list[OrderLine], seller: Organization, buyer: Organization
    ) -> Document:
        languages = tuple(dict.fromkeys([_language(seller), _language(buyer)]))
        currency = invoice.currency
        groups = vat_breakdown(lines, currency)
        net = sum(line.total_minor for line in lines)
        vat = sum(group.tax_minor for group in groups)
        # The invoice says what it said when issued, whatever was credited later (that is the credit
        # note's): all of it due, or, once paid with nothing credited, paid in full (BT-113, BT-115).
        paid = net + vat if invoice.status is InvoiceStatus.paid and invoice.credited_minor == 0 else 0
        due = net + vat - paid

        def said(text_in: Callable[[str], str]) -> str:
            return wording.in_languages(languages, text_in)

        def note_of(note: str | None) -> str:
            return said(lambda language: wording.note_text(VatNote(note or VatNote.exempt), seller.country, language))

        notes = tuple(dict.fromkeys(note_of(group.note) for group in groups if group.note))
        # Under an open assignment the buyer pays the assignee's account, and the invoice says so.
        assigned = invoice.assignee_name if invoice.assignment_notice and invoice.assignee_iban else None
        iban, bic = (invoice.assignee_iban, None) if assigned else (seller.iban, seller.bic)
        if assigned and invoice.assignee_iban:
            notes += (said(lambda language: wording.assignment_text(assigned, invoice.assignee_iban or "", language)),)
        return Document(
            kind=DocumentKind.invoice,
            number=invoice_number(invoice.number),
            issued_on=invoice.issued_on,
            supplied_on=order.created_at.date(),
            due_on=invoice.due_on,
            currency=currency,
            seller=_party(seller, order.seller_vat_number),
            buyer=_party(buyer, order.buyer_vat_number),
            lines=tuple(
                Line(
                    position=index,
                    sku=line.sku,
                    title=line.title,
                    quantity=line.quantity,
                    unit_code=line.unit_code,
                    unit_price=line.unit_price,
                    net_minor=line.total_minor,
                    vat_code=line.vat_code,
                    vat_rate=line.vat_rate,
                )
                for index, line in enumerate(lines, start=1)
            ),
            groups=tuple(
                VatGroup(
                    code=group.code,
                    rate=group.rate,
                    taxable_minor=group.taxable_minor,
                    tax_minor=group.tax_minor,
                    note=VatNote(group.note) if group.note else None,
                    exemption_code=EXEMPTION_CODES.get(group.code),
                    exemption_text=None if group.code in ("S", "Z") else note_of(group.note),
                )
                for group in groups
            ),
            net_minor=net,
            vat_minor=vat,
            gross_minor=net + vat,
            paid_minor=paid,
            due_minor=due,
            buyer_reference=buyer.leitweg_id or str(order.id),
            order_reference=str(order.id),
            delivery_country=order.delivery_jurisdiction[:2],
            delivery_city=order.delivery_address.get("city"),
            delivery_postal_code=order.delivery_address.get("postal_code"),
            delivery_street=order.delivery_address.get("line1"),
            iban=iban,
            bic=bic,
            payment_terms=said(
                lambda language: wording.payment_terms_text(invoice.due_on, due, currency, language, paid_minor=paid)
            ),
            notes=notes,
            languages=languages,
            tax_currency=await self._tax_currency(seller.country, currency, vat, invoice.issued_on),
            public_buyer=buyer.leitweg_id is not None,
            payee=assigned,
        )

    async def _tax_currency(
        self, country: str, currency: str, vat_minor: int, issued_on: dt.date
    ) -> TaxCurrency | None:
        """The VAT in the seller's national currency when the invoice is in another one, at the
        reference rate of the day before the tax point (Poland's rule: the NBP rate of the last
        working day before; the service stores the ECB's reference rates, and says which it used)."""
        national = NATIONAL_CURRENCY.get(country)
        if national is None or national == currency or vat_minor == 0:
            return None
        try:
            rate, rate_date, source = await find_rate(
                self.session, currency, national, issued_on - dt.timedelta(days=1)
            )
        except NotFound:
            return None
        return TaxCurrency(
            currency=national,
            tax_minor=to_minor(from_minor(vat_minor, currency) * rate, national),
            rate=rate,
            rate_date=rate_date,
            rate_source=source,
        )


def _written(document: Document, written_as: DocumentFormat) -> DocumentFile:
    # Here, not at the top: fpdf, facturx and ksef-client would cost each serving process memory (benchmarks/README.md).
    from marketplace.invoicing import hybrid, pdf, xml
    from marketplace.invoicing.ksef import fa3

    match written_as:
        case DocumentFormat.pdf:
            return DocumentFile(f"{document.number}.pdf", pdf.invoice_pdf(document), "application/pdf")
        case DocumentFormat.xrechnung:
            return DocumentFile(f"{document.number}-xrechnung.xml", xml.xrechnung(document), "application/xml")
        case DocumentFormat.facturx:
            return DocumentFile(f"{document.number}-factur-x.pdf", hybrid.facturx_pdf(document), "application/pdf")
        case DocumentFormat.ksef:
            return DocumentFile(f"{document.number}-ksef-fa3.xml", fa3(document), "application/xml")


def _language(organization: Organization) -> str:
    return organization.languages[0] if organization.languages else "en"


def _party(organization: Organization, vat_number: str | None) -> Party:
    return Party(
        name=organization.legal_name,
        country=organization.country,
        city=organization.municipality,
        street=organization.street,
        postal_code=organization.postal_code,
        vat_number=vat_number,
        registration_scheme=organization.registration_scheme,
        registration_id=organization.registration_id,
        email=organization.invoice_email,
        phone=organization.phone,
        contact_name=organization.legal_name,
        language=_language(organization),
    )
