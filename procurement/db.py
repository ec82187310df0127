"""Procurement's own PostgreSQL schema: its tables and enum types live there, beside marketplace's."""

from __future__ import annotations

import enum

from sqlalchemy import Enum

from marketplace.kernel.db import db_enum

SCHEMA = "procurement"


def enum_type(cls: type[enum.Enum], name: str) -> Enum:
    return db_enum(cls, name, schema=SCHEMA)
