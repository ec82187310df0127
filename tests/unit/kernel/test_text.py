"""Names and titles without hidden characters; CSV cells a spreadsheet shows as text (pure: no database)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kernel.errors import InvalidInput
from kernel.text import FORMULA_STARTS, clean, for_spreadsheet, from_spreadsheet


@pytest.mark.parametrize(
    "name",
    [
        "Zioła\u202eexe.txt",  # RIGHT-TO-LEFT OVERRIDE: shows as "Zioła" + "txt.exe"
        "Zio\u200bła",  # ZERO WIDTH SPACE: looks like "Zioła", is another name
        "Zio\u200dła",  # ZERO WIDTH JOINER
        "\ufeffZioła",  # BYTE ORDER MARK
        "Zioła\x00",
        "Zioła\nZielińska",
        "Zioła\u2028Zielińska",  # LINE SEPARATOR
    ],
)
def test_a_name_is_refused_naming_the_field_when_it_hides_a_character(name: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        clean(name, "legal_name")
    [error] = refused.value.errors
    assert error.field == "$.legal_name"
    assert error.message.startswith("must not contain control or invisible characters (it has U+")


def test_a_name_in_any_script_is_kept_trimmed() -> None:
    assert clean("  Zioła Zielińska  ", "legal_name") == "Zioła Zielińska"
    assert clean("Görlitzer Bäckerei & Söhne", "legal_name") == "Görlitzer Bäckerei & Söhne"
    assert clean("Пекарня «Хліб»", "legal_name") == "Пекарня «Хліб»"


@pytest.mark.parametrize(
    "cell", ['=HYPERLINK("https://evil.example","Zioła")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\rx"]
)
def test_a_formula_is_written_as_text_and_read_back_as_it_was(cell: str) -> None:
    written = for_spreadsheet(cell)
    assert written == "'" + cell
    assert from_spreadsheet(written) == cell


def test_ordinary_cells_are_written_as_they_are() -> None:
    assert for_spreadsheet("Herbata miętowa 100 g") == "Herbata miętowa 100 g"
    assert for_spreadsheet("1:48.00|20:44.00") == "1:48.00|20:44.00"
    assert from_spreadsheet("'quoted") == "'quoted"


@given(st.text())
def test_any_text_survives_the_spreadsheet_and_never_starts_a_formula(cell: str) -> None:
    written = for_spreadsheet(cell)
    assert not written.startswith(FORMULA_STARTS)
    assert from_spreadsheet(written) == cell
