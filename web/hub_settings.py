"""A hub's settings, for its coordinators (`/hubs/{hub_id}/settings`): the places it spans (by name,
read-only: `HubService` changes them for no one after the hub is created), its compliance rules —
requirements (which credential sellers of which goods need to sell into a place) and mutual
recognitions (a credential issued in one place accepted in another), each in words — the invoice
terms of each of its buyers, and its coordinators.

A change to the compliance rules shows its consequence before it is made: the form posts to
`.../preview`, which weighs the change without making it (`ComplianceService.propose_*` checks it
as making it would, `marketplace.catalog.snapshot.rule_change_preview` judges the hub's offered
listings with it, in memory) and says how many listings become unavailable (or available) where,
by name, with a few of them; its "Confirm" form carries the same values to the change itself.

Every page starts with `coordinated_hub` (a 404 page for no hub, 403 for anyone but its
coordinators); a rule of another hub is a 404 page. The changes go through `ComplianceService` and
`HubService` as their JSON API controllers call them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import Conflict, InvalidInput
from kernel.negotiation import pick_language
from kernel.numbers import read_number
from kernel.pagination import MAX_PER_PAGE, Page, PageParams, page_params
from kernel.validation import convert
from marketplace.catalog.classification import Scheme
from marketplace.catalog.schemas import AffectedListing, RulePreview
from marketplace.catalog.snapshot import rule_change_preview
from marketplace.compliance.errors import DuplicateRecognition, DuplicateRequirement
from marketplace.compliance.models import Recognition, Requirement
from marketplace.compliance.schemas import RecognitionCreate, RecognitionRead, RequirementCreate, RequirementRead
from marketplace.compliance.service import ComplianceService, RuleChange
from marketplace.hub.schemas import CoordinatorRead, HubMembershipRead, HubRead, InvoiceTerms, PublicCatalogue
from marketplace.hub.service import HubService
from marketplace.organization.models import HubMembershipStatus, OrganizationKind
from web.i18n import language_name
from web.messages import FIELD_MESSAGES, Phrasebook
from web.mine import buys, coordinated_hub
from web.page import Form, Reader, form_values, page, see_other
from web.pickers import classification_picker, place_choices, read_classification
from web.places import place_name
from web.rule_words import goods_words
from web.words import CREDENTIAL_TYPES, credential_name

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
HubId = FromPath[uuid.UUID]
RuleId = FromPath[uuid.UUID]
T = TypeVar("T")


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: The service's words about a rule's fields, as the forms say them.
RULE_MESSAGES = Phrasebook(
    [
        (r"is not in the expected format", _("Enter the digits the goods' codes begin with, like 0314.")),
        (r"(?P<scheme>CPV|HS) codes have at most (?P<n>\d+) digits", _("%(scheme)s codes have at most %(n)s digits.")),
        (
            r"credentials issued in \S+ already count in \S+",
            _("Credentials issued in the first place already count in this one. Choose a place outside it."),
        ),
    ],
    then=FIELD_MESSAGES,
)
#: The service's words about appointing a coordinator and a buyer's invoice terms.
HUB_MESSAGES = Phrasebook(
    [
        (
            r"no account with e-mail .*; register first",
            _("No one has an account with this e-mail address. Ask them to register first."),
        ),
        (
            r".* has not confirmed its e-mail address yet",
            _("This person has not proven their e-mail address yet. Ask them to follow the link we sent them."),
        ),
        (r".* already coordinates this hub", _("This person already coordinates the hub.")),
        (r"a hub keeps at least one coordinator", _("A hub keeps at least one coordinator: appoint another first.")),
        (r"must be a whole number", _("Enter a number of days, like 30.")),
    ],
    then=FIELD_MESSAGES,
)
_DUPLICATE_REQUIREMENT = _("The hub already has this requirement.")
_DUPLICATE_RECOGNITION = _("The hub already recognises these credentials in this place.")

#: The requirement form's names of the service's fields.
_REQUIREMENT_FIELDS = {
    "$.classification_scheme": "scheme",
    "$.classification_prefix": "code",
    "$.destination": "destination",
    "$.credential_type": "credential_type",
    "$.description": "description",
}
_REQUIREMENT_VALUES = ("scheme", "code", "destination", "credential_type", "description")
#: The recognition form's names of the service's fields (the same as the service's).
_RECOGNITION_FIELDS = {
    "$.credential_type": "credential_type",
    "$.issued_in": "issued_in",
    "$.recognised_in": "recognised_in",
}
_RECOGNITION_VALUES = ("credential_type", "issued_in", "recognised_in")
#: A buyer's invoice terms are posted as `days-<organization id>` (one form a buyer, each field its own id).
_DAYS = "days-"
#: The digits of a code as typed: separators dropped (`0409.00`), a CPV check digit too (`03142100-9`).
_SEPARATORS = re.compile(r"[\s.]")
#: Listings of a place named on the preview page (the rest are counted).
SHOWN = 5


def _settings_path(hub_id: uuid.UUID) -> str:
    return f"/hubs/{hub_id}/settings"


async def _every(fetch: Callable[[PageParams], Awaitable[Page[T]]]) -> list[T]:
    """Every item of a paged read (hubs have tens of rules and buyers, not thousands)."""
    found: list[T] = []
    number = 1
    while True:
        batch = await fetch(page_params(number, MAX_PER_PAGE))
        found += batch.items
        if len(found) >= batch.total or not batch.items:
            return found
        number += 1


# --- words for the rules --------------------------------------------------------------------------


def requirement_sentence(reader: Reader, rule: Requirement | RequirementRead) -> str:
    """What a requirement means, in a sentence."""
    return reader.gettext(
        "To sell %(goods)s into %(place)s, a seller needs a verified “%(credential)s”, valid on the day and "
        "accepted there."
    ) % {
        "goods": goods_words(reader, rule.classification_scheme.value, rule.classification_prefix),
        "place": place_name(rule.destination, reader.language),
        "credential": credential_name(rule.credential_type, reader.gettext),
    }


def recognition_sentence(reader: Reader, rule: Recognition | RecognitionRead) -> str:
    """What a recognition means, in a sentence."""
    return reader.gettext("“%(credential)s” issued in %(issued)s is accepted in %(recognised)s as well.") % {
        "credential": credential_name(rule.credential_type, reader.gettext),
        "issued": place_name(rule.issued_in, reader.language),
        "recognised": place_name(rule.recognised_in, reader.language),
    }


# --- the forms' choices ---------------------------------------------------------------------------


def _credential_choices(reader: Reader, used: list[str]) -> list[tuple[str, str]]:
    """The credential types in common use and those of the hub's rules, by name."""
    types = {code: credential_name(code, reader.gettext) for code in [*CREDENTIAL_TYPES, *used]}
    ordered = sorted(types.items(), key=lambda item: item[1].casefold())
    return [("", reader.gettext("Choose a credential")), *ordered]


# --- the forms, read ------------------------------------------------------------------------------


def _prefix(scheme: str, code: str) -> str:
    """The digits a requirement's goods codes begin with, as the service reads them; what was typed
    when it is more than digits and separators (the service names it)."""
    digits = _SEPARATORS.sub("", code)
    if scheme == Scheme.CPV.value:
        digits = digits.split("-", 1)[0]
    return digits


def _requirement_body(values: Mapping[str, str]) -> dict[str, Any]:
    chosen = read_classification(values)
    body = {
        "classification_scheme": chosen["scheme"],
        "classification_prefix": _prefix(chosen["scheme"], chosen["code"]),
        "destination": values.get("destination", ""),
        "credential_type": values.get("credential_type", ""),
        "description": values.get("description", ""),
    }
    # A field left empty is missing ("fill this in"), not a value of no letters.
    return {key: value for key, value in body.items() if value}


def _recognition_body(values: Mapping[str, str]) -> dict[str, Any]:
    return {name: values[name] for name in _RECOGNITION_VALUES if values.get(name)}


# --- the pages, rendered --------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleView:
    """A rule as the settings page lists it: what it means, and its parts by name."""

    id: uuid.UUID
    sentence: str
    credential: str
    goods: str
    place: str
    """The requirement's destination; the recognition's place of issue."""
    other_place: str
    """The recognition's place it is accepted in (empty for a requirement)."""
    description: str | None = None


@dataclass(frozen=True)
class BuyerTerms:
    """A buyer of the hub and how long it has to pay an invoice (None: it may not pay by invoice)."""

    organization_id: uuid.UUID
    name: str
    place: str
    net_days: int | None


@dataclass(frozen=True)
class ListingShown:
    """A listing a change reaches, titled in the reader's language where the producer wrote one."""

    title: str
    language: str
    producer: str


@dataclass(frozen=True)
class PlaceView:
    """What a change does in one place, by name."""

    name: str
    unavailable: int
    available: int
    becoming_unavailable: list[ListingShown]
    becoming_available: list[ListingShown]


def _requirement_view(reader: Reader, rule: RequirementRead) -> RuleView:
    return RuleView(
        id=rule.id,
        sentence=requirement_sentence(reader, rule),
        credential=credential_name(rule.credential_type, reader.gettext),
        goods=goods_words(reader, rule.classification_scheme.value, rule.classification_prefix),
        place=place_name(rule.destination, reader.language),
        other_place="",
        description=rule.description,
    )


def _recognition_view(reader: Reader, rule: RecognitionRead) -> RuleView:
    return RuleView(
        id=rule.id,
        sentence=recognition_sentence(reader, rule),
        credential=credential_name(rule.credential_type, reader.gettext),
        goods="",
        place=place_name(rule.issued_in, reader.language),
        other_place=place_name(rule.recognised_in, reader.language),
    )


def _shown(reader: Reader, listing: AffectedListing) -> ListingShown:
    language = pick_language(list(listing.titles), [reader.language], listing.default_language)
    title = listing.titles.get(language) or listing.titles.get(listing.default_language, "")
    return ListingShown(title=title, language=language, producer=listing.producer_name)


def _place_views(reader: Reader, preview: RulePreview) -> list[PlaceView]:
    return [
        PlaceView(
            name=place_name(effect.jurisdiction, reader.language),
            unavailable=effect.unavailable,
            available=effect.available,
            becoming_unavailable=[_shown(reader, listing) for listing in effect.becoming_unavailable],
            becoming_available=[_shown(reader, listing) for listing in effect.becoming_available],
        )
        for effect in preview.places
    ]


async def _rules(
    db_session: AsyncSession, principal: Principal, hub: HubRead
) -> tuple[list[RequirementRead], list[RecognitionRead]]:
    compliance = ComplianceService(db_session)
    requirements = await _every(
        lambda paging: compliance.requirements(principal, hub.id, destination=None, credential_type=None, page=paging)
    )
    recognitions = await _every(lambda paging: compliance.recognitions(principal, hub.id, None, paging))
    return requirements, recognitions


async def _settings_page(
    reader: Reader,
    db_session: AsyncSession,
    principal: Principal,
    hub: HubRead,
    *,
    terms: Form | None = None,
    coordinators_form: Form | None = None,
    status_code: int = 200,
) -> Template:
    hubs = HubService(db_session)
    requirements, recognitions = await _rules(db_session, principal, hub)
    members: list[HubMembershipRead] = await _every(
        lambda paging: hubs.memberships(principal, hub.id, HubMembershipStatus.admitted, paging)
    )
    buyers = [
        BuyerTerms(
            organization_id=member.organization_id,
            name=member.organization_name,
            place=place_name(member.subdivision or member.country, reader.language),
            net_days=member.invoice_net_days,
        )
        for member in sorted(members, key=lambda member: member.organization_name.casefold())
        if buys(OrganizationKind(member.organization_kind))
    ]
    coordinators: list[CoordinatorRead] = await hubs.coordinators(principal, hub.id)
    locale = reader.formats.locale
    return page(
        reader,
        "hub/settings/settings.jinja",
        status_code=status_code,
        hub=hub,
        places=[place_name(scope, reader.language) for scope in hub.jurisdictions],
        municipalities=[(place.name, place_name(place.jurisdiction, reader.language)) for place in hub.municipalities],
        hub_languages=[language_name(tag, locale) for tag in hub.languages],
        currency=reader.formats.currency_name(hub.reporting_currency),
        requirements=[_requirement_view(reader, rule) for rule in requirements],
        recognitions=[_recognition_view(reader, rule) for rule in recognitions],
        buyers=buyers,
        terms=terms or Form(),
        coordinators=sorted(coordinators, key=lambda c: c.full_name.casefold()),
        me=principal.user_id,
        coordinators_form=coordinators_form or Form(),
    )


async def _requirement_form(
    reader: Reader, db_session: AsyncSession, principal: Principal, hub: HubRead, form: Form, *, status_code: int = 200
) -> Template:
    requirements, recognitions = await _rules(db_session, principal, hub)
    used = [rule.credential_type for rule in requirements] + [rule.credential_type for rule in recognitions]
    return page(
        reader,
        "hub/settings/requirement.jinja",
        status_code=status_code,
        hub=hub,
        form=form,
        places=place_choices(hub, reader, countries=True),
        credentials=_credential_choices(reader, used),
        labels={
            "scheme": reader.gettext("Code list"),
            "code": reader.gettext("Goods"),
            "destination": reader.gettext("Sold into"),
            "credential_type": reader.gettext("Credential needed"),
            "description": reader.gettext("Note for sellers"),
        },
        **classification_picker(reader, form.values),
    )


async def _recognition_form(
    reader: Reader, db_session: AsyncSession, principal: Principal, hub: HubRead, form: Form, *, status_code: int = 200
) -> Template:
    requirements, recognitions = await _rules(db_session, principal, hub)
    used = [rule.credential_type for rule in requirements] + [rule.credential_type for rule in recognitions]
    return page(
        reader,
        "hub/settings/recognition.jinja",
        status_code=status_code,
        hub=hub,
        form=form,
        places=place_choices(hub, reader, countries=True),
        credentials=_credential_choices(reader, used),
        labels={
            "credential_type": reader.gettext("Credential"),
            "issued_in": reader.gettext("Issued in"),
            "recognised_in": reader.gettext("Accepted in as well"),
        },
    )


def _preview_page(
    reader: Reader,
    hub: HubRead,
    change: RuleChange,
    preview: RulePreview,
    *,
    confirm: str,
    back: str,
    values: Mapping[str, str],
) -> Template:
    """The consequence of a change, and the form that makes it (`confirm`, with the same `values`)."""
    rule = change.rule
    if isinstance(rule, Requirement):
        sentence = requirement_sentence(reader, rule)
        heading = (
            reader.gettext("Remove this requirement?") if change.removed else reader.gettext("Add this requirement?")
        )
    else:
        sentence = recognition_sentence(reader, rule)
        heading = (
            reader.gettext("Remove this recognition?") if change.removed else reader.gettext("Add this recognition?")
        )
    return page(
        reader,
        "hub/settings/preview.jinja",
        hub=hub,
        heading=heading,
        sentence=sentence,
        removed=change.removed,
        preview=preview,
        places=_place_views(reader, preview),
        confirm=confirm,
        back=back,
        values=values,
        shown=SHOWN,
    )


def _say(reader: Reader, phrasebook: Phrasebook) -> Callable[[str], str]:
    return lambda message: phrasebook.say(message, reader.gettext)


# --- the pages ------------------------------------------------------------------------------------


class HubSettingsPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/hubs/{hub_id:uuid}/settings", name="hub-settings")
    async def settings(self, hub_id: HubId, reader: ThisReader, db_session: Session) -> Template:
        """The hub's places, rules, buyers' invoice terms and coordinators."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        return await _settings_page(reader, db_session, principal, hub)

    # --- requirements ------------------------------------------------------------------------------

    @get("/hubs/{hub_id:uuid}/settings/requirements/new")
    async def new_requirement(
        self, request: Request[Any, Any, Any], hub_id: HubId, reader: ThisReader, db_session: Session
    ) -> Template:
        """The form (filled again with the values of a preview the coordinator went back from)."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = {name: request.query_params.get(name, "") for name in _REQUIREMENT_VALUES}
        values["scheme"] = values["scheme"] or Scheme.CPV.value
        return await _requirement_form(reader, db_session, principal, hub, Form(values=values))

    @post("/hubs/{hub_id:uuid}/settings/requirements/preview")
    async def preview_requirement(
        self, request: Request[Any, Any, Any], hub_id: HubId, reader: ThisReader, db_session: Session
    ) -> Template:
        """What the requirement would change, before it is added (nothing is written)."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = await form_values(request)
        form = Form(values=values)
        try:
            data = convert(_requirement_body(values), RequirementCreate, strict=False)
            change = await ComplianceService(db_session).propose_requirement(principal, hub.id, data)
        except InvalidInput as error:
            form.note(error, reader, _REQUIREMENT_FIELDS, _say(reader, RULE_MESSAGES))
            return await _requirement_form(reader, db_session, principal, hub, form, status_code=422)
        except DuplicateRequirement as error:
            form.problem = reader.gettext(_DUPLICATE_REQUIREMENT)
            return await _requirement_form(reader, db_session, principal, hub, form, status_code=error.status)
        kept = {name: values.get(name, "") for name in _REQUIREMENT_VALUES}
        return _preview_page(
            reader,
            hub,
            change,
            await rule_change_preview(db_session, change, shown=SHOWN),
            confirm=f"{_settings_path(hub.id)}/requirements",
            back=f"{_settings_path(hub.id)}/requirements/new",
            values=kept,
        )

    @post("/hubs/{hub_id:uuid}/settings/requirements")
    async def add_requirement(
        self, request: Request[Any, Any, Any], hub_id: HubId, reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        """Add the requirement the preview showed."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = await form_values(request)
        form = Form(values=values)
        try:
            data = convert(_requirement_body(values), RequirementCreate, strict=False)
            await ComplianceService(db_session).add_requirement(principal, hub.id, data)
        except InvalidInput as error:
            form.note(error, reader, _REQUIREMENT_FIELDS, _say(reader, RULE_MESSAGES))
            return await _requirement_form(reader, db_session, principal, hub, form, status_code=422)
        except DuplicateRequirement as error:
            form.problem = reader.gettext(_DUPLICATE_REQUIREMENT)
            return await _requirement_form(reader, db_session, principal, hub, form, status_code=error.status)
        return see_other(_settings_path(hub.id), notice="requirement-added")

    @post("/hubs/{hub_id:uuid}/settings/requirements/{rule_id:uuid}/remove/preview")
    async def preview_requirement_removal(
        self, hub_id: HubId, rule_id: RuleId, reader: ThisReader, db_session: Session
    ) -> Template:
        """What removing the requirement would change, before it is removed."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        change = await ComplianceService(db_session).propose_requirement_removal(principal, hub.id, rule_id)
        return _preview_page(
            reader,
            hub,
            change,
            await rule_change_preview(db_session, change, shown=SHOWN),
            confirm=f"{_settings_path(hub.id)}/requirements/{rule_id}/remove",
            back=_settings_path(hub.id),
            values={},
        )

    @post("/hubs/{hub_id:uuid}/settings/requirements/{rule_id:uuid}/remove")
    async def remove_requirement(
        self, hub_id: HubId, rule_id: RuleId, reader: ThisReader, db_session: Session
    ) -> Redirect:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        await ComplianceService(db_session).remove_requirement(principal, hub.id, rule_id)
        return see_other(_settings_path(hub.id), notice="requirement-removed")

    # --- recognitions ------------------------------------------------------------------------------

    @get("/hubs/{hub_id:uuid}/settings/recognitions/new")
    async def new_recognition(
        self, request: Request[Any, Any, Any], hub_id: HubId, reader: ThisReader, db_session: Session
    ) -> Template:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = {name: request.query_params.get(name, "") for name in _RECOGNITION_VALUES}
        return await _recognition_form(reader, db_session, principal, hub, Form(values=values))

    @post("/hubs/{hub_id:uuid}/settings/recognitions/preview")
    async def preview_recognition(
        self, request: Request[Any, Any, Any], hub_id: HubId, reader: ThisReader, db_session: Session
    ) -> Template:
        """What the recognition would change, before it is added (nothing is written)."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = await form_values(request)
        form = Form(values=values)
        try:
            data = convert(_recognition_body(values), RecognitionCreate, strict=False)
            change = await ComplianceService(db_session).propose_recognition(principal, hub.id, data)
        except InvalidInput as error:
            form.note(error, reader, _RECOGNITION_FIELDS, _say(reader, RULE_MESSAGES))
            return await _recognition_form(reader, db_session, principal, hub, form, status_code=422)
        except DuplicateRecognition as error:
            form.problem = reader.gettext(_DUPLICATE_RECOGNITION)
            return await _recognition_form(reader, db_session, principal, hub, form, status_code=error.status)
        kept = {name: values.get(name, "") for name in _RECOGNITION_VALUES}
        return _preview_page(
            reader,
            hub,
            change,
            await rule_change_preview(db_session, change, shown=SHOWN),
            confirm=f"{_settings_path(hub.id)}/recognitions",
            back=f"{_settings_path(hub.id)}/recognitions/new",
            values=kept,
        )

    @post("/hubs/{hub_id:uuid}/settings/recognitions")
    async def add_recognition(
        self, request: Request[Any, Any, Any], hub_id: HubId, reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        """Add the recognition the preview showed."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = await form_values(request)
        form = Form(values=values)
        try:
            data = convert(_recognition_body(values), RecognitionCreate, strict=False)
            await ComplianceService(db_session).add_recognition(principal, hub.id, data)
        except InvalidInput as error:
            form.note(error, reader, _RECOGNITION_FIELDS, _say(reader, RULE_MESSAGES))
            return await _recognition_form(reader, db_session, principal, hub, form, status_code=422)
        except DuplicateRecognition as error:
            form.problem = reader.gettext(_DUPLICATE_RECOGNITION)
            return await _recognition_form(reader, db_session, principal, hub, form, status_code=error.status)
        return see_other(_settings_path(hub.id), notice="recognition-added")

    @post("/hubs/{hub_id:uuid}/settings/recognitions/{rule_id:uuid}/remove/preview")
    async def preview_recognition_removal(
        self, hub_id: HubId, rule_id: RuleId, reader: ThisReader, db_session: Session
    ) -> Template:
        """What removing the recognition would change, before it is removed."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        change = await ComplianceService(db_session).propose_recognition_removal(principal, hub.id, rule_id)
        return _preview_page(
            reader,
            hub,
            change,
            await rule_change_preview(db_session, change, shown=SHOWN),
            confirm=f"{_settings_path(hub.id)}/recognitions/{rule_id}/remove",
            back=_settings_path(hub.id),
            values={},
        )

    @post("/hubs/{hub_id:uuid}/settings/recognitions/{rule_id:uuid}/remove")
    async def remove_recognition(
        self, hub_id: HubId, rule_id: RuleId, reader: ThisReader, db_session: Session
    ) -> Redirect:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        await ComplianceService(db_session).remove_recognition(principal, hub.id, rule_id)
        return see_other(_settings_path(hub.id), notice="recognition-removed")

    # --- invoice terms and coordinators ------------------------------------------------------------

    @post("/hubs/{hub_id:uuid}/settings/invoice-terms/{organization_id:uuid}")
    async def set_invoice_terms(
        self,
        request: Request[Any, Any, Any],
        hub_id: HubId,
        organization_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
    ) -> Template | Redirect:
        """How many days the buyer has to pay an invoice; empty: it may not pay by invoice."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = await form_values(request)
        field = f"{_DAYS}{organization_id}"
        typed = values.get(field, "")
        form = Form(values={field: typed})
        try:
            days = read_number(typed, reader.formats.locale) if typed else None
            data = convert({"net_days": days}, InvoiceTerms, strict=False)
            await HubService(db_session).set_invoice_terms(principal, hub.id, organization_id, data)
        except InvalidInput as error:
            form.note(error, reader, {"$.net_days": field}, _say(reader, HUB_MESSAGES))
            return await _settings_page(reader, db_session, principal, hub, terms=form, status_code=422)
        return see_other(_settings_path(hub.id), notice="invoice-terms-saved")

    @post("/hubs/{hub_id:uuid}/settings/public-catalogue")
    async def set_public_catalogue(
        self, request: Request[Any, Any, Any], hub_id: HubId, reader: ThisReader, db_session: Session
    ) -> Redirect:
        """Whether the hub's public catalogue shows prices to everyone (anything but "no" shows them)."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = await form_values(request)
        choice = PublicCatalogue(shows_prices=values.get("shows_prices") != "no")
        await HubService(db_session).set_public_catalogue(principal, hub.id, choice)
        return see_other(_settings_path(hub.id), notice="public-catalogue-saved")

    @post("/hubs/{hub_id:uuid}/settings/coordinators")
    async def appoint(
        self, request: Request[Any, Any, Any], hub_id: HubId, reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        """Appoint a registered person, by e-mail address, as a coordinator of the hub."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        values = await form_values(request)
        form = Form(values={"email": values.get("email", "")})
        try:
            if not form.values["email"]:
                raise InvalidInput.field("email", "is required")
            await HubService(db_session).appoint(principal, hub.id, form.values["email"])
        except InvalidInput as error:
            form.note(error, reader, {"$.email": "email"}, _say(reader, HUB_MESSAGES))
            return await _settings_page(reader, db_session, principal, hub, coordinators_form=form, status_code=422)
        except Conflict as error:
            form.errors["email"] = HUB_MESSAGES.say(error.detail, reader.gettext)
            return await _settings_page(
                reader, db_session, principal, hub, coordinators_form=form, status_code=error.status
            )
        return see_other(_settings_path(hub.id), notice="coordinator-appointed")

    @post("/hubs/{hub_id:uuid}/settings/coordinators/{user_id:uuid}/dismiss")
    async def dismiss(
        self, hub_id: HubId, user_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        """Dismiss a coordinator (oneself too: the hub's pages are then closed to one)."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        try:
            await HubService(db_session).dismiss(principal, hub.id, user_id)
        except Conflict as error:
            form = Form(problem=HUB_MESSAGES.say(error.detail, reader.gettext))
            return await _settings_page(
                reader, db_session, principal, hub, coordinators_form=form, status_code=error.status
            )
        if user_id == principal.user_id:
            return see_other("/hubs", notice="stepped-down")
        return see_other(_settings_path(hub.id), notice="coordinator-dismissed")
