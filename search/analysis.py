"""Words as search reads them beyond PostgreSQL's stemmers: lemmas, and compounds split into parts.

PostgreSQL stems German, French, Hungarian ... but has no stemmer for Polish, Czech, Slovak, the Baltic
and South Slavic languages or Ukrainian, so `sery` never met `ser`; and no language of it splits
compounds, so `Käse` never met `Ziegenfrischkäse`. Both come from simplemma's dictionaries (shipped
inside the package, for every language the vocabulary has):

- **lemmas** (`lemma`): a listing's words in a language without a stemmer are indexed with their lemmas
  too (`sery` also as `ser`), and a query's words are looked up by their lemmas as well;
- **compounds** (`parts`): a long word in a language that writes compounds as one word is split into
  words the dictionary knows, the head last (`ziegenfrischkäse` -> ziegen, frisch, käse), trying the
  linking letters between them (`Schweinsbraten`). The head is indexed with the word's own weight, the
  other parts with a description's: `Honig` finds honey first and `Honigwein` (mead) after it.

The dictionaries are kept as MARISA tries in the user's cache directory, built on first use of a
language (one to seven seconds each) and memory-mapped: a process holds only the pages its lookups
touch, not the 30-400 MB each dictionary takes as a Python dict.
"""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import platformdirs
from marisa_trie import BytesTrie
from simplemma import Lemmatizer
from simplemma.__metadata__ import __version__ as simplemma_version
from simplemma.strategies import DefaultStrategy
from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES
from simplemma.strategies.dictionaries.trie_dictionary_factory import TrieDictionaryFactory, TrieWrapDict

from search.document import primary_language, words

#: BCP 47 primary subtag -> simplemma's code, where the two differ (Croatian, Bosnian and Serbian share one
#: dictionary; Norwegian without a variant is Bokmål).
_SIMPLEMMA_CODE = {"hr": "hbs", "bs": "hbs", "sr": "hbs", "no": "nb"}
#: Languages indexed with their words' lemmas: those PostgreSQL has no snowball stemmer for.
LEMMATISED = frozenset({"pl", "cs", "sk", "sl", "hr", "bs", "lv", "et", "uk", "bg", "mk", "is", "gl", "sq"})
#: Languages that write compounds as one word, with the letters that may link two parts (German
#: `Schwein-s-braten`, `Ziege-n-käse`); the empty link first, so `Bergkäse` is `Berg` + `Käse`.
COMPOUNDING: Mapping[str, tuple[str, ...]] = {
    "de": ("", "s", "n", "en", "e", "es", "er", "ns"),
    "nl": ("", "s", "en", "e"),
    "da": ("", "s", "e"),
    "sv": ("", "s"),
    "nb": ("", "s", "e"),
    "nn": ("", "s", "e"),
    "no": ("", "s", "e"),
    "et": ("",),
}
#: Parts shorter than this are not split off: `ei`, `er`, `kar` and the like would split nearly anything
#: (`Kartoffeln` is not `Kar` + `Toffeln`, though the dictionary knows both).
MIN_PART = MIN_HEAD = 4
#: Shorter words are not compounds.
MIN_COMPOUND = MIN_PART + MIN_HEAD

_CACHE = Path(platformdirs.user_cache_dir("borderhub")) / "lemmas" / simplemma_version


class _MappedTries:
    """simplemma's dictionaries as memory-mapped tries (a simplemma `DictionaryFactory`)."""

    @functools.cache  # noqa: B019 - one instance for the process's lifetime
    def get_dictionary(self, lang: str) -> Mapping[str, str]:
        path = _CACHE / f"{lang}.dic"
        try:
            if not path.exists():
                # Built aside and moved into place whole: a server and a worker may build one at once.
                _CACHE.mkdir(parents=True, exist_ok=True)
                with tempfile.TemporaryDirectory(dir=_CACHE) as building:
                    TrieDictionaryFactory(disk_cache_dir=building).get_dictionary(lang)
                    os.replace(Path(building) / f"{lang}.dic", path)
        except OSError:
            # No writable cache (a read-only home): the trie in this process's memory instead.
            return TrieDictionaryFactory(use_disk_cache=False).get_dictionary(lang)
        trie = BytesTrie()
        trie.mmap(str(path))
        return TrieWrapDict(trie)


_TRIES = _MappedTries()
_LEMMATIZER = Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=_TRIES))


def _code(language: str) -> str | None:
    """simplemma's code of a language (a BCP 47 tag), None when it has no dictionary for it."""
    primary = primary_language(language)
    code = _SIMPLEMMA_CODE.get(primary, primary)
    return code if code in SUPPORTED_LANGUAGES else None


@functools.lru_cache(maxsize=65536)  # a catalog repeats its words: most lookups are answered here
def lemma(word: str, language: str) -> str:
    """The lemma of a lower-case word in `language` (lower case); the word itself when the dictionary does
    not know it or has no dictionary for the language."""
    code = _code(language)
    if code is None:
        return word
    with contextlib.suppress(ValueError):  # a word simplemma refuses (too long, no letters)
        return _LEMMATIZER.lemmatize(word, code).casefold()
    return word


def _known(word: str, dictionary: Mapping[str, str], noun: bool) -> bool:
    # German dictionaries keep nouns capitalised (`käse` alone is a form of the verb `käsen`).
    return word.capitalize() in dictionary if noun else word in dictionary or word.capitalize() in dictionary


@functools.lru_cache(maxsize=65536)
def parts(word: str, language: str) -> tuple[str, ...]:
    """The parts of a lower-case compound, the head last (`ziegenfrischkäse` -> ziegen, frisch, käse);
    empty when the word is not one or its language does not compound. The longest known head is taken
    first, and split again if it is a compound itself."""
    primary = primary_language(language)
    links = COMPOUNDING.get(primary)
    code = _code(primary)
    if links is None or code is None or len(word) < MIN_COMPOUND or not word.isalpha():
        return ()
    return _split(word, links, _TRIES.get_dictionary(code), noun=primary == "de")


def _split(word: str, links: tuple[str, ...], dictionary: Mapping[str, str], *, noun: bool) -> tuple[str, ...]:
    for start in range(MIN_PART, len(word) - MIN_HEAD + 1):
        head = word[start:]
        if not _known(head, dictionary, noun):
            continue
        rest = word[:start]
        for link in links:
            if not rest.endswith(link) or len(rest) - len(link) < MIN_PART:
                continue
            modifier = rest[: len(rest) - len(link)]
            before: tuple[str, ...] = (modifier,) if _known(modifier, dictionary, noun=False) else ()
            if not before and len(modifier) >= MIN_COMPOUND:
                before = _split(modifier, links, dictionary, noun=noun)
            if before:
                after = _split(head, links, dictionary, noun=noun) if len(head) >= MIN_COMPOUND else ()
                return (*before, *(after or (head,)))
    return ()


def index_words(text: str, language: str) -> tuple[list[str], list[str]]:
    """What a text in `language` is indexed with beyond its own words: (words weighted as the text is,
    words weighted lower). The first are lemmas (in languages without a stemmer) and compounds' heads,
    the second the other parts of compounds; each list without repeats, in order of appearance."""
    primary = primary_language(language)
    lemmatised = primary in LEMMATISED
    same: dict[str, None] = {}
    lower: dict[str, None] = {}
    for word in words(text):
        if lemmatised and (base := lemma(word, primary)) != word:
            same[base] = None
        *modifiers, head = parts(word, primary) or (word,)
        if modifiers:
            # Stemmed languages (German, Dutch ...) stem the parts as they stem any word.
            for part, into in ((head, same), *((m, lower) for m in modifiers)):
                into[part] = None
                if lemmatised:
                    into[lemma(part, primary)] = None
    return list(same), [w for w in lower if w not in same]
