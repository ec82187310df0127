"""Dashboard charts for municipal reports, drawn with matplotlib's object API (no pyplot global state, so
charts can be drawn in worker threads), as SVG or PNG.

- `trade-matrix`: a heat map of order value from each origin (rows) to each destination (columns);
- `cross-border`: order value per month, domestic and cross-border stacked, with the cross-border share;
- `inclusion`: the share of order value and of awarded tender value going to each group of verified
  producers.
"""

from __future__ import annotations

import enum
import io
from decimal import Decimal

from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter

from kernel.money import from_minor
from marketplace.dashboard.schemas import Dashboard

_BLUE, _ORANGE, _GREY = "#1f5f99", "#e08a1e", "#9aa5b1"
_ATTRIBUTE_LABELS = {
    "any": "Any of these",
    "cooperative": "Cooperatives",
    "minority_led": "Minority-led",
    "women_led": "Women-led",
    "youth_led": "Youth-led",
}


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


def _label(value: float) -> str:
    return f"{value:,.0f}"


def _title(dashboard: Dashboard, what: str) -> str:
    return f"{dashboard.hub_name}: {what}\n{dashboard.first_day:%d %b %Y} – {dashboard.last_day:%d %b %Y}"


def _nothing(figure: Figure, message: str) -> None:
    axes = figure.subplots()
    axes.set_axis_off()
    axes.text(0.5, 0.5, message, ha="center", va="center", fontsize=13, color=_GREY)


def _trade_matrix(figure: Figure, dashboard: Dashboard) -> None:
    flows = [row for row in dashboard.flows if row.month is None and row.value_minor]
    if not flows:
        _nothing(figure, "No orders in this period")
        return
    origins = sorted({row.origin for row in flows})
    destinations = sorted({row.destination for row in flows})
    values = [[0.0] * len(destinations) for _ in origins]
    for row in flows:
        values[origins.index(row.origin)][destinations.index(row.destination)] = _amount(
            row.value_minor, dashboard.currency
        )
    axes = figure.subplots()
    image = axes.imshow(values, cmap="Blues", aspect="auto")
    peak = max(max(line) for line in values)
    for i, line in enumerate(values):
        for j, value in enumerate(line):
            colour = "white" if value > peak * 0.6 else "black"
            axes.text(j, i, _label(value) if value else "–", ha="center", va="center", fontsize=9, color=colour)
            if origins[i][:2] != destinations[j][:2]:
                axes.add_patch(Rectangle((j - 0.45, i - 0.42), 0.9, 0.84, fill=False, edgecolor=_ORANGE, linewidth=2))
    axes.set_xticks(range(len(destinations)), destinations)
    axes.set_yticks(range(len(origins)), origins)
    axes.set_xlabel("Delivered to")
    axes.set_ylabel("Sold from")
    axes.set_title(
        _title(dashboard, f"order value by origin and destination ({dashboard.currency}); across the border outlined")
    )
    colour_bar = figure.colorbar(image, ax=axes, label=dashboard.currency)
    colour_bar.formatter = FuncFormatter(lambda value, _: _label(value))


def _cross_border(figure: Figure, dashboard: Dashboard) -> None:
    months = [row for row in dashboard.trade if row.month is not None]
    if not months:
        _nothing(figure, "No orders in this period")
        return
    labels = [row.month or "" for row in months]
    cross = [_amount(row.cross_border_value_minor, dashboard.currency) for row in months]
    domestic = [_amount(row.value_minor, dashboard.currency) - c for row, c in zip(months, cross, strict=True)]
    axes = figure.subplots()
    axes.bar(labels, domestic, color=_GREY, label="Within one country")
    bars = axes.bar(labels, cross, bottom=domestic, color=_BLUE, label="Across the border")
    shares = [f"{row.cross_border_percent:.0f}%" if row.cross_border_percent is not None else "" for row in months]
    axes.bar_label(bars, labels=shares, padding=2, fontsize=8, color=_BLUE)
    axes.margins(y=0.08)
    axes.set_ylabel(f"Order value ({dashboard.currency})")
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: _label(value)))
    axes.tick_params(axis="x", labelrotation=45)
    figure.legend(loc="outside lower center", ncols=2, title="Share across the border above each month")
    axes.set_title(_title(dashboard, "cross-border trade by month"))
    axes.spines[["top", "right"]].set_visible(False)


def _inclusion(figure: Figure, dashboard: Dashboard) -> None:
    rows = sorted(
        (row for row in dashboard.inclusion if row.month is None),
        key=lambda row: (row.attribute == "any", _ATTRIBUTE_LABELS.get(row.attribute, row.attribute)),
    )
    if not rows:
        _nothing(figure, "No sales by verified inclusive producers in this period")
        return
    labels = [_ATTRIBUTE_LABELS.get(row.attribute, row.attribute) for row in rows]
    positions = range(len(rows))
    height = 0.38
    axes = figure.subplots()
    orders = axes.barh(
        [p - height / 2 for p in positions],
        [float(row.order_percent or Decimal(0)) for row in rows],
        height,
        color=_BLUE,
        label="Share of order value",
    )
    awards = axes.barh(
        [p + height / 2 for p in positions],
        [float(row.awarded_percent or Decimal(0)) for row in rows],
        height,
        color=_ORANGE,
        label="Share of awarded tender value",
    )
    for bars in (orders, awards):
        axes.bar_label(bars, fmt="%.1f%%", padding=3, fontsize=8)
    axes.set_yticks(list(positions), labels)
    axes.invert_yaxis()  # alphabetical from the top, "any" last
    axes.set_xlim(0, 110)
    axes.set_xlabel("% of value")
    axes.legend(loc="lower right")
    axes.set_title(_title(dashboard, "value going to verified inclusive producers"))
    axes.spines[["top", "right"]].set_visible(False)


_DRAW = {Chart.trade_matrix: _trade_matrix, Chart.cross_border: _cross_border, Chart.inclusion: _inclusion}


def render(dashboard: Dashboard, chart: Chart, image_format: ImageFormat) -> bytes:
    """The chart as an image (CPU-bound: call it in a worker thread)."""
    figure = Figure(figsize=(10, 6), dpi=144, layout="constrained")
    _DRAW[chart](figure, dashboard)
    out = io.BytesIO()
    # No creation date in the file, so the same figures give the same bytes.
    metadata = {"Date": None} if image_format is ImageFormat.svg else {"Software": None}
    figure.savefig(out, format=image_format.value, metadata=metadata)
    return out.getvalue()
