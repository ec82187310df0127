"""A producer's card payments page: whether buyers can pay the organisation by card (its Stripe
payout account, and the way to Stripe's onboarding for its administrators), and the card money of
its paid orders: per order what the buyer paid, the hub's fee, what was transferred and what refunds
took back.

Every rule is the card payment service's (`CardPaymentService.payout_account`, `onboard`,
`transfers_to`), called as the API calls it; an organisation one is no member of is its 404.
"""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.auth import Principal
from kernel.errors import DomainError, Forbidden, InvalidInput, NotFound
from marketplace.card.schemas import CardTransferRead, OnboardingRequest, PayoutAccountRead
from marketplace.card.service import CardPaymentService, CardPaymentsOff
from marketplace.organization.models import Role
from marketplace.organization.service import EmailUnverified, OrganizationService
from marketplace.payment.controllers import CardGateway
from marketplace.payment.stripe_gateway import PaymentProviderError
from marketplace.settings import MarketplaceSettings
from web.mine import sells
from web.page import Form, Reader, page
from web.words import UNVERIFIED

Session = NamedDependency[AsyncSession]
ThisReader = NamedDependency[Reader]
Marketplace = NamedDependency[MarketplaceSettings]


def _(text: str) -> str:
    """Marks a text for the catalog (`borderhub i18n extract`); it is translated when shown."""
    return text


#: Why Stripe's onboarding cannot be opened now, by the refusal's kind (the first that fits).
ONBOARDING_REFUSALS: dict[type[DomainError], str] = {
    EmailUnverified: UNVERIFIED,
    CardPaymentsOff: _("Card payments are not offered on Borderhub at the moment."),
    PaymentProviderError: _("Stripe could not be reached just now. Please try again in a moment."),
    InvalidInput: _("Only organisations that sell goods receive card payments."),
    Forbidden: _("Only the organisation's administrators can set up card payments."),
    DomainError: _("Stripe's onboarding cannot be opened just now. Please try again in a moment."),
}
TRANSFER_WORDS = {
    "made": _("Transferred to your Stripe account"),
    "dropped": _("Not transferred: the order was cancelled before the money went out"),
}
WAITS_FOR_ONBOARDING = _("Waiting: it goes out once your Stripe onboarding is finished")
WAITS_FOR_STRIPE = _("Waiting: Stripe has not made the transfer yet; it is tried again by itself")


@dataclass(frozen=True)
class Received:
    """One paid order's card money, as the page shows it."""

    money: CardTransferRead
    buyer: str
    state: str
    made: bool


def account_state(account: PayoutAccountRead | None, reader: Reader) -> str:
    """Whether buyers can pay the organisation by card, in a sentence."""
    if account is None:
        return reader.gettext(
            "Card payments are not set up yet: buyers can pay this organisation only by invoice until it "
            "finishes Stripe's onboarding."
        )
    if account.transfers_active:
        return reader.gettext("Buyers can pay this organisation by card. Stripe transfers the money to its account.")
    if account.details_submitted:
        return reader.gettext(
            "Stripe is checking the details you gave. Buyers can pay this organisation by card once Stripe allows it."
        )
    return reader.gettext(
        "Stripe's onboarding is not finished: buyers can pay this organisation only by invoice until it is."
    )


def _state(money: CardTransferRead, account: PayoutAccountRead | None, reader: Reader) -> str:
    if money.status in TRANSFER_WORDS:
        return reader.gettext(TRANSFER_WORDS[money.status])
    waits = WAITS_FOR_STRIPE if account is not None and account.transfers_active else WAITS_FOR_ONBOARDING
    return reader.gettext(waits)


class PayoutPages(Controller):
    path = "/"
    include_in_schema = False

    @get("/organizations/{organization_id:uuid}/payouts", name="payouts")
    async def payouts(
        self, organization_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session, stripe_gateway: CardGateway
    ) -> Template:
        principal = reader.require()
        return await self._page(reader, db_session, principal, organization_id, stripe_gateway, Form())

    @post("/organizations/{organization_id:uuid}/payouts/onboarding")
    async def onboarding(
        self,
        organization_id: FromPath[uuid.UUID],
        reader: ThisReader,
        db_session: Session,
        stripe_gateway: CardGateway,
        marketplace_settings: Marketplace,
    ) -> Template | Redirect:
        """To Stripe's onboarding (its link is single use); Stripe sends the producer back to this page
        when done, and here again for a fresh link when the one given expired."""
        principal = reader.require()
        here = f"{marketplace_settings.public_url.rstrip('/')}/organizations/{organization_id}/payouts"
        try:
            link = await CardPaymentService(db_session, stripe_gateway).onboard(
                principal, organization_id, OnboardingRequest(return_url=here, refresh_url=here)
            )
        except NotFound:
            raise
        except DomainError as error:
            said = next(text for kind, text in ONBOARDING_REFUSALS.items() if isinstance(error, kind))
            form = Form(problem=reader.gettext(said))
            return await self._page(
                reader, db_session, principal, organization_id, stripe_gateway, form, status=error.status
            )
        return Redirect(link.url, status_code=303)

    async def _page(
        self,
        reader: Reader,
        session: AsyncSession,
        principal: Principal,
        organization_id: uuid.UUID,
        stripe_gateway: CardGateway,
        form: Form,
        status: int = 200,
    ) -> Template:
        organization = await OrganizationService(session).read(principal, organization_id)
        cards = CardPaymentService(session, stripe_gateway)
        account: PayoutAccountRead | None = None
        try:
            transfers = await cards.transfers_to(principal, organization_id)  # its members only
        except EmailUnverified:
            # Card money is shown once the address is proven (the page's banner sends the link again).
            transfers, form, status = [], Form(problem=reader.gettext(UNVERIFIED)), EmailUnverified.status
        else:
            with contextlib.suppress(NotFound):  # no payout account yet
                account = await cards.payout_account(principal, organization_id)
        return page(
            reader,
            "organizations/payouts.jinja",
            status_code=status,
            organization=organization,
            offered=stripe_gateway is not None,
            sells=sells(organization.kind),
            manages=organization.my_role is not None and organization.my_role.at_least(Role.admin),
            account=account,
            account_state=account_state(account, reader),
            received=[
                Received(
                    money=money,
                    buyer=money.buyer,
                    state=_state(money, account, reader),
                    made=money.status == "made",
                )
                for money in transfers
            ],
            form=form,
        )
