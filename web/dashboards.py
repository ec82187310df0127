"""A hub's figures as people read them: the coordinators' dashboards (`/hubs/{hub_id}/dashboards`)
and the hub's public open data page (`/portal/{hub_id}/open-data`, no sign-in).

Both show the same tables (`templates/dashboards/tables.jinja`) for whole months the reader chooses
(by default the twelve up to this one, as the API's): trade by month, flows between places,
inclusive producers, active organisations, pooled procurement by month, pooled quantities and
producer cohorts, every order value net of VAT; the coordinators' page also shows the trade's VAT
and gross value by month. Money is in currency units, months and places by name, and every month of the
period is there (an empty one as zero: `DashboardService`). The coordinators' figures come from
`DashboardService.dashboard`, the public's from `DashboardService.open_data`, where a figure hidden
for its few organisations is said to be not shown, never zero. Each table downloads as CSV (the
API's, as `marketplace.dashboard.tables` writes it); the charts are drawn for the reader
(`.../charts/<chart>.svg`: their texts, months, numbers and places in the reader's language).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

import anyio.to_thread
from babel import dates
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from kernel.errors import InvalidInput, NotFound
from marketplace.dashboard.charts import MEDIA_TYPES, Chart, ChartWords, ImageFormat, render
from marketplace.dashboard.schemas import (
    CohortRow,
    Dashboard,
    FlowRow,
    InclusionRow,
    OpenData,
    OrganizationRow,
    Period,
    ProcurementRow,
    QuantityRow,
    TradeRow,
    months_between,
)
from marketplace.dashboard.service import DashboardService, PooledProcurementSource, period_of
from marketplace.dashboard.tables import DashboardTable
from marketplace.hub.service import HubService
from web.messages import FIELD_MESSAGES, Phrasebook
from web.mine import coordinated_hub
from web.page import Form, Reader, page
from web.places import place_name
from web.words import INCLUSION_WORDS

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
Procurement = NamedDependency[PooledProcurementSource]
FirstMonth = Annotated[str | None, QueryParameter(name="from")]
LastMonth = Annotated[str | None, QueryParameter(name="to")]


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: Each table's title (also what its chart, its download and the page's links call it).
TABLE_TITLES = {
    DashboardTable.trade: _("Trade by month"),
    DashboardTable.flows: _("Flows between places"),
    DashboardTable.inclusion: _("Inclusive producers"),
    DashboardTable.organizations: _("Active organisations"),
    DashboardTable.procurement: _("Pooled procurement by month"),
    DashboardTable.pooled_quantities: _("Quantities bought together"),
    DashboardTable.cohorts: _("Producers by their first sale"),
}
#: The chart drawn from each table's figures.
CHART_OF = {
    DashboardTable.trade: Chart.cross_border,
    DashboardTable.flows: Chart.trade_matrix,
    DashboardTable.inclusion: Chart.inclusion,
}
#: The producers of every inclusive group at once (each counted once).
ANY_GROUP = _("Any of these groups")
ROLES = {"producer": _("Producers that sold"), "buyer": _("Buyers that bought")}
#: The services' words for a bad period, as the form says them.
PERIOD_MESSAGES = Phrasebook(
    [
        (r"a month written YYYY-MM, not .*", _("Write the month as year and month, like 2026-03.")),
        (
            r"a month from (?P<earliest>[0-9]{4})-01 to (?P<latest>[0-9]{4})-12",
            _("Choose a month of a year from %(earliest)s to %(latest)s."),
        ),
        (
            r"the period starts \((?P<first>[0-9-]+)\) after it ends \((?P<last>[0-9-]+)\)",
            _("The first month (%(first)s) is after the last month (%(last)s)."),
        ),
        (r"a period spans at most (?P<months>[0-9]+) months", _("A period spans at most %(months)s months.")),
    ],
    then=FIELD_MESSAGES,
)
_PERIOD_FIELDS = {"query:from": "from", "query:to": "to"}
#: Licences the open data is published under, by name (proper names, not translated).
LICENCE_NAMES = {
    "https://creativecommons.org/licenses/by/4.0/": "Creative Commons Attribution 4.0 International (CC BY 4.0)",
}


def month_name(month: str, reader: Reader) -> str:
    """`YYYY-MM` as the reader names a month of a year (`March 2026`, `März 2026`, `marzec 2026`)."""
    year, number = month.split("-")
    return dates.format_skeleton("yMMMM", dt.date(int(year), int(number), 1), locale=reader.formats.locale)


def chart_words(reader: Reader) -> ChartWords:
    """What the charts say, in the reader's language."""
    return ChartWords(
        locale=reader.formats.locale,
        place=functools.partial(place_name, language=reader.language),
        groups=_group_names(reader),
        no_orders=reader.gettext("No orders in this period"),
        no_inclusive_sales=reader.gettext("No sales by verified inclusive producers in this period"),
        not_shown=reader.gettext("not shown"),
        # Translators: a chart's title; %(hub)s is the hub's name, %(currency)s a currency by name.
        matrix_title=reader.gettext(
            "%(hub)s: order value by origin and destination (%(currency)s); across the border outlined"
        ),
        delivered_to=reader.gettext("Delivered to"),
        sold_from=reader.gettext("Sold from"),
        # Translators: a chart's title; %(hub)s is the hub's name.
        monthly_title=reader.gettext("%(hub)s: cross-border trade by month"),
        # Translators: a chart's axis; %(currency)s is a currency by name.
        monthly_axis=reader.gettext("Order value (%(currency)s)"),
        within_one_country=reader.gettext("Within one country"),
        across_the_border=reader.gettext("Across the border"),
        share_legend=reader.gettext("Share across the border above each month"),
        # Translators: a chart's title; %(hub)s is the hub's name.
        inclusion_title=reader.gettext("%(hub)s: value going to verified inclusive producers"),
        order_share=reader.gettext("Share of order value"),
        awarded_share=reader.gettext("Share of awarded tender value"),
        percent_of_value=reader.gettext("Share of the value, in percent"),
    )


def _group_names(reader: Reader) -> dict[str, str]:
    names = {attribute.value: reader.gettext(text) for attribute, text in INCLUSION_WORDS.items()}
    return {**names, "any": reader.gettext(ANY_GROUP)}


@dataclass(frozen=True)
class ChartView:
    """A chart on the page: its picture's address and what it shows, in words."""

    path: str
    summary: str
    """The picture's text alternative: what it shows, and where its figures are."""


@dataclass(frozen=True)
class DashboardView:
    """A dashboard's tables as the page shows them: the figures, and how to name their months,
    places and groups for the reader; the downloads and the charts."""

    figures: Dashboard
    minimum: int | None
    """In the open data: the fewest organisations a published figure stands for (None: every figure shown)."""
    months: Mapping[str, str]
    places: Mapping[str, str]
    groups: Mapping[str, str]
    roles: Mapping[str, str]
    titles: Mapping[str, str]
    downloads: Mapping[str, str]
    """Each table's CSV address, by table."""
    json: str
    charts: Mapping[str, ChartView]
    """The chart of a table, by table."""
    period: str
    """The period, in words (`January – March 2026`)."""
    vat: bool = False
    """Whether the page shows the trade's VAT and gross value beside its net value (the coordinators'
    page; the open data carries them in its JSON and CSV only)."""

    @property
    def trade(self) -> list[TradeRow]:
        return [row for row in self.figures.trade if row.month is not None]

    @property
    def trade_total(self) -> TradeRow | None:
        return next((row for row in self.figures.trade if row.month is None), None)

    @property
    def flows(self) -> list[FlowRow]:
        return [row for row in self.figures.flows if row.month is None]

    @property
    def inclusion(self) -> list[InclusionRow]:
        rows = [row for row in self.figures.inclusion if row.month is None]
        return sorted(rows, key=lambda row: (row.attribute == "any", self.groups.get(row.attribute, "")))

    @property
    def organizations(self) -> list[OrganizationRow]:
        rows = [row for row in self.figures.organizations if row.month is None]
        return sorted(rows, key=lambda row: (row.role != "producer", self.places.get(row.country, "")))

    @property
    def procurement(self) -> list[ProcurementRow]:
        return [row for row in self.figures.procurement if row.month is not None]

    @property
    def procurement_total(self) -> ProcurementRow | None:
        return next((row for row in self.figures.procurement if row.month is None), None)

    @property
    def quantities(self) -> list[QuantityRow]:
        return [row for row in self.figures.pooled_quantities if row.month is None]

    @property
    def cohorts(self) -> list[CohortRow]:
        return [row for row in self.figures.cohorts if row.month is None]


def period_query(period: Period) -> str:
    return urlencode({"from": f"{period.first_day:%Y-%m}", "to": f"{period.last_day:%Y-%m}"})


def dashboard_view(reader: Reader, figures: Dashboard, *, public: bool) -> DashboardView:
    """The page's view of `figures` (the open data's when `public`)."""
    period = Period(first_day=figures.first_day, last_day=figures.last_day)
    query = period_query(period)
    api = f"/api/v1/hubs/{figures.hub_id}/{'open-data' if public else 'dashboard'}?{query}"
    pictures = f"/portal/{figures.hub_id}/open-data/charts" if public else f"/hubs/{figures.hub_id}/dashboards/charts"
    months = [*months_between(figures.first_day, figures.last_day), *(row.cohort for row in figures.cohorts)]
    codes = {code for row in figures.flows for code in (row.origin, row.destination)}
    codes |= {row.country for row in figures.organizations}
    titles = {table.value: reader.gettext(title) for table, title in TABLE_TITLES.items()}
    view = DashboardView(
        figures=figures,
        minimum=figures.minimum_group_size if isinstance(figures, OpenData) else None,
        months={month: month_name(month, reader) for month in months},
        places={code: place_name(code, reader.language) for code in codes},
        groups=_group_names(reader),
        roles={role: reader.gettext(text) for role, text in ROLES.items()},
        titles=titles,
        downloads={
            table.value: f"{api}&{urlencode({'format': 'csv', 'table': table.value})}" for table in DashboardTable
        },
        json=api,
        charts={},
        period=dates.format_interval(figures.first_day, figures.last_day, "yMMMM", locale=reader.formats.locale),
        vat=not public,
    )
    charts = {
        table.value: ChartView(path=f"{pictures}/{chart.value}.svg?{query}", summary=_summary(reader, view, table))
        for table, chart in CHART_OF.items()
    }
    return dataclasses.replace(view, charts=charts)


def _summary(reader: Reader, view: DashboardView, table: DashboardTable) -> str:
    """A chart in words: what it shows over the period, its main figure when published, and where
    its figures are."""
    f, figures, title = reader.formats, view.figures, view.titles[table.value]
    values = {"period": view.period, "table": title}
    if table is DashboardTable.trade:
        said = (
            reader.gettext(
                "Bar chart of the order value in each month of %(period)s, within one country and across the "
                "border. Its figures are in the table “%(table)s”."
            )
            % values
        )
        total = view.trade_total
        if total is not None and not total.suppressed and total.value_minor:
            said += " " + reader.gettext("In all, %(value)s, of which %(across)s across the border.") % {
                "value": f.money(total.value_minor, figures.currency),
                "across": f.money(total.cross_border_value_minor or 0, figures.currency),
            }
        return said
    if table is DashboardTable.flows:
        said = (
            reader.gettext(
                "Heat map of the order value from each place of sale to each place of delivery in %(period)s. "
                "Its figures are in the table “%(table)s”."
            )
            % values
        )
        largest = max(
            (row for row in view.flows if not row.suppressed and row.value_minor),
            key=lambda row: row.value_minor or 0,
            default=None,
        )
        if largest is not None:
            said += " " + reader.gettext("The largest flow: %(value)s from %(origin)s to %(destination)s.") % {
                "value": f.money(largest.value_minor or 0, figures.currency),
                "origin": view.places[largest.origin],
                "destination": view.places[largest.destination],
            }
        return said
    return (
        reader.gettext(
            "Bar chart of the share of order value and of awarded tender value going to each group of verified "
            "inclusive producers in %(period)s. Its figures are in the table “%(table)s”."
        )
        % values
    )


def chosen_period(reader: Reader, first_month: str | None, last_month: str | None) -> tuple[Form, Period | None]:
    """The period the form asks for (the API's default when it asks for none), and the form showing
    it; no period, and the form with each field's problem, when it is no period."""
    form = Form(values={"from": first_month or "", "to": last_month or ""})
    try:
        period = period_of(first_month, last_month, clock.today())
    except InvalidInput as error:
        named = {"first": lambda month: month_name(month, reader), "last": lambda month: month_name(month, reader)}
        form.note(
            error, reader, _PERIOD_FIELDS, say=lambda message: PERIOD_MESSAGES.say(message, reader.gettext, named)
        )
        return form, None
    form.values = {"from": f"{period.first_day:%Y-%m}", "to": f"{period.last_day:%Y-%m}"}
    return form, period


def _chart(name: str) -> Chart:
    """The chart a picture's name (`cross-border.svg`) asks for; `NotFound` for any other name."""
    chart, _, extension = name.rpartition(".")
    if chart not in set(Chart) or extension != ImageFormat.svg.value:
        raise NotFound(f"no chart {name!r}")
    return Chart(chart)


async def _picture(figures: Dashboard, chart: Chart, reader: Reader) -> Response[bytes]:
    image = await anyio.to_thread.run_sync(render, figures, chart, ImageFormat.svg, chart_words(reader))
    # The words depend on the reader's language, so no cache may give one reader's picture to another.
    return Response(
        image,
        media_type=MEDIA_TYPES[ImageFormat.svg],
        headers={"Vary": "Accept-Language, Cookie", "Content-Language": reader.language},
    )


class DashboardPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/hubs/{hub_id:uuid}/dashboards", name="hub-dashboards")
    async def dashboards(
        self,
        hub_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        pooled_procurement: Procurement,
        first_month: FirstMonth = None,
        last_month: LastMonth = None,
    ) -> Template:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        form, period = chosen_period(reader, first_month, last_month)
        if period is None:
            return page(reader, "hub/dashboards.jinja", status_code=422, hub=hub, form=form, view=None)
        figures = await DashboardService(db_session, pooled_procurement).dashboard(principal, hub_id, period)
        view = dashboard_view(reader, figures, public=False)
        return page(reader, "hub/dashboards.jinja", hub=hub, form=form, view=view)

    @get("/hubs/{hub_id:uuid}/dashboards/charts/{chart:str}", name="hub-dashboard-chart")
    async def chart(
        self,
        hub_id: FromPath[uuid.UUID],
        chart: FromPath[str],
        reader: ThisReader,
        db_session: Session,
        pooled_procurement: Procurement,
        first_month: FirstMonth = None,
        last_month: LastMonth = None,
    ) -> Response[bytes]:
        principal = reader.require()
        await coordinated_hub(db_session, principal, hub_id)
        drawn = _chart(chart)
        period = period_of(first_month, last_month, clock.today())
        figures = await DashboardService(db_session, pooled_procurement).dashboard(principal, hub_id, period)
        return await _picture(figures, drawn, reader)

    @get("/portal/{hub_id:uuid}/open-data", name="open-data")
    async def open_data(
        self,
        hub_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        pooled_procurement: Procurement,
        first_month: FirstMonth = None,
        last_month: LastMonth = None,
    ) -> Template:
        hub = await HubService(db_session).read_public(hub_id)
        form, period = chosen_period(reader, first_month, last_month)
        if period is None:
            return page(reader, "portal/open_data.jinja", status_code=422, hub=hub, form=form, view=None)
        figures = await DashboardService(db_session, pooled_procurement).open_data(hub_id, period)
        view = dashboard_view(reader, figures, public=True)
        licence = LICENCE_NAMES.get(figures.licence, figures.licence)
        return page(reader, "portal/open_data.jinja", hub=hub, form=form, view=view, licence=licence)

    @get("/portal/{hub_id:uuid}/open-data/charts/{chart:str}", name="open-data-chart")
    async def open_data_chart(
        self,
        hub_id: FromPath[uuid.UUID],
        chart: FromPath[str],
        reader: ThisReader,
        db_session: Session,
        pooled_procurement: Procurement,
        first_month: FirstMonth = None,
        last_month: LastMonth = None,
    ) -> Response[bytes]:
        drawn = _chart(chart)
        period = period_of(first_month, last_month, clock.today())
        figures = await DashboardService(db_session, pooled_procurement).open_data(hub_id, period)
        return await _picture(figures, drawn, reader)
