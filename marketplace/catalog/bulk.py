"""Bulk import and export of a producer's listings (CSV, XLSX or JSON lines, see `listing_files`).

An import is all or nothing: every row is checked with the same rules as the API
(`listing_values`), and one bad row rejects the file — the request's transaction
rolls back whatever was written — with a report naming each bad row, field and
problem. Rows are checked and written in chunks with COPY, so memory stays bounded
and 100,000 listings take seconds (benchmarks/catalog_import.py).
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import anyio.to_thread
import uuid_utils.compat
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel import audit, clock
from kernel.auth import Principal
from kernel.bulk import copy_rows, update_rows
from kernel.db import transaction
from kernel.errors import FieldError, InvalidInput
from kernel.outbox import emit
from marketplace.catalog import listing_files
from marketplace.catalog.models import Listing, ListingRevision, ListingStatus
from marketplace.catalog.repository import ListingRepository
from marketplace.catalog.schemas import (
    Classification,
    FileFormat,
    ImportMode,
    ImportReport,
    ListingCreate,
    Origin,
    PriceTier,
    Translation,
)
from marketplace.catalog.service import ListingService, listing_values, plain
from marketplace.compliance.repository import ComplianceRepository
from marketplace.events import ListingsImported
from marketplace.organization.models import Organization
from marketplace.tax.service import RateBook

#: Larger uploads are refused with 413 before they are read; split the file instead.
MAX_IMPORT_BYTES = 40 * 1024 * 1024
MAX_REPORTED_ERRORS = 1000
#: Rows checked (and written) at a time: bounds memory, costs one SKU lookup per chunk.
IMPORT_CHUNK = 10_000
EXPORT_BATCH = 1000
#: Archived listings can no longer change, so they are neither exported nor importable.
EXPORTED_STATUSES = [ListingStatus.active, ListingStatus.paused]

#: What an import may change on an existing listing (everything but its identity and SKU).
_IMPORTED_FIELDS = (
    "status",
    "default_language",
    "translations",
    "classification_scheme",
    "classification_code",
    "unit_code",
    "pack_size",
    "min_order_quantity",
    "currency",
    "price_tiers",
    "stock_on_hand",
    "lead_time_days",
    "origin_country",
    "origin_subdivision",
    "origin_municipality",
    "ships_to",
    "image_urls",
    "credential_ids",
    "vat_category",
)


class ImportRejected(InvalidInput):
    slug = "import-rejected"


@dataclass
class _Chunk:
    """What some rows of an accepted file change: new listings, new content of changed ones (plain rows)."""

    created: list[dict[str, Any]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0


@dataclass
class _Progress:
    """An import so far: counts, errors, which row each SKU was first seen on."""

    rows: int = 0
    created: int = 0
    updated: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    errors: list[FieldError] = field(default_factory=list)
    first_row_of: dict[str, int] = field(default_factory=dict)

    def add(self, chunk: _Chunk) -> None:
        self.created += len(chunk.created)
        self.updated.extend({"id": str(v["id"]), "version": v["version"]} for v in chunk.updated)
        self.unchanged += chunk.unchanged


def _tiers(values: dict[str, Any]) -> list[tuple[Decimal, Decimal]]:
    return [(Decimal(t["min_quantity"]), Decimal(t["unit_price"])) for t in values["price_tiers"]]


def _same(current: dict[str, Any], new: dict[str, Any]) -> bool:
    return all(
        (_tiers(current) == _tiers(new)) if name == "price_tiers" else current[name] == new[name]
        for name in _IMPORTED_FIELDS
    )


def _row_errors(error: InvalidInput, row: int, file_format: FileFormat) -> list[FieldError]:
    """The rule's errors on `row`, named as the file names them (a column, or a JSON path)."""
    found = error.errors or [FieldError(field="$", message=error.detail)]
    if file_format is FileFormat.jsonl:
        return [FieldError(field=e.field, message=e.message, row=row) for e in found]
    return [listing_files.in_column(e, row) for e in found]


class ListingImport:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = ListingRepository(session)

    async def run(
        self,
        principal: Principal,
        organization_id: uuid.UUID,
        body: bytes,
        *,
        file_format: FileFormat,
        mode: ImportMode,
        dry_run: bool,
        reader_language: str | None = None,
    ) -> ImportReport:
        """Check every row of the file and (unless `dry_run`) write it, in this transaction.
        `reader_language` is the importing person's (a page's reader's): a semicolon-separated
        file's numbers are read in it where it writes a decimal comma (`listing_files.read`).

        Works through the file in chunks, writing each while no row so far had an error, so
        memory stays bounded; the first bad row stops the writing (the transaction will roll
        back) but not the checking, so the report lists every bad row.

        Raises `ImportRejected` (422) listing every bad row, `NotAProducer` (403) for buyer-only
        organisations, `NotFound` when the caller is not a member.
        """
        listings = ListingService(self.session)
        producer = await listings.producer(principal, organization_id)
        rates = await listings.vat_rates()
        try:
            entries = listing_files.read(
                file_format,
                body,
                country=producer.country,
                languages=producer.languages,
                reader_language=reader_language,
            )
        except listing_files.FileError as error:
            raise ImportRejected(f"the file cannot be read: {error.error.message}", errors=[error.error]) from None
        progress = _Progress()
        while chunk_entries := list(itertools.islice(entries, IMPORT_CHUNK)):
            rows = [entry for entry in chunk_entries if isinstance(entry, listing_files.Row)]
            read_errors = [entry for entry in chunk_entries if isinstance(entry, FieldError)]
            progress.rows += len(rows) + len({e.row for e in read_errors})
            progress.errors.extend(read_errors)
            chunk = await self._check(producer, rates, rows, progress, file_format, mode)
            if not progress.errors and not dry_run:
                await self._write(principal, producer, chunk)
            progress.add(chunk)
        if not progress.rows:
            raise ImportRejected("the file has no listings", errors=[FieldError(field="$", message="no listings")])
        if progress.errors:
            errors = sorted(progress.errors, key=lambda e: e.row or 0)
            shown = f" (the first {MAX_REPORTED_ERRORS} are listed)" if len(errors) > MAX_REPORTED_ERRORS else ""
            bad_rows = len({e.row for e in errors})
            raise ImportRejected(
                f"{bad_rows} of {progress.rows} rows have errors{shown}; nothing was imported",
                errors=errors[:MAX_REPORTED_ERRORS],
            )
        report = ImportReport(
            import_id=None if dry_run else uuid_utils.compat.uuid7(),
            format=file_format,
            mode=mode,
            dry_run=dry_run,
            rows=progress.rows,
            created=progress.created,
            updated=len(progress.updated),
            unchanged=progress.unchanged,
        )
        if report.import_id is not None:
            await audit.record(
                self.session,
                principal,
                "listing.import",
                object_type="listing_import",
                object_id=report.import_id,
                organization_id=producer.id,
                after={"report": audit.snapshot(report), "updated": progress.updated},
            )
        return report

    async def _check(
        self,
        producer: Organization,
        rates: RateBook,
        rows: list[listing_files.Row],
        progress: _Progress,
        file_format: FileFormat,
        mode: ImportMode,
    ) -> _Chunk:
        """Check each row against the rules (its VAT category against `rates`, today's) and the
        database; adds to `progress.errors`, changes nothing."""
        wanted_credentials = list({i for row in rows for i in row.listing.credential_ids})
        owned = await ComplianceRepository(self.session).owned_credential_ids(producer.id, wanted_credentials)
        existing = await self.repo.rows_by_sku(producer.id, [row.listing.sku.strip() for row in rows])
        chunk = _Chunk()
        errors = progress.errors
        now = clock.now()
        for row in rows:
            try:
                values = listing_values(producer, row.listing, rates)
                for index, credential_id in enumerate(values["credential_ids"]):
                    if credential_id not in owned:
                        raise InvalidInput.field(f"credential_ids[{index}]", "not a credential of this organization")
            except InvalidInput as error:
                errors.extend(_row_errors(error, row.number, file_format))
                continue
            sku = values["sku"]
            if sku in progress.first_row_of:
                message = f"{sku} is also on row {progress.first_row_of[sku]}"
                errors.append(FieldError(field="sku", message=message, row=row.number))
                continue
            progress.first_row_of[sku] = row.number
            current = existing.get(sku)
            if current is None:
                chunk.created.append(values)
            elif mode is ImportMode.create:
                message = f"{sku} is already listed; import with mode=upsert to update it"
                errors.append(FieldError(field="sku", message=message, row=row.number))
            elif current["status"] is ListingStatus.archived:
                message = f"the listing {sku} is archived and can no longer change"
                errors.append(FieldError(field="sku", message=message, row=row.number))
            elif _same(current, values):
                chunk.unchanged += 1
            else:
                changed = {name: values[name] for name in _IMPORTED_FIELDS}
                chunk.updated.append({**current, **changed, "version": current["version"] + 1, "updated_at": now})
        return chunk

    async def _write(self, principal: Principal, producer: Organization, chunk: _Chunk) -> None:
        """COPY new listings, update changed ones (new version), record a revision of each and
        announce them together (`ListingsImported`, one event per chunk: consumers such as search
        handle thousands of listings at once far faster than one event each)."""
        await copy_rows(self.session, Listing, chunk.created)
        await update_rows(self.session, Listing, chunk.updated, [*_IMPORTED_FIELDS, "version", "updated_at"])
        written = [(values, "created") for values in chunk.created] + [(values, "imported") for values in chunk.updated]
        await copy_rows(
            self.session,
            ListingRevision,
            [
                {
                    "listing_id": values["id"],
                    "version": values["version"],
                    "change": change,
                    "currency": values["currency"],
                    "price_tiers": values["price_tiers"],
                    "stock_on_hand": values["stock_on_hand"],
                    "changed_by": principal.user_id,
                }
                for values, change in written
            ],
        )
        if written:
            await emit(
                self.session,
                ListingsImported(organization_id=producer.id, listing_ids=[values["id"] for values, _ in written]),
            )


def record_of(listing: dict[str, Any]) -> ListingCreate:
    """A listing (plain column values) as an import row: what exporting writes and importing reads back."""
    return ListingCreate(
        sku=listing["sku"],
        status=listing["status"],
        translations={language: Translation(**text) for language, text in sorted(listing["translations"].items())},
        default_language=listing["default_language"],
        classification=Classification(scheme=listing["classification_scheme"], code=listing["classification_code"]),
        unit=listing["unit_code"],
        pack_size=plain(listing["pack_size"]),
        min_order_quantity=plain(listing["min_order_quantity"]),
        price_tiers=[PriceTier(min_quantity=q, unit_price=p) for q, p in _tiers(listing)],
        stock_on_hand=plain(listing["stock_on_hand"]),
        lead_time_days=listing["lead_time_days"],
        origin=Origin(
            country=listing["origin_country"],
            subdivision=listing["origin_subdivision"],
            municipality=listing["origin_municipality"],
        ),
        ships_to=list(listing["ships_to"]),
        image_urls=list(listing["image_urls"]),
        credential_ids=list(listing["credential_ids"]),
        vat_category=listing["vat_category"],
    )


async def export_listings(
    sessions: async_sessionmaker[AsyncSession], organization_id: uuid.UUID, file_format: FileFormat
) -> AsyncIterator[bytes]:
    """The producer's active and paused listings as a file, in SKU order, in chunks (a workbook
    in one piece, once built).

    Reads in its own read-only REPEATABLE READ transaction, so the file is one consistent
    snapshot however long the download takes. The caller checks access before streaming.
    """
    async with transaction(sessions) as session:
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ", "postgresql_readonly": True})
        repo = ListingRepository(session)
        columns = listing_files.csv_columns(await repo.languages_of_producer(organization_id, EXPORTED_STATUSES))
        workbook = listing_files.XlsxWriter(columns) if file_format is FileFormat.xlsx else None
        if file_format is FileFormat.csv:
            yield listing_files.write_csv_rows([], columns, header=True)
        after: str | None = None
        while batch := await repo.batch_of_producer(organization_id, EXPORTED_STATUSES, after, EXPORT_BATCH):
            records = [record_of(listing) for listing in batch]
            if workbook is not None:
                await anyio.to_thread.run_sync(workbook.append, records)
            elif file_format is FileFormat.csv:
                yield listing_files.write_csv_rows(records, columns)
            else:
                yield listing_files.write_jsonl_rows(records)
            after = batch[-1]["sku"]
    if workbook is not None:
        yield await anyio.to_thread.run_sync(workbook.finish)
