"""HTTP endpoints of invoice documents: an invoice, and its credit note, as a PDF, an XRechnung, a
Factur-X PDF or a KSeF FA(3), for the members of its seller and its buyer (anyone else: 404)."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get
from litestar.params import FromPath

from kernel.web import Caller, Session, attachment
from marketplace.invoicing.service import DocumentFormat, DocumentService


class InvoiceDocumentController(Controller):
    path = "/api/v1/invoices/{invoice_id:uuid}"
    tags = ["payments"]

    @get(
        "/{written_as:str}",
        summary="The invoice as a file: pdf (in the seller's and the buyer's languages), xrechnung (EN 16931 UBL, "
        "for German public buyers), factur-x (PDF/A-3 with its EN 16931 XML inside) or ksef (KSeF FA(3), for a "
        "Polish seller or buyer)",
    )
    async def invoice(
        self,
        invoice_id: FromPath[uuid.UUID],
        written_as: FromPath[DocumentFormat],
        principal: Caller,
        db_session: Session,
    ) -> Response[bytes]:
        file = await DocumentService(db_session).file(principal, invoice_id, written_as)
        return attachment(file.name, file.content, file.media_type)

    @get(
        "/credit-note/{written_as:str}",
        summary="The invoice's credit note as a file, as for the invoice (404 credit-note-not-found when nothing "
        "was credited or cancelled; no KSeF correction yet)",
    )
    async def credit_note(
        self,
        invoice_id: FromPath[uuid.UUID],
        written_as: FromPath[DocumentFormat],
        principal: Caller,
        db_session: Session,
    ) -> Response[bytes]:
        file = await DocumentService(db_session).file(principal, invoice_id, written_as, credit_note=True)
        return attachment(file.name, file.content, file.media_type)
