"""Pages of a hub's coordinators: the hubs one coordinates (`/hubs`), a hub's home with its work queue
(`/hubs/<id>`), its organisations by admission state (`/hubs/<id>/organizations`), and one of them
(`/hubs/<id>/organizations/<id>`) with every decision about it: admitting or turning it away with a
reason, verifying each declared inclusion attribute with the evidence seen (or refusing it), and
checking its permits and certificates (the document, issuer and validity; verify, or reject with a
reason).

Every page (and every form's POST) starts with `coordinated_hub` (the not-found page for no such
hub, the not-allowed page for anyone but its coordinators, and for a coordinator whose e-mail address
is not proven the page saying to prove it) and calls the services the JSON API calls, for the same people:
`HubService` (admission, inclusion), `ComplianceService` (credentials and their documents). The
queue is one read per group, each the group's service's (`HubService.memberships` and
`.declarations_to_verify`, `ComplianceService.submitted_in_hub`, `DisputeService.waiting_in_hub`,
`CardPaymentService.needing_attention`, `PoolService.closing_soon`,
`TenderService.awaiting_coordinators`); each item links to the page where it is decided.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import Conflict, InvalidInput, NotFound
from kernel.pagination import MAX_PAGE, page_params
from kernel.storage import FileStorage
from marketplace.card.schemas import PaymentAttention
from marketplace.card.service import CardPaymentService
from marketplace.compliance.controllers import document_response
from marketplace.compliance.schemas import CredentialRead
from marketplace.compliance.service import ComplianceService
from marketplace.dispute.models import DisputeStatus
from marketplace.dispute.service import DisputeService
from marketplace.hub.schemas import HubMembershipRead, HubRead
from marketplace.hub.service import HubService
from marketplace.organization.models import HubMembershipStatus, InclusionAttribute, OrganizationKind
from marketplace.organization.schemas import InclusionRead, InclusionStatus
from marketplace.organization.service import OrganizationService
from procurement.pool.service import PoolService
from procurement.settings import ProcurementSettings
from procurement.tender.models import TenderStatus
from procurement.tender.service import TenderService
from web.dispute_views import REASONS
from web.mine import coordinated_hub, my_hubs
from web.organization_views import DOCUMENT_KINDS, EVERYTHING, SCHEME_NAMES, STATE_TEXTS, Names, file_size, place_of
from web.page import Form, Reader, form_values, page, see_other
from web.words import INCLUSION_WORDS, credential_name

Session = NamedDependency[AsyncSession]
Storage = NamedDependency[FileStorage]
ThisReader = NamedDependency[Reader]
#: The path of one organisation's page (and its forms' actions) under its hub.
_ORGANIZATION = "/hubs/{hub_id:uuid}/organizations/{organization_id:uuid}"
#: Open pools closing within this are on the queue.
CLOSING_SOON = dt.timedelta(days=7)
#: Organisations on one page of the organisations list.
PER_PAGE = 20


def _(text: str) -> str:
    """Marks a text for the catalog (`borderhub i18n extract`); it is translated when shown."""
    return text


KIND_NAMES = {
    OrganizationKind.producer: _("Producer"),
    OrganizationKind.buyer: _("Buyer"),
    OrganizationKind.both: _("Producer and buyer"),
}
#: The organisations page's tabs: each admission state by name, and what an empty tab says.
STATE_TABS = {
    HubMembershipStatus.pending: (_("Waiting for admission"), _("No organisation is waiting for admission.")),
    HubMembershipStatus.admitted: (_("Admitted"), _("No organisation is admitted yet.")),
    HubMembershipStatus.rejected: (_("Not admitted"), _("No organisation was turned away.")),
}
PAYMENT_TEXTS = {
    "transfer_pending": _("The transfer of %(amount)s to %(organization)s waits"),
    "refund_pending": _("A refund of %(amount)s on an order of %(organization)s waits"),
    "refund_failed": _("A refund of %(amount)s on an order of %(organization)s failed: settle it with the buyer"),
    "reversal_pending": _("Taking back %(amount)s from %(organization)s waits"),
    "chargeback_open": _(
        "A card payment of %(amount)s by %(organization)s is disputed at the bank: answer it in Stripe's dashboard"
    ),
}
#: The service's field names, as the organisation page's forms name them (one form per decision).
_FIELDS = {"$.note": "note"}
#: Said when a decision was already taken (another coordinator, or the same form sent twice).
_DECIDED = _("This was already decided. The page shows how things stand now.")


@dataclass(frozen=True)
class QueueItem:
    """One thing waiting: what it is by name (the link's text), where it is decided, and more in words."""

    text: str
    href: str | None
    detail: str = ""
    language: str | None = None
    """The language of `text` when it is not the page's (a pool's title)."""


@dataclass(frozen=True)
class QueueGroup:
    key: str
    heading: str
    items: list[QueueItem] = field(default_factory=list)


def _hub_path(hub_id: uuid.UUID) -> str:
    return f"/hubs/{hub_id}"


def _organization_path(hub_id: uuid.UUID, organization_id: uuid.UUID) -> str:
    return f"/hubs/{hub_id}/organizations/{organization_id}"


def _names(reader: Reader) -> Names:
    return Names(language=reader.language, locale=reader.formats.locale)


def _place(membership: HubMembershipRead, names: Names) -> str:
    where = names.place(membership.subdivision or membership.country)
    return f"{membership.municipality}, {where}" if membership.municipality else where


# --- the work queue ----------------------------------------------------------------------------


async def work_queue(
    session: AsyncSession, principal: Principal, hub: HubRead, reader: Reader, ocid_prefix: str
) -> list[QueueGroup]:
    """What waits for the hub's coordinators, group by group (the empty ones left out)."""
    gettext, f, names = reader.gettext, reader.formats, _names(reader)
    hubs, hub_path = HubService(session), _hub_path(hub.id)
    groups: list[QueueGroup] = []

    applied = await hubs.memberships(principal, hub.id, HubMembershipStatus.pending, EVERYTHING)
    groups.append(
        QueueGroup(
            "applications",
            gettext("Organisations waiting for admission"),
            [
                QueueItem(
                    m.organization_name,
                    _organization_path(hub.id, m.organization_id),
                    gettext("%(kind)s in %(place)s; applied on %(day)s")
                    % {
                        "kind": gettext(KIND_NAMES[OrganizationKind(m.organization_kind)]),
                        "place": _place(m, names),
                        "day": f.day(m.applied_at),
                    },
                )
                for m in applied.items
            ],
        )
    )
    declared = await hubs.declarations_to_verify(principal, hub.id)
    groups.append(
        QueueGroup(
            "declarations",
            gettext("Declarations waiting for verification"),
            [
                QueueItem(
                    d.organization_name,
                    f"{_organization_path(hub.id, d.organization_id)}#inclusion-{d.attribute.value}",
                    gettext("Declared: %(attribute)s") % {"attribute": gettext(INCLUSION_WORDS[d.attribute])},
                )
                for d in declared
            ],
        )
    )
    submitted = await ComplianceService(session).submitted_in_hub(principal, hub.id)
    groups.append(
        QueueGroup(
            "credentials",
            gettext("Credentials waiting for review"),
            [
                QueueItem(
                    gettext("%(kind)s of %(organization)s")
                    % {"kind": credential_name(c.credential_type, gettext), "organization": c.organization_name},
                    f"{_organization_path(hub.id, c.organization_id)}#credential-{c.id}",
                    gettext("Number %(number)s, valid until %(day)s; submitted on %(submitted)s")
                    % {
                        "number": c.number,
                        "day": f.date(c.valid_until),
                        "submitted": f.day(c.created_at),
                    },
                )
                for c in submitted
            ],
        )
    )
    disputes = await DisputeService(session).waiting_in_hub(principal, hub.id)
    groups.append(
        QueueGroup(
            "disputes",
            gettext("Disputes waiting for a decision"),
            [
                QueueItem(
                    gettext("%(buyer)s disputes an order of %(producer)s")
                    % {"buyer": d.buyer_name, "producer": d.producer_name},
                    f"{hub_path}/disputes/{d.id}",
                    (
                        gettext("%(reason)s. The producer answered; the dispute was opened on %(day)s.")
                        if d.status is DisputeStatus.answered
                        else gettext("%(reason)s. Waiting for the producer's answer since %(day)s.")
                    )
                    % {"reason": gettext(REASONS[d.reason]), "day": f.day(d.opened_at)},
                )
                for d in disputes
            ],
        )
    )
    payments = await CardPaymentService(session, None).needing_attention(principal, hub.id)
    attention = [_payment(payment, reader) for payment in payments]
    groups.append(QueueGroup("payments", gettext("Payments needing attention"), attention))
    pools = await PoolService(session).closing_soon(principal, hub.id, CLOSING_SOON, (reader.language,))
    groups.append(
        QueueGroup(
            "pools",
            gettext("Demand pools closing within a week"),
            [
                QueueItem(
                    pool.title,
                    f"{hub_path}/pools/{pool.id}",
                    gettext("Closes on %(time)s") % {"time": f.datetime(pool.closes_at)},
                    language=pool.language,
                )
                for pool in pools
            ],
        )
    )
    tenders = await TenderService(session, ocid_prefix, (reader.language,)).awaiting_coordinators(principal, hub.id)
    opened, proposed = [], []
    for tender in tenders:
        href = f"{hub_path}/tenders/{tender.id}/award"
        if tender.status is TenderStatus.evaluated:
            detail = gettext("An award is proposed: confirm it or change it. The bids were due on %(time)s.")
            proposed.append(
                QueueItem(tender.title, href, detail % {"time": f.datetime(tender.bid_deadline)}, tender.language)
            )
        else:
            detail = (
                gettext("The bids were opened at the deadline, %(time)s: evaluate them.")
                if tender.status is TenderStatus.closed
                else gettext("The deadline passed on %(time)s; the bids are being opened.")
            )
            opened.append(
                QueueItem(tender.title, href, detail % {"time": f.datetime(tender.bid_deadline)}, tender.language)
            )
    groups.append(QueueGroup("tenders", gettext("Tenders whose bids are opened"), opened))
    groups.append(QueueGroup("awards", gettext("Awards waiting for confirmation"), proposed))
    return [group for group in groups if group.items]


def _payment(payment: PaymentAttention, reader: Reader) -> QueueItem:
    """A payment matter in words; it links to its order (a chargeback is answered at Stripe)."""
    said = reader.gettext(PAYMENT_TEXTS.get(payment.kind, PAYMENT_TEXTS["transfer_pending"]))
    text = said % {
        "amount": reader.formats.money(payment.amount.amount_minor, payment.amount.currency),
        "organization": payment.organization_name or "",
    }
    since = reader.gettext("Waiting since %(day)s") % {"day": reader.formats.day(payment.since)}
    return QueueItem(text, f"/orders/{payment.order_id}" if payment.order_id else None, since)


# --- one organisation, as its hub's coordinators see it ------------------------------------------


@dataclass(frozen=True)
class Declaration:
    """One inclusion attribute as the hub sees it: declared, verified (by whom, with what evidence)
    or refused by this hub (why), and what this hub may still do about it."""

    attribute: str
    label: str
    declared: bool
    state: str
    evidence: str | None
    decidable: bool
    verifiable: bool


def _declarations(
    inclusion: InclusionRead,
    refusals: Mapping[InclusionAttribute, str],
    hub: HubRead,
    hub_names: Mapping[uuid.UUID, str],
    admitted: bool,
    reader: Reader,
) -> list[Declaration]:
    gettext, f = reader.gettext, reader.formats
    shown = []
    for attribute, label in INCLUSION_WORDS.items():
        status: InclusionStatus = getattr(inclusion, attribute.value)
        ours = status.verified_by_hub_id == hub.id
        if status.verified_by_hub:
            state = gettext("Verified by %(hub)s on %(day)s") % {
                "hub": hub_names.get(status.verified_by_hub_id, "") if status.verified_by_hub_id else "",
                "day": f.day(status.verified_at) if status.verified_at else "",
            }
        elif attribute in refusals:
            state = gettext("Refused by this hub: %(reason)s") % {"reason": refusals[attribute]}
        elif status.declared:
            state = gettext("Declared, not verified yet")
        else:
            state = gettext("Not declared")
        # Another hub's verification is that hub's to change.
        decidable = admitted and status.declared and (not status.verified_by_hub or ours)
        shown.append(
            Declaration(
                attribute=attribute.value,
                label=gettext(label),
                declared=status.declared,
                state=state,
                evidence=status.evidence if status.verified_by_hub else None,
                decidable=decidable,
                verifiable=decidable and not status.verified_by_hub,
            )
        )
    return shown


def _credential(
    credential: CredentialRead, hub: HubRead, hub_names: Mapping[uuid.UUID, str], names: Names, reader: Reader
) -> dict[str, Any]:
    """A credential as the coordinator's page shows it: every value in words, places by name."""
    f, status = reader.formats, credential.effective_status.value
    decided_by = hub_names.get(credential.decided_by_hub_id, "") if credential.decided_by_hub_id else ""
    document = None
    if credential.document is not None:
        document = reader.gettext("Open the document (%(kind)s, %(size)s)") % {
            "kind": DOCUMENT_KINDS.get(credential.document.media_type, credential.document.media_type),
            "size": file_size(credential.document.size_bytes, reader),
        }
    return {
        "id": credential.id,
        "type": credential_name(credential.credential_type, reader.gettext),
        "number": credential.number,
        "issuer": credential.issuer,
        "issued_in": names.place(credential.issuing_jurisdiction),
        "valid_from": f.date(credential.valid_from),
        "valid_until": f.date(credential.valid_until),
        "submitted": f.day(credential.created_at),
        "status": status,
        "state": reader.gettext(STATE_TEXTS[status])
        % {
            "hub": decided_by,
            "day": f.day(credential.decided_at) if credential.decided_at else "",
            "reason": credential.rejection_reason or "",
        },
        "document": document,
        "document_href": f"{_organization_path(hub.id, credential.organization_id)}/credentials/"
        f"{credential.id}/document",
        "document_url": credential.document_url,
        "verifiable": status in ("submitted", "rejected"),
        "rejectable": status in ("submitted", "verified"),
    }


@dataclass(frozen=True)
class OrganizationPage:
    """One organisation's page for one coordinator of the hub (`hub`, as `coordinated_hub` read it
    for them): shown, or answering a decision's form."""

    reader: Reader
    session: AsyncSession
    storage: FileStorage
    principal: Principal
    hub: HubRead
    organization_id: uuid.UUID

    @property
    def path(self) -> str:
        return _organization_path(self.hub.id, self.organization_id)

    async def show(self, form: Form | None = None, status_code: int = 200) -> Template:
        reader, session, principal, organization_id = self.reader, self.session, self.principal, self.organization_id
        hub = self.hub
        hubs = HubService(session)
        membership = await hubs.membership(principal, hub.id, organization_id)
        names = _names(reader)
        context: dict[str, Any] = {"organization": None, "declarations": [], "credentials": []}
        admitted = membership.status is HubMembershipStatus.admitted
        if membership.status is not HubMembershipStatus.rejected:
            # The hub still reads an organisation it admitted or is deciding about (not one it turned away).
            organization = await OrganizationService(session).read(principal, organization_id)
            hub_names = {h.id: h.name for h in (await hubs.list_hubs(principal, EVERYTHING)).items}
            refusals = {r.attribute: r.reason for r in await hubs.refusals(principal, hub.id, organization_id)}
            compliance = ComplianceService(session, self.storage)
            listed = await compliance.credentials(principal, organization_id, None, EVERYTHING)
            context = {
                "organization": organization,
                "registration": SCHEME_NAMES.get(organization.registration.scheme, organization.registration.scheme),
                "address": place_of(organization, names),
                "written_in": [names.language_name(tag) for tag in organization.languages],
                "declarations": _declarations(organization.inclusion, refusals, hub, hub_names, admitted, reader),
                "credentials": [_credential(c, hub, hub_names, names, reader) for c in listed.items],
            }
        return page(
            reader,
            "hub/organization.jinja",
            status_code=status_code,
            hub=hub,
            membership=membership,
            kind=reader.gettext(KIND_NAMES[OrganizationKind(membership.organization_kind)]),
            place=_place(membership, names),
            admitted=admitted,
            path=self.path,
            form=form or Form(),
            **context,
        )

    async def decide(
        self,
        decision: Awaitable[object],
        notice: str,
        form: Form | None = None,
        fields: Mapping[str, str] | None = None,
    ) -> Template | Redirect:
        """Await the service's `decision`: back to this page with `notice`, or this page again with
        the problem on its field (422: `fields` maps the service's names to the form's) or the
        decision taken before (409)."""
        form = form or Form()
        try:
            await decision
        except InvalidInput as error:
            form.note(error, self.reader, {**_FIELDS, **(fields or {})})
            status = 422
        except Conflict:
            form.problem, status = self.reader.gettext(_DECIDED), 409
        else:
            return see_other(self.path, notice=notice)
        return await self.show(form, status)


# --- the pages -----------------------------------------------------------------------------------


class HubPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/hubs", name="hubs")
    async def hubs(self, reader: ThisReader, db_session: Session) -> Template | Redirect:
        """The hubs the reader coordinates: the one hub's home straight away, when there is one."""
        principal = reader.require()
        hubs = await my_hubs(db_session, principal)
        if len(hubs) == 1:
            return see_other(_hub_path(hubs[0].id))
        names = _names(reader)
        listed = [(hub, "; ".join(names.place(code) for code in hub.jurisdictions)) for hub in hubs]
        return page(reader, "hub/hubs.jinja", hubs=listed)

    @get("/hubs/{hub_id:uuid}", name="hub")
    async def home(
        self,
        reader: ThisReader,
        db_session: Session,
        procurement_settings: NamedDependency[ProcurementSettings],
        hub_id: FromPath[uuid.UUID],
    ) -> Template:
        """The hub's home: its work queue."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        groups = await work_queue(db_session, principal, hub, reader, procurement_settings.ocid_prefix)
        return page(reader, "hub/home.jinja", hub=hub, groups=groups)

    @get("/hubs/{hub_id:uuid}/organizations")
    async def organizations(
        self,
        reader: ThisReader,
        db_session: Session,
        hub_id: FromPath[uuid.UUID],
        status: FromQuery[str] = "pending",
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        """The hub's organisations in one admission state (a tab each), with their inclusion
        attributes, `PER_PAGE` at a time (oldest application first)."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        shown = (
            HubMembershipStatus(status) if status in HubMembershipStatus.__members__ else HubMembershipStatus.pending
        )
        paging = page_params(min(max(page_number, 1), MAX_PAGE), PER_PAGE)
        members = await HubService(db_session).members(principal, hub.id, shown, paging)
        names, gettext = _names(reader), reader.gettext
        rows = []
        for member in members.items:
            inclusion = []
            if member.inclusion is not None:
                for attribute, label in INCLUSION_WORDS.items():
                    value: InclusionStatus = getattr(member.inclusion, attribute.value)
                    if value.declared:
                        said = gettext("verified") if value.verified_by_hub else gettext("declared, not verified")
                        inclusion.append((gettext(label), said))
            rows.append(
                {
                    "id": member.organization_id,
                    "name": member.organization_name,
                    "kind": gettext(KIND_NAMES[OrganizationKind(member.organization_kind)]),
                    "place": _place(member, names),
                    "inclusion": inclusion,
                    "applied": reader.formats.day(member.applied_at),
                    "decided": reader.formats.day(member.decided_at) if member.decided_at else None,
                }
            )
        tabs = [(s.value, gettext(label)) for s, (label, _empty) in STATE_TABS.items()]
        return page(
            reader,
            "hub/organizations.jinja",
            hub=hub,
            tabs=tabs,
            status=shown.value,
            rows=rows,
            total=members.total,
            page_number=members.page,
            pages=max(1, -(-members.total // PER_PAGE)),
            empty=gettext(STATE_TABS[shown][1]),
        )

    @get(_ORGANIZATION)
    async def organization(
        self,
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
    ) -> Template:
        """One applicant or member: its profile, its application, its declarations and credentials,
        and the forms deciding about each."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        return await OrganizationPage(reader, db_session, file_storage, principal, hub, organization_id).show()

    @post(f"{_ORGANIZATION}/admit")
    async def admit(
        self,
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        shown = OrganizationPage(reader, db_session, file_storage, principal, hub, organization_id)
        admitted = HubService(db_session).decide(principal, hub.id, organization_id, admit=True, note=None)
        return await shown.decide(admitted, "organization-admitted")

    @post(f"{_ORGANIZATION}/reject")
    async def reject(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        """Turn the application down (or suspend a member), saying why."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        shown = OrganizationPage(reader, db_session, file_storage, principal, hub, organization_id)
        values = await form_values(request)
        note = values.get("note", "")
        rejected = HubService(db_session).decide(principal, hub.id, organization_id, admit=False, note=note)
        return await shown.decide(rejected, "organization-rejected", Form(values=values))

    @post(f"{_ORGANIZATION}/inclusion/{{attribute:str}}/verify")
    async def verify_inclusion(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        attribute: FromPath[InclusionAttribute],
    ) -> Template | Redirect:
        """Verify a declared attribute with the evidence seen."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        shown = OrganizationPage(reader, db_session, file_storage, principal, hub, organization_id)
        values, name = await form_values(request), f"evidence-{attribute.value}"
        verified = HubService(db_session).verify_inclusion(
            principal, hub.id, organization_id, attribute, True, values.get(name, ""), evidence_required=True
        )
        return await shown.decide(verified, "inclusion-verified", Form(values=values), {"$.evidence": name})

    @post(f"{_ORGANIZATION}/inclusion/{{attribute:str}}/refuse")
    async def refuse_inclusion(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        attribute: FromPath[InclusionAttribute],
    ) -> Template | Redirect:
        """Refuse a declared attribute, saying why."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        shown = OrganizationPage(reader, db_session, file_storage, principal, hub, organization_id)
        values, name = await form_values(request), f"reason-{attribute.value}"
        refused = HubService(db_session).refuse_inclusion(
            principal, hub.id, organization_id, attribute, values.get(name, "")
        )
        return await shown.decide(refused, "inclusion-refused", Form(values=values), {"$.reason": name})

    @post(f"{_ORGANIZATION}/credentials/{{credential_id:uuid}}/verify")
    async def verify_credential(
        self,
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        credential_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        """Verify one of this organisation's credentials (another organisation's is the not-found page)."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        shown = OrganizationPage(reader, db_session, file_storage, principal, hub, organization_id)
        verified = ComplianceService(db_session, file_storage).verify_credential(
            principal, hub.id, credential_id, organization_id=organization_id
        )
        return await shown.decide(verified, "credential-verified")

    @post(f"{_ORGANIZATION}/credentials/{{credential_id:uuid}}/reject")
    async def reject_credential(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        credential_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        """Reject one of this organisation's credentials (or withdraw its verification), saying why."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        shown = OrganizationPage(reader, db_session, file_storage, principal, hub, organization_id)
        values, name = await form_values(request), f"reason-{credential_id}"
        rejected = ComplianceService(db_session, file_storage).reject_credential(
            principal, hub.id, credential_id, values.get(name, ""), organization_id=organization_id
        )
        return await shown.decide(rejected, "credential-rejected", Form(values=values), {"$.reason": name})

    @get(f"{_ORGANIZATION}/credentials/{{credential_id:uuid}}/document")
    async def document(
        self,
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
        hub_id: FromPath[uuid.UUID],
        organization_id: FromPath[uuid.UUID],
        credential_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """A credential's uploaded document, for the coordinators of a hub the organisation applied or
        belongs to (served as the API serves it; the not-found page for anyone else)."""
        principal = reader.require()
        await coordinated_hub(db_session, principal, hub_id)
        membership = await HubService(db_session).membership(principal, hub_id, organization_id)
        if membership.status is HubMembershipStatus.rejected:
            raise NotFound("no such organization among this hub's applicants and members")
        compliance = ComplianceService(db_session, file_storage)
        return document_response(await compliance.document(principal, organization_id, credential_id))
