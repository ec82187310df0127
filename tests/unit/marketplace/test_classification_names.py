"""The names of the common classification codes: each code valid as the catalog stores it, named in
every language the service is written in, and found however a person writes it."""

from __future__ import annotations

from marketplace.catalog.classification import Scheme, normalise
from marketplace.catalog.classification_names import NAME_LANGUAGES, NAMED_CODES, name_of, named_codes, shown_code


def test_every_named_code_is_valid_as_stored_and_named_in_every_language() -> None:
    for named in NAMED_CODES:
        assert normalise(named.scheme, named.code) == named.code, named
        assert sorted(named.names) == sorted(NAME_LANGUAGES), named
        assert all(name.strip() for name in named.names.values()), named
    assert len({(named.scheme, named.code) for named in NAMED_CODES}) == len(NAMED_CODES)


def test_a_code_is_named_with_or_without_its_check_digit_or_dots_and_in_english_for_other_languages() -> None:
    assert name_of(Scheme.CPV, "03142100-9", "de") == "Honig"
    assert name_of("CPV", "03142100", "pl-PL") == "Miód naturalny"
    assert name_of("HS", "0409.00", "cs") == "Přírodní med"
    assert name_of("HS", "040900", "fr") == "Natural honey"
    assert name_of("CPV", "99999999-9", "en") is None
    assert name_of("UNSPSC", "10101501", "en") is None


def test_the_named_codes_are_listed_by_name_in_the_readers_language() -> None:
    names = [name for _, _, name in named_codes("cs")]
    assert names.index("Čaj") < names.index("Džemy") < names.index("Zelenina")
    assert shown_code(Scheme.HS, "040900") == "0409.00"
    assert shown_code(Scheme.HS, "04061030") == "0406.10.30"
    assert shown_code(Scheme.CPV, "03142100-9") == "03142100-9"
