"""Pages of one's organisations: the list, creating one (places and languages picked by name) and its
profile (members, hubs and applying to one); its credentials are `web.credentials`, which uses the
pick lists of places kept here (credential kinds are named in `web.words`).

Every page calls the services the JSON API calls (`OrganizationService`, `HubService`, the place
names of `marketplace.place`); what the reader may see and do is theirs to decide (an organisation
one is no member of is their 404, the error page).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from babel.languages import get_official_languages
from babel.numbers import get_territory_currencies
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession
from stdnum.eu import vat as eu_vat

from kernel import codes
from kernel.auth import Principal
from kernel.errors import FieldError, FieldProblems, Forbidden, InvalidInput
from kernel.pagination import MAX_PER_PAGE
from kernel.validation import convert
from marketplace.hub.schemas import HubApplication, HubRead
from marketplace.hub.service import HubService, OutsideHub
from marketplace.organization.models import InclusionAttribute, OrganizationKind, Role
from marketplace.organization.registration import canonical_registration
from marketplace.organization.schemas import InclusionStatus, MemberRead, OrganizationCreate
from marketplace.organization.service import EmailUnverified, OrganizationService, RegistrationTaken
from web.i18n import name_order
from web.mine import my_organizations, sells
from web.organization_views import EVERYTHING, REGISTRATION_SCHEMES, SCHEME_NAMES, Names, place_of
from web.page import Form, Reader, form_values, page, see_other
from web.words import INCLUSION_WORDS, UNVERIFIED

Session = NamedDependency[AsyncSession]
ThisReader = NamedDependency[Reader]
#: The member states of the European Union (stdnum's list of VAT areas, Northern Ireland's `XI` aside).
EU_COUNTRIES = tuple(sorted(code.upper() for code in eu_vat.MEMBER_STATES if code != "xi"))


def _(text: str) -> str:
    """Marks a text for the catalog (`borderhub i18n extract`); it is translated when shown."""
    return text


KIND_WORDS = {
    OrganizationKind.producer: _("Producer: sells goods"),
    OrganizationKind.buyer: _("Buyer: buys goods"),
    OrganizationKind.both: _("Producer and buyer: sells and buys goods"),
}
KIND_CHOICES = {
    OrganizationKind.producer: _("It sells goods (a producer)"),
    OrganizationKind.buyer: _("It buys goods (a buyer: a business or a public body)"),
    OrganizationKind.both: _("It sells and buys goods"),
}
ROLE_WORDS = {Role.owner: _("Owner"), Role.admin: _("Administrator"), Role.member: _("Member")}
HUB_STATE_WORDS = {
    "pending": _("Applied: waiting for the hub's coordinators to decide"),
    "admitted": _("Admitted: trades in the hub"),
    "rejected": _("Not admitted"),
}
#: The form's fields as the organisation service names them.
ORGANIZATION_FIELDS = {
    "$.registration": "registration_id",
    "$.registration.scheme": "registration_scheme",
    "$.registration.id": "registration_id",
    "$.inclusion": "inclusion",
    **{f"$.languages[{index}]": "languages" for index in range(MAX_PER_PAGE)},
}


# --- names of places, languages and currencies in the reader's language ------------------------


@dataclass(frozen=True)
class Choice:
    """One option of a picker: the value sent and the text shown."""

    value: str
    text: str


@dataclass(frozen=True)
class Group:
    """Options under one heading (`<optgroup>`); `key` is what a script filters them by."""

    label: str
    choices: list[Choice]
    key: str = ""


def _names(reader: Reader) -> Names:
    return Names(language=reader.language, locale=reader.formats.locale)


def _hub_countries(hubs: Iterable[HubRead]) -> list[str]:
    return list(dict.fromkeys(codes.jurisdiction_country(code) for hub in hubs for code in hub.jurisdictions))


def _by_name(choices: Iterable[Choice]) -> list[Choice]:
    return sorted(choices, key=lambda choice: name_order(choice.text))


def country_groups(reader: Reader, names: Names, hubs: list[HubRead]) -> list[Group]:
    """The countries of the hubs first, then the rest of the EU (hubs serve places in the EU)."""
    first = _hub_countries(hubs)
    european = [code for code in EU_COUNTRIES if code not in first]
    return [
        Group(reader.gettext("Countries of Borderhub's hubs"), _by_name(Choice(c, names.country(c)) for c in first)),
        Group(
            reader.gettext("Other countries of the European Union"),
            _by_name(Choice(c, names.country(c)) for c in european),
        ),
    ]


def region_groups(names: Names, hubs: list[HubRead]) -> list[Group]:
    """The regions of the hubs' countries and of the EU, one group per country (its hubs' first):
    each country's top-level regions, and any smaller one a hub serves."""
    first = _hub_countries(hubs)
    served = {code for hub in hubs for code in hub.jurisdictions if "-" in code}
    countries = first + sorted((c for c in EU_COUNTRIES if c not in first), key=lambda c: name_order(names.country(c)))
    groups = []
    for country in countries:
        choices = [
            Choice(code, name) for code, name, parent in names.regions(country) if parent is None or code in served
        ]
        if choices:
            groups.append(Group(names.country(country), choices, key=country))
    return groups


def language_choices(names: Names, hubs: list[HubRead], reader: Reader) -> tuple[list[Choice], list[Choice]]:
    """The languages an organisation may write in, by name: the hubs' and the reader's first, then the
    official languages of the EU's countries."""
    first = list(dict.fromkeys([*(tag for hub in hubs for tag in hub.languages), reader.catalog_language]))
    more = [
        tag
        for country in EU_COUNTRIES
        for tag in get_official_languages(country)
        if tag not in first and "_" not in tag
    ]

    def named(tags: list[str]) -> list[Choice]:
        return _by_name(Choice(tag, names.language_name(tag)) for tag in dict.fromkeys(tags))

    return named(first), named(more)


def currency_choices(names: Names, hubs: list[HubRead]) -> list[tuple[str, str]]:
    """(code, name) of the currencies of the hubs and of the EU's countries, by name."""
    found = [hub.reporting_currency for hub in hubs]
    for country in [*_hub_countries(hubs), *EU_COUNTRIES]:
        found += get_territory_currencies(country, tender=True)
    named = _by_name(Choice(code, f"{names.currencies.get(code, code)} ({code})") for code in dict.fromkeys(found))
    return [(choice.value, choice.text) for choice in named]


# --- the organisation's data in words ----------------------------------------------------------


@dataclass(frozen=True)
class HubState:
    hub_id: uuid.UUID
    name: str
    state: str
    status: str


@dataclass(frozen=True)
class InclusionState:
    label: str
    declared: bool
    verified_by: str | None
    """The hub that verified the declaration (None: not verified)."""
    verified_at: dt.datetime | None


def _inclusion_state(status: InclusionStatus, label: str, hub_names: Mapping[uuid.UUID, str]) -> InclusionState:
    verified_by = None
    if status.verified_by_hub and status.verified_by_hub_id is not None:
        verified_by = hub_names.get(status.verified_by_hub_id, "")
    return InclusionState(
        label=label, declared=status.declared, verified_by=verified_by, verified_at=status.verified_at
    )


async def _hubs(db_session: AsyncSession, principal: Principal) -> list[HubRead]:
    return (await HubService(db_session).list_hubs(principal, EVERYTHING)).items


# --- forms -------------------------------------------------------------------------------------


async def _organization_values(request: Request[Any, Any, Any]) -> dict[str, Any]:
    values: dict[str, Any] = await form_values(request)
    values["languages"] = [str(tag) for tag in (await request.form()).getall("languages")]
    return values


def _organization_input(values: Mapping[str, Any]) -> dict[str, Any]:
    """The form as the service's `OrganizationCreate` reads it (what is left blank is left out, so
    that it is "required" rather than an unknown code)."""
    data: dict[str, Any] = {
        "legal_name": values.get("legal_name", ""),
        "registration": {"scheme": values.get("registration_scheme", ""), "id": values.get("registration_id", "")},
        "languages": values.get("languages", []),
        "inclusion": {attribute.value: attribute.value in values for attribute in InclusionAttribute},
    }
    for name in ("kind", "country", "default_currency", "employee_count"):
        if values.get(name):
            data[name] = values[name]
    for name in ("subdivision", "municipality"):
        data[name] = values.get(name) or None
    return data


def _registration_problems(values: Mapping[str, Any]) -> list[FieldError]:
    """What the service would say about the registration number, for a form it could not be given
    (another field did not even convert): so every problem is named at once."""
    scheme, number = values.get("registration_scheme", ""), values.get("registration_id", "")
    if not scheme or not number:
        return []
    country = FieldProblems().check(codes.country, values.get("country", ""), "country") or ""
    problems = FieldProblems()
    problems.check(canonical_registration, scheme, number, country, "registration.id")
    return problems.errors


class OrganizationPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/organizations", name="organizations")
    async def mine(self, reader: ThisReader, db_session: Session) -> Template:
        principal = reader.require()
        organizations = await my_organizations(db_session, principal)
        names = _names(reader)
        rows = [
            {
                "id": organization.id,
                "name": organization.legal_name,
                "kind": reader.gettext(KIND_WORDS[organization.kind]),
                "place": place_of(organization, names),
                "role": reader.gettext(ROLE_WORDS[organization.my_role]) if organization.my_role else "",
            }
            for organization in organizations
        ]
        return page(reader, "organizations/list.jinja", rows=rows, total=len(organizations))

    @get("/organizations/new")
    async def new_form(self, reader: ThisReader, db_session: Session) -> Template:
        principal = reader.require()
        form = Form(values={"languages": [reader.catalog_language]})
        return await self._new_page(reader, db_session, principal, form)

    @post("/organizations/new")
    async def create(
        self, request: Request[Any, Any, Any], reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        principal = reader.require()
        values = await _organization_values(request)
        form = Form(values=values)
        try:
            try:
                data = convert(_organization_input(values), OrganizationCreate, strict=False)
            except InvalidInput as error:
                named = {problem.field for problem in error.errors}
                extra = [p for p in _registration_problems(values) if p.field not in named]
                raise InvalidInput.of([*error.errors, *extra]) from None
            created = await OrganizationService(db_session).create(principal, data)
        except InvalidInput as error:
            form.note(error, reader, ORGANIZATION_FIELDS)
            return await self._new_page(reader, db_session, principal, form, status_code=422)
        except RegistrationTaken:
            form.errors["registration_id"] = reader.gettext(
                "An organisation with this registration number is already on Borderhub. Ask its owner to invite you."
            )
            return await self._new_page(reader, db_session, principal, form, status_code=409)
        except EmailUnverified:
            form.problem = reader.gettext(UNVERIFIED)
            return await self._new_page(reader, db_session, principal, form, status_code=403)
        return see_other(f"/organizations/{created.id}", notice="organization-created")

    async def _new_page(
        self, reader: Reader, db_session: AsyncSession, principal: Principal, form: Form, status_code: int = 200
    ) -> Template:
        hubs = await _hubs(db_session, principal)
        names = _names(reader)
        languages, more_languages = language_choices(names, hubs, reader)
        chosen = set(form.values.get("languages", []))
        return page(
            reader,
            "organizations/new.jinja",
            status_code=status_code,
            form=form,
            kinds=[Choice(kind.value, reader.gettext(text)) for kind, text in KIND_CHOICES.items()],
            schemes=[Choice(code, reader.gettext(text)) for code, text in REGISTRATION_SCHEMES.items()],
            countries=country_groups(reader, names, hubs),
            regions=region_groups(names, hubs),
            first_languages=languages,
            more_languages=more_languages,
            more_languages_open=any(choice.value in chosen for choice in more_languages),
            currencies=currency_choices(names, hubs),
            inclusion=[Choice(a.value, reader.gettext(text)) for a, text in INCLUSION_WORDS.items()],
        )

    @get("/organizations/{organization_id:uuid}")
    async def profile(self, reader: ThisReader, db_session: Session, organization_id: FromPath[uuid.UUID]) -> Template:
        principal = reader.require()
        return await self._profile(reader, db_session, principal, organization_id, Form())

    @post("/organizations/{organization_id:uuid}/applications")
    async def apply(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        organization_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        principal = reader.require()
        values = await form_values(request)
        form = Form(values=values)
        try:
            hub_id = uuid.UUID(values.get("hub_id", ""))
        except ValueError:
            form.errors["hub_id"] = reader.gettext("Choose the hub to apply to.")
            return await self._profile(reader, db_session, principal, organization_id, form, status_code=422)
        try:
            data = convert(
                {"organization_id": str(organization_id), "note": values.get("note") or None}, HubApplication
            )
            await HubService(db_session).apply(principal, hub_id, data)
        except OutsideHub:
            form.errors["hub_id"] = reader.gettext(
                "This hub serves other places than the one your organisation is in. Choose a hub of your region."
            )
            return await self._profile(reader, db_session, principal, organization_id, form, status_code=422)
        except InvalidInput as error:
            form.note(error, reader, {"$.organization_id": "hub_id"})
            return await self._profile(reader, db_session, principal, organization_id, form, status_code=422)
        except EmailUnverified:
            form.problem = reader.gettext(UNVERIFIED)
            return await self._profile(reader, db_session, principal, organization_id, form, status_code=403)
        return see_other(f"/organizations/{organization_id}", notice="hub-applied")

    async def _profile(
        self,
        reader: Reader,
        db_session: AsyncSession,
        principal: Principal,
        organization_id: uuid.UUID,
        form: Form,
        status_code: int = 200,
    ) -> Template:
        organizations = OrganizationService(db_session)
        organization = await organizations.read(principal, organization_id)
        members: list[MemberRead] | None
        try:
            members = await organizations.members(principal, organization_id)
        except Forbidden:  # the service shows members to members with a proven address only
            members = None
        hubs = await _hubs(db_session, principal)
        hub_names = {hub.id: hub.name for hub in hubs}
        names = _names(reader)
        memberships = [
            HubState(
                hub_id=ref.hub_id,
                name=hub_names.get(ref.hub_id, ""),
                state=reader.gettext(HUB_STATE_WORDS.get(ref.status, ref.status)),
                status=ref.status,
            )
            for ref in organization.hubs
        ]
        taken = {ref.hub_id for ref in organization.hubs if ref.status != "rejected"}
        inclusion = [
            _inclusion_state(getattr(organization.inclusion, attribute.value), reader.gettext(text), hub_names)
            for attribute, text in INCLUSION_WORDS.items()
        ]
        manages = organization.my_role is not None and organization.my_role.at_least(Role.admin)
        return page(
            reader,
            "organizations/profile.jinja",
            status_code=status_code,
            organization=organization,
            kind=reader.gettext(KIND_WORDS[organization.kind]),
            role=reader.gettext(ROLE_WORDS[organization.my_role]) if organization.my_role else None,
            written_in=[names.language_name(tag) for tag in organization.languages],
            currency=names.currencies.get(organization.default_currency, organization.default_currency),
            inclusion=inclusion,
            members=members,
            role_words={role.value: reader.gettext(text) for role, text in ROLE_WORDS.items()},
            memberships=memberships,
            open_hubs=[
                (str(hub.id), f"{hub.name} ({'; '.join(names.place(code) for code in hub.jurisdictions)})")
                for hub in hubs
                if hub.id not in taken
            ],
            registration=SCHEME_NAMES.get(organization.registration.scheme, organization.registration.scheme),
            place=place_of(organization, names),
            manages=manages,
            sells=sells(organization.kind),
            form=form,
        )
