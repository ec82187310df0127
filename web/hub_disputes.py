"""A hub's disputes, for its coordinators (`/hubs/{hub_id}/disputes`): those waiting for a decision
first (the oldest first), then those decided (the latest first, with the decision and the refund in
currency units); and a dispute's page, with the order's goods and money, the thread and its evidence
(`disputes/_thread.jinja`, as the buyer and the producer read it), a form to write in the thread,
and the decision: a full refund, a partial one (an amount typed in the reader's way, `12,50` in
Polish) or a rejection, each with the reason both sides read.

Every page starts with `coordinated_hub` (a 404 page for no hub, 403 for anyone but its
coordinators); another hub's dispute, or one the reader may not read, is a 404 page here. The
decision and the messages go through `DisputeService` as `marketplace.dispute.controllers` calls it.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import Forbidden, InvalidInput
from kernel.money import check_price_precision, to_minor
from kernel.numbers import parse_number
from kernel.pagination import page_params
from kernel.validation import convert
from marketplace.api import trading_parties
from marketplace.dispute.models import DisputeOutcome, DisputeStatus
from marketplace.dispute.schemas import DisputeRead, DisputeReply, DisputeResolution
from marketplace.dispute.service import DisputeClosed, DisputeNotFound, DisputeService
from marketplace.hub.schemas import HubRead
from marketplace.order.schemas import OrderRead
from marketplace.order.service import OrderService
from web.dispute_views import REASONS, dispute_state, party_names, side_names
from web.messages import FIELD_MESSAGES, Phrasebook
from web.mine import coordinated_hub
from web.page import Form, Reader, form_values, page, see_other
from web.vat_words import VatShown, order_vat

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
HubId = FromPath[uuid.UUID]
DisputeId = FromPath[uuid.UUID]

#: Decided disputes listed on one page.
PER_PAGE = 20


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


#: The decisions, in words, in the order the form offers them.
OUTCOMES = {
    DisputeOutcome.full_refund: _("Full refund"),
    DisputeOutcome.partial_refund: _("Partial refund"),
    DisputeOutcome.rejected: _("Rejected: no refund"),
}
#: The service's words about the decision's fields, as the form says them.
DECISION_MESSAGES = Phrasebook(
    [
        (
            r"a partial refund is more than 0 and less than the order's total \((?P<total>\d+)\)",
            _("A partial refund is more than zero and less than the order's total of %(total)s."),
        ),
        (
            r"only a partial refund names an amount, not \w+",
            _("Only a partial refund names an amount. Leave the amount empty, or choose a partial refund."),
        ),
        (r"must be an integer|must be a whole number", _("Enter an amount, like 12.50.")),
    ],
    then=FIELD_MESSAGES,
)
_RESOLVED = _("The dispute is already resolved.")
#: The form's names of the service's fields, where they differ.
_DECISION_FIELDS = {"$.refund_minor": "refund", "$.note": "note", "$.outcome": "outcome"}


def _disputes_path(hub_id: uuid.UUID) -> str:
    return f"/hubs/{hub_id}/disputes"


async def _hub_dispute(
    db_session: AsyncSession, principal: Principal, hub: HubRead, dispute_id: uuid.UUID
) -> tuple[DisputeRead, OrderRead]:
    """The dispute and its order, if the order is this hub's (`DisputeNotFound`, a 404 page, else)."""
    dispute = await DisputeService(db_session).read_by_id(principal, dispute_id)
    order = await OrderService(db_session).read(principal, dispute.order_id)
    if order.hub_id != hub.id:
        raise DisputeNotFound("no such dispute in this hub")
    return dispute, order


def _refund_minor(text: str, currency: str, reader: Reader) -> int | str:
    """The amount typed (in the reader's way, in currency units) in minor units, as the service
    reads it; the text itself when it is no number, for the service to name. `InvalidInput` naming
    `refund` for more decimals than the currency has."""
    amount = parse_number(text, reader.formats.locale)
    if amount is None:
        return text
    return to_minor(check_price_precision(amount, currency, "refund"), currency)


async def _vats(db_session: AsyncSession, order: OrderRead, reader: Reader) -> dict[uuid.UUID, VatShown]:
    """The order's VAT as its lines' table says it (the notes cite the law of the seller's country)."""
    sellers = await trading_parties(db_session, order.hub_id, [order.producer_organization_id])
    return {order.id: order_vat(order, sellers[0].country, reader)} if sellers else {}


async def _dispute_page(
    reader: Reader,
    db_session: AsyncSession,
    hub: HubRead,
    dispute: DisputeRead,
    order: OrderRead,
    *,
    decision: Form | None = None,
    message: Form | None = None,
    status_code: int = 200,
) -> Template:
    return page(
        reader,
        "hub/disputes/dispute.jinja",
        status_code=status_code,
        hub=hub,
        dispute=dispute,
        order=order,
        names=await party_names(db_session, order),
        vats=await _vats(db_session, order, reader),
        reason=reader.gettext(REASONS[dispute.reason]),
        party_names=side_names(reader),
        state=dispute_state(reader, dispute, order),
        open=dispute.status is not DisputeStatus.resolved,
        outcomes=[(outcome.value, reader.gettext(said)) for outcome, said in OUTCOMES.items()],
        decision=decision or Form(values={"outcome": ""}),
        message=message or Form(),
    )


class HubDisputePages(Controller):
    path = "/"
    include_in_schema = False

    @get("/hubs/{hub_id:uuid}/disputes", name="hub-disputes")
    async def disputes(
        self,
        hub_id: HubId,
        reader: ThisReader,
        db_session: Session,
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        """The disputes waiting for a decision, the oldest first; then a page of the decided ones."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        disputes = DisputeService(db_session)
        paging = page_params(max(page_number, 1), PER_PAGE)
        decided = await disputes.decided_in_hub(principal, hub.id, paging)
        return page(
            reader,
            "hub/disputes/list.jinja",
            hub=hub,
            waiting=await disputes.waiting_in_hub(principal, hub.id),
            decided=decided.items,
            decided_total=decided.total,
            reasons={reason.value: reader.gettext(said) for reason, said in REASONS.items()},
            outcomes={outcome.value: reader.gettext(said) for outcome, said in OUTCOMES.items()},
            page_number=paging.page,
            pages=max(1, -(-decided.total // PER_PAGE)),
        )

    @get("/hubs/{hub_id:uuid}/disputes/{dispute_id:uuid}", name="hub-dispute")
    async def dispute(self, hub_id: HubId, dispute_id: DisputeId, reader: ThisReader, db_session: Session) -> Template:
        """The order's goods and money, the thread with its evidence, and the forms to write and decide."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        dispute, order = await _hub_dispute(db_session, principal, hub, dispute_id)
        return await _dispute_page(reader, db_session, hub, dispute, order)

    @post("/hubs/{hub_id:uuid}/disputes/{dispute_id:uuid}/decision")
    async def decide(
        self,
        request: Request[Any, Any, Any],
        hub_id: HubId,
        dispute_id: DisputeId,
        reader: ThisReader,
        db_session: Session,
    ) -> Template | Redirect:
        """Resolve the dispute: the order is completed with the refund credited (see `DisputeService.resolve`)."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        dispute, order = await _hub_dispute(db_session, principal, hub, dispute_id)
        values = await form_values(request)
        form = Form(values=values)
        currency = order.total.currency
        say = {"total": lambda minor: reader.formats.money(int(minor), currency)}
        try:
            body: dict[str, Any] = {"outcome": values.get("outcome", ""), "note": values.get("note", "")}
            if values.get("refund"):
                body["refund_minor"] = _refund_minor(values["refund"], currency, reader)
            # A field left empty is missing ("fill this in"), not a reason of no letters.
            data = convert({key: value for key, value in body.items() if value != ""}, DisputeResolution, strict=False)
            await DisputeService(db_session).resolve(principal, dispute.order_id, data)
        except InvalidInput as error:
            form.note(error, reader, _DECISION_FIELDS, lambda said: DECISION_MESSAGES.say(said, reader.gettext, say))
            return await _dispute_page(reader, db_session, hub, dispute, order, decision=form, status_code=422)
        except DisputeClosed as error:
            # Decided meanwhile (by another coordinator): the page shows the decision, not the form.
            form.problem = reader.gettext(_RESOLVED)
            dispute, order = await _hub_dispute(db_session, principal, hub, dispute_id)
            return await _dispute_page(reader, db_session, hub, dispute, order, decision=form, status_code=error.status)
        return see_other(f"{_disputes_path(hub.id)}/{dispute_id}", notice="dispute-resolved")

    @post("/hubs/{hub_id:uuid}/disputes/{dispute_id:uuid}/messages")
    async def write(
        self,
        request: Request[Any, Any, Any],
        hub_id: HubId,
        dispute_id: DisputeId,
        reader: ThisReader,
        db_session: Session,
    ) -> Template | Redirect:
        """A coordinator's message in the thread (both sides are told)."""
        principal = reader.require()
        hub = await coordinated_hub(db_session, principal, hub_id)
        dispute, order = await _hub_dispute(db_session, principal, hub, dispute_id)
        values = await form_values(request)
        form = Form(values=values)
        evidence = [line.strip() for line in values.get("evidence_urls", "").splitlines() if line.strip()]
        try:
            fields = {"message": values.get("message"), "evidence_urls": evidence}
            data = convert({key: value for key, value in fields.items() if value}, DisputeReply)
            await DisputeService(db_session).reply(principal, dispute.order_id, data)
        except InvalidInput as error:
            form.note(error, reader, {f"$.evidence_urls[{i}]": "evidence_urls" for i in range(len(evidence))})
            return await _dispute_page(reader, db_session, hub, dispute, order, message=form, status_code=422)
        except (DisputeClosed, Forbidden) as error:
            form.problem = (
                reader.gettext(_RESOLVED) if isinstance(error, DisputeClosed) else reader.gettext(error.detail)
            )
            dispute, order = await _hub_dispute(db_session, principal, hub, dispute_id)
            return await _dispute_page(reader, db_session, hub, dispute, order, message=form, status_code=error.status)
        return see_other(f"{_disputes_path(hub.id)}/{dispute_id}", notice="dispute-message-sent")
