"""HTTP endpoints of demand pools and their commitments."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from kernel.pagination import Page
from kernel.web import Caller, Paging, Session, body_examples
from procurement.pool.models import PoolStatus
from procurement.pool.schemas import (
    COMMITMENT_CREATE_EXAMPLE,
    POOL_CREATE_EXAMPLE,
    CommitmentCreate,
    CommitmentRead,
    CommitmentUpdate,
    PoolCreate,
    PoolRead,
)
from procurement.pool.service import PoolService


def provide_pool_service(db_session: Session) -> PoolService:
    return PoolService(db_session)


Pools = NamedDependency[PoolService]


class PoolController(Controller):
    path = "/api/v1/pools"
    tags = ["procurement"]
    dependencies = {"pool_service": Provide(provide_pool_service, sync_to_thread=False)}

    @post("/", summary="Open a demand pool (a hub coordinator): item, delivery points, window, threshold")
    async def open_pool(
        self, data: Annotated[PoolCreate, body_examples(POOL_CREATE_EXAMPLE)], principal: Caller, pool_service: Pools
    ) -> PoolRead:
        return await pool_service.open_pool(principal, data)

    @get("/", summary="Pools of the hubs the caller coordinates or belongs to")
    async def list_pools(
        self,
        principal: Caller,
        pool_service: Pools,
        hub_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[PoolStatus | None] = None,
        *,
        paging: Paging,
    ) -> Page[PoolRead]:
        return await pool_service.list_pools(principal, hub_id, status, paging)

    @get("/{pool_id:uuid}", summary="A pool with the running total per delivery point (never who committed)")
    async def read(self, pool_id: FromPath[uuid.UUID], principal: Caller, pool_service: Pools) -> PoolRead:
        return await pool_service.read(principal, pool_id)

    @post("/{pool_id:uuid}/close", summary="Close the window now (a coordinator): closed or failed", status_code=200)
    async def close(self, pool_id: FromPath[uuid.UUID], principal: Caller, pool_service: Pools) -> PoolRead:
        return await pool_service.close_early(principal, pool_id)

    @post("/{pool_id:uuid}/commitments", summary="Commit a buying organisation to a quantity at a delivery point")
    async def commit(
        self,
        pool_id: FromPath[uuid.UUID],
        data: Annotated[CommitmentCreate, body_examples(COMMITMENT_CREATE_EXAMPLE)],
        principal: Caller,
        pool_service: Pools,
    ) -> CommitmentRead:
        return await pool_service.commit(principal, pool_id, data)

    @get(
        "/{pool_id:uuid}/commitments",
        summary="One buying organisation's commitments (`organization_id`), or all of them (a coordinator)",
    )
    async def commitments(
        self,
        pool_id: FromPath[uuid.UUID],
        principal: Caller,
        pool_service: Pools,
        organization_id: FromQuery[uuid.UUID | None] = None,
    ) -> list[CommitmentRead]:
        return await pool_service.all_commitments(principal, pool_id, organization_id)

    @patch("/{pool_id:uuid}/commitments/{commitment_id:uuid}", summary="Change a commitment while the window is open")
    async def change(
        self,
        pool_id: FromPath[uuid.UUID],
        commitment_id: FromPath[uuid.UUID],
        data: JSONBody[CommitmentUpdate],
        principal: Caller,
        pool_service: Pools,
    ) -> CommitmentRead:
        return await pool_service.change(principal, pool_id, commitment_id, data)

    @delete(
        "/{pool_id:uuid}/commitments/{commitment_id:uuid}",
        summary="Withdraw a commitment while the window is open",
        status_code=200,
    )
    async def withdraw(
        self, pool_id: FromPath[uuid.UUID], commitment_id: FromPath[uuid.UUID], principal: Caller, pool_service: Pools
    ) -> CommitmentRead:
        return await pool_service.withdraw(principal, pool_id, commitment_id)
