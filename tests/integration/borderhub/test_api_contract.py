"""The API keeps the promises of its own OpenAPI document: a bounded property-based run of every
operation (schemathesis) as a buyer, a producer and a hub coordinator of a working hub.

Each operation gets a few generated requests, valid by the document; every answer must not be a
5xx, and its status code, content type and body must be the ones the document gives for that
operation. Requests go through the test client in-process: the run itself happens in a thread
(Hypothesis is synchronous) that hands each request to the test's event loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from litestar import Litestar
from litestar.testing import AsyncTestClient
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.case import Case
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from tests.factories.identity import Account
from tests.factories.procurement import Procurement, build_procurement

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES_PER_OPERATION = 6
#: Operations that end the session whose token the run uses: run last, so that the others are not all 401.
ENDING_THE_SESSION = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/me/sessions/sign-out-everywhere")}


def _principal(world: Procurement, who: str) -> Account:
    return {
        "buyer": world.market.buyer,
        "producer": world.market.honey_maker,
        "coordinator": world.coordinator,
    }[who]


def _summary(failure: BaseException) -> str:
    """What failed, without the schemas and bodies schemathesis prints in full."""
    parts = getattr(failure, "exceptions", None) or [failure]
    return "; ".join(
        str(part).strip().splitlines()[0][:300] + " | " + " ".join(str(part).split())[-400:] for part in parts
    )


def _run(schema: Any, send: Callable[[Case], httpx.Response]) -> list[str]:
    """Every operation of `schema`, a few generated requests each; the failures, in words."""
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    for operation in sorted(operations, key=lambda op: (op.method.upper(), op.path) in ENDING_THE_SESSION):

        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Case) -> None:
            case.validate_response(send(case), checks=CHECKS)

        try:
            check()
        except (AssertionError, FailureGroup) as failure:  # collected, reported together below
            failures.append(f"{operation.label}: {_summary(failure)}")
    return failures


@pytest.mark.parametrize("who", ["buyer", "producer", "coordinator"])
async def test_every_operation_answers_as_documented(
    who: str,
    app: Litestar,
    client: AsyncTestClient[Litestar],
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
) -> None:
    world = await build_procurement(client, sessions, settings)
    principal = _principal(world, who)
    schema = schemathesis.openapi.from_dict(app.openapi_schema.to_schema())
    loop = asyncio.get_running_loop()

    def send(case: Case) -> httpx.Response:
        request = case.as_transport_kwargs(base_url=str(client.base_url), headers=principal.headers)
        request.pop("base_url", None)
        if not request.get("cookies"):
            request.pop("cookies", None)
        answered = asyncio.run_coroutine_threadsafe(client.request(**request), loop)
        return answered.result(timeout=60)

    failures = await asyncio.to_thread(_run, schema, send)
    assert not failures, "\n\n".join(failures)
