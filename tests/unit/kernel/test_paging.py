"""The `paging` dependency: `page` and `per_page` read, checked and documented once for every list endpoint."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, get
from litestar.di import Provide
from litestar.testing import TestClient

from kernel.web import Paging, exception_handlers, paging_defaulting_to, provide_paging


@get("/items")
async def items(paging: Paging) -> dict[str, int]:
    return {"page": paging.page, "per_page": paging.per_page}


@get("/entries", dependencies={"paging": paging_defaulting_to(50)})
async def entries(paging: Paging) -> dict[str, int]:
    return {"page": paging.page, "per_page": paging.per_page}


@pytest.fixture(scope="module")
def app() -> Litestar:
    return Litestar(
        [items, entries],
        dependencies={"paging": Provide(provide_paging, sync_to_thread=False)},
        exception_handlers=exception_handlers,
    )


def test_page_and_per_page_come_from_the_query_when_given(app: Litestar) -> None:
    with TestClient(app) as client:
        assert client.get("/items").json() == {"page": 1, "per_page": 20}
        assert client.get("/items?page=3&per_page=7").json() == {"page": 3, "per_page": 7}


def test_a_handler_keeps_its_own_page_size_when_it_declares_one(app: Litestar) -> None:
    with TestClient(app) as client:
        assert client.get("/entries").json() == {"page": 1, "per_page": 50}
        assert client.get("/entries?per_page=7").json() == {"page": 1, "per_page": 7}


@pytest.mark.parametrize(
    ("query", "named"),
    [("per_page=0", {"per_page"}), ("per_page=101", {"per_page"}), ("page=0&per_page=0", {"page", "per_page"})],
)
def test_paging_is_422_naming_each_parameter_when_out_of_range(app: Litestar, query: str, named: set[str]) -> None:
    with TestClient(app) as client:
        response = client.get(f"/items?{query}")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert {error["field"].rpartition(":")[2] for error in response.json()["errors"]} == named


def test_paging_is_422_naming_the_parameter_when_not_a_number(app: Litestar) -> None:
    with TestClient(app) as client:
        response = client.get("/items?page=two")
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["query:page"]


def test_openapi_documents_page_and_per_page_as_query_parameters_of_each_operation(app: Litestar) -> None:
    paths = app.openapi_schema.to_schema()["paths"]

    def parameters(path: str) -> dict[str, Any]:
        return {(p["name"], p["in"]): p["schema"].get("default") for p in paths[path]["get"]["parameters"]}

    assert parameters("/items") == {("page", "query"): 1, ("per_page", "query"): 20}
    assert parameters("/entries") == {("page", "query"): 1, ("per_page", "query"): 50}
