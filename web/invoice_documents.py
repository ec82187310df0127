"""The invoice's files for people: the PDF, the Factur-X PDF (with its EN 16931 XML inside) and the
XRechnung (XML), downloaded from the order page and the invoice page.

Only the members of the invoice's seller and buyer get them (`DocumentService`, as the API's
`/api/v1/invoices/{id}/...` answer); anyone else gets the not-found page. The files are sent as
attachments and never stored by a cache: they name the parties and their bank details.
"""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from marketplace.invoicing.service import DocumentService
from web.page import Reader

Session = NamedDependency[AsyncSession]
ThisReader = NamedDependency[Reader]


def _file(name: str, content: bytes, media_type: str) -> Response[bytes]:
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )


class InvoiceDocumentPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/invoices/{invoice_id:uuid}/pdf")
    async def pdf(self, invoice_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session) -> Response[bytes]:
        """The invoice as a PDF, in the seller's and the buyer's languages."""
        principal = reader.require()
        return _file(*await DocumentService(db_session).pdf(principal, invoice_id), "application/pdf")

    @get("/invoices/{invoice_id:uuid}/factur-x")
    async def facturx(
        self, invoice_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Response[bytes]:
        """The invoice as a Factur-X / ZUGFeRD PDF: a PDF/A-3 with its EN 16931 XML inside."""
        principal = reader.require()
        return _file(*await DocumentService(db_session).facturx(principal, invoice_id), "application/pdf")

    @get("/invoices/{invoice_id:uuid}/xrechnung")
    async def xrechnung(
        self, invoice_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Response[bytes]:
        """The invoice as an XRechnung (EN 16931 in UBL), for German public buyers."""
        principal = reader.require()
        return _file(*await DocumentService(db_session).xrechnung(principal, invoice_id), "application/xml")
