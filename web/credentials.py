"""An organisation's permits and certificates as a page: each with its issuer, the place it was issued
in, its validity and state (which hub verified it), its document, where it is accepted and what it
lets the organisation sell, and the open tenders of its hubs that ask for its kind; and a form to
record one more with its document uploaded (or linked).

Everything goes through `ComplianceService`, as the JSON API (`marketplace.compliance.controllers`)
calls it: the upload form sends what the API's multipart body does (`file`), read by the same
`read_document_upload`, and a document is served by the same `document_response`, to the same
people (the organisation's members, its hubs' coordinators; anyone else gets the not-found page).
Where a credential is accepted and which requirements it meets is the service's `acceptance`;
tenders are the published ones of the organisation's hubs that still take bids and list its kind
among their required credentials (`TenderService.open_requiring`: no other tender is read).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import InvalidInput
from kernel.storage import FileStorage
from kernel.validation import convert
from marketplace.compliance.controllers import MAX_CREDENTIAL_BODY_BYTES, document_response, read_document_upload
from marketplace.compliance.documents import ACCEPT, MAX_DOCUMENT_BYTES
from marketplace.compliance.errors import DuplicateCredential
from marketplace.compliance.schemas import CredentialAcceptance, CredentialCreate, CredentialRead, RequirementRead
from marketplace.compliance.service import ComplianceService
from marketplace.hub.service import HubService
from marketplace.organization.models import Role
from marketplace.organization.schemas import OrganizationRead
from marketplace.organization.service import EmailUnverified, OrganizationService
from procurement.settings import ProcurementSettings
from procurement.tender.schemas import TenderRead
from procurement.tender.service import TenderService
from web.organization_views import DOCUMENT_KINDS, EVERYTHING, STATE_TEXTS, Names, file_size
from web.organizations import country_groups, region_groups
from web.page import Form, Reader, form_values, page, see_other
from web.words import CREDENTIAL_TYPES, UNVERIFIED

Session = NamedDependency[AsyncSession]
Storage = NamedDependency[FileStorage]
ThisReader = NamedDependency[Reader]
#: The form's fields as the service names them (the issuing place is a country or a region).
CREDENTIAL_FIELDS = {"$.issuing_jurisdiction": "issuing_country"}


def _credentials_path(organization_id: uuid.UUID) -> str:
    return f"/organizations/{organization_id}/credentials"


class CredentialPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/organizations/{organization_id:uuid}/credentials")
    async def credentials(
        self,
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
        procurement_settings: NamedDependency[ProcurementSettings],
        organization_id: FromPath[uuid.UUID],
    ) -> Template:
        principal = reader.require()
        services = _Services(db_session, file_storage, procurement_settings.ocid_prefix, reader)
        return await services.page(principal, organization_id, Form())

    @post("/organizations/{organization_id:uuid}/credentials", request_max_body_size=MAX_CREDENTIAL_BODY_BYTES)
    async def submit_credential(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
        procurement_settings: NamedDependency[ProcurementSettings],
        organization_id: FromPath[uuid.UUID],
    ) -> Template | Redirect:
        principal = reader.require()
        services = _Services(db_session, file_storage, procurement_settings.ocid_prefix, reader)
        values = await form_values(request)
        form = Form(values=values)
        region = values.get("issuing_region", "")
        data = {
            key: values[key]
            for key in ("credential_type", "number", "issuer", "valid_from", "valid_until", "document_url")
            if values.get(key)
        }
        if region or values.get("issuing_country"):
            data["issuing_jurisdiction"] = region or values["issuing_country"]
        fields = CREDENTIAL_FIELDS if not region else {"$.issuing_jurisdiction": "issuing_region"}
        try:
            document = await read_document_upload(request)
            credential = convert(data, CredentialCreate, strict=False)
            await services.compliance.submit_credential(
                principal, organization_id, credential, document, issuer_required=True
            )
        except InvalidInput as error:
            form.note(error, reader, fields)
            return await services.page(principal, organization_id, form, status_code=422)
        except EmailUnverified:
            form.problem = reader.gettext(UNVERIFIED)
            return await services.page(principal, organization_id, form, status_code=403)
        except DuplicateCredential:
            form.problem = reader.gettext("This credential is already recorded.")
            return await services.page(principal, organization_id, form, status_code=409)
        return see_other(_credentials_path(organization_id), notice="credential-recorded")

    @get("/organizations/{organization_id:uuid}/credentials/{credential_id:uuid}/document")
    async def document(
        self,
        reader: ThisReader,
        db_session: Session,
        file_storage: Storage,
        organization_id: FromPath[uuid.UUID],
        credential_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """The uploaded document, for the organisation's members and its hubs' coordinators (the
        not-found page for anyone else)."""
        principal = reader.require()
        compliance = ComplianceService(db_session, file_storage)
        return document_response(await compliance.document(principal, organization_id, credential_id))


class _Services:
    """The services the page reads, for one reader."""

    def __init__(self, session: AsyncSession, storage: FileStorage, ocid_prefix: str, reader: Reader) -> None:
        self.session = session
        self.reader = reader
        self.compliance = ComplianceService(session, storage)
        self.tenders = TenderService(session, ocid_prefix, (reader.language,))

    async def page(
        self, principal: Principal, organization_id: uuid.UUID, form: Form, status_code: int = 200
    ) -> Template:
        reader = self.reader
        organization = await OrganizationService(self.session).read(principal, organization_id)
        listed = await self.compliance.credentials(principal, organization_id, None, EVERYTHING)
        accepted = {a.credential_id: a for a in await self.compliance.acceptance(principal, organization_id)}
        hubs = (await HubService(self.session).list_hubs(principal, EVERYTHING)).items
        hub_names = {hub.id: hub.name for hub in hubs}
        names = Names(language=reader.language, locale=reader.formats.locale)
        asked: dict[str, list[RequirementRead]] = {}
        for hub_id in [ref.hub_id for ref in organization.hubs if ref.status != "rejected"]:
            requirements = await self.compliance.requirements(
                principal, hub_id, destination=None, credential_type=None, page=EVERYTHING
            )
            for requirement in requirements.items:
                asked.setdefault(requirement.credential_type, []).append(requirement)
        types = {code: reader.gettext(text) for code, text in CREDENTIAL_TYPES.items()}
        for code in [*asked, *(credential.credential_type for credential in listed.items)]:
            types.setdefault(code, code.replace("_", " "))
        tenders = await self._open_tenders(organization, [c.credential_type for c in listed.items])
        cards = [
            _credential_card(
                credential,
                accepted.get(credential.id),
                asked.get(credential.credential_type, []),
                [t for t in tenders if credential.credential_type in t.required_credential_types],
                reader,
                names,
                hub_names,
                types,
            )
            for credential in listed.items
        ]
        manages = organization.my_role is not None and organization.my_role.at_least(Role.admin)
        return page(
            reader,
            "organizations/credentials.jinja",
            status_code=status_code,
            organization=organization,
            cards=cards,
            form=form,
            manages=manages,
            types=list(types.items()),
            countries=country_groups(reader, names, hubs),
            regions=region_groups(names, hubs),
            accept=ACCEPT,
            max_megabytes=MAX_DOCUMENT_BYTES // (1024 * 1024),
        )

    async def _open_tenders(self, organization: OrganizationRead, credential_types: list[str]) -> list[TenderRead]:
        """The open tenders of the hubs the organisation is admitted to that ask for a kind of
        credential it has: only those are read (`TenderService.open_requiring`)."""
        hub_ids = [ref.hub_id for ref in organization.hubs if ref.status == "admitted"]
        return await self.tenders.open_requiring(hub_ids, credential_types)


def _credential_card(
    credential: CredentialRead,
    acceptance: CredentialAcceptance | None,
    asked: list[RequirementRead],
    tenders: list[TenderRead],
    reader: Reader,
    names: Names,
    hub_names: Mapping[uuid.UUID, str],
    types: Mapping[str, str],
) -> dict[str, Any]:
    """A credential as the page shows it: every value in words, places by name."""
    f = reader.formats
    status = credential.effective_status.value
    hub = hub_names.get(credential.decided_by_hub_id, "") if credential.decided_by_hub_id else ""
    state = reader.gettext(STATE_TEXTS[status]) % {
        "hub": hub,
        "day": f.day(credential.decided_at) if credential.decided_at else "",
        "reason": credential.rejection_reason or "",
    }
    document = None
    if credential.document is not None:
        document = reader.gettext("Open the document (%(kind)s, %(size)s)") % {
            "kind": DOCUMENT_KINDS.get(credential.document.media_type, credential.document.media_type),
            "size": file_size(credential.document.size_bytes, reader),
        }
    accepted_in: list[str] = []
    unlocks: list[str] = []
    if acceptance is not None:
        for place in acceptance.accepted_in:
            where = names.place(place.jurisdiction)
            if place.hub_id is None:
                accepted_in.append(reader.gettext("%(place)s, where it was issued") % {"place": where})
            else:
                said = reader.gettext("%(place)s, recognised there by %(hub)s")
                accepted_in.append(said % {"place": where, "hub": hub_names.get(place.hub_id, "")})
        for unlocked in acceptance.unlocks:
            said = reader.gettext("Selling into %(place)s under the rules of %(hub)s")
            shown = said % {"place": names.place(unlocked.destination), "hub": hub_names.get(unlocked.hub_id, "")}
            unlocks.append(f"{shown}: {unlocked.description}" if unlocked.description else shown)
    counts_today = acceptance is not None and acceptance.counts_today
    return {
        "id": credential.id,
        "type": types.get(credential.credential_type, credential.credential_type),
        "number": credential.number,
        "issuer": credential.issuer,
        "issued_in": names.place(credential.issuing_jurisdiction),
        "valid_from": f.date(credential.valid_from),
        "valid_until": f.date(credential.valid_until),
        "state": state,
        "status": status,
        "document": document,
        "document_url": credential.document_url,
        # Where it counts is said for what counts today, and for what is only waiting to.
        "accepted_in": accepted_in if counts_today or status in ("submitted", "verified") else [],
        "unlocks": unlocks if counts_today or status in ("submitted", "verified") else [],
        "counts_today": counts_today,
        "asked": [
            {
                "hub": hub_names.get(requirement.hub_id, ""),
                "destination": names.place(requirement.destination),
                "description": requirement.description,
            }
            for requirement in asked
        ],
        "tenders": [
            {
                "title": t.title,
                "language": t.language,
                "hub": hub_names.get(t.hub_id, ""),
                "deadline": f.datetime(t.bid_deadline),
            }
            for t in tenders
        ],
    }
