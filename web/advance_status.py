"""An advance's page (`/advances/<id>`), for its producer's admins and its consortium's officers: where
it stands, its figures (the advance, the fee, what is still owed, repaid, written off, what the
buyer's payment left for the producer and what was passed on), the officers' decisions with their
names and reasons, the instalments the producer repays by, the journal's entries and where the buyer
pays. And each move the advance's state allows, as a form: the producer withdraws a request not yet
decided; an officer approves or declines (saying why), confirms the payout, records the buyer's payment or
the producer's repayment (amounts in currency units, the reader's way) and the transfer passing the
rest on to the producer.

Every rule is `FinancingService`'s, called as the JSON API calls it (a 404 page for anyone else; a
refused move shows the page again saying why, and leaves nothing behind). A money move's form carries
a key of its own (`once`), so that a form sent twice (a double click, a reload) records the money once,
as the API's `Idempotency-Key` does.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import DomainError, InvalidInput, NotFound
from kernel.idempotency import fingerprint, run_once
from kernel.validation import convert
from marketplace.financing.models import OWING, AdvanceStatus
from marketplace.financing.schemas import AdvanceDecide, AdvanceRead, MoneyMoved, MoneyReceived, Withdrawal
from marketplace.financing.service import FinancingService
from marketplace.order.service import OrderService
from marketplace.organization.models import Role
from marketplace.organization.service import EmailUnverified
from web.advance_views import ENTRY_WORDS, iban_groups, organization_names, reason_words, say, status_words, typed_minor
from web.mine import my_memberships
from web.page import Form, Reader, form_values, page, see_other
from web.words import UNVERIFIED

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
AdvanceId = FromPath[uuid.UUID]
#: The service's money moves of an officer, each as the page's form calls it.
MoneyMove = Callable[[FinancingService, Principal, uuid.UUID, Any], Awaitable[AdvanceRead]]


@dataclass(frozen=True)
class Move:
    """One form of the page: its service call, its fields (the form's name of each of the service's)
    and the notice once made."""

    body: type[msgspec.Struct]
    fields: dict[str, str]
    notice: str
    money: bool = False
    """Money typed in (`<move>_amount`, in currency units), sent in minor units."""


MOVES: dict[str, tuple[Move, MoneyMove]] = {
    "payout": (
        Move(MoneyMoved, {"$.reference": "payout_reference", "$.on": "payout_on"}, "advance-disbursed"),
        lambda service, principal, advance_id, data: service.disburse(principal, advance_id, data),
    ),
    "payment": (
        Move(
            MoneyReceived,
            {"$.amount_minor": "payment_amount", "$.reference": "payment_reference", "$.on": "payment_on"},
            "advance-buyer-paid",
            money=True,
        ),
        lambda service, principal, advance_id, data: service.record_buyer_payment(principal, advance_id, data),
    ),
    "repayment": (
        Move(
            MoneyReceived,
            {"$.amount_minor": "repayment_amount", "$.reference": "repayment_reference", "$.on": "repayment_on"},
            "advance-producer-repaid",
            money=True,
        ),
        lambda service, principal, advance_id, data: service.record_repayment(principal, advance_id, data),
    ),
    "remittance": (
        Move(MoneyMoved, {"$.reference": "remittance_reference", "$.on": "remittance_on"}, "advance-remitted"),
        lambda service, principal, advance_id, data: service.remit(principal, advance_id, data),
    ),
}
_DECISION_FIELDS = {"$.approve": "decision", "$.reason": "decision_reason"}
_WITHDRAW_FIELDS = {"$.reason": "withdraw_reason"}
FORMS = ("decision", "withdraw", *MOVES)


def _advance_path(advance_id: uuid.UUID) -> str:
    return f"/advances/{advance_id}"


def _refused(form: Form, error: DomainError, reader: Reader, currency: str, fields: dict[str, str]) -> None:
    """The service's refusal on the form: each bad field beside it, else what is wrong as a whole."""
    if isinstance(error, InvalidInput):
        form.note(error, reader, fields, lambda said: say(said, reader, currency))
    elif isinstance(error, EmailUnverified):
        form.problem = reader.gettext(UNVERIFIED)
    else:
        form.problem = say(error.detail, reader, currency)


def _once() -> str:
    """A fresh key for a money move's form: the move is recorded once however often the form is sent."""
    return uuid.uuid4().hex


async def _status_page(
    reader: Reader,
    db_session: AsyncSession,
    principal: Principal,
    advance_id: uuid.UUID,
    forms: dict[str, Form] | None = None,
    *,
    status_code: int = 200,
) -> Template:
    financing = FinancingService(db_session)
    advance = await financing.read(principal, advance_id)  # its producer's admins and its officers; 404 else
    officer = advance.consortium_id in reader.consortia
    consortium = await financing.read_consortium(principal, advance.consortium_id) if officer else None
    producer_admin = any(
        organization.id == advance.producer_organization_id and organization.role.at_least(Role.admin)
        for organization in await my_memberships(db_session, principal)
    )
    if consortium is not None:
        hub_id = consortium.hub_ids[0] if consortium.hub_ids else None
    else:  # the producer's admin: a party of the order
        hub_id = (await OrderService(db_session).read(principal, advance.order_id)).hub_id
    names = await organization_names(db_session, hub_id, [advance])
    threshold = next(
        (
            terms.second_approval_above
            for terms in (consortium.currencies if consortium else [])
            if terms.currency == advance.principal.currency
        ),
        None,
    )
    approvals = [decision for decision in advance.decisions if decision.approve]
    mine = next((decision for decision in advance.decisions if decision.officer_id == principal.user_id), None)
    status = advance.status
    may = {
        "decision": officer and status is AdvanceStatus.requested and mine is None,
        "withdraw": producer_admin and status is AdvanceStatus.requested,
        "payout": officer and status is AdvanceStatus.approved,
        # A buyer may still pay after the producer repaid (a credited invoice paid late): then it is owed on.
        "payment": officer and (status in OWING or status is AdvanceStatus.repaid),
        "repayment": officer and status in OWING,
        "remittance": officer and advance.owed_to_producer.amount_minor > 0,
    }
    forms = {key: (forms or {}).get(key) or Form() for key in FORMS}
    return page(
        reader,
        "advances/advance.jinja",
        status_code=status_code,
        advance=advance,
        status=status_words(status, reader),
        reason=reason_words(advance.reason, reader),
        producer=names.get(advance.producer_organization_id, ""),
        buyer=names.get(advance.buyer_organization_id, ""),
        officer=officer,
        producer_admin=producer_admin,
        threshold=threshold,
        approvals=approvals,
        mine=mine,
        iban=iban_groups(advance.pay_to_iban),
        entries=[(entry, reader.gettext(ENTRY_WORDS[entry.kind])) for entry in advance.entries],
        may=may,
        forms=forms,
        # A form refused because the advance moved on meanwhile is no longer offered: its problem is said at the top.
        refused=[form for key, form in forms.items() if not may[key] and (form.problem or form.errors)],
        once=_once(),
    )


class AdvanceStatusPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/advances/{advance_id:uuid}", name="advance")
    async def advance(self, advance_id: AdvanceId, reader: ThisReader, db_session: Session) -> Template:
        principal = reader.require()
        return await _status_page(reader, db_session, principal, advance_id)

    @post("/advances/{advance_id:uuid}/withdraw")
    async def withdraw(
        self, request: Request[Any, Any, Any], advance_id: AdvanceId, reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        """The producer's admin withdraws a request not yet paid out, saying why."""
        principal = reader.require()
        financing = FinancingService(db_session)
        advance = await financing.read(principal, advance_id)
        values = await form_values(request)
        form = Form(values=values)
        try:
            reason = values.get("withdraw_reason", "")
            data = convert({"reason": reason} if reason else {}, Withdrawal)
            async with db_session.begin_nested():  # a refusal answered with a page keeps nothing
                await financing.withdraw(principal, advance_id, data)
        except NotFound:
            raise
        except DomainError as error:
            _refused(form, error, reader, advance.principal.currency, _WITHDRAW_FIELDS)
            return await _status_page(
                reader, db_session, principal, advance_id, {"withdraw": form}, status_code=error.status
            )
        return see_other(_advance_path(advance_id), notice="advance-withdrawn")

    @post("/advances/{advance_id:uuid}/decision")
    async def decide(
        self, request: Request[Any, Any, Any], advance_id: AdvanceId, reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        """An officer approves or declines (the button pressed), saying why."""
        principal = reader.require()
        financing = FinancingService(db_session)
        advance = await financing.read(principal, advance_id)
        values = await form_values(request)
        form = Form(values=values)
        choice = {"approve": True, "decline": False}.get(values.get("decision", ""))
        try:
            body = {"approve": choice, "reason": values.get("decision_reason", "")}
            # A field left empty is missing ("fill this in"), not a reason of no letters.
            data = convert({key: value for key, value in body.items() if value not in ("", None)}, AdvanceDecide)
            async with db_session.begin_nested():
                decided = await financing.decide(principal, advance_id, data)
        except NotFound:
            raise
        except DomainError as error:
            _refused(form, error, reader, advance.principal.currency, _DECISION_FIELDS)
            return await _status_page(
                reader, db_session, principal, advance_id, {"decision": form}, status_code=error.status
            )
        if not data.approve:
            notice = "advance-declined"
        elif decided.status is AdvanceStatus.approved:
            notice = "advance-approved"
        else:
            notice = "advance-first-approval"
        return see_other(_advance_path(advance_id), notice=notice)

    @post([f"/advances/{{advance_id:uuid}}/{key}" for key in MOVES])
    async def move_money(
        self, request: Request[Any, Any, Any], advance_id: AdvanceId, reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        """An officer confirms a transfer (the payout, the rest passed on to the producer) or records
        money received (the buyer's payment, the producer's repayment): the reference, the day, and
        for money received the amount."""
        principal = reader.require()
        key = request.url.path.rsplit("/", 1)[-1]
        move, call = MOVES[key]
        financing = FinancingService(db_session)
        advance = await financing.read(principal, advance_id)
        currency = advance.principal.currency
        values = await form_values(request)
        form = Form(values=values)
        try:
            body: dict[str, Any] = {"reference": values.get(f"{key}_reference", ""), "on": values.get(f"{key}_on", "")}
            if move.money and values.get(f"{key}_amount"):
                body["amount_minor"] = typed_minor(values[f"{key}_amount"], currency, reader, f"{key}_amount")
            data = convert({name: value for name, value in body.items() if value != ""}, move.body)
            async with db_session.begin_nested():
                await run_once(
                    db_session,
                    user_id=principal.user_id,
                    key=f"page:{values['once']}" if values.get("once") else None,
                    request_fingerprint=fingerprint(request.method, request.url.path, data),
                    result_type=AdvanceRead,
                    run=lambda: call(financing, principal, advance_id, data),
                )
        except NotFound:
            raise
        except DomainError as error:
            _refused(form, error, reader, currency, move.fields)
            return await _status_page(reader, db_session, principal, advance_id, {key: form}, status_code=error.status)
        return see_other(_advance_path(advance_id), notice=move.notice)
