"""HTTP endpoints of compliance: an organisation's credentials and eligibility, a hub's rules and decisions."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from kernel.pagination import Page
from kernel.validation import Day
from kernel.web import Caller, Paging, Session, paging_defaulting_to
from marketplace.compliance.models import ClassificationScheme, EffectiveStatus
from marketplace.compliance.schemas import (
    CredentialCreate,
    CredentialRead,
    CredentialRejection,
    Eligibility,
    ExpiringCredentialRead,
    RecognitionCreate,
    RecognitionRead,
    RequirementCreate,
    RequirementRead,
)
from marketplace.compliance.service import ComplianceService


def provide_compliance_service(db_session: Session) -> ComplianceService:
    return ComplianceService(db_session)


Compliance = NamedDependency[ComplianceService]
DEPENDENCIES = {"compliance_service": Provide(provide_compliance_service, sync_to_thread=False)}


class OrganizationComplianceController(Controller):
    path = "/api/v1/organizations/{organization_id:uuid}"
    tags = ["compliance"]
    dependencies = DEPENDENCIES

    @post("/credentials", summary="Record a credential of the organisation (owner or admin)")
    async def submit(
        self,
        organization_id: FromPath[uuid.UUID],
        data: JSONBody[CredentialCreate],
        principal: Caller,
        compliance_service: Compliance,
    ) -> CredentialRead:
        return await compliance_service.submit_credential(principal, organization_id, data)

    @get(
        "/credentials", summary="The organisation's credentials, soonest expiry first (members, its hubs' coordinators)"
    )
    async def list_credentials(
        self,
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        compliance_service: Compliance,
        expiring_within_days: Annotated[
            int | None, QueryParameter(description="Only verified credentials expiring within this many days")
        ] = None,
        status: Annotated[
            EffectiveStatus | None,
            QueryParameter(
                description="Only credentials with this status today (submitted, verified, rejected, expired)"
            ),
        ] = None,
        *,
        paging: Paging,
    ) -> Page[CredentialRead]:
        return await compliance_service.credentials(principal, organization_id, expiring_within_days, paging, status)

    @get("/credentials/{credential_id:uuid}", summary="One credential of the organisation")
    async def read_credential(
        self,
        organization_id: FromPath[uuid.UUID],
        credential_id: FromPath[uuid.UUID],
        principal: Caller,
        compliance_service: Compliance,
    ) -> CredentialRead:
        return await compliance_service.credential(principal, organization_id, credential_id)

    @get("/eligibility", summary="May the organisation sell goods of this classification into a destination?")
    async def eligibility(
        self,
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        classification_scheme: FromQuery[ClassificationScheme],
        classification_code: Annotated[str, QueryParameter(max_length=20, description="e.g. 03110000-5, 0406.10")],
        destination: Annotated[str, QueryParameter(max_length=10, description="ISO 3166-1 or 3166-2")],
        compliance_service: Compliance,
        on: Annotated[Day | None, QueryParameter(description="Day of delivery; today (UTC) if omitted")] = None,
    ) -> Eligibility:
        return await compliance_service.eligibility(
            principal,
            organization_id,
            classification_scheme=classification_scheme,
            classification_code=classification_code,
            destination=destination,
            on=on,
        )


class HubComplianceController(Controller):
    path = "/api/v1/hubs/{hub_id:uuid}"
    tags = ["compliance"]
    dependencies = DEPENDENCIES

    @get("/credentials/expiring", summary="Verified credentials of admitted organisations expiring soon (coordinators)")
    async def expiring(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        compliance_service: Compliance,
        within_days: FromQuery[int] = 30,
        *,
        paging: Paging,
    ) -> Page[ExpiringCredentialRead]:
        return await compliance_service.expiring_in_hub(principal, hub_id, within_days, paging)

    @post("/credentials/{credential_id:uuid}/verify", summary="Verify a credential (coordinators)", status_code=200)
    async def verify(
        self,
        hub_id: FromPath[uuid.UUID],
        credential_id: FromPath[uuid.UUID],
        principal: Caller,
        compliance_service: Compliance,
    ) -> CredentialRead:
        return await compliance_service.verify_credential(principal, hub_id, credential_id)

    @post("/credentials/{credential_id:uuid}/reject", summary="Reject a credential, saying why", status_code=200)
    async def reject(
        self,
        hub_id: FromPath[uuid.UUID],
        credential_id: FromPath[uuid.UUID],
        data: JSONBody[CredentialRejection],
        principal: Caller,
        compliance_service: Compliance,
    ) -> CredentialRead:
        return await compliance_service.reject_credential(principal, hub_id, credential_id, data.reason)

    @post("/recognitions", summary="Recognise credentials issued in one jurisdiction in another (coordinators)")
    async def add_recognition(
        self,
        hub_id: FromPath[uuid.UUID],
        data: JSONBody[RecognitionCreate],
        principal: Caller,
        compliance_service: Compliance,
    ) -> RecognitionRead:
        return await compliance_service.add_recognition(principal, hub_id, data)

    @get("/recognitions", summary="The hub's recognitions", dependencies={"paging": paging_defaulting_to(50)})
    async def recognitions(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        compliance_service: Compliance,
        credential_type: FromQuery[str | None] = None,
        *,
        paging: Paging,
    ) -> Page[RecognitionRead]:
        return await compliance_service.recognitions(principal, hub_id, credential_type, paging)

    @delete("/recognitions/{recognition_id:uuid}", summary="Withdraw a recognition (coordinators)")
    async def remove_recognition(
        self,
        hub_id: FromPath[uuid.UUID],
        recognition_id: FromPath[uuid.UUID],
        principal: Caller,
        compliance_service: Compliance,
    ) -> None:
        await compliance_service.remove_recognition(principal, hub_id, recognition_id)

    @post("/requirements", summary="Require a credential to sell goods into a destination (coordinators)")
    async def add_requirement(
        self,
        hub_id: FromPath[uuid.UUID],
        data: JSONBody[RequirementCreate],
        principal: Caller,
        compliance_service: Compliance,
    ) -> RequirementRead:
        return await compliance_service.add_requirement(principal, hub_id, data)

    @get("/requirements", summary="The hub's requirements", dependencies={"paging": paging_defaulting_to(50)})
    async def requirements(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        compliance_service: Compliance,
        destination: FromQuery[str | None] = None,
        credential_type: FromQuery[str | None] = None,
        *,
        paging: Paging,
    ) -> Page[RequirementRead]:
        return await compliance_service.requirements(
            principal,
            hub_id,
            destination=destination,
            credential_type=credential_type,
            page=paging,
        )

    @delete("/requirements/{requirement_id:uuid}", summary="Drop a requirement (coordinators)")
    async def remove_requirement(
        self,
        hub_id: FromPath[uuid.UUID],
        requirement_id: FromPath[uuid.UUID],
        principal: Caller,
        compliance_service: Compliance,
    ) -> None:
        await compliance_service.remove_requirement(principal, hub_id, requirement_id)
