"""The consortium report's chart for its municipalities: money paid out, repaid and written off in each
month of the period, in one currency, with the portfolio and its risk at the period's end in the title.

Drawn like the hub dashboards' charts (matplotlib's object API, SVG or PNG, the same bytes for the same
figures), in English by default; a page passes its reader's words.
"""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import dataclass, field

import babel
from babel import dates, numbers

from kernel.errors import InvalidInput
from kernel.money import from_minor
from marketplace.dashboard.charts import ImageFormat
from marketplace.financing.schemas import PortfolioReport

_BLUE, _GREEN, _RED = "#1f5f99", "#2e7d32", "#b3261e"


@dataclass(frozen=True)
class FlowWords:
    """What the chart says and how it writes months and money, for one reader."""

    locale: babel.Locale = field(default_factory=lambda: babel.Locale.parse("en"))
    title: str = "%(consortium)s: advances in %(currency)s by month"
    standing: str = "At the end: %(outstanding)s outstanding, %(par30)s of it more than 30 days behind"
    paid_out: str = "Paid out"
    repaid: str = "Repaid (with fees)"
    written_off: str = "Written off"
    axis: str = "%(currency)s"

    def month(self, month: str) -> str:
        year, number = month.split("-")
        return dates.format_skeleton("yMMM", dt.date(int(year), int(number), 1), locale=self.locale)

    def money(self, minor: int, currency: str) -> str:
        return numbers.format_currency(from_minor(minor, currency), currency, locale=self.locale)


ENGLISH = FlowWords()


def render_flows(
    report: PortfolioReport, currency: str, image_format: ImageFormat, words: FlowWords = ENGLISH
) -> bytes:
    """The chart as an image (CPU-bound: call it in a worker thread). Raises `InvalidInput` naming
    `query:currency` for a currency the consortium does not lend in."""
    portfolio = next((row for row in report.currencies if row.currency == currency), None)
    if portfolio is None:
        lent_in = ", ".join(row.currency for row in report.currencies)
        raise InvalidInput.query("currency", f"the consortium lends in {lent_in}")
    # Here, not at the top: matplotlib would cost each serving process memory (benchmarks/README.md).
    from matplotlib.figure import Figure

    months = [row for row in report.months if row.currency == currency and row.month is not None]
    figure = Figure(figsize=(10, 6), dpi=144, layout="constrained")
    axes = figure.subplots()
    width = 0.27
    places = range(len(months))
    # Floats only to place marks on a picture; every figure on the wire stays integer minor units.
    for offset, label, colour, values in (
        (-width, words.paid_out, _BLUE, [row.disbursed_minor for row in months]),
        (0.0, words.repaid, _GREEN, [row.repaid_minor for row in months]),
        (width, words.written_off, _RED, [row.written_off_minor for row in months]),
    ):
        axes.bar(
            [place + offset for place in places],
            [float(from_minor(value, currency)) for value in values],
            width,
            label=label,
            color=colour,
        )
    axes.set_xticks(list(places), [words.month(row.month or "") for row in months], rotation=45, ha="right")
    axes.set_ylabel(words.axis % {"currency": numbers.get_currency_name(currency, locale=words.locale)})
    axes.legend(loc="upper left")
    axes.spines[["top", "right"]].set_visible(False)
    period = dates.format_interval(report.first_day, report.last_day, "yMMM", locale=words.locale)
    standing = words.standing % {
        "outstanding": words.money(portfolio.outstanding_minor, currency),
        "par30": words.money(portfolio.par30_minor, currency),
    }
    name = numbers.get_currency_name(currency, locale=words.locale)
    axes.set_title(f"{words.title % {'consortium': report.consortium_name, 'currency': name}}\n{period}\n{standing}")
    out = io.BytesIO()
    # No creation date in the file, so the same figures give the same bytes.
    metadata = {"Date": None} if image_format is ImageFormat.svg else {"Software": None}
    figure.savefig(out, format=image_format.value, metadata=metadata)
    return out.getvalue()
