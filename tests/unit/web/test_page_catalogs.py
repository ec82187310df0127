"""Every text of the pages is translated into every language they are written in, placeholders intact,
and the language of a page is chosen as the reader would expect."""

from __future__ import annotations

import pytest

from kernel.catalogs import check
from web.i18n import WEB_CATALOG, language_names, page_language


@pytest.mark.parametrize("language", WEB_CATALOG.languages)
def test_every_text_of_every_page_is_translated(language: str) -> None:
    assert check(WEB_CATALOG)[language] == []


@pytest.mark.parametrize(
    ("preferred", "picked", "accept_language", "expected"),
    [
        ("pl", "de", "cs", "pl"),  # the person's own choice wins
        (None, "de", "cs", "de"),  # then what they picked on this browser
        (None, None, "fr-FR,cs;q=0.8,de;q=0.9", "de"),  # then the browser's best one we write in
        (None, None, "de-AT", "de-AT"),  # the region is kept for dates and numbers
        ("sk", None, "fr", "en"),  # nothing we write in: English
        (None, None, "cs;q=0", "en"),  # q=0 means "not this one"
    ],
)
def test_the_page_language_follows_the_person_then_the_browser(
    preferred: str | None, picked: str | None, accept_language: str, expected: str
) -> None:
    assert page_language(preferred, picked, accept_language) == expected


def test_each_language_is_offered_under_its_own_name() -> None:
    assert language_names() == {"en": "English", "de": "Deutsch", "pl": "polski", "cs": "čeština"}
