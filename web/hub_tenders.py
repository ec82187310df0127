"""The coordinator's tenders of a hub before the award (`/hubs/{hub_id}/tenders`): every tender of
the hub by state; a new tender from a closed pool (`/tenders/new?pool=`); a tender's lots, terms,
change log and who may bid, with the forms to publish, amend and cancel it. After the deadline the
tender links to its evaluation and award (`/tenders/{tender_id}/award`, another page's).

Bids stay sealed until the deadline: nothing here shows a bid, a bidder or how many bids there
are before it (`TenderRead.number_of_bids` is known from the opening on, and shown then).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from babel import dates, lists, numbers
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.clock import now
from kernel.errors import Conflict, Forbidden, InvalidInput
from kernel.negotiation import pick_language
from kernel.numbers import read_number
from kernel.pagination import MAX_PER_PAGE, page_params
from kernel.validation import convert
from marketplace.api import classification_name, shown_classification
from marketplace.hub.schemas import HubRead
from marketplace.hub.service import HubService
from procurement.bid.schemas import SupplierEligibility
from procurement.bid.service import BidService
from procurement.pool.models import PoolStatus
from procurement.pool.schemas import PoolRead
from procurement.pool.service import PoolNotFound, PoolService
from procurement.settings import ProcurementSettings
from procurement.tender.errors import TenderNotFound
from procurement.tender.models import AwardMethod, TenderStatus
from procurement.tender.schemas import (
    AmendmentRead,
    TenderAmendmentCreate,
    TenderCancel,
    TenderCreate,
    TenderRead,
)
from procurement.tender.service import TenderService
from web.messages import FIELD_MESSAGES, Phrasebook
from web.mine import coordinated_hub
from web.page import Form, Reader, page, see_other
from web.places import place_name
from web.words import CREDENTIAL_TYPES, INCLUSION_WORDS, credential_name

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
Procurement = NamedDependency[ProcurementSettings]

HubId = FromPath[uuid.UUID]
TenderId = FromPath[uuid.UUID]


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

#: The services' words about the fields of a tender, as the forms say them.
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
        (r"must have at most (?P<n>\d+) decimal places", _("Use at most %(n)s decimal places.")),
        (r"at most (?P<n>\d+) decimal places", _("Use at most %(n)s decimal places.")),
        (r"must be a whole number", _("Enter a whole number.")),
        (r"must be greater than zero", _("Enter a number above zero.")),
        (r"is too large", _("Enter a smaller number.")),
        (r".+ is counted in whole units", _("This unit is counted in whole units: enter a whole number.")),
    ],
    then=FIELD_MESSAGES,
)
#: The services' refusals of a tender as a whole (`Conflict`), as the pages say them.
TENDER_CONFLICTS = Phrasebook(
    [
        (r"the pool failed.*", _("This pool did not reach its minimum, so it cannot be tendered.")),
        (r"the pool is still open.*", _("The pool is still open. Close it first, then create the tender.")),
        (
            r"the pool already has a tender.*",
            _("The pool already has a tender. Cancel that one to tender the pool again."),
        ),
        (
            r"the amendment changes nothing",
            _("Nothing was changed. Change the deadline, the description or a term, or go back to the tender."),
        ),
        (
            r"only a draft, or a published tender before its deadline, can be amended",
            _("The tender can no longer be changed: its deadline has passed, or it was cancelled."),
        ),
        (r"the tender is already cancelled", _("The tender is already cancelled.")),
        (r"the tender is already awarded", _("The tender is already awarded: it can no longer be cancelled.")),
        (r"the tender is \w+, not a draft", _("The tender is no longer a draft: it was published or cancelled.")),
    ]
)
_PUBLISH_LATE = _("The bid deadline has passed. Move it later with the form to change the draft, then publish.")
_FORMER_COORDINATOR = _("a former coordinator")

#: The form's names of the service's fields, where they differ.
_FIELDS = {"$.bid_deadline": "bid_deadline_date", "$.pool_id": "pool", "$.reason": "reason"}
_LISTED = re.compile(r"\[\d+\]$")
_WHOLE = re.compile(r"[0-9]{1,9}")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str | None = None


@dataclass(frozen=True)
class TenderView:
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


class HubTenderPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/hubs/{hub_id:uuid}/tenders", name="hub-tenders")
    async def tenders(
        self,
        hub_id: HubId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        paging = page_params(max(page_number, 1), MAX_PER_PAGE)
        found = await _tender_service(db_session, procurement_settings, reader).hub_tenders(principal, hub.id, paging)
        views = [_view(reader, tender) for tender in found.items]
        groups = [
            (key, reader.gettext(heading), [view for view in views if view.tender.status in states])
            for key, heading, states in GROUPS
        ]
        return page(
            reader,
            "hub/tenders/list.jinja",
            hub=hub,
            groups=groups,
            total=found.total,
            page_number=paging.page,
            pages=max(1, -(-found.total // MAX_PER_PAGE)),
        )

    @get("/hubs/{hub_id:uuid}/tenders/new", name="hub-tender-new")
    async def new_form(
        self,
        hub_id: HubId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
        pool: FromQuery[uuid.UUID | None] = None,
    ) -> Template:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        if pool is None:
            return await _choose_pool_page(reader, db_session, procurement_settings, principal, hub)
        chosen = await _hub_pool(db_session, principal, hub, pool)
        values: dict[str, Any] = {
            "pool": str(chosen.id),
            "award_method": AwardMethod.lowest_price.value,
            "required_credential_types": list(chosen.required_credential_types),
            "preferred_attributes": [],
        }
        return _new_page(reader, hub, chosen, Form(values=values))

    @post("/hubs/{hub_id:uuid}/tenders")
    async def create(
        self,
        request: Request[Any, Any, Any],
        hub_id: HubId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template | Redirect:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = await _posted(request)
        try:
            pool_id = uuid.UUID(str(values.get("pool", "")))
        except ValueError:
            raise PoolNotFound("no such pool") from None
        chosen = await _hub_pool(db_session, principal, hub, pool_id)
        form = Form(values=values)
        fields = _terms(values, reader)
        fields["pool_id"] = str(chosen.id)
        tenders = _tender_service(db_session, procurement_settings, reader)
        try:
            data = convert(fields, TenderCreate)
            created = await tenders.create(principal, data)
        except InvalidInput as error:
            _note(form, error, reader)
            return _new_page(reader, hub, chosen, form, status_code=422)
        except Conflict as error:
            form.problem = TENDER_CONFLICTS.say(error.detail, reader.gettext)
            return _new_page(reader, hub, chosen, form, status_code=error.status)
        return see_other(f"/hubs/{hub.id}/tenders/{created.id}", notice="tender-created")

    @get("/hubs/{hub_id:uuid}/tenders/{tender_id:uuid}", name="hub-tender")
    async def tender(
        self,
        hub_id: HubId,
        tender_id: TenderId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        return await _tender_page(reader, db_session, procurement_settings, principal, hub, tender_id)

    @post("/hubs/{hub_id:uuid}/tenders/{tender_id:uuid}/publish")
    async def publish(
        self,
        hub_id: HubId,
        tender_id: TenderId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template | Redirect:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        tenders = _tender_service(db_session, procurement_settings, reader)
        await _hub_tender(tenders, principal, hub, tender_id)
        form = Form()
        try:
            await tenders.publish(principal, tender_id)
        except InvalidInput as error:
            form.problem = reader.gettext(_PUBLISH_LATE)
            return await _tender_page(
                reader,
                db_session,
                procurement_settings,
                principal,
                hub,
                tender_id,
                publish=form,
                status_code=error.status,
            )
        except Conflict as error:
            form.problem = TENDER_CONFLICTS.say(error.detail, reader.gettext)
            return await _tender_page(
                reader,
                db_session,
                procurement_settings,
                principal,
                hub,
                tender_id,
                publish=form,
                status_code=error.status,
            )
        return see_other(f"/hubs/{hub.id}/tenders/{tender_id}", notice="tender-published")

    @get("/hubs/{hub_id:uuid}/tenders/{tender_id:uuid}/amend", name="hub-tender-amend")
    async def amend_form(
        self,
        hub_id: HubId,
        tender_id: TenderId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        tender = await _hub_tender(_tender_service(db_session, procurement_settings, reader), principal, hub, tender_id)
        return _amend_page(reader, hub, tender, Form(values=_shown(tender, reader)))

    @post("/hubs/{hub_id:uuid}/tenders/{tender_id:uuid}/amendments")
    async def amend(
        self,
        request: Request[Any, Any, Any],
        hub_id: HubId,
        tender_id: TenderId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template | Redirect:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        tenders = _tender_service(db_session, procurement_settings, reader)
        tender = await _hub_tender(tenders, principal, hub, tender_id)
        values = await _posted(request)
        form = Form(values=values)
        # Only what the form changed is sent: a term shown and sent back as it was is no change.
        shown = _terms(_shown(tender, reader), reader)
        fields = {key: value for key, value in _terms(values, reader).items() if not _same(shown.get(key), value)}
        fields["rationale"] = values.get("rationale", "")
        try:
            data = convert(fields, TenderAmendmentCreate)
            await tenders.amend(principal, tender_id, data)
        except InvalidInput as error:
            _note(form, error, reader)
            return _amend_page(reader, hub, tender, form, status_code=422)
        except Conflict as error:
            form.problem = TENDER_CONFLICTS.say(error.detail, reader.gettext)
            return _amend_page(reader, hub, tender, form, status_code=error.status)
        return see_other(f"/hubs/{hub.id}/tenders/{tender_id}", notice="tender-amended")

    @post("/hubs/{hub_id:uuid}/tenders/{tender_id:uuid}/cancel")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        hub_id: HubId,
        tender_id: TenderId,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: Procurement,
    ) -> Template | Redirect:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        tenders = _tender_service(db_session, procurement_settings, reader)
        await _hub_tender(tenders, principal, hub, tender_id)
        values = await _posted(request)
        form = Form(values=values)
        try:
            data = convert({"reason": values.get("reason", "")}, TenderCancel)
            await tenders.cancel(principal, tender_id, data.reason)
        except InvalidInput as error:
            _note(form, error, reader)
            return await _tender_page(
                reader, db_session, procurement_settings, principal, hub, tender_id, cancel=form, status_code=422
            )
        except Conflict as error:
            form.problem = TENDER_CONFLICTS.say(error.detail, reader.gettext)
            return await _tender_page(
                reader,
                db_session,
                procurement_settings,
                principal,
                hub,
                tender_id,
                cancel=form,
                status_code=error.status,
            )
        return see_other(f"/hubs/{hub.id}/tenders/{tender_id}", notice="tender-cancelled")


# --- services and reads -----------------------------------------------------------------


def _tender_service(db_session: AsyncSession, settings: ProcurementSettings, reader: Reader) -> TenderService:
    return TenderService(db_session, settings.ocid_prefix, [reader.language])


async def _hub_tender(tenders: TenderService, principal: Principal, hub: HubRead, tender_id: uuid.UUID) -> TenderRead:
    """The tender as the hub's coordinators read it; `TenderNotFound` (a 404 page) for a tender of
    another hub, published or not."""
    try:
        tender = await tenders.read_for_coordinator(principal, tender_id)
    except Forbidden:
        raise TenderNotFound("no such tender") from None
    if tender.hub_id != hub.id:
        raise TenderNotFound("no such tender")
    return tender


async def _hub_pool(db_session: AsyncSession, principal: Principal, hub: HubRead, pool_id: uuid.UUID) -> PoolRead:
    """The pool of this hub (`PoolNotFound`, a 404 page, for another hub's)."""
    pool = await PoolService(db_session).read(principal, pool_id)
    if pool.hub_id != hub.id:
        raise PoolNotFound("no such pool")
    return pool


async def _tender_page(
    reader: Reader,
    db_session: AsyncSession,
    settings: ProcurementSettings,
    principal: Principal,
    hub: HubRead,
    tender_id: uuid.UUID,
    *,
    publish: Form | None = None,
    cancel: Form | None = None,
    status_code: int = 200,
) -> Template:
    """The tender's page: state, lots, terms, the change log, who may bid, and its forms."""
    tender = await _hub_tender(_tender_service(db_session, settings, reader), principal, hub, tender_id)
    view = _view(reader, tender)
    suppliers: list[Supplier] = []
    if tender.status in (TenderStatus.draft, TenderStatus.published):
        eligibility = await BidService(db_session, settings.sealing_secret).who_may_bid(principal, tender.id)
        suppliers = [_supplier(reader, tender, found) for found in eligibility]
    names = {c.user_id: c.full_name for c in await HubService(db_session).coordinators(principal, hub.id)}
    return page(
        reader,
        "hub/tenders/tender.jinja",
        status_code=status_code,
        hub=hub,
        view=view,
        tender=tender,
        log=[_log_entry(reader, tender, amendment, names) for amendment in reversed(tender.amendments)],
        suppliers=suppliers,
        publish_form=publish or Form(),
        cancel_form=cancel or Form(),
    )


async def _choose_pool_page(
    reader: Reader, db_session: AsyncSession, settings: ProcurementSettings, principal: Principal, hub: HubRead
) -> Template:
    """The hub's closed pools to tender, each linked to the form (or to its tender, when it has one)."""
    everything = page_params(1, MAX_PER_PAGE)
    pools = (await PoolService(db_session).list_pools(principal, hub.id, PoolStatus.closed, everything)).items
    tenders = (await _tender_service(db_session, settings, reader).hub_tenders(principal, hub.id, everything)).items
    live = {t.pool_id: t for t in tenders if t.status is not TenderStatus.cancelled}
    return page(
        reader,
        "hub/tenders/choose_pool.jinja",
        hub=hub,
        pools=[(pool, _pool_title(reader, pool), live.get(pool.id)) for pool in pools],
    )


# --- pages of forms ---------------------------------------------------------------------


def _new_page(reader: Reader, hub: HubRead, pool: PoolRead, form: Form, *, status_code: int = 200) -> Template:
    return page(
        reader,
        "hub/tenders/new.jinja",
        status_code=status_code,
        hub=hub,
        pool=pool,
        pool_title=_pool_title(reader, pool),
        classification=_classification(reader, pool.item.classification.scheme, pool.item.classification.code),
        places={point.id: place_name(point.jurisdiction, reader.language) for point in pool.delivery_points},
        lots=[point for point in pool.delivery_points if point.committed_quantity > 0],
        form=form,
        **_choices(reader, pool.required_credential_types, pool.item.unit),
    )


def _amend_page(reader: Reader, hub: HubRead, tender: TenderRead, form: Form, *, status_code: int = 200) -> Template:
    return page(
        reader,
        "hub/tenders/amend.jinja",
        status_code=status_code,
        hub=hub,
        tender=tender,
        view=_view(reader, tender),
        form=form,
        **_choices(reader, tender.required_credential_types, tender.item.unit),
    )


def _choices(reader: Reader, credential_types: Sequence[str], unit: str) -> dict[str, Any]:
    """What the forms of terms choose from: ways of awarding, credentials by name (the common ones
    and those already asked for), kinds of inclusive supplier; the zone times are read in."""
    codes = list(dict.fromkeys([*CREDENTIAL_TYPES, *credential_types]))
    moment = now()
    return {
        "methods": [
            Choice(m.value, reader.gettext(name), reader.gettext(hint)) for m, (name, hint) in AWARD_METHODS.items()
        ],
        "credential_choices": [Choice(code, credential_name(code, reader.gettext)) for code in codes],
        "attribute_choices": [Choice(a.value, reader.gettext(text)) for a, text in INCLUSION_WORDS.items()],
        "zone_name": dates.get_timezone_name(
            moment.astimezone(reader.formats.zone), width="short", locale=reader.formats.locale
        ),
        "unit_name": reader.formats.unit(unit),
    }


async def _posted(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The posted form's fields, trimmed (the first value of each), and the ticked boxes as lists."""
    form = await request.form()
    values: dict[str, Any] = {key: str(value).strip() for key, value in form.items() if key != "_csrf_token"}
    for listed in ("required_credential_types", "preferred_attributes"):
        values[listed] = [str(value) for value in form.getall(listed, [])]
    return values


def _terms(values: Mapping[str, Any], reader: Reader) -> dict[str, Any]:
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
    deadline = _deadline(str(values.get("bid_deadline_date", "")), str(values.get("bid_deadline_time", "")), reader)
    if deadline:
        fields["bid_deadline"] = deadline
    return fields


def _zone(reader: Reader) -> dt.tzinfo:
    try:
        return zoneinfo.ZoneInfo(str(reader.formats.zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def _deadline(day: str, time: str, reader: Reader) -> str:
    """The day and time given, in the reader's zone, as the services read an instant; as typed when
    it is no day and time (the service names the field), empty when neither is given."""
    if not day and not time:
        return ""
    try:
        moment = dt.datetime.combine(dt.date.fromisoformat(day), dt.time.fromisoformat(time), tzinfo=_zone(reader))
    except ValueError:
        return f"{day}T{time}"
    return moment.isoformat()


def _shown(tender: TenderRead, reader: Reader) -> dict[str, Any]:
    """A tender's terms as its form shows them."""
    deadline = tender.bid_deadline.astimezone(_zone(reader))
    return {
        "bid_deadline_date": deadline.date().isoformat(),
        "bid_deadline_time": deadline.strftime("%H:%M"),
        "award_method": tender.award_method.value,
        "preference_margin_percent": _plain(tender.preference_margin_percent),
        "preferred_attributes": list(tender.preferred_attributes),
        "required_credential_types": list(tender.required_credential_types),
        "max_share_percent": _plain(tender.max_share_percent),
        "min_award_quantity": _plain(tender.min_award_quantity),
        "max_lots_per_supplier": "" if tender.max_lots_per_supplier is None else str(tender.max_lots_per_supplier),
        "description": tender.description,
    }


def _same(shown: object, sent: object) -> bool:
    """Whether a term was sent as the form showed it (ticked boxes in any order)."""
    if isinstance(shown, list) and isinstance(sent, list):
        return sorted(map(str, shown)) == sorted(map(str, sent))
    return shown == sent


def _plain(value: Decimal | None) -> str:
    """A decimal as typed into a form (`40`, `12.5`): no trailing zeros, no exponent."""
    return "" if value is None else format(value.normalize(), "f")


def _note(form: Form, error: InvalidInput, reader: Reader) -> None:
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


# --- words ------------------------------------------------------------------------------


def _pool_title(reader: Reader, pool: PoolRead) -> tuple[str, str]:
    """The pool's item title in the reader's language, else the pool's, and that language."""
    language = pick_language(list(pool.item.translations), [reader.language], pool.item.default_language)
    return pool.item.translations[language].title, language


def _classification(reader: Reader, scheme: str, code: str) -> str:
    shown = f"{scheme} {shown_classification(scheme, code)}"
    name = classification_name(scheme, code, reader.language)
    return reader.gettext("%(name)s (%(code)s)") % {"name": name, "code": shown} if name else shown


def _percent(reader: Reader, value: Decimal | str | None) -> str | None:
    if value is None:
        return None
    return numbers.format_percent(Decimal(value) / 100, locale=reader.formats.locale, decimal_quantization=False)


def _state(reader: Reader, tender: TenderRead, passed: bool) -> str:
    if tender.status is TenderStatus.published and passed:
        return reader.gettext(_DEADLINE_PASSED)
    return reader.gettext(STATES[tender.status])


def _view(reader: Reader, tender: TenderRead) -> TenderView:
    current = now()
    passed = current >= tender.bid_deadline
    method, hint = AWARD_METHODS[tender.award_method]
    return TenderView(
        tender=tender,
        state=_state(reader, tender, passed),
        deadline_in=dates.format_timedelta(
            tender.bid_deadline - current, add_direction=True, locale=reader.formats.locale
        ),
        deadline_passed=passed,
        places={lot.id: place_name(lot.jurisdiction, reader.language) for lot in tender.lots},
        classification=_classification(reader, tender.item.classification.scheme, tender.item.classification.code),
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
        "preference_margin_percent": lambda: _percent(reader, text) or text,
        "max_share_percent": lambda: _percent(reader, text) or text,
        "min_award_quantity": lambda: f.quantity(text, tender.item.unit),
        "max_lots_per_supplier": lambda: f.number(text),
        "preferred_attributes": lambda: _listed(reader, _attributes(reader, listed)),
        "required_credential_types": lambda: _listed(reader, [credential_name(c, reader.gettext) for c in listed]),
    }
    try:
        return said[field]() if field in said else text
    except (ValueError, InvalidOperation, KeyError):
        return text


def _log_entry(
    reader: Reader, tender: TenderRead, amendment: AmendmentRead, names: Mapping[uuid.UUID, str]
) -> LogEntry:
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


def _supplier(reader: Reader, tender: TenderRead, found: SupplierEligibility) -> Supplier:
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
