"""Card payments through Stripe Connect ("separate charges and transfers").

A buyer pays a whole checkout with one PaymentIntent in the checkout's currency. When
Stripe reports it succeeded, each order is marked paid and its share is transferred to
its producer's connected account less the hub's fee; cancelled or rejected orders and
disputes' refunds go back to the card, and the producer's transfer is reversed in
proportion. `transfer_group` ties a checkout's charge, transfers and refunds together.

Money moves (transfers, refunds, reversals) run as outbox subscribers (`card.jobs`), after
the change that made them due has committed. Each is recorded as `pending` when it falls due
and `made` as soon as Stripe confirms it, in its own transaction. One that cannot be made now
(the producer's account is not active, Stripe refused or did not answer) stays pending with the
reason, and is tried again when its cause clears (`account.updated`) and by the reconciliation
(`card.reconciliation`): a job does not fail for Stripe's sake. Every Stripe call carries an
idempotency key fingerprinting its parameters, and every call that moves money first looks for the
object an earlier attempt may have made (its answer lost, or its record rolled back with a crash),
so money never moves twice, even after Stripe has forgotten the key.

Transfers are made from the charge (`source_transaction`), so in the currency of the charge's
balance transaction, the platform's settlement currency: each order's share of what the platform
received is apportioned by the orders' display totals, and the hub's fee kept from it.

A checkout is paid either with a PaymentIntent of ours, which the buyer's browser confirms with
Stripe.js or the Payment Element (`start`, the API's way), or on Stripe's hosted payment page, a
Checkout Session (`pay_on_hosted_page`, the pages' way, which needs no Stripe JavaScript on ours):
whichever is asked for first, and never both (see `pay_on_hosted_page`).

Card payments build on orders (they pay a checkout's orders and move money per order), so
this domain sits above `order`; the payment records and the Stripe client it uses belong to
`payment`, below orders, which read them at checkout.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections.abc import Awaitable, Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, TypeVar

import stripe
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, clock
from kernel.auth import Principal
from kernel.errors import Conflict, InvalidInput, NotFound, Unavailable
from kernel.money import Amount, apportion
from kernel.outbox import emit
from marketplace.card.repository import CardRepository
from marketplace.card.schemas import (
    CardPaymentRead,
    CardRefundRead,
    CardTransferRead,
    HostedPayment,
    OnboardingLink,
    OnboardingRequest,
    PaymentAttention,
    PayoutAccountRead,
)
from marketplace.events import (
    CardPaymentDisputed,
    CardPaymentSucceeded,
    CardReversalDue,
    CardTransferDue,
    TransferSent,
)
from marketplace.hub.service import HubService
from marketplace.order.models import UNPAID_CARD_ORDER_HOURS, Checkout, Order, OrderStatus, PaymentMethod
from marketplace.order.repository import OrderRepository
from marketplace.order.service import OrderService
from marketplace.organization.models import Role
from marketplace.organization.repository import OrganizationRepository
from marketplace.organization.service import OrganizationService, require_verified_email
from marketplace.payment.models import (
    CardCheckoutSession,
    CardPayment,
    CardRefund,
    CardTransfer,
    MoveStatus,
    PayoutAccount,
)
from marketplace.payment.repository import PaymentRepository
from marketplace.payment.stripe_currency import from_stripe, refund_amount, to_stripe, transfer_amount
from marketplace.payment.stripe_gateway import PaymentProviderError, StripeGateway

_log = structlog.get_logger("borderhub.payment")


M = TypeVar("M", bound=stripe.StripeObject)

#: How long a PaymentIntent no checkout records may still belong to a request that has not committed.
ORPHAN_GRACE = dt.timedelta(minutes=15)
#: PaymentIntent statuses Stripe lets us cancel.
CANCELLABLE = frozenset({"requires_payment_method", "requires_confirmation", "requires_action", "requires_capture"})
_CANCELLED = (OrderStatus.cancelled, OrderStatus.rejected)


class CardPaymentsOff(Conflict):
    slug = "card-payments-off"


class NotPaidByCard(Conflict):
    slug = "not-paid-by-card"


class CardPaymentNotFound(NotFound):
    slug = "card-payment-not-found"


class PaidOnHostedPage(Conflict):
    """The checkout is paid on Stripe's hosted payment page: no PaymentIntent of ours is made for it."""

    slug = "paid-on-hosted-page"


class PaymentStartedElsewhere(Conflict):
    """A PaymentIntent of ours was started for the checkout (`start`): it is paid by confirming that
    one, so Stripe's hosted page is not opened for it."""

    slug = "card-payment-started-elsewhere"


class PaymentNotRecordedYet(Unavailable):
    """Stripe reports on a PaymentIntent of ours whose record is still being written (the request
    that created it has not committed): answered 503 so that Stripe delivers the event again."""

    slug = "payment-not-recorded-yet"


#: The languages Stripe's hosted payment page speaks (Checkout's `locale`); any other is "auto".
CHECKOUT_LOCALES = frozenset(
    {
        *("bg", "cs", "da", "de", "el", "en", "en-GB", "es", "es-419", "et", "fi", "fil", "fr", "fr-CA"),
        *("hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "mt", "nb", "nl", "pl", "pt", "pt-BR"),
        *("ro", "ru", "sk", "sl", "sv", "th", "tr", "vi", "zh", "zh-HK", "zh-TW"),
    }
)
#: Stripe's limit on a product's name (the hosted page shows it as what is paid for).
PRODUCT_NAME_LENGTH = 250


def transfer_group(checkout_id: uuid.UUID) -> str:
    return f"checkout_{checkout_id}"


def checkout_locale(language: str | None) -> str:
    """The language of Stripe's hosted payment page for a reader of `language` (a BCP 47 tag):
    the same where Stripe has it, else its base language, else Stripe's own pick ("auto")."""
    if not language:
        return "auto"
    if language in CHECKOUT_LOCALES:
        return language
    base = language.split("-", 1)[0].lower()
    return base if base in CHECKOUT_LOCALES else "auto"


def hub_fee(amount_minor: int, percent: Decimal) -> int:
    """The hub's share of a card-paid order, rounded half up to the minor unit."""
    return int((Decimal(amount_minor) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def in_proportion(amount_minor: int, part_minor: int, whole_minor: int) -> int:
    """`amount_minor` * part / whole, rounded half up (a partial refund's share of a transfer)."""
    if whole_minor <= 0:
        return 0
    exact = Decimal(amount_minor) * Decimal(part_minor) / Decimal(whole_minor)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _problem(exc: PaymentProviderError) -> str:
    """Why a money move waits, in Stripe's words where it gave some."""
    cause = exc.__cause__
    if not isinstance(cause, stripe.StripeError):
        return str(exc)[:500]
    said = cause.user_message or type(cause).__name__
    if isinstance(cause, stripe.InvalidRequestError | stripe.PermissionError | stripe.IdempotencyError):
        return f"Stripe refused: {said}"[:500]
    return f"Stripe did not answer ({said}); tried again later"[:500]


class CardPaymentService:
    def __init__(self, session: AsyncSession, stripe_gateway: StripeGateway | None) -> None:
        self.session = session
        self.repo = PaymentRepository(session)
        self.cards = CardRepository(session)
        self.orders = OrderRepository(session)
        self.organizations = OrganizationService(session)
        self._stripe = stripe_gateway

    @property
    def gateway(self) -> StripeGateway:
        if self._stripe is None:
            raise CardPaymentsOff("card payments (Stripe) are not set up on this service")
        return self._stripe

    # --- producers' connected accounts -------------------------------------------------

    async def onboard(
        self, principal: Principal, organization_id: uuid.UUID, data: OnboardingRequest
    ) -> OnboardingLink:
        """A Stripe onboarding link for a selling organisation (its admins), creating its
        connected account the first time. Raises `InvalidInput` for a buy-only organisation."""
        await self.organizations.require_role(principal, organization_id, Role.admin)
        organization = await OrganizationRepository(self.session).get(organization_id)
        assert organization is not None  # noqa: S101 - checked by require_role
        if not organization.sells:
            raise InvalidInput.field("organization_id", "only producers receive card payments; this one only buys")
        account = await self.repo.payout_account(organization_id)
        if account is None:
            # The key fingerprints these parameters: a producer renamed between a lost answer and the
            # retry gets a new account request, not Stripe's idempotency_error.
            created = await self.gateway.create_account(
                {
                    "type": "express",
                    "country": organization.country,
                    "capabilities": {"transfers": {"requested": True}},
                    "business_profile": {"name": organization.legal_name},
                    "metadata": {"organization_id": str(organization_id)},
                }
            )
            account = PayoutAccount(organization_id=organization_id, stripe_account_id=created.id)
            _apply_account(account, created)
            await self.repo.add(account)
            await audit.record(
                self.session,
                principal,
                "payout_account.created",
                object_type="payout_account",
                object_id=account.id,
                organization_id=organization_id,
                after={"stripe_account_id": created.id},
            )
        link = await self.gateway.create_account_link(
            {
                "account": account.stripe_account_id,
                "type": "account_onboarding",
                "return_url": data.return_url,
                "refresh_url": data.refresh_url,
            }
        )
        return OnboardingLink(
            url=link.url,
            expires_at=dt.datetime.fromtimestamp(link.expires_at, dt.UTC),
            account=_account_read(account),
        )

    async def payout_account(self, principal: Principal, organization_id: uuid.UUID) -> PayoutAccountRead:
        await self.organizations.require_role(principal, organization_id, Role.member)
        account = await self.repo.payout_account(organization_id)
        if account is None:
            raise NotFound("the organization has no payout account yet; its admin starts Stripe onboarding")
        return _account_read(account)

    async def transfers_to(self, principal: Principal, organization_id: uuid.UUID) -> list[CardTransferRead]:
        """The card money of a producer's paid orders (its members), newest first: per order what the
        buyer paid, the hub's fee, what was transferred and what refunds took back. Raises `NotFound`
        for an organisation the caller is no member of."""
        await self.organizations.require_role(principal, organization_id, Role.member)
        return [
            CardTransferRead(
                order_id=transfer.order_id,
                buyer=buyer,
                status=transfer.status.value,
                pending_reason=transfer.pending_reason,
                charged=Amount(amount_minor=transfer.charge_amount_minor, currency=transfer.charge_currency),
                share=Amount(amount_minor=transfer.share_minor, currency=transfer.currency),
                fee=Amount(amount_minor=transfer.fee_minor, currency=transfer.currency),
                amount=Amount(amount_minor=transfer.amount_minor, currency=transfer.currency),
                reversed=Amount(amount_minor=transfer.reversed_minor, currency=transfer.currency),
                refunded=(
                    Amount(amount_minor=refund.amount_minor, currency=refund.currency)
                    if refund is not None and refund.status is MoveStatus.made
                    else None
                ),
                due_at=transfer.created_at,
            )
            for transfer, refund, buyer in await self.cards.transfers_to(organization_id)
        ]

    # --- paying a checkout ---------------------------------------------------------------

    async def start(self, principal: Principal, checkout_id: uuid.UUID) -> CardPaymentRead:
        """The checkout's PaymentIntent (created the first time) for its buyer's members.

        It covers the orders still awaiting payment, each for its display total, in the
        checkout's currency. Raises `NotPaidByCard` (409) for an invoice checkout,
        `PaidOnHostedPage` (409) for one paid on Stripe's hosted page (`pay_on_hosted_page`) and
        `Conflict` (409) when no order awaits payment."""
        checkout = await OrderService(self.session).buyers_checkout(principal, checkout_id)
        require_verified_email(principal)
        if checkout.payment_method is not PaymentMethod.stripe:
            raise NotPaidByCard("this checkout is paid by invoice")
        # The orders locked first, as `pay_on_hosted_page` locks them: of two requests for one
        # checkout, the second sees what the first made (a PaymentIntent or a hosted page), so a
        # checkout never gets both.
        locked = await self.orders.orders_of_checkout(checkout_id, for_update=True)
        payment = await self.repo.card_payment(checkout_id, for_update=True)
        if payment is not None:
            return await self._read(payment)
        if await self.repo.card_checkout_session(checkout_id, for_update=True) is not None:
            raise PaidOnHostedPage(
                "this checkout is paid on Stripe's hosted payment page (its Checkout Session); no other "
                "payment is started for it"
            )
        orders = [order for order in locked if order.status is OrderStatus.pending_payment]
        if not orders:
            raise Conflict("no order of this checkout awaits payment")
        amount = sum(order.display_total_minor for order in orders)
        currency = checkout.display_currency
        intent = await self.gateway.create_payment_intent(
            {
                "amount": to_stripe(amount, currency),
                "currency": currency.lower(),
                "automatic_payment_methods": {"enabled": True},
                "transfer_group": transfer_group(checkout_id),
                "description": f"Borderhub checkout {checkout_id}",
                "metadata": {
                    "checkout_id": str(checkout_id),
                    "buyer_organization_id": str(checkout.buyer_organization_id),
                },
            }
        )
        payment = CardPayment(
            checkout_id=checkout_id,
            payment_intent_id=intent.id,
            order_ids=[order.id for order in orders],
            client_secret=intent.client_secret or "",
            currency=currency,
            amount_minor=amount,
            status=intent.status,
            refunded_minor=0,
        )
        await self.repo.add(payment)
        await audit.record(
            self.session,
            principal,
            "card_payment.started",
            object_type="checkout",
            object_id=checkout_id,
            organization_id=checkout.buyer_organization_id,
            hub_id=checkout.hub_id,
            after={"payment_intent_id": intent.id, "amount_minor": amount, "currency": currency},
        )
        return await self._read(payment)

    async def pay_on_hosted_page(
        self,
        principal: Principal,
        checkout_id: uuid.UUID,
        *,
        success_url: str,
        cancel_url: str,
        language: str | None = None,
    ) -> HostedPayment:
        """Where the buyer pays the checkout on Stripe's hosted payment page (for its buyer's members):
        its Checkout Session, made the first time and the same one again while it is open; a new
        one only once it expired unpaid.

        One payment per checkout. It is made either here or with a PaymentIntent of ours (`start`,
        for a client that confirms it with Stripe.js or the Payment Element), whichever is asked for
        first, never both: no session is made for a checkout whose PaymentIntent was started
        (`PaymentStartedElsewhere`, 409), and `start` refuses a checkout that has a session. Stripe
        makes the session's PaymentIntent itself when the buyer pays, with the metadata
        (`checkout_id`) and transfer group ours carry (`payment_intent_data`), so no PaymentIntent
        of ours is made first. Its events (`payment_intent.*`, `checkout.session.*`) then record it
        as the checkout's `CardPayment` (see `_adopt_hosted`) and everything after is as for a
        PaymentIntent of ours: the orders paid, the producers' transfers, refunds.

        The session charges the orders still awaiting payment, their display totals together in
        the checkout's currency; Stripe sends the buyer back to `success_url` once paid and to
        `cancel_url` otherwise, and speaks the reader's `language` where it can. A session paid
        already (its webhook not in yet) is recorded now and no page is given (`url` None).
        Raises `NotPaidByCard` (409) for an invoice checkout, `Conflict` (409) when no order awaits
        payment, `CardPaymentsOff` (409) without Stripe and `PaymentProviderError` (502) when Stripe
        does not answer."""
        checkout = await OrderService(self.session).buyers_checkout(principal, checkout_id)
        require_verified_email(principal)
        if checkout.payment_method is not PaymentMethod.stripe:
            raise NotPaidByCard("this checkout is paid by invoice")
        gateway = self.gateway
        # Its orders locked first, so that two requests for one checkout make one session.
        orders = await self.orders.orders_of_checkout(checkout_id, for_update=True)
        payment = await self.repo.card_payment(checkout_id, for_update=True)
        hosted = await self.repo.card_checkout_session(checkout_id, for_update=True)
        if payment is not None and hosted is None:
            raise PaymentStartedElsewhere(
                "a PaymentIntent was started for this checkout: confirm that one (its client_secret) "
                "instead of paying on Stripe's hosted page"
            )
        if hosted is not None:
            session = await gateway.checkout_session(hosted.stripe_session_id)
            hosted.status = str(session.status or hosted.status)
            await self.session.flush()
            intent_id = _id_of(session.payment_intent)
            if session.status == "complete" and intent_id is not None:
                await self.sync_payment(intent_id)
                return await self._hosted(hosted, None)
            if session.status == "open":
                return await self._hosted(hosted, session.url)
            if payment is not None and payment.status in ("succeeded", "processing"):
                return await self._hosted(hosted, None)
        waiting = [order for order in orders if order.status is OrderStatus.pending_payment]
        if not waiting:
            raise Conflict("no order of this checkout awaits payment")
        amount = sum(order.display_total_minor for order in waiting)
        currency = checkout.display_currency
        producers = OrganizationRepository(self.session)
        names: list[str] = []
        for order in waiting:
            producer = await producers.get(order.producer_organization_id)
            if producer is not None and producer.legal_name not in names:
                names.append(producer.legal_name)
        metadata = {"checkout_id": str(checkout_id), "buyer_organization_id": str(checkout.buyer_organization_id)}
        attempt = hosted.attempt + 1 if hosted is not None else 1
        session = await gateway.create_checkout_session(
            checkout_id,
            attempt,
            {
                "mode": "payment",
                # One line for the whole checkout: Stripe takes only the total in steps it charges in.
                "line_items": [
                    {
                        "quantity": 1,
                        "price_data": {
                            "currency": currency.lower(),
                            "unit_amount": to_stripe(amount, currency),
                            "product_data": {"name": ", ".join(names)[:PRODUCT_NAME_LENGTH] or "Borderhub"},
                        },
                    }
                ],
                "success_url": success_url,
                "cancel_url": cancel_url,
                "client_reference_id": str(checkout_id),
                "locale": checkout_locale(language),
                "metadata": metadata,
                "payment_intent_data": {
                    "transfer_group": transfer_group(checkout_id),
                    "description": f"Borderhub checkout {checkout_id}",
                    "metadata": metadata,
                },
            },
        )
        if hosted is None:
            hosted = CardCheckoutSession(checkout_id=checkout_id)
            self.session.add(hosted)
        hosted.stripe_session_id, hosted.attempt, hosted.url = session.id, attempt, str(session.url)
        hosted.status = str(session.status or "open")
        hosted.expires_at = dt.datetime.fromtimestamp(session.expires_at, dt.UTC)
        hosted.order_ids, hosted.currency, hosted.amount_minor = [order.id for order in waiting], currency, amount
        await self.session.flush()
        await audit.record(
            self.session,
            principal,
            "card_payment.hosted_page_opened",
            object_type="checkout",
            object_id=checkout_id,
            organization_id=checkout.buyer_organization_id,
            hub_id=checkout.hub_id,
            after={"checkout_session_id": session.id, "attempt": attempt, "amount_minor": amount, "currency": currency},
        )
        return await self._hosted(hosted, session.url)

    async def _hosted(self, hosted: CardCheckoutSession, url: str | None) -> HostedPayment:
        payment = await self.repo.card_payment(hosted.checkout_id)
        return HostedPayment(
            checkout_id=hosted.checkout_id,
            url=url,
            session_status=hosted.status,
            payment_status=payment.status if payment is not None else None,
            amount=Amount(amount_minor=hosted.amount_minor, currency=hosted.currency),
        )

    async def _adopt_hosted(self, intent: stripe.PaymentIntent) -> CardPayment | None:
        """The checkout's card payment for a PaymentIntent that Stripe's hosted page made (recorded
        now, from its session, the first time); None for any other PaymentIntent.

        Only the PaymentIntent that the checkout's current session names (asked of Stripe, not taken
        from the event) is taken, and only while no other payment of the checkout succeeded or is
        processing: a PaymentIntent of a session it replaced, never paid, is replaced by it."""
        checkout_id = uuid_or_none(metadata_of(intent, "checkout_id"))
        if checkout_id is None:
            return None
        hosted = await self.repo.card_checkout_session(checkout_id, for_update=True)
        if hosted is None:
            return None
        payment = await self.repo.card_payment(checkout_id, for_update=True)
        if payment is not None and payment.payment_intent_id == intent.id:
            return payment  # recorded meanwhile, by another of its events
        if payment is not None and payment.status in ("succeeded", "processing"):
            return None  # the checkout is paid: this one is an orphan for the reconciliation
        session = await self.gateway.checkout_session(hosted.stripe_session_id)
        if _id_of(session.payment_intent) != intent.id:
            return None
        hosted.status = str(session.status or hosted.status)
        if payment is None:
            payment = CardPayment(checkout_id=checkout_id, refunded_minor=0)
            self.session.add(payment)
        payment.payment_intent_id, payment.client_secret = intent.id, ""
        payment.order_ids, payment.currency, payment.amount_minor = (
            list(hosted.order_ids),
            hosted.currency,
            hosted.amount_minor,
        )
        # Its status as a new PaymentIntent's: the sync that follows takes Stripe's and acts on the change.
        payment.status, payment.last_error = "requires_payment_method", None
        await self.session.flush()
        checkout = await self.orders.checkout(checkout_id)
        assert checkout is not None  # noqa: S101 - the session's foreign key
        await audit.record(
            self.session,
            None,
            "card_payment.started",
            object_type="checkout",
            object_id=checkout_id,
            organization_id=checkout.buyer_organization_id,
            hub_id=checkout.hub_id,
            after={
                "payment_intent_id": intent.id,
                "checkout_session_id": hosted.stripe_session_id,
                "amount_minor": hosted.amount_minor,
                "currency": hosted.currency,
            },
        )
        return payment

    async def adopt_hosted(self, payment_intent_id: str) -> bool:
        """Record a PaymentIntent of Stripe's hosted page whose events were missed as its checkout's
        payment, and bring it up to what Stripe has (its orders paid if it succeeded); False when it
        is not the checkout's hosted payment (an orphan, for the reconciliation)."""
        intent = await self.gateway.payment_intent(payment_intent_id)
        if await self._adopt_hosted(intent) is None:
            return False
        await self.sync_payment(intent.id, intent)
        return True

    async def sync_checkout_session(self, stripe_session_id: str) -> None:
        """Bring a checkout's hosted page up to what Stripe has now: its status and, once the buyer
        paid (or tried to), its PaymentIntent as the checkout's payment (`sync_payment`)."""
        hosted = await self.repo.card_checkout_session_by_stripe_id(stripe_session_id)
        if hosted is None:
            return  # not ours, or a session replaced since
        session = await self.gateway.checkout_session(stripe_session_id)
        hosted.status = str(session.status or hosted.status)
        await self.session.flush()
        intent_id = _id_of(session.payment_intent)
        if intent_id is not None:
            await self.sync_payment(intent_id)

    async def _hosted_page_closed(self, hosted: CardCheckoutSession) -> bool:
        """Close the checkout's hosted page (expire its session at Stripe) so that it can no longer
        be paid: True once it is expired; False when the buyer paid on it (its payment is recorded
        now, and the checkout's orders are kept)."""
        session = await self.gateway.checkout_session(hosted.stripe_session_id)
        if session.status == "open":
            session = await self.gateway.expire_checkout_session(hosted.stripe_session_id)
        hosted.status = str(session.status or hosted.status)
        await self.session.flush()
        intent_id = _id_of(session.payment_intent)
        if session.status == "complete" and intent_id is not None:
            await self.sync_payment(intent_id)
        return session.status == "expired"

    async def read(self, principal: Principal, checkout_id: uuid.UUID) -> CardPaymentRead:
        await OrderService(self.session).buyers_checkout(principal, checkout_id)
        payment = await self.repo.card_payment(checkout_id)
        if payment is None:
            raise CardPaymentNotFound("no card payment was started for this checkout")
        return await self._read(payment)

    async def _read(self, payment: CardPayment) -> CardPaymentRead:
        refunds = await self.repo.card_refunds(payment.order_ids)
        return CardPaymentRead(
            checkout_id=payment.checkout_id,
            payment_intent_id=payment.payment_intent_id,
            client_secret=payment.client_secret,
            amount=Amount(amount_minor=payment.amount_minor, currency=payment.currency),
            status=payment.status,
            last_error=payment.last_error,
            order_ids=list(payment.order_ids),
            refunds=[
                CardRefundRead(
                    order_id=refund.order_id,
                    amount=Amount(amount_minor=refund.amount_minor, currency=refund.currency),
                    reason=refund.reason,
                    status=refund.status.value,
                )
                for refund in refunds
            ],
            refunded=Amount(amount_minor=payment.refunded_minor, currency=payment.currency),
            settled=(
                Amount(amount_minor=payment.settlement_amount_minor, currency=payment.settlement_currency)
                if payment.settlement_amount_minor is not None and payment.settlement_currency is not None
                else None
            ),
            chargeback_status=payment.chargeback_status,
        )

    async def needing_attention(self, principal: Principal, hub_id: uuid.UUID) -> list[PaymentAttention]:
        """The hub's card payment matters waiting for someone (its coordinators): transfers, refunds
        and reversals that wait, and chargebacks still open. Oldest first."""
        await HubService(self.session).require_coordinator(principal, hub_id)
        items = [
            PaymentAttention(
                kind=move.kind,
                checkout_id=move.checkout_id,
                order_id=move.order_id,
                producer_organization_id=move.producer_organization_id,
                amount=Amount(amount_minor=move.amount_minor, currency=move.currency),
                reason=move.reason,
                attempts=move.attempts,
                since=move.since,
                organization_name=move.producer_name,
            )
            for move in await self.cards.pending_moves_of_hub(hub_id)
        ]
        items += [
            PaymentAttention(
                kind="chargeback_open",
                checkout_id=chargeback.checkout_id,
                order_id=None,
                producer_organization_id=None,
                amount=Amount(amount_minor=chargeback.amount_minor, currency=chargeback.currency),
                reason=f"{chargeback.reason} ({chargeback.status})",
                attempts=0,
                since=chargeback.since,
                organization_name=chargeback.buyer_name,
            )
            for chargeback in await self.cards.open_chargebacks_of_hub(hub_id)
        ]
        return sorted(items, key=lambda item: item.since)

    # --- Stripe's webhooks ----------------------------------------------------------------

    async def handle(self, event: stripe.Event, *, connect: bool = False) -> bool:
        """Apply a verified webhook event once; False when it was handled before.

        Events can arrive late, twice or out of order, so none is taken at its word:
        payments, refunds and accounts are fetched from Stripe as they are now, and refunded
        amounts only ever grow. From the Connect endpoint only the connected accounts' own
        changes (`account.*`) are taken: their payments are not the platform's."""
        obj: dict[str, Any] = event.data.object.to_dict()
        if not await self.repo.record_stripe_event(event.id, event.type, obj.get("id")):
            return False
        if connect and not event.type.startswith("account."):
            _log.info("connect event ignored", event_id=event.id, type=event.type)
        elif event.type.startswith("payment_intent."):
            await self.sync_payment(obj["id"])
        elif event.type.startswith("checkout.session."):
            await self.sync_checkout_session(obj["id"])
        elif event.type == "charge.refunded":
            await self._record_refunded(obj)
        elif event.type == "charge.dispute.created":
            await self._record_chargeback(obj)
        elif event.type.startswith("charge.dispute."):
            await self._update_chargeback(obj)
        elif event.type in ("charge.refund.updated", "refund.updated", "refund.failed"):
            await self.sync_refund(obj["id"])
        elif event.type == "account.updated":
            await self.sync_account(obj["id"])
        else:
            _log.info("stripe event ignored", event_id=event.id, type=event.type)
        return True

    async def sync_payment(self, payment_intent_id: str, intent: stripe.PaymentIntent | None = None) -> None:
        """Bring a checkout's card payment up to what Stripe has now; on success, its orders are
        paid (`CardPaymentSucceeded`) and what the platform received is recorded. A PaymentIntent
        that Stripe's hosted page made for a checkout is recorded as its payment first.

        Raises `PaymentNotRecordedYet` (503) for a PaymentIntent of ours whose record is not
        committed yet, so that Stripe sends the event again instead of it being lost."""
        payment = await self.repo.card_payment_where(CardPayment.payment_intent_id == payment_intent_id)
        if payment is not None and payment.status == "succeeded" and payment.settled:
            return  # a succeeded PaymentIntent never changes status
        intent = intent or await self.gateway.payment_intent(payment_intent_id)
        if payment is None:
            payment = await self._adopt_hosted(intent)
        if payment is None:
            await self._unrecorded(intent)
            return
        if (
            from_stripe(intent.amount, payment.currency) != payment.amount_minor
            or intent.currency.upper() != payment.currency
        ):
            raise Conflict(f"PaymentIntent {payment_intent_id} does not match the checkout's amount")
        before = payment.status
        payment.status = intent.status
        error = intent.last_payment_error
        payment.last_error = (error.message or error.code or error.type) if error is not None else None
        if intent.status == "succeeded":
            _apply_charge(payment, intent.latest_charge)
            if payment.settlement_currency not in (None, self.gateway.settlement_currency):
                # Transfers must be in the balance transaction's currency, whatever the setting says.
                _log.warning(
                    "charge settled in another currency than STRIPE_SETTLEMENT_CURRENCY",
                    checkout_id=str(payment.checkout_id),
                    settled_in=payment.settlement_currency,
                    expected=self.gateway.settlement_currency,
                )
            if before != "succeeded":
                await emit(
                    self.session,
                    CardPaymentSucceeded(
                        checkout_id=payment.checkout_id,
                        payment_intent_id=payment_intent_id,
                        order_ids=list(payment.order_ids),
                    ),
                )
        await self.session.flush()
        if before != payment.status:
            await audit.record(
                self.session,
                None,
                f"card_payment.{payment.status}",
                object_type="checkout",
                object_id=payment.checkout_id,
                before={"status": before},
                after={"status": payment.status, "last_error": payment.last_error},
            )

    async def _unrecorded(self, intent: stripe.PaymentIntent) -> None:
        checkout_id = uuid_or_none(metadata_of(intent, "checkout_id"))
        if checkout_id is None or await self.orders.checkout(checkout_id) is None:
            return  # not ours
        in_flight = dt.datetime.fromtimestamp(intent.created, dt.UTC) > clock.now() - ORPHAN_GRACE
        if in_flight and await self.repo.card_payment(checkout_id) is None:
            raise PaymentNotRecordedYet(
                f"the payment {intent.id} is still being recorded; Stripe will deliver the event again"
            )
        # Otherwise this PaymentIntent was made by an attempt whose answer was lost (another one of
        # the checkout is recorded, or none will be): the reconciliation cancels (or refunds) it.

    async def _record_refunded(self, charge: dict[str, Any]) -> None:
        payment = await self.repo.card_payment_where(
            CardPayment.payment_intent_id == _id_of(charge.get("payment_intent"))
        )
        if payment is None:
            return
        refunded = from_stripe(int(charge["amount_refunded"]), payment.currency)
        payment.refunded_minor = max(payment.refunded_minor, refunded)
        await self.session.flush()

    async def _record_chargeback(self, dispute: dict[str, Any]) -> None:
        payment = await self._payment_of_dispute(dispute)
        if payment is None or payment.chargeback_id is not None:
            return
        payment.chargeback_id = dispute["id"]
        payment.chargeback_reason = dispute["reason"]
        payment.chargeback_status = dispute["status"]
        checkout = await self.session.get(Checkout, payment.checkout_id)
        assert checkout is not None  # noqa: S101 - foreign key
        await self.session.flush()
        currency = str(dispute["currency"]).upper()
        amount = from_stripe(int(dispute["amount"]), currency)
        await audit.record(
            self.session,
            None,
            "card_payment.chargeback",
            object_type="checkout",
            object_id=payment.checkout_id,
            organization_id=checkout.buyer_organization_id,
            hub_id=checkout.hub_id,
            after={"chargeback_id": dispute["id"], "reason": dispute["reason"], "amount_minor": amount},
        )
        await emit(
            self.session,
            CardPaymentDisputed(
                checkout_id=payment.checkout_id,
                hub_id=checkout.hub_id,
                chargeback_id=dispute["id"],
                reason=dispute["reason"],
                amount_minor=amount,
                currency=currency,
            ),
        )

    async def _update_chargeback(self, dispute: dict[str, Any]) -> None:
        """A chargeback's later events (`updated`, `closed`, ...) move its status on."""
        payment = await self._payment_of_dispute(dispute)
        if payment is not None and payment.chargeback_id == dispute["id"]:
            payment.chargeback_status = dispute["status"]
            await self.session.flush()

    async def _payment_of_dispute(self, dispute: dict[str, Any]) -> CardPayment | None:
        intent_id = _id_of(dispute.get("payment_intent"))
        condition = (
            CardPayment.payment_intent_id == intent_id
            if intent_id
            else CardPayment.charge_id == _id_of(dispute["charge"])
        )
        return await self.repo.card_payment_where(condition)

    async def sync_account(self, stripe_account_id: str) -> None:
        """Bring a payout account up to what Stripe has now; once it takes transfers, the
        producer's transfers that waited for it fall due again."""
        account = await self.repo.payout_account_by_stripe_id(stripe_account_id)
        if account is None:
            return
        _apply_account(account, await self.gateway.account(stripe_account_id))
        await self.session.flush()
        if account.transfers_active:
            for order_id in await self.cards.pending_transfers_to(account.organization_id):
                await emit(self.session, CardTransferDue(order_id=order_id))

    # --- unpaid card orders ---------------------------------------------------------------

    async def cancel_unpaid(self, now: dt.datetime) -> int:
        """Card orders not paid within `UNPAID_CARD_ORDER_HOURS` give their stock back, unless
        Stripe says their payment succeeded or is still processing. Their PaymentIntent is
        cancelled at Stripe first, and their hosted payment page expired (so neither can be paid
        afterwards); when Stripe cannot be asked, nothing is cancelled for that checkout until the
        next run. How many orders were cancelled."""
        orders = await self.orders.unpaid_card_orders(now - dt.timedelta(hours=UNPAID_CARD_ORDER_HOURS))
        to_cancel: list[Order] = []
        for checkout_id, group in itertools.groupby(
            sorted(orders, key=lambda o: (str(o.checkout_id), o.id)), key=lambda o: o.checkout_id
        ):
            if await self._payment_given_up(checkout_id):
                to_cancel += group
        await OrderService(self.session).cancel_unpaid(sorted(to_cancel, key=lambda o: o.id))
        return len(to_cancel)

    async def _payment_given_up(self, checkout_id: uuid.UUID) -> bool:
        payment = await self.repo.card_payment(checkout_id, for_update=True)
        hosted = await self.repo.card_checkout_session(checkout_id, for_update=True)
        if self._stripe is None or (payment is None and hosted is None):
            return payment is None or payment.status != "succeeded"
        try:
            # A hosted page still open could be paid after its orders are cancelled: closed first.
            if hosted is not None and not await self._hosted_page_closed(hosted):
                return False
            payment = await self.repo.card_payment(checkout_id, for_update=True)
            if payment is None:
                return True
            intent = await self._stripe.payment_intent(payment.payment_intent_id)
            if intent.status in ("succeeded", "processing"):
                await self.sync_payment(payment.payment_intent_id, intent)
                return False
            if intent.status in CANCELLABLE:
                intent = await self._stripe.cancel_payment_intent(payment.payment_intent_id, "abandoned")
        except (PaymentProviderError, Conflict, ValueError) as exc:
            # Stripe unreachable, or its answer not matching the payment: keep this checkout's orders
            # (and let the job go on with the others) until the next run or a person looks.
            _log.warning(
                "unpaid card order kept: Stripe's answer is missing or odd",
                checkout_id=str(checkout_id),
                error=str(exc),
            )
            return False
        payment.status = intent.status
        await self.session.flush()
        return intent.status == "canceled"

    # --- money moves (outbox subscribers and the reconciliation) ---------------------------

    async def transfer(self, order_id: uuid.UUID, fee_percent: Decimal) -> None:
        """Send a paid order's share to its producer, less the hub's fee — once; never for an
        order that was cancelled or rejected before it went out (its money goes back instead).
        When it cannot be made now, it waits (`pending`, with the reason)."""
        order = await self.orders.get(order_id, for_update=True)
        assert order is not None  # noqa: S101 - events name existing orders
        record = await self.repo.card_transfer(order_id, for_update=True)
        if record is not None and record.status is not MoveStatus.pending:
            return
        if order.status in _CANCELLED:
            if record is not None:
                await self._drop_transfer(order, record)
            return
        payment = await self.repo.card_payment(order.checkout_id)
        if payment is None or payment.status != "succeeded":
            return  # paid orders only: the payment's success makes the transfer due again
        if not payment.settled:
            try:
                await self.sync_payment(payment.payment_intent_id)
            except PaymentProviderError as exc:
                _log.warning("transfer waits for the charge's settlement", order_id=str(order_id), error=str(exc))
        if record is None:
            record = await self._new_transfer(order, payment, fee_percent)
            if record is None:
                return
        await self._send_transfer(order, payment, record)

    async def adopt_transfer(self, order_id: uuid.UUID, made: stripe.Transfer, fee_percent: Decimal) -> bool:
        """Record a transfer Stripe made for the order whose answer was lost (the record rolled back
        with it, or was dropped since): the producer has the money, so a refund takes it back. False
        when there is nothing to adopt (recorded already, or no succeeded payment to tie it to)."""
        order = await self.orders.get(order_id, for_update=True)
        record = await self.repo.card_transfer(order_id, for_update=True)
        if order is None or (record is not None and record.status is MoveStatus.made):
            return False
        if record is None:
            payment = await self.repo.card_payment(order.checkout_id)
            if payment is None or not payment.settled:
                return False
            record = await self._new_transfer(order, payment, fee_percent)
            if record is None:
                return False
        await self._made(order, record, made)
        await self.session.flush()
        await self._reversal_due(order_id)
        return True

    async def _drop_transfer(self, order: Order, record: CardTransfer) -> None:
        """A waiting transfer of an order cancelled meanwhile is no longer due — unless an earlier
        attempt made it after all (its answer lost): then it is recorded, for the refund to reverse."""
        try:
            made = await self._made_before(
                lambda: self.gateway.transfers_of_group(transfer_group(order.checkout_id)), order.id
            )
        except PaymentProviderError as exc:
            record.pending_reason = _problem(exc)  # decided on the next try
            await self.session.flush()
            return
        if made is not None:
            await self._made(order, record, made)
        else:
            record.status, record.pending_reason = MoveStatus.dropped, None
        await self.session.flush()
        await self._reversal_due(order.id)

    async def _new_transfer(self, order: Order, payment: CardPayment, fee_percent: Decimal) -> CardTransfer | None:
        if payment.settlement_amount_minor is None or payment.settlement_currency is None:
            return None  # retried by the reconciliation once Stripe has the balance transaction
        orders = {o.id: o for o in await self.orders.by_ids(payment.order_ids)}
        shares = apportion(payment.settlement_amount_minor, [orders[i].display_total_minor for i in payment.order_ids])
        share = shares[payment.order_ids.index(order.id)]
        # The hub's fee is on the goods, not on the VAT the producer owes its tax office.
        net_share = in_proportion(share, order.total_minor - order.vat_minor, order.total_minor)
        amount = transfer_amount(share - hub_fee(net_share, fee_percent), payment.settlement_currency)
        record = CardTransfer(
            order_id=order.id,
            status=MoveStatus.pending,
            attempts=0,
            charge_currency=payment.currency,
            charge_amount_minor=order.display_total_minor,
            currency=payment.settlement_currency,
            share_minor=share,
            fee_minor=share - amount,
            amount_minor=amount,
            reversed_minor=0,
        )
        await self.repo.add(record)
        return record

    async def _send_transfer(self, order: Order, payment: CardPayment, record: CardTransfer) -> None:
        account = await self.repo.payout_account(order.producer_organization_id)
        if account is None or not account.transfers_active:
            record.pending_reason = "the producer's Stripe account cannot receive transfers yet (onboarding unfinished)"
            await self.session.flush()
            return
        if record.amount_minor <= 0:
            record.status, record.pending_reason = MoveStatus.dropped, "nothing to transfer after the hub's fee"
            await self.session.flush()
            return
        params = {
            "amount": to_stripe(record.amount_minor, record.currency),
            "currency": record.currency.lower(),
            "destination": account.stripe_account_id,
            "transfer_group": transfer_group(order.checkout_id),
            # From the charge: it goes out even before the charge's funds are available.
            "source_transaction": payment.charge_id,
            "metadata": {"order_id": str(order.id)},
        }
        record.attempts += 1
        try:
            made = await self._made_before(
                lambda: self.gateway.transfers_of_group(transfer_group(order.checkout_id)), order.id
            )
            transfer = made or await self.gateway.create_transfer(params)
        except PaymentProviderError as exc:
            record.pending_reason = _problem(exc)
            await self.session.flush()
            return
        await self._made(order, record, transfer)
        await self.session.flush()
        await self._reversal_due(order.id)

    async def _made(self, order: Order, record: CardTransfer, transfer: stripe.Transfer) -> None:
        """Record the transfer Stripe made, and tell the producer (`TransferSent`): once per order,
        since a transfer is recorded as made once (every caller returns early for a made one)."""
        record.status, record.pending_reason = MoveStatus.made, None
        record.stripe_transfer_id, record.destination = transfer.id, str(transfer.destination)
        await emit(
            self.session, TransferSent(order_id=order.id, producer_organization_id=order.producer_organization_id)
        )

    async def refund(self, order_id: uuid.UUID, amount_minor: int, reason: str) -> None:
        """Give `amount_minor` of an order's share back to the buyer's card — once per order (down
        to the step Stripe charges in). The reversal of the producer's transfer follows as a step of
        its own (`CardReversalDue`)."""
        order = await self.orders.get(order_id, for_update=True)
        assert order is not None  # noqa: S101 - events name existing orders
        payment = await self.repo.card_payment(order.checkout_id, for_update=True)  # its refunded total changes
        if payment is None or payment.status != "succeeded":
            return  # nothing was charged yet; a payment that still succeeds is refunded then
        record = await self.repo.card_refund(order_id, for_update=True)
        if record is None:
            record = CardRefund(
                order_id=order_id,
                status=MoveStatus.pending,
                attempts=0,
                currency=payment.currency,
                amount_minor=refund_amount(min(amount_minor, order.display_total_minor), payment.currency),
                reason=reason,
                reversal_attempts=0,
                reversed_minor=0,
            )
            await self.repo.add(record)
        elif record.status is not MoveStatus.pending:
            return
        await self._send_refund(payment, record)

    async def _send_refund(self, payment: CardPayment, record: CardRefund) -> None:
        params = {
            "payment_intent": payment.payment_intent_id,
            "amount": to_stripe(record.amount_minor, record.currency),
            "reason": "requested_by_customer",
            "metadata": {"order_id": str(record.order_id), "reason": record.reason},
        }
        record.attempts += 1
        try:
            made = await self._made_before(lambda: self.gateway.refunds_of(payment.payment_intent_id), record.order_id)
            refund = made or await self.gateway.create_refund(params)
        except PaymentProviderError as exc:
            record.pending_reason = _problem(exc)
            await self.session.flush()
            return
        record.status, record.pending_reason, record.stripe_refund_id = MoveStatus.made, None, refund.id
        record.reversal_status = MoveStatus.pending
        await self.session.flush()
        # Stripe's charge.refunded may come before or after: the refunded total only ever grows.
        refunds = await self.repo.card_refunds(payment.order_ids)
        given_back = sum(r.amount_minor for r in refunds if r.status is MoveStatus.made)
        payment.refunded_minor = max(payment.refunded_minor, given_back)
        await emit(self.session, CardReversalDue(order_id=record.order_id))

    async def sync_refund(self, stripe_refund_id: str) -> None:
        """A refund Stripe could not complete after all (the card was closed): recorded as `failed`
        for a person to settle with the buyer (the coordinator's attention list shows it); never
        retried by itself, since Stripe would refuse again."""
        record = await self.repo.card_refund_by_stripe_id(stripe_refund_id, for_update=True)
        if record is None or record.status is not MoveStatus.made:
            return
        refund = await self.gateway.refund(stripe_refund_id)
        if refund.status in ("failed", "canceled"):
            record.status = MoveStatus.failed
            record.pending_reason = f"Stripe could not give the money back ({refund.failure_reason or refund.status})"
            await self.session.flush()

    async def reverse(self, order_id: uuid.UUID) -> None:
        """Take back from the producer's transfer the share of the order's refund — once; it waits
        while the transfer itself waits, and is dropped when no transfer went out."""
        order = await self.orders.get(order_id, for_update=True)
        assert order is not None  # noqa: S101 - events name existing orders
        record = await self.repo.card_refund(order_id, for_update=True)
        if record is None or record.reversal_status is not MoveStatus.pending:
            return
        transfer = await self.repo.card_transfer(order_id, for_update=True)
        if transfer is not None and transfer.status is MoveStatus.pending and order.status in _CANCELLED:
            await self._drop_transfer(order, transfer)
        if transfer is None or transfer.status is MoveStatus.dropped:
            # No transfer went out: the hub gives its fee back with the refund, the producer owes nothing.
            record.reversal_status, record.reversal_pending_reason = MoveStatus.dropped, None
            await self.session.flush()
            return
        if transfer.status is MoveStatus.pending:
            record.reversal_pending_reason = "waits for the producer's transfer, which is not made yet"
            await self.session.flush()
            return
        amount = transfer_amount(
            min(
                in_proportion(transfer.amount_minor, record.amount_minor, transfer.charge_amount_minor),
                transfer.amount_minor - transfer.reversed_minor,
            ),
            transfer.currency,
        )
        if amount <= 0:
            record.reversal_status, record.reversal_pending_reason = MoveStatus.dropped, None
            await self.session.flush()
            return
        stripe_transfer_id = transfer.stripe_transfer_id
        assert stripe_transfer_id is not None  # noqa: S101 - a made transfer has its Stripe id
        params = {
            "amount": to_stripe(amount, transfer.currency),
            "metadata": {"order_id": str(order_id), "refund": record.stripe_refund_id or ""},
        }
        record.reversal_attempts += 1
        try:
            made = await self._made_before(lambda: self.gateway.reversals_of(stripe_transfer_id), order_id)
            reversal = made or await self.gateway.reverse_transfer(stripe_transfer_id, params)
        except PaymentProviderError as exc:
            record.reversal_pending_reason = _problem(exc)
            await self.session.flush()
            return
        record.reversal_status, record.reversal_pending_reason = MoveStatus.made, None
        record.stripe_reversal_id = reversal.id
        record.reversed_minor = from_stripe(reversal.amount, transfer.currency)
        transfer.reversed_minor += record.reversed_minor
        await self.session.flush()

    async def _reversal_due(self, order_id: uuid.UUID) -> None:
        """A transfer was made or dropped: a refund's reversal that waited for it can go on."""
        refund = await self.repo.card_refund(order_id)
        if refund is not None and refund.reversal_status is MoveStatus.pending:
            await emit(self.session, CardReversalDue(order_id=order_id))

    @staticmethod
    async def _made_before(listing: Callable[[], Awaitable[Sequence[M]]], order_id: uuid.UUID) -> M | None:
        """The object an earlier attempt made for the order, found by the order id in its metadata.

        Looked for before every call that moves money: an attempt whose answer was lost, or whose
        record rolled back with a crash before the commit, may have made it, and Stripe forgets
        idempotency keys after 24 hours."""
        for made in await listing():
            if metadata_of(made, "order_id") == str(order_id):
                return made
        return None


def _apply_charge(payment: CardPayment, charge: Any) -> None:
    """Record the charge and, from its balance transaction, what the platform received."""
    if charge is None:
        return
    if isinstance(charge, str):
        payment.charge_id = charge
        return
    payment.charge_id = charge.id
    balance = getattr(charge, "balance_transaction", None)
    if balance is not None and not isinstance(balance, str):
        currency = str(balance.currency).upper()
        payment.settlement_currency = currency
        payment.settlement_amount_minor = from_stripe(int(balance.amount), currency)


def _apply_account(account: PayoutAccount, stripe_account: stripe.Account) -> None:
    capabilities = stripe_account.capabilities
    account.transfers_active = capabilities is not None and getattr(capabilities, "transfers", None) == "active"
    account.details_submitted = bool(stripe_account.details_submitted)
    account.payouts_enabled = bool(stripe_account.payouts_enabled)


def _account_read(account: PayoutAccount) -> PayoutAccountRead:
    return PayoutAccountRead(
        organization_id=account.organization_id,
        stripe_account_id=account.stripe_account_id,
        transfers_active=account.transfers_active,
        details_submitted=account.details_submitted,
        payouts_enabled=account.payouts_enabled,
    )


def _id_of(value: Any) -> str | None:
    """Stripe gives related objects as an id or, when expanded, as the object."""
    if value is None or isinstance(value, str):
        return value
    return str(value["id"])


def metadata_of(obj: stripe.StripeObject, key: str) -> str | None:
    """A value of a Stripe object's metadata (ours: `order_id`, `checkout_id`), if it has one."""
    metadata = obj.to_dict().get("metadata") or {}
    value = metadata.get(key)
    return str(value) if value is not None else None


def uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None
