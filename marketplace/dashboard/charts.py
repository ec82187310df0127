"""Dashboard charts for municipal reports, drawn with matplotlib's object API (no pyplot global state, so
charts can be drawn in worker threads), as SVG or PNG, in the reader's language: `ChartWords` holds the
charts' texts and how they write months, numbers, money and places (by name, never a code); English by
default, a page passes its reader's.

- `trade-matrix`: a heat map of order value from each origin (rows) to each destination (columns);
- `cross-border`: order value in every month of the period (an empty month as zero), domestic and
  cross-border stacked, with the cross-border share;
- `inclusion`: the share of order value and of awarded tender value going to each group of verified
  producers.

Order value is net of VAT and of what disputes credited, as in every table (`repository`). A figure the
open data suppressed is drawn as "not shown", never as zero.
"""

from __future__ import annotations

import datetime as dt
import enum
import io
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

import babel
from babel import dates, numbers

from kernel import codes
from kernel.errors import InvalidInput, NotFound
from kernel.money import from_minor
from marketplace.dashboard.schemas import Dashboard, months_between
from marketplace.place import service as places

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_BLUE, _ORANGE, _GREY = "#1f5f99", "#e08a1e", "#9aa5b1"
_ATTRIBUTE_LABELS = {
    "any": "Any of these",
    "cooperative": "Cooperatives",
    "minority_led": "Minority-led",
    "women_led": "Women-led",
    "youth_led": "Youth-led",
}


def english_place_name(code: str) -> str:
    """A country (`Poland`) or a region and its country (`Sachsen, Germany`) by its ISO 3166 code, in
    English; the code itself only for a place no one has named."""
    country_code = codes.jurisdiction_country(code).upper()
    country = next((item.name for item in places.list_countries("en", None).items if item.code == country_code), None)
    if country is None or "-" not in code:
        return country or code
    try:
        regions = places.list_subdivisions(country_code, "en", None).items
    except (NotFound, InvalidInput):
        return country
    region = next((item.name for item in regions if item.code == code.upper()), None)
    return f"{region}, {country}" if region else country


@dataclass(frozen=True)
class ChartWords:
    """What the charts say, and how they write months, numbers and places, for one reader. Titles are
    sentences with named placeholders: `%(hub)s` (the hub's name), `%(currency)s` (the reporting
    currency by name)."""

    locale: babel.Locale = field(default_factory=lambda: babel.Locale.parse("en"))
    place: Callable[[str], str] = english_place_name
    """A place (ISO 3166-1 or 3166-2 code) by name."""
    groups: Mapping[str, str] = field(default_factory=lambda: dict(_ATTRIBUTE_LABELS))
    """Each group of inclusive producers (`women_led`, ..., `any`) by name."""
    no_orders: str = "No orders in this period"
    no_inclusive_sales: str = "No sales by verified inclusive producers in this period"
    not_shown: str = "not shown"
    """Said of a figure the open data suppressed."""
    matrix_title: str = "%(hub)s: order value by origin and destination (%(currency)s); across the border outlined"
    delivered_to: str = "Delivered to"
    sold_from: str = "Sold from"
    monthly_title: str = "%(hub)s: cross-border trade by month"
    monthly_axis: str = "Order value (%(currency)s)"
    within_one_country: str = "Within one country"
    across_the_border: str = "Across the border"
    share_legend: str = "Share across the border above each month"
    inclusion_title: str = "%(hub)s: value going to verified inclusive producers"
    order_share: str = "Share of order value"
    awarded_share: str = "Share of awarded tender value"
    percent_of_value: str = "Share of the value, in percent"

    def number(self, value: float) -> str:
        return numbers.format_decimal(round(value), locale=self.locale)

    def percent(self, value: Decimal, places_shown: int = 0) -> str:
        """`value` (in percent) rounded to `places_shown` decimal places, as the locale writes a percentage."""
        shown = Decimal(value).quantize(Decimal(1).scaleb(-places_shown)) / 100
        return numbers.format_percent(shown, locale=self.locale, decimal_quantization=False)

    def month(self, month: str) -> str:
        """`YYYY-MM` as the locale names a month of a year, short (`Jan 2026`, `März 2026`)."""
        year, number = month.split("-")
        return dates.format_skeleton("yMMM", dt.date(int(year), int(number), 1), locale=self.locale)

    def title(self, dashboard: Dashboard, sentence: str) -> str:
        currency = numbers.get_currency_name(dashboard.currency, locale=self.locale)
        period = dates.format_interval(dashboard.first_day, dashboard.last_day, "yMMM", locale=self.locale)
        return f"{sentence % {'hub': dashboard.hub_name, 'currency': currency}}\n{period}"


ENGLISH = ChartWords()


class Chart(enum.StrEnum):
    trade_matrix = "trade-matrix"
    cross_border = "cross-border"
    inclusion = "inclusion"


class ImageFormat(enum.StrEnum):
    svg = "svg"
    png = "png"


MEDIA_TYPES = {ImageFormat.svg: "image/svg+xml", ImageFormat.png: "image/png"}


def _amount(minor: int | None, currency: str) -> float:
    # Floats only to place marks on a picture; every figure on the wire stays integer minor units.
    return float(from_minor(minor or 0, currency))


def _nothing(figure: Figure, message: str) -> None:
    axes = figure.subplots()
    axes.set_axis_off()
    axes.text(0.5, 0.5, message, ha="center", va="center", fontsize=13, color=_GREY)


def _trade_matrix(figure: Figure, dashboard: Dashboard, words: ChartWords) -> None:
    # Here, not at the top: matplotlib would cost each serving process memory (benchmarks/README.md).
    from matplotlib.patches import Rectangle
    from matplotlib.ticker import FuncFormatter

    flows = [row for row in dashboard.flows if row.month is None and (row.suppressed or row.value_minor)]
    if not flows:
        _nothing(figure, words.no_orders)
        return
    names = {code: words.place(code) for row in flows for code in (row.origin, row.destination)}
    origins = sorted({row.origin for row in flows}, key=lambda code: names[code])
    destinations = sorted({row.destination for row in flows}, key=lambda code: names[code])
    values = [[0.0] * len(destinations) for _ in origins]
    for row in flows:
        shown = math.nan if row.suppressed else _amount(row.value_minor, dashboard.currency)
        values[origins.index(row.origin)][destinations.index(row.destination)] = shown
    peak = max((value for line in values for value in line if not math.isnan(value)), default=0.0)
    axes = figure.subplots()
    image = axes.imshow(values, cmap="Blues", aspect="auto", vmin=0, vmax=peak or 1)
    for i, line in enumerate(values):
        for j, value in enumerate(line):
            if math.isnan(value):
                axes.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="//", edgecolor=_GREY))
                label, colour = words.not_shown, "black"
            else:
                label, colour = words.number(value), "white" if value > peak * 0.6 else "black"
            axes.text(j, i, label, ha="center", va="center", fontsize=9, color=colour)
            if origins[i][:2] != destinations[j][:2]:
                axes.add_patch(Rectangle((j - 0.45, i - 0.42), 0.9, 0.84, fill=False, edgecolor=_ORANGE, linewidth=2))
    axes.set_xticks(range(len(destinations)), [names[code] for code in destinations], rotation=20, ha="right")
    axes.set_yticks(range(len(origins)), [names[code] for code in origins])
    axes.set_xlabel(words.delivered_to)
    axes.set_ylabel(words.sold_from)
    axes.set_title(words.title(dashboard, words.matrix_title))
    currency = numbers.get_currency_name(dashboard.currency, locale=words.locale)
    colour_bar = figure.colorbar(image, ax=axes, label=currency)
    colour_bar.formatter = FuncFormatter(lambda value, _: words.number(value))


def _cross_border(figure: Figure, dashboard: Dashboard, words: ChartWords) -> None:
    # Here, not at the top: matplotlib would cost each serving process memory (benchmarks/README.md).
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    months = months_between(dashboard.first_day, dashboard.last_day)
    rows = {row.month: row for row in dashboard.trade if row.month is not None}
    cross: list[float] = []
    domestic: list[float] = []
    shares: list[str] = []
    hidden: list[int] = []
    for index, month in enumerate(months):
        row = rows.get(month)
        if row is None or row.suppressed:
            cross.append(0.0)
            domestic.append(0.0)
            shares.append("")
            if row is not None:
                hidden.append(index)
            continue
        across = _amount(row.cross_border_value_minor, dashboard.currency)
        cross.append(across)
        domestic.append(_amount(row.value_minor, dashboard.currency) - across)
        shares.append(words.percent(row.cross_border_percent) if row.cross_border_percent is not None else "")
    positions = list(range(len(months)))
    axes = figure.subplots()
    axes.bar(positions, domestic, color=_GREY, label=words.within_one_country)
    bars = axes.bar(positions, cross, bottom=domestic, color=_BLUE, label=words.across_the_border)
    axes.bar_label(bars, labels=shares, padding=2, fontsize=8, color=_BLUE)
    for index in hidden:
        axes.annotate(
            words.not_shown,
            (index, 0),
            xytext=(0, 4),
            textcoords="offset points",
            rotation=90,
            ha="center",
            va="bottom",
            fontsize=9,
        )
    if not any(a + d for a, d in zip(cross, domestic, strict=True)):
        axes.set_ylim(0, 1)  # nothing sold: a flat axis from zero, not one around it
        if not hidden:
            axes.text(
                0.5, 0.5, words.no_orders, ha="center", va="center", fontsize=13, color=_GREY, transform=axes.transAxes
            )
    axes.margins(y=0.08)
    currency = numbers.get_currency_name(dashboard.currency, locale=words.locale)
    axes.set_ylabel(words.monthly_axis % {"currency": currency})
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: words.number(value)))
    axes.set_xticks(positions, [words.month(month) for month in months], rotation=45, ha="right")
    figure.legend(loc="outside lower center", ncols=2, title=words.share_legend)
    axes.set_title(words.title(dashboard, words.monthly_title))
    axes.spines[["top", "right"]].set_visible(False)


def _inclusion(figure: Figure, dashboard: Dashboard, words: ChartWords) -> None:
    rows = sorted(
        (row for row in dashboard.inclusion if row.month is None),
        key=lambda row: (row.attribute == "any", words.groups.get(row.attribute, row.attribute)),
    )
    if not rows:
        _nothing(figure, words.no_inclusive_sales)
        return
    labels = [words.groups.get(row.attribute, row.attribute) for row in rows]
    positions = range(len(rows))
    height = 0.38
    axes = figure.subplots()
    for offset, colour, label, share in (
        (-height / 2, _BLUE, words.order_share, "order_percent"),
        (height / 2, _ORANGE, words.awarded_share, "awarded_percent"),
    ):
        percents: list[Decimal | None] = [getattr(row, share) for row in rows]
        bars = axes.barh(
            [p + offset for p in positions],
            [float(percent or Decimal(0)) for percent in percents],
            height,
            color=colour,
            label=label,
        )
        said = [
            words.not_shown if row.suppressed else words.percent(percent, 1) if percent is not None else ""
            for row, percent in zip(rows, percents, strict=True)
        ]
        axes.bar_label(bars, labels=said, padding=3, fontsize=8)
    axes.set_yticks(list(positions), labels)
    axes.invert_yaxis()  # alphabetical from the top, "any" last
    axes.set_xlim(0, 110)
    axes.set_xlabel(words.percent_of_value)
    axes.legend(loc="lower right")
    axes.set_title(words.title(dashboard, words.inclusion_title))
    axes.spines[["top", "right"]].set_visible(False)


_DRAW = {Chart.trade_matrix: _trade_matrix, Chart.cross_border: _cross_border, Chart.inclusion: _inclusion}


def render(dashboard: Dashboard, chart: Chart, image_format: ImageFormat, words: ChartWords = ENGLISH) -> bytes:
    """The chart as an image, in `words`' language (CPU-bound: call it in a worker thread)."""
    # Here, not at the top: matplotlib would cost each serving process memory (benchmarks/README.md).
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 6), dpi=144, layout="constrained")
    _DRAW[chart](figure, dashboard, words)
    out = io.BytesIO()
    # No creation date in the file, so the same figures give the same bytes.
    metadata = {"Date": None} if image_format is ImageFormat.svg else {"Software": None}
    figure.savefig(out, format=image_format.value, metadata=metadata)
    return out.getvalue()
