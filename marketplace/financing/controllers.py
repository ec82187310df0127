"""HTTP endpoints of working capital: consortia and their books, and advances against confirmed orders."""

from __future__ import annotations

import uuid
from typing import Any

import anyio.to_thread
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, JSONBody

from kernel import clock
from kernel.errors import InvalidInput, NotFound
from kernel.openapi import answers_in
from kernel.pagination import Page
from kernel.web import Caller, IdempotencyKeyHeader, Paging, Session, idempotent
from marketplace.dashboard.charts import MEDIA_TYPES, ImageFormat
from marketplace.dashboard.controllers import CSV, First, Format, Last, OutputFormat
from marketplace.dashboard.service import period_of
from marketplace.financing.charts import render_flows
from marketplace.financing.models import AdvanceStatus
from marketplace.financing.schemas import (
    AdvanceAsk,
    AdvanceDecide,
    AdvanceOffer,
    AdvanceRead,
    BooksRead,
    Commitment,
    ConsortiumCreate,
    ConsortiumRead,
    MoneyMoved,
    MoneyReceived,
    PortfolioReport,
    PublicPortfolio,
    Withdrawal,
)
from marketplace.financing.service import FinancingService
from marketplace.financing.tables import ReportTable, to_csv


def provide_financing_service(db_session: Session) -> FinancingService:
    return FinancingService(db_session)


Financing = NamedDependency[FinancingService]
DEPENDENCIES = {"financing_service": Provide(provide_financing_service, sync_to_thread=False)}
AnyRequest = Request[Any, Any, Any]


class ConsortiumController(Controller):
    path = "/api/v1/consortia"
    tags = ["working capital"]
    dependencies = DEPENDENCIES

    @post("/", summary="Set up a microfinance consortium for hubs the caller coordinates", status_code=201)
    async def create(
        self, data: JSONBody[ConsortiumCreate], principal: Caller, financing_service: Financing
    ) -> ConsortiumRead:
        return await financing_service.create_consortium(principal, data)

    @get("/mine", summary="The consortia the caller is an officer of")
    async def mine(self, principal: Caller, financing_service: Financing) -> list[ConsortiumRead]:
        return await financing_service.my_consortia(principal)

    @get(
        "/{consortium_id:uuid}",
        summary="A consortium: its rules, funders and officers (its officers and hubs' coordinators)",
    )
    async def read(
        self, consortium_id: FromPath[uuid.UUID], principal: Caller, financing_service: Financing
    ) -> ConsortiumRead:
        return await financing_service.read_consortium(principal, consortium_id)

    @post(
        "/{consortium_id:uuid}/commitments",
        summary="Record a funder's capital or guarantee money (an officer)",
        status_code=201,
    )
    async def commit(
        self,
        request: AnyRequest,
        consortium_id: FromPath[uuid.UUID],
        data: JSONBody[Commitment],
        principal: Caller,
        db_session: Session,
        financing_service: Financing,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[BooksRead]:
        return await idempotent(
            request,
            db_session,
            principal,
            idempotency_key,
            data,
            BooksRead,
            lambda: financing_service.commit(principal, consortium_id, data),
            status_code=201,
        )

    @get(
        "/{consortium_id:uuid}/books",
        summary="The consortium's balances in one currency, per funder and account (its officers)",
    )
    async def books(
        self,
        consortium_id: FromPath[uuid.UUID],
        currency: FromQuery[str],
        principal: Caller,
        financing_service: Financing,
    ) -> BooksRead:
        return await financing_service.books(principal, consortium_id, currency)

    @get(
        "/{consortium_id:uuid}/report",
        summary="The consortium's report: flows, portfolio at risk, exposures, funders (officers; JSON or CSV)",
        operation_class=answers_in(CSV),
    )
    async def report(
        self,
        consortium_id: FromPath[uuid.UUID],
        principal: Caller,
        financing_service: Financing,
        first_day: First = None,
        last_day: Last = None,
        output: Format = OutputFormat.json,
        table: FromQuery[ReportTable | None] = None,
    ) -> PortfolioReport | Response[bytes]:
        period = period_of(first_day, last_day, clock.today())
        found = await financing_service.report(principal, consortium_id, period)
        if output is not OutputFormat.csv:
            return found
        if table is None:
            choices = ", ".join(t.value for t in ReportTable)
            raise InvalidInput.query("table", f"CSV holds one table: choose one of {choices}")
        filename = f"consortium-{found.consortium_id}-{table.value}-{found.first_day}-{found.last_day}.csv"
        return Response(
            to_csv(found, table).encode(),
            media_type=CSV,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    @get(
        "/{consortium_id:uuid}/report/charts/{chart:str}",
        summary="The report's chart: paid out, repaid, written off by month in one currency (.svg, .png; officers)",
        media_type=MEDIA_TYPES[ImageFormat.svg],
        operation_class=answers_in(MEDIA_TYPES[ImageFormat.png], binary=True),
    )
    async def flows_chart(
        self,
        consortium_id: FromPath[uuid.UUID],
        chart: FromPath[str],
        currency: FromQuery[str],
        principal: Caller,
        financing_service: Financing,
        first_day: First = None,
        last_day: Last = None,
    ) -> Response[bytes]:
        name, _, image_format = chart.rpartition(".")
        if name != "flows" or image_format not in set(ImageFormat):
            raise NotFound(f"no chart {chart!r}: there are flows.svg and flows.png")
        period = period_of(first_day, last_day, clock.today())
        found = await financing_service.report(principal, consortium_id, period)
        kind = ImageFormat(image_format)
        image = await anyio.to_thread.run_sync(render_flows, found, currency.upper(), kind)
        return Response(image, media_type=MEDIA_TYPES[kind])

    @get(
        "/{consortium_id:uuid}/open-data",
        summary="A calendar year of the consortium's lending per currency, small groups suppressed (no login)",
    )
    async def open_data(
        self, consortium_id: FromPath[uuid.UUID], financing_service: Financing, year: FromQuery[int | None] = None
    ) -> PublicPortfolio:
        return await financing_service.open_data(consortium_id, year)

    @get(
        "/{consortium_id:uuid}/advances",
        summary="The officers' queue: advances by status (default: to decide or pay out)",
    )
    async def queue(
        self,
        consortium_id: FromPath[uuid.UUID],
        principal: Caller,
        financing_service: Financing,
        status: FromQuery[list[AdvanceStatus] | None] = None,
        *,
        paging: Paging,
    ) -> Page[AdvanceRead]:
        return await financing_service.queue(principal, consortium_id, status or [], paging)


class AdvanceController(Controller):
    path = "/api/v1/advances"
    tags = ["working capital"]
    dependencies = DEPENDENCIES

    @get(
        "/offer",
        summary="What the hub's consortium may advance against an order today, and why not (its producer's admins)",
        opt={"problems": (404,)},  # the order, or its hub's consortium
    )
    async def offer(
        self, order_id: FromQuery[uuid.UUID], principal: Caller, financing_service: Financing
    ) -> AdvanceOffer:
        return await financing_service.offer(principal, order_id)

    @post(
        "/",
        summary="Ask for an advance against a confirmed order paid by invoice (its producer's admins)",
        status_code=201,
    )
    async def ask(
        self,
        request: AnyRequest,
        data: JSONBody[AdvanceAsk],
        principal: Caller,
        db_session: Session,
        financing_service: Financing,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[AdvanceRead]:
        return await idempotent(
            request,
            db_session,
            principal,
            idempotency_key,
            data,
            AdvanceRead,
            lambda: financing_service.ask(principal, data),
            status_code=201,
        )

    @get("/{advance_id:uuid}", summary="An advance (its consortium's officers and its producer's admins)")
    async def read(
        self, advance_id: FromPath[uuid.UUID], principal: Caller, financing_service: Financing
    ) -> AdvanceRead:
        return await financing_service.read(principal, advance_id)

    @post(
        "/{advance_id:uuid}/withdraw",
        summary="Withdraw a request not yet paid out (the producer's admins)",
        status_code=200,
    )
    async def withdraw(
        self,
        advance_id: FromPath[uuid.UUID],
        data: JSONBody[Withdrawal],
        principal: Caller,
        financing_service: Financing,
    ) -> AdvanceRead:
        return await financing_service.withdraw(principal, advance_id, data)

    @post("/{advance_id:uuid}/decisions", summary="Approve or decline, with the reason (an officer)", status_code=200)
    async def decide(
        self,
        advance_id: FromPath[uuid.UUID],
        data: JSONBody[AdvanceDecide],
        principal: Caller,
        financing_service: Financing,
    ) -> AdvanceRead:
        return await financing_service.decide(principal, advance_id, data)

    @post(
        "/{advance_id:uuid}/disbursement",
        summary="Confirm the bank transfer paying the advance out (an officer)",
        status_code=200,
    )
    async def disburse(
        self,
        request: AnyRequest,
        advance_id: FromPath[uuid.UUID],
        data: JSONBody[MoneyMoved],
        principal: Caller,
        db_session: Session,
        financing_service: Financing,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[AdvanceRead]:
        return await idempotent(
            request,
            db_session,
            principal,
            idempotency_key,
            data,
            AdvanceRead,
            lambda: financing_service.disburse(principal, advance_id, data),
        )

    @post(
        "/{advance_id:uuid}/buyer-payments",
        summary="Record the buyer's payment on the collection account (an officer)",
        status_code=200,
    )
    async def buyer_payment(
        self,
        request: AnyRequest,
        advance_id: FromPath[uuid.UUID],
        data: JSONBody[MoneyReceived],
        principal: Caller,
        db_session: Session,
        financing_service: Financing,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[AdvanceRead]:
        return await idempotent(
            request,
            db_session,
            principal,
            idempotency_key,
            data,
            AdvanceRead,
            lambda: financing_service.record_buyer_payment(principal, advance_id, data),
        )

    @post("/{advance_id:uuid}/repayments", summary="Record the producer's repayment (an officer)", status_code=200)
    async def repayment(
        self,
        request: AnyRequest,
        advance_id: FromPath[uuid.UUID],
        data: JSONBody[MoneyReceived],
        principal: Caller,
        db_session: Session,
        financing_service: Financing,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[AdvanceRead]:
        return await idempotent(
            request,
            db_session,
            principal,
            idempotency_key,
            data,
            AdvanceRead,
            lambda: financing_service.record_repayment(principal, advance_id, data),
        )

    @post(
        "/{advance_id:uuid}/remittance",
        summary="Confirm the transfer of the rest of the buyer's payment to the producer (an officer)",
        status_code=200,
    )
    async def remit(
        self,
        request: AnyRequest,
        advance_id: FromPath[uuid.UUID],
        data: JSONBody[MoneyMoved],
        principal: Caller,
        db_session: Session,
        financing_service: Financing,
        idempotency_key: IdempotencyKeyHeader = None,
    ) -> Response[AdvanceRead]:
        return await idempotent(
            request,
            db_session,
            principal,
            idempotency_key,
            data,
            AdvanceRead,
            lambda: financing_service.remit(principal, advance_id, data),
        )


class OrganizationAdvanceController(Controller):
    path = "/api/v1/organizations/{organization_id:uuid}/advances"
    tags = ["working capital"]
    dependencies = DEPENDENCIES

    @get("/", summary="The producer's advances (its admins)")
    async def list_advances(
        self, organization_id: FromPath[uuid.UUID], principal: Caller, financing_service: Financing, *, paging: Paging
    ) -> Page[AdvanceRead]:
        return await financing_service.of_producer(principal, organization_id, paging)
