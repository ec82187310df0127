"""Carts: a person gathers listings of several producers, each line at a quantity the listing can be
ordered in, and checks them out at once (one order per producer, `OrderService.checkout`).

The cart is the person's (by user id), not an organisation's: it survives signing out and is the
same on every device; which organisation buys is chosen at checkout. Lines show each listing as it
is now (title, tier price, stock), so a cart never promises a price: checkout prices it again."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import Forbidden, InvalidInput, NotFound
from kernel.money import Amount, line_total
from kernel.negotiation import pick_language
from marketplace.cart.models import CartLine
from marketplace.cart.repository import CartRepository
from marketplace.cart.schemas import (
    CartCheckout,
    CartGroup,
    CartLineAdd,
    CartLineRead,
    CartLineVat,
    CartQuantity,
    CartRead,
    LeftOut,
    LineLeftOut,
    LineState,
    RepeatedOrder,
)
from marketplace.catalog import rules
from marketplace.catalog.models import ListingStatus
from marketplace.catalog.repository import ListingRepository, ProducerFacts
from marketplace.catalog.service import ListingService, plain
from marketplace.catalog.units import REC20
from marketplace.order.schemas import CheckoutCreate, CheckoutLine, CheckoutRead, VatGroupRead
from marketplace.order.service import OrderService
from marketplace.order.taxes import listing_vats
from marketplace.organization.models import OrganizationKind
from marketplace.organization.service import OrganizationNotFound, OrganizationService
from marketplace.tax.breakdown import TaxedAmount, breakdown


class NotInCart(NotFound):
    slug = "not-in-cart"


class ListingUnavailable(InvalidInput):
    """The listing is paused or archived: it cannot go into a cart now."""

    slug = "listing-unavailable"


class CartEmpty(InvalidInput):
    slug = "cart-empty"


class NotTheBuyer(Forbidden):
    slug = "not-the-buyer"


class CartService:
    def __init__(self, session: AsyncSession, *, stripe_enabled: bool = False) -> None:
        self.session = session
        self.repo = CartRepository(session)
        self.catalog = ListingRepository(session)
        self.listings = ListingService(session)
        self.orders = OrderService(session, stripe_enabled=stripe_enabled)

    # --- changing the cart -------------------------------------------------------------

    async def add_line(self, principal: Principal, data: CartLineAdd) -> Decimal:
        """Put `data.quantity` of a listing in the caller's cart (added to what the cart holds of it
        already); the line's quantity after.

        The quantity is judged as checkout judges it: the added quantity positive and within the
        listing's unit (whole for counted units, at most three decimals), the line's quantity at
        least the minimum order and a whole number of packs; `InvalidInput` naming `quantity`
        otherwise, with nothing added. Raises `ListingNotFound` (404) for a listing the caller may
        not see and `ListingUnavailable` (422, naming `listing_id`) for one that is not active.
        """
        listing = await self.listings.read(principal, data.listing_id)
        if listing.status is not ListingStatus.active:
            raise ListingUnavailable.field("listing_id", f"the listing is {listing.status.value}; it cannot be ordered")
        rules.quantity(data.quantity, REC20[listing.unit], "quantity")
        async with self.session.begin_nested():  # a refused total leaves the line as it was
            total = await self.repo.add_quantity(principal.user_id, listing.id, data.quantity)
            rules.order_quantity(total, listing.unit, listing.pack_size, listing.min_order_quantity, "quantity")
        return plain(total)

    async def set_quantity(self, principal: Principal, listing_id: uuid.UUID, data: CartQuantity) -> None:
        """Change how much of a listing the caller's cart holds. Raises `NotInCart` (404) when it
        holds none, `InvalidInput` naming `quantity` for a quantity checkout would refuse (see
        `add_line`); a listing no longer active may still be changed (or taken out)."""
        # Whether the caller's cart holds it is asked first: the rules' words (a minimum order, a
        # pack size) are not told of a listing the caller has not seen.
        held = {line.listing_id for line in await self.repo.lines(principal.user_id)}
        rows = await self.catalog.rows_by_id([listing_id]) if listing_id in held else []
        if not rows:
            raise NotInCart("the listing is not in your cart")
        [row] = rows
        _orderable(data.quantity, row)
        if not await self.repo.set_quantity(principal.user_id, listing_id, data.quantity):
            raise NotInCart("the listing is not in your cart")

    async def remove_line(self, principal: Principal, listing_id: uuid.UUID) -> None:
        """Take a listing out of the caller's cart; `NotInCart` (404) when it was not in it."""
        if not await self.repo.remove(principal.user_id, listing_id):
            raise NotInCart("the listing is not in your cart")

    async def clear(self, principal: Principal) -> None:
        await self.repo.clear(principal.user_id)

    # --- reading it ------------------------------------------------------------------

    async def lines(
        self, principal: Principal, languages: Sequence[str] = (), buyer_organization_id: uuid.UUID | None = None
    ) -> CartRead:
        """The caller's cart: its lines by producer (in the order each producer's first line was
        added), each listing as it is now, titled in the first of `languages` it is written in.

        With `buyer_organization_id`, the VAT as checkout would decide it today for that buyer
        (`marketplace.order.taxes`): each line's category, rate and note, or why it cannot be
        decided (`vat_problem`); each producer's VAT per rate, rounded once, and its total with VAT.
        Raises `OrganizationNotFound` (404) unless the caller is a member of that organisation."""
        if buyer_organization_id is not None:
            standing = await OrganizationService(self.session).standing(principal, buyer_organization_id)
            if not standing.is_member:
                raise OrganizationNotFound("no such organization")
        lines = await self.repo.lines(principal.user_id)
        if not lines:
            return CartRead(groups=[], line_count=0, orderable=False, buyer_organization_id=buyer_organization_id)
        rows = {row["id"]: row for row in await self.catalog.rows_by_id([line.listing_id for line in lines])}
        producers = await self.catalog.producer_facts({row["organization_id"] for row in rows.values()})
        taxes = await self._taxes(buyer_organization_id, rows.values()) if buyer_organization_id else {}
        grouped: dict[tuple[uuid.UUID, str], list[CartLineRead]] = {}
        for line in lines:
            row = rows[line.listing_id]
            offered = _offered(row, producers[row["organization_id"]])
            grouped.setdefault((row["organization_id"], row["currency"]), []).append(
                _line_read(line, row, list(languages), offered=offered, vat=taxes.get(line.listing_id))
            )
        groups = [
            _group(producer_id, producers[producer_id].name, currency, items, taxed=bool(taxes))
            for (producer_id, currency), items in grouped.items()
        ]
        return CartRead(
            groups=groups,
            line_count=len(lines),
            orderable=all(item.state is LineState.orderable for group in groups for item in group.lines),
            buyer_organization_id=buyer_organization_id,
        )

    async def _taxes(self, buyer_id: uuid.UUID, rows: Iterable[dict[str, Any]]) -> dict[uuid.UUID, CartLineVat | str]:
        """Each listing's VAT as checkout decides it today for `buyer_id` (`order.taxes.listing_vats`),
        or, where it cannot be decided, checkout's words for why."""
        _, decided = await listing_vats(self.session, buyer_id, list(rows))
        return {
            listing_id: vat
            if isinstance(vat, str)
            else CartLineVat(category=vat.code, rate=plain(vat.rate), note=vat.note.value if vat.note else None)
            for listing_id, vat in decided.items()
        }

    async def listing_ids(self, principal: Principal) -> list[uuid.UUID]:
        """The caller's cart's listings in the order checkout numbers its lines (`lines[0]` first)."""
        return [line.listing_id for line in await self.repo.lines(principal.user_id)]

    # --- ordering it -----------------------------------------------------------------

    async def checkout(self, principal: Principal, data: CartCheckout) -> CheckoutRead:
        """Order every line of the caller's cart (`OrderService.checkout`: one order per producer)
        and empty the cart, together: a refusal leaves both the cart and the stock as they were.

        Raises what `OrderService.checkout` raises, its lines numbered as `listing_ids` lists
        them (`$.lines[1].quantity` is the second listing's), and `CartEmpty` (422) for an empty
        cart. The cart's lines stay locked until the transaction ends, so a second checkout of
        the same cart at once finds it empty."""
        lines = await self.repo.lines(principal.user_id, for_update=True)
        if not lines:
            raise CartEmpty("your cart is empty")
        order = CheckoutCreate(
            buyer_organization_id=data.buyer_organization_id,
            lines=[CheckoutLine(listing_id=line.listing_id, quantity=line.quantity) for line in lines],
            delivery=data.delivery,
            payment_method=data.payment_method,
            display_currency=data.display_currency,
            hub_id=data.hub_id,
        )
        # A refused checkout may have taken some stock already: the savepoint gives it back even
        # when the caller answers the refusal and commits (a page showing the reasons does).
        async with self.session.begin_nested():
            placed = await self.orders.checkout(principal, order)
            await self.repo.clear(principal.user_id)
        return placed

    async def repeat(self, principal: Principal, order_id: uuid.UUID, languages: Sequence[str] = ()) -> RepeatedOrder:
        """Put the lines of an earlier order of the caller's organisation in their cart again (added
        to what it holds), each listing that is still offered at a quantity it can still be ordered
        in; the rest are left out, each with why.

        Raises `OrderNotFound` (404) for an order the caller has no part in and `NotTheBuyer` (403)
        for a caller who is not a member of its buyer."""
        order = await self.orders.read(principal, order_id)
        if not (await OrganizationService(self.session).standing(principal, order.buyer_organization_id)).is_member:
            raise NotTheBuyer("only the buyer's members can order the same again")
        ids = [line.listing_id for line in order.lines if line.listing_id is not None]
        rows = {row["id"]: row for row in await self.catalog.rows_by_id(ids)} if ids else {}
        producers = await self.catalog.producer_facts({row["organization_id"] for row in rows.values()})
        added: list[uuid.UUID] = []
        left_out: list[LineLeftOut] = []
        for line in order.lines:
            row = rows.get(line.listing_id) if line.listing_id is not None else None
            if line.listing_id is None or row is None:
                left_out.append(LineLeftOut(title=line.title, reason=LeftOut.tendered))
                continue
            title = _title(row, list(languages))
            if not _offered(row, producers[row["organization_id"]]):
                left_out.append(LineLeftOut(title=title, reason=LeftOut.unavailable))
                continue
            try:
                async with self.session.begin_nested():
                    total = await self.repo.add_quantity(principal.user_id, row["id"], line.quantity)
                    _orderable(total, row)
            except InvalidInput:
                left_out.append(LineLeftOut(title=title, reason=LeftOut.quantity_not_orderable))
                continue
            added.append(row["id"])
        return RepeatedOrder(order_id=order.id, added=added, left_out=left_out)


def _offered(row: dict[str, Any], producer: ProducerFacts) -> bool:
    """The listing `row` can be ordered at all: it is active and its producer sells."""
    return row["status"] is ListingStatus.active and producer.kind is not OrganizationKind.buyer


def _orderable(quantity: Decimal, row: dict[str, Any]) -> None:
    """`InvalidInput` naming `quantity` unless checkout would take `quantity` of the listing `row`."""
    rules.order_quantity(quantity, row["unit_code"], row["pack_size"], row["min_order_quantity"], "quantity")


def _title(row: dict[str, Any], languages: list[str]) -> str:
    translations: dict[str, dict[str, str]] = row["translations"]
    language = pick_language(list(translations), languages, row["default_language"])
    return (translations.get(language) or {}).get("title") or row["sku"]


def _group(producer_id: uuid.UUID, name: str, currency: str, items: list[CartLineRead], *, taxed: bool) -> CartGroup:
    """One producer's lines in one currency (one order at checkout); `taxed`: with the VAT of the
    lines whose VAT is decided, and the total with VAT once every line's is."""
    net = sum(item.total.amount_minor for item in items)
    groups = breakdown(
        (
            TaxedAmount(code=item.vat.category, rate=item.vat.rate, net_minor=item.total.amount_minor)
            for item in items
            if item.vat is not None
        ),
        currency,
    )
    vat = sum(group.tax_minor for group in groups)
    decided = taxed and all(item.vat is not None for item in items)
    return CartGroup(
        producer_organization_id=producer_id,
        producer_name=name,
        subtotal=Amount(amount_minor=net, currency=currency),
        lines=items,
        vat_breakdown=[
            VatGroupRead(
                category=group.code,
                rate=plain(group.rate),
                taxable=Amount(amount_minor=group.taxable_minor, currency=currency),
                vat=Amount(amount_minor=group.tax_minor, currency=currency),
            )
            for group in groups
        ],
        vat=Amount(amount_minor=vat, currency=currency) if decided else None,
        total=Amount(amount_minor=net + vat, currency=currency) if decided else None,
    )


def _line_read(
    line: CartLine,
    row: dict[str, Any],
    languages: list[str],
    *,
    offered: bool,
    vat: CartLineVat | str | None = None,
) -> CartLineRead:
    translations: dict[str, dict[str, str]] = row["translations"]
    language = pick_language(list(translations), languages, row["default_language"])
    tiers = [(Decimal(t["min_quantity"]), Decimal(t["unit_price"])) for t in row["price_tiers"]]
    # Below the first tier (a quantity the listing no longer takes), the first tier's price.
    tier_min, unit_price = rules.tier_for(tiers, line.quantity) if line.quantity >= tiers[0][0] else tiers[0]
    problem = None
    try:
        _orderable(line.quantity, row)
    except InvalidInput as error:
        problem = error.errors[0].message if error.errors else error.detail
    if not offered:
        state = LineState.unavailable
    elif problem is not None:
        state = LineState.quantity_not_orderable
    elif row["stock_on_hand"] < line.quantity:
        state = LineState.short_of_stock
    else:
        state = LineState.orderable
    total = line_total(unit_price, line.quantity, row["currency"])
    return CartLineRead(
        listing_id=line.listing_id,
        sku=row["sku"],
        title=(translations.get(language) or {}).get("title") or row["sku"],
        language=language,
        unit=row["unit_code"],
        quantity=plain(line.quantity),
        pack_size=plain(row["pack_size"]),
        min_order_quantity=plain(row["min_order_quantity"]),
        stock_on_hand=plain(row["stock_on_hand"]),
        status=row["status"],
        unit_price=plain(unit_price),
        tier_min_quantity=plain(tier_min),
        total=Amount(amount_minor=total.amount_minor, currency=row["currency"]),
        state=state,
        problem=problem if state is LineState.quantity_not_orderable else None,
        added_at=line.created_at,
        vat=vat if isinstance(vat, CartLineVat) else None,
        vat_problem=vat if isinstance(vat, str) else None,
    )
