"""Free text from callers: trimmed, never blank, never carrying control characters."""

from __future__ import annotations

import unicodedata

from kernel.errors import InvalidInput


def clean(value: str, field: str) -> str:
    """`value` without surrounding white space; `InvalidInput` naming `field` if blank or with control characters."""
    text = value.strip()
    if not text:
        raise InvalidInput.field(field, "cannot be blank")
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r" for ch in text):
        raise InvalidInput.field(field, "contains control characters")
    return text


def optional(value: str | None, field: str) -> str | None:
    """Like `clean`, but None (or blank) means absent."""
    if value is None or not value.strip():
        return None
    return clean(value, field)
