"""tsquery text simplified: repetitions and absorbed operands go, nothing that decides a match does.

That PostgreSQL matches the simplified queries exactly as the originals is checked against the
database in `tests/integration/search/test_postgres_understood.py`.
"""

from __future__ import annotations

import pytest

from search.engines.tsquery import alternatives, simplified


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # What the vocabulary's terms for honey parse to, many languages at once.
        ("('med' | 'med') | ('bic' & 'med' | 'medu')", "'med' | 'medu'"),
        ("((('honey') | ('honey':*)))", "'honey':*"),
        ("'ho':* | 'honey' | 'hon':*", "'ho':*"),
        ("'a' | 'a' & 'b' | 'b' & 'c'", "'a' | 'b' & 'c'"),
        ("'a' & ('a' | 'b') & ('c' | 'd')", "'a' & ( 'c' | 'd' )"),
        ("'ab':* & 'abc'", "'abc'"),
        # Nothing else is implied: a prefix does not cover what it does not begin, nor a weighted one.
        ("'ab':* & ('abc' | 'x')", "'ab':* & ( 'abc' | 'x' )"),
        ("'ab':*A | 'abc'", "'ab':*A | 'abc'"),
        ("'hone' | 'honey':*", "'hone' | 'honey':*"),
        # Negations and phrases are kept as they are.
        ("!'b' & 'c' <-> 'd' | 'e':A", "!'b' & ( 'c' <-> 'd' ) | 'e':A"),
        ("( 'a' | 'b' ) & 'c' <2> 'd'", "( 'a' | 'b' ) & ( 'c' <2> 'd' )"),
        ("'it''s' | 'it''s'", "'it''s'"),
        ("'a\\b' | 'a\\b' & 'c'", "'a\\b'"),
        ("", ""),
    ],
)
def test_simplified_keeps_what_decides_a_match(query: str, expected: str) -> None:
    assert simplified(query) == expected


def test_alternatives_are_the_top_level_either() -> None:
    assert alternatives("'med' | 'honey':* & 'x' | ( 'a' <-> 'b' )") == ["'med'", "'honey':* & 'x'", "( 'a' <-> 'b' )"]
    assert alternatives("'a' & ( 'b' | 'c' )") == ["'a' & ( 'b' | 'c' )"]
    assert alternatives("") == []


def test_text_it_cannot_read_is_left_as_it_is() -> None:
    assert simplified("'a' & ( 'b'") == "'a' & ( 'b'"
    assert alternatives("'a' & ( 'b'") == ["'a' & ( 'b'"]
