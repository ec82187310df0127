"""The language of a page: the person's preferred one, else the one they picked on this browser,
else the browser's `Accept-Language`, else English; and the page texts' message catalog."""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

import babel

from kernel.catalogs import MessageCatalog
from marketplace.api import READER_LANGUAGES, catalog_language

LANGUAGE_COOKIE = "borderhub_language"
"""The language picked on a browser by someone not signed in (a signed-in person's is on their profile)."""
#: Every text of the pages (templates and Python) and its translations.
WEB_CATALOG = MessageCatalog(
    name="web",
    sources=Path(__file__).parent,
    locale_dir=Path(__file__).parent / "locale",
    languages=READER_LANGUAGES[1:],
)


def _accepted(header: str) -> list[str]:
    """The languages of an `Accept-Language` header, most wanted first (`q=0` ones left out)."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, parameters = part.strip().partition(";")
        quality = 1.0
        if parameters.strip().startswith("q="):
            try:
                quality = float(parameters.strip()[2:])
            except ValueError:
                continue
        if tag and tag != "*" and quality > 0:
            ranked.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(ranked)]


def page_language(preferred: str | None, picked: str | None, accept_language: str | None) -> str:
    """The BCP 47 tag a page is written for (`de-AT` keeps its region for formatting): the first of
    `preferred`, `picked` and the accepted languages that has a catalog; English otherwise."""
    candidates = [preferred, picked, *_accepted(accept_language or "")]
    for tag in candidates:
        if tag and catalog_language(tag) == tag.split("-", 1)[0].lower():
            return tag
    return "en"


@functools.cache
def language_names() -> dict[str, str]:
    """Each language a page may be read in, named in itself (`Deutsch`, `polski`, `čeština`)."""
    return {code: babel.Locale.parse(code).get_display_name(code) or code for code in READER_LANGUAGES}


def language_name(tag: str, locale: babel.Locale) -> str:
    """A language (BCP 47 tag) named in the reader's locale (`Czech`, `tschechisch`); the tag itself
    for one the locale does not name."""
    try:
        return babel.Locale.parse(tag, sep="-").get_display_name(locale) or tag
    except (ValueError, babel.UnknownLocaleError):
        return tag


def name_order(name: str) -> str:
    """A sort key close enough to the locale's order for a pick list of names: `Österreich` sorts
    with O, not after Z."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", name) if not unicodedata.combining(ch)).casefold()
