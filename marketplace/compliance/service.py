"""Compliance use cases: submit and decide credentials, set recognitions and requirements, check eligibility.

Who may do what: an organisation's owners and admins submit its credentials;
whoever may read the organisation (its members, coordinators of its hubs) reads
them; a coordinator of a hub the organisation is admitted to verifies or rejects
them. Hub coordinators set their hub's recognitions and requirements, which any
signed-in user may read. `check_eligibility` is the one place that decides
whether a seller may sell goods into a destination; other packages call it
through `marketplace.api`.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import anyio.to_thread
import msgspec
from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from kernel import audit, clock, codes, text
from kernel.auth import Principal
from kernel.errors import FieldProblems, InvalidInput
from kernel.outbox import emit
from kernel.pagination import Page, PageParams
from kernel.storage import FileStorage, put_for_transaction
from marketplace.compliance.documents import CheckedDocument, check_document, document_key
from marketplace.compliance.errors import (
    CredentialNotFound,
    DuplicateCredential,
    DuplicateRecognition,
    DuplicateRequirement,
    RecognitionNotFound,
    RequirementNotFound,
)
from marketplace.compliance.models import (
    ClassificationScheme,
    Credential,
    CredentialStatus,
    EffectiveStatus,
    Recognition,
    Requirement,
)
from marketplace.compliance.policies import can_see_documents
from marketplace.compliance.repository import ComplianceRepository
from marketplace.compliance.schemas import (
    AcceptedIn,
    CredentialAcceptance,
    CredentialCreate,
    CredentialDocumentRead,
    CredentialRead,
    DocumentUpload,
    Eligibility,
    ExpiringCredentialRead,
    MissingCredential,
    RecognitionCreate,
    RecognitionRead,
    RequirementCreate,
    RequirementRead,
    SubmittedCredentialRead,
    UnlockedRequirement,
    UnmetRequirement,
)
from marketplace.events import ComplianceRulesChanged, CredentialRejected, CredentialVerified
from marketplace.hub.models import Hub
from marketplace.hub.repository import HubRepository
from marketplace.hub.service import HubNotFound, HubService
from marketplace.organization.models import HubMembershipStatus, Role
from marketplace.organization.policies import can_read
from marketplace.organization.repository import OrganizationRepository
from marketplace.organization.service import OrganizationNotFound, OrganizationService

#: Longest window the expiring lists look ahead.
MAX_EXPIRY_WINDOW_DAYS = 366
#: Digits of the longest classification codes (HS national 10-digit lines).
MAX_PREFIX_DIGITS = {ClassificationScheme.CPV: 8, ClassificationScheme.HS: 10}
_CLASSIFICATION_CODE = re.compile(r"^\d[\d.\- ]{0,19}$")
#: Where a credential's uploaded document is served (the compliance HTTP endpoint).
DOCUMENT_PATH = "/api/v1/organizations/{organization_id}/credentials/{credential_id}/document"


@dataclass(frozen=True)
class CredentialDocument:
    """An uploaded document as it is served: its bytes, its type (from its bytes) and its safe name."""

    content: bytes
    media_type: str
    name: str


class Reader(enum.StrEnum):
    """Who reads an eligibility answer, so that its messages speak to them: the seller's own
    people read "you have ...", everyone else (a buyer, a coordinator) "the producer has ..."."""

    seller = "seller"
    others = "others"


_HOLDER = {Reader.seller: "you have", Reader.others: "the producer has"}


def expiry_window(within_days: int, field: str) -> tuple[dt.date, dt.date]:
    """From today to `within_days` ahead, both included; 422 naming `field` outside 0…366."""
    if not 0 <= within_days <= MAX_EXPIRY_WINDOW_DAYS:
        raise InvalidInput.field(field, f"must be between 0 and {MAX_EXPIRY_WINDOW_DAYS} days")
    first = clock.today()
    return first, first + dt.timedelta(days=within_days)


class ComplianceService:
    def __init__(self, session: AsyncSession, storage: FileStorage | None = None) -> None:
        """`storage`: where uploaded documents are kept (needed to submit or read one)."""
        self.session = session
        self.storage = storage
        self.repo = ComplianceRepository(session)
        self.hubs = HubService(session)
        self.hub_repo = HubRepository(session)
        self.organizations = OrganizationService(session)
        self.organization_repo = OrganizationRepository(session)

    # --- access -----------------------------------------------------------------

    async def _require_reader(self, principal: Principal, organization_id: uuid.UUID) -> None:
        """Whoever may read the organisation (organisation policy `can_read`); 404 for everyone else."""
        standing = await self.organizations.standing(principal, organization_id)
        if not can_read(standing) or await self.organization_repo.get(organization_id) is None:
            raise OrganizationNotFound("no such organization")

    async def _hub(self, hub_id: uuid.UUID) -> Hub:
        hub = await self.hub_repo.get(hub_id)
        if hub is None:
            raise HubNotFound("no such hub")
        return hub

    async def _decidable(
        self, principal: Principal, hub_id: uuid.UUID, credential_id: uuid.UUID, organization_id: uuid.UUID | None
    ) -> Credential:
        """The credential, locked, if the caller coordinates a hub its organisation is admitted to
        (and it is `organization_id`'s, when given).

        Raises `NotACoordinator` (403) for a non-coordinator and `CredentialNotFound`
        (404) when the credential does not exist, is another organisation's or its organisation is
        not admitted here.
        """
        await self.hubs.require_coordinator(principal, hub_id)
        credential = await self.repo.credential(credential_id, for_update=True)
        if credential is None or (organization_id is not None and credential.organization_id != organization_id):
            raise CredentialNotFound("no such credential")
        # Locks the membership too, so a concurrent suspension cannot interleave with the decision.
        membership = await self.hub_repo.membership(hub_id, credential.organization_id)
        if membership is None or membership.status is not HubMembershipStatus.admitted:
            raise CredentialNotFound("no such credential among this hub's admitted organizations")
        return credential

    # --- credentials ------------------------------------------------------------

    async def submit_credential(
        self,
        principal: Principal,
        organization_id: uuid.UUID,
        data: CredentialCreate,
        document: DocumentUpload | None = None,
        *,
        issuer_required: bool = False,
    ) -> CredentialRead:
        """An owner or admin records a credential of the organisation; it awaits a coordinator (`submitted`).

        The document is uploaded (`document`: a PDF, JPEG or PNG of at most 10 MB, judged by its
        bytes, see `marketplace.compliance.documents`), linked (`document_url`), or both; it is
        kept in the file storage after the row is written, so a failure to store it rolls the
        credential back. The pages ask for the issuer of every new credential (`issuer_required`);
        the API keeps it optional for clients written before it was asked.

        Raises `OrganizationNotFound` (404) for outsiders, `Forbidden` (403) for plain
        members, `InvalidInput` (422) naming every bad field at once — an unknown jurisdiction,
        `valid_until` before `valid_from`, a blank number or issuer, `file` when it is no PDF, JPEG
        or PNG (or too large, or damaged) or when neither a file nor `document_url` is given —
        and `DuplicateCredential` (409) for the same document twice.
        """
        await self.organizations.require_role(principal, organization_id, Role.admin)
        problems = FieldProblems()
        jurisdiction = problems.check(codes.jurisdiction, data.issuing_jurisdiction, "issuing_jurisdiction")
        if data.valid_until < data.valid_from:
            problems.add(
                "valid_until", f"{data.valid_until.isoformat()} is before valid_from {data.valid_from.isoformat()}"
            )
        number = problems.check(text.clean, data.number, "number")
        issuer = problems.check(text.optional, data.issuer, "issuer")
        if issuer_required and not (data.issuer or "").strip():
            problems.add("issuer", "is required")
        checked = None
        if document is not None:
            checked = await anyio.to_thread.run_sync(_checked_document, document, problems)
        elif data.document_url is None:
            problems.add("file", "upload the document or give a link to it (document_url)")
        problems.raise_if_any()
        assert jurisdiction is not None  # noqa: S101 - no problem was found
        assert number is not None  # noqa: S101 - no problem was found
        if await self.repo.same_credential(
            organization_id, data.credential_type, jurisdiction, number, data.valid_from
        ):
            raise DuplicateCredential(
                f"{data.credential_type} {number} issued in {jurisdiction} from {data.valid_from.isoformat()} "
                "is already recorded"
            )
        credential = Credential(
            id=uuid7(),
            organization_id=organization_id,
            credential_type=data.credential_type,
            number=number,
            issuing_jurisdiction=jurisdiction,
            valid_from=data.valid_from,
            valid_until=data.valid_until,
            issuer=issuer,
            document_url=data.document_url,
            status=CredentialStatus.submitted,
        )
        if checked is not None:
            credential.document_key = document_key(organization_id, credential.id)
            credential.document_media_type = checked.media_type
            credential.document_name = checked.name
            credential.document_bytes = len(checked.content)
        await self.repo.add(credential)
        if checked is not None and credential.document_key is not None:
            # After the row: if storing fails, the row is rolled back with the request; if the
            # transaction fails later, the file is deleted again.
            await put_for_transaction(
                self.session, self._storage(), credential.document_key, checked.content, checked.media_type
            )
        read = credential_read(credential, clock.today())
        await audit.record(
            self.session,
            principal,
            "credential.submitted",
            object_type="credential",
            object_id=credential.id,
            organization_id=organization_id,
            after=read,
        )
        return read

    def _storage(self) -> FileStorage:
        if self.storage is None:
            raise RuntimeError("ComplianceService needs the file storage to keep or read documents")
        return self.storage

    async def document(
        self, principal: Principal, organization_id: uuid.UUID, credential_id: uuid.UUID
    ) -> CredentialDocument:
        """A credential's uploaded document, for the organisation's members and the coordinators of
        its hubs only (`policies.can_see_documents`).

        Raises `OrganizationNotFound` (404) for anyone else (platform admins included), and
        `CredentialNotFound` (404) when the credential is not the organisation's or has no uploaded
        document (only a link), or its file is missing from the storage.
        """
        standing = await self.organizations.standing(principal, organization_id)
        if not can_see_documents(standing) or await self.organization_repo.get(organization_id) is None:
            raise OrganizationNotFound("no such organization")
        credential = await self.repo.credential(credential_id)
        if credential is None or credential.organization_id != organization_id:
            raise CredentialNotFound("no such credential")
        if credential.document_key is None or credential.document_name is None:
            raise CredentialNotFound("this credential has no uploaded document")
        stored = await self._storage().get(credential.document_key)
        if stored is None:
            raise CredentialNotFound("this credential's document is missing")
        return CredentialDocument(
            content=stored.content,
            media_type=credential.document_media_type or stored.content_type,
            name=credential.document_name,
        )

    async def acceptance(
        self, principal: Principal, organization_id: uuid.UUID, credential_id: uuid.UUID | None = None
    ) -> list[CredentialAcceptance]:
        """Where each credential of the organisation (or the one `credential_id` names) counts, by the
        rules of the hubs the organisation is admitted to, for whoever may read it.

        It is accepted where it was issued (and everywhere inside), and where one of those hubs
        recognises its type issued there; it unlocks each of those hubs' requirements of its type
        whose destination (or a part of it) is among those places. Whether it counts today is
        `counts_today` (verified and valid today): the places are those it counts in when it does.
        Raises `OrganizationNotFound` (404) for outsiders, `CredentialNotFound` (404) for a
        credential that is not the organisation's.
        """
        await self._require_reader(principal, organization_id)
        credentials = await self.repo.credentials_of(organization_id, credential_id)
        if credential_id is not None and not credentials:
            raise CredentialNotFound("no such credential")
        hubs = await self.repo.admitted_hub_ids(organization_id)
        types = {c.credential_type for c in credentials}
        recognitions = await self.repo.recognitions_for_eligibility(hubs, types) if hubs and types else []
        requirements = await self.repo.requirements_of_hubs(hubs, types) if hubs and types else []
        today = clock.today()
        return [credential_acceptance(c, recognitions, requirements, today) for c in credentials]

    async def credentials(
        self,
        principal: Principal,
        organization_id: uuid.UUID,
        expiring_within_days: int | None,
        page: PageParams,
        status: EffectiveStatus | None = None,
    ) -> Page[CredentialRead]:
        """The organisation's credentials, soonest expiry first; with `expiring_within_days`, only verified
        ones whose last valid day falls within that many days from today; with `status`, only those whose
        effective status today is that one."""
        await self._require_reader(principal, organization_id)
        window = None
        if expiring_within_days is not None:
            window = expiry_window(expiring_within_days, "query:expiring_within_days")
        on = clock.today()
        rows, total = await self.repo.page_of_organization(
            organization_id, expiring_between=window, status=status, on=on, offset=page.offset, limit=page.per_page
        )
        return Page(items=[credential_read(c, on) for c in rows], page=page.page, per_page=page.per_page, total=total)

    async def credential(
        self, principal: Principal, organization_id: uuid.UUID, credential_id: uuid.UUID
    ) -> CredentialRead:
        await self._require_reader(principal, organization_id)
        credential = await self.repo.credential(credential_id)
        if credential is None or credential.organization_id != organization_id:
            raise CredentialNotFound("no such credential")
        return credential_read(credential, clock.today())

    async def verify_credential(
        self,
        principal: Principal,
        hub_id: uuid.UUID,
        credential_id: uuid.UUID,
        *,
        organization_id: uuid.UUID | None = None,
    ) -> CredentialRead:
        """A coordinator of a hub the organisation is admitted to verifies a credential (of
        `organization_id`, when the caller names the organisation it decides about).

        Raises `NotACoordinator` (403), `CredentialNotFound` (404, also when the
        organisation is not admitted to this hub, or the credential is not `organization_id`'s) and
        `CredentialAlreadyDecided` (409) when it is already verified or has expired.
        """
        credential = await self._decidable(principal, hub_id, credential_id, organization_id)
        return await self._decide(
            principal,
            hub_id,
            credential,
            "credential.verified",
            CredentialVerified,
            lambda credential, now: credential.verify(hub_id=hub_id, user_id=principal.user_id, at=now),
        )

    async def reject_credential(
        self,
        principal: Principal,
        hub_id: uuid.UUID,
        credential_id: uuid.UUID,
        reason: str,
        *,
        organization_id: uuid.UUID | None = None,
    ) -> CredentialRead:
        """A coordinator of a hub the organisation is admitted to rejects a credential (or withdraws a
        verification), saying why. Raises as `verify_credential` (who may decide is checked before
        the reason), `InvalidInput` (422) naming `reason` without one; 409 when already rejected."""
        credential = await self._decidable(principal, hub_id, credential_id, organization_id)
        if not reason.strip():
            raise InvalidInput.field("reason", "say why the credential is rejected")
        return await self._decide(
            principal,
            hub_id,
            credential,
            "credential.rejected",
            CredentialRejected,
            lambda credential, now: credential.reject(
                hub_id=hub_id, user_id=principal.user_id, at=now, reason=reason.strip()
            ),
        )

    async def _decide(
        self,
        principal: Principal,
        hub_id: uuid.UUID,
        credential: Credential,
        action: str,
        event: type[CredentialVerified] | type[CredentialRejected],
        apply: Callable[[Credential, dt.datetime], None],
    ) -> CredentialRead:
        """One coordinator decision on a `_decidable` credential: apply it, audit it with
        before/after, announce it."""
        before = {"status": credential.status.value, "rejection_reason": credential.rejection_reason}
        apply(credential, clock.now())
        await self.session.flush()
        read = credential_read(credential, clock.today())
        await audit.record(
            self.session,
            principal,
            action,
            object_type="credential",
            object_id=credential.id,
            organization_id=credential.organization_id,
            hub_id=hub_id,
            before=before,
            after=read,
        )
        await emit(
            self.session,
            event(
                hub_id=hub_id,
                organization_id=credential.organization_id,
                credential_id=credential.id,
                credential_type=credential.credential_type,
            ),
        )
        return read

    async def expiring_in_hub(
        self, principal: Principal, hub_id: uuid.UUID, within_days: int, page: PageParams
    ) -> Page[ExpiringCredentialRead]:
        """Coordinators: verified credentials of the hub's admitted organisations whose last valid day
        falls within `within_days` from today, soonest first."""
        await self.hubs.require_coordinator(principal, hub_id)
        first, last = expiry_window(within_days, "query:within_days")
        rows, total = await self.repo.expiring_in_hub(hub_id, first, last, offset=page.offset, limit=page.per_page)
        return Page(
            items=[expiring_read(c, name, first) for c, name in rows],
            page=page.page,
            per_page=page.per_page,
            total=total,
        )

    async def submitted_in_hub(self, principal: Principal, hub_id: uuid.UUID) -> list[SubmittedCredentialRead]:
        """Coordinators: credentials of the hub's admitted organisations waiting for a check
        (submitted, still valid), the oldest first: the hub's work (one read)."""
        await self.hubs.require_coordinator(principal, hub_id)
        today = clock.today()
        return [
            SubmittedCredentialRead(**msgspec.structs.asdict(credential_read(c, today)), organization_name=name)
            for c, name in await self.repo.submitted_in_hub(hub_id, today)
        ]

    # --- recognitions -----------------------------------------------------------

    async def add_recognition(
        self, principal: Principal, hub_id: uuid.UUID, data: RecognitionCreate
    ) -> RecognitionRead:
        """A coordinator records that the hub recognises `credential_type` issued in `issued_in` as valid in
        `recognised_in`. Raises 422 for unknown or identical jurisdictions, `DuplicateRecognition` (409)."""
        recognition = await self._new_recognition(principal, hub_id, data)
        await self.repo.add(recognition)
        read = recognition_read(recognition)
        await audit.record(
            self.session,
            principal,
            "recognition.created",
            object_type="recognition",
            object_id=recognition.id,
            hub_id=hub_id,
            after=read,
        )
        await emit(self.session, ComplianceRulesChanged(hub_id=hub_id))
        return read

    async def recognitions(
        self, principal: Principal, hub_id: uuid.UUID, credential_type: str | None, page: PageParams
    ) -> Page[RecognitionRead]:
        await self._hub(hub_id)
        rows, total = await self.repo.page_of_recognitions(
            hub_id, credential_type, offset=page.offset, limit=page.per_page
        )
        return Page(items=[recognition_read(r) for r in rows], page=page.page, per_page=page.per_page, total=total)

    async def remove_recognition(self, principal: Principal, hub_id: uuid.UUID, recognition_id: uuid.UUID) -> None:
        recognition = await self._hub_recognition(principal, hub_id, recognition_id)
        before = recognition_read(recognition)
        await self.repo.delete(recognition)
        await audit.record(
            self.session,
            principal,
            "recognition.deleted",
            object_type="recognition",
            object_id=recognition_id,
            hub_id=hub_id,
            before=before,
        )
        await emit(self.session, ComplianceRulesChanged(hub_id=hub_id))

    # --- requirements -----------------------------------------------------------

    async def add_requirement(
        self, principal: Principal, hub_id: uuid.UUID, data: RequirementCreate
    ) -> RequirementRead:
        """A coordinator requires `credential_type` of sellers of goods under the prefix into `destination`.

        Raises 422 for an unknown destination or a prefix longer than the scheme's
        codes, `DuplicateRequirement` (409) for the same rule twice.
        """
        requirement = await self._new_requirement(principal, hub_id, data)
        await self.repo.add(requirement)
        read = requirement_read(requirement)
        await audit.record(
            self.session,
            principal,
            "requirement.created",
            object_type="requirement",
            object_id=requirement.id,
            hub_id=hub_id,
            after=read,
        )
        await emit(self.session, ComplianceRulesChanged(hub_id=hub_id))
        return read

    async def requirements(
        self,
        principal: Principal | None,
        hub_id: uuid.UUID,
        *,
        destination: str | None,
        credential_type: str | None,
        page: PageParams,
    ) -> Page[RequirementRead]:
        await self._hub(hub_id)
        if destination is not None:
            destination = codes.jurisdiction(destination, "query:destination")
        rows, total = await self.repo.page_of_requirements(
            hub_id, destination=destination, credential_type=credential_type, offset=page.offset, limit=page.per_page
        )
        return Page(items=[requirement_read(r) for r in rows], page=page.page, per_page=page.per_page, total=total)

    async def remove_requirement(self, principal: Principal, hub_id: uuid.UUID, requirement_id: uuid.UUID) -> None:
        requirement = await self._hub_requirement(principal, hub_id, requirement_id)
        before = requirement_read(requirement)
        await self.repo.delete(requirement)
        await audit.record(
            self.session,
            principal,
            "requirement.deleted",
            object_type="requirement",
            object_id=requirement_id,
            hub_id=hub_id,
            before=before,
        )
        await emit(self.session, ComplianceRulesChanged(hub_id=hub_id))

    # --- changes weighed before they are made ------------------------------------

    async def propose_requirement(self, principal: Principal, hub_id: uuid.UUID, data: RequirementCreate) -> RuleChange:
        """The requirement `add_requirement` would add, checked as it checks it but not saved, to weigh
        it first (`marketplace.catalog.snapshot.rule_change_preview`). Raises as `add_requirement`."""
        return RuleChange(rule=await self._new_requirement(principal, hub_id, data))

    async def propose_requirement_removal(
        self, principal: Principal, hub_id: uuid.UUID, requirement_id: uuid.UUID
    ) -> RuleChange:
        """The removal `remove_requirement` would make, not made. Raises `NotACoordinator` (403),
        `RequirementNotFound` (404)."""
        return RuleChange(rule=await self._hub_requirement(principal, hub_id, requirement_id), removed=True)

    async def propose_recognition(self, principal: Principal, hub_id: uuid.UUID, data: RecognitionCreate) -> RuleChange:
        """The recognition `add_recognition` would add, checked as it checks it but not saved. Raises
        as `add_recognition`."""
        return RuleChange(rule=await self._new_recognition(principal, hub_id, data))

    async def propose_recognition_removal(
        self, principal: Principal, hub_id: uuid.UUID, recognition_id: uuid.UUID
    ) -> RuleChange:
        """The removal `remove_recognition` would make, not made. Raises `NotACoordinator` (403),
        `RecognitionNotFound` (404)."""
        return RuleChange(rule=await self._hub_recognition(principal, hub_id, recognition_id), removed=True)

    async def _new_requirement(self, principal: Principal, hub_id: uuid.UUID, data: RequirementCreate) -> Requirement:
        """The requirement, checked for the caller and not yet saved (raises as `add_requirement`)."""
        await self.hubs.require_coordinator(principal, hub_id)
        destination = codes.jurisdiction(data.destination, "destination")
        longest = MAX_PREFIX_DIGITS[data.classification_scheme]
        if len(data.classification_prefix) > longest:
            raise InvalidInput.field(
                "classification_prefix", f"{data.classification_scheme.value} codes have at most {longest} digits"
            )
        if await self.repo.same_requirement(
            hub_id, data.classification_scheme, data.classification_prefix, destination, data.credential_type
        ):
            raise DuplicateRequirement("the hub already has this requirement")
        description = data.description.strip() if data.description else None
        return Requirement(
            id=uuid7(),
            hub_id=hub_id,
            classification_scheme=data.classification_scheme,
            classification_prefix=data.classification_prefix,
            destination=destination,
            credential_type=data.credential_type,
            description=description or None,
            created_by=principal.user_id,
        )

    async def _hub_requirement(self, principal: Principal, hub_id: uuid.UUID, requirement_id: uuid.UUID) -> Requirement:
        await self.hubs.require_coordinator(principal, hub_id)
        requirement = await self.repo.requirement(hub_id, requirement_id)
        if requirement is None:
            raise RequirementNotFound("no such requirement in this hub")
        return requirement

    async def _new_recognition(self, principal: Principal, hub_id: uuid.UUID, data: RecognitionCreate) -> Recognition:
        """The recognition, checked for the caller and not yet saved (raises as `add_recognition`)."""
        await self.hubs.require_coordinator(principal, hub_id)
        issued_in = codes.jurisdiction(data.issued_in, "issued_in")
        recognised_in = codes.jurisdiction(data.recognised_in, "recognised_in")
        if codes.jurisdiction_covers(issued_in, recognised_in):
            raise InvalidInput.field(
                "recognised_in", f"credentials issued in {issued_in} already count in {recognised_in}"
            )
        if await self.repo.same_recognition(hub_id, data.credential_type, issued_in, recognised_in):
            raise DuplicateRecognition(
                f"the hub already recognises {data.credential_type} issued in {issued_in} in {recognised_in}"
            )
        return Recognition(
            id=uuid7(),
            hub_id=hub_id,
            credential_type=data.credential_type,
            issued_in=issued_in,
            recognised_in=recognised_in,
            created_by=principal.user_id,
        )

    async def _hub_recognition(self, principal: Principal, hub_id: uuid.UUID, recognition_id: uuid.UUID) -> Recognition:
        await self.hubs.require_coordinator(principal, hub_id)
        recognition = await self.repo.recognition(hub_id, recognition_id)
        if recognition is None:
            raise RecognitionNotFound("no such recognition in this hub")
        return recognition

    # --- eligibility ------------------------------------------------------------

    async def eligibility(
        self,
        principal: Principal,
        organization_id: uuid.UUID,
        *,
        classification_scheme: str,
        classification_code: str,
        destination: str,
        on: dt.date | None,
    ) -> Eligibility:
        """Whether the organisation may sell these goods into `destination`, for whoever may read it
        (its members read what they lack as "you have ...", coordinators as "the producer has ...").

        Raises `InvalidInput` naming the query parameters `classification_code` and `destination` if bad.
        """
        await self._require_reader(principal, organization_id)
        member = (await self.organizations.standing(principal, organization_id)).is_member
        problems = FieldProblems()
        if not _CLASSIFICATION_CODE.match(classification_code.strip()):
            problems.add("query:classification_code", f"not a {classification_scheme} code: {classification_code!r}")
        problems.check(codes.jurisdiction, destination, "query:destination")
        problems.raise_if_any()
        return await check_eligibility(
            self.session,
            seller_organization_id=organization_id,
            classification_scheme=classification_scheme,
            classification_code=classification_code,
            destination=destination,
            on=on,
            reader=Reader.seller if member else Reader.others,
        )


@dataclass(frozen=True)
class RuleChange:
    """A change to one hub's compliance rules, weighed before it is made: the requirement or
    recognition it adds (built, never saved) or removes (`removed`). `check_eligibility_many` given
    one judges as if it were made, writing nothing; `ComplianceService.propose_*` build one,
    checking who may make it and what is wrong with it as making it would."""

    rule: Requirement | Recognition
    removed: bool = False

    @property
    def hub_id(self) -> uuid.UUID:
        return self.rule.hub_id

    @property
    def place(self) -> str:
        """Where it can make a difference (and inside): the requirement's destination, or where the
        recognition makes credentials count."""
        return self.rule.destination if isinstance(self.rule, Requirement) else self.rule.recognised_in


@dataclass(frozen=True)
class Goods:
    """What eligibility is asked of: goods of a classification sold by one seller (optionally
    judged on the credentials a listing names, not all of the seller's)."""

    seller_organization_id: uuid.UUID
    classification_scheme: str
    classification_code: str
    credential_ids: list[uuid.UUID] | None = None


async def check_eligibility(
    session: AsyncSession,
    *,
    seller_organization_id: uuid.UUID,
    classification_scheme: str,
    classification_code: str,
    destination: str,
    reader: Reader,
    on: dt.date | None = None,
    credential_ids: list[uuid.UUID] | None = None,
) -> Eligibility:
    """Whether a seller may sell goods of a classification into `destination` on a day (default today, UTC).

    Every requirement of every hub the seller is admitted to applies when its scheme
    matches, its prefix covers the code's digits and its destination encloses
    `destination`. Each must be met by a verified credential of its type, valid on
    the day, issued in (a jurisdiction enclosing) the destination or recognised there
    by that hub — and, given `credential_ids`, one of those. No applicable requirement
    means eligible. Unmet requirements are worded for `reader`.

    No access check: callers decide who may ask. Raises `InvalidInput` (422) naming
    `classification_scheme`, `classification_code` or `destination` when unknown.
    """
    goods = Goods(
        seller_organization_id=seller_organization_id,
        classification_scheme=classification_scheme,
        classification_code=classification_code,
        credential_ids=credential_ids,
    )
    [result] = await check_eligibility_many(session, [goods], destination, on, reader=reader)
    return result


async def check_eligibility_many(
    session: AsyncSession,
    goods: Sequence[Goods],
    destination: str,
    on: dt.date | None = None,
    *,
    reader: Reader,
    change: RuleChange | None = None,
) -> list[Eligibility]:
    """`check_eligibility` for several goods into one destination (a checkout's lines), in at
    most three queries however many goods and rules there are (four with a `change`: judged as if
    it were made, in memory, nothing written)."""
    schemes: list[ClassificationScheme] = []
    for item in goods:
        try:
            schemes.append(ClassificationScheme(item.classification_scheme))
        except ValueError:
            raise InvalidInput.field(
                "classification_scheme", f"unknown scheme {item.classification_scheme!r}; use CPV or HS"
            ) from None
        if not _CLASSIFICATION_CODE.match(item.classification_code.strip()):
            raise InvalidInput.field(
                "classification_code", f"not a {schemes[-1].value} code: {item.classification_code!r}"
            )
    place = codes.jurisdiction(destination, "destination")
    day = on or clock.today()
    repo = ComplianceRepository(session)
    enclosing = [place, *codes.jurisdiction_parents(place)]
    sellers = {item.seller_organization_id for item in goods}
    rules = await repo.requirements_of_admitting_hubs(sellers, set(schemes), enclosing)
    if change is not None and isinstance(change.rule, Requirement):
        rules = await _changed_requirements(repo, rules, change.rule, removed=change.removed, sellers=sellers)
    applicable = [
        [
            r
            for seller, r in rules
            if seller == item.seller_organization_id and r.applies_to(scheme, item.classification_code, place)
        ]
        for item, scheme in zip(goods, schemes, strict=True)
    ]
    types = {r.credential_type for requirements in applicable for r in requirements}
    credentials = await repo.credentials_for_eligibility(sellers, types) if types else []
    hubs = {r.hub_id for requirements in applicable for r in requirements}
    recognitions = await repo.recognitions_for_eligibility(hubs, types) if credentials else []
    if change is not None and isinstance(change.rule, Recognition):
        recognitions = [r for r in recognitions if r.id != change.rule.id]
        if not change.removed and change.rule.hub_id in hubs and change.rule.credential_type in types:
            recognitions.append(change.rule)
    results: list[Eligibility] = []
    for item, requirements in zip(goods, applicable, strict=True):
        own = [
            c
            for c in credentials
            if c.organization_id == item.seller_organization_id
            and (item.credential_ids is None or c.id in item.credential_ids)
        ]
        unmet = assess(requirements, own, recognitions, place, day, reader=reader) if requirements else []
        results.append(Eligibility(eligible=not unmet, destination=place, checked_on=day, unmet=unmet))
    return results


async def _changed_requirements(
    repo: ComplianceRepository,
    rules: list[tuple[uuid.UUID, Requirement]],
    requirement: Requirement,
    *,
    removed: bool,
    sellers: set[uuid.UUID],
) -> list[tuple[uuid.UUID, Requirement]]:
    """`rules` (each seller's requirements, as `requirements_of_admitting_hubs` found them) with the
    requirement removed, or added for each seller its hub admitted. The caller still applies
    `Requirement.applies_to`, so an added one that does not apply is harmless."""
    kept = [(seller, rule) for seller, rule in rules if rule.id != requirement.id]
    if removed:
        return kept
    return kept + [(seller, requirement) for seller in await repo.admitted_among(requirement.hub_id, sellers)]


async def missing_credentials(
    session: AsyncSession,
    *,
    seller_organization_id: uuid.UUID,
    hub_id: uuid.UUID,
    credential_types: Sequence[str],
    destination: str,
    reader: Reader,
    on: dt.date | None = None,
) -> list[MissingCredential]:
    """The credential types (of a tender's own list) the seller holds no credential for that counts:
    verified, valid on the day (default today, UTC), issued in (a jurisdiction enclosing) the
    destination or recognised there by `hub_id`. Each comes with what is missing, in plain words for `reader`.

    No access check: callers decide who may ask.
    """
    if not credential_types:
        return []
    day = on or clock.today()
    place = codes.jurisdiction(destination, "destination")
    repo = ComplianceRepository(session)
    types = set(credential_types)
    credentials = await repo.credentials_for_eligibility([seller_organization_id], types)
    recognitions = await repo.recognitions_for_eligibility({hub_id}, types)
    missing: list[MissingCredential] = []
    for credential_type in sorted(types):
        candidates = [c for c in credentials if c.credential_type == credential_type]
        if not any(_satisfies(c, place, day, recognitions) for c in candidates):
            message = _unmet_message(credential_type, candidates, place, day, recognitions, reader)
            missing.append(MissingCredential(credential_type=credential_type, destination=place, message=message))
    return missing


def assess(
    requirements: list[Requirement],
    credentials: list[Credential],
    recognitions: list[Recognition],
    destination: str,
    on: dt.date,
    *,
    reader: Reader,
) -> list[UnmetRequirement]:
    """The requirements no credential meets, each with what is missing in plain words for `reader` (pure)."""
    unmet: list[UnmetRequirement] = []
    for requirement in requirements:
        in_hub = [r for r in recognitions if r.hub_id == requirement.hub_id]
        candidates = [c for c in credentials if c.credential_type == requirement.credential_type]
        if any(_satisfies(c, destination, on, in_hub) for c in candidates):
            continue
        unmet.append(
            UnmetRequirement(
                requirement_id=requirement.id,
                hub_id=requirement.hub_id,
                credential_type=requirement.credential_type,
                destination=requirement.destination,
                message=_unmet_message(requirement.credential_type, candidates, destination, on, in_hub, reader),
            )
        )
    return unmet


def _satisfies(credential: Credential, destination: str, on: dt.date, recognitions: list[Recognition]) -> bool:
    return (
        credential.status is CredentialStatus.verified
        and credential.valid_on(on)
        and credential.valid_in(destination, recognitions)
    )


def _unmet_message(
    credential_type: str,
    candidates: list[Credential],
    destination: str,
    on: dt.date,
    recognitions: list[Recognition],
    reader: Reader,
) -> str:
    needs = f"needs a verified {credential_type} credential valid on {on.isoformat()} and recognised in {destination}"
    holder = _HOLDER[reader]
    if not candidates:
        return f"{needs} ({holder} no {credential_type} credential)"
    have = "; ".join(_shortcomings(c, destination, on, recognitions) for c in candidates)
    return f"{needs} ({holder}: {have})"


def _shortcomings(credential: Credential, destination: str, on: dt.date, recognitions: list[Recognition]) -> str:
    """`organic issued in DE, expired 2026-10-01, not recognised in PL`: the credential and why it falls short."""
    parts = [f"{credential.credential_type} issued in {credential.issuing_jurisdiction}"]
    if credential.status is CredentialStatus.submitted:
        parts.append("awaiting verification")
    elif credential.status is CredentialStatus.rejected:
        parts.append("rejected")
    if credential.valid_until < on:
        parts.append(f"expired {credential.valid_until.isoformat()}")
    elif credential.valid_from > on:
        parts.append(f"valid only from {credential.valid_from.isoformat()}")
    if not credential.valid_in(destination, recognitions):
        parts.append(f"not recognised in {destination}")
    return ", ".join(parts)


def credential_read(credential: Credential, on: dt.date) -> CredentialRead:
    return CredentialRead(
        id=credential.id,
        organization_id=credential.organization_id,
        credential_type=credential.credential_type,
        number=credential.number,
        issuing_jurisdiction=credential.issuing_jurisdiction,
        valid_from=credential.valid_from,
        valid_until=credential.valid_until,
        issuer=credential.issuer,
        document_url=credential.document_url,
        document=_document_read(credential),
        status=credential.status,
        effective_status=credential.effective_status(on),
        expires_in_days=credential.expires_in_days(on),
        rejection_reason=credential.rejection_reason,
        decided_by_hub_id=credential.decided_by_hub_id,
        decided_at=credential.decided_at,
        expiry_flagged_at=credential.expiry_flagged_at,
        created_at=credential.created_at,
    )


def _document_read(credential: Credential) -> CredentialDocumentRead | None:
    if credential.document_media_type is None or credential.document_name is None:
        return None
    return CredentialDocumentRead(
        url=DOCUMENT_PATH.format(organization_id=credential.organization_id, credential_id=credential.id),
        media_type=credential.document_media_type,
        name=credential.document_name,
        size_bytes=credential.document_bytes or 0,
    )


def _checked_document(document: DocumentUpload, problems: FieldProblems) -> CheckedDocument | None:
    """The upload as it is kept, or None with its problem added (CPU-bound: run in a worker thread)."""
    return problems.check(check_document, document.content, document.filename, "file")


def credential_acceptance(
    credential: Credential, recognitions: list[Recognition], requirements: list[Requirement], on: dt.date
) -> CredentialAcceptance:
    """Where `credential` counts by `recognitions` and which of `requirements` it meets (pure; see
    `ComplianceService.acceptance`). The places are the issuing jurisdiction and each recognised one
    (with its hub); a requirement is met in its whole destination when the credential counts there,
    and in a part of it when the credential counts only there."""
    accepted = [AcceptedIn(jurisdiction=credential.issuing_jurisdiction, hub_id=None)]
    for recognition in recognitions:
        place = recognition.recognised_in
        if recognition.recognises(credential.credential_type, credential.issuing_jurisdiction, place) and not any(
            a.jurisdiction == place and a.hub_id in (None, recognition.hub_id) for a in accepted
        ):
            accepted.append(AcceptedIn(jurisdiction=place, hub_id=recognition.hub_id))
    unlocks: list[UnlockedRequirement] = []
    for requirement in requirements:
        if requirement.credential_type != credential.credential_type:
            continue
        places = [a.jurisdiction for a in accepted if a.hub_id in (None, requirement.hub_id)]
        if any(codes.jurisdiction_covers(place, requirement.destination) for place in places):
            inside = [requirement.destination]
        else:
            inside = [place for place in places if codes.jurisdiction_covers(requirement.destination, place)]
        unlocks += [
            UnlockedRequirement(
                requirement_id=requirement.id,
                hub_id=requirement.hub_id,
                classification_scheme=requirement.classification_scheme,
                classification_prefix=requirement.classification_prefix,
                destination=place,
                description=requirement.description,
            )
            for place in dict.fromkeys(inside)
        ]
    return CredentialAcceptance(
        credential_id=credential.id,
        counts_today=credential.status is CredentialStatus.verified and credential.valid_on(on),
        accepted_in=accepted,
        unlocks=unlocks,
    )


def expiring_read(credential: Credential, organization_name: str, on: dt.date) -> ExpiringCredentialRead:
    fields = msgspec.structs.asdict(credential_read(credential, on))
    return ExpiringCredentialRead(**fields, organization_name=organization_name)


def recognition_read(recognition: Recognition) -> RecognitionRead:
    return RecognitionRead(
        id=recognition.id,
        hub_id=recognition.hub_id,
        credential_type=recognition.credential_type,
        issued_in=recognition.issued_in,
        recognised_in=recognition.recognised_in,
        created_at=recognition.created_at,
    )


def requirement_read(requirement: Requirement) -> RequirementRead:
    return RequirementRead(
        id=requirement.id,
        hub_id=requirement.hub_id,
        classification_scheme=requirement.classification_scheme,
        classification_prefix=requirement.classification_prefix,
        destination=requirement.destination,
        credential_type=requirement.credential_type,
        description=requirement.description,
        created_at=requirement.created_at,
    )
