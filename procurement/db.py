"""Procurement's own PostgreSQL schema: its tables and enum types live there, beside marketplace's."""

from __future__ import annotations

import enum
from typing import Any, Literal, TypeVar

from sqlalchemy import Enum, Select

from kernel.db import db_enum

SCHEMA = "procurement"


def enum_type(cls: type[enum.Enum], name: str) -> Enum:
    return db_enum(cls, name, schema=SCHEMA)


Lock = Literal["share", "update"] | None
"""Row lock for a read: `"update"` to change the row's state, `"share"` to keep it as it is while
adding to it (a commitment to an open pool, a bid on an open tender); state changes wait for both."""

S = TypeVar("S", bound=Select[Any])


def locked(statement: S, lock: Lock) -> S:
    if lock == "update":
        return statement.with_for_update()
    if lock == "share":
        return statement.with_for_update(read=True)
    return statement
