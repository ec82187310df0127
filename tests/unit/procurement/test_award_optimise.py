"""The award optimiser leaves as few units short as the terms allow and, among such awards, finds
the least-cost one: equal to an exhaustive search on small instances, and right on hand-checked
examples of split awards, capacity, share caps, minimum awards, lot limits, margins and infeasible lots."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from procurement.award.optimise import Offer, Problem, Solution, binding_terms, optimise, unfillable


def exhaustive_best(problem: Problem) -> tuple[float, float]:
    """The least (shortfall, cost), in that order, over every whole-unit award that keeps the rules."""
    offers = list(problem.offers)
    ranges = []
    for o in offers:
        demand = problem.demand[o.lot]
        cap = min(o.capacity, demand, demand * (problem.max_share or 1))
        ranges.append(range(int(cap + 1e-9) + 1))
    best = (float("inf"), float("inf"))
    for x in itertools.product(*ranges):
        if keeps_the_rules(problem, offers, x):
            shortfall = sum(problem.demand.values()) - sum(x)
            cost = sum(o.price * q for o, q in zip(offers, x, strict=True))
            best = min(best, (shortfall, cost))
    return best


def keeps_the_rules(problem: Problem, offers: list[Offer], x: tuple[int, ...]) -> bool:
    """Lot quantities, minimum award, bids' total capacities, lots per bid and buyers' maximum prices
    (each offer's capacity and share cap bound its range in `x`)."""
    awarded = dict.fromkeys(problem.demand, 0)
    per_bid: dict[object, int] = {}
    lots_won: dict[object, int] = {}
    for o, q in zip(offers, x, strict=True):
        awarded[o.lot] += q
        per_bid[o.bid] = per_bid.get(o.bid, 0) + q
        if q > 0:
            lots_won[o.bid] = lots_won.get(o.bid, 0) + 1
            if problem.min_award is not None and q < problem.min_award:
                return False
    return (
        all(awarded[lot] <= problem.demand[lot] for lot in problem.demand)
        and all(per_bid.get(b, 0) <= c for b, c in problem.bid_capacity.items())
        and (problem.max_lots_per_bid is None or all(n <= problem.max_lots_per_bid for n in lots_won.values()))
        and within_price_limits(problem, offers, x)
    )


def within_price_limits(problem: Problem, offers: list[Offer], x: tuple[int, ...]) -> bool:
    """Whether buyers' maximum prices let every awarded unit find a buyer. A unit at price p may go
    only to units wanted at p or more, so (Hall's condition, the sets being nested) for every p the
    units awarded at p or more must not exceed the units wanted at p or more."""
    for lot, demand in problem.demand.items():
        limits = problem.price_limits.get(lot, {})
        for offer in offers:
            p = offer.paid
            awarded = sum(q for o, q in zip(offers, x, strict=True) if o.lot == lot and o.paid >= p)
            wanted = demand - sum(units for cap, units in limits.items() if cap < p)
            if awarded > wanted:
                return False
    return True


@st.composite
def small_problems(draw: st.DrawFn) -> Problem:
    """Up to three lots and five offers, with every term that ties offers together: a minimum award
    (up to most of a lot, so a cheap offer just short of it must give way to a dearer full one), a
    share cap, one or two lots per bid, bids' total capacities, buyers' maximum prices, and prices
    far apart (so no penalty per missing unit could stand in for "fewest units short first")."""
    lots = [f"lot{i}" for i in range(draw(st.integers(1, 3)))]
    bids = [f"bid{i}" for i in range(draw(st.integers(1, 3)))]
    pairs = draw(
        st.lists(st.sampled_from([(b, lot) for b in bids for lot in lots]), min_size=1, max_size=5, unique=True)
    )
    offers = []
    for b, lot in pairs:
        paid = float(draw(st.sampled_from([1, 2, 5, 11, 12, 20, 90, 100])))
        # A preference margin makes the evaluated price lower than the price paid.
        price = paid - draw(st.sampled_from([0.0, 0.5, 2.0]))
        offers.append(Offer(bid=b, lot=lot, price=price, unit_price=paid, capacity=float(draw(st.integers(1, 4)))))
    demand = {lot: float(draw(st.integers(1, 4))) for lot in lots}
    price_limits = {}
    for lot in lots:
        if draw(st.booleans()):  # some of the lot's buyers will not pay more than a cap
            price_limits[lot] = {float(draw(st.integers(1, 20))): float(draw(st.integers(1, int(demand[lot]))))}
    max_share = draw(st.sampled_from([None, 0.5, 1.0]))
    min_award = draw(st.sampled_from([None, 2.0, 3.0]))
    max_lots_per_bid = draw(st.sampled_from([None, 1, 2]))
    # Without integers in the model it is a linear programme (solved fractional), whose optimum is
    # whole when every bound is: comparable with the whole-unit search.
    linear = min_award is None and max_lots_per_bid is None and max_share is None
    return Problem(
        demand=demand,
        offers=offers,
        price_limits=price_limits,
        bid_capacity={b: float(draw(st.integers(1, 6))) for b in draw(st.sets(st.sampled_from(bids)))},
        max_share=max_share,
        min_award=min_award,
        max_lots_per_bid=max_lots_per_bid,
        integral=not (linear and draw(st.booleans())),
    )


def assert_keeps_the_rules(problem: Problem, solution: Solution) -> None:
    lots_won: dict[object, int] = {}
    per_bid: dict[object, float] = {}
    for (bid, lot), units in solution.awards.items():
        offer = next(o for o in problem.offers if o.bid == bid and o.lot == lot)
        assert units <= offer.capacity
        assert problem.min_award is None or units >= problem.min_award
        assert problem.max_share is None or units <= problem.max_share * problem.demand[lot] + 1e-9
        lots_won[bid] = lots_won.get(bid, 0) + 1
        per_bid[bid] = per_bid.get(bid, 0.0) + units
    assert problem.max_lots_per_bid is None or all(n <= problem.max_lots_per_bid for n in lots_won.values())
    assert all(per_bid.get(b, 0.0) <= c + 1e-9 for b, c in problem.bid_capacity.items())
    for lot, demand in problem.demand.items():
        awarded = sum(u for (_, awarded_lot), u in solution.awards.items() if awarded_lot == lot)
        assert abs(awarded + solution.shortfall.get(lot, 0.0) - demand) < 1e-9
    # Every flow into a capped segment is priced within the cap.
    for bid, lot, cap in solution.flows:
        offer = next(o for o in problem.offers if o.bid == bid and o.lot == lot)
        assert cap is None or offer.paid <= cap


@settings(max_examples=400, deadline=None)
@given(small_problems())
def test_the_award_leaves_as_few_units_short_and_costs_as_little_as_an_exhaustive_search_finds(
    problem: Problem,
) -> None:
    solution = optimise(problem)
    assert solution.optimal
    assert solution.least_shortfall
    least_shortfall, least_cost = exhaustive_best(problem)
    assert abs(sum(solution.shortfall.values()) - least_shortfall) < 1e-9
    assert abs(solution.cost - least_cost) < 1e-6
    assert_keeps_the_rules(problem, solution)
    # What no offer could take even without the terms is part of that shortfall, never more.
    unfilled = unfillable(problem)
    assert unfilled is not None
    for lot, units in unfilled.items():
        assert units <= solution.shortfall.get(lot, 0.0) + 1e-9


def test_a_dearer_offer_that_fills_the_lot_beats_a_cheaper_one_just_short_of_it() -> None:
    # 40 pieces, at least 30 to a winner: A (11.00) offers 39, B (12.00) all 40. A with 39 would leave
    # one piece short, and nobody may take one piece: B's 40 fill the lot, so B wins it all.
    offers = [
        Offer(bid="A", lot="l", price=1100.0, capacity=39.0),
        Offer(bid="B", lot="l", price=1200.0, capacity=40.0),
    ]
    solution = optimise(Problem(demand={"l": 40.0}, offers=offers, min_award=30.0, integral=True))
    assert solution.awards == {("B", "l"): 40.0}
    assert solution.shortfall == {}
    assert solution.cost == 40 * 1200


def test_every_lot_is_filled_when_one_supplier_per_lot_can_fill_them_all() -> None:
    # Three lots of 10, one lot per supplier. Y and Z are cheap on lots 1 and 2, but only
    # W -> 1, Y -> 2, Z -> 3 fills every lot: that is the award, however much dearer.
    offers = [
        Offer(bid="W", lot=1, price=900.0, capacity=10.0),
        Offer(bid="Y", lot=1, price=100.0, capacity=10.0),
        Offer(bid="Y", lot=2, price=900.0, capacity=10.0),
        Offer(bid="Z", lot=2, price=100.0, capacity=10.0),
        Offer(bid="Z", lot=3, price=900.0, capacity=10.0),
    ]
    problem = Problem(demand={1: 10.0, 2: 10.0, 3: 10.0}, offers=offers, max_lots_per_bid=1, integral=True)
    solution = optimise(problem)
    assert solution.awards == {("W", 1): 10.0, ("Y", 2): 10.0, ("Z", 3): 10.0}
    assert solution.shortfall == {}


def test_units_short_for_want_of_offers_are_told_apart_from_units_the_terms_leave_short() -> None:
    # Lot 1 (50): one offer of 200 but at most 70 % to one supplier -> 15 short, the share cap's doing.
    # Lot 2 (30): the only offer is for 20 -> 10 short that no offer could take, whatever the terms.
    offers = [Offer(bid="a", lot="1", price=5.0, capacity=200.0), Offer(bid="a", lot="2", price=5.0, capacity=20.0)]
    problem = Problem(demand={"1": 50.0, "2": 30.0}, offers=offers, max_share=0.7)
    assert optimise(problem).shortfall == {"1": 15.0, "2": 10.0}
    assert unfillable(problem) == {"2": 10.0}
    assert binding_terms(problem, 25.0) == ["max_share"]


def test_the_terms_that_leave_units_short_are_named() -> None:
    # Three lots of 10, one lot per supplier, and two suppliers: one lot stays short, though each
    # has an offer. Only the lot limit does it; the minimum award of 5 and the bids' total
    # capacities (20) leave nothing short by themselves.
    offers = [
        Offer(bid="Y", lot=1, price=1.0, capacity=10.0),
        Offer(bid="Y", lot=2, price=1.0, capacity=10.0),
        Offer(bid="Z", lot=2, price=1.0, capacity=10.0),
        Offer(bid="Z", lot=3, price=1.0, capacity=10.0),
    ]
    problem = Problem(
        demand={1: 10.0, 2: 10.0, 3: 10.0},
        offers=offers,
        max_lots_per_bid=1,
        min_award=5.0,
        bid_capacity={"Y": 20.0, "Z": 20.0},
        integral=True,
    )
    assert sum(optimise(problem).shortfall.values()) == 10.0
    assert unfillable(problem) == {}
    assert binding_terms(problem, 10.0) == ["max_lots_per_bid"]
    # Two lots of 10 and one supplier offering 10 on each, with a total capacity of 12 and a minimum
    # award of 5: 8 short. Without the capacity 0 would be; without the minimum award, still 8.
    capped = Problem(
        demand={1: 10.0, 2: 10.0},
        offers=[Offer(bid="Y", lot=1, price=1.0, capacity=10.0), Offer(bid="Y", lot=2, price=1.0, capacity=10.0)],
        min_award=5.0,
        bid_capacity={"Y": 12.0},
        integral=True,
    )
    assert sum(optimise(capped).shortfall.values()) == 8.0
    assert binding_terms(capped, 8.0) == ["bid_capacity"]


def test_a_lot_is_split_when_the_cheapest_supplier_cannot_deliver_it_all() -> None:
    solution = optimise(
        Problem(
            demand={"görlitz": 100.0},
            offers=[
                Offer(bid="apiary", lot="görlitz", price=9.0, capacity=60.0),
                Offer(bid="coop", lot="görlitz", price=10.0, capacity=100.0),
            ],
        )
    )
    assert solution.awards == {("apiary", "görlitz"): 60.0, ("coop", "görlitz"): 40.0}
    assert solution.cost == 9 * 60 + 10 * 40
    assert solution.shortfall == {}


def test_a_share_cap_spreads_a_lot_even_over_a_dearer_supplier() -> None:
    offers = [Offer(bid="a", lot="l", price=5.0, capacity=100.0), Offer(bid="b", lot="l", price=7.0, capacity=100.0)]
    solution = optimise(Problem(demand={"l": 100.0}, offers=offers, max_share=0.7))
    assert solution.awards == {("a", "l"): 70.0, ("b", "l"): 30.0}


def test_a_bids_total_capacity_sends_it_where_it_saves_most() -> None:
    # "a" is cheaper on both lots but can deliver 50 in all: it should take lot 2, where it saves 4 a unit, not 1.
    offers = [
        Offer(bid="a", lot="1", price=9.0, capacity=50.0),
        Offer(bid="a", lot="2", price=6.0, capacity=50.0),
        Offer(bid="b", lot="1", price=10.0, capacity=50.0),
        Offer(bid="b", lot="2", price=10.0, capacity=50.0),
    ]
    solution = optimise(Problem(demand={"1": 50.0, "2": 50.0}, offers=offers, bid_capacity={"a": 50.0}))
    assert solution.awards == {("a", "2"): 50.0, ("b", "1"): 50.0}


def test_a_preference_margin_can_change_the_winner() -> None:
    # A women-led cooperative bids 10.50; with a 10 % margin it is evaluated at 9.45, below the rival's 10.00.
    def offers(margin: float) -> list[Offer]:
        return [
            Offer(bid="coop", lot="l", price=10.50 * (1 - margin), capacity=100.0),
            Offer(bid="rival", lot="l", price=10.00, capacity=100.0),
        ]

    assert set(optimise(Problem(demand={"l": 80.0}, offers=offers(0.0))).awards) == {("rival", "l")}
    assert set(optimise(Problem(demand={"l": 80.0}, offers=offers(0.10))).awards) == {("coop", "l")}


def test_a_lot_no_offer_can_fill_is_reported_short_not_refused() -> None:
    offers = [Offer(bid="a", lot="1", price=5.0, capacity=30.0)]
    solution = optimise(Problem(demand={"1": 50.0, "2": 20.0}, offers=offers))
    assert solution.awards == {("a", "1"): 30.0}
    assert solution.shortfall == {"1": 20.0, "2": 20.0}
    assert {type(units) for units in [*solution.shortfall.values(), *solution.awards.values()]} == {float}
    assert solution.optimal


def test_minimum_awards_and_lot_limits_make_it_an_integer_model() -> None:
    offers = [
        Offer(bid="a", lot="1", price=5.0, capacity=100.0),
        Offer(bid="a", lot="2", price=5.0, capacity=100.0),
        Offer(bid="b", lot="1", price=6.0, capacity=100.0),
        Offer(bid="b", lot="2", price=8.0, capacity=100.0),
    ]
    solution = optimise(Problem(demand={"1": 40.0, "2": 40.0}, offers=offers, max_lots_per_bid=1))
    assert solution.integer_model
    # "a" may win one lot only: lot 2, where the alternative is dearer.
    assert solution.awards == {("a", "2"): 40.0, ("b", "1"): 40.0}
    # A minimum award larger than what is left over keeps a supplier out rather than giving it crumbs.
    capped = [Offer(bid="a", lot="1", price=5.0, capacity=35.0), Offer(bid="b", lot="1", price=6.0, capacity=100.0)]
    solution = optimise(Problem(demand={"1": 40.0}, offers=capped, min_award=10.0))
    assert solution.awards == {("a", "1"): 30.0, ("b", "1"): 10.0}


def test_equal_prices_go_to_the_lower_rank_every_time() -> None:
    offers = [
        Offer(bid="late", lot="l", price=5.0, capacity=100.0, rank=1),
        Offer(bid="early", lot="l", price=5.0, capacity=100.0, rank=0),
    ]
    for _ in range(3):
        assert optimise(Problem(demand={"l": 60.0}, offers=offers)).awards == {("early", "l"): 60.0}


def test_a_buyers_maximum_price_sends_the_dearer_units_to_buyers_without_one() -> None:
    # 100 kg wanted, 40 of them by a buyer paying at most 9.00. The cheap supplier (8.00) has only 50.
    offers = [
        Offer(bid="cheap", lot="l", price=8.0, capacity=50.0),
        Offer(bid="dear", lot="l", price=10.0, capacity=100.0),
    ]
    solution = optimise(Problem(demand={"l": 100.0}, offers=offers, price_limits={"l": {9.0: 40.0}}))
    assert solution.awards == {("cheap", "l"): 50.0, ("dear", "l"): 50.0}
    assert solution.flows == {("cheap", "l", 9.0): 40.0, ("cheap", "l", None): 10.0, ("dear", "l", None): 50.0}
    # With only 30 kg at 8.00 the capped buyer's other 10 kg cannot be bought: short, not overpriced.
    offers[0] = Offer(bid="cheap", lot="l", price=8.0, capacity=30.0)
    solution = optimise(Problem(demand={"l": 100.0}, offers=offers, price_limits={"l": {9.0: 40.0}}))
    assert solution.awards == {("cheap", "l"): 30.0, ("dear", "l"): 60.0}
    assert solution.shortfall == {"l": 10.0}


def test_the_time_limit_returns_the_best_award_found_flagged_not_optimal() -> None:
    # A MILP (lot limits) big enough that HiGHS cannot prove optimality in a millisecond.
    rng = random.Random(7)  # noqa: S311 - reproducible test data, not secrets
    lots = [f"lot{i}" for i in range(60)]
    offers = [
        Offer(bid=f"bid{b}", lot=lot, price=float(rng.randint(500, 900)), capacity=float(rng.randint(10, 60)))
        for b in range(80)
        for lot in rng.sample(lots, 20)
    ]
    problem = Problem(
        demand=dict.fromkeys(lots, 100.0), offers=offers, max_lots_per_bid=3, min_award=5.0, time_limit=0.001
    )
    solution = optimise(problem)
    assert not solution.optimal
    assert "stopped at the time limit" in solution.describe()
    if solution.awards:  # the best found so far, keeping the rules, and how far from optimal it may be when known
        assert solution.gap is None or solution.gap > 0
        assert all(units >= 5.0 for units in solution.awards.values())
    else:  # stopped before a first solution: nothing awarded, every unit reported short
        assert (solution.gap, solution.least_shortfall) == (None, False)
        assert sum(solution.shortfall.values()) == 6000.0


def test_a_fractional_award_never_rounds_above_a_cap_and_still_adds_up() -> None:
    # 60 % of 123.457 kg is 74.0742: the award keeps three decimals, rounded down, and the
    # thousandth it drops is reported short rather than given beyond the share cap.
    offers = [Offer(bid="a", lot="l", price=5.0, capacity=500.0), Offer(bid="b", lot="l", price=6.0, capacity=500.0)]
    solution = optimise(Problem(demand={"l": 123.457}, offers=offers, max_share=0.6))
    assert solution.awards[("a", "l")] == 74.074
    assert all(units <= 0.6 * 123.457 for units in solution.awards.values())
    assert abs(sum(solution.awards.values()) + solution.shortfall.get("l", 0.0) - 123.457) < 1e-9


def test_splits_off_the_thousandths_grid_still_fill_every_segment() -> None:
    # Integer demands and capacities, prices a minor unit apart, bid capacities and a share cap:
    # HiGHS splits some segments between offers off the grid (379.5735 + 266.4265). Rounded to
    # thousandths the award still fills every lot, with no thousandth lost to rounding.
    rng = random.Random(3)  # noqa: S311 - reproducible test data, not secrets
    lots = [f"lot{i}" for i in range(30)]
    demand = {lot: float(sum(rng.randint(5, 50) for _ in range(rng.randint(20, 40)))) for lot in lots}
    offers = [
        Offer(
            bid=f"bid{b}", lot=lot, price=float(rng.randint(1000, 1120)), capacity=float(rng.randint(100, 600)), rank=b
        )
        for b in range(30)
        for lot in rng.sample(lots, 30)
    ]
    problem = Problem(
        demand=demand,
        offers=offers,
        price_limits={lot: {1040.0: float(rng.randint(5, 60))} for lot in lots},
        bid_capacity={f"bid{b}": float(rng.randint(2000, 8000)) for b in range(30)},
        max_share=0.6,
    )
    solution = optimise(problem)
    assert solution.shortfall == {}
    assert all(units == round(units, 3) for units in solution.flows.values())
    for lot, wanted in demand.items():
        assert round(sum(u for (_, awarded, _), u in solution.flows.items() if awarded == lot), 3) == wanted
