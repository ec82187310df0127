"""Units of measure accepted on listings: UN/CEFACT Recommendation 20 codes.

The list ships with the code (Rec 20 is large and mostly irrelevant to goods
micro-enterprises trade; these are the codes in common use for goods and
services in B2B catalogs). Add codes here when producers need them. `discrete`
units (pieces, boxes, sets...) are counted in whole numbers.
"""

from __future__ import annotations

from typing import NamedTuple


class Unit(NamedTuple):
    name: str
    discrete: bool


REC20: dict[str, Unit] = {
    # count
    "H87": Unit("piece", discrete=True),
    "C62": Unit("one (unit)", discrete=True),
    "EA": Unit("each", discrete=True),
    "PR": Unit("pair", discrete=True),
    "SET": Unit("set", discrete=True),
    "DZN": Unit("dozen", discrete=True),
    "XBX": Unit("box", discrete=True),
    "XBG": Unit("bag", discrete=True),
    "XBO": Unit("bottle", discrete=True),
    "XCR": Unit("crate", discrete=True),
    "XPK": Unit("package", discrete=True),
    "XPX": Unit("pallet", discrete=True),
    "XTN": Unit("tin", discrete=True),
    "XJR": Unit("jar", discrete=True),
    "NAR": Unit("number of articles", discrete=True),
    "NPR": Unit("number of pairs", discrete=True),
    # mass
    "MGM": Unit("milligram", discrete=False),
    "GRM": Unit("gram", discrete=False),
    "KGM": Unit("kilogram", discrete=False),
    "TNE": Unit("tonne (metric ton)", discrete=False),
    # volume
    "MLT": Unit("millilitre", discrete=False),
    "CLT": Unit("centilitre", discrete=False),
    "LTR": Unit("litre", discrete=False),
    "HLT": Unit("hectolitre", discrete=False),
    "MTQ": Unit("cubic metre", discrete=False),
    # length and area
    "MMT": Unit("millimetre", discrete=False),
    "CMT": Unit("centimetre", discrete=False),
    "MTR": Unit("metre", discrete=False),
    "KMT": Unit("kilometre", discrete=False),
    "MTK": Unit("square metre", discrete=False),
    "HAR": Unit("hectare", discrete=False),
    # time (services)
    "MIN": Unit("minute", discrete=False),
    "HUR": Unit("hour", discrete=False),
    "DAY": Unit("day", discrete=False),
    "WEE": Unit("week", discrete=True),
    "MON": Unit("month", discrete=True),
    # energy
    "KWH": Unit("kilowatt hour", discrete=False),
}


def unit(code: str) -> Unit | None:
    return REC20.get(code.strip().upper())
