"""A query as the PostgreSQL engine matches it: segments of words, each maybe naming concepts, turned
into the tsqueries a search's statement reads (`Understood`).

The engine makes the round trips (typo corrections, the concepts of `postgres_vocabulary.LOOKUP`, one
statement parsing every source); this module says what is parsed, and how the parses combine.
"""

from __future__ import annotations

import msgspec

from search.analysis import LEMMATISED, lemma, parts
from search.document import is_word, primary_language, words
from search.engines.postgres_vocabulary import Named
from search.engines.tsquery import alternatives, simplified
from search.vocabulary import Concept

#: BCP 47 primary language -> PostgreSQL snowball configuration (all present since PostgreSQL 13).
SNOWBALL = {
    "ar": "arabic",
    "hy": "armenian",
    "eu": "basque",
    "ca": "catalan",
    "da": "danish",
    "nl": "dutch",
    "en": "english",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "el": "greek",
    "hi": "hindi",
    "hu": "hungarian",
    "id": "indonesian",
    "ga": "irish",
    "it": "italian",
    "lt": "lithuanian",
    "ne": "nepali",
    "nb": "norwegian",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "es": "spanish",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
CONFIGS = sorted({f"search.{name}" for name in SNOWBALL.values()} | {"search.simple"})
MIN_PREFIX = 2


def config_of(language: str) -> str:
    return f"search.{SNOWBALL.get(primary_language(language), 'simple')}"


class Understood(msgspec.Struct, frozen=True, kw_only=True):
    """A query as the engine matches it, each part a tsquery (as text; '' for none).

    Its words are groups `(word | corrections | lemma | compound parts)`, AND'ed; runs of words that name
    a concept of the vocabulary (`_understand`) may also be that concept's terms in a text's language.
    The last word also matches as a prefix (search-as-you-type).
    """

    own: dict[str, str]
    """Configuration -> the words as that configuration parses them (a text's own-word match)."""
    translated: dict[str, str]
    """Language -> the words, or the named concepts' terms in that language (a translation match)."""
    codes: str
    """The classification codes of the one concept the whole query names (a category match)."""
    loose: str
    """Any configuration's parse and any language's terms, or the codes: the candidates, on `d.tsv`."""
    loose_words: str
    """The words alone, as any configuration parses them: the candidates walked first (`loose` less
    these is walked only when they are too few to count)."""
    loose_any: list[str]
    """`loose` as the queries any of which it matches (`tsquery.alternatives`: one index search each)."""
    words_any: list[str]
    """`loose_words` as alternatives, likewise."""
    names: str
    """Any of the words, for producer names (`d.name_tsv`)."""
    named: list[dict[str, str]]
    """What each run of words naming concepts calls the first of them in each language (its preferred
    term), in query order: all a hit needs of the concepts, and all that is kept of them."""
    highlight_words: str
    """The words as typed for highlighting (`simple`): a text's own words are marked where they match."""

    def term(self, language: str) -> str | None:
        """What the named concepts are called in `language` ("miód"), for "also in Polish: miód"."""
        names = [preferred.get(primary_language(language)) for preferred in self.named]
        return " ".join(n for n in names if n) or None

    def text_queries(self) -> tuple[str, dict[str, str]]:
        """SQL of the one row a text `t` (search.listing_text) is matched with: `o`, its own words as its
        configuration parses them; `x`, the named concepts' terms in its language; `k`, the codes (each a
        tsquery, NULL where there is none) — and its parameters. Each is a CASE over bound constants, so
        no text parses or looks up anything (joining a table of the queries cost 17 µs a candidate); most
        configurations parse a query alike, so the commonest parse is the ELSE of `o`'s CASE and only the
        others are compared."""
        parameters: dict[str, str] = {}

        def case(subject: str, name: str, queries: dict[str, str], otherwise: str = "") -> str:
            branches = []
            for i, (key, query) in enumerate(sorted(queries.items())):
                if query == otherwise or not (query or otherwise):
                    continue
                parameters[f"{name}_key_{i}"] = key
                if query:
                    parameters[f"{name}_{i}"] = query
                    branches.append(f"WHEN :{name}_key_{i} THEN CAST(:{name}_{i} AS tsquery)")
                else:  # a stop word in this configuration: no ELSE for it
                    branches.append(f"WHEN :{name}_key_{i} THEN CAST(NULL AS tsquery)")
            if otherwise:
                parameters[f"{name}_else"] = otherwise
                if not branches:
                    return f"CAST(:{name}_else AS tsquery)"
                branches.append(f"ELSE CAST(:{name}_else AS tsquery)")
            return f"CASE {subject} {' '.join(branches)} END" if branches else "CAST(NULL AS tsquery)"

        parses = [query for query in self.own.values() if query]
        commonest = max(parses, key=parses.count) if parses else ""
        own = case("t.config", "own", self.own, commonest)  # `own` has every configuration
        translated = case("split_part(t.language, '-', 1)", "translated", self.translated)
        codes = "CAST(NULL AS tsquery)"
        if self.codes:
            parameters["codes"] = self.codes
            codes = "CAST(:codes AS tsquery)"
        return f"SELECT {own} AS o, {translated} AS x, {codes} AS k", parameters


#: Segments of a query: a run of words naming concepts, or a word naming none (its concepts empty).
Segment = tuple[list[str], list[Concept]]


def segments_of(query_words: list[str], runs: list[Named]) -> list[Segment]:
    """The query's words in segments: each run naming concepts, and every other word on its own."""
    segments: list[Segment] = []
    position = 0
    for run in [*runs, Named(len(query_words), 0, [])]:
        segments += [([word], []) for word in query_words[position : run.start]]
        if run.length:
            segments.append((query_words[run.start : run.start + run.length], run.concepts))
        position = run.start + run.length
    return segments


def tsquery_sources(
    query_words: list[str], segments: list[Segment], corrections: dict[str, list[str]], language: str
) -> list[tuple[str, str, str]]:
    """What to parse for `understood_from`: (key, configuration, to_tsquery source), sources holding only
    letters, digits and operators. Keys: `own:{segment}:{config}` (a segment's words but the query's last
    word), `last:{config}`, `prefix`, `terms:{segment}:{language}`, `codes`, `names`, `highlight`."""
    last = query_words[-1]
    groups = {word: _group(word, corrections.get(word, []), language) for word in query_words}
    sources = [
        ("names", "search.simple", " | ".join(query_words)),
        ("highlight", "search.simple", " | ".join(query_words)),
    ]
    if len(last) >= MIN_PREFIX:
        sources.append(("prefix", "search.simple", f"{last}:*"))
    if len(segments) == 1 and segments[0][1]:  # the whole query names concepts: their codes too
        tokens = sorted({t for concept in segments[0][1] for t in concept_code_tokens(concept) if is_word(t)})
        if tokens:
            sources.append(("codes", "search.simple", " | ".join(tokens)))
    # The last word on its own: it also matches as a prefix, which only it may.
    sources += [(f"last:{c}", c, groups[last]) for c in CONFIGS]
    for i, (segment_words, concepts) in enumerate(segments):
        before_last = segment_words[:-1] if i == len(segments) - 1 else segment_words
        if before_last:
            words_source = " & ".join(groups[word] for word in before_last)
            sources += [(f"own:{i}:{c}", c, words_source) for c in CONFIGS]
        # A concept's terms anywhere in a text: a description that names the goods as an ingredient
        # (`pierniki na miodzie`) ranks below titles that are the goods (`ts_rank`'s weights), and
        # restricting terms to titles lost more than it kept out (recall@10 0.94 -> 0.90 across
        # languages in `benchmarks/relevance.py`).
        terms: dict[str, set[str]] = {}
        for concept in concepts:
            for term_language, terms_of in concept.terms.items():
                terms.setdefault(term_language, set()).update(
                    " & ".join(term_words)
                    for term in terms_of
                    if (term_words := [w for w in words(term) if is_word(w)])
                )
        sources += [
            (f"terms:{i}:{term_language}", config_of(term_language), " | ".join(f"({t})" for t in sorted(found)))
            for term_language, found in terms.items()
        ]
    return sources


def either(*queries: str) -> str:
    """tsquery text matching any of `queries` (empty ones left out)."""
    return " | ".join(f"({q})" for q in sorted({q for q in queries if q}))


def conjunction(queries: list[str]) -> str:
    """tsquery text matching all of `queries` (empty ones left out)."""
    return " & ".join(f"({q})" for q in queries if q)


def understood_from(parsed: dict[str, str], segments: list[Segment]) -> Understood:
    """The query from the parses of `tsquery_sources` (empty parses left out of `parsed`)."""
    prefix_query = parsed.get("prefix", "")
    last_index = len(segments) - 1

    def segment(i: int, config: str, *, prefix: bool = True) -> str:
        """Segment `i`'s words as `config` parses them (the last word also as a prefix)."""
        if i < last_index:
            return parsed.get(f"own:{i}:{config}", "")
        last_word = either(parsed.get(f"last:{config}", ""), prefix_query if prefix else "")
        return conjunction([parsed.get(f"own:{i}:{config}", ""), last_word])

    indexes = range(len(segments))
    term_languages = sorted({key.split(":")[2] for key in parsed if key.startswith("terms:")})
    translated = {
        language: conjunction(
            [either(segment(i, config_of(language)), parsed.get(f"terms:{i}:{language}", "")) for i in indexes]
        )
        for language in term_languages
    }
    # A segment that is a stop word in some configuration (French `l`, `d`) is left out of the loose
    # query, as a text in that language matches without it; unless all are (Dutch `met` is `with`,
    # German `Met` is mead).
    kept = [i for i in indexes if all(segment(i, c, prefix=False) for c in CONFIGS)] or indexes
    loose = conjunction(
        [
            either(*(segment(i, c) for c in CONFIGS), *(parsed.get(f"terms:{i}:{tl}", "") for tl in term_languages))
            for i in kept
        ]
    )
    loose_words = conjunction([either(*(segment(i, c) for c in CONFIGS)) for i in kept])
    codes = parsed.get("codes", "")
    loose = simplified(either(loose, codes))
    loose_words = simplified(loose_words)
    return Understood(
        own={config: simplified(conjunction([segment(i, config) for i in indexes])) for config in CONFIGS},
        translated={language: simplified(query) for language, query in translated.items()},
        codes=simplified(codes),
        loose=loose,
        loose_words=loose_words,
        loose_any=alternatives(loose),
        words_any=alternatives(loose_words),
        names=simplified(parsed.get("names", "")),
        named=[
            {language: terms[0] for language, terms in concepts[0].terms.items() if terms}
            for _, concepts in segments
            if concepts
        ],
        highlight_words=simplified(either(parsed.get("highlight", ""), prefix_query)),
    )


def concept_code_tokens(concept: Concept) -> list[str]:
    return [f"hs{code}" for code in concept.hs] + [f"cpv{code}" for code in concept.cpv]


def _group(word: str, corrections: list[str], language: str) -> str:
    """A query word's group for to_tsquery: the word, its corrections, its lemma and its compound parts."""
    alternatives = [word, *corrections]
    # Only letters and digits reach to_tsquery: simplemma's Slovenian lemma of `lady` is `lady!`.
    if language in LEMMATISED and is_word(base := lemma(word, language)):
        alternatives.append(base)
    split = [part for part in parts(word, language) if is_word(part)]
    if split:
        alternatives.append("(" + " & ".join(split) + ")")
    return "(" + " | ".join(dict.fromkeys(a for a in alternatives if a)) + ")"
