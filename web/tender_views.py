"""A published tender as every page shows it (the public portal, the producers' bid pages): its
state in words, the goods, places and required credentials by name, the deadline in words; what
`tenders/facts.jinja` reads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from babel import dates, lists

from kernel.clock import now
from marketplace.api import classification_name
from procurement.tender.models import TenderStatus
from procurement.tender.schemas import TenderRead
from web.page import Reader
from web.places import place_name
from web.words import credential_name, inclusion_name


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: A published tender past its deadline whose offers the minutely job has not opened yet.
DEADLINE_PASSED = _("Deadline passed: the offers are being opened")
#: A published tender's state as anyone reads it.
STATE_WORDS = {
    TenderStatus.published: _("Open for offers"),
    TenderStatus.closed: _("Offers opened, being evaluated"),
    TenderStatus.evaluated: _("Offers opened, being evaluated"),
    TenderStatus.awarded: _("Awarded"),
    TenderStatus.cancelled: _("Cancelled"),
    TenderStatus.unsuccessful: _("No offer could be accepted"),
}


@dataclass(frozen=True)
class TenderView:
    tender: TenderRead
    state: str
    category: str
    hub_name: str
    places: dict[uuid.UUID, str]
    """Each lot's region or country, by name."""
    credentials: list[str]
    deadline_in: str
    """How long until the deadline (`in 3 days`) or since it passed (`2 days ago`)."""
    currency_name: str
    preferred: str
    """The kinds of supplier whose offers count as cheaper, by name, as a list in words (`Women-led
    or Cooperative`); empty without a preference."""


def tender_view(reader: Reader, tender: TenderRead, hub_name: str) -> TenderView:
    classification = tender.item.classification
    if tender.status is TenderStatus.published and not tender.accepting_bids:
        state = reader.gettext(DEADLINE_PASSED)
    else:
        state = reader.gettext(STATE_WORDS.get(tender.status, STATE_WORDS[TenderStatus.published]))
    preferred = [inclusion_name(attribute, reader.gettext) for attribute in tender.preferred_attributes]
    return TenderView(
        tender=tender,
        state=state,
        category=classification_name(classification.scheme, classification.code, reader.language) or "",
        hub_name=hub_name,
        places={lot.id: place_name(lot.jurisdiction, reader.language) for lot in tender.lots},
        credentials=[credential_name(kind, reader.gettext) for kind in tender.required_credential_types],
        deadline_in=dates.format_timedelta(
            tender.bid_deadline - now(), add_direction=True, locale=reader.formats.locale
        ),
        currency_name=reader.formats.currency_name(tender.currency),
        preferred=lists.format_list(preferred, style="or", locale=reader.formats.locale) if preferred else "",
    )
