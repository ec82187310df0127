"""Listing files: CSV, Excel workbooks (XLSX) and JSON lines, read into `ListingCreate` rows and
written back from them.

A JSON line is exactly the body of `POST .../listings`. A CSV row flattens it:
translations go into `title[<tag>]` / `description[<tag>]` columns, lists are
separated by `|`, and price tiers are `min_quantity:unit_price` pairs
(`1:48.00|20:44.00`). What `write_*` produces, `read` accepts unchanged, so a
producer can export, edit in a spreadsheet and import again: a CSV cell that a
spreadsheet would run as a formula (`=HYPERLINK(...)`) is written with a leading
apostrophe, which the import takes off again (`kernel.text.for_spreadsheet`).
Every row meets the same rules as the body of `POST .../listings`
(`kernel.validation.convert`): numbers as documented, decimals bounded.

CSV files come as spreadsheets save them (`_read_csv`, `kernel.text.spreadsheet_text`):
- separated by commas or by semicolons, whichever the header line uses (Excel writes
  semicolons where the comma is the decimal mark, as in Polish, Czech and German; such a
  file's number cells are read in that locale, as the pages read typed numbers
  (`kernel.numbers`): `12,50` is 12.50, and in German `1.500` is 1500 and `1.500,50` is
  1500.50; the locale is `semicolon_locale`'s, the importing reader's where it writes a decimal
  comma);
- in UTF-8, with or without a byte order mark, or else in the Windows code page Excel's
  plain "CSV" uses for the hubs' languages: windows-1250 (Polish, Czech, Slovak, Hungarian)
  or windows-1252 (German, English). Bytes that are not UTF-8 are decoded in both; the
  reading that looks more like text wins: fewer characters that are no letters (Polish read
  in windows-1252 shows `³` for `ł`, `¹` for `ą`, `¿` for `ż`), then fewer letters foreign to
  the organisation's languages, then the organisation's own code page (by its seat, else its
  first language: `kernel.text.excel_code_page`).

An XLSX file is read from its first sheet with the same columns as the CSV, values only
(a formula counts with the value the spreadsheet last computed and saved), each cell turned
into the text a CSV would carry (`kernel.text.cell_text`: the number 2.4 is "2.4", 12.0 is
"12"); the rows then go through the same checks as CSV rows. Text cells are taken as they are: XLSX
keeps text apart from formulas, so no apostrophe is added or taken off, and `XlsxWriter`
writes every text as a text cell, never as a formula.

Row numbers are what a spreadsheet shows: the header is row 1, so the first
listing is row 2; in JSON lines, the line number.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import babel
import msgspec
from babel.numbers import get_decimal_symbol, get_group_symbol

from kernel import validation
from kernel.errors import FieldError, InvalidInput
from kernel.numbers import read_number
from kernel.text import (
    NotText,
    cell_text,
    for_spreadsheet,
    from_spreadsheet,
    spreadsheet_text,
)
from kernel.validation import field_error
from marketplace.catalog.classification import Scheme
from marketplace.catalog.schemas import Classification, FileFormat, ListingCreate, PriceTier, Translation

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Litestar adds "; charset=utf-8" to a text/* type itself.
MEDIA_TYPES = {FileFormat.csv: "text/csv", FileFormat.xlsx: XLSX_MEDIA_TYPE, FileFormat.jsonl: "application/x-ndjson"}
_FORMATS_OF_MEDIA_TYPES = {media_type: file_format for file_format, media_type in MEDIA_TYPES.items()}

LIST_SEPARATOR = "|"
TIER_SEPARATOR = ":"
REQUIRED_COLUMNS = (
    "sku",
    "default_language",
    "classification_scheme",
    "classification_code",
    "unit",
    "price_tiers",
    "stock_on_hand",
    "ships_to",
)
OPTIONAL_COLUMNS = (
    "status",
    "pack_size",
    "min_order_quantity",
    "lead_time_days",
    "origin_country",
    "origin_subdivision",
    "origin_municipality",
    "image_urls",
    "credential_ids",
    "vat_category",
)
_LIST_COLUMNS = ("ships_to", "image_urls", "credential_ids")
_TEXT_COLUMN = re.compile(r"^(title|description)\[([^\]]+)\]$")
#: A whole number in a cell (longer ones are no lead time, and Python refuses to read 4,300 digits).
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")
#: `1.500`: a thousand and a half in German, one and a half in English (`0.500` is no thousand anywhere).
_POINT_AND_THREE_DIGITS = re.compile(r"-?[1-9][0-9]{0,2}\.[0-9]{3}")
_SCALAR_COLUMNS = (
    "sku",
    "status",
    "default_language",
    "unit",
    "pack_size",
    "min_order_quantity",
    "stock_on_hand",
    "lead_time_days",
    "vat_category",
)
_DECIMAL_COLUMNS = ("pack_size", "min_order_quantity", "stock_on_hand")
#: The locale of a semicolon-separated file's numbers when no language at hand writes a decimal comma.
_DECIMAL_COMMA_LOCALE = "de"


@dataclass(frozen=True)
class Row:
    number: int
    listing: ListingCreate


class _CellError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


def content_type(file_format: FileFormat) -> str:
    """The Content-Type header of a file of `file_format` (text in UTF-8)."""
    media_type = MEDIA_TYPES[file_format]
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


def format_of(media_type: str) -> FileFormat:
    """The kind of file a Content-Type names (CSV for any other)."""
    return _FORMATS_OF_MEDIA_TYPES.get(media_type.strip().lower(), FileFormat.csv)


def format_of_upload(filename: str, body: bytes) -> FileFormat:
    """The kind of an uploaded file: a workbook when it is a ZIP archive (as every .xlsx is) or is
    named .xlsx, JSON lines when named .jsonl, CSV otherwise (whatever a spreadsheet named it)."""
    name = filename.lower()
    if body.startswith(b"PK\x03\x04") or name.endswith(".xlsx"):
        return FileFormat.xlsx
    return FileFormat.jsonl if name.endswith((".jsonl", ".ndjson")) else FileFormat.csv


class FileError(Exception):
    """The file as a whole cannot be read (not UTF-8, bad CSV header)."""

    def __init__(self, error: FieldError) -> None:
        super().__init__(error.message)
        self.error = error


#: The start of an Excel 97-2003 workbook (an OLE2 compound file), which is no CSV or XLSX.
_XLS_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")
#: A workbook unpacking to more than this is refused before it is read (a "zip bomb" would fill memory).
MAX_XLSX_UNPACKED_BYTES = 512 * 1024 * 1024


def read(
    file_format: FileFormat,
    body: bytes,
    *,
    country: str = "",
    languages: Sequence[str] = (),
    reader_language: str | None = None,
) -> Iterator[Row | FieldError]:
    """In file order, each row that decodes, and an error (with its row number) for each
    problem of a row that does not. Lazily, so an import can check and write in chunks.

    `country` and `languages` are the organisation's: they tell the encoding of a CSV that is
    not UTF-8 where its bytes do not (`kernel.text.spreadsheet_text`), and with
    `reader_language` (the importing person's, BCP 47) the locale of a semicolon-separated
    file's numbers (`semicolon_locale`). Raises `FileError` at once when the file cannot be read.
    """
    if body.startswith(_XLS_MAGIC):
        raise FileError(
            FieldError(field="$", message="an Excel 97-2003 workbook (.xls); save it as .xlsx or CSV", row=None)
        )
    if file_format is FileFormat.xlsx:
        return _read_xlsx(body)
    if file_format is FileFormat.csv:
        try:
            text = spreadsheet_text(body, country=country, languages=languages)
        except NotText as error:
            raise FileError(FieldError(field="$", message=str(error), row=None)) from None
    else:
        try:
            text = body.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise FileError(FieldError(field="$", message=f"not UTF-8 text (byte {error.start})", row=None)) from None
    if "\x00" in text:
        raise FileError(FieldError(field="$", message="contains NUL characters", row=None))
    if file_format is FileFormat.jsonl:
        return _read_jsonl(text)
    return _read_csv(text, semicolon_locale([*([reader_language] if reader_language else []), *languages]))


def semicolon_locale(languages: Sequence[str]) -> babel.Locale:
    """The locale of the numbers of a semicolon-separated file. Excel separates with semicolons
    where the comma is the decimal mark, so: the first of `languages` (BCP 47 tags: the importing
    reader's, then the organisation's) whose decimal mark is the comma; German otherwise."""
    for tag in languages:
        try:
            locale = babel.Locale.parse(tag, sep="-")
        except (ValueError, babel.UnknownLocaleError):
            continue
        if get_decimal_symbol(locale) == ",":
            return locale
    return babel.Locale.parse(_DECIMAL_COMMA_LOCALE)


# --- JSON lines ------------------------------------------------------------------


def _read_jsonl(text: str) -> Iterator[Row | FieldError]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield Row(number, validation.decode_json(line.encode(), ListingCreate))
        except InvalidInput as invalid:
            for problem in invalid.errors:
                yield FieldError(field=problem.field, message=problem.message, row=number)
        except msgspec.DecodeError:
            yield FieldError(field="$", message="not a JSON object on one line", row=number)


# --- CSV -------------------------------------------------------------------------


def _languages_of(header: list[str]) -> list[str]:
    tags: list[str] = []
    for column in header:
        match = _TEXT_COLUMN.match(column)
        if match and match.group(2) not in tags:
            tags.append(match.group(2))
    return tags


def _check_header(header: list[str]) -> None:
    known = set(REQUIRED_COLUMNS) | set(OPTIONAL_COLUMNS)
    seen: set[str] = set()
    for column in header:
        if column in seen:
            raise FileError(FieldError(field=column, message="column appears twice", row=1))
        seen.add(column)
        if column not in known and not _TEXT_COLUMN.match(column):
            raise FileError(
                FieldError(field=column, message="unknown column (see the listing file format in the README)", row=1)
            )
    missing = [column for column in REQUIRED_COLUMNS if column not in seen]
    if missing:
        raise FileError(FieldError(field=missing[0], message=f"required columns missing: {', '.join(missing)}", row=1))
    if not any(column.startswith("title[") for column in header):
        raise FileError(FieldError(field="title[<language>]", message="at least one title column is needed", row=1))


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]


def _translations(record: dict[str, str], languages: list[str]) -> dict[str, Translation]:
    """The row's texts by language; a language whose cells are all empty has no translation.

    Checked here, column by column, because a validation error inside the
    `translations` mapping would not say which language it is about.
    """
    result: dict[str, Translation] = {}
    for tag in languages:
        title, description = record.get(f"title[{tag}]", "").strip(), record.get(f"description[{tag}]", "").strip()
        if not title and not description:
            continue
        try:
            result[tag] = msgspec.convert({"title": title, "description": description}, Translation)
        except msgspec.ValidationError as error:
            problem = field_error("$", str(error))
            raise _CellError(f"{problem.field.removeprefix('$.')}[{tag}]", problem.message) from None
    return result


def _number(text: str, locale: babel.Locale | None, column: str) -> str:
    """A number cell as the body says it: as written in `locale` (a semicolon-separated file's,
    `kernel.numbers.read_number`), else as it is. In a semicolon file whose locale groups digits with
    a space (Polish, Czech), `1.500` could be 1500 (German Excel) or 1.5: refused, never guessed."""
    if locale is None:
        return text
    if get_group_symbol(locale) != "." and _POINT_AND_THREE_DIGITS.fullmatch(text.strip()):
        raise _CellError(column, f"{text.strip()!r} could mean a thousand times more or less: write 1500 or 1,5")
    return read_number(text, locale)


def _tiers(value: str, locale: babel.Locale | None) -> list[dict[str, str]]:
    tiers = []
    for part in _split(value):
        quantity, separator, price = part.partition(TIER_SEPARATOR)
        if not separator:
            raise _CellError("price_tiers", f"{part!r} is not min_quantity:unit_price (e.g. 1:48.00|20:44.00)")
        tiers.append(
            {
                "min_quantity": _number(quantity.strip(), locale, "price_tiers"),
                "unit_price": _number(price.strip(), locale, "price_tiers"),
            }
        )
    return tiers


def _body_of(record: dict[str, str], languages: list[str], locale: babel.Locale | None) -> dict[str, Any]:
    """The JSON body a row stands for; empty cells are left out (so defaults apply)."""
    body: dict[str, Any] = {key: record[key].strip() for key in _SCALAR_COLUMNS if record.get(key, "").strip()}
    for key in _DECIMAL_COLUMNS:
        if key in body:
            body[key] = _number(body[key], locale, key)
    if _WHOLE_NUMBER.fullmatch(body.get("lead_time_days", "")):
        body["lead_time_days"] = int(body["lead_time_days"])  # other text stays, to be refused as no whole number
    body["translations"] = _translations(record, languages)
    if not body["translations"] and languages:
        # No text at all: the title missing is the default language's (else the first language's).
        tag = record.get("default_language", "").strip()
        body["translations"] = {tag if tag in languages else languages[0]: {"title": ""}}
    body["classification"] = {
        "scheme": record["classification_scheme"].strip(),
        "code": record["classification_code"].strip(),
    }
    body["price_tiers"] = _tiers(record["price_tiers"], locale)
    for key in _LIST_COLUMNS:
        if record.get(key, "").strip():
            body[key] = _split(record[key])
    body.setdefault("ships_to", [])
    origin = {part: record.get(f"origin_{part}", "").strip() for part in ("country", "subdivision", "municipality")}
    if any(origin.values()):
        body["origin"] = {part: value or None for part, value in origin.items()}
    return body


def csv_column(path: str) -> str:
    """The CSV column a JSON path of the body falls in (`$.translations.fr.title` → `title[fr]`)."""
    parts = re.split(r"[.\[]", path.removeprefix("$").lstrip("."), maxsplit=2)
    head = parts[0]
    if head == "translations" and len(parts) > 1:
        return f"{'description' if path.endswith('.description') else 'title'}[{parts[1]}]"
    if head in ("origin", "classification") and len(parts) > 1:
        return f"{head}_{parts[1]}"
    return head or "$"


def in_column(error: FieldError, row: int) -> FieldError:
    """A problem of the body a CSV row stands for, named by its column (and, inside it, the path)."""
    column = csv_column(error.field)
    detail = error.field.removeprefix("$.")
    message = error.message if detail == column else f"{detail}: {error.message}"
    return FieldError(field=column, message=message, row=row)


def cell_problem(error: FieldError) -> tuple[str | None, str]:
    """Where inside its cell a row's problem is (`price_tiers[1].unit_price`; None for the cell as a
    whole) and the problem itself, as `in_column` said them in one message."""
    detail, separator, message = error.message.partition(": ")
    if not separator or csv_column(f"$.{detail}") != error.field:
        return None, error.message
    return (detail if "[" in detail else None), message


def _read_csv(text: str, semicolon: babel.Locale) -> Iterator[Row | FieldError]:
    """Checks the header now (raising `FileError`); the rows as they are iterated. The separator is
    the one of comma and semicolon the header line uses more (column names hold neither); the
    numbers of a semicolon-separated file are read in the locale `semicolon`."""
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        raise FileError(FieldError(field="$", message="the file is empty", row=None)) from None
    except csv.Error as error:
        raise FileError(FieldError(field="$", message=f"not CSV: {error}", row=1)) from None
    _check_header(header)
    return _csv_rows(reader, header, locale=semicolon if delimiter == ";" else None)


def _csv_rows(
    reader: Iterator[list[str]], header: list[str], *, locale: babel.Locale | None
) -> Iterator[Row | FieldError]:
    languages = _languages_of(header)
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            yield FieldError(field="$", message=f"not CSV: {error}", row=number)
            return
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            yield FieldError(field="$", message=f"{len(cells)} cells where the header has {len(header)}", row=number)
            continue
        record = dict(zip(header, map(from_spreadsheet, cells), strict=True))
        yield from _entries(number, record, languages, locale=locale)


def _entries(
    number: int, record: dict[str, str], languages: list[str], *, locale: babel.Locale | None
) -> Iterator[Row | FieldError]:
    """The listing of one row (its cells by column), or every problem of the row, each named by its
    column; numbers as written in `locale` (None: as the body says them)."""
    try:
        body = _body_of(record, languages, locale)
    except _CellError as error:
        yield FieldError(field=error.column, message=error.message, row=number)
        return
    try:
        yield Row(number, validation.convert(body, ListingCreate))
    except InvalidInput as invalid:
        for problem in invalid.errors:
            yield in_column(problem, number)


# --- XLSX ------------------------------------------------------------------------


def _read_xlsx(body: bytes) -> Iterator[Row | FieldError]:
    """Checks the workbook and the header of its first sheet now (raising `FileError`); the rows as
    they are iterated."""
    # Here, not at the top: openpyxl would cost each serving process memory (benchmarks/README.md).
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise FileError(FieldError(field="$", message="not an Excel workbook (.xlsx)", row=None)) from None
    if unpacked > MAX_XLSX_UNPACKED_BYTES:
        message = f"the workbook unpacks to more than {MAX_XLSX_UNPACKED_BYTES // 2**20} MiB; split it"
        raise FileError(FieldError(field="$", message=message, row=None))
    try:
        book = openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises whatever its parsers meet in a damaged file
        raise FileError(FieldError(field="$", message="not an Excel workbook (.xlsx)", row=None)) from None
    try:
        rows, header = _first_sheet(book)
    except BaseException:
        book.close()
        raise
    return _xlsx_rows(book, rows, header)


def _first_sheet(book: Any) -> tuple[Iterator[tuple[object, ...]], list[str]]:
    """The rows of the workbook's first sheet after its header, and the header (checked)."""
    if not book.worksheets:  # chart sheets are not among them
        raise FileError(FieldError(field="$", message="the file is empty", row=None))
    sheet = book.worksheets[0]
    sheet.reset_dimensions()  # the size a file declares may be wrong: read every row there is
    rows = sheet.iter_rows(values_only=True)
    try:
        header = [cell_text(value).strip() for value in next(rows, ())]
    except Exception:  # noqa: BLE001 - openpyxl raises whatever its parsers meet in a damaged file
        raise FileError(FieldError(field="$", message="not an Excel workbook (.xlsx)", row=None)) from None
    while header and not header[-1]:
        header.pop()
    if not header:
        empty = next(rows, None) is None
        message = "the file is empty" if empty else "the first row names no columns"
        raise FileError(FieldError(field="$", message=message, row=None if empty else 1))
    _check_header(header)
    return rows, header


def _xlsx_rows(book: Any, rows: Iterator[tuple[object, ...]], header: list[str]) -> Iterator[Row | FieldError]:
    languages = _languages_of(header)
    number = 1
    try:
        while True:
            number += 1
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception:  # noqa: BLE001 - a damaged sheet: the rows read stand, the rest is reported
                yield FieldError(field="$", message="the workbook is damaged from this row on", row=number)
                return
            cells = [cell_text(value) for value in values]
            while len(cells) > len(header) and not cells[-1].strip():
                cells.pop()
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                yield FieldError(
                    field="$", message=f"{len(cells)} cells where the header has {len(header)}", row=number
                )
                continue
            record = dict(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
            yield from _entries(number, record, languages, locale=None)
    finally:
        book.close()


# --- writing CSV and JSON lines ----------------------------------------------------


def csv_columns(languages: list[str]) -> list[str]:
    """The columns `write_csv_rows` fills, in order: a title and description for each language."""
    texts = [f"{kind}[{tag}]" for tag in languages for kind in ("title", "description")]
    return ["sku", "status", "default_language", *texts, *REQUIRED_COLUMNS[2:], *OPTIONAL_COLUMNS[1:]]


def _record_of(listing: ListingCreate) -> dict[str, object]:
    origin = listing.origin
    tiers = LIST_SEPARATOR.join(f"{t.min_quantity}{TIER_SEPARATOR}{t.unit_price}" for t in listing.price_tiers)
    record: dict[str, object] = {
        "sku": listing.sku,
        "status": listing.status.value,
        "default_language": listing.default_language,
        "classification_scheme": listing.classification.scheme.value,
        "classification_code": listing.classification.code,
        "unit": listing.unit,
        "price_tiers": tiers,
        "stock_on_hand": listing.stock_on_hand,
        "ships_to": LIST_SEPARATOR.join(listing.ships_to),
        "pack_size": listing.pack_size,
        "min_order_quantity": listing.min_order_quantity,
        "lead_time_days": listing.lead_time_days,
        "origin_country": origin.country if origin else None,
        "origin_subdivision": origin.subdivision if origin else None,
        "origin_municipality": origin.municipality if origin else None,
        "image_urls": LIST_SEPARATOR.join(listing.image_urls),
        "credential_ids": LIST_SEPARATOR.join(str(i) for i in listing.credential_ids),
        "vat_category": listing.vat_category.value,
    }
    for tag, text in listing.translations.items():
        record[f"title[{tag}]"] = text.title
        record[f"description[{tag}]"] = text.description
    return record


def write_csv_rows(listings: Iterable[ListingCreate], columns: list[str], *, header: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    if header:
        writer.writeheader()
    for listing in listings:
        writer.writerow({column: _spreadsheet_safe(value) for column, value in _record_of(listing).items()})
    return buffer.getvalue().encode()


def _spreadsheet_safe(value: object) -> object:
    return for_spreadsheet(value) if isinstance(value, str) else value


def write_jsonl_rows(listings: Iterable[ListingCreate]) -> bytes:
    return b"".join(msgspec.json.encode(listing) + b"\n" for listing in listings)


# --- XLSX writing and the template -----------------------------------------------

#: Written as numbers; every other column holds text (codes such as 0409.00 keep their zeros).
_NUMBER_COLUMNS = frozenset({"pack_size", "min_order_quantity", "stock_on_hand", "lead_time_days"})
_TEXT_FORMAT = "@"
#: Characters no XLSX cell can hold (control characters other than tab and line breaks).
_NOT_IN_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NOT_IN_SHEET_TITLES = re.compile(r"[\[\]:*?/\\]")


class XlsxWriter:
    """An Excel workbook of listings, built row by row: the columns of `csv_columns` on the first
    sheet, a header row, then one row per listing. Texts are text cells (a title starting with "="
    is text, never a formula), counts and quantities are numbers, and the cells of text columns
    are formatted as text, so what a person types there stays as typed. Characters no workbook
    can hold (control characters) are left out."""

    def __init__(self, columns: Sequence[str], *, title: str = "Listings") -> None:
        # Here, not at the top: openpyxl would cost each serving process memory (benchmarks/README.md).
        import openpyxl
        from openpyxl.utils import get_column_letter

        self._book = openpyxl.Workbook(write_only=True)
        self._sheet = self._book.create_sheet(_sheet_title(title))
        self._columns = list(columns)
        for index, column in enumerate(self._columns, start=1):
            dimension = self._sheet.column_dimensions[get_column_letter(index)]
            dimension.width = 40 if _TEXT_COLUMN.match(column) else 18
            if column not in _NUMBER_COLUMNS:
                dimension.number_format = _TEXT_FORMAT
        self._sheet.freeze_panes = "A2"
        self._sheet.append([self._text(self._sheet, column, bold=True) for column in self._columns])

    def append(self, listings: Iterable[ListingCreate]) -> None:
        for listing in listings:
            record = _record_of(listing)
            self._sheet.append([self._cell(column, record.get(column)) for column in self._columns])

    def add_help(self, title: str, rows: Iterable[Sequence[str]]) -> None:
        """A further sheet of text explaining the columns: the first row (a heading) and the first
        column (the columns' names) in bold."""
        sheet = self._book.create_sheet(_sheet_title(title))
        for letter, width in zip("ABC", (24, 32, 90), strict=True):
            sheet.column_dimensions[letter].width = width
        for number, row in enumerate(rows):
            sheet.append([self._text(sheet, text, bold=number == 0 or index == 0) for index, text in enumerate(row)])

    def finish(self) -> bytes:
        """The workbook's bytes (the writer cannot be used after)."""
        buffer = io.BytesIO()
        self._book.save(buffer)
        return buffer.getvalue()

    def _cell(self, column: str, value: object) -> object:
        if value is None or value == "":
            return None
        if column in _NUMBER_COLUMNS and isinstance(value, (int, Decimal)):
            return value
        return self._text(self._sheet, str(value))

    @staticmethod
    def _text(sheet: Any, text: str, *, bold: bool = False) -> Cell:
        # Here, not at the top: openpyxl would cost each serving process memory (benchmarks/README.md).
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        cell = WriteOnlyCell(sheet, value=_NOT_IN_XLSX.sub("", text))
        cell.data_type = "s"  # openpyxl takes a text starting with "=" for a formula
        cell.number_format = _TEXT_FORMAT
        if bold:
            cell.font = Font(bold=True)
        return cell


def _sheet_title(title: str) -> str:
    """`title` as a sheet may be named: at most 31 characters, none of []:*?/\\."""
    return _NOT_IN_SHEET_TITLES.sub(" ", title).strip()[:31] or "Sheet"


def write_xlsx(
    listings: Iterable[ListingCreate],
    columns: Sequence[str],
    *,
    title: str = "Listings",
    help_title: str = "Help",
    help_rows: Iterable[Sequence[str]] = (),
) -> bytes:
    """A workbook of `listings` (see `XlsxWriter`), with a help sheet when there are `help_rows`
    (the first a heading)."""
    writer = XlsxWriter(columns, title=title)
    writer.append(listings)
    help_rows = list(help_rows)
    if help_rows:
        writer.add_help(help_title, help_rows)
    return writer.finish()


#: The example row's words, in each language there are words for (the README's peppermint tea).
_EXAMPLE_TEXTS = {
    "en": Translation(title="Peppermint tea 100 g", description="Mint from a garden in Zgorzelec"),
    "de": Translation(title="Pfefferminztee 100 g", description="Minze aus einem Garten in Zgorzelec"),
    "pl": Translation(title="Herbata miętowa 100 g", description="Mięta z ogrodu w Zgorzelcu"),
    "cs": Translation(title="Mátový čaj 100 g", description="Máta ze zahrady ve Zgorzelci"),
}


def _example_text(tag: str) -> Translation | None:
    return _EXAMPLE_TEXTS.get(tag.split("-", 1)[0].lower())


def template_languages(languages: Sequence[str]) -> list[str]:
    """The languages a template has title and description columns for: the organisation's, and
    English when the example row has words in none of them."""
    chosen = list(dict.fromkeys(languages))
    if not any(_example_text(tag) for tag in chosen):
        chosen.append("en")
    return chosen


def example_listing(languages: Sequence[str], country: str) -> ListingCreate:
    """The example row of a template for an organisation writing `languages` (as
    `template_languages` gives them) and seated in `country`: importable as it is."""
    texts = {tag: text for tag in languages if (text := _example_text(tag)) is not None}
    return ListingCreate(
        sku="TEA-MINT-100",
        translations=texts,
        default_language=next(iter(texts)),
        classification=Classification(scheme=Scheme.HS, code="1211.90"),
        unit="XPK",
        min_order_quantity=Decimal(10),
        price_tiers=[
            PriceTier(min_quantity=Decimal(10), unit_price=Decimal("12.50")),
            PriceTier(min_quantity=Decimal(100), unit_price=Decimal("10.90")),
        ],
        stock_on_hand=Decimal(500),
        lead_time_days=2,
        ships_to=[country],
    )
