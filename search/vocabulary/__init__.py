"""The platform's multilingual vocabulary of goods and services.

Concepts (honey, rye bread, catering ...) each with terms in many languages — the preferred one
first, then synonyms, regional words (`Topfen` for `Quark`) and the inflected forms a stemmer does
not reach (`miodu`, `mett`) — and the classification codes (HS headings, CPV) they belong to. The
starter vocabulary (`starter.jsonl`) is written by the project for the goods and services typical
of border-hub trade, one concept per line, so a correction is a one-line change in review.

`starter_concepts()` reads it into `Concept`s.
"""

from __future__ import annotations

import functools
from importlib.resources import files

import msgspec

#: `kernel.cache` key of the queries an engine has understood with the vocabulary (their words matched
#: to concepts and typo corrections): what changes the vocabulary or the indexed words marks it changed.
UNDERSTOOD = "search.understood"

#: The languages every starter concept has terms in (BCP 47 primary subtags).
LANGUAGES = ("de", "pl", "cs", "sk", "en", "fr", "es", "pt", "it", "nl", "hu", "et", "lv", "lt", "sl", "hr", "ro", "uk")


class Concept(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    id: str
    """Stable English name (`rye_bread`): what hubs' additions and corrections refer to."""
    hs: list[str]
    """Harmonized System headings (4 digits) the goods fall under; empty for services and where no
    heading is certain."""
    cpv: list[str]
    """Common Procurement Vocabulary codes (8 digits, without the check digit)."""
    terms: dict[str, list[str]]
    """Language -> its terms, the preferred one first."""

    def preferred(self, language: str) -> str | None:
        """The concept's name in `language` (a primary subtag), if it has one."""
        terms = self.terms.get(language)
        return terms[0] if terms else None


@functools.cache
def starter_concepts() -> tuple[Concept, ...]:
    """The starter vocabulary, in file order."""
    lines = files(__package__).joinpath("starter.jsonl").read_bytes().splitlines()
    return tuple(msgspec.json.decode(line, type=Concept) for line in lines if line.strip())
