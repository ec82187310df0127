"""What coordinators send and read about their hub's words for goods and services."""

from __future__ import annotations

import uuid

import msgspec


class TermsAdd(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    language: str
    """BCP 47 tag of the terms' language (`de`, `de-AT`: terms are kept by language, `de`)."""
    terms: list[str]
    """Words buyers use for the concept in that language: regional words, trade names, inflected forms."""


class ConceptCreate(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    id: str
    """Lower-case English name with underscores (`glumse_quark`), unique on the platform."""
    hs: list[str] = msgspec.field(default_factory=list)
    """HS headings (4 digits) or subheadings (6) the goods fall under."""
    cpv: list[str] = msgspec.field(default_factory=list)
    """CPV codes (8 digits; a check digit after a dash is accepted and dropped)."""
    terms: dict[str, list[str]]
    """Language -> its terms, the name first."""


class TermRead(msgspec.Struct, frozen=True, kw_only=True):
    language: str
    term: str
    hub_id: uuid.UUID | None
    """The hub that added it; null for the platform's starter vocabulary."""


class ConceptRead(msgspec.Struct, frozen=True, kw_only=True):
    id: str
    hub_id: uuid.UUID | None
    """The hub that created the concept; null for the platform's."""
    hs: list[str]
    cpv: list[str]
    terms: list[TermRead]
    """By language, each language's name first."""
