"""The goods a hub's rule is about, in words (a rule names a classification prefix, not a code): for the
hub's settings and the public page on how to become a supplier."""

from __future__ import annotations

from marketplace.api import classification_name, shown_classification
from marketplace.catalog.classification import Scheme
from web.page import Reader


def goods_words(reader: Reader, scheme: str, prefix: str) -> str:
    """The goods a rule is about: their name when the code the prefix stands for has one (CPV codes are
    filled with zeros to their 8 digits, `0314` → `03140000`), and always the code list and digits."""
    named = classification_name(scheme, prefix, reader.language)
    if named is None:
        width = 8 if scheme == Scheme.CPV.value else 6
        if len(prefix) < width:
            named = classification_name(scheme, prefix.ljust(width, "0"), reader.language)
    shown = shown_classification(scheme, prefix) if scheme in {s.value for s in Scheme} else prefix
    if named:
        return reader.gettext("%(name)s (%(scheme)s codes beginning with %(digits)s)") % {
            "name": named,
            "scheme": scheme,
            "digits": shown,
        }
    return reader.gettext("goods with %(scheme)s codes beginning with %(digits)s") % {"scheme": scheme, "digits": shown}
