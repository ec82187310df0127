"""What of a dashboard the public may see: statistical disclosure control for the open-data summary.

A figure is published only when at least `minimum` organisations stand behind it, so that nobody can
read one firm's sales or purchases from it:
- trade and flow rows need `minimum` distinct producers and `minimum` distinct buyers;
- inclusion and cohort rows need `minimum` producers; organisation counts need `minimum` organisations;
- procurement money needs `minimum` awarded suppliers (the counts of tenders, lots and bids stay).

Suppressing one part of a published total would let anyone recover it by subtraction, so when exactly
one part of a published total is suppressed, the smallest other part is suppressed too (secondary
suppression). Parts and totals: the months of the period's trade; the cross-border flows of the
period's cross-border value, and the domestic flows of the rest; the cohorts of the period's trade
(every producer that sold belongs to exactly one cohort). To keep that the only arithmetic between
published figures, flows, inclusion and cohorts are published for the whole period only.
Counts of organisations in a row are kept: they are what a reader needs to see why a row is hidden
(in the organisations table the count is the figure, so it is hidden there); `suppression` says
which rule hid it.

A row with no organisation behind it at all (a month when nothing was sold or awarded) tells of no
one: its zeros are published, and it is never the part hidden to protect another (a reader who can
tell that nothing happened that month would learn nothing from hiding it).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

import msgspec

from marketplace.dashboard.schemas import (
    CohortRow,
    Dashboard,
    FlowRow,
    InclusionRow,
    OpenData,
    OrganizationRow,
    ProcurementRow,
    Row,
    Suppression,
    TradeRow,
)

R = TypeVar("R", bound=Row)

_TRADE_FIGURES = (
    "orders",
    "value_minor",
    "vat_minor",
    "gross_value_minor",
    "cross_border_value_minor",
    "cross_border_percent",
    "awarded_value_minor",
)
_FLOW_FIGURES = ("orders", "value_minor")
_INCLUSION_FIGURES = ("order_value_minor", "order_percent", "awarded_value_minor", "awarded_percent")
_ORGANIZATION_FIGURES = ("organizations", "jobs")
_PROCUREMENT_FIGURES = (
    "pooled_value_minor",
    "compared_pooled_minor",
    "individual_minor",
    "savings_minor",
    "savings_percent",
)
_COHORT_FIGURES = ("revenue_minor", "jobs")


def hidden(row: R, figures: Sequence[str], why: Suppression = Suppression.few_organizations) -> R:
    return msgspec.structs.replace(row, suppressed=True, suppression=why, **dict.fromkeys(figures))


def too_few(minimum: int, *counts: int | None) -> bool:
    """Whether a row with these counts of organisations behind it is too small to publish: some
    organisation stands behind it, and fewer than `minimum` of one kind (none at all tells of no one)."""
    return any(counts) and any((count or 0) < minimum for count in counts)


def suppress(rows: Sequence[R], too_small: Callable[[R], bool], figures: Sequence[str]) -> list[R]:
    """Primary suppression: hide the figures of every row with too few organisations behind it."""
    return [hidden(row, figures) if too_small(row) else row for row in rows]


def complement(
    rows: Sequence[R],
    group: Callable[[R], Hashable | None],
    published: Callable[[Hashable], bool],
    size: Callable[[R], int],
    figures: Sequence[str],
    empty: Callable[[R], bool] = lambda _: False,
) -> list[R]:
    """Secondary suppression: in each group (rows whose `group` is not None) whose total is `published`,
    if exactly one row is suppressed, also hide the other row of smallest `size` (read before hiding)
    that is not `empty` (no organisation behind it: hiding its zeros would protect nothing)."""
    members: dict[Hashable, list[int]] = {}
    for index, row in enumerate(rows):
        key = group(row)
        if key is not None:
            members.setdefault(key, []).append(index)
    result = list(rows)
    for key, indexes in members.items():
        hidden_rows = [i for i in indexes if rows[i].suppressed]
        shown = [i for i in indexes if not rows[i].suppressed and not empty(rows[i])]
        if published(key) and len(hidden_rows) == 1 and shown:
            smallest = min(shown, key=lambda i: size(rows[i]))
            result[smallest] = hidden(rows[smallest], figures, Suppression.secondary)
    return result


def disclose(dashboard: Dashboard, minimum: int) -> OpenData:
    """The public summary of a dashboard; see the module docstring for the rules."""

    def few_parties(row: TradeRow | FlowRow) -> bool:
        return too_few(minimum, row.producers, row.buyers)

    trade = suppress(dashboard.trade, few_parties, _TRADE_FIGURES)
    period_published = any(row.month is None and not row.suppressed for row in trade)
    trade = complement(
        trade,
        group=lambda row: "period" if row.month is not None else None,
        published=lambda _: period_published,
        size=lambda row: row.value_minor or 0,
        figures=_TRADE_FIGURES,
        empty=lambda row: not (row.producers or row.buyers),
    )
    flows = complement(
        suppress([row for row in dashboard.flows if row.month is None], few_parties, _FLOW_FIGURES),
        group=lambda row: row.cross_border,
        published=lambda _: period_published,
        size=lambda row: row.value_minor or 0,
        figures=_FLOW_FIGURES,
    )
    inclusion: list[InclusionRow] = suppress(
        [row for row in dashboard.inclusion if row.month is None],
        lambda r: too_few(minimum, r.producers),
        _INCLUSION_FIGURES,
    )
    organizations: list[OrganizationRow] = suppress(
        dashboard.organizations, lambda r: too_few(minimum, r.organizations), _ORGANIZATION_FIGURES
    )
    procurement: list[ProcurementRow] = suppress(
        dashboard.procurement, lambda r: too_few(minimum, r.suppliers), _PROCUREMENT_FIGURES
    )
    cohorts: list[CohortRow] = complement(
        suppress(
            [row for row in dashboard.cohorts if row.month is None],
            lambda r: too_few(minimum, r.producers),
            _COHORT_FIGURES,
        ),
        group=lambda _: "period",
        published=lambda _: period_published,
        size=lambda row: row.revenue_minor or 0,
        figures=_COHORT_FIGURES,
    )
    return OpenData(
        **msgspec.structs.asdict(dashboard)
        | {
            "trade": trade,
            "flows": flows,
            "inclusion": inclusion,
            "organizations": organizations,
            "procurement": procurement,
            "cohorts": cohorts,
        },
        minimum_group_size=minimum,
    )
