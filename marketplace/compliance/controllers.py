"""HTTP endpoints of compliance: an organisation's credentials and eligibility, a hub's rules and decisions."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from litestar import Controller, delete, get, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from kernel.pagination import Page, page_params
from kernel.web import Caller, Session
from marketplace.compliance.models import ClassificationScheme
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


class OrganizationComplianceController(Controller):
    path = "/api/v1/organizations/{organization_id:uuid}"
    tags = ["compliance"]

    @post("/credentials", summary="Record a credential of the organisation (owner or admin)")
    async def submit(
        self,
        organization_id: FromPath[uuid.UUID],
        data: JSONBody[CredentialCreate],
        principal: Caller,
        db_session: Session,
    ) -> CredentialRead:
        return await ComplianceService(db_session).submit_credential(principal, organization_id, data)

    @get(
        "/credentials", summary="The organisation's credentials, soonest expiry first (members, its hubs' coordinators)"
    )
    async def list_credentials(
        self,
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        expiring_within_days: Annotated[
            int | None, QueryParameter(description="Only verified credentials expiring within this many days")
        ] = None,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 20,
    ) -> Page[CredentialRead]:
        return await ComplianceService(db_session).credentials(
            principal, organization_id, expiring_within_days, page_params(page, per_page)
        )

    @get("/credentials/{credential_id:uuid}", summary="One credential of the organisation")
    async def read_credential(
        self,
        organization_id: FromPath[uuid.UUID],
        credential_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
    ) -> CredentialRead:
        return await ComplianceService(db_session).credential(principal, organization_id, credential_id)

    @get("/eligibility", summary="May the organisation sell goods of this classification into a destination?")
    async def eligibility(
        self,
        organization_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        classification_scheme: FromQuery[ClassificationScheme],
        classification_code: Annotated[str, QueryParameter(max_length=20, description="e.g. 03110000-5, 0406.10")],
        destination: Annotated[str, QueryParameter(max_length=10, description="ISO 3166-1 or 3166-2")],
        on: Annotated[dt.date | None, QueryParameter(description="Day of delivery; today (UTC) if omitted")] = None,
    ) -> Eligibility:
        return await ComplianceService(db_session).eligibility(
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

    @get("/credentials/expiring", summary="Verified credentials of admitted organisations expiring soon (coordinators)")
    async def expiring(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        within_days: FromQuery[int] = 30,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 20,
    ) -> Page[ExpiringCredentialRead]:
        return await ComplianceService(db_session).expiring_in_hub(
            principal, hub_id, within_days, page_params(page, per_page)
        )

    @post("/credentials/{credential_id:uuid}/verify", summary="Verify a credential (coordinators)", status_code=200)
    async def verify(
        self, hub_id: FromPath[uuid.UUID], credential_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> CredentialRead:
        return await ComplianceService(db_session).verify_credential(principal, hub_id, credential_id)

    @post("/credentials/{credential_id:uuid}/reject", summary="Reject a credential, saying why", status_code=200)
    async def reject(
        self,
        hub_id: FromPath[uuid.UUID],
        credential_id: FromPath[uuid.UUID],
        data: JSONBody[CredentialRejection],
        principal: Caller,
        db_session: Session,
    ) -> CredentialRead:
        return await ComplianceService(db_session).reject_credential(principal, hub_id, credential_id, data.reason)

    @post("/recognitions", summary="Recognise credentials issued in one jurisdiction in another (coordinators)")
    async def add_recognition(
        self, hub_id: FromPath[uuid.UUID], data: JSONBody[RecognitionCreate], principal: Caller, db_session: Session
    ) -> RecognitionRead:
        return await ComplianceService(db_session).add_recognition(principal, hub_id, data)

    @get("/recognitions", summary="The hub's recognitions")
    async def recognitions(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        credential_type: FromQuery[str | None] = None,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 50,
    ) -> Page[RecognitionRead]:
        return await ComplianceService(db_session).recognitions(
            principal, hub_id, credential_type, page_params(page, per_page)
        )

    @delete("/recognitions/{recognition_id:uuid}", summary="Withdraw a recognition (coordinators)")
    async def remove_recognition(
        self, hub_id: FromPath[uuid.UUID], recognition_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> None:
        await ComplianceService(db_session).remove_recognition(principal, hub_id, recognition_id)

    @post("/requirements", summary="Require a credential to sell goods into a destination (coordinators)")
    async def add_requirement(
        self, hub_id: FromPath[uuid.UUID], data: JSONBody[RequirementCreate], principal: Caller, db_session: Session
    ) -> RequirementRead:
        return await ComplianceService(db_session).add_requirement(principal, hub_id, data)

    @get("/requirements", summary="The hub's requirements")
    async def requirements(
        self,
        hub_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        destination: FromQuery[str | None] = None,
        credential_type: FromQuery[str | None] = None,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 50,
    ) -> Page[RequirementRead]:
        return await ComplianceService(db_session).requirements(
            principal,
            hub_id,
            destination=destination,
            credential_type=credential_type,
            page=page_params(page, per_page),
        )

    @delete("/requirements/{requirement_id:uuid}", summary="Drop a requirement (coordinators)")
    async def remove_requirement(
        self, hub_id: FromPath[uuid.UUID], requirement_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> None:
        await ComplianceService(db_session).remove_requirement(principal, hub_id, requirement_id)
