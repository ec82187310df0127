"""The marketplace's own PostgreSQL schema: its tables and enum types live there."""

from __future__ import annotations

import enum

from sqlalchemy import Enum

from kernel.db import db_enum

MARKETPLACE_SCHEMA = "marketplace"


def enum_type(cls: type[enum.Enum], name: str) -> Enum:
    return db_enum(cls, name, schema=MARKETPLACE_SCHEMA)
