"""Which producers a tender alerts: the classification family and the delivery places."""

from __future__ import annotations

import pytest

from procurement.notice.rules import family_prefix, ships_into


@pytest.mark.parametrize(
    ("scheme", "code", "prefix"),
    [
        ("CPV", "03142100-9", "03142"),  # honey: the category of bee and animal products
        ("CPV", "03142100", "03142"),  # without its check digit
        ("CPV", "03200000-3", "032"),  # a general code keeps only its significant digits
        ("CPV", "03000000-1", "03"),
        ("CPV", "10000000-1", "10"),  # never less than the division
        ("HS", "040610", "0406"),  # cheese: the heading
        ("HS", "0406", "0406"),
        ("HS", "0409000000", "0409"),
    ],
)
def test_a_tender_alerts_listings_of_its_family_when_their_codes_share_the_prefix(
    scheme: str, code: str, prefix: str
) -> None:
    assert family_prefix(scheme, code) == prefix


def test_a_listing_reaches_a_lot_when_it_ships_to_the_lot_or_to_its_whole_country() -> None:
    assert ships_into(["PL"], ["PL-02"])
    assert ships_into(["DE-SN", "CZ"], ["PL-02", "DE-SN"])
    assert not ships_into(["PL-02"], ["PL"])
    assert not ships_into(["CZ"], ["PL-02", "DE-SN"])
    assert not ships_into([], ["PL-02"])
