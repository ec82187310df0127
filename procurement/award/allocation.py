"""Allocation: who of a lot's buyers receives which supplier's awarded units (pure: no I/O).

The rule, per lot, applied separately to each *segment* of buyers who stated the same
maximum unit price (or none), with the units the award sent to that segment:

1. Enough units: every buyer receives their whole commitment.
2. Too few: the shortfall is shared pro rata to the commitments. Each buyer first gets the
   whole units of their exact share (rounded down); the units left over go one at a time
   to the largest remainders (ties: the earlier commitment), and a last fraction of a unit
   to the next in that order.
3. Then buyers, earliest commitment first, are filled from the cheapest awarded units first
   (ties: the supplier ranked first in evaluation), so each buyer's units come from as few
   suppliers as possible and an early commitment is rewarded with the best price.

The same inputs always give the same allocation.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

_ONE = Decimal(1)


@dataclass(frozen=True)
class Claim:
    """A buyer's commitment at the lot's delivery point, in commitment order."""

    commitment_id: uuid.UUID
    quantity: Decimal


@dataclass(frozen=True)
class Supply:
    """Units awarded to one bid for one segment."""

    bid: Hashable
    units: Decimal
    price: int
    """Unit price paid (tender currency, minor units): cheapest first."""
    rank: int
    """The offer's rank in the evaluation (lower: ranked earlier): breaks ties of price."""


@dataclass(frozen=True)
class Share:
    commitment_id: uuid.UUID
    bid: Hashable
    quantity: Decimal


def allocate(claims: Sequence[Claim], supplies: Sequence[Supply]) -> list[Share]:
    """Split one segment's awarded `supplies` among its `claims` by the rule above."""
    filled = _fill(claims, sum((s.units for s in supplies), Decimal(0)))
    cheapest_first = sorted(supplies, key=lambda s: (s.price, s.rank))
    left = [supply.units for supply in cheapest_first]
    shares: list[Share] = []
    at = 0
    for claim in claims:
        wanted = filled[claim.commitment_id]
        while wanted > 0 and at < len(left):
            take = min(wanted, left[at])
            shares.append(Share(commitment_id=claim.commitment_id, bid=cheapest_first[at].bid, quantity=take))
            wanted -= take
            left[at] -= take
            if left[at] == 0:
                at += 1
    return shares


def _fill(claims: Sequence[Claim], supply: Decimal) -> dict[uuid.UUID, Decimal]:
    """How much of each claim is filled: all of them when `supply` suffices, else pro rata."""
    wanted = sum((c.quantity for c in claims), Decimal(0))
    if supply >= wanted:
        return {c.commitment_id: c.quantity for c in claims}
    exact = {c.commitment_id: c.quantity * supply / wanted for c in claims}
    filled = {key: value.to_integral_value(rounding=ROUND_FLOOR) for key, value in exact.items()}
    left = supply - sum(filled.values(), Decimal(0))
    order = sorted(range(len(claims)), key=lambda i: (-(exact[claims[i].commitment_id] % _ONE), i))
    while left > 0:
        progressed = False
        for i in order:
            claim = claims[i]
            give = min(_ONE, left, claim.quantity - filled[claim.commitment_id])
            if give > 0:
                filled[claim.commitment_id] += give
                left -= give
                progressed = True
            if left == 0:
                break
        if not progressed:  # cannot happen while supply < wanted; guards the loop
            break
    return filled
