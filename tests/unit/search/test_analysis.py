"""What texts are indexed with beyond their words: lemmas where PostgreSQL has no stemmer, and the parts
of compounds (simplemma's dictionaries)."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import analysis
from search.analysis import index_words, lemma, parts


@pytest.mark.parametrize(
    ("word", "language", "expected"),
    [
        ("ziegenfrischkäse", "de", ("ziegen", "frisch", "käse")),
        ("bratwurst", "de", ("brat", "wurst")),
        ("roggenmischbrot", "de", ("roggen", "misch", "brot")),
        ("schafskäse", "de", ("schafs", "käse")),  # the linking s
        ("geitenkaas", "nl", ("geiten", "kaas")),
        ("rukkileib", "et", ("rukki", "leib")),
    ],
)
def test_a_compound_is_split_into_the_words_it_is_made_of_the_head_last(
    word: str, language: str, expected: tuple[str, ...]
) -> None:
    assert parts(word, language) == expected


@pytest.mark.parametrize(
    ("word", "language"),
    [
        ("kartoffeln", "de"),  # `Kar` + `Toffeln` are both in the dictionary: short parts are not split off
        ("honig", "de"),  # too short to be two words
        ("ziegenfrischkäse", "fr"),  # French does not write compounds as one word
        ("bergkäse", "xx"),  # no dictionary
    ],
)
def test_words_that_are_not_compounds_of_their_language_stay_whole(word: str, language: str) -> None:
    assert parts(word, language) == ()


@pytest.mark.parametrize(
    ("word", "language", "expected"),
    [("sery", "pl", "ser"), ("miodu", "pl", "miód"), ("sýry", "cs", "sýr"), ("mett", "et", "mesi")],
)
def test_an_inflected_word_has_its_dictionary_form_as_lemma(word: str, language: str, expected: str) -> None:
    assert lemma(word, language) == expected


def test_an_unknown_word_is_its_own_lemma() -> None:
    assert lemma("qwxzt", "pl") == "qwxzt"
    assert lemma("sery", "tlh") == "sery"


def test_a_text_adds_lemmas_in_a_language_without_a_stemmer_but_not_in_one_with_a_stemmer() -> None:
    same, lower = index_words("Sery kozie od gospodarza", "pl")
    assert "ser" in same
    assert lower == []
    # German is stemmed by PostgreSQL: no lemmas (simplemma would turn `Käse` into the verb `käsen`).
    assert index_words("Frische Käse", "de") == ([], [])


def test_a_compound_adds_its_head_with_the_texts_weight_and_its_other_parts_lower() -> None:
    same, lower = index_words("Ziegenfrischkäse und Bergkäse", "de")
    assert same == ["käse"]
    assert lower == ["ziegen", "frisch", "berg"]


def test_lemmas_are_found_without_a_writable_cache_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a file"
    blocked.write_text("not a directory")
    monkeypatch.setattr(analysis, "_CACHE", blocked / "lemmas")
    analysis._MappedTries.get_dictionary.cache_clear()
    lemma.cache_clear()
    try:
        assert lemma("sira", "sl") == "sir"
    finally:
        analysis._MappedTries.get_dictionary.cache_clear()
        lemma.cache_clear()
