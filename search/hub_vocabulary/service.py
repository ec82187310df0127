"""A hub's words for goods and services: coordinators look concepts up, add terms and concepts of
their own, and take back what their hub added.

What a hub adds serves every search on the platform (a listing is found by buyers of any hub), and is
used from the next search on (served by another process of the service, within a minute: each keeps
the queries it understood that long, `search.engines.postgres.UNDERSTOOD_SECONDS`): queries are
matched to the vocabulary as they come, and listings need no reindexing. The platform's starter terms
are corrected in the repository (`starter.jsonl`), in review, not by a hub: a hub removes only its own.
"""

from __future__ import annotations

import re
import uuid

import msgspec
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import cache, codes
from kernel.auth import Principal
from kernel.errors import Conflict, FieldProblems, InvalidInput, NotFound
from marketplace import api
from search.document import primary_language, words
from search.engines.postgres import load_vocabulary_statements
from search.engines.postgres_understanding import config_of
from search.engines.postgres_vocabulary import ADD_TERMS, term_words
from search.hub_vocabulary.schemas import ConceptCreate, ConceptRead, TermRead, TermsAdd
from search.vocabulary import UNDERSTOOD, Concept

MAX_TERM = 120
MAX_TERMS = 20
MAX_CODES = 10
MAX_LANGUAGES = 40
#: Concepts listed for one lookup: a word names a handful, never hundreds.
MAX_FOUND = 50
_CONCEPT_ID = re.compile(r"[a-z][a-z0-9_]{2,79}")
_HS = re.compile(r"(\d{4}(?:\d{2})?)", re.ASCII)
_CPV = re.compile(r"(\d{8})(?:-\d)?", re.ASCII)

_CONCEPTS = """
SELECT c.id, c.hub_id, c.hs, c.cpv,
       coalesce(json_agg(json_build_object('language', t.language, 'term', t.term, 'hub_id', t.hub_id)
                         ORDER BY t.language, t.position) FILTER (WHERE t.term IS NOT NULL), '[]')::text AS terms
FROM search.concept c LEFT JOIN search.concept_term t ON t.concept_id = c.id
WHERE {where}
GROUP BY c.id ORDER BY c.id LIMIT :limit
"""


_NAMED_BY = "c.id IN (SELECT concept_id FROM search.concept_term WHERE folded = lower(unaccent(CAST(:term AS text))))"
_ADDED_BY = "c.hub_id = :hub_id OR c.id IN (SELECT concept_id FROM search.concept_term WHERE hub_id = :hub_id)"


class HubVocabulary:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, principal: Principal, hub_id: uuid.UUID, term: str | None) -> list[ConceptRead]:
        """Concepts with a term written like `term` (accents and case aside) in any language; without
        `term`, those the hub added to or created."""
        await api.require_hub_coordinator(self.session, principal, hub_id)
        if term is not None:
            folded = " ".join(words(term))
            if not folded:
                raise InvalidInput.query("term", "write a word to look up, in any language")
            return await self._concepts(_NAMED_BY, term=folded)
        return await self._concepts(_ADDED_BY, hub_id=hub_id)

    async def add_terms(self, principal: Principal, hub_id: uuid.UUID, concept_id: str, data: TermsAdd) -> ConceptRead:
        await api.require_hub_coordinator(self.session, principal, hub_id)
        problems = FieldProblems()
        language = problems.check(_language, data.language, "language")
        terms = problems.check(_terms, data.terms, "terms")
        problems.raise_if_any()
        if language is None or terms is None:  # reported just above
            raise InvalidInput.of(problems.errors)
        await self._existing(concept_id)
        cache.changed(self.session, UNDERSTOOD)
        await self.session.execute(
            text(ADD_TERMS),
            {
                "concept_id": concept_id,
                "language": language,
                "terms": terms,
                "term_words": [term_words(t) for t in terms],
                "hub_id": hub_id,
                "config": config_of(language),
            },
        )
        return await self._existing(concept_id)

    async def create(self, principal: Principal, hub_id: uuid.UUID, data: ConceptCreate) -> ConceptRead:
        await api.require_hub_coordinator(self.session, principal, hub_id)
        problems = FieldProblems()
        for field, given in (("hs", data.hs), ("cpv", data.cpv)):
            if len(given) > MAX_CODES:
                problems.add(field, f"give at most {MAX_CODES} codes")
        if len(data.terms) > MAX_LANGUAGES:
            problems.add("terms", f"give terms in at most {MAX_LANGUAGES} languages at a time")
        if not _CONCEPT_ID.fullmatch(data.id):
            problems.add("id", "use 3 to 80 lower-case letters, digits and underscores, starting with a letter")
        hs = [
            match.group(1)
            for index, code in enumerate(data.hs)
            if (match := _code(problems, _HS, code, f"hs[{index}]", "4 or 6 digits"))
        ]
        cpv = [
            match.group(1)
            for index, code in enumerate(data.cpv)
            if (match := _code(problems, _CPV, code, f"cpv[{index}]", "8 digits, as 15831600 or 15831600-8"))
        ]
        terms: dict[str, list[str]] = {}
        if not data.terms:
            problems.add("terms", "give the concept's name in at least one language")
        for given_language, given_terms in data.terms.items():
            language = problems.check(_language, given_language, f"terms.{given_language}")
            checked = problems.check(_terms, given_terms, f"terms.{given_language}")
            if language is not None and checked is not None:
                terms.setdefault(language, []).extend(t for t in checked if t not in terms.get(language, []))
        problems.raise_if_any()
        if await self._concepts("c.id = :id", id=data.id):
            raise Conflict(f"a concept named {data.id!r} exists: add terms to it instead")
        concept = Concept(id=data.id, hs=hs, cpv=cpv, terms=terms)
        cache.changed(self.session, UNDERSTOOD)
        for statement, parameters in load_vocabulary_statements([concept], hub_id=str(hub_id)):
            await self.session.execute(text(statement), parameters)
        created = await self._existing(data.id)
        if created.hub_id != hub_id:  # created meanwhile by someone else: nothing of ours is kept
            raise Conflict(f"a concept named {data.id!r} exists: add terms to it instead")
        return created

    async def remove_term(
        self, principal: Principal, hub_id: uuid.UUID, concept_id: str, language: str, term: str
    ) -> None:
        """Take back a term the hub added; a hub's concept goes when its last term does."""
        await api.require_hub_coordinator(self.session, principal, hub_id)
        language = _language(language, "path:language")
        term = " ".join(term.split())
        cache.changed(self.session, UNDERSTOOD)
        removed = await self.session.execute(
            text(
                "DELETE FROM search.concept_term WHERE concept_id = :concept_id AND language = :language"
                " AND term = :term AND hub_id = :hub_id"
            ),
            {"concept_id": concept_id, "language": language, "term": term, "hub_id": hub_id},
        )
        if not removed.rowcount:  # type: ignore[attr-defined]  # a DML result has it
            raise NotFound(f"your hub added no {language} term {term!r} to {concept_id!r}")
        await self.session.execute(
            text(
                "DELETE FROM search.concept c WHERE c.id = :concept_id AND c.hub_id = :hub_id"
                " AND NOT EXISTS (SELECT FROM search.concept_term t WHERE t.concept_id = c.id)"
            ),
            {"concept_id": concept_id, "hub_id": hub_id},
        )

    async def _existing(self, concept_id: str) -> ConceptRead:
        found = await self._concepts("c.id = :id", id=concept_id)
        if not found:
            raise NotFound(f"no concept {concept_id!r}: look it up by one of its words first")
        return found[0]

    async def _concepts(self, where: str, **parameters: object) -> list[ConceptRead]:
        rows = await self.session.execute(text(_CONCEPTS.format(where=where)), {**parameters, "limit": MAX_FOUND})
        return [
            ConceptRead(
                id=row.id,
                hub_id=row.hub_id,
                hs=list(row.hs),
                cpv=list(row.cpv),
                terms=msgspec.json.decode(row.terms, type=list[TermRead]),
            )
            for row in rows
        ]


def _language(value: str, field: str) -> str:
    """The language a term is kept under: the primary subtag of a registered BCP 47 tag."""
    return primary_language(codes.language(value, field))


def _terms(values: list[str], field: str) -> list[str]:
    """Terms trimmed, without repeats; `InvalidInput` naming each bad one (`terms[1]`)."""
    problems = FieldProblems()
    if not 1 <= len(values) <= MAX_TERMS:
        raise InvalidInput.field(field, f"give 1 to {MAX_TERMS} terms at a time")
    kept: list[str] = []
    for index, value in enumerate(values):
        term = " ".join(value.split())
        if not words(term):
            problems.add(f"{field}[{index}]", "a term needs at least one letter or digit")
        elif "/" in term:
            problems.add(f"{field}[{index}]", "write a term without `/`: give each word as a term of its own")
        elif len(term) > MAX_TERM:
            problems.add(f"{field}[{index}]", f"a term is at most {MAX_TERM} characters")
        elif term not in kept:
            kept.append(term)
    problems.raise_if_any()
    return kept


def _code(problems: FieldProblems, pattern: re.Pattern[str], value: str, field: str, form: str) -> re.Match[str] | None:
    match = pattern.fullmatch(value.strip())
    if match is None:
        problems.add(field, f"write it as {form}")
    return match
