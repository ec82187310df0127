"""HTTP endpoints of hub dashboards: coordinators' JSON, CSV and charts; the public open-data summary."""

from __future__ import annotations

import enum
import uuid
from typing import Annotated

import anyio.to_thread
from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter

from kernel import clock
from kernel.errors import InvalidInput, NotFound
from kernel.openapi import answers_in
from kernel.web import Caller, Session
from marketplace.dashboard.charts import MEDIA_TYPES, Chart, ImageFormat, render
from marketplace.dashboard.schemas import Dashboard, OpenData
from marketplace.dashboard.service import DashboardService, PooledProcurementSource, period_of
from marketplace.dashboard.tables import DashboardTable, to_csv

First = Annotated[
    str | None, QueryParameter(name="from", description="First month, YYYY-MM (default: eleven months before `to`)")
]
Last = Annotated[str | None, QueryParameter(name="to", description="Last month, included, YYYY-MM (default: this one)")]
Procurement = NamedDependency[PooledProcurementSource]
CSV = "text/csv"


def provide_dashboard_service(db_session: Session, pooled_procurement: Procurement) -> DashboardService:
    return DashboardService(db_session, pooled_procurement)


Dashboards = NamedDependency[DashboardService]


class OutputFormat(enum.StrEnum):
    json = "json"
    csv = "csv"


Format = Annotated[OutputFormat, QueryParameter(name="format", description="`csv` needs `table`")]


def _csv(dashboard: Dashboard, table: DashboardTable | None, name: str) -> Response[bytes]:
    if table is None:
        choices = ", ".join(t.value for t in DashboardTable)
        raise InvalidInput.query("table", f"CSV holds one table: choose one of {choices}")
    filename = f"{name}-{dashboard.hub_id}-{table.value}-{dashboard.first_day}-{dashboard.last_day}.csv"
    return Response(
        to_csv(dashboard, table).encode(),
        media_type=CSV,  # Litestar adds "; charset=utf-8" to a text/* type
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class HubDashboardController(Controller):
    path = "/api/v1/hubs/{hub_id:uuid}"
    tags = ["dashboards"]
    dependencies = {"dashboard_service": Provide(provide_dashboard_service, sync_to_thread=False)}

    @get(
        "/dashboard",
        summary="The hub's trade, inclusion, procurement and growth figures (coordinators)",
        operation_class=answers_in(CSV),
    )
    async def dashboard(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        dashboard_service: Dashboards,
        first_day: First = None,
        last_day: Last = None,
        output: Format = OutputFormat.json,
        table: FromQuery[DashboardTable | None] = None,
    ) -> Dashboard | Response[bytes]:
        period = period_of(first_day, last_day, clock.today())
        dashboard = await dashboard_service.dashboard(principal, hub_id, period)
        return _csv(dashboard, table, "dashboard") if output is OutputFormat.csv else dashboard

    @get(
        "/dashboard/charts/{chart:str}",
        summary="A dashboard chart as SVG or PNG: trade-matrix, cross-border or inclusion (.svg or .png)",
        media_type=MEDIA_TYPES[ImageFormat.svg],
        operation_class=answers_in(MEDIA_TYPES[ImageFormat.png], binary=True),
    )
    async def chart(
        self,
        hub_id: FromPath[uuid.UUID],
        chart: FromPath[str],
        principal: Caller,
        dashboard_service: Dashboards,
        first_day: First = None,
        last_day: Last = None,
    ) -> Response[bytes]:
        name, _, extension = chart.rpartition(".")
        if name not in set(Chart) or extension not in set(ImageFormat):
            charts = ", ".join(f"{c.value}.svg" for c in Chart)
            raise NotFound(f"no chart {chart!r}: there are {charts} (or .png)")
        period = period_of(first_day, last_day, clock.today())
        dashboard = await dashboard_service.dashboard(principal, hub_id, period)
        image_format = ImageFormat(extension)
        image = await anyio.to_thread.run_sync(render, dashboard, Chart(name), image_format)
        return Response(image, media_type=MEDIA_TYPES[image_format])

    @get(
        "/open-data",
        summary="The hub's public summary: aggregates only, small groups suppressed (no login)",
        operation_class=answers_in(CSV),
    )
    async def open_data(
        self,
        hub_id: FromPath[uuid.UUID],
        dashboard_service: Dashboards,
        first_day: First = None,
        last_day: Last = None,
        output: Format = OutputFormat.json,
        table: FromQuery[DashboardTable | None] = None,
    ) -> OpenData | Response[bytes]:
        period = period_of(first_day, last_day, clock.today())
        summary = await dashboard_service.open_data(hub_id, period)
        return _csv(summary, table, "open-data") if output is OutputFormat.csv else summary
