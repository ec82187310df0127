"""The OpenAPI document and its interactive page at /schema, which works offline.

The page is Swagger UI, served from the installed `swagger-ui-bundle-v2` package (never a CDN,
never a copy in this repository), so nothing on it loads from another host. The document
declares how callers authenticate, so the page has an Authorize button, and describes every tag.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from litestar import get

# Litestar's own schema of a msgspec struct, extended below; it is not exported, so a change in
# Litestar shows here (and in the test that unknown fields are documented as refused).
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.exceptions import NotFoundException
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, Schema, SecurityScheme, Tag
from litestar.params import FromPath
from litestar.plugins import ReceiveRoutePlugin
from litestar.response import File
from litestar.routes import BaseRoute, HTTPRoute
from swagger_ui_bundle import swagger_ui_path

from kernel.auth import API_KEY_PREFIX
from kernel.web import PROBLEM_MEDIA_TYPE, Problem, parameters_of

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.typing import FieldDefinition

SCHEMA_PATH: Final = "/schema"
ASSETS_PATH: Final = f"{SCHEMA_PATH}/assets"

# Only what the page loads: not the package's demo index.html, which points at a public petstore.
_ASSETS: Final = frozenset(
    {"swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css", "favicon-32x32.png"}
)

BEARER: Final = "bearer"
API_KEY: Final = "apiKey"

SECURITY_SCHEMES: Final = {
    BEARER: SecurityScheme(
        type="http",
        scheme="bearer",
        bearer_format="JWT",
        description=(
            "`Authorization: Bearer <token>` with the access token from `POST /api/v1/auth/login` "
            "(valid for ACCESS_TOKEN_TTL_SECONDS, 15 minutes by default; `POST /api/v1/auth/refresh` gives the next), "
            f"or with an API key (`{API_KEY_PREFIX}...`) in place of the token."
        ),
    ),
    API_KEY: SecurityScheme(
        type="apiKey",
        name="X-API-Key",
        security_scheme_in="header",
        description=(
            f"`X-API-Key: {API_KEY_PREFIX}...`, a key from `POST /api/v1/me/api-keys` (shown once), "
            "for scripts and integrations."
        ),
    ),
}

# One line for each tag the route handlers use (a test checks that none is left undescribed).
TAGS: Final = [
    Tag(
        name="identity",
        description="Accounts, log-in for bearer and refresh tokens or a session cookie, sessions, API keys.",
    ),
    Tag(name="organizations", description="Producer and buyer organisations, their members, roles and invitations."),
    Tag(
        name="hubs",
        description="Cross-border hubs: coordinators, memberships, payment terms, verified inclusion, audit log.",
    ),
    Tag(name="places", description="Countries, subdivisions and currencies, named in the caller's language."),
    Tag(name="fx", description="Reference exchange rates and conversions, with the rate, its date and source."),
    Tag(
        name="catalog",
        description="Producers' multilingual listings: volume prices, stock, versions, quotes, file import/export.",
    ),
    Tag(
        name="compliance",
        description="Credentials, hub requirements and recognitions: may goods be sold into a jurisdiction?",
    ),
    Tag(name="orders", description="Checkout across producers, the order lifecycle and disputes."),
    Tag(name="payments", description="Invoices, card payments and producer payouts through Stripe Connect."),
    Tag(
        name="vat",
        description="VAT rates per country and category, in force on a day; platform administrators correct them.",
    ),
    Tag(name="search", description="Multilingual search over offered listings, with filters and facet counts."),
    Tag(
        name="procurement",
        description="Demand pools and commitments, tenders, sealed bids, evaluation, award and savings.",
    ),
    Tag(name="dashboards", description="A hub's trade, inclusion and procurement figures, and its open summary."),
    Tag(
        name="working capital",
        description="A hub's microfinance consortium: advances against confirmed orders, repaid from the buyer's "
        "payment; its books and report.",
    ),
    Tag(name="open data", description="OCDS 1.1 release packages, the release feed and compiled records (public)."),
    Tag(
        name="notifications",
        description="What concerns me, in my language: my inbox in the app, unread counts, marking read.",
    ),
    Tag(
        name="demo",
        description="Only under `serve --demo`: the local mailbox, for walk-throughs without a mail server.",
    ),
    Tag(name="operations", description="Liveness and readiness probes for orchestrators."),
]


def openapi_config() -> OpenAPIConfig:
    """The OpenAPI document (`/schema/openapi.json`) and Swagger UI (`/schema`), both offline.

    Every operation is documented as needing a bearer token or an API key; the few public ones
    (registration, log-in, places, published tenders, open data, probes) answer without either.
    """
    return OpenAPIConfig(
        title="Borderhub API",
        version="1",
        description="Cross-border B2B marketplace and pooled procurement for joint micro-enterprise hubs.",
        path=SCHEMA_PATH,
        components=Components(security_schemes=dict(SECURITY_SCHEMES)),
        security=[{BEARER: []}, {API_KEY: []}],  # either one
        tags=TAGS,
        render_plugins=[
            SwaggerRenderPlugin(
                js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
                css_url=f"{ASSETS_PATH}/swagger-ui.css",
                standalone_preset_js_url=f"{ASSETS_PATH}/swagger-ui-standalone-preset.js",
                favicon=f"<link rel='icon' type='image/png' href='{ASSETS_PATH}/favicon-32x32.png'>",
            )
        ],
    )


@get(f"{ASSETS_PATH}/{{name:str}}", include_in_schema=False, sync_to_thread=False)
def docs_asset(name: FromPath[str]) -> File:
    """A file of the installed Swagger UI that the /schema page loads."""
    if name not in _ASSETS:
        raise NotFoundException
    return File(swagger_ui_path / name, filename=name, content_disposition_type="inline")


class StrictStructSchemas(StructSchemaPlugin):
    """msgspec structs as Litestar documents them, and `additionalProperties: false` for the ones that
    refuse unknown fields (`forbid_unknown_fields=True`: a misspelt field is a 422, not ignored)."""

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        if field_definition.type_.__struct_config__.forbid_unknown_fields:
            schema.additional_properties = False
        return schema


# What each error answer means, as the document says it; every one is problem+json (`Problem`).
_PROBLEMS: Final = {
    400: "Malformed request: the body is not valid JSON, or a header or the query string cannot be read.",
    401: "Not signed in: no bearer token or API key, or it is invalid or expired.",
    403: (
        "Signed in, but not allowed: not a member of the organisation or hub, or not in a role that may do this; "
        "or, signed in by the session cookie, the request lacks the CSRF token "
        "(X-CSRF-Token, from GET /api/v1/auth/csrf)."
    ),
    404: "No such resource, or not one the caller may see.",
    409: (
        "Conflicts with the current state (already decided, closed, taken) or with an earlier request "
        "sent with the same Idempotency-Key and another body."
    ),
    413: "The body is larger than the service accepts.",
    415: "The body is not JSON: send it with Content-Type: application/json.",
    422: "Invalid input: `errors` names every offending field (`$.path` in the body, `query:name`, ...) and why.",
    429: "Too many attempts: try again after the seconds in the Retry-After header.",
    503: "Not available now (a service it needs is unreachable); try again later.",
}
_UNSAFE: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Handler parameters Litestar fills itself: not input a caller can get wrong.
_RESERVED: Final = frozenset({"request", "state", "scope", "headers", "cookies", "query", "body", "self"})


class ProblemResponses(ReceiveRoutePlugin):
    """Documents the error answers of every operation (problem+json with the `Problem` schema), from
    what the handler takes: a caller (401, 403), a path or a caller's body naming what may not exist
    (404), a change by a caller (409), a body (413, 415), any input (400, 422). A handler declares
    any further status in `opt={"problems": (429,)}`. The test that runs the API against its
    document (tests/integration/borderhub/test_api_contract.py) keeps this true."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if handler.include_in_schema and "OPTIONS" not in handler.http_methods:
                statuses = _error_statuses(handler, has_path=bool(route.path_parameters))
                documented = {status: _problem(status) for status in sorted(statuses)}
                handler.responses = documented | dict(handler.responses or {})


def _problem(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem, description=_PROBLEMS[status], media_type=PROBLEM_MEDIA_TYPE, generate_examples=False
    )


def _error_statuses(handler: HTTPRouteHandler, *, has_path: bool) -> set[int]:
    names = {parameter.name for parameter in parameters_of(handler)}
    authenticated = "principal" in names
    has_body = "data" in names
    statuses = set(handler.opt.get("problems", ()))
    if authenticated:
        statuses |= {401, 403}
        if handler.http_methods & _UNSAFE:
            statuses.add(409)
        if has_body:  # what the body names (a hub, an organisation, a pool) may not exist
            statuses.add(404)
    if has_path:
        statuses.add(404)
    if has_body:
        statuses |= {413, 415}
    if has_body or has_path or names - _RESERVED - set(handler.resolve_dependencies()):
        statuses |= {400, 422}
    return statuses
