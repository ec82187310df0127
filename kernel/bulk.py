"""Bulk writes with PostgreSQL COPY, in the caller's transaction.

`copy_rows` writes many new rows of one entity in one COPY: an order of magnitude
faster than INSERTs through the unit of work, and it takes plain dicts, because
building ORM objects for 100,000 rows costs more than writing them.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import Any, cast

import asyncpg
import msgspec
import uuid_utils.compat
from sqlalchemy import Column, Enum, MetaData, Table, inspect, text, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from kernel.db import Entity, driver_connection
from kernel.errors import Conflict, InvalidInput


def _json_text(value: Any) -> str:
    # SQLAlchemy's asyncpg codec for jsonb takes the JSON text.
    return msgspec.json.encode(value).decode()


def _enum_value(value: Any) -> Any:
    return value.value if isinstance(value, enum.Enum) else value


def _converter(column_type: Any) -> Callable[[Any], Any] | None:
    """How a Python value of a column goes into COPY (None: asyncpg encodes it as it is)."""
    if isinstance(column_type, JSONB):
        return _json_text
    if isinstance(column_type, Enum):
        return _enum_value
    return None


def row_of(instance: Entity) -> dict[str, Any]:
    """An unsaved entity as the dict `copy_rows` takes, with its scalar column defaults applied
    (they only run on an ORM flush) — for rows a service builds as objects but writes by COPY."""
    row: dict[str, Any] = {}
    for key, default in _column_defaults(type(instance)):
        value = getattr(instance, key)
        if value is None:
            value = default
        if value is not None or key not in ("id", "created_at", "updated_at"):  # copy_rows fills these
            row[key] = value
    return row


@functools.cache
def _column_defaults(entity: type[Entity]) -> list[tuple[str, Any]]:
    """Each column attribute of `entity` with its scalar default (None without one)."""
    result = []
    for attribute in inspect(entity).column_attrs:
        default = attribute.columns[0].default
        result.append((attribute.key, default.arg if default is not None and default.is_scalar else None))
    return result


async def copy_rows(
    session: AsyncSession, entity: type[Entity], rows: Sequence[dict[str, Any]], *, into: str | None = None
) -> None:
    """Insert `rows` (attribute name → value, every column given) into `entity`'s table with COPY.

    Fills in `id`, `created_at` and `updated_at` in each dict where they are missing, so
    callers can read the new ids. Raises `Conflict` when a unique constraint refuses a row
    (e.g. a concurrent writer got there first), `InvalidInput` for a value the database
    cannot store. `into` names a temporary table shaped like the entity's to copy into instead.
    """
    if not rows:
        return
    mapper = inspect(entity)
    table = cast(Table, mapper.local_table)
    keys: list[str] = []
    names: list[str] = []
    converters: list[tuple[int, Callable[[Any], Any]]] = []
    for attribute in mapper.column_attrs:
        column = attribute.columns[0]
        if column._insert_sentinel:  # only the ORM's batched INSERTs use it
            continue
        convert = _converter(column.type)
        if convert is not None:
            converters.append((len(keys), convert))
        keys.append(attribute.key)
        names.append(column.name)
    values_of = itemgetter(*keys)
    now = clock.now()
    records = []
    for row in rows:
        # Python-side column defaults only run on ORM INSERTs, so apply them here.
        if row.get("id") is None:
            row["id"] = uuid_utils.compat.uuid7()
        row.setdefault("created_at", now)
        row.setdefault("updated_at", now)
        record = list(values_of(row))
        for index, convert in converters:
            record[index] = convert(record[index])
        records.append(record)
    connection = await driver_connection(session)
    try:
        await connection.copy_records_to_table(
            into or table.name, schema_name=None if into else table.schema, columns=names, records=records
        )
    except asyncpg.UniqueViolationError as error:
        raise Conflict(f"conflicts with existing data ({error.constraint_name}); reload and retry") from None
    except asyncpg.DataError as error:
        raise InvalidInput(f"a value cannot be stored: {error}") from None


async def update_rows(
    session: AsyncSession, entity: type[Entity], rows: Sequence[dict[str, Any]], columns: Sequence[str]
) -> None:
    """Set `columns` of many existing rows at once (matched by `id`): COPY into a temporary
    table, then one UPDATE ... FROM. Each row must carry every column of the entity.

    Much faster than one UPDATE per row (executemany) for thousands of rows.
    """
    if not rows:
        return
    table = cast(Table, inspect(entity).local_table)
    staging = f"staged_{table.name}"
    await session.execute(
        text(f'CREATE TEMPORARY TABLE IF NOT EXISTS {staging} (LIKE "{table.schema}"."{table.name}") ON COMMIT DROP')
    )
    await session.execute(text(f"TRUNCATE {staging}"))
    await copy_rows(session, entity, rows, into=staging)
    staged = Table(staging, MetaData(), *(Column(c.name, c.type) for c in table.columns))
    values = {table.c[name]: staged.c[name] for name in columns}
    await session.execute(update(table).values(values).where(table.c.id == staged.c.id))
