"""Orders: a checkout split per producer, priced, checked and reserved in one transaction; then each
order's lifecycle, moved only along `models.TRANSITIONS` by the party allowed to."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy.ext.asyncio import AsyncSession
from uuid_utils.compat import uuid7

from kernel import audit, clock, codes
from kernel.auth import Principal
from kernel.errors import Conflict, FieldError, FieldProblems, Forbidden, InvalidInput, NotFound
from kernel.fx import find_rate
from kernel.money import Amount, ConvertedAmount, from_minor, line_total, money
from kernel.negotiation import pick_language
from kernel.outbox import emit, emit_many
from kernel.pagination import Page, PageParams
from marketplace.catalog import rules
from marketplace.catalog.models import ListingStatus
from marketplace.catalog.service import plain
from marketplace.compliance.service import Goods, Reader, check_eligibility_many
from marketplace.events import CardRefundDue, CardTransferDue, ListingChanged, OrderPlaced, OrderStatusChanged
from marketplace.hub.service import HubService
from marketplace.order import repository
from marketplace.order.models import (
    HOLDS_STOCK,
    PAID_FOR,
    UNPAID_CARD_ORDER_HOURS,
    Checkout,
    Order,
    OrderLine,
    OrderLineRow,
    OrderRow,
    OrderStatus,
    Party,
    PaymentMethod,
)
from marketplace.order.repository import OrderRepository
from marketplace.order.schemas import (
    Address,
    AddressRead,
    CheckoutCreate,
    CheckoutLine,
    CheckoutRead,
    DeliveryRead,
    OrderFilter,
    OrderLineRead,
    OrderRead,
    VatGroupRead,
)
from marketplace.order.taxes import listing_vats, order_vat, vat_breakdown, with_vat
from marketplace.organization.models import Organization, Role, Side
from marketplace.organization.repository import OrganizationRepository
from marketplace.organization.service import OrganizationService, require_verified_email
from marketplace.payment import stripe_currency
from marketplace.payment.repository import PaymentRepository
from marketplace.payment.schemas import InvoiceSummary
from marketplace.payment.service import InvoiceService, invoice_summary
from marketplace.tax.decision import TaxParty, Treatment


class OrderNotFound(NotFound):
    slug = "order-not-found"


class NotABuyer(Forbidden):
    slug = "not-a-buyer"


class CheckoutRefused(InvalidInput):
    """Some lines cannot be ordered as asked; `errors` names each line and why."""

    slug = "checkout-refused"


class OutOfStock(Conflict):
    slug = "out-of-stock"


class TransitionNotAllowed(Conflict):
    slug = "transition-not-allowed"


class NotYourMove(Forbidden):
    slug = "not-your-move"


class InvoiceUnpaid(Conflict):
    slug = "invoice-unpaid"


class _Terms(NamedTuple):
    method: PaymentMethod
    destination: str
    display_currency: str
    hub_id: uuid.UUID
    net_days: int | None
    """The invoice terms the hub grants the buyer (None: none)."""


@dataclass(frozen=True)
class _Taken:
    """A checkout line whose stock was taken, with the listing row as it is now (locked)."""

    index: int
    line: CheckoutLine
    listing: dict[str, Any]

    @property
    def field(self) -> str:
        return f"lines[{self.index}]"


class OrderService:
    def __init__(self, session: AsyncSession, *, stripe_enabled: bool = False) -> None:
        self.session = session
        self.repo = OrderRepository(session)
        self.organizations = OrganizationService(session)
        self.invoices = InvoiceService(session)
        self.stripe_enabled = stripe_enabled

    # --- checkout -------------------------------------------------------------------

    async def checkout(self, principal: Principal, data: CheckoutCreate) -> CheckoutRead:
        """Place one order per producer for the lines, all or nothing.

        Each line's stock is taken atomically (listings in id order, so concurrent checkouts
        cannot deadlock), then every line is checked: a whole number of packs, at least the
        minimum order, the producer a member of the hub, the listing eligible for the delivery
        jurisdiction. Raises `CheckoutRefused` (422) listing every line that fails, `OutOfStock`
        (409) when stock alone is short, `NotABuyer` (403) for producer-only organisations and
        `InvalidInput` (422) naming every bad field of a delivery place, currency, hub, payment
        method and the lines (repeated listings, quantities that are not positive). Paid by card,
        the display currency must be one Stripe charges in and the display total an amount it
        accepts (`stripe_currency.chargeable_problem`), else `InvalidInput` (422) naming
        `display_currency` or `lines`; every refusal leaves nothing taken or written.
        """
        await self.organizations.require_role(principal, data.buyer_organization_id, Role.member)
        buyer = await OrganizationRepository(self.session).get(data.buyer_organization_id)
        assert buyer is not None  # noqa: S101 - checked by require_role
        if not buyer.buys:
            raise NotABuyer("a producer-only organization cannot place orders; change its kind to buyer or both")
        method, destination, display_currency, hub_id, net_days = await self._terms(buyer, data)

        taken, errors, short = await self._take_stock(data.lines)
        errors += _check_quantities(buyer, taken)
        errors += await self._check_producers(hub_id, taken)
        errors += await self._check_eligibility(taken, destination)
        if method is PaymentMethod.stripe:
            errors += await self._check_payable_by_card(taken)
        parties, treatments, vat_errors = await self._taxes(buyer.id, taken, destination)
        errors += vat_errors
        if errors:
            raise CheckoutRefused(
                f"{len({e.field.split('.')[1] for e in errors + short})} of {len(data.lines)} lines cannot be "
                "ordered; nothing was ordered",
                errors=errors + short,
            )
        if short:
            raise OutOfStock("not enough stock; nothing was ordered", errors=short)

        now = clock.now()
        # Ids are given here so that everything is written in one flush.
        checkout = Checkout(
            id=uuid7(),
            buyer_organization_id=buyer.id,
            hub_id=hub_id,
            placed_by=principal.user_id,
            payment_method=method,
            display_currency=display_currency,
            delivery_jurisdiction=destination,
            delivery_address=_address_json(data.delivery.address),
            created_at=now,
        )
        groups: dict[tuple[uuid.UUID, str], list[_Taken]] = {}
        for item in sorted(taken, key=lambda t: t.index):
            groups.setdefault((item.listing["organization_id"], item.listing["currency"]), []).append(item)
        rates: dict[str, tuple[Decimal, dt.date, str]] = {}
        orders: list[tuple[Order, list[OrderLine]]] = []
        for (producer_id, currency), items in sorted(groups.items()):
            order_id = uuid7()
            lines = [with_vat(_order_line(order_id, item, buyer.languages), treatments[item.index]) for item in items]
            vat = order_vat(lines, currency)
            total = sum(line.total_minor for line in lines) + vat
            if currency not in rates:
                rates[currency] = await self._rate(currency, display_currency)
            rate, rate_date, rate_source = rates[currency]
            order = Order(
                id=order_id,
                checkout_id=checkout.id,
                buyer_organization_id=buyer.id,
                producer_organization_id=producer_id,
                hub_id=hub_id,
                status=OrderStatus.pending_payment,
                payment_method=method,
                currency=currency,
                total_minor=total,
                vat_minor=vat,
                seller_vat_number=parties[producer_id].vat_number,
                buyer_vat_number=parties[buyer.id].vat_number,
                display_currency=display_currency,
                display_total_minor=money(from_minor(total, currency) * rate, display_currency).amount_minor,
                fx_rate=rate,
                fx_rate_date=rate_date,
                fx_rate_source=rate_source,
                delivery_jurisdiction=destination,
                delivery_address=checkout.delivery_address,
                placed_by=principal.user_id,
                status_changed_at=now,
                created_at=now,
            )
            orders.append((order, lines))
        if method is PaymentMethod.stripe:
            # The buyer is charged the display total in one payment (see `card.service`). Its limits
            # are refused here, not when the buyer starts paying, and under `lines`: the buyer brings
            # the total within them by changing quantities (or the lines ordered together). The stock
            # taken above goes back with the request's transaction; nothing has been written yet.
            problem = stripe_currency.chargeable_problem(
                sum(order.display_total_minor for order, _ in orders), display_currency
            )
            if problem is not None:
                raise InvalidInput.field("lines", problem)
        invoices = []
        if method is PaymentMethod.invoice:
            assert net_days is not None  # noqa: S101 - checked above
            invoices = await self.invoices.issue([order for order, _ in orders], net_days)
        await self.repo.add(
            checkout, *(order for order, _ in orders), *(line for _, lines in orders for line in lines), *invoices
        )
        day = clock.today()
        summaries = {invoice.order_id: invoice_summary(invoice, day) for invoice in invoices}
        reads = [_order_read(order, lines, summaries.get(order.id)) for order, lines in orders]
        for read in reads:
            await audit.record(
                self.session,
                principal,
                "order.placed",
                object_type="order",
                object_id=read.id,
                organization_id=read.buyer_organization_id,
                hub_id=hub_id,
                after=read,
            )
        await emit_many(
            self.session,
            [
                OrderPlaced(
                    order_id=order.id,
                    checkout_id=checkout.id,
                    buyer_organization_id=buyer.id,
                    producer_organization_id=order.producer_organization_id,
                    hub_id=hub_id,
                    payment_method=method.value,
                    currency=order.currency,
                    total_minor=order.total_minor,
                )
                for order, _ in orders
            ],
        )
        return _checkout_read(checkout, reads)

    async def _terms(self, buyer: Organization, data: CheckoutCreate) -> _Terms:
        """The checkout's terms, checked with its lines; `InvalidInput` naming every bad field."""
        problems = FieldProblems()
        method = problems.check(self._payment_method, data.payment_method)
        destination = problems.check(codes.jurisdiction, data.delivery.jurisdiction, "delivery.jurisdiction")
        display_currency = problems.check(
            codes.currency, data.display_currency or buyer.default_currency, "display_currency"
        )
        if (
            method is PaymentMethod.stripe
            and display_currency is not None
            and not stripe_currency.is_supported(display_currency)
        ):
            # Refused whatever the total (not known yet): `chargeable_problem` judges the currency first.
            problem = stripe_currency.chargeable_problem(0, display_currency)
            problems.add("display_currency", problem or f"card payments cannot be made in {display_currency}")
        hub = await problems.check_awaited(self._hub(buyer.id, data.hub_id))
        if method is PaymentMethod.invoice and hub is not None and hub[1] is None:
            problems.add("payment_method", "the hub grants your organization no invoice terms")
        problems.extend(_line_problems(data.lines))
        problems.raise_if_any()
        # Every check passed, so none of them is None.
        assert method is not None  # noqa: S101
        assert destination is not None  # noqa: S101
        assert display_currency is not None  # noqa: S101
        assert hub is not None  # noqa: S101
        return _Terms(method, destination, display_currency, *hub)

    def _payment_method(self, asked: PaymentMethod | None) -> PaymentMethod:
        if asked is None:
            return PaymentMethod.stripe if self.stripe_enabled else PaymentMethod.invoice
        if asked is PaymentMethod.stripe and not self.stripe_enabled:
            raise InvalidInput.field("payment_method", "card payments (stripe) are not set up on this service")
        return asked

    async def _hub(self, buyer_id: uuid.UUID, asked: uuid.UUID | None) -> tuple[uuid.UUID, int | None]:
        """The hub the checkout happens in, and the invoice terms it grants the buyer."""
        hubs = await self.repo.admitted_hubs(buyer_id)
        if asked is not None:
            if asked not in hubs:
                raise InvalidInput.field("hub_id", "your organization is not a member of this hub")
            return asked, hubs[asked]
        if not hubs:
            raise InvalidInput.field("hub_id", "your organization is not a member of any hub; apply to one first")
        if len(hubs) > 1:
            raise InvalidInput.field("hub_id", "your organization is a member of several hubs; name one")
        [(hub_id, net_days)] = hubs.items()
        return hub_id, net_days

    async def _take_stock(self, lines: list[CheckoutLine]) -> tuple[list[_Taken], list[FieldError], list[FieldError]]:
        """Take each line's stock, in listing id order: what was taken, lines that cannot be
        ordered at all, and lines short of stock."""
        taken: list[_Taken] = []
        errors: list[FieldError] = []
        short: list[FieldError] = []
        for index, line in sorted(enumerate(lines), key=lambda pair: pair[1].listing_id):
            field = f"$.lines[{index}]"
            row = await self.repo.take_stock(line.listing_id, line.quantity)
            if row is not None:
                taken.append(_Taken(index=index, line=line, listing=row))
                await _announce_if_orderability_changed(self.session, row, -line.quantity)
                continue
            state = await self.repo.listing_state(line.listing_id)
            if state is None:
                errors.append(FieldError(field=f"{field}.listing_id", message="no such listing"))
            elif state[0] is not ListingStatus.active:
                errors.append(FieldError(field=f"{field}.listing_id", message=f"the listing is {state[0].value}"))
            else:
                short.append(
                    FieldError(
                        field=f"{field}.quantity",
                        message=f"only {plain(state[1])} {state[2]} in stock",
                    )
                )
        return taken, errors, short

    async def _taxes(
        self, buyer_id: uuid.UUID, taken: list[_Taken], destination: str
    ) -> tuple[dict[uuid.UUID, TaxParty], dict[int, Treatment], list[FieldError]]:
        """The VAT status of the buyer and the producers, each line's VAT (by its index) for delivery
        to `destination`, and the lines whose VAT category has no rate in their producer's country today."""
        parties, decided = await listing_vats(
            self.session, buyer_id, [item.listing for item in taken], codes.jurisdiction_country(destination)
        )
        treatments: dict[int, Treatment] = {}
        errors: list[FieldError] = []
        for item in taken:
            vat = decided[item.listing["id"]]
            if isinstance(vat, str):
                errors.append(FieldError(field=f"$.{item.field}.listing_id", message=vat))
            else:
                treatments[item.index] = vat
        return parties, treatments, errors

    async def _check_producers(self, hub_id: uuid.UUID, taken: list[_Taken]) -> list[FieldError]:
        producers = {item.listing["organization_id"] for item in taken}
        members = await self.repo.admitted_to(hub_id, list(producers)) if producers else set()
        return [
            FieldError(field=f"$.{item.field}.listing_id", message="the producer is not a member of the hub")
            for item in taken
            if item.listing["organization_id"] not in members
        ]

    async def _check_payable_by_card(self, taken: list[_Taken]) -> list[FieldError]:
        producers = list({item.listing["organization_id"] for item in taken})
        payable = await PaymentRepository(self.session).payable_by_card(producers) if producers else set()
        return [
            FieldError(
                field=f"$.{item.field}.listing_id",
                message="the producer cannot be paid by card yet (its Stripe onboarding is not finished)",
            )
            for item in taken
            if item.listing["organization_id"] not in payable
        ]

    async def _check_eligibility(self, taken: list[_Taken], destination: str) -> list[FieldError]:
        goods = [
            Goods(
                seller_organization_id=item.listing["organization_id"],
                classification_scheme=item.listing["classification_scheme"].value,
                classification_code=item.listing["classification_code"],
                credential_ids=list(item.listing["credential_ids"]) or None,
            )
            for item in taken
        ]
        # The buyer reads the refusal: what the producer lacks, not "you have ...".
        results = await check_eligibility_many(self.session, goods, destination, reader=Reader.others) if goods else []
        errors: list[FieldError] = []
        for item, result in zip(taken, results, strict=True):
            field = f"$.{item.field}.listing_id"
            if not any(codes.jurisdiction_covers(area, destination) for area in item.listing["ships_to"]):
                errors.append(FieldError(field=field, message=f"the producer does not ship to {destination}"))
            errors += [
                FieldError(field=field, message=f"not eligible for {destination}: {unmet.message}")
                for unmet in result.unmet
            ]
        return errors

    async def _rate(self, currency: str, display_currency: str) -> tuple[Decimal, dt.date, str]:
        """The latest rate from `currency` to the display currency, its date and source."""
        try:
            return await find_rate(self.session, currency, display_currency, clock.today())
        except NotFound:
            raise InvalidInput.field(
                "display_currency", f"no exchange rate from {currency} to {display_currency} is known yet"
            ) from None

    # --- lifecycle ------------------------------------------------------------------

    async def move(self, principal: Principal, order_id: uuid.UUID, to: OrderStatus, note: str | None) -> OrderRead:
        """Move the order to `to` on behalf of the caller's side of it.

        Raises `OrderNotFound` (404) for callers with no part in it, `EmailUnverified` (403) while
        the caller's address is not proven (whichever side they are on, a hub's coordinators
        too), `TransitionNotAllowed` (409) for a move that does not exist from its status,
        `NotYourMove` (403) when the caller's side may not make it, `InvoiceUnpaid` (409) to
        complete an unpaid invoice order.
        """
        order = await self.repo.get(order_id, for_update=True)
        parties = await self.parties(principal, order) if order is not None else set()
        if order is None or not parties:
            raise OrderNotFound("no such order")
        if order.status is OrderStatus.disputed:
            raise TransitionNotAllowed("a disputed order moves on only when a coordinator resolves its dispute")
        require_verified_email(principal)
        return await self.transition(order, to, parties, principal, note)

    async def transition(
        self, order: Order, to: OrderStatus, parties: set[Party], actor: Principal | None, note: str | None
    ) -> OrderRead:
        """Move a locked order on behalf of `parties` (see `move`); also used by disputes and payments."""
        allowed = order.parties_allowed(to)
        if allowed is None:
            raise TransitionNotAllowed(f"an order that is {order.status.value} cannot become {to.value}")
        if not parties & allowed:
            raise NotYourMove(
                f"the {' or '.join(sorted(parties))} cannot mark an order {to.value}; "
                f"only the {' or '.join(sorted(allowed))} can"
            )
        if to is OrderStatus.rejected and not note:
            raise InvalidInput.field("note", "tell the buyer why the order is rejected")
        if (
            to is OrderStatus.completed
            and order.status is OrderStatus.delivered
            and order.payment_method is PaymentMethod.invoice
            and not await self.invoices.is_paid(order.id)
        ):
            raise InvoiceUnpaid("the order's invoice is not paid yet; the producer marks it paid first")
        lines = (await self.repo.lines_of([order.id]))[order.id]
        if to in (OrderStatus.cancelled, OrderStatus.rejected):
            if order.status in HOLDS_STOCK:
                for line in sorted(lines, key=lambda item: str(item.listing_id)):
                    if line.listing_id is None:  # awarded goods took no listing stock
                        continue
                    row = await self.repo.return_stock(line.listing_id, line.quantity)
                    await _announce_if_orderability_changed(self.session, row, line.quantity)
            await self.invoices.void(order.id)
            if order.payment_method is PaymentMethod.stripe and order.status in PAID_FOR:
                await emit(self.session, _full_refund(order, to))
        before = order.status
        order.status = to
        order.status_changed_at = clock.now()
        if note is not None:
            order.note = note
        await self.session.flush()
        await audit.record(
            self.session,
            actor,
            f"order.{to.value}",
            object_type="order",
            object_id=order.id,
            organization_id=order.producer_organization_id,
            hub_id=order.hub_id,
            before={"status": before.value},
            after={"status": to.value, "note": note},
        )
        await emit(
            self.session,
            OrderStatusChanged(
                order_id=order.id,
                buyer_organization_id=order.buyer_organization_id,
                producer_organization_id=order.producer_organization_id,
                hub_id=order.hub_id,
                from_status=before.value,
                to_status=to.value,
                by_organization_id=_acting_side(order, parties & allowed),
            ),
        )
        [read] = await self._reads([order], {order.id: lines})
        return read

    async def settle_card_payment(self, order_ids: list[uuid.UUID]) -> None:
        """The card payment for these orders succeeded: each one awaiting payment is paid (and
        its producer's transfer falls due); one cancelled or rejected meanwhile is refunded.
        Idempotent: a paid order is left alone, and a refund is made once per order."""
        for order in await self.repo.locked(order_ids):
            if order.status is OrderStatus.pending_payment:
                await self.transition(order, OrderStatus.paid, {Party.payments}, None, None)
                await emit(self.session, CardTransferDue(order_id=order.id))
            elif order.status in (OrderStatus.cancelled, OrderStatus.rejected):
                await emit(self.session, _full_refund(order, order.status))

    async def cancel_unpaid(self, orders: list[Order]) -> None:
        """Card orders whose payment was given up (not paid within `UNPAID_CARD_ORDER_HOURS`, its
        PaymentIntent cancelled at Stripe) give their stock back: cancelled by the payment system."""
        for order in orders:
            note = f"not paid by card within {UNPAID_CARD_ORDER_HOURS} hours"
            await self.transition(order, OrderStatus.cancelled, {Party.payments}, None, note)

    async def parties(self, principal: Principal, order: Order) -> set[Party]:
        """The caller's sides of the order (none: it is not theirs to see)."""
        buyer, producer, coordinator = await self.repo.sides(principal.user_id, order)
        sides = ((buyer, Party.buyer), (producer, Party.producer), (coordinator, Party.coordinator))
        return {party for is_one, party in sides if is_one}

    # --- reads ----------------------------------------------------------------------

    async def read(self, principal: Principal, order_id: uuid.UUID) -> OrderRead:
        found = await self.repo.shown(principal.user_id, order_id)
        if found is None or not (principal.is_platform_admin or found.buyer or found.producer or found.coordinator):
            raise OrderNotFound("no such order")
        invoice = None if found.invoice is None else invoice_summary(found.invoice, clock.today())
        return _order_read(found, found.lines, invoice)

    async def read_checkout(self, principal: Principal, checkout_id: uuid.UUID) -> CheckoutRead:
        """A checkout with all its orders: for the buyer's members."""
        checkout = await self.buyers_checkout(principal, checkout_id)
        return _checkout_read(checkout, await self._reads(await self.repo.orders_of_checkout(checkout_id)))

    async def buyers_checkout(self, principal: Principal, checkout_id: uuid.UUID) -> Checkout:
        """The checkout, if the caller is a member of its buyer (404 for anyone else)."""
        checkout = await self.repo.checkout(checkout_id)
        if checkout is None or not (
            principal.is_platform_admin
            or (await self.organizations.standing(principal, checkout.buyer_organization_id)).is_member
        ):
            raise NotFound("no such checkout")
        return checkout

    async def list_of_organization(
        self,
        principal: Principal,
        organization_id: uuid.UUID,
        side: Side | None,
        filters: OrderFilter,
        page: PageParams,
    ) -> Page[OrderRead]:
        """Orders the organisation placed or received (its members only), newest first."""
        if not (await self.organizations.standing(principal, organization_id)).is_member:
            raise NotFound("no such organization")
        return await self._page(repository.of_organization(organization_id, side), filters, page)

    async def list_of_hub(
        self, principal: Principal, hub_id: uuid.UUID, filters: OrderFilter, page: PageParams
    ) -> Page[OrderRead]:
        """Every order placed in the hub (its coordinators only), newest first."""
        await HubService(self.session).require_coordinator(principal, hub_id)
        return await self._page(repository.of_hub(hub_id), filters, page)

    async def _page(self, scope: Any, filters: OrderFilter, page: PageParams) -> Page[OrderRead]:
        if filters.placed_from and filters.placed_to and filters.placed_from > filters.placed_to:
            raise InvalidInput.query("placed_from", "is after placed_to")
        orders, total = await self.repo.page(
            scope,
            status=filters.status,
            placed_from=filters.placed_from,
            placed_to=filters.placed_to,
            offset=page.offset,
            limit=page.per_page,
        )
        return Page(items=await self._reads(orders), page=page.page, per_page=page.per_page, total=total)

    async def _reads(
        self, orders: list[Order], lines: dict[uuid.UUID, list[OrderLine]] | None = None
    ) -> list[OrderRead]:
        ids = [order.id for order in orders]
        if not ids:
            return []
        lines = lines if lines is not None else await self.repo.lines_of(ids)
        invoices = await self.invoices.summaries(ids)
        return [_order_read(order, lines[order.id], invoices.get(order.id)) for order in orders]


def _line_problems(lines: list[CheckoutLine]) -> list[FieldError]:
    """What can be refused before touching stock: repeated listings, quantities that are not positive."""
    problems = FieldProblems()
    first: dict[uuid.UUID, int] = {}
    for index, line in enumerate(lines):
        if line.listing_id in first:
            problems.add(
                f"lines[{index}].listing_id",
                f"the same listing as lines[{first[line.listing_id]}]; order the whole quantity on one line",
            )
        else:
            first[line.listing_id] = index
        if line.quantity <= 0:  # finite and bounded already (`CheckoutLine.quantity`)
            problems.add(f"lines[{index}].quantity", "must be a positive number")
    return problems.errors


def _check_quantities(buyer: Organization, taken: list[_Taken]) -> list[FieldError]:
    errors: list[FieldError] = []
    for item in taken:
        listing = item.listing
        if listing["organization_id"] == buyer.id:
            errors.append(FieldError(field=f"$.{item.field}.listing_id", message="one of your own listings"))
        try:
            rules.order_quantity(
                item.line.quantity,
                listing["unit_code"],
                listing["pack_size"],
                listing["min_order_quantity"],
                f"{item.field}.quantity",
            )
        except InvalidInput as exc:
            errors += exc.errors
    return errors


def _order_line(order_id: uuid.UUID, item: _Taken, languages: list[str]) -> OrderLine:
    listing = item.listing
    tiers = [(Decimal(t["min_quantity"]), Decimal(t["unit_price"])) for t in listing["price_tiers"]]
    tier_min, unit_price = rules.tier_for(tiers, item.line.quantity)
    language = pick_language(list(listing["translations"]), languages, listing["default_language"])
    return OrderLine(
        order_id=order_id,
        position=item.index,
        listing_id=listing["id"],
        listing_version=listing["version"],
        sku=listing["sku"],
        title=listing["translations"][language]["title"],
        language=language,
        unit_code=listing["unit_code"],
        quantity=item.line.quantity,
        unit_price=unit_price,
        tier_min_quantity=tier_min,
        total_minor=line_total(unit_price, item.line.quantity, listing["currency"]).amount_minor,
    )


def _acting_side(order: Order, acting: set[Party] | frozenset[Party]) -> uuid.UUID | None:
    """The organisation that made a move: its buyer or its producer, when exactly one of them acted
    (so the other side can be told); None for a coordinator, the payment system, or someone
    belonging to both sides."""
    if acting == {Party.buyer}:
        return order.buyer_organization_id
    if acting == {Party.producer}:
        return order.producer_organization_id
    return None


def _full_refund(order: Order, reason: OrderStatus) -> CardRefundDue:
    # A card checkout is charged in its display currency, each order for its display total.
    return CardRefundDue(
        order_id=order.id,
        amount_minor=order.display_total_minor,
        currency=order.display_currency,
        reason=reason.value,
    )


def _address_json(address: Address) -> dict[str, Any]:
    return {
        key: value
        for key, value in {
            "recipient": address.recipient,
            "line1": address.line1,
            "line2": address.line2,
            "postal_code": address.postal_code,
            "city": address.city,
        }.items()
        if value is not None
    }


def _order_read(
    order: Order | OrderRow, lines: Sequence[OrderLine | OrderLineRow], invoice: InvoiceSummary | None
) -> OrderRead:
    return OrderRead(
        id=order.id,
        checkout_id=order.checkout_id,
        status=order.status,
        buyer_organization_id=order.buyer_organization_id,
        producer_organization_id=order.producer_organization_id,
        hub_id=order.hub_id,
        payment_method=order.payment_method,
        total=Amount(amount_minor=order.total_minor, currency=order.currency),
        vat=Amount(amount_minor=order.vat_minor, currency=order.currency),
        vat_breakdown=[
            VatGroupRead(
                category=group.code,
                rate=plain(group.rate),
                taxable=Amount(amount_minor=group.taxable_minor, currency=order.currency),
                vat=Amount(amount_minor=group.tax_minor, currency=order.currency),
            )
            for group in vat_breakdown(lines, order.currency)
        ],
        credited=Amount(amount_minor=order.credited_minor, currency=order.currency),
        net_total=Amount(amount_minor=order.net_total_minor, currency=order.currency),
        display_total=ConvertedAmount(
            amount_minor=order.display_total_minor,
            currency=order.display_currency,
            rate=order.fx_rate,
            rate_date=order.fx_rate_date,
            rate_source=order.fx_rate_source,
        ),
        lines=[
            OrderLineRead(
                listing_id=line.listing_id,
                listing_version=line.listing_version,
                sku=line.sku,
                title=line.title,
                language=line.language,
                unit=line.unit_code,
                quantity=plain(line.quantity),
                unit_price=plain(line.unit_price),
                tier_min_quantity=plain(line.tier_min_quantity),
                total=Amount(amount_minor=line.total_minor, currency=order.currency),
                vat_category=line.vat_code,
                vat_rate=plain(line.vat_rate),
                vat_note=line.vat_note,
            )
            for line in lines
        ],
        delivery=DeliveryRead(jurisdiction=order.delivery_jurisdiction, address=AddressRead(**order.delivery_address)),
        invoice=invoice,
        note=order.note,
        tender_reference=order.tender_reference,
        placed_by=order.placed_by,
        placed_at=order.created_at,
        status_changed_at=order.status_changed_at,
    )


def _checkout_read(checkout: Checkout, orders: list[OrderRead]) -> CheckoutRead:
    return CheckoutRead(
        id=checkout.id,
        buyer_organization_id=checkout.buyer_organization_id,
        hub_id=checkout.hub_id,
        payment_method=checkout.payment_method,
        display_total=Amount(
            amount_minor=sum(order.display_total.amount_minor for order in orders),
            currency=checkout.display_currency,
        ),
        orders=orders,
        placed_at=checkout.created_at,
    )


async def _announce_if_orderability_changed(session: AsyncSession, listing: dict[str, Any], change: Decimal) -> None:
    """Announce a stock change that made the listing (un)orderable: its stock (`listing`, after the
    change) went below its minimum order, or back to it. Smaller changes create no event, so a
    busy checkout does not flood the outbox; listing versions stay the producer's own."""
    after = listing["stock_on_hand"]
    minimum = listing["min_order_quantity"]
    if (after >= minimum) != (after - change >= minimum):
        await emit(
            session,
            ListingChanged(
                listing_id=listing["id"],
                organization_id=listing["organization_id"],
                version=listing["version"],
                change="stock",
            ),
        )
