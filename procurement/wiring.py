"""Procurement's part of the service: pools, tenders, bids, awards and OCDS publication."""

from __future__ import annotations

import functools

import structlog

from kernel.contribution import Contribution, provide_value
from kernel.outbox import Schedule, subscriber
from marketplace.api import Notifier
from procurement.award.controllers import AwardController
from procurement.award.jobs import evaluate_tender
from procurement.bid.controllers import BidController
from procurement.bid.jobs import close_due_tenders
from procurement.dashboard.service import pooled_procurement
from procurement.db import SCHEMA
from procurement.events import BidsOpened
from procurement.notice import subscribers as notice
from procurement.ocds import service as ocds
from procurement.ocds.controllers import OcdsController
from procurement.pool.controllers import PoolController
from procurement.pool.jobs import close_due_pools
from procurement.settings import PLACEHOLDER_OCID_PREFIX, ProcurementSettings
from procurement.tender.controllers import HubTenderController, TenderController


def register(settings: ProcurementSettings, *, card_payments: bool, public_url: str) -> Contribution:
    """`card_payments`: whether awarded orders may be paid by card (the marketplace's Stripe is on);
    `public_url`: where people reach the service (the links of the messages telling them of tenders).

    Provides `procurement_settings`, `card_payments` (the flag above, for the award service) and
    `pooled_procurement` (the pooled-procurement figures the marketplace's hub dashboards show).
    """
    if settings.ocid_prefix == PLACEHOLDER_OCID_PREFIX:
        structlog.get_logger("borderhub.procurement").warning(
            "tenders are published under the placeholder ocid prefix: set OCID_PREFIX to the prefix "
            "registered for this hub with the OCDS Data Support Team",
            ocid_prefix=PLACEHOLDER_OCID_PREFIX,
        )
    return Contribution(
        schema=SCHEMA,
        route_handlers=[
            PoolController,
            TenderController,
            HubTenderController,
            AwardController,
            BidController,
            OcdsController,
        ],
        dependencies={
            "procurement_settings": provide_value(settings),
            "card_payments": provide_value(card_payments),
            "pooled_procurement": provide_value(pooled_procurement),
        },
        reactions=ocds.reactions(),
        subscribers=[
            subscriber(
                BidsOpened,
                "evaluate_tender",
                functools.partial(evaluate_tender, settings.award_time_limit_seconds, card_payments),
            ),
            *notice.subscribers(Notifier(public_url)),
        ],
        schedules=[
            Schedule("close_due_pools", "* * * * *", close_due_pools),
            Schedule(
                "close_due_tenders",
                "* * * * *",
                functools.partial(close_due_tenders, settings.sealing_secret),
            ),
        ],
    )
