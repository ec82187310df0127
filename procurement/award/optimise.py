"""Award optimisation: how much of each lot to award to each offer — as few units short as the
terms allow, and among such awards the least total evaluated cost.

A pure function over plain numbers (no database), solved with HiGHS through
`scipy.optimize.milp`. A lot's demand is split into *segments*: the units its buyers want
at no more than a given unit price (one segment per distinct maximum price, plus one for
the units wanted at any price). The model:

- variables: `x[s, o]` units of segment `s` bought from offer `o` (one bid's offer for the
  segment's lot, only where the offer's unit price is within the segment's maximum),
  `u[s]` units of segment `s` left unbought (shortfall), and — only when a minimum award or
  a lot limit needs them — `y[o]` in {0, 1}, "offer `o` wins something";
- subject to: each segment's purchases plus its shortfall equal its units; each offer's
  award (summed over segments) within its capacity and the maximum share of its lot; each
  bid within its total capacity; an offer that wins gets at least the minimum award
  (`x >= m * y`, `x <= cap * y`); a bid wins at most `max_lots_per_bid` lots (`sum(y) <= k`).

The objective is lexicographic, solved in turn rather than weighted (a penalty per missing
unit, however large, can be outweighed when a fuller award must replace many cheap units by
dear ones, e.g. to meet a minimum award):

1. minimise the total shortfall `sum(u)`;
2. keep the shortfall at that least value and minimise `sum(price[o] * x[s, o])`;
3. keep both and prefer offers of lower `rank` (earlier bid, then shorter lead time), so
   equal prices always give the same award (only when ranks differ).

Without minimum awards and lot limits it is a transportation problem, solved as an LP; with
them, a MILP. Quantities are whole units when `integral`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from scipy.optimize import LinearConstraint
    from scipy.optimize._milp import _OptionsMILP

#: Relative tolerance when the tie-break solve must keep the optimal cost.
_COST_TOLERANCE = 1e-9
#: How far above the least shortfall the cost solve may go: half a unit when integral (where
#: shortfalls are whole), under half a thousandth otherwise, so that once rounded as stored the
#: award leaves exactly the least shortfall; yet loose enough that HiGHS's own tolerances (1e-7)
#: never make "the least shortfall" infeasible.
_SHORTFALL_SLACK_WHOLE = 0.5
_SHORTFALL_SLACK_THOUSANDTHS = 0.0004
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
    """Seconds for each solve (three at most: shortfall, cost, ties)."""


@dataclass(frozen=True)
class Solution:
    awards: dict[tuple[Hashable, Hashable], float]
    """(bid, lot) -> units awarded, only where more than zero."""
    flows: dict[tuple[Hashable, Hashable, Cap], float]
    """(bid, lot, segment's maximum price) -> units: which buyers' segment each award serves."""
    shortfall: dict[Hashable, float]
    """lot -> units left unawarded, only where more than zero."""
    cost: float
    """Sum of evaluated price x units awarded."""
    optimal: bool
    """False when the time limit stopped a solve: `awards` is the best found (see `least_shortfall`, `gap`)."""
    gap: float | None
    """How much dearer at most than the cheapest award with as few units short; None when not known."""
    integer_model: bool
    least_shortfall: bool = True
    """Whether no award within the terms leaves fewer units short (False only when the time limit
    stopped the first solve)."""
    seconds: float = 0.0
    """Wall time of the solves."""

    def describe(self) -> str:
        """What was solved and how well, in plain words (shown to the coordinator)."""
        model = "integer model (MILP)" if self.integer_model else "linear model (LP)"
        if self.optimal:
            return f"{model}, proven optimal"
        if not self.awards:
            return f"{model}, stopped at the time limit before finding any award: nothing is proposed"
        if not self.least_shortfall:
            return (
                f"{model}, stopped at the time limit with the best award found; "
                "another award might leave fewer units short"
            )
        if self.gap is None:
            return f"{model}, stopped at the time limit with the best award found; a cheaper one might exist"
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
        # Here, not at the top: scipy would cost each serving process memory (benchmarks/README.md).
        from scipy.optimize import LinearConstraint
        from scipy.sparse import coo_array

        matrix = coo_array((self.values, (self.rows, self.columns)), shape=(len(self.low), size)).tocsr()
        return LinearConstraint(matrix, self.low, self.high)


class _Model:
    """The columns (`x` per segment and offer, `u` per segment, `y` per offer when needed), their
    bounds and the rows of one problem, solved with different objectives."""

    def __init__(self, problem: Problem) -> None:
        # Here, not at the top: scipy would cost each serving process memory (benchmarks/README.md).
        from scipy.optimize import Bounds

        self.problem = problem
        self.offers = offers = list(problem.offers)
        self.segments = segments = _segments(problem)
        by_lot = _offers_by_lot(offers)
        self.pairs = pairs = [
            (s, i)
            for s, segment in enumerate(segments)
            for i in by_lot.get(segment.lot, [])
            if segment.cap is None or offers[i].paid <= segment.cap + _ZERO
        ]
        binaries = problem.min_award is not None or problem.max_lots_per_bid is not None
        self.integer_model = problem.integral or binaries
        n_pairs, n_segments = len(pairs), len(segments)
        self.size = size = n_pairs + n_segments + (len(offers) if binaries else 0)
        offer_upper = _offer_upper_bounds(problem, offers)

        upper = np.ones(size)
        upper[:n_pairs] = [min(offer_upper[i], segments[s].units) for s, i in pairs]
        upper[n_pairs : n_pairs + n_segments] = [segment.units for segment in segments]
        if problem.integral:
            upper[: n_pairs + n_segments] = np.floor(upper[: n_pairs + n_segments] + _ZERO)
        self.bounds = Bounds(np.zeros(size), upper)
        self.constraints = [
            _constraints(problem, offers, segments, pairs, offer_upper, binaries=binaries).constraint(size)
        ]
        self.integrality = np.zeros(size, dtype=np.int8)
        self.integrality[: n_pairs + n_segments] = 1 if problem.integral else 0
        self.integrality[n_pairs + n_segments :] = 1
        self.options: _OptionsMILP = {"time_limit": problem.time_limit}
        self.shortfall = np.zeros(size)
        """Objective: units left short."""
        self.shortfall[n_pairs : n_pairs + n_segments] = 1.0
        self.cost = np.zeros(size)
        """Objective: evaluated cost."""
        self.cost[:n_pairs] = [offers[i].price for _, i in pairs]

    def ranks(self) -> np.ndarray:
        """Objective: units weighted by their offer's rank (lower first)."""
        weights = np.zeros(self.size)
        weights[: len(self.pairs)] = [self.offers[i].rank + 1 for _, i in self.pairs]
        return weights

    def solve(self, objective: np.ndarray, *keep: LinearConstraint) -> Any:
        # Here, not at the top: scipy would cost each serving process memory (benchmarks/README.md).
        from scipy.optimize import milp

        return milp(
            objective,
            integrality=self.integrality,
            bounds=self.bounds,
            constraints=[*self.constraints, *keep],
            options=self.options,
        )

    def nothing_awarded(self) -> np.ndarray:
        x = np.zeros(self.size)
        start = len(self.pairs)
        x[start : start + len(self.segments)] = [segment.units for segment in self.segments]
        return x

    def solution(
        self, x: np.ndarray, started: float, *, optimal: bool, gap: float | None, least_shortfall: bool
    ) -> Solution:
        return _solution(
            self.offers,
            self.segments,
            self.pairs,
            _to_stored_precision(x, self.pairs, integral=self.problem.integral),
            optimal=optimal,
            gap=gap,
            integer_model=self.integer_model,
            least_shortfall=least_shortfall,
            started=started,
        )


def optimise(problem: Problem) -> Solution:
    """The award of `problem` with the least shortfall and, among those, the least cost.

    When the time limit stops a solve, the best award found comes back with `optimal=False`
    (and `least_shortfall=False` when it was the first solve); if none was found, nothing is
    awarded (every unit short). Raises RuntimeError for any other solver failure.
    """
    # Here, not at the top: scipy would cost each serving process memory (benchmarks/README.md).
    from scipy.optimize import LinearConstraint

    started = time.perf_counter()
    model = _Model(problem)

    # 1. The least shortfall.
    first = model.solve(model.shortfall)
    if first.status not in (_OPTIMAL, _LIMIT_REACHED):
        raise RuntimeError(f"the award model could not be solved: {first.message}")
    if first.x is None:  # stopped before a first solution: leaving every unit short is one
        return model.solution(model.nothing_awarded(), started, optimal=False, gap=None, least_shortfall=False)
    least = first.status == _OPTIMAL

    # 2. The least cost among awards that leave no more units short than that.
    slack = _SHORTFALL_SLACK_WHOLE if problem.integral else _SHORTFALL_SLACK_THOUSANDTHS
    keep_short = LinearConstraint(model.shortfall.reshape(1, -1), -np.inf, float(model.shortfall @ first.x) + slack)
    second = model.solve(model.cost, keep_short)
    if second.x is None:  # the time limit, before an award as good: the first solve's is the best found
        return model.solution(first.x, started, optimal=False, gap=None, least_shortfall=least)
    optimal = least and second.status == _OPTIMAL
    gap = getattr(second, "mip_gap", None)  # absent when HiGHS solved a pure LP
    result = second

    # 3. Among those, the offers ranked first (only when ranks differ).
    if optimal and any(model.offers[i].rank for _, i in model.pairs):
        limit = second.fun + _COST_TOLERANCE * max(1.0, abs(second.fun))
        keep_cost = LinearConstraint(model.cost.reshape(1, -1), -np.inf, limit)
        third = model.solve(model.ranks(), keep_short, keep_cost)
        if third.x is not None and third.status == _OPTIMAL:
            result = third
    return model.solution(
        result.x, started, optimal=optimal, gap=None if gap is None else float(gap), least_shortfall=least
    )


def unfillable(problem: Problem) -> dict[Hashable, float] | None:
    """lot -> units that no offer could take even without the terms that tie offers together
    (`TERMS`): more than the lot's offers bid for, or wanted only below their prices. The rest
    of a least shortfall is the terms' doing. None if the time limit stopped the solve."""
    relaxed = Problem(
        demand=problem.demand,
        offers=[replace(offer, rank=0) for offer in problem.offers],  # ranks cannot change a shortfall
        price_limits=problem.price_limits,
        integral=problem.integral,
        time_limit=problem.time_limit,
    )
    # Without those terms the lots are independent, so the least shortfall alone fixes each lot's.
    model = _Model(relaxed)
    result = model.solve(model.shortfall)
    if result.status != _OPTIMAL:
        return None
    return model.solution(result.x, time.perf_counter(), optimal=True, gap=None, least_shortfall=True).shortfall


_WITHOUT: dict[str, Callable[[Problem], Problem]] = {
    "min_award": lambda problem: replace(problem, min_award=None),
    "max_share": lambda problem: replace(problem, max_share=None),
    "max_lots_per_bid": lambda problem: replace(problem, max_lots_per_bid=None),
    "bid_capacity": lambda problem: replace(problem, bid_capacity={}),
}
TERMS = tuple(_WITHOUT)
"""The terms that tie offers together, by the name of their `Problem` field."""


def binding_terms(problem: Problem, shortfall: float) -> list[str] | None:
    """The `TERMS` set in `problem` without which (each dropped alone) fewer units than
    `shortfall` — its least — would be short. Empty when only several together leave units
    short; None when a solve reaches the time limit (which terms bind is then not known)."""
    slack = _SHORTFALL_SLACK_WHOLE if problem.integral else _SHORTFALL_SLACK_THOUSANDTHS
    binding = []
    for term, without in _WITHOUT.items():
        relaxed = without(problem)
        if relaxed != problem:  # the term is set
            least = _least_shortfall(relaxed)
            if least is None:
                return None
            if least < shortfall - slack:
                binding.append(term)
    return binding


def _least_shortfall(problem: Problem) -> float | None:
    """The least total shortfall of `problem` (None when the time limit stops the solve first)."""
    model = _Model(problem)
    result = model.solve(model.shortfall)
    return float(result.fun) if result.status == _OPTIMAL else None


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
    least_shortfall: bool,
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
        least_shortfall=least_shortfall,
        seconds=time.perf_counter() - started,
    )
