"""Disputes over delivered orders: the buyer opens one (`/orders/<id>/dispute`: the reason, a message
and links to evidence); then both sides and the hub's coordinators write in its thread
(`/disputes/<id>`, where the messages about it lead) until a coordinator decides."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import DomainError, Forbidden, InvalidInput
from kernel.validation import convert
from marketplace.dispute.models import DisputeStatus
from marketplace.dispute.schemas import DisputeOpen, DisputeRead, DisputeReply
from marketplace.dispute.service import DisputeClosed, DisputeExists, DisputeNotFound, DisputeService
from marketplace.order.schemas import OrderRead
from marketplace.order.service import NotYourMove, OrderService, TransitionNotAllowed
from web.dispute_views import REASONS, dispute_state, party_names, side_names
from web.page import Form, Reader, page, see_other

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: The page's sentence for a refusal of the service, by its kind (the services' words are English).
_NOT_DELIVERED = _("Only a delivered order can be disputed, and only before it is completed.")
_NOT_THE_BUYER = _("Only the buyer of an order opens a dispute about it.")
_RESOLVED = _("The dispute is resolved; it takes no more messages.")


class DisputePages(Controller):
    path = "/"
    include_in_schema = False

    @get("/orders/{order_id:uuid}/dispute")
    async def open_form(
        self, order_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        principal = reader.require()
        existing = await _existing(db_session, principal, order_id)
        if existing is not None:
            return see_other(f"/disputes/{existing.id}")
        order = await OrderService(db_session).read(principal, order_id)
        return await _open_page(reader, db_session, order, Form())

    @post("/orders/{order_id:uuid}/dispute")
    async def open_dispute(
        self, request: Request[Any, Any, Any], order_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        principal = reader.require()
        values, evidence = await _posted(request)
        form = Form(values=values)
        disputes = DisputeService(db_session)
        try:
            fields = {"reason": values.get("reason"), "message": values.get("message"), "evidence_urls": evidence}
            # A field left empty is missing ("fill this in"), not a reason or message of no letters.
            data = convert({key: value for key, value in fields.items() if value}, DisputeOpen)
            opened = await disputes.open(principal, order_id, data)
        except InvalidInput as error:
            form.note(error, reader, _evidence_fields(evidence))
            order = await OrderService(db_session).read(principal, order_id)
            return await _open_page(reader, db_session, order, form, status_code=422)
        except DisputeExists:
            existing = await disputes.read(principal, order_id)
            return see_other(f"/disputes/{existing.id}")
        except (TransitionNotAllowed, Forbidden) as error:
            form.problem = _refusal(reader, error)
            order = await OrderService(db_session).read(principal, order_id)
            return await _open_page(reader, db_session, order, form, status_code=error.status)
        return see_other(f"/disputes/{opened.id}", notice="dispute-opened")

    @get("/disputes/{dispute_id:uuid}")
    async def dispute(self, dispute_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session) -> Template:
        principal = reader.require()
        dispute = await DisputeService(db_session).read_by_id(principal, dispute_id)
        return await _thread_page(reader, db_session, principal, dispute, Form())

    @post("/disputes/{dispute_id:uuid}/messages")
    async def reply(
        self,
        request: Request[Any, Any, Any],
        dispute_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
    ) -> Template | Redirect:
        principal = reader.require()
        disputes = DisputeService(db_session)
        dispute = await disputes.read_by_id(principal, dispute_id)
        values, evidence = await _posted(request)
        form = Form(values=values)
        try:
            fields = {"message": values.get("message"), "evidence_urls": evidence}
            data = convert({key: value for key, value in fields.items() if value}, DisputeReply)
            await disputes.reply(principal, dispute.order_id, data)
        except InvalidInput as error:
            form.note(error, reader, _evidence_fields(evidence))
            return await _thread_page(reader, db_session, principal, dispute, form, status_code=422)
        except DisputeClosed as error:
            form.problem = reader.gettext(_RESOLVED)
            return await _thread_page(reader, db_session, principal, dispute, form, status_code=error.status)
        except Forbidden as error:
            form.problem = reader.gettext(error.detail)
            return await _thread_page(reader, db_session, principal, dispute, form, status_code=error.status)
        return see_other(f"/disputes/{dispute_id}", notice="dispute-message-sent")


def _refusal(reader: Reader, error: DomainError) -> str:
    """Why the service would not open the dispute, in the reader's language."""
    if isinstance(error, TransitionNotAllowed):
        return reader.gettext(_NOT_DELIVERED)
    if isinstance(error, NotYourMove):
        return reader.gettext(_NOT_THE_BUYER)
    return reader.gettext(error.detail)


async def _existing(db_session: AsyncSession, principal: Principal, order_id: uuid.UUID) -> DisputeRead | None:
    """The order's dispute, if it has one (`OrderNotFound`, a 404 page, when the order is not the reader's)."""
    try:
        return await DisputeService(db_session).read(principal, order_id)
    except DisputeNotFound:
        return None


async def _posted(request: Request[Any, Any, Any]) -> tuple[dict[str, str], list[str]]:
    """The form's fields, and its evidence links (one a line), as typed."""
    form = await request.form()
    values = {key: str(value).strip() for key, value in form.items() if key != "_csrf_token"}
    evidence = [line.strip() for line in values.get("evidence_urls", "").splitlines() if line.strip()]
    return values, evidence


def _evidence_fields(evidence: list[str]) -> dict[str, str]:
    """Each evidence link's problem belongs to the one field all the links are typed in."""
    return {f"$.evidence_urls[{i}]": "evidence_urls" for i in range(len(evidence))}


async def _open_page(
    reader: Reader, db_session: AsyncSession, order: OrderRead, form: Form, *, status_code: int = 200
) -> Template:
    return page(
        reader,
        "disputes/open.jinja",
        status_code=status_code,
        order=order,
        names=await party_names(db_session, order),
        form=form,
        reasons=[(reason.value, reader.gettext(said)) for reason, said in REASONS.items()],
    )


async def _thread_page(
    reader: Reader,
    db_session: AsyncSession,
    principal: Principal,
    dispute: DisputeRead,
    form: Form,
    *,
    status_code: int = 200,
) -> Template:
    order = await OrderService(db_session).read(principal, dispute.order_id)
    return page(
        reader,
        "disputes/dispute.jinja",
        status_code=status_code,
        dispute=dispute,
        order=order,
        names=await party_names(db_session, order),
        reason=reader.gettext(REASONS[dispute.reason]),
        party_names=side_names(reader),
        state=dispute_state(reader, dispute, order),
        open=dispute.status is not DisputeStatus.resolved,
        form=form,
    )
