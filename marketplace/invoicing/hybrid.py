"""A Factur-X invoice: the PDF a person reads with the Factur-X EN 16931 XML a machine reads
embedded in it (PDF/A-3, the XML attached as `factur-x.xml` with the relationship "data")."""

from __future__ import annotations

from facturx import generate_from_binary

from marketplace.invoicing.document import Document
from marketplace.invoicing.pdf import invoice_pdf
from marketplace.invoicing.wording import labels
from marketplace.invoicing.xml import facturx


def facturx_pdf(doc: Document) -> bytes:
    """The document's PDF carrying its Factur-X XML; the XML is checked against its schema on the
    way in (factur-x refuses to embed an invalid one), the business rules are `validation`'s."""
    title = f"{labels(doc.kind.value, doc.languages)} {doc.number}"
    combined = generate_from_binary(
        invoice_pdf(doc),
        facturx(doc),
        flavor="factur-x",
        level="en16931",
        check_xsd=True,
        check_schematron=False,
        # Given rather than read back from the XML, which factur-x would describe in English.
        pdf_metadata={
            "author": doc.seller.name,
            "keywords": "Factur-X",
            "title": title,
            "subject": f"{title}, {doc.seller.name}",
        },
        lang=doc.languages[0],
    )
    return bytes(combined)
