"""Award optimisation: how much of each lot to award to each offer, at the least total evaluated cost.

A pure function over plain numbers (no database), solved with HiGHS through
`scipy.optimize.milp`. A lot's demand is split into *segments*: the units its buyers want
at no more than a given unit price (one segment per distinct maximum price, plus one for
the units wanted at any price). The model:

- variables: `x[s, o]` units of segment `s` bought from offer `o` (one bid's offer for the
  segment's lot, only where the offer's unit price is within the segment's maximum),
  `u[s]` units of segment `s` left unbought (shortfall), and — only when a minimum award or
  a lot limit needs them — `y[o]` in {0, 1}, "offer `o` wins something";
- minimise  sum(price[o] * x[s, o]) + penalty * sum(u[s])  — the penalty exceeds any
  price, so a lot goes short only when no offer may take more;
- subject to: each segment's purchases plus its shortfall equal its units; each offer's
  award (summed over segments) within its capacity and the maximum share of its lot; each
  bid within its total capacity; an offer that wins gets at least the minimum award
  (`x >= m * y`, `x <= cap * y`); a bid wins at most `max_lots_per_bid` lots (`sum(y) <= k`).

Without minimum awards and lot limits it is a transportation problem, solved as an LP; with
them, a MILP. Quantities are whole units when `integral`. Ties are broken in a second solve
that keeps the optimal cost and prefers offers of lower `rank` (earlier bid, then shorter
lead time), so equal prices always give the same award.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

if TYPE_CHECKING:
    from scipy.optimize._milp import _OptionsMILP

#: Relative tolerance when the tie-break solve must keep the optimal cost.
_COST_TOLERANCE = 1e-9
#: Below this a solver value counts as zero.
_ZERO = 1e-9
#: Decimal places of a fractional award: quantities are stored with three, and HiGHS meets
#: constraints to within 1e-6, so more would only be noise.
_DIGITS = 3
#: A solver value this close below a multiple of 0.001 is that multiple (tolerance noise).
_SNAP = 1e-6
#: HiGHS status codes (scipy.optimize.milp): 0 optimal, 1 iteration or time limit reached.
_OPTIMAL, _LIMIT_REACHED = 0, 1

Cap = float | None
"""A segment's maximum unit price; None: any price."""


@dataclass(frozen=True)
class Offer:
    bid: Hashable
    lot: Hashable
    price: float
    """Evaluated unit price (tender currency, after any preference margin): what is minimised."""
    capacity: float
    rank: int = 0
    """Tie-break order: lower wins among equal prices."""
    unit_price: float | None = None
    """The price the buyer pays, compared with buyers' maximum prices (defaults to `price`)."""

    @property
    def paid(self) -> float:
        return self.price if self.unit_price is None else self.unit_price


@dataclass(frozen=True)
class Problem:
    demand: dict[Hashable, float]
    """lot -> units wanted."""
    offers: Sequence[Offer]
    price_limits: dict[Hashable, dict[float, float]] = field(default_factory=dict)
    """lot -> {maximum unit price: units of the lot's demand wanted at no more than that}."""
    bid_capacity: dict[Hashable, float] = field(default_factory=dict)
    """Total capacity across lots, for the bids that state one."""
    max_share: float | None = None
    """The largest fraction (0 < s <= 1) of one lot's demand a single offer may win."""
    min_award: float | None = None
    max_lots_per_bid: int | None = None
    integral: bool = False
    time_limit: float = 10.0
    """Seconds for each of the two solves."""


@dataclass(frozen=True)
class Solution:
    awards: dict[tuple[Hashable, Hashable], float]
    """(bid, lot) -> units awarded, only where more than zero."""
    flows: dict[tuple[Hashable, Hashable, Cap], float]
    """(bid, lot, segment's maximum price) -> units: which buyers' segment each award serves."""
    shortfall: dict[Hashable, float]
    """lot -> units no offer could take, only where more than zero."""
    cost: float
    """Sum of evaluated price x units awarded."""
    optimal: bool
    """False when the time limit stopped the solver: `awards` is its best, `gap` how far off at most."""
    gap: float | None
    integer_model: bool
    seconds: float = 0.0
    """Wall time of the solves."""

    def describe(self) -> str:
        """What was solved and how well, in plain words (shown to the coordinator)."""
        model = "integer model (MILP)" if self.integer_model else "linear model (LP)"
        if self.optimal:
            return f"{model}, proven optimal"
        if self.gap is None:
            return f"{model}, stopped at the time limit before finding any award: nothing is proposed"
        return (
            f"{model}, stopped at the time limit with the best award found, at most {self.gap:.2%} dearer than optimal"
        )


@dataclass(frozen=True)
class _Segment:
    lot: Hashable
    cap: Cap
    units: float


class _Rows:
    """A sparse constraint matrix built row by row: `low <= sum(value * var) <= high`."""

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.columns: list[int] = []
        self.values: list[float] = []
        self.low: list[float] = []
        self.high: list[float] = []

    def add(self, terms: dict[int, float], low: float, high: float) -> None:
        row = len(self.low)
        for column, value in terms.items():
            self.rows.append(row)
            self.columns.append(column)
            self.values.append(value)
        self.low.append(low)
        self.high.append(high)

    def constraint(self, size: int) -> LinearConstraint:
        matrix = coo_array((self.values, (self.rows, self.columns)), shape=(len(self.low), size)).tocsr()
        return LinearConstraint(matrix, self.low, self.high)


def optimise(problem: Problem) -> Solution:
    """The least-cost award of `problem`, with its shortfall, and whether it is proven optimal.

    When the time limit stops the solver, the best award it found comes back with
    `optimal=False` and its gap; if it found none, nothing is awarded (every unit short,
    gap None). Raises RuntimeError for any other solver failure.
    """
    started = time.perf_counter()
    offers = list(problem.offers)
    segments = _segments(problem)
    by_lot = _offers_by_lot(offers)
    pairs = [
        (s, i)
        for s, segment in enumerate(segments)
        for i in by_lot.get(segment.lot, [])
        if segment.cap is None or offers[i].paid <= segment.cap + _ZERO
    ]
    binaries = problem.min_award is not None or problem.max_lots_per_bid is not None
    n_pairs, n_segments = len(pairs), len(segments)
    size = n_pairs + n_segments + (len(offers) if binaries else 0)
    offer_upper = _offer_upper_bounds(problem, offers)

    upper = np.ones(size)
    upper[:n_pairs] = [min(offer_upper[i], segments[s].units) for s, i in pairs]
    upper[n_pairs : n_pairs + n_segments] = [segment.units for segment in segments]
    if problem.integral:
        upper[: n_pairs + n_segments] = np.floor(upper[: n_pairs + n_segments] + _ZERO)
    constraints = [_constraints(problem, offers, segments, pairs, offer_upper, binaries=binaries).constraint(size)]
    integrality = np.zeros(size, dtype=np.int8)
    integrality[: n_pairs + n_segments] = 1 if problem.integral else 0
    integrality[n_pairs + n_segments :] = 1
    bounds = Bounds(np.zeros(size), upper)
    options: _OptionsMILP = {"time_limit": problem.time_limit}

    cost = np.zeros(size)
    cost[:n_pairs] = [offers[i].price for _, i in pairs]
    cost[n_pairs : n_pairs + n_segments] = 1.0 + 2.0 * max((abs(o.price) for o in offers), default=1.0)
    first = milp(cost, integrality=integrality, bounds=bounds, constraints=constraints, options=options)
    if first.status not in (_OPTIMAL, _LIMIT_REACHED):
        raise RuntimeError(f"the award model could not be solved: {first.message}")
    if first.x is None:  # stopped before a first solution: leaving every unit short is one
        empty = np.zeros(size)
        empty[n_pairs : n_pairs + n_segments] = [segment.units for segment in segments]
        return _solution(offers, segments, pairs, empty, optimal=False, gap=None, integer_model=True, started=started)
    optimal = first.status == _OPTIMAL
    result = first

    # Second solve: among solutions within the optimal cost, prefer lower-ranked offers.
    if optimal and any(offers[i].rank for _, i in pairs):
        limit = first.fun + _COST_TOLERANCE * max(1.0, abs(first.fun))
        keep = LinearConstraint(cost.reshape(1, -1), -np.inf, limit)
        tie_break = np.zeros(size)
        tie_break[:n_pairs] = [offers[i].rank + 1 for _, i in pairs]
        second = milp(
            tie_break, integrality=integrality, bounds=bounds, constraints=[*constraints, keep], options=options
        )
        if second.x is not None and second.status == _OPTIMAL:
            result = second
    x = _to_stored_precision(result.x, pairs, integral=problem.integral)
    gap = getattr(first, "mip_gap", None)  # absent when HiGHS solved a pure LP
    return _solution(
        offers,
        segments,
        pairs,
        x,
        optimal=optimal,
        gap=None if gap is None else float(gap),
        integer_model=problem.integral or binaries,
        started=started,
    )


def _offers_by_lot(offers: list[Offer]) -> dict[Hashable, list[int]]:
    by_lot: dict[Hashable, list[int]] = defaultdict(list)
    for i, offer in enumerate(offers):
        by_lot[offer.lot].append(i)
    return by_lot


def _segments(problem: Problem) -> list[_Segment]:
    """Each lot's capped segments, cheapest cap first, then the units wanted at any price."""
    segments: list[_Segment] = []
    for lot, demand in problem.demand.items():
        limits = problem.price_limits.get(lot, {})
        capped = 0.0
        for cap, units in sorted(limits.items()):
            segments.append(_Segment(lot, cap, units))
            capped += units
        if demand - capped > _ZERO:
            segments.append(_Segment(lot, None, demand - capped))
    return segments


def _offer_upper_bounds(problem: Problem, offers: list[Offer]) -> list[float]:
    upper = []
    for offer in offers:
        demand = problem.demand[offer.lot]
        share = demand if problem.max_share is None else problem.max_share * demand
        bound = max(min(offer.capacity, demand, share), 0.0)
        upper.append(float(np.floor(bound + _ZERO)) if problem.integral else bound)
    return upper


def _constraints(
    problem: Problem,
    offers: list[Offer],
    segments: list[_Segment],
    pairs: list[tuple[int, int]],
    offer_upper: list[float],
    *,
    binaries: bool,
) -> _Rows:
    n_pairs, n_segments = len(pairs), len(segments)
    rows = _Rows()
    of_segment: dict[int, dict[int, float]] = defaultdict(dict)
    of_offer: dict[int, dict[int, float]] = defaultdict(dict)
    for column, (s, i) in enumerate(pairs):
        of_segment[s][column] = 1.0
        of_offer[i][column] = 1.0
    for s, segment in enumerate(segments):  # purchases + shortfall = the segment's units
        rows.add({**of_segment[s], n_pairs + s: 1.0}, segment.units, segment.units)
    for i, columns in of_offer.items():  # an offer serving several segments: its award within its bound
        if len(columns) > 1 and not binaries:
            rows.add(columns, 0.0, offer_upper[i])
    of_bid: dict[Hashable, list[int]] = defaultdict(list)
    for i, offer in enumerate(offers):
        of_bid[offer.bid].append(i)
    for bid, capacity in problem.bid_capacity.items():  # a bid's total capacity
        columns = {c: 1.0 for i in of_bid.get(bid, []) for c in of_offer.get(i, {})}
        if columns:
            rows.add(columns, 0.0, capacity)
    if binaries:
        base = n_pairs + n_segments
        for i, columns in of_offer.items():
            rows.add({**columns, base + i: -offer_upper[i]}, -np.inf, 0.0)  # x <= bound * y
            if problem.min_award is not None:
                rows.add({**columns, base + i: -problem.min_award}, 0.0, np.inf)  # x >= min * y
        if problem.max_lots_per_bid is not None:
            for members in of_bid.values():  # sum of y <= lots per bid
                rows.add({base + i: 1.0 for i in members}, 0.0, float(problem.max_lots_per_bid))
    return rows


def _to_stored_precision(x: np.ndarray, pairs: list[tuple[int, int]], *, integral: bool) -> np.ndarray:
    """Whole units when integral; otherwise thousandths, as quantities are stored.

    Purchases are rounded down, so none exceeds the bound it met. But the solver may split a
    segment between two offers off the grid (379.5735 + 266.4265 = 646): rounded down both,
    the segment would lose a thousandth, and a buyer with it. So each segment gets back the
    thousandths its purchases lost, one each to those that lost most (a cap met exactly is
    then exceeded by at most a thousandth, in such a split only).
    """
    if integral:
        rounded: np.ndarray = np.round(x)
        return rounded
    scale = 10**_DIGITS
    units = np.floor(x * scale + _SNAP * scale)
    lost = x * scale - units
    by_segment: dict[int, list[int]] = defaultdict(list)
    for column, (s, _) in enumerate(pairs):
        by_segment[s].append(column)
    for columns in by_segment.values():
        missing = round(float(sum(x[c] for c in columns)) * scale) - int(sum(units[c] for c in columns))
        for column in sorted(columns, key=lambda c: -lost[c])[: max(missing, 0)]:
            units[column] += 1
    stored: np.ndarray = units / scale
    return stored


def _solution(
    offers: list[Offer],
    segments: list[_Segment],
    pairs: list[tuple[int, int]],
    x: np.ndarray,
    *,
    optimal: bool,
    gap: float | None,
    integer_model: bool,
    started: float,
) -> Solution:
    awards: dict[tuple[Hashable, Hashable], float] = defaultdict(float)
    flows: dict[tuple[Hashable, Hashable, Cap], float] = {}
    cost = 0.0
    for column, (s, i) in enumerate(pairs):
        units = float(x[column])
        if units > _ZERO:
            offer = offers[i]
            awards[(offer.bid, offer.lot)] += units
            flows[(offer.bid, offer.lot, segments[s].cap)] = units
            cost += offer.price * units
    # Shortfall is what the (rounded) purchases leave of each segment, so the two always add up.
    bought = np.zeros(len(segments))
    for column, (s, _) in enumerate(pairs):
        bought[s] += x[column]
    shortfall: dict[Hashable, float] = defaultdict(float)
    for s, segment in enumerate(segments):
        short = round(float(segment.units - bought[s]), _DIGITS)
        if short > _ZERO:
            shortfall[segment.lot] += short
    return Solution(
        awards=dict(awards),
        flows=flows,
        shortfall=dict(shortfall),
        cost=cost,
        optimal=optimal,
        gap=gap,
        integer_model=integer_model,
        seconds=time.perf_counter() - started,
    )
