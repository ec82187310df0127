"""Registration and VAT numbers of organisations, checked with python-stdnum.

A scheme is written `<country>-<name>` (`PL-NIP`, `DE-HRB`, `CZ-ICO`) or `VAT` (an EU VAT number).
Its name is either one people use for a number stdnum checks (`_KNOWN`: NIP, REGON, USt-IdNr.,
Handelsregister, DIČ, IČO, IČ DPH) or the name of one of stdnum's modules for that country (`AT-UID`,
`FR-SIREN`, `NL-KVK`, `PL-PESEL`, ...), accents, case and punctuation aside. A number of a scheme
stdnum knows must pass its check and is kept in stdnum's compact form, so the same number written
with other spaces or dashes is the same registration. Schemes stdnum does not know (`PL-KRS` and
`DE-GKZ` carry no check digit) keep the text given.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from stdnum import exceptions
from stdnum.cz import dic
from stdnum.de import handelsregisternummer, stnr
from stdnum.de import vat as de_vat
from stdnum.eu import vat as eu_vat
from stdnum.pl import nip, pesel, regon
from stdnum.sk import dph
from stdnum.util import get_cc_module, get_module_name

from kernel.errors import InvalidInput

if TYPE_CHECKING:
    from stdnum.util import NumberValidationModule


class _Ico:
    """Czech IČO: eight digits, the last a check digit, as in the DIČ of a legal entity (`CZ` + IČO),
    which stdnum checks; a DIČ of other lengths is a person's birth number, never an IČO."""

    digits = 8

    def compact(self, number: str) -> str:
        return dic.compact(number)

    def validate(self, number: str) -> str:
        if len(dic.compact(number)) != self.digits:
            raise exceptions.InvalidLength
        return dic.validate(number)

    def is_valid(self, number: str) -> bool:
        try:
            return bool(self.validate(number))
        except exceptions.ValidationError:
            return False


@dataclass(frozen=True)
class Scheme:
    module: NumberValidationModule
    title: str
    """What a producer calls the number: "Polish NIP"."""
    example: str | None = None
    """How one is written, told when a number is not written like one."""


_EU_VAT = Scheme(eu_vat, "EU VAT number", "PL6151234561, with its country code")
_NIP = Scheme(nip, "Polish NIP", "615-123-45-61")
_UST_ID = Scheme(de_vat, "German USt-IdNr.", "DE136695976")
_HANDELSREGISTER = Scheme(handelsregisternummer, "German Handelsregister number", "Dresden HRB 12345")
_DIC = Scheme(dic, "Czech DIČ", "CZ25123891")
_IC_DPH = Scheme(dph, "Slovak IČ DPH", "SK4030000007")

#: Names people write for numbers stdnum checks, as `_key` reads them: (country, name).
_KNOWN: dict[tuple[str, str], Scheme] = {
    ("", "vat"): _EU_VAT,
    ("eu", "vat"): _EU_VAT,
    ("pl", "nip"): _NIP,
    ("pl", "vat"): _NIP,
    ("pl", "regon"): Scheme(regon, "Polish REGON", "123456785"),
    ("pl", "pesel"): Scheme(pesel, "Polish PESEL"),
    ("de", "vat"): _UST_ID,
    ("de", "ustid"): _UST_ID,
    ("de", "ustidnr"): _UST_ID,
    ("de", "hr"): _HANDELSREGISTER,
    ("de", "hra"): _HANDELSREGISTER,
    ("de", "hrb"): _HANDELSREGISTER,
    ("de", "cr"): _HANDELSREGISTER,  # org-id.guide's code for the German company registers
    ("de", "handelsregister"): _HANDELSREGISTER,
    ("de", "handelsregisternummer"): _HANDELSREGISTER,
    ("de", "stnr"): Scheme(stnr, "German Steuernummer"),
    ("cz", "dic"): _DIC,
    ("cz", "vat"): _DIC,
    ("cz", "ico"): Scheme(_Ico(), "Czech IČO", "25123891"),
    ("sk", "dph"): _IC_DPH,
    ("sk", "icdph"): _IC_DPH,
    ("sk", "vat"): _IC_DPH,
}

#: Why stdnum refused a number, in a producer's words (a subclass before its base class).
_REASONS: list[tuple[type[exceptions.ValidationError], str]] = [
    (exceptions.InvalidChecksum, "the check digit is wrong"),
    (exceptions.InvalidLength, "it has too few or too many digits"),
    (exceptions.InvalidFormat, "it is not written like one"),
    (exceptions.InvalidComponent, "a part of it does not exist (such as its country code, court or date)"),
]

_COUNTRY_AND_NAME = re.compile(r"([a-z]{2})-(.*)", re.DOTALL)
_NOT_NAME = re.compile(r"[^a-z0-9]")


def _key(scheme: str) -> tuple[str, str]:
    """`("de", "ustidnr")` for `DE-USt-IdNr.`, `("cz", "ico")` for `CZ-IČO`, `("", "vat")` for `VAT`."""
    plain = unicodedata.normalize("NFKD", scheme).encode("ascii", "ignore").decode().lower()
    match = _COUNTRY_AND_NAME.fullmatch(plain)
    if match:
        return match[1], _NOT_NAME.sub("", match[2])
    return "", _NOT_NAME.sub("", plain)


@functools.lru_cache(maxsize=1024)
def _lookup(country: str, name: str) -> Scheme | None:
    if (country, name) in _KNOWN:
        return _KNOWN[(country, name)]
    if not country or not name:
        return None
    module = get_cc_module(country, name)
    if module is None or not callable(getattr(module, "validate", None)):
        return None
    return Scheme(module, get_module_name(module))


def scheme_of(scheme: str) -> Scheme | None:
    """The number stdnum checks under `scheme`, or None when it knows no such number."""
    return _lookup(*_key(scheme))


def registration_number(scheme: str, number: str, country: str, field: str) -> str:
    """`number` in stdnum's compact form when it knows `scheme`, else as given. An EU VAT number
    given without its country code gets the organisation's (`country`; `EL` for Greece).

    Raises `InvalidInput` naming `field` in words: "not a valid Polish NIP: the check digit is wrong".
    """
    known = scheme_of(scheme)
    if known is None:
        return number
    if known is _EU_VAT and number[:1].isdigit():
        number = ("EL" if country == "GR" else country) + number
    try:
        return known.module.validate(number)
    except exceptions.ValidationError as error:
        reason = next((words for kind, words in _REASONS if isinstance(error, kind)), "it is not one")
        if known.example and not isinstance(error, exceptions.InvalidChecksum):
            reason += f" (written like {known.example})"
        raise InvalidInput.field(field, f"not a valid {known.title}: {reason}") from None
