"""The names of the common classification codes: each code valid as the catalog stores it, named in
every language the service is written in, and found however a person writes it."""

from __future__ import annotations

from marketplace.catalog.classification import Scheme, normalise
from marketplace.catalog.classification_names import (
    NAME_LANGUAGES,
    NAMED_CODES,
    category_name,
    name_of,
    named_codes,
    shown_code,
)


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


def test_a_code_without_a_name_of_its_own_is_called_by_its_category_in_the_readers_language() -> None:
    # HS 0401.10 (milk of at most 1 % fat) is named by its heading, 0401; CPV cream by its group, 155.
    assert name_of("HS", "040110", "de") == category_name("HS", "0401", "de") == "Milch und Sahne"
    assert name_of("CPV", "15512000-9", "pl") == category_name("CPV", "155", "pl") == "Nabiał"
    assert category_name("HS", "04", "et-EE") == category_name("HS", "0499", "et")
    assert category_name("HS", "04", "xx") == category_name("HS", "04", "en") == "Dairy, eggs and honey"
    assert category_name("CPV", "99", "en") is None
    assert category_name("UNSPSC", "10", "en") is None


def test_every_named_category_is_named_in_every_language_of_the_vocabulary() -> None:
    languages = (
        "de",
        "pl",
        "cs",
        "sk",
        "en",
        "fr",
        "es",
        "pt",
        "it",
        "nl",
        "hu",
        "et",
        "lv",
        "lt",
        "sl",
        "hr",
        "ro",
        "uk",
    )
    english = {key: category_name(*key, "en") for key in [("HS", "04"), ("HS", "0409"), ("CPV", "15"), ("CPV", "155")]}
    for (scheme, code), name in english.items():
        named = {language: category_name(scheme, code, language) for language in languages}
        assert all(named.values()), (scheme, code)
        assert sum(n == name for n in named.values()) <= 2, f"{scheme} {code} is in English in most languages: {named}"
