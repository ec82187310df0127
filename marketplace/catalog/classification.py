"""Classification codes of goods: CPV (EU public procurement) and HS (customs), checked for format."""

from __future__ import annotations

import enum
import re

from kernel.errors import InvalidInput


class Scheme(enum.StrEnum):
    CPV = "CPV"
    HS = "HS"


_CPV = re.compile(r"^(\d{8})(?:-(\d))?$")
_HS_SEPARATORS = re.compile(r"[.\s]")
_HS = re.compile(r"^\d{4}(\d{2}){0,3}$")


def normalise(scheme: Scheme, code: str, field: str = "classification.code") -> str:
    """The canonical form of a code: CPV `03221200-8`; HS digits only (4, 6, 8 or 10 of them).

    A CPV code is eight digits and a check digit after a dash (the check digit may be
    omitted); HS is the 4-digit heading, 6-digit subheading or a national 8/10-digit
    extension, with or without dots. Raises `InvalidInput` naming `field` otherwise.
    """
    value = code.strip()
    if Scheme(scheme) is Scheme.CPV:
        match = _CPV.match(value)
        if match is None:
            raise InvalidInput.field(field, f"a CPV code is 8 digits and a check digit, like 03221200-8 (got {code!r})")
        return value
    digits = _HS_SEPARATORS.sub("", value)
    if not _HS.match(digits):
        raise InvalidInput.field(field, f"an HS code has 4, 6, 8 or 10 digits, like 0406.10 (got {code!r})")
    return digits


def digits(code: str) -> str:
    """The digits of a code, for prefix matching across schemes' punctuation."""
    return "".join(ch for ch in code if ch.isdigit())
