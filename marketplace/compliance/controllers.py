"""HTTP endpoints of compliance: an organisation's credentials and eligibility, a hub's rules and decisions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from kernel.errors import InvalidInput
from kernel.openapi import answers_in, struct_schema
from kernel.pagination import Page
from kernel.storage import FileStorage
from kernel.validation import Day, convert, decode_json
from kernel.web import JSON_MEDIA_TYPE, Caller, Paging, Session, paging_defaulting_to
from marketplace.compliance.documents import DOCUMENT_MEDIA_TYPES, MAX_DOCUMENT_BYTES, ascii_name
from marketplace.compliance.models import ClassificationScheme, EffectiveStatus
from marketplace.compliance.schemas import (
    CredentialAcceptance,
    CredentialCreate,
    CredentialRead,
    CredentialRejection,
    DocumentUpload,
    Eligibility,
    ExpiringCredentialRead,
    RecognitionCreate,
    RecognitionRead,
    RequirementCreate,
    RequirementRead,
    SubmittedCredentialRead,
)
from marketplace.compliance.service import ComplianceService, CredentialDocument

#: The largest credential upload body: room for a document well over the 10 MB it may have, so that
#: one a little too large is told so by its field (422) rather than refused whole (413).
MAX_CREDENTIAL_BODY_BYTES = 2 * MAX_DOCUMENT_BYTES


def provide_compliance_service(db_session: Session, file_storage: NamedDependency[FileStorage]) -> ComplianceService:
    return ComplianceService(db_session, file_storage)


Compliance = NamedDependency[ComplianceService]
DEPENDENCIES = {"compliance_service": Provide(provide_compliance_service, sync_to_thread=False)}


async def read_document_upload(request: Request[Any, Any, Any]) -> DocumentUpload | None:
    """The document a multipart form sends in its `file` field (the pages' form sends the same), or
    None when it sends none (a file input left empty sends a part without a name or bytes).
    `InvalidInput` naming `file` when the field is text, not a file."""
    form = await request.form()
    file = form.get("file")
    if file is None or file == "":
        return None
    if not isinstance(file, UploadFile):
        raise InvalidInput.field("file", "must be a file, sent as a multipart file part")
    try:
        content = await file.read()
    finally:
        await file.close()
    if not content and not file.filename:
        return None
    return DocumentUpload(content=content, filename=file.filename or "")


async def read_credential_submission(
    request: Request[Any, Any, Any],
) -> tuple[CredentialCreate, DocumentUpload | None]:
    """A credential as JSON (`CredentialCreate`), or as a multipart form of the same fields (blank
    ones left out) with the document in `file`. JSON is read as strictly as every body
    (`kernel.web.JsonRequest`); any other content type is 415."""
    media_type = request.content_type[0]
    if media_type == RequestEncodingType.MULTI_PART.value:
        form = await request.form()
        fields = {
            key: value.strip()
            for key, value in form.items()
            if key != "file" and isinstance(value, str) and value.strip()
        }
        document = await read_document_upload(request)
        data: CredentialCreate = convert(fields, CredentialCreate, strict=False)
        return data, document
    if media_type != JSON_MEDIA_TYPE and not (media_type.startswith("application/") and media_type.endswith("+json")):
        sent = f" (this one is {media_type})" if media_type else ""
        raise ClientException(
            status_code=415,
            detail=f"send the credential as JSON ({JSON_MEDIA_TYPE}) or as multipart/form-data with the document "
            f"in `file`{sent}",
        )
    try:
        return decode_json(await request.body(), CredentialCreate), None
    except msgspec.DecodeError:
        raise ClientException(detail="the body is not valid JSON") from None


def document_response(document: CredentialDocument) -> Response[bytes]:
    """The document as served to those who may see it: shown in the browser (`inline`) under its safe
    name, never cached by a shared cache, never sniffed as another type, and sandboxed: a PDF's
    scripts or a crafted file run in no origin of ours."""
    disposition = f"inline; filename=\"{ascii_name(document.name)}\"; filename*=UTF-8''{quote(document.name, safe='')}"
    return Response(
        document.content,
        media_type=document.media_type,
        headers={
            "Cache-Control": "private, no-store",
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
        },
    )


@dataclass
class _CredentialSubmission(Operation):
    """Documents the two bodies the submission reads itself: JSON, or a multipart form with the file."""

    def __post_init__(self) -> None:
        fields = struct_schema(CredentialCreate)
        form = struct_schema(CredentialCreate)
        form.properties = {
            **(form.properties or {}),
            "file": Schema(
                type=OpenAPIType.STRING,
                format=OpenAPIFormat.BINARY,
                description=f"The document: a PDF, JPEG or PNG ({', '.join(DOCUMENT_MEDIA_TYPES)}), at most 10 MB",
            ),
        }
        self.request_body = RequestBody(
            required=True,
            content={
                JSON_MEDIA_TYPE: OpenAPIMediaType(schema=fields),
                RequestEncodingType.MULTI_PART.value: OpenAPIMediaType(schema=form),
            },
        )


class OrganizationComplianceController(Controller):
    path = "/api/v1/organizations/{organization_id:uuid}"
    tags = ["compliance"]
    dependencies = DEPENDENCIES

    @post(
        "/credentials",
        summary="Record a credential of the organisation (owner or admin)",
        description=(
            "JSON, or a multipart form of the same fields with the document itself in `file`: a PDF, JPEG or "
            "PNG of at most 10 MB, judged by its bytes (its name and claimed type do not matter), kept as "
            "uploaded and served to the organisation's members and its hubs' coordinators at `document.url`. "
            "A credential needs the uploaded document, a link to it (`document_url`, https), or both. "
            "A file of another type, damaged or too large, or neither file nor link: 422 naming `file`."
        ),
        request_max_body_size=MAX_CREDENTIAL_BODY_BYTES,
        operation_class=_CredentialSubmission,
        opt={"problems": (400, 413, 415, 422)},
    )
    async def submit(
        self,
        organization_id: FromPath[uuid.UUID],
        request: Request[Any, Any, Any],
        principal: Caller,
        compliance_service: Compliance,
    ) -> CredentialRead:
        data, document = await read_credential_submission(request)
        return await compliance_service.submit_credential(principal, organization_id, data, document)

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

    @get(
        "/credentials/{credential_id:uuid}/document",
        summary="A credential's uploaded document (members and its hubs' coordinators)",
        description=(
            "The PDF, JPEG or PNG as uploaded, shown inline under its file name (`Cache-Control: private`). "
            "Anyone but the organisation's members and the coordinators of its hubs, and a credential "
            "with only a link, get 404."
        ),
        media_type=DOCUMENT_MEDIA_TYPES[0],
        operation_class=answers_in(*DOCUMENT_MEDIA_TYPES[1:], binary=True),
    )
    async def document(
        self,
        organization_id: FromPath[uuid.UUID],
        credential_id: FromPath[uuid.UUID],
        principal: Caller,
        compliance_service: Compliance,
    ) -> Response[bytes]:
        return document_response(await compliance_service.document(principal, organization_id, credential_id))

    @get(
        "/credentials/{credential_id:uuid}/acceptance",
        summary="Where a credential counts, and the requirements of the organisation's hubs it meets",
    )
    async def acceptance(
        self,
        organization_id: FromPath[uuid.UUID],
        credential_id: FromPath[uuid.UUID],
        principal: Caller,
        compliance_service: Compliance,
    ) -> CredentialAcceptance:
        [acceptance] = await compliance_service.acceptance(principal, organization_id, credential_id)
        return acceptance

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

    @get(
        "/credentials/submitted",
        summary="Credentials of admitted organisations waiting for a check, oldest first (coordinators)",
    )
    async def submitted(
        self, hub_id: FromPath[uuid.UUID], principal: Caller, compliance_service: Compliance
    ) -> list[SubmittedCredentialRead]:
        return await compliance_service.submitted_in_hub(principal, hub_id)

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
