"""The services' words for a bad field, as a page says them beside the field, in the reader's language.

The services name each bad field in plain English (`kernel.validation.PLAIN_MESSAGES` and their own
messages). A page shows the message next to its field, so the usual ones are said as a whole sentence
here and translated; a message not listed is shown as the service wrote it (English).
"""

from __future__ import annotations

import re
from collections.abc import Callable


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: (the service's message as a pattern, the page's sentence with the pattern's named groups)
_SAID = [
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
]
_COMPILED = [(re.compile(pattern), said) for pattern, said in _SAID]


def field_message(message: str, gettext: Callable[[str], str]) -> str:
    """`message` (a service's, about one field) as a page says it, translated with `gettext`."""
    for pattern, said in _COMPILED:
        match = pattern.fullmatch(message)
        if match is not None:
            return gettext(said) % match.groupdict()
    return gettext(message)
