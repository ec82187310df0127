"""Registration and VAT numbers of organisations, checked with python-stdnum.

A scheme is written `<country>-<name>` (`PL-NIP`, `DE-HRB`, `CZ-ICO`) or `VAT` (an EU VAT number).
Its name is either one people use for a number stdnum checks (`_KNOWN`: NIP, REGON, USt-IdNr.,
Handelsregister, DIČ, IČO, IČ DPH) or the name of one of stdnum's modules for that country (`AT-UID`,
`FR-SIREN`, `NL-KVK`, `PL-PESEL`, ...), accents, case and punctuation aside. A number of a scheme
stdnum knows must pass its check, and is kept under ONE name per kind of number (`Scheme.name`:
`PL-VAT` is `PL-NIP`, `AT-VAT` is `AT-UID`, `VAT` `DE136695976` is `DE-USTIDNR`) in stdnum's compact
form without a VAT country code (`136695976`), so every spelling of the same number is the same
registration. Schemes stdnum does not know (`PL-KRS` and `DE-GKZ` carry no check digit) keep the
text given, the scheme upper-cased.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple

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
    name: str
    """The one scheme name a number of this kind is stored under: "PL-NIP" for NIP, PL-VAT and a PL VAT number."""
    title: str
    """What a producer calls the number: "Polish NIP"."""
    example: str | None = None
    """How one is written, told when a number is not written like one."""


class Registration(NamedTuple):
    """A registration as stored: the scheme's one name and the number in its compact form."""

    scheme: str
    id: str


# `VAT` is never stored under this name: a number that passes is stored under its country's scheme.
_EU_VAT = Scheme(eu_vat, "VAT", "EU VAT number", "PL6151234561, with its country code")
_NIP = Scheme(nip, "PL-NIP", "Polish NIP", "615-123-45-61")
_UST_ID = Scheme(de_vat, "DE-USTIDNR", "German USt-IdNr.", "DE136695976")
_HANDELSREGISTER = Scheme(
    handelsregisternummer, "DE-HANDELSREGISTER", "German Handelsregister number", "Dresden HRB 12345"
)
_DIC = Scheme(dic, "CZ-DIC", "Czech DIČ", "CZ25123891")
_IC_DPH = Scheme(dph, "SK-ICDPH", "Slovak IČ DPH", "SK4030000007")

#: Names people write for numbers stdnum checks, as `_key` reads them: (country, name).
_KNOWN: dict[tuple[str, str], Scheme] = {
    ("", "vat"): _EU_VAT,
    ("eu", "vat"): _EU_VAT,
    ("pl", "nip"): _NIP,
    ("pl", "vat"): _NIP,
    ("pl", "regon"): Scheme(regon, "PL-REGON", "Polish REGON", "123456785"),
    ("pl", "pesel"): Scheme(pesel, "PL-PESEL", "Polish PESEL"),
    ("de", "vat"): _UST_ID,
    ("de", "ustid"): _UST_ID,
    ("de", "ustidnr"): _UST_ID,
    ("de", "hr"): _HANDELSREGISTER,
    ("de", "hra"): _HANDELSREGISTER,
    ("de", "hrb"): _HANDELSREGISTER,
    ("de", "cr"): _HANDELSREGISTER,  # org-id.guide's code for the German company registers
    ("de", "handelsregister"): _HANDELSREGISTER,
    ("de", "handelsregisternummer"): _HANDELSREGISTER,
    ("de", "stnr"): Scheme(stnr, "DE-STNR", "German Steuernummer"),
    ("cz", "dic"): _DIC,
    ("cz", "vat"): _DIC,
    ("cz", "ico"): Scheme(_Ico(), "CZ-ICO", "Czech IČO", "25123891"),
    ("sk", "dph"): _IC_DPH,
    ("sk", "icdph"): _IC_DPH,
    ("sk", "vat"): _IC_DPH,
}

#: The scheme of each module `_KNOWN` names, so a module reached by another name (`DE-BUSINESSID`
#: is stdnum's alias of the Handelsregister number) or through `VAT` is stored under the same name.
_OF_MODULE: dict[NumberValidationModule, Scheme] = {scheme.module: scheme for scheme in _KNOWN.values()}

#: The module of each EU member state's VAT number, with the country code its numbers may begin with.
#: stdnum's compact forms drop that code, except Romania's (`RO18547290` and `18547290` are one CIF).
#: `_get_cc_module` is private, but it is the very map `eu.vat.validate` checks numbers with.
_VAT_CODE: dict[NumberValidationModule, str] = {
    module: country.upper()
    for country in eu_vat.MEMBER_STATES
    if (module := eu_vat._get_cc_module(country)) is not None
}

#: Why stdnum refused a number, in a producer's words (a subclass before its base class).
_REASONS: list[tuple[type[exceptions.ValidationError], str]] = [
    (exceptions.InvalidChecksum, "the check digit is wrong"),
    (exceptions.InvalidLength, "it has too few or too many digits"),
    (exceptions.InvalidFormat, "it is not written like one"),
    (exceptions.InvalidComponent, "a part of it does not exist (such as its country code, court or date)"),
]


def refusal(error: exceptions.ValidationError) -> str:
    """Why stdnum refused a number, in a producer's words: "the check digit is wrong"."""
    return next((words for kind, words in _REASONS if isinstance(error, kind)), "it is not one")


_COUNTRY_AND_NAME = re.compile(r"([a-z]{2})-(.*)", re.DOTALL)
_NOT_NAME = re.compile(r"[^a-z0-9]")


def _key(scheme: str) -> tuple[str, str]:
    """`("de", "ustidnr")` for `DE-USt-IdNr.`, `("cz", "ico")` for `CZ-IČO`, `("", "vat")` for `VAT`."""
    plain = unicodedata.normalize("NFKD", scheme).encode("ascii", "ignore").decode().lower()
    match = _COUNTRY_AND_NAME.fullmatch(plain)
    if match:
        return match[1], _NOT_NAME.sub("", match[2])
    return "", _NOT_NAME.sub("", plain)


def _of_module(module: ModuleType) -> Scheme:
    """The scheme of a stdnum module: `_KNOWN`'s, else named after the module (`stdnum.at.uid` is `AT-UID`)."""
    if module in _OF_MODULE:
        return _OF_MODULE[module]
    _, country, name = module.__name__.split(".")
    return Scheme(module, f"{country.rstrip('_')}-{name}".upper(), get_module_name(module))


@functools.lru_cache(maxsize=1024)
def _lookup(country: str, name: str) -> Scheme | None:
    if (country, name) in _KNOWN:
        return _KNOWN[(country, name)]
    if not country or not name:
        return None
    module = get_cc_module(country, name)
    if not isinstance(module, ModuleType) or not callable(getattr(module, "validate", None)):
        return None
    return _of_module(module)


def scheme_of(scheme: str) -> Scheme | None:
    """The number stdnum checks under `scheme`, or None when it knows no such number."""
    return _lookup(*_key(scheme))


def _national(vat_number: str) -> Scheme:
    """The scheme of a valid EU VAT number's country (`EL` is Greece, `XI` Northern Ireland, `EU` the OSS)."""
    module = eu_vat._get_cc_module(vat_number[:2])  # the module eu.vat.validate has just checked it with
    assert isinstance(module, ModuleType)  # noqa: S101 - eu_vat.validate refuses a number without one
    return _of_module(module)


def canonical_registration(scheme: str, number: str, country: str, field: str) -> Registration:
    """The registration as stored: under the scheme's one name with `number` in stdnum's compact form
    without a VAT country code when stdnum knows `scheme`, else the scheme upper-cased and `number` as
    given. An EU VAT number (`VAT`) is stored under its country's scheme; one given without its country
    code gets the organisation's (`country`; `EL` for Greece).

    Raises `InvalidInput` naming `field` in words: "not a valid Polish NIP: the check digit is wrong".
    """
    known = scheme_of(scheme)
    if known is None:
        return Registration(scheme.upper(), number)
    if known is _EU_VAT and number[:1].isdigit():
        number = ("EL" if country == "GR" else country) + number
    try:
        number = known.module.validate(number)
    except exceptions.ValidationError as error:
        reason = refusal(error)
        if known.example and not isinstance(error, exceptions.InvalidChecksum):
            reason += f" (written like {known.example})"
        raise InvalidInput.field(field, f"not a valid {known.title}: {reason}") from None
    if known is _EU_VAT:
        known = _national(number)
        number = known.module.validate(number)  # passes: eu.vat checked it with this module
    code = _VAT_CODE.get(known.module)
    if code and number.startswith(code):
        number = number[len(code) :]
    return Registration(known.name, number)
