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
from marketplace.api import trading_parties
from marketplace.dispute.models import DisputeOutcome, DisputeReason, DisputeStatus
from marketplace.dispute.schemas import DisputeOpen, DisputeRead, DisputeReply
from marketplace.dispute.service import DisputeClosed, DisputeExists, DisputeNotFound, DisputeService
from marketplace.order.models import Party
from marketplace.order.schemas import OrderRead
from marketplace.order.service import NotYourMove, OrderService, TransitionNotAllowed
from web.page import Form, Reader, page, see_other

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


REASONS = {
    DisputeReason.damaged: _("The goods arrived damaged"),
    DisputeReason.wrong_goods: _("Other goods than ordered arrived"),
    DisputeReason.short_quantity: _("Less arrived than ordered"),
    DisputeReason.quality: _("The quality is not as described"),
    DisputeReason.late: _("The goods arrived too late"),
    DisputeReason.other: _("Something else"),
}
PARTIES = {
    Party.buyer: _("Buyer"),
    Party.producer: _("Producer"),
    Party.coordinator: _("Hub coordinator"),
}
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


async def _names(db_session: AsyncSession, order: OrderRead) -> dict[str, str]:
    """The buyer's and the producer's names, by side."""
    parties = await trading_parties(
        db_session, order.hub_id, sorted({order.buyer_organization_id, order.producer_organization_id})
    )
    by_id = {party.organization_id: party.name for party in parties}
    return {
        Party.buyer.value: by_id.get(order.buyer_organization_id, ""),
        Party.producer.value: by_id.get(order.producer_organization_id, ""),
    }


async def _open_page(
    reader: Reader, db_session: AsyncSession, order: OrderRead, form: Form, *, status_code: int = 200
) -> Template:
    return page(
        reader,
        "disputes/open.jinja",
        status_code=status_code,
        order=order,
        names=await _names(db_session, order),
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
        names=await _names(db_session, order),
        reason=reader.gettext(REASONS[dispute.reason]),
        party_names={party.value: reader.gettext(said) for party, said in PARTIES.items()},
        state=_state(reader, dispute, order),
        open=dispute.status is not DisputeStatus.resolved,
        form=form,
    )


def _state(reader: Reader, dispute: DisputeRead, order: OrderRead) -> str:
    """Where the dispute stands, in a sentence."""
    f = reader.formats
    if dispute.status is DisputeStatus.open:
        return reader.gettext("Open: waiting for the producer's answer.")
    if dispute.status is DisputeStatus.answered:
        return reader.gettext("Answered by the producer: waiting for the decision of the hub's coordinators.")
    decided = {"date": f.datetime(dispute.resolved_at) if dispute.resolved_at else ""}
    refund = dispute.refund.amount_minor if dispute.refund else 0
    currency = dispute.refund.currency if dispute.refund else order.total.currency
    if dispute.outcome is DisputeOutcome.full_refund:
        return reader.gettext("Resolved on %(date)s: the full amount of %(amount)s is refunded.") % {
            **decided,
            "amount": f.money(refund, currency),
        }
    if dispute.outcome is DisputeOutcome.partial_refund:
        return reader.gettext("Resolved on %(date)s: %(amount)s of %(total)s is refunded.") % {
            **decided,
            "amount": f.money(refund, currency),
            "total": f.money(order.total.amount_minor, order.total.currency),
        }
    return reader.gettext("Resolved on %(date)s: the dispute is rejected and nothing is refunded.") % decided
