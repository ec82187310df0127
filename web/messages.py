"""The services' words for a bad field, a refused cart line or a refused file, as a page says them,
in the reader's language.

The services name each problem in plain English (`kernel.validation.PLAIN_MESSAGES` and their own
messages). A page shows the message next to its field (or line, or row), so the usual ones are said
as a whole sentence here and translated: a `Phrasebook` of patterns, each matching a whole message,
and the page's sentence for it. One mechanism for every page; a page with words of its own (the
cart, the spreadsheet import) keeps its own phrasebook, which falls back to `FIELD_MESSAGES`. A
message no pattern matches is shown as the service wrote it (English).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


@dataclass(frozen=True)
class Phrasebook:
    """Services' messages, each matched as a whole by a pattern, and the page's sentence for each
    (marked for the catalog) with the pattern's named groups as its placeholders. The first pattern
    matching wins; a message none matches goes to `then`, else it is translated as it is."""

    phrases: Sequence[tuple[str, str]]
    """(the service's message as a regular expression, the page's sentence)"""
    then: Phrasebook | None = None

    @functools.cached_property
    def _compiled(self) -> list[tuple[re.Pattern[str], str]]:
        return [(re.compile(pattern), sentence) for pattern, sentence in self.phrases]

    def say(
        self,
        message: str,
        gettext: Callable[[str], str],
        named: Mapping[str, Callable[[str], str]] | None = None,
    ) -> str:
        """`message` as a page says it, translated with `gettext`; `named` says a matched group the
        reader's way (a quantity with its unit by name, a place by name), by the group's name."""
        for pattern, sentence in self._compiled:
            match = pattern.fullmatch(message)
            if match is not None:
                values = {
                    name: (named or {}).get(name, str)(value) if value is not None else ""
                    for name, value in match.groupdict().items()
                }
                return gettext(sentence) % values
        if self.then is not None:
            return self.then.say(message, gettext, named)
        return gettext(message)


#: (the service's message as a pattern, the page's sentence with the pattern's named groups)
_FIELD_PHRASES = [
    (r"is required|cannot be empty", _("Please fill this in.")),
    (r"must be at least (?P<n>\d+) characters", _("Use at least %(n)s characters.")),
    (r"must be at most (?P<n>\d+) characters", _("Use at most %(n)s characters.")),
    (r"is not in the expected format", _("This is not in the expected form.")),
    (r"must be (?P<n>\S+) or more", _("Enter %(n)s or more.")),
    (r"must be more than (?P<n>\S+)", _("Enter more than %(n)s.")),
    (r"must be (?P<n>\S+) or less", _("Enter %(n)s or less.")),
    (r"must be less than (?P<n>\S+)", _("Enter less than %(n)s.")),
    (r"must be a positive number", _("Enter a number above zero.")),
    (r'must be a decimal number, like "12.50"', _("Enter a number, like 12.50.")),
    (r"must be a date, like \S+", _("Enter a date.")),
    (r"must be one of .*", _("Choose one of the options.")),
    (r"must have at least one item", _("Add at least one.")),
    # A decimal's rule (kernel.validation.bounded): a bid's lead time, a quantity's places.
    (r"must be a whole number", _("Enter a whole number.")),
    (r"must have at most (?P<n>\d+) decimal places", _("Use at most %(n)s decimal places.")),
    # A listing's fields (marketplace.catalog.service, .rules and .classification).
    (r"cannot be blank", _("Please fill this in.")),
    (r"cannot be negative", _("Enter zero or more.")),
    (r"must be a positive price", _("Enter a price above zero.")),
    (
        r"a CPV code is 8 digits and a check digit.*",
        _("A CPV code is 8 digits, a dash and a check digit, like 03221200-8."),
    ),
    (r"an HS code has 4, 6, 8 or 10 digits.*", _("An HS code has 4, 6, 8 or 10 digits, like 0406.10.")),
    (r"unknown UN/CEFACT Rec 20 unit .*", _("Choose a unit from the list.")),
    (r"unknown ISO 3166-[12].*", _("Choose a place from the list.")),
    (
        r"tiers must have strictly increasing quantities",
        _("Each row must start at a larger quantity than the row above."),
    ),
    (
        r"a larger tier cannot have a higher unit price",
        _("A larger quantity cannot cost more per unit than a smaller one."),
    ),
    (
        r"the first tier must start at or below (?P<n>\S+)",
        _("The first row must start at %(n)s or less: the smallest order."),
    ),
    (r"\S+ has no translation", _("Choose a language you wrote a title in.")),
    # A listing's photos (marketplace.catalog.images and .photos).
    (r"is not a JPEG, PNG or WebP image", _("This file is not a JPEG, PNG or WebP picture.")),
    (
        r"is damaged or incomplete: it cannot be read as an image",
        _("This picture is damaged or incomplete. Save it again, or choose another one."),
    ),
    (r"is larger than (?P<n>\d+) MB", _("Choose a picture of at most %(n)s MB.")),
    (
        r"has more than (?P<n>\d+) million pixels: .*",
        _("This picture has more than %(n)s million pixels. Make it smaller, then upload it again."),
    ),
    (
        r"a listing has at most (?P<n>\d+) photos: remove one first",
        _("A listing has at most %(n)s photos. Remove one before you add another."),
    ),
    # A credential's document (marketplace.compliance.documents and .service).
    (r"is not a PDF, JPEG or PNG file", _("This file is not a PDF, JPEG or PNG document.")),
    (r"is an empty file", _("This file is empty. Choose the file of the document.")),
    (r"is a file larger than (?P<n>\d+) MB", _("Choose a file of at most %(n)s MB.")),
    (
        r"is an image of more than (?P<n>\d+) million pixels",
        _("This picture has more than %(n)s million pixels. Make it smaller, then upload it again."),
    ),
    (r"upload the document or give a link to it \(document_url\)", _("Upload the document, or give a link to it.")),
    # A coordinator's decisions (marketplace.hub.service, marketplace.compliance.service).
    (r"say why .+", _("Please say why.")),
    (r"say what you saw that shows the declaration is true", _("Please say what evidence you saw.")),
    # A demand pool's fields (procurement.pool.service, procurement.quantities, kernel.validation).
    (r"must be greater than zero", _("Enter a number above zero.")),
    (r"is too large", _("This number is too large.")),
    (r".+ is counted in whole units", _("Enter a whole number: this unit is counted in whole units.")),
    (r"(?:[A-Z]{3} allows )?at most (?P<n>\d+) decimal places", _("Use at most %(n)s decimal places.")),
    (r"must be a date and time, like \S+", _("Enter a date and a time.")),
    (r"must be from \S+ to \S+ \(a date and time, like \S+\)", _("Choose a date within the next five years.")),
    (
        r"must be after opens_at and in the future",
        _("Choose a closing time in the future and after the opening time."),
    ),
    (r".+ is named twice", _("Another delivery point has this name. Give each one its own name.")),
    (r"\S+ is outside the hub's jurisdictions \(.*\)", _("Choose one of the hub's regions.")),
    (r"unknown ISO 4217 currency code .*", _("Choose a currency from the list.")),
]
#: The usual words of the services about one field (`web.page.Form.note`).
FIELD_MESSAGES = Phrasebook(_FIELD_PHRASES)


def field_message(message: str, gettext: Callable[[str], str]) -> str:
    """`message` (a service's, about one field) as a page says it, translated with `gettext`."""
    return FIELD_MESSAGES.say(message, gettext)
