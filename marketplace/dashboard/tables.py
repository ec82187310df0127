"""A dashboard's tables as CSV, one table per file, with the same columns as the JSON rows."""

from __future__ import annotations

import csv
import enum
import io

import msgspec

from marketplace.dashboard.schemas import (
    CohortRow,
    Dashboard,
    FlowRow,
    InclusionRow,
    OrganizationRow,
    ProcurementRow,
    QuantityRow,
    Row,
    TradeRow,
)


class DashboardTable(enum.StrEnum):
    trade = "trade"
    flows = "flows"
    inclusion = "inclusion"
    organizations = "organizations"
    procurement = "procurement"
    pooled_quantities = "pooled_quantities"
    cohorts = "cohorts"


_ROW_TYPES: dict[DashboardTable, type[Row]] = {
    DashboardTable.trade: TradeRow,
    DashboardTable.flows: FlowRow,
    DashboardTable.inclusion: InclusionRow,
    DashboardTable.organizations: OrganizationRow,
    DashboardTable.procurement: ProcurementRow,
    DashboardTable.pooled_quantities: QuantityRow,
    DashboardTable.cohorts: CohortRow,
}


def _cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def to_csv(dashboard: Dashboard, table: DashboardTable) -> str:
    """The table as CSV (header row first; an empty month is the whole period, an empty figure was
    suppressed), with the dashboard's currency as a column so a file stands on its own."""
    columns = [field.name for field in msgspec.structs.fields(_ROW_TYPES[table])]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["currency", *columns])
    for row in getattr(dashboard, table.value):
        writer.writerow([dashboard.currency, *(_cell(getattr(row, column)) for column in columns)])
    return out.getvalue()
