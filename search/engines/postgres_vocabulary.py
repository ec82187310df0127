"""The vocabulary of goods and services in PostgreSQL: loading concepts, and finding a query's concepts.

Concepts and their terms live in `search.concept` and `search.concept_term` (migration 0031, which also
loads the starter vocabulary; `borderhub search vocabulary` loads it again after the file changed).
Each term is kept folded (`unaccent`, lower case) and stemmed by its language's configuration, the two
ways a query's words are compared with it.

A query's words are matched to concepts by their runs of one to three words (`rye bread` is one concept,
not rye and bread), the longest run first; a run matches a term written the same (folded: `kielbasa` is
`kiełbasa`), its lemma (`miodem` -> `miód`, for languages without a stemmer), or its stem in the query's
language (`breads` -> `bread`). Where a run matches terms of the query's own language, only those count:
Czech `med` is honey, whatever `med` means elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from search.analysis import LEMMATISED, lemma
from search.document import words
from search.vocabulary import Concept

#: Runs of up to this many words are looked up as one term (`miel de acacia`).
LONGEST_TERM = 3


def _folded(term: str) -> str:
    """SQL of a term's words (`term_words`) as compared with a query's words written the same: no accents,
    lower case."""
    return f"lower(unaccent({term}))"


def _stemmed(config: str, term: str) -> str:
    """SQL of a term's words as its language's configuration stems them, in the term's order."""
    return (
        f"array_to_string(ARRAY(SELECT lexeme FROM unnest(to_tsvector(CAST({config} AS regconfig), {term}))"  # noqa: S608
        " ORDER BY positions[1]), ' ')"
    )


_GIVEN = "SELECT c FROM jsonb_array_elements(CAST(CAST(:concepts AS text) AS jsonb)) AS c"
#: Loading concepts (`load_parameters`) is these two statements: the terms of the given concepts added by
#: the same hub (or the platform's, with `:hub_id` NULL) are replaced, what others added is kept.
#: `:configs` maps a language to its text search configuration.
LOAD = (
    f"""
DELETE FROM search.concept_term t USING ({_GIVEN}) AS given
WHERE t.concept_id = given.c->>'id' AND t.hub_id IS NOT DISTINCT FROM CAST(:hub_id AS uuid)
""",  # noqa: S608 - constants only; values are bound
    f"""
WITH given AS ({_GIVEN}),
concepts AS (
    INSERT INTO search.concept AS old (id, hub_id, hs, cpv)
    SELECT c->>'id', CAST(:hub_id AS uuid), ARRAY(SELECT jsonb_array_elements_text(c->'hs')),
           ARRAY(SELECT jsonb_array_elements_text(c->'cpv'))
    FROM given
    -- Whoever created a concept keeps its codes: neither another hub nor a reload of the starter changes them.
    ON CONFLICT (id) DO UPDATE SET hs = EXCLUDED.hs, cpv = EXCLUDED.cpv
    WHERE old.hub_id IS NOT DISTINCT FROM EXCLUDED.hub_id
)
INSERT INTO search.concept_term (concept_id, language, term, position, hub_id, folded, stemmed)
SELECT given.c->>'id', l.key, t.pair->>0, t.position - 1, CAST(:hub_id AS uuid), {_folded("t.pair->>1")},
       {_stemmed("coalesce(CAST(CAST(:configs AS text) AS jsonb)->>l.key, 'search.simple')", "t.pair->>1")}
FROM given, jsonb_each(given.c->'terms') AS l, jsonb_array_elements(l.value) WITH ORDINALITY AS t(pair, position)
ON CONFLICT DO NOTHING
""",  # noqa: S608 - constants only; values are bound
)


def term_words(term: str) -> str:
    """A term as a query's words are compared with it: its words, without punctuation (`miel d'abeille` is
    `miel d abeille`, `pszenno-żytni` is `pszenno żytni`), as `search.document.words` reads a query."""
    return " ".join(words(term))


def load_parameters(concepts: Sequence[Concept], configs: dict[str, str], hub_id: str | None = None) -> dict[str, Any]:
    """The parameters of `LOAD` for these concepts: each term with its words (`term_words`)."""
    given = [
        {
            "id": c.id,
            "hs": c.hs,
            "cpv": c.cpv,
            "terms": {language: [[t, term_words(t)] for t in terms] for language, terms in c.terms.items()},
        }
        for c in concepts
    ]
    return {
        "concepts": msgspec.json.encode(given).decode(),
        "configs": msgspec.json.encode(configs).decode(),
        "hub_id": hub_id,
    }


#: The codes of a concept `c` it owns: those no other concept has, but its variants (`acacia_honey` and
#: `linden_honey` for `honey`). Only they match listings by classification: HS 0809 is apricots, cherries
#: and plums alike, CPV 03221000 every vegetable, and `plums` is not to find cherries. Only the platform's
#: concepts take a code from another: a hub's concept with HS 0409 does not take it from honey.
_OWNED = """ARRAY(SELECT k FROM unnest({codes}) AS k WHERE NOT EXISTS (
    SELECT FROM search.concept o
    WHERE k = ANY(o.{scheme}) AND o.id <> c.id AND o.id NOT LIKE '%\\_' || c.id AND o.hub_id IS NULL))"""

#: A query's runs of words -> the concepts they name, with each concept's codes and terms per language.
LOOKUP = f"""
WITH k AS (
    SELECT g.start, g.length, {_folded("g.gram")} AS folded, {_stemmed(":config", "g.gram")} AS stemmed
    FROM unnest(CAST(:starts AS int[]), CAST(:lengths AS int[]), CAST(:grams AS text[])) AS g(start, length, gram)
),
hits AS (
    SELECT k.start, k.length, t.concept_id, bool_or(t.language = :language) AS own
    FROM k JOIN search.concept_term t
      ON t.folded = k.folded OR (t.stemmed = k.stemmed AND k.stemmed <> '' AND t.language = :language)
    GROUP BY 1, 2, 3
)
SELECT h.start, h.length, h.concept_id, h.own, {_OWNED.format(codes="c.hs", scheme="hs")},
       {_OWNED.format(codes="c.cpv", scheme="cpv")},
       (SELECT json_object_agg(language, terms)::text FROM (
           SELECT language, json_agg(term ORDER BY position) AS terms FROM search.concept_term
           WHERE concept_id = h.concept_id GROUP BY language) x) AS terms
FROM hits h JOIN search.concept c ON c.id = h.concept_id
"""  # noqa: S608 - constants only; values are bound

#: A hub's terms for one concept in one language, after the terms it has there (`:terms`, text[]).
ADD_TERMS = f"""
INSERT INTO search.concept_term (concept_id, language, term, position, hub_id, folded, stemmed)
SELECT CAST(:concept_id AS text), CAST(:language AS text), t.term, coalesce(
           (SELECT max(position) + 1 FROM search.concept_term
            WHERE concept_id = CAST(:concept_id AS text) AND language = CAST(:language AS text)),
           0) + t.n - 1,
       CAST(:hub_id AS uuid), {_folded("t.words")}, {_stemmed(":config", "t.words")}
FROM unnest(CAST(:terms AS text[]), CAST(:term_words AS text[])) WITH ORDINALITY AS t(term, words, n)
ON CONFLICT DO NOTHING
"""  # noqa: S608 - constants only; values are bound


def lookup_parameters(query_words: Sequence[str], language: str, config: str) -> dict[str, Any]:
    """The parameters of `LOOKUP`: every run of up to LONGEST_TERM words, as typed and (in a language
    without a stemmer) as lemmas."""
    lemmas = [lemma(w, language) for w in query_words] if language in LEMMATISED else list(query_words)
    starts, lengths, grams = [], [], []
    for start in range(len(query_words)):
        for length in range(1, min(LONGEST_TERM, len(query_words) - start) + 1):
            for source in {" ".join(query_words[start : start + length]), " ".join(lemmas[start : start + length])}:
                starts.append(start)
                lengths.append(length)
                grams.append(source)
    return {"starts": starts, "lengths": lengths, "grams": grams, "language": language, "config": config}


class Named(msgspec.Struct, frozen=True):
    """Words of a query (`start`, `length`) and the concepts they name."""

    start: int
    length: int
    concepts: list[Concept]


def named_runs(rows: Sequence[Any]) -> list[Named]:
    """The runs of `LOOKUP`'s rows that name concepts, chosen longest first and never overlapping; a run's
    concepts are those named in the query's language when there are such."""
    found: dict[tuple[int, int], list[tuple[bool, Concept]]] = {}
    for start, length, concept_id, own, hs, cpv, terms in rows:
        concept = Concept(id=concept_id, hs=list(hs), cpv=list(cpv), terms=msgspec.json.decode(terms))
        found.setdefault((start, length), []).append((own, concept))
    taken: set[int] = set()
    runs = []
    for start, length in sorted(found, key=lambda run: (-run[1], run[0])):
        covered = set(range(start, start + length))
        if covered & taken:
            continue
        taken |= covered
        matches = found[start, length]
        own = [concept for is_own, concept in matches if is_own]
        concepts = own or [concept for _, concept in matches]
        runs.append(Named(start, length, sorted(concepts, key=lambda c: c.id)))
    return sorted(runs, key=lambda run: run.start)
