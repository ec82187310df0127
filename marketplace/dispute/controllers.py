"""HTTP endpoints of disputes (one per order, under the order)."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody

from kernel.web import Caller, Session
from marketplace.dispute.schemas import DisputeOpen, DisputeRead, DisputeReply, DisputeResolution
from marketplace.dispute.service import DisputeService


def provide_dispute_service(db_session: Session) -> DisputeService:
    return DisputeService(db_session)


Disputes = NamedDependency[DisputeService]


class DisputeController(Controller):
    path = "/api/v1/orders/{order_id:uuid}/dispute"
    tags = ["orders"]
    dependencies = {"dispute_service": Provide(provide_dispute_service, sync_to_thread=False)}

    @post("/", summary="Contest a delivered order (the buyer): reason, message, evidence links")
    async def open_dispute(
        self, order_id: FromPath[uuid.UUID], data: JSONBody[DisputeOpen], principal: Caller, dispute_service: Disputes
    ) -> DisputeRead:
        return await dispute_service.open(principal, order_id, data)

    @get("/", summary="The order's dispute and its messages (its buyer, producer and hub coordinators)")
    async def read(self, order_id: FromPath[uuid.UUID], principal: Caller, dispute_service: Disputes) -> DisputeRead:
        return await dispute_service.read(principal, order_id)

    @post("/messages", summary="Answer or add evidence (either side, or a coordinator)")
    async def reply(
        self, order_id: FromPath[uuid.UUID], data: JSONBody[DisputeReply], principal: Caller, dispute_service: Disputes
    ) -> DisputeRead:
        return await dispute_service.reply(principal, order_id, data)

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
        dispute_service: Disputes,
    ) -> DisputeRead:
        return await dispute_service.resolve(principal, order_id, data)
