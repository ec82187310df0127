"""The PostgreSQL engine sends its statements past SQLAlchemy, numbering their `:name` parameters
as asyncpg takes them: a cast (`::regconfig`) or a character class (`[:space:]`) is not one."""

from __future__ import annotations

from search.engines.postgres import _numbered


def test_parameters_are_numbered_by_first_use_and_casts_and_character_classes_are_left_alone() -> None:
    sql = "SELECT CAST(:head AS text)::regconfig, :prefix, :head, regexp_replace(t, '[[:space:][:punct:]]+', ' ')"
    numbered, names = _numbered(sql)
    assert numbered == "SELECT CAST($1 AS text)::regconfig, $2, $1, regexp_replace(t, '[[:space:][:punct:]]+', ' ')"
    assert names == ("head", "prefix")
