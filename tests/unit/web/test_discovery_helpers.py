"""What the buyer's pages make of what people type and of the engine's excerpts."""

from __future__ import annotations

from decimal import Decimal

import babel
import pytest

from kernel.numbers import parse_number
from web.discovery import marked


@pytest.mark.parametrize(
    ("typed", "language", "number"),
    [
        ("2,5", "de_DE", Decimal("2.5")),
        ("1.000", "de_DE", Decimal(1000)),  # a German thousands separator
        ("2.5", "de_DE", Decimal("2.5")),  # a decimal point is understood everywhere
        ("1 000,5", "pl", Decimal("1000.5")),
        ("1,000", "en", Decimal(1000)),
        ("", "en", None),
        ("cheap", "en", None),
        ("NaN", "en", None),
    ],
)
def test_a_number_is_read_as_people_of_the_language_write_it(typed: str, language: str, number: Decimal | None) -> None:
    assert parse_number(typed, babel.Locale.parse(language)) == number


def test_an_excerpt_keeps_only_the_engines_marks() -> None:
    shown = marked('<mark>Honig</mark> <script>alert("x")</script> & Met')
    assert str(shown) == "<mark>Honig</mark> &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Met"
