"""The forms of a tender's terms (`web.hub_tenders`), read and written: the posted fields
(`posted`), the terms as `TenderService` takes them, numbers and the deadline read the reader's way
(`terms`), a tender's terms as the amend form shows them (`shown`, compared with what was sent by
`same`), and the service's problems on the form's fields in the reader's words (`note`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from litestar import Request

from kernel.errors import InvalidInput
from kernel.numbers import read_number
from procurement.tender.schemas import TenderRead
from web.form_numbers import shown_number
from web.messages import FIELD_MESSAGES, Phrasebook
from web.page import Form, Reader
from web.times import moment_fields, read_moment


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: The services' words about the fields of a tender, as the forms say them (the usual words about
#: a number, `FIELD_MESSAGES`, say the rest).
TENDER_MESSAGES = Phrasebook(
    [
        (r"must be in the future", _("Choose a time in the future.")),
        (r"a published deadline can only be extended", _("A published deadline can only move later.")),
        (r"must be a date and time, like \S+", _("Enter a date and a time.")),
        (r"must be from (?P<first>\S+) to (?P<last>\S+) \(.*\)", _("Choose a time from %(first)s to %(last)s.")),
        (
            r"lowest_evaluated_price needs a margin above 0 and below 100",
            _("To prefer inclusive suppliers, give a margin above 0 and below 100 percent."),
        ),
        (
            r"a margin applies only with lowest_evaluated_price",
            _(
                "A margin applies only when inclusive suppliers are preferred. Leave it empty, or choose to "
                "prefer them."
            ),
        ),
        (r"must be more than 0 and at most 100", _("Enter more than 0 and at most 100.")),
    ],
    then=FIELD_MESSAGES,
)

#: The form's names of the service's fields, where they differ.
_FIELDS = {"$.bid_deadline": "bid_deadline_date", "$.pool_id": "pool", "$.reason": "reason"}
_LISTED = re.compile(r"\[\d+\]$")
_WHOLE = re.compile(r"[0-9]{1,9}")


async def posted(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The posted form's fields, trimmed (the first value of each), and the ticked boxes as lists."""
    form = await request.form()
    values: dict[str, Any] = {key: str(value).strip() for key, value in form.items() if key != "_csrf_token"}
    for listed in ("required_credential_types", "preferred_attributes"):
        values[listed] = [str(value) for value in form.getall(listed, [])]
    return values


def terms(values: Mapping[str, Any], reader: Reader) -> dict[str, Any]:
    """The terms of a form as the services take them: numbers read the reader's way, an empty one
    as none (no limit), the deadline's day and time read in the reader's zone."""
    locale = reader.formats.locale

    def decimal(name: str) -> str | None:
        return read_number(str(values.get(name, "")), locale) or None

    lots = str(values.get("max_lots_per_supplier", ""))
    most_lots: int | str | None = None if not lots else int(lots) if _WHOLE.fullmatch(lots) else lots
    fields: dict[str, Any] = {
        "award_method": values.get("award_method", ""),
        "preference_margin_percent": decimal("preference_margin_percent"),
        "preferred_attributes": list(values.get("preferred_attributes", [])),
        "required_credential_types": list(values.get("required_credential_types", [])),
        "max_share_percent": decimal("max_share_percent"),
        "min_award_quantity": decimal("min_award_quantity"),
        "max_lots_per_supplier": most_lots,
        # Browsers send a text area's lines ended CR LF: the same description as shown is no change.
        "description": str(values.get("description", "")).replace("\r\n", "\n"),
    }
    day, time = str(values.get("bid_deadline_date", "")), str(values.get("bid_deadline_time", ""))
    deadline = read_moment(day, time, reader.formats.zone)
    if deadline:
        fields["bid_deadline"] = deadline
    return fields


def shown(tender: TenderRead, reader: Reader) -> dict[str, Any]:
    """A tender's terms as its form shows them, numbers written the reader's way."""
    day, time = moment_fields(tender.bid_deadline, reader.formats.zone)
    locale = reader.formats.locale

    def number(value: Decimal | None) -> str:
        return "" if value is None else shown_number(value, locale)

    return {
        "bid_deadline_date": day,
        "bid_deadline_time": time,
        "award_method": tender.award_method.value,
        "preference_margin_percent": number(tender.preference_margin_percent),
        "preferred_attributes": list(tender.preferred_attributes),
        "required_credential_types": list(tender.required_credential_types),
        "max_share_percent": number(tender.max_share_percent),
        "min_award_quantity": number(tender.min_award_quantity),
        "max_lots_per_supplier": "" if tender.max_lots_per_supplier is None else str(tender.max_lots_per_supplier),
        "description": tender.description,
    }


def same(shown: object, sent: object) -> bool:
    """Whether a term was sent as the form showed it (ticked boxes in any order)."""
    if isinstance(shown, list) and isinstance(sent, list):
        return sorted(map(str, shown)) == sorted(map(str, sent))
    return shown == sent


def note(form: Form, error: InvalidInput, reader: Reader) -> None:
    """The problems of `error`, each on its form field in the reader's words (a listed field's
    problem, `required_credential_types[1]`, on its group of boxes)."""
    for problem in error.errors or []:
        name = _FIELDS.get(problem.field) or _LISTED.sub("", problem.field.removeprefix("$.")) or "form"
        if name not in form.errors:
            form.errors[name] = TENDER_MESSAGES.say(
                problem.message, reader.gettext, {"first": reader.formats.date, "last": reader.formats.date}
            )
    if not error.errors:
        form.problem = reader.gettext(error.detail)
