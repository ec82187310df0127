"""The marketplace's part of the service: its routers, dependencies, subscribers and scheduled jobs."""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from kernel.contribution import Contribution, provide_value
from kernel.outbox import Schedule, subscriber
from kernel.settings import CoreSettings
from kernel.storage import open_storage
from marketplace.card.controllers import (
    CardPaymentController,
    HubPaymentAttentionController,
    PayoutAccountController,
    StripeWebhookController,
)
from marketplace.card.jobs import (
    cancel_unpaid_card_orders,
    reconcile_card_payments,
    refund_to_card,
    reverse_producers_transfer,
    transfer_to_producer,
)
from marketplace.card.reconciliation import RECONCILE_DAYS
from marketplace.catalog.controllers import ListingController, ListingPhotoController, ProducerListingController
from marketplace.catalog.jobs import delete_photo_files
from marketplace.compliance.controllers import HubComplianceController, OrganizationComplianceController
from marketplace.compliance.jobs import announce_validity_changes, flag_expiring_credentials
from marketplace.dashboard.controllers import HubDashboardController
from marketplace.dashboard.jobs import refresh_dashboards
from marketplace.db import MARKETPLACE_SCHEMA
from marketplace.dispute.controllers import DisputeController
from marketplace.events import (
    CardPaymentSucceeded,
    CardRefundDue,
    CardReversalDue,
    CardTransferDue,
    ListingPhotoRemoved,
    MailQueued,
    PasswordResetAsked,
)
from marketplace.financing import subscribers as financing
from marketplace.financing.controllers import AdvanceController, ConsortiumController, OrganizationAdvanceController
from marketplace.financing.jobs import review_advances
from marketplace.hub.controllers import HubController
from marketplace.identity.account import mail_password_reset
from marketplace.identity.controllers import AuthController, MeController
from marketplace.identity.dependencies import caller_dependencies
from marketplace.identity.service import purge_login_failures
from marketplace.identity.sessions import purge_sessions
from marketplace.invoicing.controllers import InvoiceDocumentController
from marketplace.mail.service import retry_mail, send_mail
from marketplace.mail.smtp import SmtpTransport
from marketplace.money.controllers import FxController
from marketplace.notification import subscribers as notification
from marketplace.notification.controllers import DemoMailboxController, NotificationController
from marketplace.notification.service import Notifier, send_digests
from marketplace.order.controllers import (
    CheckoutController,
    HubOrderController,
    OrderController,
    OrganizationOrderController,
)
from marketplace.order.jobs import mark_orders_paid
from marketplace.organization.controllers import InvitationController, OrganizationController
from marketplace.payment.controllers import InvoiceController, OrganizationInvoiceController
from marketplace.payment.jobs import announce_overdue_invoices
from marketplace.payment.stripe_gateway import StripeGateway
from marketplace.place.controllers import PlaceController
from marketplace.settings import MarketplaceSettings
from marketplace.tax.controllers import VatRateController


def register(core: CoreSettings, settings: MarketplaceSettings) -> Contribution:
    """Accounts, organisations, hubs, catalog, compliance, orders, invoices, card payments, disputes and dashboards.

    Provides the `principal` (the authenticated caller; `principal_if_any` where anyone may read),
    `core_settings`, `marketplace_settings`, `stripe_gateway` (None while card payments are off) and
    `file_storage` dependencies.
    """
    gateway = StripeGateway.from_settings(settings)
    mail_transport = SmtpTransport.from_settings(settings)
    notifier = Notifier(settings.public_url)
    demo = [DemoMailboxController] if settings.demo_mailbox else []
    storage = open_storage(core)
    return Contribution(
        schema=MARKETPLACE_SCHEMA,
        route_handlers=[
            AuthController,
            MeController,
            OrganizationController,
            InvitationController,
            HubController,
            HubDashboardController,
            OrganizationComplianceController,
            HubComplianceController,
            PlaceController,
            FxController,
            ProducerListingController,
            ListingController,
            ListingPhotoController,
            CheckoutController,
            OrderController,
            DisputeController,
            OrganizationOrderController,
            HubOrderController,
            InvoiceController,
            InvoiceDocumentController,
            VatRateController,
            OrganizationInvoiceController,
            PayoutAccountController,
            CardPaymentController,
            StripeWebhookController,
            HubPaymentAttentionController,
            NotificationController,
            ConsortiumController,
            AdvanceController,
            OrganizationAdvanceController,
            *demo,
        ],
        dependencies={
            **caller_dependencies(core, settings),
            "core_settings": provide_value(core),
            "marketplace_settings": provide_value(settings),
            "stripe_gateway": provide_value(gateway),
            "file_storage": provide_value(storage),
        },
        subscribers=[
            subscriber(CardPaymentSucceeded, "mark_orders_paid", mark_orders_paid),
            subscriber(
                CardTransferDue,
                "transfer_to_producer",
                functools.partial(transfer_to_producer, gateway, settings.hub_fee_percent),
            ),
            subscriber(CardRefundDue, "refund_to_card", functools.partial(refund_to_card, gateway)),
            subscriber(
                CardReversalDue, "reverse_producers_transfer", functools.partial(reverse_producers_transfer, gateway)
            ),
            subscriber(MailQueued, "send_mail", functools.partial(send_mail, mail_transport)),
            subscriber(ListingPhotoRemoved, "delete_photo_files", functools.partial(delete_photo_files, storage)),
            subscriber(
                PasswordResetAsked, "mail_password_reset", functools.partial(mail_password_reset, settings.public_url)
            ),
            *notification.subscribers(notifier),
        ],
        schedules=[
            Schedule("purge_login_failures", "17 3 * * *", purge_login_failures),
            Schedule("purge_sessions", "19 3 * * *", purge_sessions),
            Schedule("cancel_unpaid_card_orders", "23 * * * *", functools.partial(cancel_unpaid_card_orders, gateway)),
            *_reconciliation(gateway, settings.hub_fee_percent),
            Schedule("flag_expiring_credentials", "5 4 * * *", flag_expiring_credentials),
            Schedule("announce_validity_changes", "7 0 * * *", announce_validity_changes),
            Schedule("refresh_dashboards", "* * * * *", refresh_dashboards),
            Schedule("retry_mail", "* * * * *", functools.partial(retry_mail, mail_transport)),
            # Before the digests, so that an overdue invoice is in that morning's.
            Schedule("announce_overdue_invoices", "45 5 * * *", announce_overdue_invoices),
            Schedule("send_digests", "0 6 * * *", functools.partial(send_digests, notifier)),
            Schedule("review_advances", "30 5 * * *", review_advances),
        ],
        reactions=financing.reactions(),
    )


def _reconciliation(gateway: StripeGateway | None, fee_percent: Decimal) -> list[Schedule]:
    """Waiting money moves are retried by every run; payments are compared with Stripe's over the
    last two hours every 15 minutes, and over Stripe's whole webhook retry window once a day."""
    if gateway is None:
        return []
    return [
        Schedule(
            "reconcile_recent_card_payments",
            "*/15 * * * *",
            functools.partial(reconcile_card_payments, gateway, fee_percent, dt.timedelta(hours=2)),
        ),
        Schedule(
            "reconcile_card_payments",
            "40 3 * * *",
            functools.partial(reconcile_card_payments, gateway, fee_percent, dt.timedelta(days=RECONCILE_DAYS)),
        ),
    ]
