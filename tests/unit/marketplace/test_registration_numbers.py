"""Registration and VAT numbers: checked with python-stdnum where it knows the scheme, stored under one
scheme name per kind of number with the number in its compact form."""

from __future__ import annotations

import pytest

from kernel.errors import InvalidInput
from marketplace.organization.registration import _EU_VAT, _KNOWN, canonical_registration, scheme_of


def stored(scheme: str, number: str, country: str = "PL") -> tuple[str, str]:
    """(scheme, id) as an organisation of `country` giving them is stored."""
    registration = canonical_registration(scheme, number, country, "registration.id")
    return registration.scheme, registration.id


def refusal(scheme: str, number: str, country: str = "PL") -> str:
    with pytest.raises(InvalidInput) as raised:
        canonical_registration(scheme, number, country, "registration.id")
    [error] = raised.value.errors
    assert error.field == "$.registration.id"
    return error.message


@pytest.mark.parametrize(
    ("scheme", "number", "country", "kept"),
    [
        ("PL-NIP", "615-123-45-61", "PL", ("PL-NIP", "6151234561")),
        ("PL-REGON", "123456785", "PL", ("PL-REGON", "123456785")),
        ("DE-USt-IdNr.", "DE 136 695 976", "DE", ("DE-USTIDNR", "136695976")),
        ("DE-HRB", "HRB 4711 Dresden", "DE", ("DE-HANDELSREGISTER", "Dresden HRB 4711")),
        ("CZ-IČO", "25123891", "CZ", ("CZ-ICO", "25123891")),
        ("CZ-DIČ", "CZ 25123891", "CZ", ("CZ-DIC", "25123891")),
        ("SK-IČ DPH", "SK 4030000007", "SK", ("SK-ICDPH", "4030000007")),
        # An EU VAT number is stored under its own country's scheme, whatever the organisation's country.
        ("VAT", "DE136695976", "PL", ("DE-USTIDNR", "136695976")),
        ("VAT", "615-123-45-61", "PL", ("PL-NIP", "6151234561")),
        ("VAT", "094259216", "GR", ("GR-VAT", "094259216")),  # Greek VAT numbers begin with EL
        ("VAT", "XI 980 7806 84", "PL", ("GB-VAT", "980780684")),  # Northern Ireland
        ("VAT", "EU372022452", "PL", ("EU-OSS", "EU372022452")),  # the One-Stop-Shop's own number
        # Any number stdnum checks for a country, by its module's name.
        ("AT-UID", "U 13585627", "AT", ("AT-UID", "U13585627")),
        ("FR-SIREN", "404 833 048", "FR", ("FR-SIREN", "404833048")),
    ],
)
def test_a_number_that_passes_its_check_is_kept_in_its_compact_form_under_its_schemes_name(
    scheme: str, number: str, country: str, kept: tuple[str, str]
) -> None:
    assert stored(scheme, number, country) == kept


@pytest.mark.parametrize(
    ("spellings", "kept"),
    [
        (
            [
                ("PL-NIP", "615-123-45-61"),
                ("pl-vat", "PL 615 123 45 61"),
                ("PL-VAT", "6151234561"),
                ("VAT", "PL6151234561"),
                ("EU-VAT", "pl 615-123-45-61"),
                ("VAT", "6151234561"),
            ],
            ("PL-NIP", "6151234561"),
        ),
        (
            [
                ("DE-USTID", "DE136695976"),
                ("DE-UST-IDNR.", "136695976"),
                ("DE-USt-IdNr.", "DE 136 695 976"),
                ("DE-VAT", "136695976"),
                ("VAT", "DE136695976"),
                ("DE-USTIDNR", "136695976"),
            ],
            ("DE-USTIDNR", "136695976"),
        ),
        (
            [
                ("DE-HRB", "Dresden HRB 4711"),
                ("DE-HRA", "HRB 4711, Dresden"),
                ("DE-Handelsregister", "Dresden HRB 4711"),
                ("DE-CR", "Dresden HRB 4711"),
                ("DE-BUSINESSID", "Dresden HRB 4711"),
            ],
            ("DE-HANDELSREGISTER", "Dresden HRB 4711"),
        ),
        (
            [("CZ-DIČ", "CZ25123891"), ("CZ-VAT", "25123891"), ("VAT", "CZ 25123891")],
            ("CZ-DIC", "25123891"),
        ),
        (
            [("SK-DPH", "SK4030000007"), ("SK-VAT", "4030000007"), ("VAT", "SK4030000007")],
            ("SK-ICDPH", "4030000007"),
        ),
        # A country's VAT scheme stdnum knows by another module name; stored under that module's name.
        ([("AT-VAT", "ATU13585627"), ("AT-UID", "U 135 856 27"), ("VAT", "ATU13585627")], ("AT-UID", "U13585627")),
        ([("NL-VAT", "NL004495445B01"), ("NL-BTW", "4495445B01"), ("VAT", "NL4495445B01")], ("NL-BTW", "004495445B01")),
        ([("GR-VAT", "EL094259216"), ("VAT", "EL 094259216")], ("GR-VAT", "094259216")),
        # Romania's check keeps a leading RO, so the country code is dropped here.
        ([("RO-VAT", "RO18547290"), ("RO-CF", "18547290"), ("VAT", "RO 18547290")], ("RO-CF", "18547290")),
    ],
)
def test_every_spelling_of_one_number_is_stored_as_one_registration_when_the_scheme_is_an_alias(
    spellings: list[tuple[str, str]], kept: tuple[str, str]
) -> None:
    assert {stored(scheme, number) for scheme, number in spellings} == {kept}


_STORED_SCHEMES = sorted({scheme.name for scheme in _KNOWN.values() if scheme is not _EU_VAT})


@pytest.mark.parametrize("name", _STORED_SCHEMES)
def test_a_stored_scheme_name_reads_back_as_the_same_scheme(name: str) -> None:
    known = scheme_of(name)
    assert known is not None
    assert known.name == name


@pytest.mark.parametrize(
    ("scheme", "number"),
    [
        ("PL-NIP", "6151234561"),
        ("DE-USTIDNR", "136695976"),
        ("DE-HANDELSREGISTER", "Dresden HRB 4711"),
        ("CZ-DIC", "25123891"),
        ("SK-ICDPH", "4030000007"),
        ("AT-UID", "U13585627"),
        ("RO-CF", "18547290"),
        ("EU-OSS", "EU372022452"),
        ("PL-KRS", "0000 123456"),
    ],
)
def test_a_stored_registration_given_again_is_stored_the_same(scheme: str, number: str) -> None:
    assert stored(scheme, number) == (scheme, number)


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


def test_a_scheme_stdnum_does_not_know_keeps_the_number_as_written_and_the_scheme_upper_cased() -> None:
    assert scheme_of("PL-KRS") is None
    assert stored("pl-krs", "0000 123456") == ("PL-KRS", "0000 123456")
    assert stored("DE-GKZ", "14626110", "DE") == ("DE-GKZ", "14626110")
    assert stored("local", "anything") == ("LOCAL", "anything")


_EXAMPLES = sorted({(s.title, s.example.split(",")[0]) for s in _KNOWN.values() if s.example})


@pytest.mark.parametrize(("title", "example"), _EXAMPLES)
def test_every_example_a_refusal_shows_passes_its_own_check(title: str, example: str) -> None:
    scheme = next(s for s in _KNOWN.values() if s.title == title)
    assert scheme.module.is_valid(example)
