"""HTTP edge shared by every router: RFC 9457 problem+json and request ids.

One mapping turns every error — domain errors, Litestar's own (404 route, 405,
malformed JSON, validation, 413) and database constraint violations that slipped
past the services — into `application/problem+json`. Nothing a caller sends
produces a 500.

What callers send is read strictly: a JSON body only as JSON (`JsonRequest`, 415
otherwise) and decoded straight into the handler's type, and parameters checked
against the rules of their types (`check_parameters`), with `kernel.validation`.
"""

from __future__ import annotations

import functools
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any, TypeVar

import asyncpg
import msgspec
import structlog
from litestar import Request, Response
from litestar.di import NamedDependency, Provide
from litestar.enums import ParamType
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.handlers import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.openapi.spec import Example
from litestar.params import Body, FromQuery, HeaderParameter, ParameterKwarg, QueryParameter
from litestar.types import ASGIApp, Empty, ExceptionHandlersMap, Message, Receive, Scope, Send
from litestar.typing import FieldDefinition
from litestar.utils.scope.state import ScopeState
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from kernel import codes
from kernel.auth import Principal
from kernel.context import request_id_var
from kernel.errors import DomainError, FieldError, InvalidInput, TooManyRequests
from kernel.idempotency import fingerprint, run_once
from kernel.negotiation import accepted_languages
from kernel.pagination import PageParams, page_params
from kernel.validation import (
    Rule,
    decode_json,
    field_error,
    has_rules,
    plain_message,
    rule_errors,
    validation_errors,
)

#: Handler parameters for the app-wide dependencies: the request's transaction, its caller, its page,
#: and the factory of sessions for work that outlives the request's transaction (a streamed export).
Session = NamedDependency[AsyncSession]
Caller = NamedDependency[Principal]
Paging = NamedDependency[PageParams]
SessionFactory = NamedDependency[async_sessionmaker[AsyncSession]]


def attachment(name: str, content: bytes, media_type: str) -> Response[bytes]:
    """A file to download (invoices, exports): saved under `name`, never kept by a shared cache."""
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )


def provide_paging(page: FromQuery[int] = 1, per_page: FromQuery[int] = 20) -> PageParams:
    """The `paging` dependency: the `page` and `per_page` query parameters, validated by
    `kernel.pagination.page_params` (422 naming the parameter out of range)."""
    return page_params(page, per_page)


def paging_defaulting_to(per_page: int) -> Provide:
    """`paging` with another default page size, for a handler's own `dependencies`
    (`dependencies={"paging": paging_defaulting_to(50)}`)."""
    default = per_page

    def provide_paging(page: FromQuery[int] = 1, per_page: FromQuery[int] = default) -> PageParams:
        return page_params(page, per_page)

    return Provide(provide_paging, sync_to_thread=False)


#: The `languages` dependency, for a controller's own `dependencies` (`{"languages": LANGUAGES}`).
Languages = NamedDependency[list[str]]


def provide_languages(
    lang: Annotated[str | None, QueryParameter(description="BCP 47 tag; wins over Accept-Language")] = None,
    accept_language: Annotated[str | None, HeaderParameter(name="Accept-Language")] = None,
) -> list[str]:
    """The languages the caller reads, best first: `?lang=` alone when given (422 naming it when
    it is no language tag), else the `Accept-Language` preferences (never an error)."""
    if lang is not None:
        return [codes.language(lang, "query:lang")]
    return accepted_languages(accept_language or "")


LANGUAGES = Provide(provide_languages, sync_to_thread=False)


PROBLEM_TYPE_BASE = "https://borderhub.example/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"

_log = structlog.get_logger("borderhub.http")


class Problem(msgspec.Struct, kw_only=True, omit_defaults=True):
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] = msgspec.field(default_factory=list)


def problem_response(
    request: Request[Any, Any, Any],
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    body = Problem(
        type=PROBLEM_TYPE_BASE + slug,
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=request_id_var.get(),
        errors=errors or [],
    )
    return Response(
        content=msgspec.json.encode(body),
        status_code=status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[bytes]:
    headers = None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    return problem_response(
        request,
        status=exc.status,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=headers,
    )


def _wire_name(request: Request[Any, Any, Any], key: str) -> str:
    """The name the caller used for a parameter (`from`), not the handler's argument (`first_day`)."""
    parameter = request.route_handler.parsed_fn_signature.parameters.get(key)
    return _alias(key, getattr(parameter, "kwarg_definition", None))


def _alias(key: str, kwarg: object) -> str:
    # `QueryParameter(name=...)`, or the older `Parameter(query=/header=/cookie=...)`
    aliases = (getattr(kwarg, attribute, None) for attribute in ("name", "query", "header", "cookie"))
    return str(next((alias for alias in aliases if isinstance(alias, str)), key))


_MISSING_PARAMETER = re.compile(r"^Missing required (?P<source>\w+) parameter '(?P<name>[^']*)'")


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[bytes]:
    """Litestar's own validation as the one `invalid-input` problem: every bad parameter
    (Litestar checks them all) and every bad body field (msgspec stops at the first, so the
    body is checked again field by field), each named where the caller wrote it."""
    errors: list[FieldError] = []
    body_checked = False
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if not isinstance(item, dict):
            continue
        key, message = str(item.get("key") or ""), str(item.get("message") or "is not valid")
        source = getattr(item.get("source"), "value", item.get("source"))
        if source == "body" or not key:
            if not body_checked:
                body_checked = True
                path = "$" if key in ("", "data") else f"$.{key}"
                errors += _body_errors(request) or [field_error(path, message)]
        else:
            errors.append(
                FieldError(
                    field=f"{source or 'query'}:{_wire_name(request, key)}",
                    message=plain_message(message, _annotation(request, key)),
                )
            )
    missing = _MISSING_PARAMETER.match(exc.detail)
    if missing is not None:
        errors += _missing_parameters(request, f"{missing['source']}:{missing['name']}")
    if not errors:
        # Not about a value (e.g. a multipart body without its boundary).
        return problem_response(
            request, status=400, slug="malformed-request", title="Malformed request", detail=exc.detail
        )
    return _domain_error(request, InvalidInput.of(errors))


def _annotation(request: Request[Any, Any, Any], key: str) -> Any:
    parameter = request.route_handler.parsed_fn_signature.parameters.get(key)
    return getattr(parameter, "annotation", None)


def _body_errors(request: Request[Any, Any, Any]) -> list[FieldError]:
    """Every problem of the JSON body against the handler's `data` type ([] if it cannot be checked again)."""
    parameter = request.route_handler.parsed_fn_signature.parameters.get("data")
    if parameter is None:
        return []
    # Litestar decodes the body once (`request.json()`) and keeps it in the connection's scope
    # state; exception handlers are synchronous, so they read it there. `ScopeState` is internal
    # to Litestar: tests/integration/marketplace/test_error_model.py fails if it changes.
    state = ScopeState.from_scope(request.scope)
    decoded: Any = state.json
    if decoded is Empty and isinstance(state.body, bytes) and state.body:
        try:
            decoded = msgspec.json.decode(state.body)
        except msgspec.DecodeError:
            return []
    if decoded is Empty:  # no body at all
        return [FieldError(field="$", message="is required")]
    try:
        return validation_errors(decoded, parameter.annotation)
    except TypeError:  # a type only Litestar's decoders convert; its own (first) error stands
        return []


def _missing_parameters(request: Request[Any, Any, Any], named: str) -> list[FieldError]:
    """Every required query, header and cookie parameter declared as such (`FromQuery`, `HeaderParameter`...)
    that the request lacks, and `named`, the one Litestar names (it stops at the first)."""
    present = {
        ParamType.QUERY: request.query_params,
        ParamType.HEADER: request.headers,
        ParamType.COOKIE: request.cookies,
    }
    fields = [named]
    for name, parameter in request.route_handler.parsed_fn_signature.parameters.items():
        kwarg = parameter.kwarg_definition
        if not isinstance(kwarg, ParameterKwarg) or kwarg.param_type not in present or parameter.is_di_field:
            continue
        wire_name = _wire_name(request, name)
        required = not parameter.has_default and not parameter.is_optional
        if required and wire_name not in present[kwarg.param_type]:
            fields.append(f"{kwarg.param_type.value}:{wire_name}")
    return [FieldError(field=field, message="is required") for field in dict.fromkeys(fields)]


_HTTP_SLUGS = {
    400: ("malformed-request", "Malformed request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Forbidden"),
    404: ("not-found", "Not found"),
    405: ("method-not-allowed", "Method not allowed"),
    413: ("request-too-large", "Request body too large"),
    414: ("uri-too-long", "URI too long"),
    415: ("unsupported-media-type", "Unsupported media type"),
}


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[bytes]:
    slug, title = _HTTP_SLUGS.get(exc.status_code, ("http-error", "Request failed"))
    return problem_response(
        request,
        status=exc.status_code,
        slug=slug,
        title=title,
        detail=exc.detail,
        headers=dict(exc.headers) if exc.headers else None,
    )


def _integrity_error(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[bytes]:
    # Services check rules first; this is the database's last line of defence
    # (e.g. two concurrent requests racing on a unique constraint).
    return problem_response(
        request, status=409, slug="conflict", title="Conflict", detail="conflicts with existing data; reload and retry"
    )


def _database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[bytes]:
    # The driver's error: under SQLAlchemy's adapter (its cause), or itself (`kernel.db.fetch`).
    if any(isinstance(e, asyncpg.exceptions.DataError) for e in (exc.orig, getattr(exc.orig, "__cause__", None))):
        # A value the database cannot store (a NUL character, a number out of range):
        # the caller's input, not an outage.
        return problem_response(
            request,
            status=InvalidInput.status,
            slug=InvalidInput.slug,
            title=InvalidInput.title,
            detail="a value cannot be stored (control characters such as NUL, or a number out of range)",
        )
    _log.error("database error", exc_info=exc)
    return problem_response(
        request,
        status=503,
        slug="unavailable",
        title="Service unavailable",
        detail="the database is unavailable; retry later",
    )


def _undecodable(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    # Raised while decoding a body: bytes that are not UTF-8, or JSON nested too deep to parse.
    return problem_response(
        request, status=400, slug="malformed-request", title="Malformed request", detail="the body is not valid JSON"
    )


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
    _log.error("unhandled error", exc_info=exc)
    return problem_response(
        request, status=500, slug="internal-error", title="Internal error", detail="an unexpected error occurred"
    )


exception_handlers: ExceptionHandlersMap = {
    DomainError: _domain_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    IntegrityError: _integrity_error,
    DBAPIError: _database_error,
    UnicodeDecodeError: _undecodable,
    RecursionError: _undecodable,
    Exception: _unexpected,
}


JSON_MEDIA_TYPE = "application/json"
_NOT_PAGES = ("/api", "/schema", "/health", "/ready")


def is_page_path(path: str) -> bool:
    """Whether `path` is (or would be) a web page: anything outside the JSON API, its document and
    the probes."""
    return not any(path == prefix or path.startswith(prefix + "/") for prefix in _NOT_PAGES)


class JsonRequest(Request[Any, Any, Any]):
    """The app's `request_class`: a handler's `data` is read from a body sent as JSON, strictly.

    The content type must be `application/json` (or `application/<something>+json`): anything
    else, or none, is 415 — a form or a text/plain body is not read as JSON by accident. The
    body is decoded by `kernel.validation.decode_json` straight into the handler's type: JSON
    types only as documented, every `Rule` of the type kept, 422 naming every offending field.
    """

    async def json(self) -> Any:
        media_type = self.content_type[0]
        if media_type != JSON_MEDIA_TYPE and not (
            media_type.startswith("application/") and media_type.endswith("+json")
        ):
            sent = f" (this one is {media_type})" if media_type else ""
            raise ClientException(
                status_code=415, detail=f"send the body as JSON with Content-Type: {JSON_MEDIA_TYPE}{sent}"
            )
        data = self.route_handler.parsed_fn_signature.parameters.get("data")
        if data is None:
            return await super().json()
        try:
            return decode_json(await self.body(), _declared_type(data))
        except msgspec.DecodeError:  # not JSON at all (problems with values are `InvalidInput`)
            raise ClientException(detail="the body is not valid JSON") from None


def _declared_type(parameter: FieldDefinition) -> Any:
    """A handler parameter's type with its msgspec constraints and `Rule`s, which Litestar keeps apart
    when they sit on the type itself (`Annotated[Quantity, QueryParameter()]`), without the rest."""
    constraints = tuple(item for item in parameter.metadata if isinstance(item, msgspec.Meta | Rule))
    return Annotated[(parameter.annotation, *constraints)] if constraints else parameter.annotation


#: The longest query string read (414 beyond). Well below what the HTTP servers refuse before the
#: app sees a request (64 KiB under uvicorn and granian, in their own format), so a caller with a
#: long query gets a problem like any other.
MAX_QUERY_STRING_BYTES = 8192


async def check_parameters(request: Request[Any, Any, Any]) -> None:
    """The app's `before_request`: a query string longer than `MAX_QUERY_STRING_BYTES` is 414, and
    each query or header parameter — of the handler or of a dependency it uses — whose type carries
    a `Rule` (a `Day`, a bounded decimal) is checked by it: Litestar converts parameters from text
    without knowing the rules. 422 naming each. A layer setting its own `before_request` replaces
    this one, so none does.
    """
    if len(request.scope.get("query_string", b"")) > MAX_QUERY_STRING_BYTES:
        raise ClientException(status_code=414, detail=f"the query string is longer than {MAX_QUERY_STRING_BYTES} bytes")
    ruled = _ruled_parameters(request.route_handler)
    if not ruled:
        return
    errors: list[FieldError] = []
    sources = {ParamType.QUERY: request.query_params, ParamType.HEADER: request.headers}
    for param_type, wire_name, declared, converted in ruled:
        raw = sources[param_type].get(wire_name)
        if raw is None:
            continue
        where = f"{param_type.value}:{wire_name}"
        try:  # as Litestar converts it, but with the type's constraints, which Litestar drops
            value = msgspec.convert(raw, declared, strict=False)
        except msgspec.ValidationError as exc:
            if _converts(raw, converted):  # only the constraints fail: Litestar would let it through
                errors.append(field_error(where, str(exc), declared))
            continue  # else Litestar names it, with every other bad parameter
        errors += rule_errors(value, declared, where)
    if errors:
        raise InvalidInput.of(errors)


def _converts(raw: str, annotation: Any) -> bool:
    try:
        msgspec.convert(raw, annotation, strict=False)
    except msgspec.ValidationError:
        return False
    return True


@functools.cache
def _ruled_parameters(handler: BaseRouteHandler) -> tuple[tuple[ParamType, str, Any, Any], ...]:
    """(source, name on the wire, declared type, the type Litestar converts to) of each query or
    header parameter of `handler` whose type carries a `Rule`: worked out once per handler, as
    most have none."""
    ruled = []
    for parameter in parameters_of(handler):
        kwarg = parameter.kwarg_definition
        if not isinstance(kwarg, ParameterKwarg) or parameter.is_di_field:
            continue
        if kwarg.param_type in (ParamType.QUERY, ParamType.HEADER) and has_rules(declared := _declared_type(parameter)):
            ruled.append((kwarg.param_type, _alias(parameter.name, kwarg), declared, parameter.annotation))
    return tuple(ruled)


def parameters_of(handler: BaseRouteHandler) -> list[FieldDefinition]:
    """The parameters of `handler` and of every dependency it uses, however deep."""
    providers = handler.resolve_dependencies()
    found: list[FieldDefinition] = []
    pending = list(handler.parsed_fn_signature.parameters.values())
    used: set[str] = set()
    while pending:
        parameter = pending.pop()
        found.append(parameter)
        provider = providers.get(parameter.name)
        if provider is not None and parameter.name not in used:
            used.add(parameter.name)
            pending += provider.parsed_fn_signature.parameters.values()
    return found


class RequestContextMiddleware(ASGIMiddleware):
    """Assigns each request an id (honouring a sane incoming `X-Request-ID`) and logs it."""

    _VALID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        incoming = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if self._VALID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await next_app(scope, receive, send_with_id)
        finally:
            _log.info(
                "request",
                method=scope.get("method"),
                path=scope.get("path"),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 1),
                request_id=request_id,
            )
            request_id_var.reset(token)


IdempotencyKeyHeader = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        description=(
            "Any unique string (a UUID is good). Retrying with the same key and body returns the first "
            "result (header Idempotent-Replayed: true); the same key with another body is 422. Kept 24 h."
        ),
    ),
]


def body_examples(*examples: Mapping[str, Any]) -> Any:
    """A JSON request body shown in the OpenAPI document with these examples (kept beside the
    Struct in the domain's schemas.py): `data: Annotated[OrderCreate, body_examples(ORDER_EXAMPLE)]`."""
    return Body(examples=[Example(value=example) for example in examples])


T = TypeVar("T", bound=msgspec.Struct)


async def idempotent(
    request: Request[Any, Any, Any],
    session: AsyncSession,
    principal: Principal,
    key: str | None,
    body: msgspec.Struct | None,
    result_type: type[T],
    run: Callable[[], Awaitable[T]],
    *,
    status_code: int = 200,
) -> Response[T]:
    """Run a handler's use case at most once per `Idempotency-Key` (see `kernel.idempotency`)."""
    result, replayed = await run_once(
        session,
        user_id=principal.user_id,
        key=key,
        request_fingerprint=fingerprint(request.method, request.url.path, body),
        result_type=result_type,
        run=run,
    )
    return Response(result, status_code=status_code, headers={"Idempotent-Replayed": "true"} if replayed else None)
