"""Every message is translated into every language the service writes in, placeholders intact."""

from __future__ import annotations

import pytest

from kernel.catalogs import check
from marketplace.mail.formats import CATALOG
from marketplace.mail.render import render

ADMITTED = {"recipient_name": "Anna", "organization_name": "Piekarnia Nowak s.c.", "hub_name": "Neiße-Hub"}


@pytest.mark.parametrize("language", CATALOG.languages)
def test_every_text_of_every_message_is_translated(language: str) -> None:
    assert check(CATALOG)[language] == []


@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        ("de", "Willkommen bei Neiße-Hub", "Hallo Anna,"),
        ("pl", "Witamy w hubie Neiße-Hub", "Dzień dobry, Anna,"),
        ("cs", "Vítejte v hubu Neiße-Hub", "Dobrý den, Anna,"),
        ("sk", "Welcome to Neiße-Hub", "Hello Anna,"),
    ],
)
def test_a_message_reads_in_the_readers_language_and_english_for_the_others(
    language: str, subject: str, greeting: str
) -> None:
    message = render("membership_admitted", language, {**ADMITTED, "link": "https://hub.example/o"})
    assert message.subject == subject
    assert message.paragraphs[0] == greeting
    assert f'<html lang="{message.language}">' in message.html
