"""Listing files: CSV and JSON lines, read into `ListingCreate` rows and written back from them.

A JSON line is exactly the body of `POST .../listings`. A CSV row flattens it:
translations go into `title[<tag>]` / `description[<tag>]` columns, lists are
separated by `|`, and price tiers are `min_quantity:unit_price` pairs
(`1:48.00|20:44.00`). What `write_*` produces, `read` accepts unchanged, so a
producer can export, edit in a spreadsheet and import again: a CSV cell that a
spreadsheet would run as a formula (`=HYPERLINK(...)`) is written with a leading
apostrophe, which the import takes off again (`kernel.text.for_spreadsheet`).
Every row meets the same rules as the body of `POST .../listings`
(`kernel.validation.convert`): numbers as documented, decimals bounded.

Row numbers are what a spreadsheet shows: the CSV header is row 1, so the first
listing is row 2; in JSON lines, the line number.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import msgspec

from kernel import validation
from kernel.errors import FieldError, InvalidInput
from kernel.text import for_spreadsheet, from_spreadsheet
from kernel.validation import field_error
from marketplace.catalog.schemas import FileFormat, ListingCreate, Translation

#: Litestar adds "; charset=utf-8" to a text/* type itself.
MEDIA_TYPES = {FileFormat.csv: "text/csv", FileFormat.jsonl: "application/x-ndjson"}

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
)
_LIST_COLUMNS = ("ships_to", "image_urls", "credential_ids")
_TEXT_COLUMN = re.compile(r"^(title|description)\[([^\]]+)\]$")
#: A whole number in a cell (longer ones are no lead time, and Python refuses to read 4,300 digits).
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")
_SCALAR_COLUMNS = (
    "sku",
    "status",
    "default_language",
    "unit",
    "pack_size",
    "min_order_quantity",
    "stock_on_hand",
    "lead_time_days",
)


@dataclass(frozen=True)
class Row:
    number: int
    listing: ListingCreate


class _CellError(Exception):
    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column
        self.message = message


class FileError(Exception):
    """The file as a whole cannot be read (not UTF-8, bad CSV header)."""

    def __init__(self, error: FieldError) -> None:
        super().__init__(error.message)
        self.error = error


def read(file_format: FileFormat, body: bytes) -> Iterator[Row | FieldError]:
    """In file order, each row that decodes, and an error (with its row number) for each
    problem of a row that does not. Lazily, so an import can check and write in chunks.

    Raises `FileError` at once when the file cannot be read at all.
    """
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FileError(FieldError(field="$", message=f"not UTF-8 text (byte {error.start})", row=None)) from None
    if "\x00" in text:
        raise FileError(FieldError(field="$", message="contains NUL characters", row=None))
    return _read_csv(text) if file_format is FileFormat.csv else _read_jsonl(text)


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


def _tiers(value: str) -> list[dict[str, str]]:
    tiers = []
    for part in _split(value):
        quantity, separator, price = part.partition(TIER_SEPARATOR)
        if not separator:
            raise _CellError("price_tiers", f"{part!r} is not min_quantity:unit_price (e.g. 1:48.00|20:44.00)")
        tiers.append({"min_quantity": quantity.strip(), "unit_price": price.strip()})
    return tiers


def _body_of(record: dict[str, str], languages: list[str]) -> dict[str, Any]:
    """The JSON body a CSV row stands for; empty cells are left out (so defaults apply)."""
    body: dict[str, Any] = {key: record[key].strip() for key in _SCALAR_COLUMNS if record.get(key, "").strip()}
    if _WHOLE_NUMBER.fullmatch(body.get("lead_time_days", "")):
        body["lead_time_days"] = int(body["lead_time_days"])  # other text stays, to be refused as no whole number
    body["translations"] = _translations(record, languages)
    body["classification"] = {
        "scheme": record["classification_scheme"].strip(),
        "code": record["classification_code"].strip(),
    }
    body["price_tiers"] = _tiers(record["price_tiers"])
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


def _read_csv(text: str) -> Iterator[Row | FieldError]:
    """Checks the header now (raising `FileError`); the rows as they are iterated."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip() for column in next(reader)]
    except StopIteration:
        raise FileError(FieldError(field="$", message="the file is empty", row=None)) from None
    except csv.Error as error:
        raise FileError(FieldError(field="$", message=f"not CSV: {error}", row=1)) from None
    _check_header(header)
    return _csv_rows(reader, header)


def _csv_rows(reader: Iterator[list[str]], header: list[str]) -> Iterator[Row | FieldError]:
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
        try:
            body = _body_of(record, languages)
        except _CellError as error:
            yield FieldError(field=error.column, message=error.message, row=number)
            continue
        try:
            yield Row(number, validation.convert(body, ListingCreate))
        except InvalidInput as invalid:  # every problem of the row, each named by its column
            for problem in invalid.errors:
                yield in_column(problem, number)


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
