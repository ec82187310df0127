"""Text from callers: names and titles (one line, nothing invisible), and CSV cells a spreadsheet
will show as text, never run as a formula."""

from __future__ import annotations

import unicodedata

from kernel.errors import InvalidInput

#: Unicode categories no name or title may hold: control characters (Cc: NUL, tab, new line ...),
#: invisible formatting (Cf: the right-to-left override that shows "exe.txt" for "txt.exe", zero-width
#: spaces and joiners, byte order marks) and line and paragraph separators (Zl, Zp). They let one
#: name pass for another, or break the line it is shown on.
_NOT_IN_NAMES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def clean(value: str, field: str) -> str:
    """A name or title (`value` without surrounding white space); `InvalidInput` naming `field` if
    blank, or holding a control or invisible formatting character (see `_NOT_IN_NAMES`)."""
    text = value.strip()
    if not text:
        raise InvalidInput.field(field, "cannot be blank")
    hidden = next((ch for ch in text if unicodedata.category(ch) in _NOT_IN_NAMES), None)
    if hidden is not None:
        name = unicodedata.name(hidden, "a control character")
        raise InvalidInput.field(
            field, f"must not contain control or invisible characters (it has U+{ord(hidden):04X}, {name.lower()})"
        )
    return text


def optional(value: str | None, field: str) -> str | None:
    """Like `clean`, but None (or blank) means absent."""
    if value is None or not value.strip():
        return None
    return clean(value, field)


#: What makes a spreadsheet read a CSV cell as a formula (OWASP, "CSV Injection"): `=HYPERLINK(...)`
#: in a listing's title would run on the computer of whoever opens the export.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def for_spreadsheet(cell: str) -> str:
    """`cell` written so a spreadsheet shows it as text: with a leading apostrophe (which spreadsheets
    hide) if it starts with a formula character — or with apostrophes before one, so that
    `from_spreadsheet` gives back exactly `cell`."""
    return "'" + cell if cell.lstrip("'").startswith(FORMULA_STARTS) else cell


def from_spreadsheet(cell: str) -> str:
    """A CSV cell as `for_spreadsheet` wrote it, back as it was: "'=1+1" is the text "=1+1"."""
    return cell[1:] if cell.startswith("'") and cell.lstrip("'").startswith(FORMULA_STARTS) else cell
