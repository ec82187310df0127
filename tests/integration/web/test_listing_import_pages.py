"""A producer's spreadsheet import on the pages: a workbook of 50 listings with two bad rows shows both
rows' problems and imports nothing, the fixed file imports all 50; the template and the export
download and import back; a semicolon CSV saved by a Polish Excel keeps its letters; another
organisation's member gets the not-found page."""

from __future__ import annotations

import codecs
import io
from typing import Any

import httpx
import openpyxl
import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from marketplace.catalog import bulk
from tests.factories import spreadsheets
from tests.factories.identity import PASSWORD, Account, register
from tests.factories.organization import create_organization
from tests.integration.web.pages import csrf_of, sign_in_page

Client = AsyncTestClient[Litestar]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER = [
    "sku",
    "title[pl]",
    "description[pl]",
    "title[de]",
    "default_language",
    "classification_scheme",
    "classification_code",
    "unit",
    "price_tiers",
    "stock_on_hand",
    "ships_to",
    "lead_time_days",
]


async def _producer(client: Client) -> tuple[Account, dict[str, Any]]:
    """A Polish producer (languages pl, de), signed in on the pages."""
    owner = await register(client, full_name="Ewa Nowak")
    organization = await create_organization(client, owner)
    client.cookies.clear()
    assert (await sign_in_page(client, owner.email, PASSWORD)).status_code == 303
    return owner, organization


def _row(number: int, **changes: object) -> list[object]:
    """Herbal tea number `number`, as a person types it: numbers in number cells, codes as text."""
    row: dict[str, object] = {
        "sku": f"ZIOLA-{number:03d}",
        "title[pl]": f"Herbata ziołowa nr {number}",
        "description[pl]": "Zioła z Łużyc",
        "title[de]": f"Kräutertee Nr. {number}",
        "default_language": "pl",
        "classification_scheme": "HS",
        "classification_code": "1211.90",
        "unit": "XPK",
        "price_tiers": "1:12.50|20:11",
        "stock_on_hand": 40 + number,
        "ships_to": "PL-02|DE-SN",
        "lead_time_days": 2,
    }
    row.update(changes)
    return [row[column] for column in HEADER]


async def _upload(
    client: Client,
    organization: dict[str, Any],
    name: str,
    body: bytes,
    *,
    update: bool = False,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """Open the import page, then upload the file with its form (as a browser does, not following the redirect)."""
    path = f"/organizations/{organization['id']}/listings/import"
    shown = await client.get(path, headers=headers)
    assert shown.status_code == 200, shown.text
    fields = {"_csrf_token": csrf_of(shown.text), **({"update": "yes"} if update else {})}
    kind = XLSX if name.endswith(".xlsx") else "text/csv"
    return await client.post(
        path, data=fields, files={"file": (name, body, kind)}, headers=headers, follow_redirects=False
    )


async def _listings(client: Client, owner: Account, organization: dict[str, Any]) -> list[dict[str, Any]]:
    found = await client.get(
        f"/api/v1/organizations/{organization['id']}/listings", params={"per_page": 100}, headers=owner.headers
    )
    assert found.status_code == 200, found.text
    items: list[dict[str, Any]] = found.json()["items"]
    return items


async def test_two_bad_rows_of_fifty_are_shown_with_their_rows_and_columns_and_the_fixed_file_imports_all(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, organization = await _producer(client)
    # Rows are written ten at a time, so the first ten are written before row 19 is refused: the
    # page answers 422 all the same, and those ten are gone with the rest.
    monkeypatch.setattr(bulk, "IMPORT_CHUNK", 10)
    rows = [_row(number) for number in range(1, 51)]
    rows[17] = _row(18, **{"title[pl]": None})  # on row 19: a description, but no title
    rows[39] = _row(40, price_tiers="1:-4.50")  # on row 41

    refused = await _upload(client, organization, "ziola.xlsx", spreadsheets.workbook(HEADER, rows))

    assert refused.status_code == 422
    assert "Nothing was imported" in refused.text
    assert "2 rows of the file have problems." in refused.text
    table = refused.text[refused.text.index('id="problems"') :]
    assert table.count('<th scope="row" class="number">') == 2
    missing_title = table.index('<th scope="row" class="number">19</th>')
    negative_price = table.index('<th scope="row" class="number">41</th>')
    assert missing_title < negative_price
    assert "Title in Polish<br><code>title[pl]</code>" in table[missing_title:negative_price]
    assert "Please fill this in." in table[missing_title:negative_price]
    assert "Price tiers<br><code>price_tiers</code>" in table[negative_price:]
    assert "Price tier 1, unit price: Enter a price above zero." in table[negative_price:]
    assert await _listings(client, owner, organization) == []

    rows[17] = _row(18)
    rows[39] = _row(40)
    imported = await _upload(client, organization, "ziola.xlsx", spreadsheets.workbook(HEADER, rows))

    assert imported.status_code == 303, imported.text
    assert imported.headers["location"] == (
        f"/organizations/{organization['id']}/listings?notice=listings-imported&count=50"
    )
    shown = await client.get(imported.headers["location"])
    assert "50 listings are imported." in shown.text
    listings = await _listings(client, owner, organization)
    assert len(listings) == 50
    tea = next(item for item in listings if item["sku"] == "ZIOLA-018")
    assert tea["translations"]["pl"]["title"] == "Herbata ziołowa nr 18"
    assert (tea["stock_on_hand"], tea["price_tiers"][0]["unit_price"]) == ("58", "12.50")


async def test_the_template_downloads_and_imports_as_it_is(client: Client) -> None:
    owner, organization = await _producer(client)
    base = f"/organizations/{organization['id']}/listings"

    workbook = await client.get(f"{base}/template.xlsx")

    assert workbook.status_code == 200
    assert workbook.headers["content-type"] == XLSX
    assert workbook.headers["content-disposition"] == 'attachment; filename="borderhub-listings-template.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(workbook.content))
    assert book.sheetnames == ["Listings", "Help"]
    header, example = ([cell.value for cell in row] for row in book["Listings"].iter_rows(max_row=2))
    assert {"title[pl]", "description[pl]", "title[de]", "price_tiers"} <= set(header)
    assert example[header.index("title[pl]")] == "Herbata miętowa 100 g"
    explained = {row[0].value: row[2].value for row in book["Help"].iter_rows(min_row=2)}
    assert set(explained) == set(header)
    assert "10:12.50|100:10.90" in str(explained["price_tiers"])

    imported = await _upload(client, organization, "template.xlsx", workbook.content)

    assert imported.status_code == 303, imported.text
    assert imported.headers["location"].endswith("?notice=listings-imported&count=1")
    [tea] = await _listings(client, owner, organization)
    assert (tea["sku"], tea["title"]) == ("TEA-MINT-100", "Herbata miętowa 100 g")

    csv_template = await client.get(f"{base}/template.csv")
    assert csv_template.headers["content-type"] == "text/csv; charset=utf-8"
    assert csv_template.content.startswith(codecs.BOM_UTF8)  # so that a spreadsheet shows ę as ę
    # The same example again: refused as already listed, unless updating, when it changes nothing.
    refused = await _upload(client, organization, "template.csv", csv_template.content)
    assert refused.status_code == 422
    assert "You already list TEA-MINT-100." in refused.text
    again = await _upload(client, organization, "template.csv", csv_template.content, update=True)
    assert again.status_code == 303, again.text
    shown = await client.get(again.headers["location"])
    assert "The file is imported: it changes none of your listings." in shown.text


async def test_a_semicolon_csv_saved_in_windows_1250_imports_with_its_polish_letters_and_exports_back(
    client: Client,
) -> None:
    owner, organization = await _producer(client)
    lines = [
        ";".join(HEADER),
        "ZUREK-1;Żurek śląski;Zażółć gęślą jaźń;Schlesische Sauerteigsuppe;pl;HS;2104;KGM;0,5:12,50;40,5;PL;1",
        "PIEROGI-1;Pierogi ruskie;Ręcznie lepione, mrożone;Piroggen;pl;HS;1902;KGM;1:24;120;PL|DE-SN;2",
    ]
    body = ("\r\n".join(lines) + "\r\n").encode("cp1250")  # what Excel saves as "CSV" on a Polish Windows

    imported = await _upload(client, organization, "produkty.csv", body)

    assert imported.status_code == 303, imported.text
    by_sku = {item["sku"]: item for item in await _listings(client, owner, organization)}
    assert by_sku["ZUREK-1"]["translations"]["pl"] == {"title": "Żurek śląski", "description": "Zażółć gęślą jaźń"}
    assert by_sku["PIEROGI-1"]["translations"]["pl"]["description"] == "Ręcznie lepione, mrożone"
    assert (by_sku["ZUREK-1"]["stock_on_hand"], by_sku["ZUREK-1"]["price_tiers"][0]["unit_price"]) == ("40.5", "12.50")

    base = f"/organizations/{organization['id']}/listings"
    exported = await client.get(f"{base}/export.xlsx")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == XLSX
    assert exported.headers["content-disposition"].startswith('attachment; filename="listings-spoldzielnia-nr-')
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content)).worksheets[0]
    titles = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "Żurek śląski" in titles["ZUREK-1"]
    csv_export = await client.get(f"{base}/export.csv")
    assert csv_export.content.startswith(codecs.BOM_UTF8)
    assert "Żurek śląski" in csv_export.content.decode("utf-8-sig")
    # Both come back as they went out.
    for name, file in (("listings.xlsx", exported.content), ("listings.csv", csv_export.content)):
        again = await _upload(client, organization, name, file, update=True)
        assert again.status_code == 303, again.text
        assert again.headers["location"].endswith("?notice=listings-import-unchanged")


async def test_numbers_of_a_semicolon_csv_are_read_as_the_german_reader_writes_them_thousands_separators_too(
    client: Client,
) -> None:
    owner, organization = await _producer(client)
    lines = [
        ";".join(HEADER),
        "MIOD-1;Miód lipowy;;Lindenhonig;pl;HS;0409.00;KGM;1:1.500,50|100:1.450;1.500;PL;1",
        "MIOD-2;Miód gryczany;;Buchweizenhonig;pl;HS;0409.00;KGM;1:12,50;1\u00a0500;PL;1",
    ]
    body = ("\r\n".join(lines) + "\r\n").encode("cp1252")  # as a German Excel saves "CSV"

    imported = await _upload(client, organization, "honig.csv", body, headers={"Accept-Language": "de"})

    assert imported.status_code == 303, imported.text
    by_sku = {item["sku"]: item for item in await _listings(client, owner, organization)}
    linden, buckwheat = by_sku["MIOD-1"], by_sku["MIOD-2"]
    assert linden["stock_on_hand"] == "1500"  # never 1.5
    assert [tier["unit_price"] for tier in linden["price_tiers"]] == ["1500.50", "1450"]
    assert buckwheat["stock_on_hand"] == "1500"
    assert buckwheat["price_tiers"][0]["unit_price"] == "12.50"


async def test_a_thousands_point_in_a_polish_semicolon_csv_is_shown_as_a_question_and_nothing_is_imported(
    client: Client,
) -> None:
    owner, organization = await _producer(client)
    lines = [";".join(HEADER), "MIOD-1;Miód lipowy;;Lindenhonig;pl;HS;0409.00;KGM;1:12,50;1.500;PL;1"]

    refused = await _upload(client, organization, "miod.csv", ("\r\n".join(lines) + "\r\n").encode("cp1250"))

    assert refused.status_code == 422
    assert "1.500 could mean a thousand times more or less. Write 1500 or 1,5." in refused.text
    assert await _listings(client, owner, organization) == []


async def test_a_file_that_is_no_spreadsheet_or_lacks_columns_is_explained_and_no_file_is_asked_for(
    client: Client,
) -> None:
    _, organization = await _producer(client)

    old_excel = await _upload(client, organization, "old.xls", bytes.fromhex("d0cf11e0a1b11ae1") + bytes(600))
    assert old_excel.status_code == 422
    assert "This is an old Excel workbook (.xls)." in old_excel.text

    no_unit = ",".join(column for column in HEADER if column != "unit") + "\n"
    header_only = await _upload(client, organization, "short.csv", no_unit.encode())
    assert header_only.status_code == 422
    assert '<th scope="row" class="number">1</th>' in header_only.text
    assert "These columns are missing: unit." in header_only.text

    path = f"/organizations/{organization['id']}/listings/import"
    shown = await client.get(path)
    nothing = await client.post(path, data={"_csrf_token": csrf_of(shown.text)}, follow_redirects=False)
    assert nothing.status_code == 422
    assert "Choose the file to import." in nothing.text
    assert 'aria-invalid="true"' in nothing.text


async def test_a_member_of_another_organisation_gets_the_not_found_page(client: Client) -> None:
    _, organization = await _producer(client)
    client.cookies.clear()
    stranger = await register(client)
    client.cookies.clear()
    assert (await sign_in_page(client, stranger.email, PASSWORD)).status_code == 303
    base = f"/organizations/{organization['id']}/listings"

    for path in ("import", "template.xlsx", "template.csv", "export.xlsx", "export.csv"):
        shown = await client.get(f"{base}/{path}")
        assert shown.status_code == 404, path
        assert shown.headers["content-type"].startswith("text/html")
        assert "This page does not exist, or it is not yours to see." in shown.text
    token = csrf_of((await client.get("/")).text)
    posted = await client.post(
        f"{base}/import",
        data={"_csrf_token": token},
        files={"file": ("x.xlsx", spreadsheets.workbook(HEADER, [_row(1)]), XLSX)},
        follow_redirects=False,
    )
    assert posted.status_code == 404
