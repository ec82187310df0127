"""The award service's words as the coordinator's award page says them: why an offer was not
eligible, what the proposal leaves short and why, and why an override was refused, with
quantities, places, dates and currencies the reader's way (never a code)."""

from __future__ import annotations

import uuid

from marketplace.api import catalog_language, formats_for
from web.award_words import Said, Words, offer_reasons, outcome_sentences, override_message
from web.i18n import WEB_CATALOG


def words(language: str = "en") -> Words:
    return Words(
        texts=WEB_CATALOG.translations(catalog_language(language)), formats=formats_for(language), language=language
    )


def test_a_missing_credential_is_said_with_its_name_the_place_by_name_and_the_date() -> None:
    reason = (
        "lot 2 (Zgorzelec, Ratusz): needs a verified organic credential valid on 2027-01-29 and recognised in "
        "PL-02 (the producer has no organic credential)"
    )

    said = offer_reasons([reason], words())

    assert said == [
        Said(
            "The supplier lacks a credential the lot needs: Organic certificate, verified, valid on January 29, 2027 "
            "and counting in Dolnośląskie, Poland."
        )
    ]


def test_each_shortcoming_of_a_credential_held_is_a_sentence_of_its_own() -> None:
    reason = (
        "lot 1 (Görlitz, Bauhof): needs a verified organic credential valid on 2027-01-29 and recognised in DE-SN "
        "(the producer has: organic issued in PL, expired 2026-10-01, not recognised in DE-SN; "
        "organic issued in PL-02, awaiting verification)"
    )

    said = [s.text for s in offer_reasons([reason], words())]

    assert said[1:] == [
        "Its Organic certificate issued in Poland expired on October 1, 2026.",
        "Its Organic certificate issued in Poland does not count in Sachsen, Germany: the hub does not recognise it "
        "there.",
        "Its Organic certificate issued in Dolnośląskie, Poland still waits for a coordinator to verify it.",
    ]
    assert all("DE-SN" not in text and "PL-02" not in text for text in said)


def test_a_price_without_an_exchange_rate_names_the_currencies_by_name() -> None:
    said = offer_reasons(["no exchange rate from CZK to EUR on or before 2027-01-29"], words())

    assert said == [
        Said(
            "Its price in Czech Koruna could not be compared: no exchange rate to Euro was known on or before "
            "January 29, 2027."
        )
    ]


def test_a_reason_the_page_does_not_know_is_shown_as_the_service_wrote_it_marked_as_english() -> None:
    assert offer_reasons(["something new"], words("de")) == [Said("something new", lang="en")]


def test_units_left_short_by_the_tenders_terms_name_the_lots_and_each_term() -> None:
    outcome = (
        "25 KGM (lots 1 and 3) are left short although eligible offers bid for them: the minimum award of 10 KGM "
        "and the maximum share of 70 % of a lot per supplier allow no fuller award, and an override must keep them too."
    )

    said = outcome_sentences(outcome, words())

    assert [s.text for s in said.sentences] == [
        "25 kg of lots 1 and 3 are left short although eligible offers bid for them: the tender's terms below allow "
        "no fuller award, and an override must keep them too."
    ]
    assert said.terms == ["The minimum award of 10 kg", "The maximum share of 70% of a lot per supplier"]


def test_a_proposal_not_proven_optimal_is_said_from_the_fields_and_no_offer_for_a_lot_in_german() -> None:
    outcome = (
        "Not proven optimal — linear model (LP), stopped at the time limit with the best award found, at most "
        "1.25% dearer than optimal. Review it, or override. No eligible offer could take 50 KGM (lot 1): the "
        "eligible offers bid for fewer units, or only above what the buyers there will pay."
    )

    said = outcome_sentences(outcome, words("de"))

    [sentence] = said.sentences
    assert "50 kg" in sentence.text
    assert "KGM" not in sentence.text
    assert sentence.lang is None


def test_an_override_refusal_names_the_supplier_and_the_quantity_by_unit() -> None:
    supplier = uuid.uuid4()

    said = override_message(
        f"{supplier} is awarded 250.5, above its bid's total capacity", words(), "KGM", {supplier: "Pasieka Nysa"}
    )

    assert said == "Pasieka Nysa would be awarded 250.5 kg in all, more than the total its bid can deliver."
    assert override_message("must be at least 20 characters", words(), "KGM", {}) == "Use at least 20 characters."


def test_a_share_of_twelve_and_a_half_percent_keeps_its_decimal() -> None:
    outcome = (
        "10 KGM (lot 2) are left short although eligible offers bid for them: the maximum share of 12.5 % of a lot "
        "per supplier allows no fuller award, and an override must keep it too."
    )

    said = outcome_sentences(outcome, words())
    refused = override_message("above the tender's maximum share of 12.5% of the lot", words("de"), "KGM", {})

    assert said.terms == ["The maximum share of 12.5% of a lot per supplier"]
    assert "12,5\xa0%" in refused
    assert words("pl").percent("12.5") == "12,5%"
