"""Registration and VAT numbers: checked with python-stdnum where it knows the scheme, kept compact."""

from __future__ import annotations

import pytest

from kernel.errors import InvalidInput
from marketplace.organization.registration import _KNOWN, registration_number, scheme_of


def refusal(scheme: str, number: str, country: str = "PL") -> str:
    with pytest.raises(InvalidInput) as raised:
        registration_number(scheme, number, country, "registration.id")
    [error] = raised.value.errors
    assert error.field == "$.registration.id"
    return error.message


@pytest.mark.parametrize(
    ("scheme", "number", "country", "kept"),
    [
        ("PL-NIP", "615-123-45-61", "PL", "6151234561"),
        ("pl-vat", "PL 615 123 45 61", "PL", "6151234561"),
        ("PL-REGON", "123456785", "PL", "123456785"),
        ("DE-USt-IdNr.", "DE 136 695 976", "DE", "136695976"),
        ("DE-HRB", "HRB 4711 Dresden", "DE", "Dresden HRB 4711"),
        ("CZ-IČO", "25123891", "CZ", "25123891"),
        ("CZ-DIČ", "CZ 25123891", "CZ", "25123891"),
        ("VAT", "DE136695976", "PL", "DE136695976"),
        ("VAT", "615-123-45-61", "PL", "PL6151234561"),
        # Any number stdnum checks for a country, by its module's name.
        ("AT-UID", "U 13585627", "AT", "U13585627"),
        ("FR-SIREN", "404 833 048", "FR", "404833048"),
    ],
)
def test_a_number_that_passes_its_check_is_kept_in_its_compact_form(
    scheme: str, number: str, country: str, kept: str
) -> None:
    assert registration_number(scheme, number, country, "registration.id") == kept


def test_a_wrong_check_digit_is_refused_in_words_naming_the_number() -> None:
    assert refusal("PL-NIP", "6151234567") == "not a valid Polish NIP: the check digit is wrong"
    assert refusal("DE-USTID", "DE136695977", "DE") == "not a valid German USt-IdNr.: the check digit is wrong"
    assert refusal("AT-UID", "U13585626", "AT") == (
        "not a valid UID (Umsatzsteuer-Identifikationsnummer, Austrian VAT number): the check digit is wrong"
    )


def test_a_number_not_written_like_one_is_told_how_one_is_written() -> None:
    assert refusal("DE-HRB", "HRB 4711", "DE") == (
        "not a valid German Handelsregister number: it is not written like one (written like Dresden HRB 12345)"
    )
    assert refusal("CZ-ICO", "7103192745", "CZ") == (
        "not a valid Czech IČO: it has too few or too many digits (written like 25123891)"
    )


def test_a_scheme_stdnum_does_not_know_keeps_the_number_as_written() -> None:
    assert scheme_of("PL-KRS") is None
    assert registration_number("PL-KRS", "0000 123456", "PL", "registration.id") == "0000 123456"
    assert registration_number("DE-GKZ", "14626110", "DE", "registration.id") == "14626110"
    assert registration_number("LOCAL", "anything", "PL", "registration.id") == "anything"


_EXAMPLES = sorted({(s.title, s.example.split(",")[0]) for s in _KNOWN.values() if s.example})


@pytest.mark.parametrize(("title", "example"), _EXAMPLES)
def test_every_example_a_refusal_shows_passes_its_own_check(title: str, example: str) -> None:
    scheme = next(s for s in _KNOWN.values() if s.title == title)
    assert scheme.module.is_valid(example)
