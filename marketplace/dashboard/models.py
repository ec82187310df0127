"""The dashboards' summary of orders: one row per hub, month, producer, buyer, destination and whether the
orders came from a tender award, with their value net of VAT and their VAT already in the hub's
reporting currency (`repository.NET_OF_VAT`).

Aggregating 1,000,000 order lines with their currency conversion takes seconds; the dashboards read this
summary instead, which the minutely `refresh_dashboards` job keeps current (see `repository.REFRESH`).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Integer, String, Table, Uuid

from kernel.db import metadata
from marketplace.db import MARKETPLACE_SCHEMA

order_month_summary = Table(
    "order_month_summary",
    metadata,
    Column("hub_id", Uuid, primary_key=True),
    Column("month", Date, primary_key=True),
    Column("producer_organization_id", Uuid, primary_key=True),
    Column("buyer_organization_id", Uuid, primary_key=True),
    Column("destination", String(6), primary_key=True),
    Column("awarded", Boolean, primary_key=True),
    Column("orders", Integer, nullable=False),
    Column("value_minor", BigInteger, nullable=False),
    Column("vat_minor", BigInteger, nullable=False),
    Column("unconverted_orders", Integer, nullable=False),
    schema=MARKETPLACE_SCHEMA,
    comment=(
        "Counted orders (not cancelled, rejected or refunded in full) by month (UTC), at their value net of VAT"
        " and credits and with their VAT, converted at each order's day's rate"
    ),
)

dashboard_refresh = Table(
    "dashboard_refresh",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("refreshed_at", DateTime(timezone=True), nullable=False),
    Column("orders_seen_until", DateTime(timezone=True), nullable=False),
    Column("rates_seen_until", DateTime(timezone=True), nullable=False),
    schema=MARKETPLACE_SCHEMA,
    comment="One row: how far the summary has read order and rate changes",
)
