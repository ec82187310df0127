"""HTTP endpoints of invoice documents: the PDF, the XRechnung and the Factur-X PDF of an invoice,
for the members of its seller and its buyer."""

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
