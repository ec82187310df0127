"""Award optimisation: how much of each lot to award to each offer, at the least total evaluated cost.

A pure function over plain numbers (no database), solved with HiGHS through
`scipy.optimize.milp`. The model:

- variables: `x[o]` units awarded to offer `o` (one bid's offer for one lot), `u[l]` units of
  lot `l` left unawarded (shortfall), and — only when a minimum award or a lot limit needs
  them — `y[o]` in {0, 1}, "offer `o` wins something";
- minimise  sum(price[o] * x[o]) + penalty * sum(u[l])  — the penalty exceeds any price, so
  a lot goes short only when no offer may take more;
- subject to: each lot's awards plus its shortfall equal its demand; each offer within its
  capacity and within the maximum share of its lot; each bid within its total capacity; an
  offer that wins gets at least the minimum award (`x >= m * y`, `x <= cap * y`); a bid wins
  at most `max_lots_per_bid` lots (`sum(y) <= k`).

Without minimum awards and lot limits it is a transportation-like LP; with them, a MILP.
Quantities are whole units when `integral` (counted goods). Ties are broken in a second
solve that keeps the optimal cost and prefers offers of lower `rank` (earlier bid, then
shorter lead time), so equal prices always give the same award.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import lil_array

if TYPE_CHECKING:
    from scipy.optimize._milp import _OptionsMILP

#: Relative tolerance when the tie-break solve must keep the optimal cost.
_COST_TOLERANCE = 1e-9
#: Below this a solver value counts as zero.
_ZERO = 1e-9
#: Decimal places of a fractional award: quantities are stored with three, and HiGHS meets
#: constraints to within 1e-6, so more would only be noise.
_DIGITS = 3


@dataclass(frozen=True)
class Offer:
    bid: Hashable
    lot: Hashable
    price: float
    """Evaluated unit price (tender currency, after any preference margin)."""
    capacity: float
    rank: int = 0
    """Tie-break order: lower wins among equal prices."""


@dataclass(frozen=True)
class Problem:
    demand: dict[Hashable, float]
    offers: Sequence[Offer]
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
    shortfall: dict[Hashable, float]
    """lot -> units no offer could take, only where more than zero."""
    cost: float
    """Sum of evaluated price x units awarded."""
    optimal: bool
    """False when the time limit stopped the solver: `awards` is its best, `gap` how far off at most."""
    gap: float | None
    integer_model: bool


def optimise(problem: Problem) -> Solution:
    """The least-cost award of `problem`, with its shortfall, and whether it is proven optimal."""
    offers = list(problem.offers)
    lots = list(problem.demand)
    binaries = problem.min_award is not None or problem.max_lots_per_bid is not None
    n, m = len(offers), len(lots)
    size = n + m + (n if binaries else 0)
    upper = _upper_bounds(problem, offers, lots, size)
    constraints = [_constraints(problem, offers, lots, upper, size, binaries=binaries)]
    integrality = np.zeros(size, dtype=np.int8)
    integrality[: n + m] = 1 if problem.integral else 0
    integrality[n + m :] = 1
    bounds = Bounds(np.zeros(size), upper)
    options: _OptionsMILP = {"time_limit": problem.time_limit}

    cost = np.zeros(size)
    cost[:n] = [o.price for o in offers]
    cost[n : n + m] = 1.0 + 2.0 * max((abs(o.price) for o in offers), default=1.0)  # above any price
    first = milp(cost, integrality=integrality, bounds=bounds, constraints=constraints, options=options)
    if first.x is None:
        raise RuntimeError(f"the award model could not be solved: {first.message}")
    result, optimal = first, first.status == 0

    # Second solve: among solutions within the optimal cost, prefer lower-ranked offers.
    if optimal and any(o.rank for o in offers):
        limit = first.fun + _COST_TOLERANCE * max(1.0, abs(first.fun))
        keep = LinearConstraint(cost.reshape(1, -1), -np.inf, limit)
        tie_break = np.zeros(size)
        tie_break[:n] = [o.rank + 1 for o in offers]
        second = milp(
            tie_break, integrality=integrality, bounds=bounds, constraints=[*constraints, keep], options=options
        )
        if second.x is not None and second.status == 0:
            result = second
    # Whole units when integral; otherwise the stored precision (dropping the solver's tolerance noise).
    x = np.round(result.x) if problem.integral else np.round(result.x, _DIGITS)
    return _solution(offers, lots, x, optimal=optimal, gap=first.mip_gap, integer_model=problem.integral or binaries)


def _upper_bounds(problem: Problem, offers: list[Offer], lots: list[Hashable], size: int) -> np.ndarray:
    n, m = len(offers), len(lots)
    upper = np.ones(size)
    for i, offer in enumerate(offers):
        demand = problem.demand[offer.lot]
        share = demand if problem.max_share is None else problem.max_share * demand
        upper[i] = max(min(offer.capacity, demand, share), 0.0)
    upper[n : n + m] = [problem.demand[lot] for lot in lots]
    if problem.integral:
        upper[: n + m] = np.floor(upper[: n + m] + _ZERO)
    return upper


def _constraints(
    problem: Problem, offers: list[Offer], lots: list[Hashable], upper: np.ndarray, size: int, *, binaries: bool
) -> LinearConstraint:
    n, m = len(offers), len(lots)
    rows: list[tuple[dict[int, float], float, float]] = []
    for j, lot in enumerate(lots):  # awards + shortfall = demand
        row = {i: 1.0 for i, o in enumerate(offers) if o.lot == lot}
        rows.append(({**row, n + j: 1.0}, problem.demand[lot], problem.demand[lot]))
    bids = list(dict.fromkeys(o.bid for o in offers))
    rows.extend(  # a bid's total capacity
        ({i: 1.0 for i, o in enumerate(offers) if o.bid == bid}, 0.0, problem.bid_capacity[bid])
        for bid in bids
        if bid in problem.bid_capacity
    )
    if binaries:
        for i in range(n):
            rows.append(({i: 1.0, n + m + i: -upper[i]}, -np.inf, 0.0))  # x <= cap * y
            if problem.min_award is not None:
                rows.append(({i: 1.0, n + m + i: -problem.min_award}, 0.0, np.inf))  # x >= min * y
        if problem.max_lots_per_bid is not None:
            for bid in bids:  # sum of y <= lots per bid
                row = {n + m + i: 1.0 for i, o in enumerate(offers) if o.bid == bid}
                rows.append((row, 0.0, float(problem.max_lots_per_bid)))
    matrix = lil_array((len(rows), size))
    for r, (row, _, _) in enumerate(rows):
        for column, value in row.items():
            matrix[r, column] = value
    return LinearConstraint(matrix.tocsr(), [low for _, low, _ in rows], [high for _, _, high in rows])


def _solution(
    offers: list[Offer], lots: list[Hashable], x: np.ndarray, *, optimal: bool, gap: float | None, integer_model: bool
) -> Solution:
    n = len(offers)
    awards: dict[tuple[Hashable, Hashable], float] = {}
    for i, offer in enumerate(offers):
        if x[i] > _ZERO:
            awards[(offer.bid, offer.lot)] = awards.get((offer.bid, offer.lot), 0.0) + float(x[i])
    shortfall = {lot: float(x[n + j]) for j, lot in enumerate(lots) if x[n + j] > _ZERO}
    return Solution(
        awards=awards,
        shortfall=shortfall,
        cost=float(sum(offers[i].price * x[i] for i in range(n))),
        optimal=optimal,
        gap=None if gap is None else float(gap),
        integer_model=integer_model,
    )
