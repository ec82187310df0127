"""Allocation back to buyers: whole commitments when there is enough, shortfall pro rata with
largest remainders in whole units, cheapest units to the earliest commitment."""

from __future__ import annotations

import uuid
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from procurement.award.allocation import Claim, Supply, allocate

A, B, C = (uuid.UUID(int=i) for i in (1, 2, 3))


def per_claim(shares: list, key: str = "commitment_id") -> dict:
    totals: dict = {}
    for share in shares:
        totals[getattr(share, key)] = totals.get(getattr(share, key), Decimal(0)) + share.quantity
    return totals


def test_enough_units_fill_every_commitment_and_the_earliest_gets_the_cheapest() -> None:
    claims = [Claim(A, Decimal(30)), Claim(B, Decimal(50))]
    supplies = [Supply("dear", Decimal(40), 900, 0), Supply("cheap", Decimal(40), 800, 1)]
    shares = allocate(claims, supplies)
    assert [(s.commitment_id, s.bid, s.quantity) for s in shares] == [
        (A, "cheap", Decimal(30)),
        (B, "cheap", Decimal(10)),
        (B, "dear", Decimal(40)),
    ]


def test_a_shortfall_is_shared_pro_rata_in_whole_units_by_largest_remainder() -> None:
    # 7, 7 and 6 wanted (20), 10 supplied: exact shares 3.5, 3.5 and 3.
    claims = [Claim(A, Decimal(7)), Claim(B, Decimal(7)), Claim(C, Decimal(6))]
    filled = per_claim(allocate(claims, [Supply("x", Decimal(10), 500, 0)]))
    # 3 + 3 + 3 whole units, one left: remainders .5, .5, 0 — the earlier commitment (A) wins the tie.
    assert filled == {A: Decimal(4), B: Decimal(3), C: Decimal(3)}


def test_a_fraction_of_a_unit_left_over_goes_to_the_next_largest_remainder() -> None:
    claims = [Claim(A, Decimal(10)), Claim(B, Decimal(10))]
    filled = per_claim(allocate(claims, [Supply("x", Decimal("12.5"), 500, 0)]))
    assert filled == {A: Decimal("6.5"), B: Decimal(6)}


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(1, 50), min_size=1, max_size=6),
    st.lists(st.tuples(st.integers(1, 40), st.integers(100, 120)), min_size=1, max_size=4),
)
def test_every_unit_goes_to_someone_and_no_buyer_gets_more_than_committed(
    wanted: list[int], offered: list[tuple[int, int]]
) -> None:
    claims = [Claim(uuid.UUID(int=i + 1), Decimal(q)) for i, q in enumerate(wanted)]
    total_wanted = sum(wanted)
    # The award never sends a segment more than it wants.
    supplies, room = [], total_wanted
    for i, (offered_units, price) in enumerate(offered):
        units = min(offered_units, room)
        room -= units
        if units:
            supplies.append(Supply(f"bid{i}", Decimal(units), price, i))
    shares = allocate(claims, supplies)
    filled = per_claim(shares)
    assert sum(filled.values()) == sum(s.units for s in supplies)
    assert all(filled.get(c.commitment_id, 0) <= c.quantity for c in claims)
    by_bid = per_claim(shares, "bid")
    assert all(by_bid.get(s.bid, 0) == s.units for s in supplies)
    # Pro rata: no buyer is more than one unit away from their exact share.
    supplied = sum(s.units for s in supplies)
    for claim in claims:
        exact = claim.quantity * supplied / total_wanted
        assert abs(filled.get(claim.commitment_id, Decimal(0)) - exact) < 1
