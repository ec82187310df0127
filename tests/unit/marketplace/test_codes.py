"""Validation and normalisation of country, subdivision, currency and language codes."""

from __future__ import annotations

import pytest

from kernel import codes
from kernel.errors import InvalidInput


@pytest.mark.parametrize(("value", "expected"), [("fr", "FR"), (" de ", "DE"), ("PL", "PL")])
def test_country_is_upper_cased_when_known(value: str, expected: str) -> None:
    assert codes.country(value) == expected


@pytest.mark.parametrize("value", ["ZZ", "XK1", "F", "", "FRA"])
def test_country_is_invalid_naming_the_field_when_unknown(value: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        codes.country(value, "seller_country")
    assert raised.value.errors[0].field == "$.seller_country"


@pytest.mark.parametrize(("value", "expected"), [("fr-57", "FR-57"), ("pl-02", "PL-02"), ("DE-SN", "DE-SN")])
def test_subdivision_is_upper_cased_when_known(value: str, expected: str) -> None:
    assert codes.subdivision(value) == expected


def test_subdivision_is_invalid_naming_the_field_when_unknown() -> None:
    with pytest.raises(InvalidInput) as raised:
        codes.subdivision("FR-999", "region")
    assert raised.value.errors[0].field == "$.region"


def test_subdivision_is_invalid_when_in_another_country() -> None:
    with pytest.raises(InvalidInput, match="not in country DE") as raised:
        codes.subdivision("PL-02", "region", country_code="DE")
    assert raised.value.errors[0].field == "$.region"


@pytest.mark.parametrize(("value", "expected"), [("fr", "FR"), ("fr-57", "FR-57")])
def test_jurisdiction_accepts_a_country_or_a_subdivision(value: str, expected: str) -> None:
    assert codes.jurisdiction(value) == expected
    assert codes.jurisdiction_country(expected) == "FR"


@pytest.mark.parametrize(("value", "expected"), [("eur", "EUR"), (" pln ", "PLN"), ("JPY", "JPY")])
def test_currency_is_upper_cased_when_known(value: str, expected: str) -> None:
    assert codes.currency(value) == expected


@pytest.mark.parametrize("value", ["EURO", "ABC", "", "E"])
def test_currency_is_invalid_naming_the_field_when_unknown(value: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        codes.currency(value, "price.currency")
    assert raised.value.errors[0].field == "$.price.currency"


@pytest.mark.parametrize(("code", "exponent"), [("EUR", 2), ("JPY", 0), ("BHD", 3), ("PLN", 2)])
def test_currency_exponent_is_the_number_of_minor_unit_digits(code: str, exponent: int) -> None:
    assert codes.currency_exponent(code) == exponent


@pytest.mark.parametrize(
    ("value", "expected"), [("pt-br", "pt-BR"), ("DE", "de"), ("sr-latn", "sr-Latn"), ("en-gb", "en-GB"), ("ger", "de")]
)
def test_language_is_put_in_canonical_form_when_registered(value: str, expected: str) -> None:
    assert codes.language(value) == expected


@pytest.mark.parametrize("value", ["xx-QQ", "und", "not a tag", "", "12"])
def test_language_is_invalid_naming_the_field_when_unknown_or_malformed(value: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        codes.language(value, "preferred_language")
    assert raised.value.errors[0].field == "$.preferred_language"


def test_languages_are_deduplicated_and_errors_name_the_position() -> None:
    assert codes.languages(["de", "DE", "pl"]) == ["de", "pl"]
    with pytest.raises(InvalidInput) as raised:
        codes.languages(["de", "xx-QQ"], "languages")
    assert raised.value.errors[0].field == "$.languages[1]"


@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU", "BOV"])
def test_fund_metal_and_test_codes_are_not_currencies_to_price_in(code: str) -> None:
    with pytest.raises(InvalidInput, match="not a currency to price goods in"):
        codes.currency(code, "default_currency")


def test_real_currencies_with_x_codes_are_accepted() -> None:
    assert [codes.currency(c) for c in ("XAF", "XOF", "XCD")] == ["XAF", "XOF", "XCD"]
