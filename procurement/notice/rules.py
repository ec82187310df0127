"""Which producers a tender alerts (pure: no I/O).

The rule, as e-procurement portals alert suppliers by classification: a producer admitted to the
tender's hub is alerted when it has an active listing
- in the tender's classification scheme, whose code shares the tender's *family*: for CPV the
  category (the first five digits: `03142` for honey `03142100-9`, shared with the hub's other
  bee and animal products), or all the significant digits of a more general tender code
  (`03200000-3` → `032`); for HS the heading (four digits: `0406` cheese); and
- that ships into at least one of the tender's delivery jurisdictions (a lot it could deliver).

Credentials are not a reason to alert (they say what a producer may sell, not what it sells);
the alert names the credentials the tender requires, and whether a producer holds them is checked
when it bids.
"""

from __future__ import annotations

from collections.abc import Iterable

from kernel import codes

#: Digits of a CPV code's category (division 2, group 3, class 4, category 5).
CPV_CATEGORY = 5
#: Digits of an HS heading.
HS_HEADING = 4
#: A CPV division: the least a CPV prefix keeps.
CPV_DIVISION = 2
#: A CPV code's digits before its check digit.
CPV_DIGITS = 8


def family_prefix(scheme: str, code: str) -> str:
    """The digits a listing's code must begin with to be of the tender's family (see the rule)."""
    digits = "".join(ch for ch in code if ch.isdigit())
    if scheme == "CPV":
        significant = digits[:CPV_DIGITS].rstrip("0")
        return digits[: max(CPV_DIVISION, min(CPV_CATEGORY, len(significant)))]
    return digits[:HS_HEADING]


def ships_into(ships_to: Iterable[str], jurisdictions: Iterable[str]) -> bool:
    """Whether goods shipped to `ships_to` reach one of `jurisdictions` (a country covers its subdivisions)."""
    places = list(jurisdictions)
    return any(codes.jurisdiction_covers(area, place) for area in ships_to for place in places)
