"""Card payments through Stripe Connect ("separate charges and transfers").

A buyer pays a whole checkout with one PaymentIntent in the checkout's currency. When
Stripe reports it succeeded, each order is marked paid and its share is transferred to
its producer's connected account less the hub's fee; cancelled or rejected orders and
disputes' refunds go back to the card, and the producer's transfer is reversed in
proportion. `transfer_group` ties a checkout's charge, transfers and refunds together.

Money moves (transfers, refunds) run as outbox subscribers (`card.jobs`), after the
change that made them due has committed; every Stripe call carries an idempotency key
made from our ids, so a retried job never moves money twice.

Card payments build on orders (they pay a checkout's orders and move money per order), so
this domain sits above `order`; the payment records and the Stripe client it uses belong to
`payment`, below orders, which read them at checkout.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import stripe
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit
from kernel.auth import Principal
from kernel.errors import Conflict, InvalidInput, NotFound
from kernel.money import Amount
from kernel.outbox import emit
from marketplace.card.schemas import (
    CardPaymentRead,
    CardRefundRead,
    OnboardingLink,
    OnboardingRequest,
    PayoutAccountRead,
)
from marketplace.events import CardPaymentDisputed, CardPaymentSucceeded
from marketplace.order.models import Checkout, Order, OrderStatus, PaymentMethod
from marketplace.order.repository import OrderRepository
from marketplace.order.service import OrderService
from marketplace.organization.models import Role
from marketplace.organization.repository import OrganizationRepository
from marketplace.organization.service import OrganizationService
from marketplace.payment.models import CardPayment, CardRefund, CardTransfer, PayoutAccount
from marketplace.payment.repository import PaymentRepository
from marketplace.payment.stripe_gateway import StripeGateway

_log = structlog.get_logger("borderhub.payment")


class CardPaymentsOff(Conflict):
    slug = "card-payments-off"


class NotPaidByCard(Conflict):
    slug = "not-paid-by-card"


class CardPaymentNotFound(NotFound):
    slug = "card-payment-not-found"


def transfer_group(checkout_id: uuid.UUID) -> str:
    return f"checkout_{checkout_id}"


def hub_fee(amount_minor: int, percent: Decimal) -> int:
    """The hub's share of a card-paid order, rounded half up to the minor unit."""
    return int((Decimal(amount_minor) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def in_proportion(amount_minor: int, part_minor: int, whole_minor: int) -> int:
    """`amount_minor` * part / whole, rounded half up (a partial refund's share of a transfer)."""
    if whole_minor <= 0:
        return 0
    exact = Decimal(amount_minor) * Decimal(part_minor) / Decimal(whole_minor)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


class CardPaymentService:
    def __init__(self, session: AsyncSession, stripe_gateway: StripeGateway | None) -> None:
        self.session = session
        self.repo = PaymentRepository(session)
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
            created = await self.gateway.create_account(
                {
                    "type": "express",
                    "country": organization.country,
                    "capabilities": {"transfers": {"requested": True}},
                    "business_profile": {"name": organization.legal_name},
                    "metadata": {"organization_id": str(organization_id)},
                },
                key=f"account-{organization_id}",
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

    # --- paying a checkout ---------------------------------------------------------------

    async def start(self, principal: Principal, checkout_id: uuid.UUID) -> CardPaymentRead:
        """The checkout's PaymentIntent (created the first time) for its buyer's members.

        It covers the orders still awaiting payment, each for its display total, in the
        checkout's currency. Raises `NotPaidByCard` (409) for an invoice checkout and
        `Conflict` (409) when no order awaits payment."""
        checkout = await OrderService(self.session).buyers_checkout(principal, checkout_id)
        payment = await self.repo.card_payment(checkout_id, for_update=True)
        if payment is not None:
            return await self._read(payment)
        if checkout.payment_method is not PaymentMethod.stripe:
            raise NotPaidByCard("this checkout is paid by invoice")
        orders = [
            order
            for order in await OrderRepository(self.session).orders_of_checkout(checkout_id, for_update=True)
            if order.status is OrderStatus.pending_payment
        ]
        if not orders:
            raise Conflict("no order of this checkout awaits payment")
        amount = sum(order.display_total_minor for order in orders)
        intent = await self.gateway.create_payment_intent(
            {
                "amount": amount,
                "currency": checkout.display_currency.lower(),
                "automatic_payment_methods": {"enabled": True},
                "transfer_group": transfer_group(checkout_id),
                "description": f"Borderhub checkout {checkout_id}",
                "metadata": {
                    "checkout_id": str(checkout_id),
                    "buyer_organization_id": str(checkout.buyer_organization_id),
                },
            },
            key=f"payment-{checkout_id}",
        )
        payment = CardPayment(
            checkout_id=checkout_id,
            payment_intent_id=intent.id,
            order_ids=[order.id for order in orders],
            client_secret=intent.client_secret or "",
            currency=checkout.display_currency,
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
            after={"payment_intent_id": intent.id, "amount_minor": amount, "currency": checkout.display_currency},
        )
        return await self._read(payment)

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
                )
                for refund in refunds
            ],
            refunded=Amount(amount_minor=payment.refunded_minor, currency=payment.currency),
            chargeback_status=payment.chargeback_status,
        )

    # --- Stripe's webhook ---------------------------------------------------------------

    async def handle(self, event: stripe.Event) -> bool:
        """Apply a verified webhook event once; False when it was handled before.

        Events can arrive late, twice or out of order, so none is taken at its word:
        payments and accounts are fetched from Stripe as they are now, and refunded amounts
        only ever grow."""
        obj: dict[str, Any] = event.data.object.to_dict()
        if not await self.repo.record_stripe_event(event.id, event.type, obj.get("id")):
            return False
        if event.type.startswith("payment_intent."):
            await self._sync_payment(obj["id"])
        elif event.type == "charge.refunded":
            await self._record_refunded(obj)
        elif event.type == "charge.dispute.created":
            await self._record_chargeback(obj)
        elif event.type == "account.updated":
            await self._sync_account(obj["id"])
        else:
            _log.info("stripe event ignored", event_id=event.id, type=event.type)
        return True

    async def _sync_payment(self, payment_intent_id: str) -> None:
        payment = await self.repo.card_payment_where(CardPayment.payment_intent_id == payment_intent_id)
        if payment is None or payment.status == "succeeded":
            return  # not ours, or settled already (a succeeded PaymentIntent never changes status)
        intent = await self.gateway.payment_intent(payment_intent_id)
        if intent.amount != payment.amount_minor or intent.currency.upper() != payment.currency:
            raise Conflict(f"PaymentIntent {payment_intent_id} does not match the checkout's amount")
        before = payment.status
        payment.status = intent.status
        error = intent.last_payment_error
        payment.last_error = (error.message or error.code or error.type) if error is not None else None
        if intent.status == "succeeded":
            payment.charge_id = _id_of(intent.latest_charge)
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

    async def _record_refunded(self, charge: dict[str, Any]) -> None:
        payment = await self.repo.card_payment_where(
            CardPayment.payment_intent_id == _id_of(charge.get("payment_intent"))
        )
        if payment is None:
            return
        payment.refunded_minor = max(payment.refunded_minor, int(charge["amount_refunded"]))
        await self.session.flush()

    async def _record_chargeback(self, dispute: dict[str, Any]) -> None:
        intent_id = _id_of(dispute.get("payment_intent"))
        condition = (
            CardPayment.payment_intent_id == intent_id
            if intent_id
            else CardPayment.charge_id == _id_of(dispute["charge"])
        )
        payment = await self.repo.card_payment_where(condition)
        if payment is None or payment.chargeback_id is not None:
            return
        payment.chargeback_id = dispute["id"]
        payment.chargeback_reason = dispute["reason"]
        payment.chargeback_status = dispute["status"]
        checkout = await self.session.get(Checkout, payment.checkout_id)
        assert checkout is not None  # noqa: S101 - foreign key
        await self.session.flush()
        await audit.record(
            self.session,
            None,
            "card_payment.chargeback",
            object_type="checkout",
            object_id=payment.checkout_id,
            organization_id=checkout.buyer_organization_id,
            hub_id=checkout.hub_id,
            after={"chargeback_id": dispute["id"], "reason": dispute["reason"], "amount_minor": dispute["amount"]},
        )
        await emit(
            self.session,
            CardPaymentDisputed(
                checkout_id=payment.checkout_id,
                hub_id=checkout.hub_id,
                chargeback_id=dispute["id"],
                reason=dispute["reason"],
                amount_minor=int(dispute["amount"]),
                currency=str(dispute["currency"]).upper(),
            ),
        )

    async def _sync_account(self, stripe_account_id: str) -> None:
        account = await self.repo.payout_account_by_stripe_id(stripe_account_id)
        if account is None:
            return
        _apply_account(account, await self.gateway.account(stripe_account_id))
        await self.session.flush()

    # --- money moves (outbox subscribers) ------------------------------------------------

    async def transfer(self, order_id: uuid.UUID, fee_percent: Decimal) -> None:
        """Send a paid order's share to its producer, less the hub's fee — once; never for an
        order that was cancelled or rejected meanwhile (its money goes back instead)."""
        order = await self.session.get(Order, order_id, with_for_update=True)
        assert order is not None  # noqa: S101 - events name existing orders
        if order.status in (OrderStatus.cancelled, OrderStatus.rejected) or await self.repo.card_transfer(order_id):
            return
        payment = await self.repo.card_payment(order.checkout_id)
        account = await self.repo.payout_account(order.producer_organization_id)
        if payment is None or account is None or not account.transfers_active:
            # Retried by the worker: the producer's account may be re-activated in Stripe.
            raise RuntimeError(f"order {order_id}: no card payment or no active payout account to transfer to")
        fee = hub_fee(order.display_total_minor, fee_percent)
        transfer = await self.gateway.create_transfer(
            {
                "amount": order.display_total_minor - fee,
                "currency": payment.currency.lower(),
                "destination": account.stripe_account_id,
                "transfer_group": transfer_group(order.checkout_id),
                # Tied to the charge, so it goes out even before the charge's funds are available.
                **({"source_transaction": payment.charge_id} if payment.charge_id else {}),
                "metadata": {"order_id": str(order_id)},
            },
            key=f"transfer-{order_id}",
        )
        await self.repo.add(
            CardTransfer(
                order_id=order_id,
                stripe_transfer_id=transfer.id,
                destination=account.stripe_account_id,
                currency=payment.currency,
                amount_minor=order.display_total_minor - fee,
                fee_minor=fee,
                reversed_minor=0,
            )
        )

    async def refund(self, order_id: uuid.UUID, amount_minor: int, reason: str) -> None:
        """Give `amount_minor` of an order's share back to the buyer's card — once per order —
        and take the same proportion back from the producer's transfer, if one was made."""
        order = await self.session.get(Order, order_id, with_for_update=True)
        assert order is not None  # noqa: S101 - events name existing orders
        payment = await self.repo.card_payment(order.checkout_id)
        if payment is None or payment.status != "succeeded" or await self.repo.card_refund(order_id):
            return
        amount = min(amount_minor, order.display_total_minor)
        refund = await self.gateway.create_refund(
            {
                "payment_intent": payment.payment_intent_id,
                "amount": amount,
                "reason": "requested_by_customer",
                "metadata": {"order_id": str(order_id), "reason": reason},
            },
            key=f"refund-{order_id}",
        )
        reversed_minor = 0
        transfer = await self.repo.card_transfer(order_id)
        if transfer is not None:
            reversed_minor = min(
                in_proportion(transfer.amount_minor, amount, order.display_total_minor),
                transfer.amount_minor - transfer.reversed_minor,
            )
            if reversed_minor > 0:
                await self.gateway.reverse_transfer(
                    transfer.stripe_transfer_id,
                    {"amount": reversed_minor, "metadata": {"order_id": str(order_id), "refund": refund.id}},
                    key=f"reversal-{order_id}",
                )
                transfer.reversed_minor += reversed_minor
        await self.repo.add(
            CardRefund(
                order_id=order_id,
                stripe_refund_id=refund.id,
                currency=payment.currency,
                amount_minor=amount,
                reason=reason,
                reversed_minor=reversed_minor,
            )
        )


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
