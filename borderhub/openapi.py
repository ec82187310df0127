"""The OpenAPI document and its interactive page at /schema, which works offline.

The page is Swagger UI, served from the installed `swagger-ui-bundle-v2` package (never a CDN,
never a copy in this repository), so nothing on it loads from another host. The document
declares how callers authenticate, so the page has an Authorize button, and describes every tag.
"""

from __future__ import annotations

from typing import Final

from litestar import get
from litestar.exceptions import NotFoundException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme, Tag
from litestar.params import FromPath
from litestar.response import File
from swagger_ui_bundle import swagger_ui_path

from kernel.auth import API_KEY_PREFIX

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
            "(valid for ACCESS_TOKEN_TTL_SECONDS, an hour by default), "
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
    Tag(name="identity", description="Accounts, log-in for a bearer token, the calling user and their API keys."),
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
    Tag(name="search", description="Multilingual search over offered listings, with filters and facet counts."),
    Tag(
        name="procurement",
        description="Demand pools and commitments, tenders, sealed bids, evaluation, award and savings.",
    ),
    Tag(name="dashboards", description="A hub's trade, inclusion and procurement figures, and its open summary."),
    Tag(name="open data", description="OCDS 1.1 release packages, the release feed and compiled records (public)."),
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
