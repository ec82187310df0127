"""A document as a PDF a person reads: A4, in the seller's language and the buyer's (each label
"Rechnung / Faktura", the seller's first), with the fonts embedded.

Money, dates and numbers are written as the seller's language writes them; units by name. An
invoice in euro with an IBAN and something to pay carries an EPC QR code (the European Payments
Council's "SEPA credit transfer" code banking apps read).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

import matplotlib
import segno
from fpdf import FPDF, FontFace
from fpdf.enums import OutputIntentSubType, TableBordersLayout, XPos, YPos
from fpdf.output import PDFICCProfile
from PIL import ImageCms
from segno.helpers import make_epc_qr

from kernel.money import from_minor
from marketplace.invoicing.document import Document, DocumentKind, Party
from marketplace.invoicing.wording import (
    country_name,
    in_languages,
    labels,
    page_text,
    tax_currency_text,
    unit_price,
)
from marketplace.invoicing.xml import TAX_NUMBER_SCHEMES
from marketplace.mail.formats import Formats, formats_for

#: DejaVu Sans (bundled with matplotlib, never copied here) writes Polish, Czech and German.
FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
FONT = "DejaVu"
MARGIN = 16  # mm
LINE = 4.6  # mm, the height of a line of body text
BODY, SMALL, TITLE = 9, 7.5, 16  # pt
GREY = (90, 90, 90)
QR_SIZE = 32  # mm: an EPC QR code must stay readable at arm's length


class _Sheet(FPDF):
    """The page with its footer: the document's number and "page 1 of 2"."""

    def __init__(self, doc: Document) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc = doc

    def footer(self) -> None:
        self.set_y(-MARGIN + 4)
        self.set_font(FONT, size=SMALL)
        self.set_text_color(*GREY)
        pages = in_languages(self.doc.languages, lambda language: page_text(self.page_no(), "{nb}", language))
        self.cell(0, LINE, f"{self.doc.number} · {pages}", align="C")


def invoice_pdf(doc: Document) -> bytes:
    """The document as a PDF (A4, fonts embedded, an sRGB output intent so it can become PDF/A-3)."""
    f = formats_for(doc.languages[0])
    pdf = _Sheet(doc)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN + 2)
    pdf.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
    pdf.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
    title = labels(doc.kind.value, doc.languages)
    pdf.set_lang(doc.languages[0])
    pdf.set_title(f"{title} {doc.number}")
    pdf.set_author(doc.seller.name)
    pdf.set_creator("Borderhub")
    # The document's own day, so that rendering it again gives the same file.
    pdf.set_creation_date(dt.datetime.combine(doc.issued_on, dt.time(), tzinfo=dt.UTC))
    pdf.add_output_intent(
        OutputIntentSubType.PDFA,
        output_condition_identifier="sRGB",
        output_condition="sRGB IEC61966-2.1",
        registry_name="http://www.color.org",
        dest_output_profile=PDFICCProfile(contents=_srgb_profile(), n=3, alternate="DeviceRGB"),
        info="sRGB IEC61966-2.1",
    )
    pdf.add_page()
    pdf.set_font(FONT, "B", TITLE)
    pdf.multi_cell(0, 8, title, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    _heading(pdf, doc, f)
    pdf.ln(4)
    _parties(pdf, doc, f)
    _lines(pdf, doc, f)
    _breakdown(pdf, doc, f)
    _totals(pdf, doc, f)
    _notes(pdf, doc)
    _payment(pdf, doc)
    return bytes(pdf.output())


def _heading(pdf: FPDF, doc: Document, f: Formats) -> None:
    rows = [
        ("number", doc.number),
        ("issued_on", f.date(doc.issued_on)),
        ("supplied_on", f.date(doc.supplied_on)),
    ]
    if doc.kind is DocumentKind.invoice and doc.due_minor > 0:
        rows.append(("due_on", f.date(doc.due_on)))
    rows += [("order", doc.order_reference), ("buyer_reference", doc.buyer_reference)]
    if doc.preceding_number:
        issued = f", {f.date(doc.preceding_issued_on)}" if doc.preceding_issued_on else ""
        rows.append(("preceding", f"{doc.preceding_number}{issued}"))
    with pdf.table(
        col_widths=(2, 3),
        width=pdf.epw * 0.75,
        align="LEFT",
        first_row_as_headings=False,
        borders_layout=TableBordersLayout.NONE,
        line_height=LINE,
        text_align=("LEFT", "LEFT"),
        padding=(0.4, 1, 0.4, 0),
    ) as table:
        pdf.set_font(FONT, size=BODY)
        for key, value in rows:
            row = table.row()
            row.cell(labels(key, doc.languages), style=FontFace(emphasis="BOLD"))
            row.cell(value)


def _party_lines(party: Party, doc: Document, f: Formats, *, contact: bool) -> list[str]:
    place = " ".join(part for part in (party.postal_code, party.city) if part)
    shown = [party.name, party.street or "", place, country_name(party.country, f)]
    if party.vat_number:
        shown.append(f"{labels('vat_number', doc.languages)}: {party.vat_number}")
    # A number a tax office issued (NIP, Steuernummer, DIČ) is named so: the law asks for it by that name.
    kind = "tax_number" if party.registration_scheme in TAX_NUMBER_SCHEMES else "registration"
    shown.append(f"{labels(kind, doc.languages)}: {party.registration_id}")
    if contact:
        reach = [each for each in (party.contact_name, party.phone, party.email) if each]
        if reach:
            shown.append(f"{labels('contact', doc.languages)}: {', '.join(reach)}")
    return [line for line in shown if line]


def _parties(pdf: FPDF, doc: Document, f: Formats) -> None:
    half = (pdf.epw - 6) / 2
    top = pdf.get_y()
    bottoms = []
    for index, (key, party) in enumerate((("seller", doc.seller), ("buyer", doc.buyer))):
        x = pdf.l_margin + index * (half + 6)
        pdf.set_xy(x, top)
        pdf.set_font(FONT, "B", BODY)
        pdf.multi_cell(half, LINE, labels(key, doc.languages), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(FONT, size=BODY)
        text = "\n".join(_party_lines(party, doc, f, contact=key == "seller"))
        pdf.multi_cell(half, LINE, text, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        bottoms.append(pdf.get_y())
    pdf.set_xy(pdf.l_margin, max(bottoms) + 3)
    delivered = (doc.delivery_street, doc.delivery_postal_code, doc.delivery_city, doc.delivery_country)
    billed = (doc.buyer.street, doc.buyer.postal_code, doc.buyer.city, doc.buyer.country)
    if delivered != billed:
        place = " ".join(part for part in (doc.delivery_postal_code, doc.delivery_city) if part)
        address = ", ".join(
            part for part in (doc.delivery_street, place, country_name(doc.delivery_country, f)) if part
        )
        pdf.multi_cell(0, LINE, f"{labels('delivery', doc.languages)}: {address}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _quantity(doc: Document, value: Decimal, unit: str) -> str:
    """`12 Stück / 12 sztuk`: a counted unit is named in each language, a measured one once (`2,5 kg`)."""
    return in_languages(doc.languages, lambda language: formats_for(language).quantity(value, unit), separator="\n")


def _heading_of(key: str, doc: Document) -> str:
    """A column heading: one language a line, so that narrow columns break between them."""
    return labels(key, doc.languages, separator="\n")


def _lines(pdf: FPDF, doc: Document, f: Formats) -> None:
    pdf.set_font(FONT, size=BODY)
    with pdf.table(
        col_widths=(10, 60, 30, 25, 17, 25),
        text_align=("RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=LINE,
        padding=(1, 1),
        headings_style=FontFace(emphasis="BOLD", size_pt=SMALL),
    ) as table:
        table.row([_heading_of(key, doc) for key in ("position", "item", "quantity", "unit_price", "vat_rate", "net")])
        for line in doc.lines:
            table.row(
                [
                    str(line.position),
                    f"{line.title}\n{line.sku}" if line.sku else line.title,  # a credit line has no SKU
                    _quantity(doc, line.quantity, line.unit_code),
                    unit_price(line.unit_price, doc.currency, f),
                    _rate(line.vat_code, line.vat_rate, f),
                    f.money(line.net_minor, doc.currency),
                ]
            )
    pdf.ln(3)


def _rate(code: str, rate: Decimal, f: Formats) -> str:
    """The rate as a percentage; "—" for supplies not subject to VAT (category O has no rate)."""
    return "—" if code == "O" else f.percent(rate)


def _breakdown(pdf: FPDF, doc: Document, f: Formats) -> None:
    pdf.set_font(FONT, "B", BODY)
    pdf.cell(0, LINE + 1, labels("vat_breakdown", doc.languages), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=BODY)
    with pdf.table(
        col_widths=(1, 1, 1),
        width=pdf.epw * 0.7,
        align="LEFT",
        text_align=("RIGHT", "RIGHT", "RIGHT"),
        borders_layout=TableBordersLayout.HORIZONTAL_LINES,
        line_height=LINE,
        padding=(1, 1),
        headings_style=FontFace(emphasis="BOLD", size_pt=SMALL),
    ) as table:
        table.row([_heading_of(key, doc) for key in ("vat_rate", "taxable", "vat")])
        for group in doc.groups:
            table.row(
                [
                    _rate(group.code, group.rate, f),
                    f.money(group.taxable_minor, doc.currency),
                    f.money(group.tax_minor, doc.currency),
                ]
            )
    pdf.ln(3)


def _totals(pdf: FPDF, doc: Document, f: Formats) -> None:
    rows = [
        ("net_total", doc.net_minor, False),
        ("vat_total", doc.vat_minor, False),
        ("total", doc.gross_minor, True),
    ]
    if doc.paid_minor:
        rows += [("paid", doc.paid_minor, False), ("amount_due", doc.due_minor, True)]
    with pdf.table(
        col_widths=(3, 2),
        width=pdf.epw * 0.6,
        align="RIGHT",
        first_row_as_headings=False,
        borders_layout=TableBordersLayout.NONE,
        line_height=LINE + 0.6,
        text_align=("LEFT", "RIGHT"),
        padding=(0.4, 1),
    ) as table:
        for key, amount, strong in rows:
            style = FontFace(emphasis="BOLD") if strong else None
            row = table.row(style=style)
            row.cell(labels(key, doc.languages))
            row.cell(f.money(amount, doc.currency))
    if doc.tax_currency is not None:
        tax_currency = doc.tax_currency
        pdf.set_font(FONT, size=BODY)
        text = in_languages(doc.languages, lambda language: tax_currency_text(tax_currency, doc.currency, language))
        pdf.multi_cell(0, LINE, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(3)


def _notes(pdf: FPDF, doc: Document) -> None:
    if not doc.notes:
        return
    pdf.set_font(FONT, "B", BODY)
    pdf.cell(0, LINE + 1, labels("notes", doc.languages), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=BODY)
    for note in doc.notes:
        pdf.multi_cell(0, LINE, note, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(1)
    pdf.ln(2)


def _payment(pdf: FPDF, doc: Document) -> None:
    qr = _epc_qr(doc)
    if pdf.will_page_break(QR_SIZE + 2 * LINE if qr else 4 * LINE):
        pdf.add_page()
    top = pdf.get_y()
    text_width = pdf.epw - (QR_SIZE + 6 if qr else 0)
    pdf.set_font(FONT, "B", BODY)
    pdf.cell(text_width, LINE + 1, labels("payment", doc.languages), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, size=BODY)
    pdf.multi_cell(text_width, LINE, doc.payment_terms, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if doc.iban and doc.kind is DocumentKind.invoice:
        pdf.multi_cell(
            text_width,
            LINE,
            f"{labels('iban', doc.languages)}: {_grouped(doc.iban)}",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        if doc.bic:
            pdf.multi_cell(
                text_width, LINE, f"{labels('bic', doc.languages)}: {doc.bic}", new_x=XPos.LMARGIN, new_y=YPos.NEXT
            )
    if qr is not None:
        _draw_qr(pdf, qr, pdf.l_margin + pdf.epw - QR_SIZE, top)
        pdf.set_xy(pdf.l_margin + pdf.epw - QR_SIZE - 10, top + QR_SIZE)
        pdf.set_font(FONT, size=SMALL)
        pdf.multi_cell(QR_SIZE + 10, LINE - 1, labels("scan_to_pay", doc.languages), align="C")
        pdf.set_y(max(pdf.get_y(), top + QR_SIZE + LINE))


def _epc_qr(doc: Document) -> segno.QRCode | None:
    """The EPC QR code of what is still to pay: only for euro (a SEPA transfer), to the seller's IBAN."""
    if doc.kind is not DocumentKind.invoice or doc.currency != "EUR" or not doc.iban or doc.due_minor <= 0:
        return None
    return make_epc_qr(
        name=(doc.payee or doc.seller.name)[:70],
        iban=doc.iban.replace(" ", ""),
        amount=from_minor(doc.due_minor, doc.currency),
        text=doc.number,
        bic=doc.bic,
    )


def _draw_qr(pdf: FPDF, qr: segno.QRCode, x: float, y: float) -> None:
    """The code drawn as filled squares, so it stays sharp at any zoom and in print."""
    rows: Sequence[Sequence[int]] = [list(row) for row in qr.matrix_iter(scale=1, border=2)]
    module = QR_SIZE / len(rows)
    pdf.set_fill_color(0, 0, 0)
    for r, row in enumerate(rows):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(x + c * module, y + r * module, module, module, style="F")


def _grouped(iban: str) -> str:
    """`DE89 3704 0044 0532 0130 00`, as an IBAN is written for people."""
    compact = iban.replace(" ", "")
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))


@functools.cache  # the same profile for every document
def _srgb_profile() -> bytes:
    return bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
