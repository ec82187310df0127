"""Gettext message catalogs with Babel: extracting the texts, updating each language, checking them.

A package that writes for people keeps its catalogs in `<locale_dir>/<language>/LC_MESSAGES/
messages.po` next to a template `messages.pot` extracted from its sources (Jinja2 templates and
Python). Catalogs are compiled in memory when they are loaded, so nothing compiled is kept in the
repository; `check` is what a build or a test runs to know they are complete and well formed.
"""

from __future__ import annotations

import functools
import gettext
import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

POT = "messages.pot"
DOMAIN = "messages"
#: How each kind of source file is read: Jinja2 templates with the i18n extension, Python with gettext calls.
METHODS = [("**.jinja", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS = {"**.jinja": {"extensions": "jinja2.ext.i18n", "trim_blocks": "false", "lstrip_blocks": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


@dataclass(frozen=True)
class MessageCatalog:
    """The texts of one part of the service: where they are written and where their translations live."""

    name: str
    sources: Path
    locale_dir: Path
    languages: tuple[str, ...]
    """The languages translated into (the source language, English, is not among them)."""

    def po_path(self, language: str) -> Path:
        return self.locale_dir / language / "LC_MESSAGES" / f"{DOMAIN}.po"

    def translations(self, language: str) -> gettext.NullTranslations:
        """The compiled catalog of `language` (English, and a language without a catalog: the texts as
        written). Compiled in memory from its `.po` file, so that a catalog cannot be stale and
        installing needs no build step."""
        return _compiled(self.po_path(language), language)


@functools.cache  # one compilation per catalog file and process
def _compiled(po: Path, language: str) -> gettext.NullTranslations:
    if not po.exists():
        return gettext.NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled)


def extract(catalog: MessageCatalog) -> Catalog:
    """Every text of the sources, written to `<locale_dir>/messages.pot`."""
    template = Catalog(project="Borderhub", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        catalog.sources, METHODS, OPTIONS, keywords=KEYWORDS, comment_tags=("Translators:",)
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    catalog.locale_dir.mkdir(parents=True, exist_ok=True)
    with (catalog.locale_dir / POT).open("wb") as handle:
        write_po(handle, template, width=100, sort_output=True, omit_header=True)
    return template


def update(catalog: MessageCatalog) -> dict[str, int]:
    """Bring each language's catalog up to the extracted template: new texts added untranslated,
    changed ones marked fuzzy, gone ones dropped. Returns how many texts each language lacks."""
    template = extract(catalog)
    missing: dict[str, int] = {}
    for language in catalog.languages:
        path = catalog.po_path(language)
        if path.exists():
            with path.open("rb") as handle:
                translated = read_po(handle, locale=language)
        else:
            translated = Catalog(locale=language, project="Borderhub", charset="utf-8")
        translated.update(template, no_fuzzy_matching=True)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, translated, width=100, sort_output=True, ignore_obsolete=True)
        missing[language] = len(problems_of(translated))
    return missing


def check(catalog: MessageCatalog) -> dict[str, list[str]]:
    """What keeps each language's catalog from being complete, by language (empty lists: all good):
    texts of the sources it lacks, untranslated or fuzzy ones, and translations whose placeholders
    differ from the original's."""
    template = Catalog()
    for filename, lineno, message, _, context in extract_from_dir(catalog.sources, METHODS, OPTIONS, keywords=KEYWORDS):
        template.add(message, None, [(filename, lineno)], context=context)
    found: dict[str, list[str]] = {}
    for language in catalog.languages:
        path = catalog.po_path(language)
        if not path.exists():
            found[language] = [f"no catalog at {path}"]
            continue
        with path.open("rb") as handle:
            translated = read_po(handle, locale=language)
        problems = problems_of(translated)
        problems += [f"not in the catalog: {_text(m.id)}" for m in template if m.id and m.id not in translated]
        found[language] = problems
    return found


def problems_of(translated: Catalog) -> list[str]:
    problems = []
    for message in translated:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            problems.append(f"untranslated: {_text(message.id)}")
        elif message.fuzzy:
            problems.append(f"fuzzy: {_text(message.id)}")
        else:
            problems += [f"{_text(message.id)}: {error}" for error in message.check(translated)]
    return problems


def _text(message_id: str | tuple[str, ...] | list[str]) -> str:
    return repr(message_id if isinstance(message_id, str) else message_id[0])
