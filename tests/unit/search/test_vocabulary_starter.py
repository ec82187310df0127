"""The starter vocabulary is whole: every concept named in every language a hub's buyers search in,
with codes of the right shape, and the words a buyer would try for the goods they know."""

from __future__ import annotations

import re

import pytest

from search.vocabulary import LANGUAGES, Concept, starter_concepts

CONCEPTS = starter_concepts()
BY_ID = {concept.id: concept for concept in CONCEPTS}


def test_the_starter_vocabulary_has_at_least_300_concepts_with_unique_ids() -> None:
    assert len(CONCEPTS) >= 300
    assert len(BY_ID) == len(CONCEPTS), "two concepts share an id"
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", concept.id) for concept in CONCEPTS)


@pytest.mark.parametrize("concept", CONCEPTS, ids=lambda concept: concept.id)
def test_every_concept_has_terms_in_every_language_and_codes_of_the_right_shape(concept: Concept) -> None:
    missing = [language for language in LANGUAGES if not concept.terms.get(language)]
    assert not missing, f"{concept.id} has no terms in {missing}"
    for language, terms in concept.terms.items():
        assert all(term == term.strip() and term for term in terms), f"{concept.id}/{language}: {terms}"
        folded = [term.casefold() for term in terms]
        assert len(set(folded)) == len(folded), f"{concept.id}/{language} repeats a term: {terms}"
    assert all(re.fullmatch(r"\d{4}", code) for code in concept.hs), concept.hs
    assert all(re.fullmatch(r"\d{8}", code) for code in concept.cpv), concept.cpv


@pytest.mark.parametrize(
    ("concept", "language", "term"),
    [
        ("honey", "pl", "miód"),
        ("honey", "pl", "miodu"),  # inflected: Polish has no stemmer in PostgreSQL
        ("honey", "de", "Honig"),
        ("honey", "et", "mett"),
        ("honey", "uk", "мед"),
        ("quark", "de", "Topfen"),  # Austrian
        ("apricot", "de", "Marille"),
        ("bread_rolls", "de", "Semmel"),
        ("potato", "de", "Erdäpfel"),
        ("potato", "cs", "brambory"),
    ],
)
def test_a_buyer_finds_the_concept_by_the_word_they_use(concept: str, language: str, term: str) -> None:
    assert term in BY_ID[concept].terms[language]


def test_the_preferred_term_is_the_first_and_none_for_a_language_without_terms() -> None:
    honey = BY_ID["honey"]
    assert (honey.preferred("pl"), honey.preferred("de"), honey.preferred("zz")) == ("miód", "Honig", None)


def test_goods_have_hs_headings_and_services_none() -> None:
    assert BY_ID["honey"].hs == ["0409"]
    assert BY_ID["catering"].hs == []
