"""Numbers typed on the pages are read in the reader's language: a thousands separator is never taken
for a decimal mark (a pool commitment of "1.500" kg in German was once read as 1.5)."""

from __future__ import annotations

from decimal import Decimal

import babel
import pytest

from kernel.numbers import parse_number, read_number


@pytest.mark.parametrize(
    ("typed", "language", "read"),
    [
        ("1.500", "de", "1500"),
        ("1,500", "en", "1500"),
        ("2,5", "de", "2.5"),
        ("40,5", "pl", "40.5"),
        ("1 000,25", "pl", "1000.25"),
        ("2.5", "de", "2.5"),  # a point with one decimal is no thousands separator
        ("12", "cs", "12"),
        ("a dozen", "en", "a dozen"),  # left for the service to name
    ],
)
def test_a_typed_number_is_read_the_readers_way(typed: str, language: str, read: str) -> None:
    assert read_number(typed, babel.Locale.parse(language)) == read


def test_what_is_no_number_parses_to_none() -> None:
    assert parse_number("zwölf", babel.Locale.parse("de")) is None
    assert parse_number("1.500", babel.Locale.parse("de")) == Decimal(1500)
