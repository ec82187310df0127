"""Text from callers: names and titles (one line, nothing invisible), CSV cells a spreadsheet
will show as text, never run as a formula, and the text of files spreadsheets save (their
encodings, their cells' values)."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

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


# --- spreadsheets' files ------------------------------------------------------------------------

#: The Windows code pages Excel saves a plain "CSV" in for the hubs' languages.
CENTRAL_EUROPEAN = "cp1250"
WESTERN_EUROPEAN = "cp1252"
#: Where Windows (and so Excel) writes windows-1250: seated there, or writing these languages first.
_CENTRAL_EUROPEAN_COUNTRIES = frozenset({"PL", "CZ", "SK", "HU", "SI", "HR", "RO", "BA", "AL"})
_CENTRAL_EUROPEAN_LANGUAGES = frozenset({"pl", "cs", "sk", "hu", "sl", "hr", "ro", "bs", "sq"})
#: What a text in either code page may hold besides ASCII and letters: the typography both share.
_SHARED_MARKS = frozenset("€\u201a„…†‡‰\u2039‘’“”•–—™\u203a\xa0¤¦§¨©«¬\xad®°±\xb4µ¶·\xb8»\xd7÷")
#: The letters beyond ASCII of the languages written in these code pages (lower case).
_ALPHABETS = {
    "pl": "ąćęłńóśźż",
    "cs": "áčďéěíňóřšťúůýž",
    "sk": "áäčďéíĺľňóôŕšťúýž",
    "hu": "áéíóöőúüű",
    "sl": "čšž",
    "hr": "čćđšž",
    "ro": "ăâîşţ",
    "de": "äöüß",
    "fr": "àâæçéèêëîïôœùûüÿ",
    "es": "áéíñóúü",
    "it": "àèéìíîòóùú",
    "nl": "éëïóöü",
    "da": "æøå",
    "sv": "åäö",
}
_BEYOND_ASCII = re.compile(r"[^\x00-\x7f]")


class NotText(ValueError):
    """Bytes that are no text in UTF-8 or either code page."""


def excel_code_page(country: str, languages: Sequence[str]) -> str:
    """The code page Excel most likely saved an organisation's plain CSV in: windows-1250 for one
    seated in Central Europe (Poland, Czechia, Slovakia, Hungary ...) or writing such a language
    first, windows-1252 (Western Europe: Germany, English) otherwise."""
    first = _base(languages[0]) if languages else ""
    if country.upper() in _CENTRAL_EUROPEAN_COUNTRIES or first in _CENTRAL_EUROPEAN_LANGUAGES:
        return CENTRAL_EUROPEAN
    return WESTERN_EUROPEAN


def _base(tag: str) -> str:
    return tag.split("-", 1)[0].lower()


def spreadsheet_text(body: bytes, *, country: str = "", languages: Sequence[str] = ()) -> str:
    """A file a spreadsheet saved (a CSV) as text, written by an organisation seated in `country`
    writing `languages`: UTF-8 when it is UTF-8 (a byte order mark is dropped); otherwise
    windows-1250 or windows-1252, the code pages Excel writes for Polish, Czech, Slovak, Hungarian
    (1250) and German, English (1252).

    Both are tried, and the reading that looks more like text wins, judged on the characters beyond
    ASCII: first, fewer that are neither letters nor the typography both code pages share (Polish
    read as windows-1252 shows `³` for `ł`, `¹` for `ą`, `¿` for `ż`; each code page leaves a few
    bytes undefined); then fewer letters outside the alphabets of `languages` (`ę` read as 1252 is
    `ê`, Czech `ř` is `ø`, and French `è` read as 1250 is `č`); then the organisation's code page
    (`excel_code_page`). German reads the same in both.

    Raises `NotText` when neither code page can decode `body`.
    """
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    preferred = excel_code_page(country, languages)
    other = WESTERN_EUROPEAN if preferred == CENTRAL_EUROPEAN else CENTRAL_EUROPEAN
    letters = frozenset("".join(_ALPHABETS.get(_base(tag), "") for tag in languages))
    readings: list[tuple[int, int, int, str]] = []
    failure = 0
    for preference, name in enumerate((preferred, other)):
        try:
            text = body.decode(name)
        except UnicodeDecodeError as error:
            failure = error.start
            continue
        readings.append((*_oddities(text, letters), preference, text))
    if not readings:
        raise NotText(f"not text in UTF-8, windows-1250 or windows-1252 (byte {failure})")
    return min(readings)[3]


def _oddities(text: str, letters: frozenset[str]) -> tuple[int, int]:
    """How many characters beyond ASCII are neither letters nor the typography both code pages
    share, and how many are letters not in `letters`."""
    marks = foreign = 0
    for character, count in Counter(_BEYOND_ASCII.findall(text)).items():
        if not unicodedata.category(character).startswith("L"):
            marks += 0 if character in _SHARED_MARKS else count
        elif character.lower() not in letters:
            foreign += count
    return marks, foreign


def cell_text(value: object) -> str:  # noqa: PLR0911 - one line per kind of value
    """A spreadsheet cell's value (as openpyxl reads it) as the text a CSV would carry: 2.4 is "2.4"
    (15 significant digits, as Excel shows numbers, so no float noise), 12.0 is "12", a date is
    2026-12-01, an empty cell is ""."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(Decimal(f"{value:.15g}"), "f") if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)
