"""HTTP endpoints of demand pools and their commitments."""

from __future__ import annotations

import uuid

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody

from kernel.pagination import Page, page_params
from kernel.web import Caller, Session
from procurement.pool.models import PoolStatus
from procurement.pool.schemas import CommitmentCreate, CommitmentRead, CommitmentUpdate, PoolCreate, PoolRead
from procurement.pool.service import PoolService


class PoolController(Controller):
    path = "/api/v1/pools"
    tags = ["procurement"]

    @post("/", summary="Open a demand pool (a hub coordinator): item, delivery points, window, threshold")
    async def open_pool(self, data: JSONBody[PoolCreate], principal: Caller, db_session: Session) -> PoolRead:
        return await PoolService(db_session).open_pool(principal, data)

    @get("/", summary="Pools of the hubs the caller coordinates or belongs to")
    async def list_pools(
        self,
        principal: Caller,
        db_session: Session,
        hub_id: FromQuery[uuid.UUID | None] = None,
        status: FromQuery[PoolStatus | None] = None,
        page: FromQuery[int] = 1,
        per_page: FromQuery[int] = 20,
    ) -> Page[PoolRead]:
        return await PoolService(db_session).list_pools(principal, hub_id, status, page_params(page, per_page))

    @get("/{pool_id:uuid}", summary="A pool with the running total per delivery point (never who committed)")
    async def read(self, pool_id: FromPath[uuid.UUID], principal: Caller, db_session: Session) -> PoolRead:
        return await PoolService(db_session).read(principal, pool_id)

    @post("/{pool_id:uuid}/close", summary="Close the window now (a coordinator): closed or failed", status_code=200)
    async def close(self, pool_id: FromPath[uuid.UUID], principal: Caller, db_session: Session) -> PoolRead:
        return await PoolService(db_session).close_early(principal, pool_id)

    @post("/{pool_id:uuid}/commitments", summary="Commit a buying organisation to a quantity at a delivery point")
    async def commit(
        self, pool_id: FromPath[uuid.UUID], data: JSONBody[CommitmentCreate], principal: Caller, db_session: Session
    ) -> CommitmentRead:
        return await PoolService(db_session).commit(principal, pool_id, data)

    @get(
        "/{pool_id:uuid}/commitments",
        summary="One buying organisation's commitments (`organization_id`), or all of them (a coordinator)",
    )
    async def commitments(
        self,
        pool_id: FromPath[uuid.UUID],
        principal: Caller,
        db_session: Session,
        organization_id: FromQuery[uuid.UUID | None] = None,
    ) -> list[CommitmentRead]:
        return await PoolService(db_session).all_commitments(principal, pool_id, organization_id)

    @patch("/{pool_id:uuid}/commitments/{commitment_id:uuid}", summary="Change a commitment while the window is open")
    async def change(
        self,
        pool_id: FromPath[uuid.UUID],
        commitment_id: FromPath[uuid.UUID],
        data: JSONBody[CommitmentUpdate],
        principal: Caller,
        db_session: Session,
    ) -> CommitmentRead:
        return await PoolService(db_session).change(principal, pool_id, commitment_id, data)

    @delete(
        "/{pool_id:uuid}/commitments/{commitment_id:uuid}",
        summary="Withdraw a commitment while the window is open",
        status_code=200,
    )
    async def withdraw(
        self, pool_id: FromPath[uuid.UUID], commitment_id: FromPath[uuid.UUID], principal: Caller, db_session: Session
    ) -> CommitmentRead:
        return await PoolService(db_session).withdraw(principal, pool_id, commitment_id)
