"""The invoice's files for people: the PDF, the Factur-X PDF (with its EN 16931 XML inside), the
XRechnung (XML) and the KSeF FA(3), of the invoice and of its credit note, downloaded from the order
page and the invoice page.

Only the members of the invoice's seller and buyer get them (`DocumentService.file`, as the API's
`/api/v1/invoices/{id}/...` answer); anyone else gets the not-found page. The files are sent as
attachments and never stored by a cache: they name the parties and their bank details.
"""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.web import attachment
from marketplace.invoicing.service import DocumentFormat, DocumentService
from web.page import Reader

Session = NamedDependency[AsyncSession]
ThisReader = NamedDependency[Reader]


class InvoiceDocumentPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/invoices/{invoice_id:uuid}/{written_as:str}")
    async def invoice(
        self,
        invoice_id: FromPath[uuid.UUID],
        written_as: FromPath[DocumentFormat],
        reader: ThisReader,
        db_session: Session,
    ) -> Response[bytes]:
        file = await DocumentService(db_session).file(reader.require(), invoice_id, written_as)
        return attachment(file.name, file.content, file.media_type)

    @get("/invoices/{invoice_id:uuid}/credit-note/{written_as:str}")
    async def credit_note(
        self,
        invoice_id: FromPath[uuid.UUID],
        written_as: FromPath[DocumentFormat],
        reader: ThisReader,
        db_session: Session,
    ) -> Response[bytes]:
        file = await DocumentService(db_session).file(reader.require(), invoice_id, written_as, credit_note=True)
        return attachment(file.name, file.content, file.media_type)
