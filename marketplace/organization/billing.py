"""An organisation's invoicing details, each checked as its kind of number is checked: a VAT number
with python-stdnum for the organisation's country (in the EU kept with its country code, Greece's
`EL`), an IBAN and a BIC with schwifty, a Leitweg-ID with stdnum's German check; an address, an
e-mail address and a phone number by their form.

`checked_billing` checks them all and raises one `InvalidInput` naming every bad field in a
producer's words, with the countries named and their codes in brackets ("Poland (PL)") so a page can
name them in its reader's language.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pycountry
from schwifty import BIC, IBAN
from schwifty import exceptions as bank_exceptions
from stdnum import exceptions
from stdnum.de import leitweg
from stdnum.eu import vat as eu_vat
from stdnum.util import clean, get_cc_module

from kernel import text
from kernel.errors import FieldProblems, InvalidInput
from marketplace.identity.schemas import Email
from marketplace.organization.models import Organization
from marketplace.organization.registration import refusal
from marketplace.organization.schemas import BillingDetails, BillingRead
from marketplace.tax.models import VatScheme
from marketplace.tax.rates import EU_MEMBERS, SMALL_BUSINESS_BASIS

STREET_LENGTH, POSTAL_CODE_LENGTH, VAT_NUMBER_LENGTH = 200, 20, 20
#: The country of each code an EU VAT number may start with (`EL` is Greece, `XI` Northern Ireland).
_VAT_CODE_COUNTRY = {code.upper(): code.upper() for code in eu_vat.MEMBER_STATES} | {"EL": "GR", "XI": "GB"}
#: A VAT number of a country stdnum has no check for: letters and digits only.
_PLAIN_VAT_NUMBER = re.compile(r"[A-Z0-9]{4,20}")
_PHONE = re.compile(r"[0-9 +()/-]{3,40}")
#: Territories whose banks' BICs carry their own code while their accounts' IBANs carry another's.
_BIC_TERRITORIES = {
    "GB": {"GG", "IM", "JE"},
    "FI": {"AX"},
    "FR": {"BL", "GF", "GP", "MF", "MQ", "NC", "PF", "PM", "RE", "WF", "YT"},
}
#: Why schwifty refused an IBAN, in a producer's words (a subclass before its base class).
_IBAN_REASONS: list[tuple[type[Exception], str]] = [
    (bank_exceptions.InvalidChecksumDigits, "the check digits are wrong"),
    (bank_exceptions.InvalidBBANChecksum, "the check digits of its account number are wrong"),
    (bank_exceptions.InvalidCountryCode, "it does not start with the code of a country that has IBANs"),
    (bank_exceptions.InvalidLength, "it has too few or too many characters for its country"),
    (bank_exceptions.InvalidBankCode, "its bank code does not exist"),
]
_BIC_REASONS: list[tuple[type[Exception], str]] = [
    (bank_exceptions.InvalidLength, "it has 8 or 11 letters and digits, like COBADEFFXXX"),
    (bank_exceptions.InvalidCountryCode, "its fifth and sixth letters are not the code of a country"),
]


def country_name(code: str) -> str:
    """`Poland (PL)`: a country by its English name, with its code for a page to name it in its reader's language."""
    country = pycountry.countries.get(alpha_2=code)
    name = getattr(country, "common_name", None) or getattr(country, "name", code)
    return f"{name} ({code})"


def vat_code(country: str) -> str | None:
    """The code an EU VAT number of `country` starts with (Greece's is `EL`); None outside the EU."""
    if country not in EU_MEMBERS:
        return None
    return "EL" if country == "GR" else country


def vat_number(value: str, country: str, field: str = "vat_number") -> str:
    """A VAT number of an organisation registered in `country`, compact: in the EU with its country
    code (added when left out: `136 695 976` is `DE136695976` in Germany), elsewhere as its country's
    check keeps it. `InvalidInput` when it fails that check or is another country's number."""
    number = clean(value, " -./,:").upper()
    code = vat_code(country)
    written_for = _VAT_CODE_COUNTRY.get(number[:2])
    if written_for is not None and written_for != country and not _valid_vat_number(number, country):
        raise InvalidInput.field(
            field,
            f"this VAT number is from {country_name(written_for)} but the organisation is registered in "
            f"{country_name(country)}",
        )
    module = get_cc_module(country.lower(), "vat")
    try:
        if code is not None:
            national = number[2:] if written_for == country else number
            if module is not None:  # every member state's (`eu.vat` checks with the same module)
                module.validate(national)
            return str(eu_vat.validate(code + national))
        if module is None:
            if not _PLAIN_VAT_NUMBER.fullmatch(number):
                raise exceptions.InvalidFormat
            return number
        checked = str(module.validate(number))
    except exceptions.ValidationError as error:
        raise InvalidInput.field(
            field, f"not a valid VAT number of {country_name(country)}: {refusal(error)}"
        ) from None
    if len(checked) > VAT_NUMBER_LENGTH:
        raise InvalidInput.field(field, f"a VAT number has at most {VAT_NUMBER_LENGTH} letters and digits")
    return checked


def _valid_vat_number(number: str, country: str) -> bool:
    """Whether `number` is the country's after all: a number whose own digits begin like another
    country's code (a French number's check letters, written without its `FR`)."""
    code = vat_code(country)
    if code is not None:
        return bool(eu_vat.is_valid(code + number))
    module = get_cc_module(country.lower(), "vat")
    return module is not None and bool(module.is_valid(number))


def iban(value: str, field: str = "iban") -> IBAN:
    """An IBAN by schwifty's checks (its country's length and its check digits)."""
    try:
        return IBAN(value)
    except bank_exceptions.SchwiftyException as error:
        reason = next((words for kind, words in _IBAN_REASONS if isinstance(error, kind)), None)
        raise InvalidInput.field(
            field, f"not a valid IBAN: {reason or 'it is not written like one, such as DE89 3704 0044 0532 0130 00'}"
        ) from None


def bic(value: str, account: IBAN | None, field: str = "bic") -> BIC:
    """A BIC by schwifty's checks; with the account's IBAN, of a bank in the IBAN's country."""
    try:
        found = BIC(value)
    except bank_exceptions.SchwiftyException as error:
        reason = next((words for kind, words in _BIC_REASONS if isinstance(error, kind)), None)
        raise InvalidInput.field(
            field, f"not a valid BIC: {reason or 'it is not written like one, such as COBADEFFXXX'}"
        ) from None
    if account is not None:
        bank_country, account_country = found.country_code, account.country_code
        if bank_country != account_country and bank_country not in _BIC_TERRITORIES.get(account_country, ()):
            raise InvalidInput.field(
                field,
                f"this BIC is of a bank in {country_name(bank_country)} but the IBAN is of an account in "
                f"{country_name(account_country)}",
            )
    return found


def leitweg_id(value: str, country: str, field: str = "leitweg_id") -> str:
    """A Leitweg-ID, for a German organisation only (the routing id of German public buyers)."""
    if country != "DE":
        raise InvalidInput.field(field, "a Leitweg-ID is for German public buyers")
    try:
        return str(leitweg.validate(value))
    except exceptions.ValidationError as error:
        raise InvalidInput.field(field, f"not a valid Leitweg-ID: {refusal(error)}") from None


def invoice_email(value: str, field: str = "invoice_email") -> str:
    """An e-mail address as accounts' addresses are checked (`marketplace.identity.schemas.Email`)."""
    try:
        return msgspec.convert(value, Email)
    except msgspec.ValidationError:
        raise InvalidInput.field(field, "is not an e-mail address, like invoices@example.org") from None


def phone(value: str, field: str = "phone") -> str:
    """A phone number as written: 3 to 40 digits, spaces and + - ( ) /, with digits among them."""
    if not _PHONE.fullmatch(value) or not any(ch.isdigit() for ch in value):
        raise InvalidInput.field(field, "a phone number has 3 to 40 characters: digits, spaces and + - ( ) /")
    return value


def _line(value: str | None, field: str, length: int) -> str | None:
    line = text.optional(value, field)
    if line is not None and len(line) > length:
        raise InvalidInput.field(field, f"must be at most {length} characters")
    return line


def _given(value: str | None) -> str | None:
    return (value.strip() or None) if value is not None else None


def checked_billing(data: BillingDetails, country: str) -> dict[str, Any]:
    """The organisation's invoicing details as stored, for an organisation registered in `country`.

    Raises one `InvalidInput` naming every bad field, in the order a form asks for them: each that
    fails its check; `vat_scheme` small business in a country Borderhub knows no small-business
    exemption of (`SMALL_BUSINESS_BASIS`); `vat_number` when missing for a registered organisation."""
    problems = FieldProblems()
    values: dict[str, Any] = {
        "street": problems.check(_line, data.street, "street", STREET_LENGTH),
        "postal_code": problems.check(_line, data.postal_code, "postal_code", POSTAL_CODE_LENGTH),
        "vat_scheme": data.vat_scheme,
    }
    if data.vat_scheme == VatScheme.small_business and country not in SMALL_BUSINESS_BASIS:
        problems.add("vat_scheme", f"{country_name(country)} has no small-business exemption in Borderhub")
    given = _given(data.vat_number)
    values["vat_number"] = problems.check(vat_number, given, country) if given else None
    if data.vat_scheme == VatScheme.registered and not given:
        problems.add("vat_number", "is required when the organisation is registered for VAT")
    given = _given(data.iban)
    account = problems.check(iban, given) if given else None
    values["iban"] = account.compact if account is not None else None
    given = _given(data.bic)
    bank = problems.check(bic, given, account) if given else None
    values["bic"] = bank.compact if bank is not None else None
    given = _given(data.invoice_email)
    values["invoice_email"] = problems.check(invoice_email, given) if given else None
    given = _given(data.phone)
    values["phone"] = problems.check(phone, given) if given else None
    given = _given(data.leitweg_id)
    values["leitweg_id"] = problems.check(leitweg_id, given, country) if given else None
    problems.raise_if_any()
    return values


def billing_read(organization: Organization) -> BillingRead:
    """The organisation's invoicing details as the API shows them."""
    return BillingRead(
        organization_id=organization.id,
        country=organization.country,
        vat_scheme=organization.vat_scheme,
        small_business_basis=SMALL_BUSINESS_BASIS.get(organization.country),
        street=organization.street,
        postal_code=organization.postal_code,
        vat_number=organization.vat_number,
        iban=organization.iban,
        bic=organization.bic,
        leitweg_id=organization.leitweg_id,
        invoice_email=organization.invoice_email,
        phone=organization.phone,
    )
