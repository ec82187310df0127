"""A producer's spreadsheet import as pages: upload a CSV file or an Excel workbook of listings, see
every problem of every row in a table in the reader's language, fix the file and upload it again;
download a template (the columns, an example row and, in the workbook, a sheet explaining each
column) and the current listings.

The import is the API's (`ListingImport`, as `marketplace.catalog.controllers` runs it): all or
nothing, each problem named by its row as the spreadsheet numbers it (the header is row 1) and its
column. The downloads are the API's export and `listing_files`' template. The pages are for members
of the producing organisation; anyone else gets the not-found page, as the API answers them.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Stream, Template
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel import clock
from kernel.auth import Principal
from kernel.errors import FieldError
from kernel.web import SessionFactory
from marketplace.catalog import listing_files
from marketplace.catalog.bulk import MAX_IMPORT_BYTES, ImportRejected, ListingImport, export_listings
from marketplace.catalog.schemas import FileFormat, ImportMode
from marketplace.catalog.service import ListingService
from marketplace.organization.schemas import OrganizationRead
from marketplace.organization.service import OrganizationService
from web.i18n import language_name
from web.messages import FIELD_MESSAGES, Phrasebook
from web.page import Form, Reader, page, see_other
from web.vat_words import said as vat_said

Session = NamedDependency[AsyncSession]
ThisReader = NamedDependency[Reader]

#: Room for the form's other fields and the multipart framing around the largest file the import takes.
MAX_UPLOAD_BODY_BYTES = MAX_IMPORT_BYTES + 64 * 1024
ACCEPTED_FILES = ".csv,.xlsx"
UPDATE_FIELD = "update"


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: Each column: what it is and what to write in it (the template's help sheet, the problems' table).
#: `title[<language>]` and `description[<language>]` are said with the language's name.
COLUMNS = {
    "sku": (
        _("Your code for the goods"),
        _("Letters, digits and . _ / - only, different on each row, like TEA-MINT-100."),
    ),
    "status": (_("Status"), _("active (buyers see it) or paused. Empty means active.")),
    "default_language": (
        _("Default language"),
        _("The language buyers see when the listing has no text in theirs, as a code such as pl, de, cs or en."),
    ),
    "title": (_("Title in %(language)s"), _("The name buyers see, at most 200 characters.")),
    "description": (_("Description in %(language)s"), _("What buyers should know, at most 10,000 characters.")),
    "classification_scheme": (
        _("Classification scheme"),
        _("HS (the customs tariff) or CPV (the vocabulary of public procurement)."),
    ),
    "classification_code": (
        _("Classification code"),
        _("The code in that scheme, like 1211.90 in HS or 03221200-8 in CPV. Keep it as text, so leading zeros stay."),
    ),
    "unit": (
        _("Unit"),
        _("The unit you sell in, as a UN/CEFACT code: KGM kilogram, LTR litre, H87 piece, XPK package."),
    ),
    "price_tiers": (
        _("Price tiers"),
        _(
            "From which quantity which unit price applies, in your organisation's currency: pairs of quantity and "
            "price separated by |, like 10:12.50|100:10.90 (12.50 each from 10, 10.90 each from 100)."
        ),
    ),
    "stock_on_hand": (_("In stock"), _("How many units you have, like 500.")),
    "ships_to": (
        _("Ships to"),
        _("The countries or regions you deliver to, as codes separated by |, like PL|DE-SN."),
    ),
    "pack_size": (_("Pack size"), _("How many units one pack holds. Empty means 1.")),
    "min_order_quantity": (
        _("Minimum order"),
        _("The least a buyer may order, a whole number of packs. Empty means one pack."),
    ),
    "lead_time_days": (_("Days to ship"), _("How many days you need before you ship, from 0 to 365.")),
    "origin_country": (
        _("Country of origin"),
        _("Where the goods come from, as a code such as PL. Empty means where your organisation is."),
    ),
    "origin_subdivision": (_("Region of origin"), _("A region code such as PL-02. May be empty.")),
    "origin_municipality": (_("Town of origin"), _("May be empty.")),
    "image_urls": (_("Photo addresses"), _("Addresses of photos (https://...) separated by |. May be empty.")),
    "credential_ids": (
        _("Credentials"),
        _("The numbers (ids) of your organisation's credentials the goods meet, separated by |. May be empty."),
    ),
    "vat_category": (
        _("VAT category"),
        _(
            "standard, reduced, super_reduced, zero or exempt: the VAT rate is your country's for that category "
            "on the day of the order. Empty means standard."
        ),
    ),
}
_LANGUAGE_COLUMN = re.compile(r"^(title|description)\[([^\]]+)\]$")

#: A problem the import names (`ImportRejected`'s errors), as the page says it; the services' usual
#: words about a field (`web.messages.FIELD_MESSAGES`) say the rest.
_SAID = [
    (r"the file is empty|no listings", _("The file has no listings.")),
    (r"not an Excel workbook \(\.xlsx\)", _("This is not an Excel workbook. Upload an .xlsx or a CSV file.")),
    (
        r"an Excel 97-2003 workbook \(\.xls\).*",
        _("This is an old Excel workbook (.xls). Save it as an Excel workbook (.xlsx) or as CSV, and upload that."),
    ),
    (
        r"not text in UTF-8.*|contains NUL characters",
        _("This is no spreadsheet we can read. Upload an Excel workbook (.xlsx) or a CSV file."),
    ),
    (r"the workbook unpacks to more than \d+ MiB; split it", _("The workbook is too large. Split it into several.")),
    (
        r"the workbook is damaged from this row on",
        _("The workbook is damaged from this row on. Save it again in your spreadsheet program."),
    ),
    (r"not CSV: .*", _("This row cannot be read. Check its quotation marks.")),
    (r"the first row names no columns", _("The first row must name the columns, as in the template.")),
    (r"unknown column .*", _("This is not a column we know. Start from the template.")),
    (r"column appears twice", _("This column appears twice.")),
    (r"required columns missing: (?P<columns>.+)", _("These columns are missing: %(columns)s.")),
    (r"at least one title column is needed", _("Add a title column for at least one language, like title[pl].")),
    (
        r"(?P<cells>\d+) cells where the header has (?P<columns>\d+)",
        _("This row has %(cells)s cells, but the first row names %(columns)s columns."),
    ),
    (
        r"'.*' is not min_quantity:unit_price .*",
        _("Write each price tier as quantity:price, separated by |, like 10:12.50|100:10.90."),
    ),
    (r"(?P<sku>.+) is also on row (?P<row>\d+)", _("%(sku)s is also on row %(row)s.")),
    (
        r"(?P<sku>.+) is already listed; import with mode=upsert to update it",
        _("You already list %(sku)s. Tick “Update the listings I already have” to change it."),
    ),
    (
        r"the listing (?P<sku>.+) is archived and can no longer change",
        _("The listing %(sku)s is archived and can no longer change."),
    ),
    (
        r"unknown UN/CEFACT Rec 20 unit '(?P<code>.*)' .*",
        _("%(code)s is not a unit code we know. Use one such as KGM (kilogram), LTR (litre) or H87 (piece)."),
    ),
    (
        r"'(?P<number>.+)' could mean a thousand times more or less: .*",
        _("%(number)s could mean a thousand times more or less. Write 1500 or 1,5."),
    ),
    (r"must be one of: (?P<values>.+)", _("Write one of: %(values)s.")),
    (r"must be a whole number", _("Enter a whole number.")),
    (r"is too large", _("This number is too large.")),
    (r"(has more than|at most) (?P<n>\d+) decimal places", _("Use at most %(n)s decimal places.")),
    (r"tiers must have strictly increasing quantities", _("Each tier needs a larger quantity than the one before.")),
    (r"a larger tier cannot have a higher unit price", _("A larger tier cannot have a higher unit price.")),
    (
        r"the first tier must start at or below (?P<n>\S+)",
        _("The first tier must start at the minimum order (%(n)s) or below."),
    ),
    (r"(?P<language>\S+) has no translation", _("The default language (%(language)s) has no title.")),
    (r"not a credential of this organization", _("This is not a credential of your organisation.")),
    (r"a new listing is active or paused", _("A new listing is active or paused.")),
]
IMPORT_PROBLEMS = Phrasebook(_SAID, then=FIELD_MESSAGES)
#: Where inside a cell a problem is (`listing_files.cell_problem`), said around the problem.
_TIER_PART = re.compile(r"price_tiers\[(\d+)\]\.(min_quantity|unit_price)")
_ENTRY = re.compile(r"\w+\[(\d+)\](\..*)?")
_IN_TIER = {
    "min_quantity": _("Price tier %(n)s, quantity: %(problem)s"),
    "unit_price": _("Price tier %(n)s, unit price: %(problem)s"),
}
_IN_ENTRY = _("Entry %(n)s: %(problem)s")


@dataclass(frozen=True)
class Problem:
    """One problem of the uploaded file, as the table shows it."""

    row: int | None
    """As the spreadsheet numbers it (the header is row 1); None for the file as a whole."""
    column: str | None
    """As the file's first row names it; None for the whole row."""
    column_name: str | None
    """What the column is, in the reader's language (None for a column we do not know)."""
    text: str


def column_name(column: str, reader: Reader) -> str | None:
    """What a column is, in the reader's language (`Title in Polish`); None for an unknown one."""
    match = _LANGUAGE_COLUMN.match(column)
    if match is not None:
        label = COLUMNS[match.group(1)][0]
        return reader.gettext(label) % {"language": language_name(match.group(2), reader.formats.locale)}
    known = COLUMNS.get(column)
    return reader.gettext(known[0]) if known else None


def problem_of(error: FieldError, reader: Reader) -> Problem:
    """An error of `ImportRejected` (its row, its column, the problem) as the table shows it."""
    where, message = listing_files.cell_problem(error)
    text = vat_said(message, reader, in_file=True) or IMPORT_PROBLEMS.say(message, reader.gettext)
    if where is not None and (tier := _TIER_PART.fullmatch(where)):
        text = reader.gettext(_IN_TIER[tier.group(2)]) % {"n": int(tier.group(1)) + 1, "problem": text}
    elif where is not None and (entry := _ENTRY.fullmatch(where)):
        text = reader.gettext(_IN_ENTRY) % {"n": int(entry.group(1)) + 1, "problem": text}
    column = None if error.field in ("$", "") else error.field
    return Problem(row=error.row, column=column, column_name=column_name(column, reader) if column else None, text=text)


def help_rows(columns: list[str], reader: Reader) -> list[list[str]]:
    """The template's help sheet: a heading, then each column, what it is and what to write in it."""
    rows = [[reader.gettext("Column"), reader.gettext("What it is"), reader.gettext("What to write")]]
    for column in columns:
        match = _LANGUAGE_COLUMN.match(column)
        explanation = COLUMNS[match.group(1) if match else column][1]
        rows.append([column, column_name(column, reader) or column, reader.gettext(explanation)])
    return rows


#: Letters that no accent taken off makes ASCII.
_ASCII_LETTERS = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ß": "ss", "ø": "o", "Ø": "O"})


def _file_name(*parts: str) -> str:
    """An ASCII file name of `parts` (`listings-spoldzielnia-nr-1-2026-12-06`)."""
    text = "-".join(parts).translate(_ASCII_LETTERS)
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9.]+", "-", ascii_text).strip("-").lower()[:100] or "listings"


def _download(body: bytes, file_format: FileFormat, name: str) -> Response[bytes]:
    return Response(
        body,
        headers={
            "Content-Type": listing_files.content_type(file_format),
            "Content-Disposition": f'attachment; filename="{name}.{file_format.value}"',
        },
    )


async def _with_byte_order_mark(chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """A UTF-8 CSV marked as such, so that a spreadsheet opening it shows its letters right."""
    yield codecs.BOM_UTF8
    async for chunk in chunks:
        yield chunk


async def _producer(session: AsyncSession, principal: Principal, organization_id: uuid.UUID) -> OrganizationRead:
    """The organisation, if the reader is a member of it and it sells (`NotFound`, as the API answers,
    otherwise; `NotAProducer` for one that only buys)."""
    await ListingService(session).producer(principal, organization_id)
    return await OrganizationService(session).read(principal, organization_id)


class ListingImportPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/organizations/{organization_id:uuid}/listings/import")
    async def import_form(
        self, organization_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Template:
        organization = await _producer(db_session, reader.require(), organization_id)
        return self._page(reader, organization, Form())

    def _page(
        self,
        reader: Reader,
        organization: OrganizationRead,
        form: Form,
        problems: list[Problem] | None = None,
        status_code: int = 200,
    ) -> Template:
        problems = problems or []
        listed = [problem for problem in problems if problem.row is not None]
        return page(
            reader,
            "listing_import/import.jinja",
            status_code=status_code,
            organization=organization,
            form=form,
            rows_with_problems=len({problem.row for problem in listed}),
            listed=listed,
            whole_file=[problem for problem in problems if problem.row is None],
            base=f"/organizations/{organization.id}/listings",
            accept=ACCEPTED_FILES,
            max_megabytes=MAX_IMPORT_BYTES // 2**20,
        )

    @post("/organizations/{organization_id:uuid}/listings/import", request_max_body_size=MAX_UPLOAD_BODY_BYTES)
    async def import_file(
        self,
        organization_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
    ) -> Template | Redirect:
        principal = reader.require()
        organization = await _producer(db_session, principal, organization_id)
        posted = await request.form()
        mode = ImportMode.upsert if posted.get(UPDATE_FIELD) == "yes" else ImportMode.create
        form = Form(values={UPDATE_FIELD: posted.get(UPDATE_FIELD, "")})
        upload = posted.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            form.errors["file"] = reader.gettext("Choose the file to import.")
            return self._page(reader, organization, form, status_code=422)
        try:
            body = await upload.read()
        finally:
            await upload.close()
        file_format = listing_files.format_of_upload(upload.filename, body)
        try:
            # All or nothing: a file with a bad row leaves nothing behind, though this page answers.
            async with db_session.begin_nested():
                report = await ListingImport(db_session).run(
                    principal,
                    organization_id,
                    body,
                    file_format=file_format,
                    mode=mode,
                    dry_run=False,
                    reader_language=reader.language,
                )
        except ImportRejected as rejected:
            problems = [problem_of(error, reader) for error in rejected.errors]
            return self._page(reader, organization, form, problems, status_code=422)
        changed = report.created + report.updated
        if not changed:
            return see_other(f"/organizations/{organization_id}/listings", notice="listings-import-unchanged")
        return see_other(f"/organizations/{organization_id}/listings", notice="listings-imported", count=str(changed))

    @get("/organizations/{organization_id:uuid}/listings/template.xlsx")
    async def template_workbook(
        self, organization_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Response[bytes]:
        organization = await _producer(db_session, reader.require(), organization_id)
        languages = listing_files.template_languages(organization.languages)
        columns = listing_files.csv_columns(languages)
        body = listing_files.write_xlsx(
            [listing_files.example_listing(languages, organization.country)],
            columns,
            title=reader.gettext("Listings"),
            help_title=reader.gettext("Help"),
            help_rows=help_rows(columns, reader),
        )
        return _download(body, FileFormat.xlsx, "borderhub-listings-template")

    @get("/organizations/{organization_id:uuid}/listings/template.csv")
    async def template_csv(
        self, organization_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Response[bytes]:
        organization = await _producer(db_session, reader.require(), organization_id)
        languages = listing_files.template_languages(organization.languages)
        example = listing_files.example_listing(languages, organization.country)
        body = listing_files.write_csv_rows([example], listing_files.csv_columns(languages), header=True)
        return _download(codecs.BOM_UTF8 + body, FileFormat.csv, "borderhub-listings-template")

    @get("/organizations/{organization_id:uuid}/listings/export.xlsx")
    async def export_workbook(
        self, organization_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session, sessions: SessionFactory
    ) -> Stream:
        return await self._export(organization_id, reader, db_session, sessions, FileFormat.xlsx)

    @get("/organizations/{organization_id:uuid}/listings/export.csv")
    async def export_csv(
        self, organization_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session, sessions: SessionFactory
    ) -> Stream:
        return await self._export(organization_id, reader, db_session, sessions, FileFormat.csv)

    async def _export(
        self,
        organization_id: uuid.UUID,
        reader: Reader,
        db_session: AsyncSession,
        sessions: async_sessionmaker[AsyncSession],
        file_format: FileFormat,
    ) -> Stream:
        """The active and paused listings, as the API exports them (the CSV marked as UTF-8)."""
        organization = await _producer(db_session, reader.require(), organization_id)
        chunks = export_listings(sessions, organization_id, file_format)
        name = _file_name("listings", organization.legal_name, clock.now().date().isoformat())
        return Stream(
            _with_byte_order_mark(chunks) if file_format is FileFormat.csv else chunks,
            headers={
                "Content-Type": listing_files.content_type(file_format),
                "Content-Disposition": f'attachment; filename="{name}.{file_format.value}"',
            },
        )
