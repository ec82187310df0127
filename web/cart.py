"""Pages of the cart and the checkout: putting goods in the cart (from a listing's page), the cart by
producer with each line's tier price and total, and checking it out for one of the reader's buying
organisations (one order per producer: the confirmation is `web.orders`), by invoice or, where
Stripe is configured, by card on Stripe's hosted payment page. Prices are without VAT: the cart shows
the VAT checkout will charge for the organisation that buys (the reader's only one, or the one
chosen), each producer's VAT per rate and total with VAT.

Every rule is the cart service's (`marketplace.cart.service.CartService`, which checks out through
`OrderService.checkout`, as the API does) and the card payments' (`CardPaymentService`); the pages
say their answers in the reader's language.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import DomainError, Forbidden, InvalidInput
from kernel.numbers import read_number
from kernel.validation import convert
from marketplace.api import buying_jurisdiction, hub_summary
from marketplace.card.service import CardPaymentService
from marketplace.cart.schemas import CartCheckout, CartLineAdd, CartQuantity, CartRead, LineState
from marketplace.cart.service import CartEmpty, CartService
from marketplace.order.models import PaymentMethod
from marketplace.order.service import OutOfStock
from marketplace.organization.schemas import OrganizationRead
from marketplace.organization.service import EmailUnverified
from marketplace.payment.controllers import CardGateway
from marketplace.payment.stripe_gateway import PaymentProviderError
from marketplace.settings import MarketplaceSettings
from web.messages import FIELD_MESSAGES, Phrasebook
from web.mine import my_memberships, my_organizations
from web.page import Form, Reader, form_values, page, safe_next, see_other, sign_in_path
from web.places import place_name
from web.vat_words import cart_vat
from web.words import UNVERIFIED

Session = NamedDependency[AsyncSession]
ThisReader = NamedDependency[Reader]
Marketplace = NamedDependency[MarketplaceSettings]
#: The checkout form's fields as the cart service names them.
CHECKOUT_FIELDS = {
    "$.buyer_organization_id": "buyer_organization_id",
    "$.delivery.jurisdiction": "buyer_organization_id",
    "$.hub_id": "hub_id",
    "$.payment_method": "payment_method",
    # A card payment's total beyond what Stripe charges (`stripe_currency.chargeable_problem`).
    "$.lines": "payment_method",
    "$.display_currency": "form",
    "$.delivery.address.recipient": "recipient",
    "$.delivery.address.line1": "street",
    "$.delivery.address.line2": "street_more",
    "$.delivery.address.postal_code": "postal_code",
    "$.delivery.address.city": "city",
}
_LINE_FIELD = re.compile(r"^\$\.lines\[(\d+)\]")


def _(text: str) -> str:
    """Marks a text for the catalog (`borderhub i18n extract`); it is translated when shown."""
    return text


NO_BUYING_ORGANIZATION = _("Only an organisation that buys can order. Create one, or ask to join one.")
CHOOSE_ORGANIZATION = _("Choose the organisation that buys.")
CHOOSE_HUB = _("Choose the hub you buy in.")


#: The catalog's and the checkout's words about one line, as the cart page says them (quantities
#: with their unit and places by name: `line_message`); the services' usual words about a field say the rest.
LINE_MESSAGES = Phrasebook(
    [
        (r"only (?P<quantity>[\d.]+ \w+) in stock", _("Only %(quantity)s are in stock.")),
        (r"below the minimum order of (?P<quantity>[\d.]+ \w+)", _("Order at least %(quantity)s.")),
        (r"must be a whole number of packs of (?P<quantity>[\d.]+ \w+)", _("Order whole packs of %(quantity)s.")),
        (r"must be a whole number of .*", _("Order a whole number.")),
        (r"the listing is \w+.*|no such listing", _("This is no longer offered.")),
        (r"the producer does not ship to (?P<place>\S+)", _("The producer does not deliver to %(place)s.")),
        (r"not eligible for (?P<place>[^:]+): (?P<reason>.*)", _("This may not be sold into %(place)s: %(reason)s")),
        (r"the producer is not a member of the hub", _("The producer does not sell in the hub you buy in.")),
        (r"one of your own listings", _("These are your own organisation's goods.")),
        (
            r"(?P<place>[A-Z]{2}) has no [a-z_-]+ VAT rate: the producer must change the listing's VAT category",
            _(
                "There is no VAT rate for these goods in %(place)s today: "
                "they can be ordered once the producer changes their VAT category."
            ),
        ),
        (
            r"the producer cannot be paid by card yet.*",
            _("This producer cannot be paid by card yet. Choose to pay by invoice."),
        ),
    ],
    then=FIELD_MESSAGES,
)


def line_message(message: str, reader: Reader) -> str:
    """A service's words about one cart line (or its quantity) in the reader's language."""

    def quantity(said: str) -> str:  # `12.5 KGM`: the number and the unit's code
        number, code = said.split(" ", 1)
        return reader.formats.quantity(Decimal(number), code)

    def place(code: str) -> str:
        return place_name(code, reader.language)

    return LINE_MESSAGES.say(message, reader.gettext, {"quantity": quantity, "place": place, "reason": reader.gettext})


def _line_problems(error: DomainError, listing_ids: list[uuid.UUID], reader: Reader) -> dict[str, list[str]]:
    """The problems of a refused checkout, by the listing (id) of the cart line each is about."""
    problems: dict[str, list[str]] = {}
    for problem in error.errors:
        found = _LINE_FIELD.match(problem.field)
        key = "form"
        if found is not None and int(found.group(1)) < len(listing_ids):
            key = str(listing_ids[int(found.group(1))])
        problems.setdefault(key, []).append(line_message(problem.message, reader))
    if not error.errors:
        problems["form"] = [reader.gettext(error.detail)]
    return problems


def _with_notice(path: str, notice: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}{urlencode({'notice': notice})}"


@dataclass(frozen=True)
class Buying:
    """What the checkout form offers: the reader's buying organisations and the hubs they buy in."""

    organizations: list[OrganizationRead]
    hubs: dict[uuid.UUID, str]
    """Every hub some of them is admitted to, by name."""

    @property
    def organization_choices(self) -> list[tuple[str, str]]:
        return [(str(o.id), o.legal_name) for o in self.organizations]

    @property
    def hub_choices(self) -> list[tuple[str, str]]:
        return sorted(((str(hub_id), name) for hub_id, name in self.hubs.items()), key=lambda c: c[1])

    def find(self, organization_id: str | None) -> OrganizationRead | None:
        """The organisation chosen (by its id as posted), or the reader's only one."""
        if len(self.organizations) == 1:
            return self.organizations[0]
        return next((o for o in self.organizations if str(o.id) == organization_id), None)


async def _buying(session: AsyncSession, principal: Principal) -> Buying:
    buyers = await my_organizations(session, principal, buying=True)
    hub_ids = {hub.hub_id for o in buyers for hub in o.hubs if hub.status == "admitted"}
    hubs = {hub_id: (await hub_summary(session, hub_id)).name for hub_id in hub_ids}
    return Buying(organizations=buyers, hubs=hubs)


async def _to_stripe(
    reader: Reader, cards: CardPaymentService, checkout_id: uuid.UUID, settings: MarketplaceSettings
) -> Redirect:
    """Orders placed to be paid by card wait for the payment, made on Stripe's hosted page: the
    browser goes there (no payment of ours is made first; see `CardPaymentService.pay_on_hosted_page`)."""
    principal = reader.require()
    confirmation = f"{settings.public_url.rstrip('/')}/checkouts/{checkout_id}"
    try:
        hosted = await cards.pay_on_hosted_page(
            principal,
            checkout_id,
            success_url=f"{confirmation}?paid=1",
            cancel_url=confirmation,
            language=reader.language,
        )
    except PaymentProviderError:
        # The orders are placed all the same: their page offers to pay by card again.
        return see_other(f"/checkouts/{checkout_id}", notice="checkout-placed-pay-later")
    if hosted.url is None:
        return see_other(f"/checkouts/{checkout_id}", paid="1")
    return Redirect(hosted.url, status_code=303)


class CartPages(Controller):
    path = "/"
    include_in_schema = False

    # --- the cart ----------------------------------------------------------------------

    @post("/cart/lines")
    async def add(
        self, request: Request[Any, Any, Any], reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        """Put a listing in the cart (a listing page's form), then back where the reader was."""
        values = await form_values(request)
        back = safe_next(values.get("next") or "/cart")
        if reader.principal is None:  # back to the goods once signed in (this path takes no GET)
            return Redirect(sign_in_path(back), status_code=303)
        principal = reader.principal
        cart = CartService(db_session)
        try:
            data = convert(
                {
                    "listing_id": values.get("listing_id", ""),
                    "quantity": read_number(values.get("quantity", ""), reader.formats.locale),
                },
                CartLineAdd,
            )
            await cart.add_line(principal, data)
        except InvalidInput as error:
            problems = [line_message(problem.message, reader) for problem in error.errors] or [
                reader.gettext(error.detail)
            ]
            return await self._cart_page(reader, cart, principal, status=422, not_added=problems, back=back)
        return Redirect(_with_notice(back, "added-to-cart"), status_code=303)

    @get("/cart", name="cart")
    async def show(self, reader: ThisReader, db_session: Session, buyer: FromQuery[str | None] = None) -> Template:
        """The cart, with the VAT for `buyer` (one of the reader's buying organisations; the first
        by name when none is chosen)."""
        principal = reader.require()
        return await self._cart_page(reader, CartService(db_session), principal, buyer=buyer)

    @post("/cart/lines/{listing_id:uuid}/quantity")
    async def change(
        self, request: Request[Any, Any, Any], listing_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Template | Redirect:
        principal = reader.require()
        values = await form_values(request)
        cart = CartService(db_session)
        try:
            data = convert({"quantity": values.get("quantity", "")}, CartQuantity)
            await cart.set_quantity(principal, listing_id, data)
        except InvalidInput as error:
            problems = {str(listing_id): [line_message(p.message, reader) for p in error.errors]}
            return await self._cart_page(
                reader, cart, principal, status=422, problems=problems, typed={str(listing_id): values.get("quantity")}
            )
        return see_other("/cart", notice="cart-updated")

    @post("/cart/lines/{listing_id:uuid}/remove")
    async def remove(self, listing_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session) -> Redirect:
        principal = reader.require()
        await CartService(db_session).remove_line(principal, listing_id)
        return see_other("/cart", notice="cart-line-removed")

    async def _cart_page(
        self,
        reader: Reader,
        cart: CartService,
        principal: Principal,
        *,
        status: int = 200,
        problems: Mapping[str, list[str]] | None = None,
        not_added: list[str] | None = None,
        back: str | None = None,
        typed: Mapping[str, str | None] | None = None,
        buyer: str | None = None,
    ) -> Template:
        """The cart; its VAT is the one checkout charges `buyer` (an organisation's id as chosen),
        or the first of the reader's buying organisations (none: no VAT is shown)."""
        buyers = await my_memberships(cart.session, principal, buying=True)
        chosen = next((o for o in buyers if str(o.id) == buyer), buyers[0] if buyers else None)
        content: CartRead = await cart.lines(principal, [reader.language], chosen.id if chosen else None)
        problems = dict(problems or {})
        return page(
            reader,
            "cart/cart.jinja",
            status_code=status,
            cart=content,
            vats=[cart_vat(group, reader) for group in content.groups],
            buyers=[(str(o.id), o.legal_name) for o in buyers],
            buyer=chosen,
            buyer_form=Form(),
            problems=problems,
            form_problems=problems.get("form", []),
            not_added=not_added or [],
            back=back,
            typed=typed or {},
            states=LineState,
            say=lambda message: line_message(message, reader),
        )

    # --- the checkout ------------------------------------------------------------------

    @get("/checkout", name="checkout")
    async def checkout_form(
        self, reader: ThisReader, db_session: Session, stripe_gateway: CardGateway
    ) -> Template | Redirect:
        principal = reader.require()
        buying = await _buying(db_session, principal)
        sole = buying.find(None)  # the VAT is the buyer's: known here when the reader has one buyer
        cart = await CartService(db_session).lines(principal, [reader.language], sole.id if sole else None)
        if not cart.line_count:
            return see_other("/cart")
        values: dict[str, str] = {"payment_method": PaymentMethod.invoice.value}
        if len(buying.organizations) == 1:
            [only] = buying.organizations
            values |= {"buyer_organization_id": str(only.id), "recipient": only.legal_name}
            values |= {"city": only.municipality or ""}
        return await self._checkout_page(reader, cart, buying, Form(values=values), cards=stripe_gateway is not None)

    @post("/checkout")
    async def checkout(
        self,
        request: Request[Any, Any, Any],
        reader: ThisReader,
        db_session: Session,
        stripe_gateway: CardGateway,
        marketplace_settings: Marketplace,
    ) -> Template | Redirect:
        """Order the cart: the confirmation after (by card, Stripe's payment page first); the form
        again naming each bad field; the cart naming each line's problem when checkout refuses lines."""
        principal = reader.require()
        values = await form_values(request)
        form = Form(values=values)
        cards = stripe_gateway is not None
        cart = CartService(db_session, stripe_enabled=cards)
        buying = await _buying(db_session, principal)
        chosen = buying.find(values.get("buyer_organization_id"))
        jurisdiction = await buying_jurisdiction(db_session, principal, chosen.id) if chosen else None
        address = {
            "recipient": values.get("recipient", ""),
            "line1": values.get("street", ""),
            "postal_code": values.get("postal_code", ""),
            "city": values.get("city", ""),
        }
        if values.get("street_more"):
            address["line2"] = values["street_more"]
        try:
            data = convert(
                {
                    "buyer_organization_id": str(chosen.id) if chosen else values.get("buyer_organization_id", ""),
                    "hub_id": values.get("hub_id") or None,
                    "payment_method": values.get("payment_method") or PaymentMethod.invoice.value,
                    "delivery": {"jurisdiction": jurisdiction or "", "address": address},
                },
                CartCheckout,
            )
            placed = await cart.checkout(principal, data)
        except CartEmpty:
            return see_other("/cart")
        except (InvalidInput, OutOfStock) as error:
            if any(_LINE_FIELD.match(problem.field) for problem in error.errors):
                problems = _line_problems(error, await cart.listing_ids(principal), reader)
                chosen_id = str(chosen.id) if chosen else None
                return await self._cart_page(
                    reader, cart, principal, status=error.status, problems=problems, buyer=chosen_id
                )
            form.note(error, reader, CHECKOUT_FIELDS)
            if "buyer_organization_id" in form.errors and chosen is None:
                form.errors["buyer_organization_id"] = reader.gettext(CHOOSE_ORGANIZATION)
            if "hub_id" in form.errors and not values.get("hub_id"):
                form.errors["hub_id"] = reader.gettext(CHOOSE_HUB)
            content = await cart.lines(principal, [reader.language], chosen.id if chosen else None)
            return await self._checkout_page(reader, content, buying, form, status=422, cards=cards)
        except Forbidden as error:
            form.problem = reader.gettext(UNVERIFIED) if isinstance(error, EmailUnverified) else None
            form.problem = form.problem or reader.gettext(NO_BUYING_ORGANIZATION)
            content = await cart.lines(principal, [reader.language], chosen.id if chosen else None)
            return await self._checkout_page(reader, content, buying, form, status=403, cards=cards)
        if placed.payment_method is not PaymentMethod.stripe:
            return see_other(f"/checkouts/{placed.id}", notice="checkout-placed")
        return await _to_stripe(reader, CardPaymentService(db_session, stripe_gateway), placed.id, marketplace_settings)

    async def _checkout_page(
        self,
        reader: Reader,
        cart: CartRead,
        buying: Buying,
        form: Form,
        *,
        status: int = 200,
        cards: bool = False,
    ) -> Template:
        """The checkout form; `cards`: Stripe is configured, so paying by card is offered too."""
        chosen = buying.find(form.values.get("buyer_organization_id"))
        destinations = {
            str(o.id): place_name(o.subdivision or o.country, reader.language) for o in buying.organizations
        }
        return page(
            reader,
            "cart/checkout.jinja",
            status_code=status,
            cart=cart,
            form=form,
            buying=buying,
            chosen=chosen,
            destinations=destinations,
            cards=cards,
            paying_by=form.values.get("payment_method") or PaymentMethod.invoice.value,
        )
