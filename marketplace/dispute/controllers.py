"""HTTP endpoints of disputes (one per order, under the order)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from kernel.web import Caller, Session
from marketplace.dispute.schemas import DisputeOpen, DisputeRead, DisputeReply, DisputeResolution
from marketplace.dispute.service import DisputeService


class DisputeController(Controller):
    path = "/api/v1/orders/{order_id:uuid}/dispute"
    tags = ["orders"]

    @post("/", summary="Contest a delivered order (the buyer): reason, message, evidence links")
    async def open_dispute(
        self, order_id: FromPath[uuid.UUID], data: JSONBody[DisputeOpen], principal: Caller, db_session: Session
    ) -> DisputeRead:
        return await DisputeService(db_session).open(principal, order_id, data)

    @get("/", summary="The order's dispute and its messages (its buyer, producer and hub coordinators)")
    async def read(self, order_id: FromPath[uuid.UUID], principal: Caller, db_session: Session) -> DisputeRead:
        return await DisputeService(db_session).read(principal, order_id)

    @post("/messages", summary="Answer or add evidence (either side, or a coordinator)")
    async def reply(
        self, order_id: FromPath[uuid.UUID], data: JSONBody[DisputeReply], principal: Caller, db_session: Session
    ) -> DisputeRead:
        return await DisputeService(db_session).reply(principal, order_id, data)

    @post(
        "/resolve",
        summary="Decide (a coordinator of the order's hub): full or partial refund, or rejection",
        status_code=200,
    )
    async def resolve(
        self,
        order_id: FromPath[uuid.UUID],
        data: JSONBody[DisputeResolution],
        principal: Caller,
        db_session: Session,
    ) -> DisputeRead:
        return await DisputeService(db_session).resolve(principal, order_id, data)
