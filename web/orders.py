"""Pages of orders: the reader's organisations' orders (placed as a buyer, received as a producer),
one order with the moves the reader's side may make on it, a checkout's confirmation (its orders,
one per producer, and for orders paid by card the way to Stripe's hosted payment page until the
payment is confirmed), an invoice, and ordering the same goods again.

Every rule is the services' (`OrderService`, `InvoiceService`, `CartService`, `CardPaymentService`),
called as the API calls them; an order or invoice of someone else's is the services' 404, the error
page.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import DomainError, InvalidInput, NotFound
from kernel.pagination import PageParams
from kernel.validation import convert
from marketplace.api import TradingParty, hub_summary, trading_parties
from marketplace.card.service import (
    CardPaymentNotFound,
    CardPaymentService,
    CardPaymentsOff,
    NotPaidByCard,
    PaymentStartedElsewhere,
)
from marketplace.cart.service import CartService
from marketplace.financing.service import FinancingService
from marketplace.order.models import OrderAction, OrderStatus, Party, PaymentMethod, parties_allowed
from marketplace.order.schemas import OrderFilter, OrderRead
from marketplace.order.service import InvoiceUnpaid, NotYourMove, OrderService, TransitionNotAllowed
from marketplace.organization.models import Role, Side
from marketplace.organization.schemas import MembershipRead
from marketplace.organization.service import EmailUnverified, OrganizationService
from marketplace.payment.controllers import CardGateway
from marketplace.payment.models import InvoiceStatus
from marketplace.payment.schemas import InvoicePayment
from marketplace.payment.service import InvoiceService, InvoiceSettled
from marketplace.payment.stripe_gateway import PaymentProviderError
from marketplace.settings import MarketplaceSettings
from web.mine import buys, my_memberships, sells
from web.page import Form, Reader, form_values, page, see_other
from web.places import place_name
from web.vat_words import VatShown, order_vat
from web.words import UNVERIFIED

Session = NamedDependency[AsyncSession]
ThisReader = NamedDependency[Reader]
Marketplace = NamedDependency[MarketplaceSettings]
#: The newest orders of each organisation and side the orders page lists.
NEWEST = PageParams(page=1, per_page=50)


def _(text: str) -> str:
    """Marks a text for the catalog (`borderhub i18n extract`); it is translated when shown."""
    return text


STATUS_WORDS = {
    OrderStatus.pending_payment: _("Waiting for the card payment"),
    OrderStatus.paid: _("Paid: waiting for the producer to accept it"),
    OrderStatus.accepted: _("Accepted: the producer prepares it"),
    OrderStatus.shipped: _("Shipped"),
    OrderStatus.delivered: _("Delivered"),
    OrderStatus.completed: _("Completed"),
    OrderStatus.cancelled: _("Cancelled"),
    OrderStatus.rejected: _("Rejected by the producer"),
    OrderStatus.disputed: _("Disputed: a coordinator of the hub decides"),
}
#: An invoice order is placed waiting for its payment too, but the producer accepts it before.
NEW_INVOICE_ORDER = _("New: waiting for the producer to accept it")
INVOICE_WORDS = {
    InvoiceStatus.issued: _("Not paid yet"),
    InvoiceStatus.paid: _("Paid"),
    InvoiceStatus.void: _("Void: nothing is owed"),
}
OVERDUE = _("Not paid yet, and overdue")
#: The page's sentence for a refused move, by its kind (the services' words are English).
REFUSALS: dict[type[DomainError], str] = {
    EmailUnverified: UNVERIFIED,
    TransitionNotAllowed: _("This cannot be done with the order as it is now. The page shows where it stands."),
    NotYourMove: _("The other side of the order does this, not yours."),
    InvoiceUnpaid: _("The order is completed once its invoice is paid: the producer marks the invoice paid."),
    InvoiceSettled: _("The invoice is paid or void already."),
}
#: Why the card payment of a checkout cannot be made on Stripe's page now, by the refusal's kind.
CARD_REFUSALS: dict[type[DomainError], str] = {
    EmailUnverified: UNVERIFIED,
    PaymentProviderError: _("Stripe's payment page could not be opened just now. Please try again in a moment."),
    PaymentStartedElsewhere: _("The card payment of these orders was started in another application. Finish it there."),
    NotPaidByCard: _("These orders are paid by invoice."),
    CardPaymentsOff: _("Card payments are not available on this service at the moment."),
    DomainError: _("None of these orders waits for a card payment any more."),
}
#: The statuses of a checkout's card payment (Stripe's) in which it is being confirmed or is made.
PAYMENT_UNDER_WAY = frozenset({"processing", "succeeded"})


@dataclass(frozen=True)
class Move:
    """One move the reader's side may make on an order, as a form: its button and its note's field."""

    action: OrderAction
    button: str
    note: str | None = None
    """The form field of the note (`reason`, `tracking`), if the move takes one."""
    note_label: str | None = None
    note_required: bool = False
    danger: bool = False


#: How each move is offered to each side (a move a side may not make is not offered to it).
MOVES = {
    (OrderAction.accept, Party.producer): Move(action=OrderAction.accept, button=_("Accept the order")),
    (OrderAction.reject, Party.producer): Move(
        action=OrderAction.reject,
        button=_("Reject the order"),
        note="reason",
        note_label=_("Why you reject it (the buyer reads this)"),
        note_required=True,
        danger=True,
    ),
    (OrderAction.ship, Party.producer): Move(
        action=OrderAction.ship,
        button=_("Mark as shipped"),
        note="tracking",
        note_label=_("Tracking number or a note for the buyer (optional)"),
    ),
    (OrderAction.deliver, Party.producer): Move(action=OrderAction.deliver, button=_("Mark as delivered")),
    (OrderAction.deliver, Party.buyer): Move(action=OrderAction.deliver, button=_("Mark as received")),
    (OrderAction.complete, Party.buyer): Move(action=OrderAction.complete, button=_("Confirm and complete the order")),
    (OrderAction.cancel, Party.buyer): Move(
        action=OrderAction.cancel,
        button=_("Cancel the order"),
        note="cancel_reason",
        note_label=_("Why you cancel it (optional; the producer reads this)"),
        danger=True,
    ),
    (OrderAction.cancel, Party.producer): Move(
        action=OrderAction.cancel,
        button=_("Cancel the order"),
        note="cancel_reason",
        note_label=_("Why you cancel it (optional; the buyer reads this)"),
        danger=True,
    ),
}
NOTICE_OF = {
    OrderAction.accept: "order-accepted",
    OrderAction.reject: "order-rejected",
    OrderAction.ship: "order-shipped",
    OrderAction.deliver: "order-delivered",
    OrderAction.cancel: "order-cancelled",
    OrderAction.complete: "order-completed",
}


def refusal(error: DomainError, reader: Reader) -> str:
    """Why a move (or marking an invoice paid) was refused, in the reader's language."""
    said = next((text for kind, text in REFUSALS.items() if isinstance(error, kind)), error.detail)
    return reader.gettext(said)


def status_words(order: OrderRead, reader: Reader) -> str:
    if order.status is OrderStatus.pending_payment and order.payment_method is PaymentMethod.invoice:
        return reader.gettext(NEW_INVOICE_ORDER)
    return reader.gettext(STATUS_WORDS[order.status])


def is_new_for_producer(order: OrderRead) -> bool:
    """Waiting for the producer's answer: the producer may accept it now."""
    return Party.producer in (parties_allowed(order.status, order.payment_method, OrderStatus.accepted) or ())


def sides(order: OrderRead, mine: Iterable[uuid.UUID]) -> set[Party]:
    """The reader's sides of the order: the buyer's or the producer's member (or both)."""
    ids = set(mine)
    found = set()
    if order.buyer_organization_id in ids:
        found.add(Party.buyer)
    if order.producer_organization_id in ids:
        found.add(Party.producer)
    return found


def moves(order: OrderRead, parties: set[Party]) -> list[Move]:
    """The moves the reader's sides may make on the order now, each once."""
    offered: dict[OrderAction, Move] = {}
    for action in OrderAction:
        allowed = parties_allowed(order.status, order.payment_method, action.target) or frozenset()
        for party in (Party.producer, Party.buyer):
            move = MOVES.get((action, party))
            if move is not None and party in parties and party in allowed and action not in offered:
                offered[action] = move
    return list(offered.values())


async def _parties(session: AsyncSession, orders: Iterable[OrderRead]) -> dict[uuid.UUID, TradingParty]:
    """The orders' buyers and producers (the parties of one's own orders), by id."""
    by_hub: dict[uuid.UUID, set[uuid.UUID]] = {}
    for order in orders:
        by_hub.setdefault(order.hub_id, set()).update({order.buyer_organization_id, order.producer_organization_id})
    parties: dict[uuid.UUID, TradingParty] = {}
    for hub_id, ids in by_hub.items():
        parties |= {party.organization_id: party for party in await trading_parties(session, hub_id, sorted(ids))}
    return parties


async def _names(session: AsyncSession, orders: Iterable[OrderRead]) -> dict[uuid.UUID, str]:
    """The names of the orders' buyers and producers (the parties of one's own orders)."""
    return {organization_id: party.name for organization_id, party in (await _parties(session, orders)).items()}


def _vats(
    orders: Iterable[OrderRead], parties: dict[uuid.UUID, TradingParty], reader: Reader
) -> dict[uuid.UUID, VatShown]:
    """Each order's VAT as its lines' table shows it (the notes cite the law of the seller's country)."""
    return {
        order.id: order_vat(order, parties[order.producer_organization_id].country, reader)
        for order in orders
        if order.producer_organization_id in parties
    }


async def _xrechnung_first(session: AsyncSession, principal: Principal, order: OrderRead, parties: set[Party]) -> bool:
    """Whether the invoice's XRechnung is offered first: the reader buys for an organisation with a
    Leitweg-ID (a German public administration, which receives its invoices as XRechnung)."""
    if Party.buyer not in parties:
        return False
    try:
        billing = await OrganizationService(session).billing(principal, order.buyer_organization_id)
    except DomainError:  # a member whose address is not proven yet reads no billing details
        return False
    return bool(billing.leitweg_id)


@dataclass(frozen=True)
class Listed:
    order: OrderRead
    status: str
    other: str
    """The other side's name: the producer of an order placed, the buyer of one received."""
    new: bool = False


class OrderPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/orders", name="orders")
    async def list_orders(self, reader: ThisReader, db_session: Session) -> Template:
        """The orders the reader's organisations placed (newest first) and received (new ones first)."""
        principal = reader.require()
        orders = OrderService(db_session)
        placed: list[OrderRead] = []
        received: list[OrderRead] = []
        organizations = await my_memberships(db_session, principal)
        for organization in organizations:
            if buys(organization.kind):
                found = await orders.list_of_organization(principal, organization.id, Side.buyer, OrderFilter(), NEWEST)
                placed += found.items
            if sells(organization.kind):
                found = await orders.list_of_organization(
                    principal, organization.id, Side.producer, OrderFilter(), NEWEST
                )
                received += found.items
        names = await _names(db_session, [*placed, *received])
        placed.sort(key=lambda o: o.placed_at, reverse=True)
        received.sort(key=lambda o: (is_new_for_producer(o), o.placed_at), reverse=True)
        return page(
            reader,
            "orders/list.jinja",
            sells=any(sells(o.kind) for o in organizations),
            buys=any(buys(o.kind) for o in organizations),
            placed=[
                Listed(order=o, status=status_words(o, reader), other=names.get(o.producer_organization_id, ""))
                for o in placed
            ],
            received=[
                Listed(
                    order=o,
                    status=status_words(o, reader),
                    other=names.get(o.buyer_organization_id, ""),
                    new=is_new_for_producer(o),
                )
                for o in received
            ],
        )

    @get("/orders/{order_id:uuid}", name="order")
    async def show(self, order_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session) -> Template:
        principal = reader.require()
        return await self._order_page(reader, db_session, principal, order_id)

    @post("/orders/{order_id:uuid}/repeat")
    async def repeat(self, order_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session) -> Redirect:
        """Order the same again: the order's goods still offered go into the cart."""
        principal = reader.require()
        repeated = await CartService(db_session).repeat(principal, order_id, [reader.language])
        if not repeated.added:
            return see_other(f"/orders/{order_id}", notice="order-repeated-none")
        return see_other("/cart", notice="order-repeated-partly" if repeated.left_out else "order-repeated")

    # One path per move, not `{action}`: `/orders/<id>/dispute` and `/repeat` are other pages' paths.
    @post([f"/orders/{{order_id:uuid}}/{action.value}" for action in OrderAction])
    async def move(
        self,
        request: Request[Any, Any, Any],
        order_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
    ) -> Template | Redirect:
        """Move the order on (accept, reject, ship, deliver, cancel, complete) as the API does; a
        refused move shows the order again with the reason."""
        principal = reader.require()
        asked = OrderAction(request.url.path.rsplit("/", 1)[-1])
        values = await form_values(request)
        field = next((m.note for (a, _party), m in MOVES.items() if a is asked and m.note), None)
        note = (values.get(field) or None) if field else None
        form = Form(values=values)
        try:
            await OrderService(db_session).move(principal, order_id, asked.target, note)
        except NotFound:
            raise
        except InvalidInput as error:
            form.note(error, reader, {"$.note": field or "form"})
            return await self._order_page(reader, db_session, principal, order_id, form=form, status=error.status)
        except DomainError as error:
            form.problem = refusal(error, reader)
            return await self._order_page(reader, db_session, principal, order_id, form=form, status=error.status)
        return see_other(f"/orders/{order_id}", notice=NOTICE_OF[asked])

    async def _order_page(
        self,
        reader: Reader,
        session: AsyncSession,
        principal: Principal,
        order_id: uuid.UUID,
        *,
        form: Form | None = None,
        status: int = 200,
    ) -> Template:
        order = await OrderService(session).read(principal, order_id)
        organizations = await my_memberships(session, principal)
        parties = sides(order, (o.id for o in organizations))
        traders = await _parties(session, [order])
        names = {organization_id: party.name for organization_id, party in traders.items()}
        return page(
            reader,
            "orders/order.jinja",
            working_capital=await _working_capital(session, order, organizations),
            status_code=status,
            order=order,
            vats=_vats([order], traders, reader),
            xrechnung_first=bool(order.invoice) and await _xrechnung_first(session, principal, order, parties),
            status_text=status_words(order, reader),
            buyer=names.get(order.buyer_organization_id, ""),
            producer=names.get(order.producer_organization_id, ""),
            hub=(await hub_summary(session, order.hub_id)).name,
            destination=place_name(order.delivery.jurisdiction, reader.language),
            parties=parties,
            is_buyer=Party.buyer in parties,
            may_dispute=Party.buyer in parties
            and Party.buyer in (parties_allowed(order.status, order.payment_method, OrderStatus.disputed) or ()),
            moves=moves(order, parties),
            form=form or Form(),
            invoice_words=_invoice_words(order, reader),
        )

    # --- a checkout's confirmation -------------------------------------------------------

    @get("/checkouts/{checkout_id:uuid}", name="checkout-placed")
    async def checkout(
        self,
        checkout_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        stripe_gateway: CardGateway,
        paid: FromQuery[str | None] = None,
    ) -> Template:
        """What a checkout placed: one order per producer, each with its lines and total; orders paid
        by card wait for the payment with a way to Stripe's page, and are said to be being confirmed
        once the buyer is back from it (`?paid=1`, Stripe's success address), until they are paid."""
        principal = reader.require()
        return await self._checkout_page(
            reader, db_session, principal, checkout_id, stripe_gateway, back_from_stripe=paid == "1"
        )

    @post("/checkouts/{checkout_id:uuid}/pay-by-card")
    async def pay_by_card(
        self,
        checkout_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        stripe_gateway: CardGateway,
        marketplace_settings: Marketplace,
    ) -> Template | Redirect:
        """To Stripe's hosted payment page for the orders awaiting payment: the checkout's page there
        while it is open, a new one once it expired; back here, saying why, when it cannot be paid."""
        principal = reader.require()
        confirmation = f"{marketplace_settings.public_url.rstrip('/')}/checkouts/{checkout_id}"
        try:
            hosted = await CardPaymentService(db_session, stripe_gateway).pay_on_hosted_page(
                principal,
                checkout_id,
                success_url=f"{confirmation}?paid=1",
                cancel_url=confirmation,
                language=reader.language,
            )
        except NotFound:
            raise
        except DomainError as error:
            said = next(text for kind, text in CARD_REFUSALS.items() if isinstance(error, kind))
            form = Form(problem=reader.gettext(said))
            return await self._checkout_page(
                reader, db_session, principal, checkout_id, stripe_gateway, form=form, status=error.status
            )
        if hosted.url is None:  # paid there already: its confirmation is on its way
            return see_other(f"/checkouts/{checkout_id}", paid="1")
        return Redirect(hosted.url, status_code=303)

    async def _checkout_page(
        self,
        reader: Reader,
        session: AsyncSession,
        principal: Principal,
        checkout_id: uuid.UUID,
        stripe_gateway: CardGateway,
        *,
        back_from_stripe: bool = False,
        form: Form | None = None,
        status: int = 200,
    ) -> Template:
        placed = await OrderService(session).read_checkout(principal, checkout_id)
        traders = await _parties(session, placed.orders)
        names = {organization_id: party.name for organization_id, party in traders.items()}
        awaiting = [
            o
            for o in placed.orders
            if o.status is OrderStatus.pending_payment and o.payment_method is PaymentMethod.stripe
        ]
        payment_status = None
        if awaiting:
            try:
                payment_status = (await CardPaymentService(session, stripe_gateway).read(principal, checkout_id)).status
            except CardPaymentNotFound:
                payment_status = None
        confirming = bool(awaiting) and (back_from_stripe or payment_status in PAYMENT_UNDER_WAY)
        return page(
            reader,
            "orders/checkout.jinja",
            status_code=status,
            checkout=placed,
            vats=_vats(placed.orders, traders, reader),
            names=names,
            hub=(await hub_summary(session, placed.hub_id)).name,
            statuses={o.id: status_words(o, reader) for o in placed.orders},
            destination=place_name(placed.orders[0].delivery.jurisdiction, reader.language) if placed.orders else "",
            awaiting_card=bool(awaiting),
            to_pay=sum(o.display_total.amount_minor for o in awaiting),
            confirming=confirming,
            may_pay=bool(awaiting) and not confirming and stripe_gateway is not None,
            form=form or Form(),
        )

    # --- invoices ---------------------------------------------------------------------

    @get("/invoices/{invoice_id:uuid}", name="invoice")
    async def invoice(self, invoice_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session) -> Template:
        principal = reader.require()
        return await self._invoice_page(reader, db_session, principal, invoice_id)

    @post("/invoices/{invoice_id:uuid}/paid")
    async def mark_paid(
        self, request: Request[Any, Any, Any], invoice_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        """The producer records that the buyer paid (on the day given, else today)."""
        principal = reader.require()
        values = await form_values(request)
        form = Form(values=values)
        try:
            data = convert({"paid_on": values.get("paid_on") or None}, InvoicePayment)
            await InvoiceService(db_session).mark_paid(principal, invoice_id, data)
        except NotFound:
            raise
        except InvalidInput as error:
            form.note(error, reader)
            return await self._invoice_page(reader, db_session, principal, invoice_id, form=form, status=error.status)
        except DomainError as error:
            form.problem = refusal(error, reader)
            return await self._invoice_page(reader, db_session, principal, invoice_id, form=form, status=error.status)
        return see_other(f"/invoices/{invoice_id}", notice="invoice-paid")

    async def _invoice_page(
        self,
        reader: Reader,
        session: AsyncSession,
        principal: Principal,
        invoice_id: uuid.UUID,
        *,
        form: Form | None = None,
        status: int = 200,
    ) -> Template:
        invoice = await InvoiceService(session).read(principal, invoice_id)
        order = await OrderService(session).read(principal, invoice.order_id)
        organizations = await my_memberships(session, principal)
        parties = sides(order, (o.id for o in organizations))
        traders = await _parties(session, [order])
        names = {organization_id: party.name for organization_id, party in traders.items()}
        if invoice.status is InvoiceStatus.issued and invoice.overdue:
            words = reader.gettext(OVERDUE)
        else:
            words = reader.gettext(INVOICE_WORDS[invoice.status])
        return page(
            reader,
            "orders/invoice.jinja",
            status_code=status,
            invoice=invoice,
            order=order,
            vat=_vats([order], traders, reader).get(order.id),
            xrechnung_first=await _xrechnung_first(session, principal, order, parties),
            # Poland's structured invoice is for Polish sellers and buyers (`DocumentService.file`).
            ksef_offered="PL"
            in {
                traders[o].country
                for o in (order.buyer_organization_id, order.producer_organization_id)
                if o in traders
            },
            credit_note=invoice.has_credit_note,
            buyer=names.get(invoice.buyer_organization_id, ""),
            producer=names.get(invoice.producer_organization_id, ""),
            status_text=words,
            may_mark_paid=Party.producer in parties and invoice.status is InvoiceStatus.issued,
            form=form or Form(),
        )


async def _working_capital(
    session: AsyncSession, order: OrderRead, organizations: Iterable[MembershipRead]
) -> str | None:
    """The name of the microfinance consortium of the order's hub, for its producer's admins when the
    order is paid by invoice (what a consortium advances against); one query, so the order's page
    stays quick: what it can advance is worked out on the page the section links to."""
    producer_admin = any(o.id == order.producer_organization_id and o.role.at_least(Role.admin) for o in organizations)
    if not producer_admin or order.payment_method is not PaymentMethod.invoice:
        return None
    consortium = await FinancingService(session).consortium_of_hub(order.hub_id)
    return None if consortium is None else consortium.name


def _invoice_words(order: OrderRead, reader: Reader) -> str | None:
    invoice = order.invoice
    if invoice is None:
        return None
    if invoice.status == InvoiceStatus.issued.value and invoice.overdue:
        return reader.gettext(OVERDUE)
    return reader.gettext(INVOICE_WORDS[InvoiceStatus(invoice.status)])
