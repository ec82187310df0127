"""HTTP endpoints of invoice documents: the PDF, the XRechnung, the Factur-X PDF and the KSeF FA(3) XML of an invoice
and of its credit note, for the members of its seller and its buyer."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get
from litestar.params import FromPath

from kernel.web import Caller, Session
from marketplace.invoicing.service import DocumentService


def _file(name: str, content: bytes, media_type: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )


class InvoiceDocumentController(Controller):
    path = "/api/v1/invoices/{invoice_id:uuid}"
    tags = ["payments"]

    @get("/pdf", summary="The invoice as a PDF, in the seller's and the buyer's languages")
    async def pdf(self, invoice_id: FromPath[uuid.UUID], principal: Caller, db_session: Session) -> Response[bytes]:
        return _file(*await DocumentService(db_session).pdf(principal, invoice_id), "application/pdf")

    @get("/xrechnung", summary="The invoice as an XRechnung (EN 16931, UBL), for German public buyers")
    async def xrechnung(
        self, invoice_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> Response[bytes]:
        return _file(*await DocumentService(db_session).xrechnung(principal, invoice_id), "application/xml")

    @get("/factur-x", summary="The invoice as a Factur-X / ZUGFeRD PDF (PDF/A-3 with its EN 16931 XML inside)")
    async def facturx(self, invoice_id: FromPath[uuid.UUID], principal: Caller, db_session: Session) -> Response[bytes]:
        return _file(*await DocumentService(db_session).facturx(principal, invoice_id), "application/pdf")

    @get(
        "/credit-note/pdf",
        summary="The invoice's credit note as a PDF (404 credit-note-not-found when nothing was credited or cancelled)",
    )
    async def credit_note_pdf(
        self, invoice_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> Response[bytes]:
        return _file(*await DocumentService(db_session).pdf(principal, invoice_id, credit_note=True), "application/pdf")

    @get("/credit-note/xrechnung", summary="The invoice's credit note as an XRechnung (UBL CreditNote, type 381)")
    async def credit_note_xrechnung(
        self, invoice_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> Response[bytes]:
        written = await DocumentService(db_session).xrechnung(principal, invoice_id, credit_note=True)
        return _file(*written, "application/xml")

    @get("/credit-note/factur-x", summary="The invoice's credit note as a Factur-X / ZUGFeRD PDF (type 381)")
    async def credit_note_facturx(
        self, invoice_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> Response[bytes]:
        written = await DocumentService(db_session).facturx(principal, invoice_id, credit_note=True)
        return _file(*written, "application/pdf")

    @get("/ksef", summary="The invoice as a KSeF FA(3) XML (Poland's structured invoice), for a Polish seller or buyer")
    async def ksef(self, invoice_id: FromPath[uuid.UUID], principal: Caller, db_session: Session) -> Response[bytes]:
        return _file(*await DocumentService(db_session).ksef(principal, invoice_id), "application/xml")
