"""Language negotiation: which of the available languages to answer in.

`?lang=` wins when given; otherwise the caller's `Accept-Language` preferences in
order; otherwise the resource's default. Headers never cause errors.
"""

from __future__ import annotations

import re

#: RFC 5646 §4.4.1: 35 characters hold any tag of language, script, region and variant.
MAX_TAG_LENGTH = 35
#: Browsers send a handful of preferences; more is noise (or abuse) not worth parsing.
MAX_ACCEPT_LANGUAGE_ENTRIES = 16
_ACCEPT_TAG = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def accepted_languages(header: str) -> list[str]:
    """The language ranges of an `Accept-Language` header, most preferred first (RFC 9110 §12.5.4).

    Wildcards, `q=0` and malformed entries are skipped; equal weights keep header order.
    """
    weighted: list[tuple[float, int, str]] = []
    for position, entry in enumerate(header.split(",")[:MAX_ACCEPT_LANGUAGE_ENTRIES]):
        tag, *params = (part.strip() for part in entry.split(";"))
        if len(tag) > MAX_TAG_LENGTH or not _ACCEPT_TAG.match(tag):
            continue
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if 0 < quality <= 1:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def pick_language(available: list[str], preferred: list[str], default: str) -> str:
    """The available tag best matching the preferences: exact tag first, then same primary language.

    `available` holds canonical BCP 47 tags; comparison ignores case. Falls back to `default`.
    """
    by_lower = {tag.lower(): tag for tag in available}
    for wanted in preferred:
        exact = by_lower.get(wanted.lower())
        if exact is not None:
            return exact
        primary = wanted.split("-", 1)[0].lower()
        for tag in available:
            if tag.split("-", 1)[0].lower() == primary:
                return tag
    return default
