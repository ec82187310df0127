"""The consortium's report as CSV, one table per file, with the same columns as the JSON rows."""

from __future__ import annotations

import csv
import enum
import io

import msgspec

from marketplace.financing.schemas import CurrencyPortfolio, ExposureRow, FunderRow, PortfolioMonth, PortfolioReport


class ReportTable(enum.StrEnum):
    currencies = "currencies"
    months = "months"
    producers = "producers"
    buyers = "buyers"
    funders = "funders"


_ROW_TYPES: dict[ReportTable, type[msgspec.Struct]] = {
    ReportTable.currencies: CurrencyPortfolio,
    ReportTable.months: PortfolioMonth,
    ReportTable.producers: ExposureRow,
    ReportTable.buyers: ExposureRow,
    ReportTable.funders: FunderRow,
}


def to_csv(report: PortfolioReport, table: ReportTable) -> str:
    """The table as CSV, header row first; an empty month is the whole period, an empty share had nothing to share."""
    columns = [field.name for field in msgspec.structs.fields(_ROW_TYPES[table])]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in getattr(report, table.value):
        writer.writerow(["" if getattr(row, column) is None else getattr(row, column) for column in columns])
    return out.getvalue()
