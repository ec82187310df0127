"""Messages rendered for their reader: units by name, money and dates for the locale, HTML escaped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import babel
import jinja2
import pytest

from marketplace.mail.formats import catalog_language, format_quantity, formats_for, locale_of
from marketplace.mail.render import render

ADMITTED = {"recipient_name": "Anna", "organization_name": "Piekarnia Nowak s.c.", "hub_name": "Görlitz Hub"}


@pytest.mark.parametrize(
    ("value", "code", "language", "shown"),
    [
        ("2.5", "KGM", "de", "2,5 kg"),
        ("1.5", "MTR", "en", "1.5 m"),
        ("12", "H87", "en", "12 pieces"),
        ("1", "XBX", "en", "1 box"),
        ("3", "HUR", "en", "3 hr"),
    ],
)
def test_quantities_are_shown_with_the_units_name_never_its_code(
    value: str, code: str, language: str, shown: str
) -> None:
    assert format_quantity(Decimal(value), code, babel.Locale.parse(language)) == shown


def test_a_language_without_a_catalog_reads_english_and_regional_tags_format_for_their_region() -> None:
    assert catalog_language("sk") == "en"
    assert catalog_language("de-AT") == "de"
    assert catalog_language(None) == "en"
    assert str(locale_of("de-AT")) == "de_AT"
    assert str(locale_of("sk")) == "en"


def test_the_html_part_escapes_what_people_typed_and_the_text_part_keeps_it() -> None:
    context = {**ADMITTED, "organization_name": "<script>alert(1)</script> & Co", "link": "https://hub.example/o"}
    message = render("membership_admitted", "en", context)
    assert "<script>" not in message.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in message.html
    assert "<script>alert(1)</script> & Co is now a member" in message.text
    assert message.subject == "Welcome to Görlitz Hub"
    assert message.action == "Open your organisation"
    assert "Open your organisation: https://hub.example/o" in message.text


def test_dates_in_a_message_are_written_for_the_readers_locale_and_time_zone() -> None:
    expires = dt.datetime(2026, 12, 9, 10, 0, tzinfo=dt.UTC)
    english = render("email_verification", "en", {"full_name": "Ana", "expires_at": expires, "link": "x"})
    german = render("email_verification", "de", {"full_name": "Ana", "expires_at": expires, "link": "x"})
    assert "Dec 9, 2026, 10:00:00 AM UTC" in english.text
    # In the reader's time zone: Görlitz is an hour ahead of UTC in December.
    assert "09.12.2026, 11:00:00 MEZ" in german.text


def test_the_day_of_a_moment_is_the_readers_day_in_their_time_zone_not_the_utc_day() -> None:
    late = dt.datetime(2026, 3, 14, 23, 30, tzinfo=dt.UTC)
    assert formats_for("de").day(late) == "15. März 2026"  # already half past midnight in Görlitz
    assert formats_for("en").day(late) == "March 14, 2026"  # English readers read UTC
    assert formats_for("de").day(late) == formats_for("de").date(dt.date(2026, 3, 15))


def test_a_message_missing_a_value_fails_loudly_rather_than_sending_a_blank() -> None:
    with pytest.raises(jinja2.UndefinedError):
        render("membership_admitted", "en", {"recipient_name": "Anna"})
