"""A tender as its hub's coordinators read it (`web.hub_tenders`): its state, deadline and terms in
words (`hub_tender_view`), the change log with each amendment's changes from what to what
(`log_entry`), who may bid and what each producer lacks (`supplier`), and the choices the forms of
terms offer by name (`term_choices`). Places, credentials, kinds of supplier and units by name,
percentages and dates the reader's way."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from babel import dates, lists

from kernel.clock import now
from marketplace.api import classification_name, shown_classification
from procurement.bid.schemas import SupplierEligibility
from procurement.tender.models import AwardMethod, TenderStatus
from procurement.tender.schemas import AmendmentRead, TenderRead
from web.page import Reader
from web.places import place_name
from web.times import zone_name
from web.words import CREDENTIAL_TYPES, INCLUSION_WORDS, credential_name


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: The hub's tenders, grouped on the list page: (key, heading, the states in the group).
GROUPS: tuple[tuple[str, str, frozenset[TenderStatus]], ...] = (
    ("draft", _("Drafts"), frozenset({TenderStatus.draft})),
    ("open", _("Published: open for bids"), frozenset({TenderStatus.published})),
    ("opened", _("Bids opened: evaluation and award"), frozenset({TenderStatus.closed, TenderStatus.evaluated})),
    ("finished", _("Finished"), frozenset({TenderStatus.awarded, TenderStatus.unsuccessful})),
    ("cancelled", _("Cancelled"), frozenset({TenderStatus.cancelled})),
)
#: A tender's state in words (a published tender past its deadline is said apart: `_state`).
STATES = {
    TenderStatus.draft: _("Draft: not public yet"),
    TenderStatus.published: _("Published: open for bids"),
    TenderStatus.closed: _("Bids opened: to be evaluated"),
    TenderStatus.evaluated: _("Award proposed: waiting for confirmation"),
    TenderStatus.awarded: _("Awarded"),
    TenderStatus.unsuccessful: _("Not awarded: no eligible bid"),
    TenderStatus.cancelled: _("Cancelled"),
}
_DEADLINE_PASSED = _("Deadline passed: the bids are being opened")
#: The ways of awarding, by name, and what each does.
AWARD_METHODS = {
    AwardMethod.lowest_price: (
        _("Lowest price"),
        _("Each lot goes to the lowest prices offered, within the limits below."),
    ),
    AwardMethod.lowest_evaluated_price: (
        _("Lowest price, preferring inclusive suppliers"),
        _(
            "Offers of suppliers the hub verified as one of the preferred kinds below count as cheaper by the "
            "preference margin when they are compared; they are paid their own price."
        ),
    ),
}
#: The terms of a tender by name, as the change log names what an amendment changed.
TERMS = {
    "bid_deadline": _("Bid deadline"),
    "description": _("Description for suppliers"),
    "award_method": _("How lots are awarded"),
    "preference_margin_percent": _("Preference margin"),
    "preferred_attributes": _("Preferred suppliers"),
    "required_credential_types": _("Required credentials"),
    "max_share_percent": _("Largest share of a lot for one supplier"),
    "min_award_quantity": _("Smallest quantity awarded"),
    "max_lots_per_supplier": _("Most lots one supplier may win"),
}
_NOT_SET = _("not set")
_FORMER_COORDINATOR = _("a former coordinator")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str | None = None


@dataclass(frozen=True)
class HubTenderView:
    """A tender as the pages show it: its state, deadline and terms in words, places by name."""

    tender: TenderRead
    state: str
    deadline_in: str
    """How long until the deadline (`in 3 days`), or since it (`2 hours ago`)."""
    deadline_passed: bool
    places: dict[uuid.UUID, str]
    """Each lot's delivery region or country, by name."""
    classification: str
    method: str
    method_hint: str
    margin: str | None
    preferred: str
    """The kinds of supplier preferred, by name, as a list in words."""
    credentials: list[str]
    share: str | None

    @property
    def amendable(self) -> bool:
        """Whether the form to change the tender is offered (the service decides on posting)."""
        return self.tender.status is TenderStatus.draft or self.tender.accepting_bids

    @property
    def award_page(self) -> bool:
        """Whether the tender links to its evaluation and award (from the deadline on)."""
        status = self.tender.status
        return status in (TenderStatus.closed, TenderStatus.evaluated, TenderStatus.awarded) or (
            status in (TenderStatus.published, TenderStatus.unsuccessful) and self.deadline_passed
        )


@dataclass(frozen=True)
class Change:
    term: str
    before: str
    after: str


@dataclass(frozen=True)
class LogEntry:
    """One amendment of the change log: when, by whom, why, and what changed from what to what."""

    number: int
    date: str
    by: str
    rationale: str
    material: bool
    changes: list[Change]


@dataclass(frozen=True)
class Supplier:
    """A producer of the hub and whether it may bid: on every lot, some, or none, and what it lacks."""

    name: str
    every_lot: bool
    eligible_count: int
    eligible_lots: str
    """The numbers of the lots it may bid on, as a list in words."""
    lacking: list[str]
    """Per lot it may not bid on: the lot and the credentials it lacks there, in a sentence."""


def term_choices(reader: Reader, credential_types: Sequence[str], unit: str) -> dict[str, Any]:
    """What the forms of terms choose from: ways of awarding, credentials by name (the common ones
    and those already asked for), kinds of inclusive supplier; the zone times are read in."""
    codes = list(dict.fromkeys([*CREDENTIAL_TYPES, *credential_types]))
    return {
        "methods": [
            Choice(m.value, reader.gettext(name), reader.gettext(hint)) for m, (name, hint) in AWARD_METHODS.items()
        ],
        "credential_choices": [Choice(code, credential_name(code, reader.gettext)) for code in codes],
        "attribute_choices": [Choice(a.value, reader.gettext(text)) for a, text in INCLUSION_WORDS.items()],
        "zone_name": zone_name(reader.formats),
        "unit_name": reader.formats.unit(unit),
    }


def classification_words(reader: Reader, scheme: str, code: str) -> str:
    """The classification by name and code (`Honey (CPV 03142100-9)`); the code alone without a name."""
    shown = f"{scheme} {shown_classification(scheme, code)}"
    name = classification_name(scheme, code, reader.language)
    return reader.gettext("%(name)s (%(code)s)") % {"name": name, "code": shown} if name else shown


def _percent(reader: Reader, value: Decimal | str | None) -> str | None:
    return None if value is None else reader.formats.percent(Decimal(value))


def _state(reader: Reader, tender: TenderRead, passed: bool) -> str:
    if tender.status is TenderStatus.published and passed:
        return reader.gettext(_DEADLINE_PASSED)
    return reader.gettext(STATES[tender.status])


def hub_tender_view(reader: Reader, tender: TenderRead) -> HubTenderView:
    """`tender` as the coordinator's pages show it."""
    current = now()
    passed = current >= tender.bid_deadline
    method, hint = AWARD_METHODS[tender.award_method]
    return HubTenderView(
        tender=tender,
        state=_state(reader, tender, passed),
        deadline_in=dates.format_timedelta(
            tender.bid_deadline - current, add_direction=True, locale=reader.formats.locale
        ),
        deadline_passed=passed,
        places={lot.id: place_name(lot.jurisdiction, reader.language) for lot in tender.lots},
        classification=classification_words(reader, tender.item.classification.scheme, tender.item.classification.code),
        method=reader.gettext(method),
        method_hint=reader.gettext(hint),
        margin=_percent(reader, tender.preference_margin_percent),
        preferred=_listed(reader, _attributes(reader, tender.preferred_attributes)),
        credentials=[credential_name(code, reader.gettext) for code in tender.required_credential_types],
        share=_percent(reader, tender.max_share_percent),
    )


def _attributes(reader: Reader, values: Sequence[object]) -> list[str]:
    known = {attribute.value: text for attribute, text in INCLUSION_WORDS.items()}
    return [reader.gettext(known[str(v)]) if str(v) in known else str(v) for v in values]


def _listed(reader: Reader, names: Sequence[str]) -> str:
    return lists.format_list(list(names), locale=reader.formats.locale) if names else reader.gettext(_NOT_SET)


def _term(reader: Reader, tender: TenderRead, field: str, value: object) -> str:
    """A term's value as the change log shows it (as `TenderService` records it: JSON-safe)."""
    if value is None or value == "":
        return reader.gettext(_NOT_SET)
    f, text = reader.formats, str(value)
    listed = [str(item) for item in value] if isinstance(value, list) else [text]
    said: dict[str, Callable[[], str]] = {
        "bid_deadline": lambda: f.datetime(text),
        "award_method": lambda: reader.gettext(AWARD_METHODS[AwardMethod(text)][0]),
        "preference_margin_percent": lambda: f.percent(Decimal(text)),
        "max_share_percent": lambda: f.percent(Decimal(text)),
        "min_award_quantity": lambda: f.quantity(text, tender.item.unit),
        "max_lots_per_supplier": lambda: f.number(text),
        "preferred_attributes": lambda: _listed(reader, _attributes(reader, listed)),
        "required_credential_types": lambda: _listed(reader, [credential_name(c, reader.gettext) for c in listed]),
    }
    try:
        return said[field]() if field in said else text
    except (ValueError, InvalidOperation, KeyError):
        return text


def log_entry(reader: Reader, tender: TenderRead, amendment: AmendmentRead, names: Mapping[uuid.UUID, str]) -> LogEntry:
    """An amendment of `tender` as the change log shows it (`names`: the coordinators' by user)."""
    who = amendment.amended_by
    by = "" if who is None else names.get(who) or reader.gettext(_FORMER_COORDINATOR)
    return LogEntry(
        number=amendment.number,
        date=reader.formats.datetime(amendment.date),
        by=by,
        rationale=amendment.rationale,
        material=amendment.material,
        changes=[
            Change(
                term=reader.gettext(TERMS[field]) if field in TERMS else field,
                before=_term(reader, tender, field, change.get("from")),
                after=_term(reader, tender, field, change.get("to")),
            )
            for change in amendment.changes
            for field in [str(change.get("field"))]
        ],
    )


def supplier(reader: Reader, tender: TenderRead, found: SupplierEligibility) -> Supplier:
    """A producer of the hub and the lots of `tender` it may bid on, and what it lacks for the others."""
    lots = {lot.number: lot for lot in tender.lots}
    lacking: dict[int, list[str]] = {}
    for lack in found.lacking:
        named = credential_name(lack.credential_type, reader.gettext)
        if named not in lacking.setdefault(lack.lot_number, []):
            lacking[lack.lot_number].append(named)
    return Supplier(
        name=found.name,
        every_lot=not found.lacking,
        eligible_count=len(found.eligible_lots),
        eligible_lots=lists.format_list(
            [reader.formats.number(number) for number in found.eligible_lots], locale=reader.formats.locale
        )
        if found.eligible_lots
        else "",
        lacking=[
            reader.gettext("Lot %(number)s (%(name)s): %(credentials)s")
            % {
                "number": f"{number}",
                "name": lots[number].name if number in lots else "",
                "credentials": lists.format_list(names, locale=reader.formats.locale),
            }
            for number, names in sorted(lacking.items())
        ],
    )
