"""A producer's working capital: its advances (`/organizations/<id>/advances`: each with its state,
amount, fee, due date, what it still owes and the instalments when the producer owes them), and what
the hub's microfinance consortium can advance against one of its orders (`/orders/<id>/advance`): the
most, its fee and when the buyer's payment repays it, with a form to ask (the amount typed in currency
units the reader's way, `616,00` in Polish); or every reason it cannot, in the reader's language. An
order that has an advance asked for or paid out links to it instead.

Every rule is `FinancingService`'s (`offer`, `ask`, `of_producer`), called as the JSON API calls it:
the organisation's admins only, a 404 page for anyone not of the producer (and for an order whose
hub has no consortium).
"""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import DomainError, InvalidInput, NotFound
from kernel.money import from_minor
from kernel.pagination import page_params
from kernel.validation import convert
from marketplace.financing.models import AdvanceStatus
from marketplace.financing.schemas import AdvanceAsk, AdvanceOffer, AdvanceRead
from marketplace.financing.service import AdvanceRefused, FinancingService
from marketplace.order.schemas import OrderRead
from marketplace.order.service import OrderService
from marketplace.organization.service import EmailUnverified, OrganizationService
from web.advance_views import listed, organization_names, reason_words, refusal_words, say, status_words, typed_minor
from web.dispute_views import party_names
from web.form_numbers import shown_price
from web.page import Form, Reader, form_values, page, see_other
from web.words import UNVERIFIED, inclusion_name

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]

#: Advances listed on one page of the producer's list.
PER_PAGE = 20
#: An advance that is over without money having moved: the order may be advanced on again.
_ENDED = frozenset({AdvanceStatus.declined, AdvanceStatus.withdrawn})


def _(text: str) -> str:
    """Marks a text for the catalog; translated when shown."""
    return text


_CANNOT = _("The consortium cannot advance on this order now. The reasons are below.")
_LENDS_OTHERWISE = _("%(consortium)s does not lend in %(currency)s, the order's currency.")
#: How the service says the consortium lends in other currencies only (`FinancingService._currency_terms`).
_OTHER_CURRENCY = re.compile(r"(?P<consortium>.+) does not lend in (?P<currency>[A-Z]{3})")


async def _advances_of_order(
    financing: FinancingService, principal: Principal, order: OrderRead
) -> tuple[AdvanceRead | None, list[AdvanceRead]]:
    """The order's advance asked for or paid out (if any) and its earlier ones, declined or withdrawn."""
    found = await financing.advances_of_order(principal, order.id)
    live = next((advance for advance in found if advance.status not in _ENDED), None)
    return live, [advance for advance in found if advance.status in _ENDED]


def _no_offer(error: AdvanceRefused, reader: Reader) -> str:
    """Why there is no offer at all (the consortium does not lend in the order's currency), in the reader's language."""
    found = _OTHER_CURRENCY.fullmatch(error.detail)
    if found is None:
        return reader.gettext(error.detail)
    currency = reader.formats.currency_name(found.group("currency"))
    return reader.gettext(_LENDS_OTHERWISE) % {"consortium": found.group("consortium"), "currency": currency}


def _ask_form(offer: AdvanceOffer, reader: Reader) -> Form:
    """The form to ask, its amount the most the consortium can advance (in currency units, the reader's way)."""
    maximum = offer.maximum
    shown = shown_price(from_minor(maximum.amount_minor, maximum.currency), maximum.currency, reader.formats.locale)
    return Form(values={"amount": shown})


async def _order_advance_page(
    reader: Reader,
    db_session: AsyncSession,
    principal: Principal,
    order_id: uuid.UUID,
    form: Form | None = None,
    *,
    status_code: int = 200,
) -> Template:
    financing = FinancingService(db_session)
    # The offer first: it is what answers 404 to anyone but the producer's admins (and for a hub
    # without a consortium), before anything of the producer's is read.
    offer: AdvanceOffer | None = None
    try:
        offer = await financing.offer(principal, order_id)
    except AdvanceRefused as error:
        # The consortium lends in other currencies only: the service refuses the offer itself, in a sentence.
        refusals = [_no_offer(error, reader)]
    else:
        refusals = [refusal_words(refusal, offer, reader) for refusal in offer.refusals]
    order = await OrderService(db_session).read(principal, order_id)
    live, earlier = await _advances_of_order(financing, principal, order)
    return page(
        reader,
        "advances/order.jinja",
        status_code=status_code,
        order=order,
        names=await party_names(db_session, order),
        offer=offer,
        refusals=refusals,
        better_terms=[inclusion_name(attribute, reader.gettext) for attribute in offer.better_terms_for]
        if offer
        else [],
        live=live,
        live_status=status_words(live.status, reader) if live else None,
        earlier=[
            (advance, status_words(advance.status, reader), reason_words(advance.reason, reader)) for advance in earlier
        ],
        form=form or (_ask_form(offer, reader) if offer else Form()),
    )


class AdvancePages(Controller):
    path = "/"
    include_in_schema = False

    @get("/organizations/{organization_id:uuid}/advances", name="advances")
    async def advances(
        self,
        organization_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
    ) -> Template:
        """The producer's advances, the oldest first, each linked to its page."""
        principal = reader.require()
        organization = await OrganizationService(db_session).read(principal, organization_id)
        paging = page_params(max(page_number, 1), PER_PAGE)
        advances = await FinancingService(db_session).of_producer(principal, organization_id, paging)
        hub_id = organization.hubs[0].hub_id if organization.hubs else None
        names = await organization_names(db_session, hub_id, advances.items)
        return page(
            reader,
            "advances/list.jinja",
            organization=organization,
            advances=listed(advances.items, names, reader),
            total=advances.total,
            page_number=paging.page,
            pages=max(1, -(-advances.total // PER_PAGE)),
        )

    @get("/orders/{order_id:uuid}/advance", name="order-advance")
    async def offer(self, order_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session) -> Template:
        """What the hub's consortium can advance against the order today, and the form to ask; or its advance."""
        principal = reader.require()
        return await _order_advance_page(reader, db_session, principal, order_id)

    @post("/orders/{order_id:uuid}/advance")
    async def ask(
        self, request: Request[Any, Any, Any], order_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        """Ask for the amount typed (the most, when left empty); to the advance's page once asked."""
        principal = reader.require()
        values = await form_values(request)
        form = Form(values=values)
        financing = FinancingService(db_session)
        currency = (await OrderService(db_session).read(principal, order_id)).total.currency
        try:
            body: dict[str, Any] = {"order_id": str(order_id)}
            if values.get("amount"):
                body["amount_minor"] = typed_minor(values["amount"], currency, reader, "amount")
            data = convert(body, AdvanceAsk)
            async with db_session.begin_nested():  # a refused request leaves nothing behind
                advance = await financing.ask(principal, data)
        except InvalidInput as error:
            # The order's own refusals are the offer's, which the page shows again by their codes.
            if any(problem.field == "$.order_id" for problem in error.errors):
                form.problem = reader.gettext(_CANNOT)
            amount = InvalidInput(error.detail, errors=[e for e in error.errors if e.field != "$.order_id"])
            if amount.errors:
                form.note(amount, reader, {"$.amount_minor": "amount"}, lambda said: say(said, reader, currency))
            return await _order_advance_page(reader, db_session, principal, order_id, form, status_code=error.status)
        except NotFound:
            raise
        except DomainError as error:
            # Asked for meanwhile (the page then links to it), or an address not proven yet.
            unproven = isinstance(error, EmailUnverified)
            form.problem = reader.gettext(UNVERIFIED) if unproven else say(error.detail, reader, currency)
            return await _order_advance_page(reader, db_session, principal, order_id, form, status_code=error.status)
        return see_other(f"/advances/{advance.id}", notice="advance-requested")
