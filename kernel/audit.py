"""Audit log: who did what to which object, when, with before/after state and request id.

Services call `record()` in the same transaction as the change they audit, so an
audit entry exists exactly when the change does.
"""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from sqlalchemy import String, Uuid
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kernel.auth import Principal
from kernel.context import request_id_var
from kernel.db import KERNEL_SCHEMA, Entity


class AuditEntry(Entity):
    __tablename__ = "audit_entry"
    __table_args__ = {"schema": KERNEL_SCHEMA}

    actor_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    actor_email: Mapped[str | None] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(80), index=True)
    object_type: Mapped[str] = mapped_column(String(60))
    object_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    organization_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    hub_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    request_id: Mapped[str | None] = mapped_column(String(64))


def snapshot(value: msgspec.Struct | dict[str, Any] | None) -> dict[str, Any] | None:
    """A JSON-safe copy of a read model for the audit log."""
    if value is None:
        return None
    result: dict[str, Any] = msgspec.to_builtins(value)
    return result


async def record(
    session: AsyncSession,
    actor: Principal | None,
    action: str,
    *,
    object_type: str,
    object_id: uuid.UUID,
    before: msgspec.Struct | dict[str, Any] | None = None,
    after: msgspec.Struct | dict[str, Any] | None = None,
    organization_id: uuid.UUID | None = None,
    hub_id: uuid.UUID | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor_id=actor.user_id if actor else None,
            actor_email=actor.email if actor else None,
            action=action,
            object_type=object_type,
            object_id=object_id,
            organization_id=organization_id,
            hub_id=hub_id,
            before=snapshot(before),
            after=snapshot(after),
            request_id=request_id_var.get(),
        )
    )
