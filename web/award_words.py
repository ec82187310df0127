"""The award service's words as the coordinator's award page says them, in the reader's language:
why an offer was not eligible (`offer_reasons`), what the solver's proposal leaves short and why
(`outcome_sentences`), and why an override was refused (`override_message`).

The services write these in plain English for the API (`procurement.award.tendered`,
`marketplace.compliance.service`, `kernel.fx`). Each is matched here as a whole and said again as a
sentence of the catalog, with quantities and their unit by name, places by name and dates the
reader's way. Words no pattern matches are shown as the service wrote them, marked as English.
"""

from __future__ import annotations

import datetime as dt
import gettext
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel import lists

from marketplace.api import Formats
from marketplace.organization.models import InclusionAttribute
from web.messages import FIELD_MESSAGES, Phrasebook
from web.places import place_name
from web.words import INCLUSION_WORDS, credential_name


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


@dataclass(frozen=True)
class Said:
    """A sentence for the page; `lang` is set (`en`) when it is the service's own, untranslated."""

    text: str
    lang: str | None = None


@dataclass(frozen=True)
class Words:
    """Who the words are for: the reader's catalog, formats and language (from `web.page.Reader`)."""

    texts: gettext.NullTranslations
    formats: Formats
    language: str

    def gettext(self, text: str) -> str:
        return str(self.texts.gettext(text))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(self.texts.ngettext(singular, plural, n))

    def quantity(self, plain: str, unit: str) -> str:
        """`120.5` of `KGM` as `120.5 kg` (the reader's way); the text itself when it is no number."""
        try:
            return self.formats.quantity(Decimal(plain), unit)
        except InvalidOperation:
            return plain

    def date(self, iso: str) -> str:
        try:
            return self.formats.date(dt.date.fromisoformat(iso))
        except ValueError:
            return iso

    def place(self, code: str) -> str:
        return place_name(code, self.language)

    def currency(self, code: str) -> str:
        return self.formats.currency_name(code)

    def percent(self, plain: str) -> str:
        """`70` (percent) as `70 %` or `70%`, as the reader writes a percentage, every decimal kept
        (`12.5%`); the text itself when it is no number."""
        try:
            return self.formats.percent(Decimal(plain))
        except InvalidOperation:
            return f"{plain} %"

    def listed(self, items: list[str]) -> str:
        return lists.format_list(items, locale=self.formats.locale)

    def credential(self, code: str) -> str:
        return credential_name(code, self.gettext)

    def attribute(self, code: str) -> str:
        """An inclusion attribute (`women_led`) by name."""
        try:
            return self.gettext(INCLUSION_WORDS[InclusionAttribute(code)])
        except ValueError:
            return code.replace("_", " ")


# --- why an offer is not eligible ----------------------------------------------------------

_LOT_PREFIX = r"(?:lot \d+ \(.*?\): )?"
_UNMET = re.compile(
    _LOT_PREFIX + r"needs a verified (?P<type>\S+) credential valid on (?P<date>\d{4}-\d{2}-\d{2}) and recognised in "
    r"(?P<place>\S+) \((?:the producer has|you have)(?: no \S+ credential|: (?P<have>.*))\)"
)
_HELD = re.compile(r"(?P<type>\S+) issued in (?P<issued>\S+)(?P<rest>(?:, .+)?)")
_NO_RATE_ON = re.compile(r"no exchange rate from (?P<base>[A-Z]{3}) to (?P<quote>[A-Z]{3}) on or before (?P<date>\S+)")
_NO_RATE = re.compile(r"no exchange rate from (?P<base>[A-Z]{3}) at the deadline")


def offer_reasons(reasons: list[str], words: Words) -> list[Said]:
    """Why an offer may not win, each of the service's reasons as one or more sentences."""
    said: list[Said] = []
    for reason in reasons:
        said += _reason(reason, words)
    return said


def _reason(reason: str, words: Words) -> list[Said]:
    if (found := _UNMET.fullmatch(reason)) is not None:
        needed = words.gettext(
            _(
                "The supplier lacks a credential the lot needs: %(credential)s, verified, valid on %(date)s and "
                "counting in %(place)s."
            )
        ) % {
            "credential": words.credential(found["type"]),
            "date": words.date(found["date"]),
            "place": words.place(found["place"]),
        }
        return [Said(needed)] + [
            Said(sentence) for held in (found["have"] or "").split("; ") if held for sentence in _held(held, words)
        ]
    if (found := _NO_RATE_ON.fullmatch(reason)) is not None:
        text = words.gettext(
            _(
                "Its price in %(currency)s could not be compared: no exchange rate to %(tender_currency)s was known "
                "on or before %(date)s."
            )
        ) % {
            "currency": words.currency(found["base"]),
            "tender_currency": words.currency(found["quote"]),
            "date": words.date(found["date"]),
        }
        return [Said(text)]
    if (found := _NO_RATE.fullmatch(reason)) is not None:
        text = words.gettext(
            _("Its price in %(currency)s could not be compared: no exchange rate was known at the deadline.")
        ) % {"currency": words.currency(found["base"])}
        return [Said(text)]
    return [Said(reason, lang="en")]


#: What a credential the supplier holds lacks (`marketplace.compliance.service._shortcomings`).
_SHORTCOMINGS = [
    (
        re.compile(r"awaiting verification"),
        _("Its %(credential)s issued in %(issued)s still waits for a coordinator to verify it."),
    ),
    (re.compile(r"rejected"), _("Its %(credential)s issued in %(issued)s was rejected.")),
    (re.compile(r"expired (?P<date>\S+)"), _("Its %(credential)s issued in %(issued)s expired on %(date)s.")),
    (
        re.compile(r"valid only from (?P<date>\S+)"),
        _("Its %(credential)s issued in %(issued)s is valid only from %(date)s."),
    ),
    (
        re.compile(r"not recognised in (?P<place>\S+)"),
        _("Its %(credential)s issued in %(issued)s does not count in %(place)s: the hub does not recognise it there."),
    ),
]


def _held(held: str, words: Words) -> list[str]:
    """`organic issued in DE, expired 2026-10-01, not recognised in PL-02`: one sentence per shortcoming."""
    found = _HELD.fullmatch(held)
    if found is None:
        return [held]
    values = {"credential": words.credential(found["type"]), "issued": words.place(found["issued"])}
    sentences = []
    for part in found["rest"].split(", "):
        for pattern, sentence in _SHORTCOMINGS:
            matched = pattern.fullmatch(part)
            if matched is not None:
                named = matched.groupdict()
                extra = {
                    key: words.date(value) if key == "date" else words.place(value) for key, value in named.items()
                }
                sentences.append(words.gettext(sentence) % (values | extra))
    return sentences


# --- the solver's outcome -------------------------------------------------------------------

_UNITS = r"(?P<quantity>\S+) (?P<unit>\S+) \((?P<lots>lots? [^)]+)\)"
_NOT_PROVEN = re.compile(r"Not proven optimal — .*?\. Review it, or override\.")
_NO_OFFER = re.compile(
    r"No eligible offer could take " + _UNITS + r": the eligible offers bid for fewer units, or only above what the "
    r"buyers there will pay\."
)
_SHORT_AT_LIMIT = re.compile(
    _UNITS + r" are left short in the best award found before the time limit although eligible offers bid for "
    r"them; an award within the tender's terms might leave fewer short\."
)
_SHORT_BY_TERMS = re.compile(
    _UNITS + r" are left short although eligible offers bid for them: (?P<terms>.+?) (?:together allow|allows|allow) "
    r"no fuller award, and an override must keep (?:it|them) too\."
)
_WHY_UNKNOWN = re.compile(_UNITS + r" are left short; why was not found within the time limit\.")
_NO_BID = re.compile(r"No bid was received\.")
_NONE_ELIGIBLE = re.compile(r"No bid was eligible for any lot: .*", re.DOTALL)
_PRICED_OUT = re.compile(
    r"No eligible offer could be awarded within the buyers' maximum prices and the tender's terms\."
)
#: The tender's terms as the outcome names them (`procurement.award.tendered._terms`).
_TERMS = [
    (re.compile(r"the minimum award of (?P<quantity>\S+) (?P<unit>\S+)"), _("The minimum award of %(quantity)s")),
    (
        re.compile(r"the maximum share of (?P<percent>\S+) % of a lot per supplier"),
        _("The maximum share of %(percent)s of a lot per supplier"),
    ),
    (re.compile(r"the limit of (?P<num>\d+) lots? per supplier"), None),
    (re.compile(r"the total capacities the bids stated"), _("The total quantities the bids said they can deliver")),
    (re.compile(r"what the bids offer"), _("What the bids offer")),
]


def ngettext(singular: str, plural: str) -> tuple[str, str]:
    """Marks a counted text (both its forms) for the catalog; said with its count when shown."""
    return singular, plural


#: The outcome's sentences about units left short in some lots, and the page's (by the number of lots).
_COUNTED_SENTENCES = [
    (
        _NO_OFFER,
        ngettext(
            "No eligible offer could take %(quantity)s of lot %(lots)s: the offers bid for fewer units, or only "
            "above what its buyers will pay.",
            "No eligible offer could take %(quantity)s of lots %(lots)s: the offers bid for fewer units, or only "
            "above what their buyers will pay.",
        ),
    ),
    (
        _SHORT_AT_LIMIT,
        ngettext(
            "%(quantity)s of lot %(lots)s are left short in the best award found before the time limit, although "
            "eligible offers bid for them; another award within the tender's terms might leave fewer short.",
            "%(quantity)s of lots %(lots)s are left short in the best award found before the time limit, although "
            "eligible offers bid for them; another award within the tender's terms might leave fewer short.",
        ),
    ),
    (
        _SHORT_BY_TERMS,
        ngettext(
            "%(quantity)s of lot %(lots)s are left short although eligible offers bid for them: the tender's terms "
            "below allow no fuller award, and an override must keep them too.",
            "%(quantity)s of lots %(lots)s are left short although eligible offers bid for them: the tender's terms "
            "below allow no fuller award, and an override must keep them too.",
        ),
    ),
    (
        _WHY_UNKNOWN,
        ngettext(
            "%(quantity)s of lot %(lots)s are left short; the time limit stopped the search for why.",
            "%(quantity)s of lots %(lots)s are left short; the time limit stopped the search for why.",
        ),
    ),
]
#: The outcome's other sentences and the page's (None: said from the award's fields, `optimal` and `gap`).
_SENTENCES: list[tuple[re.Pattern[str], str | None]] = [
    (_NOT_PROVEN, None),
    (_NO_BID, _("No bid was received.")),
    (_NONE_ELIGIBLE, _("No offer was eligible for any lot. Each offer below says why.")),
    (
        _PRICED_OUT,
        _("No eligible offer could be awarded within the buyers' maximum prices and the tender's terms."),
    ),
]


@dataclass(frozen=True)
class Outcome:
    """The proposal's shortfalls and why, sentence by sentence; `terms` lists the tender's terms
    that leave units short (said after the sentence that names them)."""

    sentences: list[Said]
    terms: list[str]


def outcome_sentences(outcome: str, words: Words) -> Outcome:
    """The award's `outcome` (why units are left short, why a tender was unsuccessful) as sentences."""
    sentences: list[Said] = []
    terms: list[str] = []
    rest = outcome.strip()
    while rest:
        said, terms_said, consumed = _one_sentence(rest, words)
        if consumed == 0:
            sentences.append(Said(rest, lang="en"))
            break
        sentences += said
        terms += terms_said
        rest = rest[consumed:].lstrip()
    return Outcome(sentences=sentences, terms=terms)


def _one_sentence(text: str, words: Words) -> tuple[list[Said], list[str], int]:
    """The first sentence of `text` said the page's way, the terms it names, and how much of `text` it took."""
    for pattern, forms in _COUNTED_SENTENCES:
        found = pattern.match(text)
        if found is not None:
            lots_ = re.findall(r"\d+", found["lots"])
            values = {"quantity": words.quantity(found["quantity"], found["unit"]), "lots": words.listed(lots_)}
            said = Said(words.ngettext(*forms, len(lots_)) % values)
            named = found.groupdict().get("terms")
            terms = [_term(term, words) for term in re.split(r", | and ", named)] if named else []
            return [said], terms, found.end()
    for pattern, sentence in _SENTENCES:
        found = pattern.match(text)
        if found is not None:
            return ([Said(words.gettext(sentence))] if sentence else []), [], found.end()
    return [], [], 0


def _term(term: str, words: Words) -> str:
    for pattern, said in _TERMS:
        found = pattern.fullmatch(term)
        if found is None:
            continue
        if said is None:  # the limit of lots per supplier: counted
            count = int(found["num"])
            return words.ngettext(
                "The limit of %(num)s lot per supplier", "The limit of %(num)s lots per supplier", count
            ) % {"num": words.formats.number(count)}
        values = found.groupdict()
        shown = {
            "quantity": words.quantity(values.get("quantity") or "", values.get("unit") or ""),
            "percent": words.percent(values.get("percent") or ""),
        }
        return words.gettext(said) % shown
    return term


# --- why an override is refused ---------------------------------------------------------------

_ID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
#: The override's refusals (`procurement.award.tendered.checked_override`, `allocate_award`,
#: `AwardService.override`); the services' usual words about a field say the rest.
OVERRIDE_MESSAGES = Phrasebook(
    [
        (r"the tender has no lot (?P<lot>\d+)", _("The tender has no lot %(lot)s.")),
        (r"this organization did not bid for lot (?P<lot>\d+)", _("This supplier did not bid for lot %(lot)s.")),
        (r"its offer is not eligible: .*", _("This offer is not eligible, so it cannot be awarded.")),
        (
            r"the same offer twice; award its whole quantity on one line",
            _("This offer is on two lines. Award its whole quantity on one line."),
        ),
        (r"the bid offers at most (?P<quantity>\S+) for this lot", _("The offer is for at most %(quantity)s.")),
        (
            r"above the tender's maximum share of (?P<percent>\S+)% of the lot",
            _("This is more than the tender's maximum share of %(percent)s of the lot."),
        ),
        (
            r"below the tender's minimum award of (?P<quantity>\S+)",
            _("This is less than the tender's minimum award of %(quantity)s."),
        ),
        (
            r"lot (?P<lot>\d+) is awarded (?P<quantity>\S+) but needs only (?P<needed>\S+)",
            _("Lot %(lot)s would be awarded %(quantity)s, but it needs only %(needed)s."),
        ),
        (
            rf"(?P<supplier>{_ID}) is awarded (?P<quantity>\S+), above its bid's total capacity",
            _("%(supplier)s would be awarded %(quantity)s in all, more than the total its bid can deliver."),
        ),
        (
            rf"(?P<supplier>{_ID}) wins (?P<count>\d+) lots; the tender allows (?P<allowed>\d+) per supplier",
            _("%(supplier)s would win more lots than the tender allows one supplier (%(allowed)s)."),
        ),
        (
            rf"lot (?P<lot>\d+): only (?P<placed>\S+) of the (?P<quantity>\S+) units awarded to bid "
            rf"(?P<supplier>{_ID}) can go to a buyer; its buyers' maximum unit prices are below its price",
            _(
                "Lot %(lot)s: only %(placed)s of the %(quantity)s awarded to %(supplier)s can go to a buyer: the "
                "other buyers of the lot will not pay its price."
            ),
        ),
        (
            r"explain in at least (?P<n>\d+) characters why the proposal is overridden",
            _("Explain in at least %(n)s characters why you award differently from the proposal."),
        ),
    ],
    then=FIELD_MESSAGES,
)


def override_message(message: str, words: Words, unit: str, suppliers: Mapping[uuid.UUID, str]) -> str:
    """A refusal of the override in the reader's words: quantities in the pool's `unit` by name,
    suppliers by name (`suppliers`: by organisation and by bid id)."""

    def supplier(said: str) -> str:
        try:
            return suppliers.get(uuid.UUID(said), words.gettext(_("A supplier")))
        except ValueError:
            return said

    def quantity(said: str) -> str:
        return words.quantity(said, unit)

    named: dict[str, Callable[[str], str]] = {
        "quantity": quantity,
        "needed": quantity,
        "placed": quantity,
        "percent": words.percent,
        "supplier": supplier,
    }
    return OVERRIDE_MESSAGES.say(message, words.gettext, named)
