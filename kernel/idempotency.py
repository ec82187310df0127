"""`Idempotency-Key`: a retried request that moves stock or money returns the first result.

The key is claimed by inserting its row first thing in the request's transaction and
the result is stored in that same transaction, so a key exists exactly when its
effects do: a request that failed left nothing behind and may simply be sent again.
A second request with a key whose first request is still running blocks on the
key's unique index until the first commits (then it replays that result) or rolls
back (then it runs itself); after `WAIT_SECONDS` it gets 409 instead. A key past its
24 hours is simply claimed again; a daily job deletes the expired ones.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

import asyncpg
import msgspec
import uuid_utils.compat
from sqlalchemy import DateTime, LargeBinary, String, UniqueConstraint, Uuid, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from kernel import clock
from kernel.db import KERNEL_SCHEMA, Entity
from kernel.errors import Conflict, FieldError, InvalidInput

KEEP_FOR = dt.timedelta(hours=24)
WAIT_SECONDS = 20
MAX_KEY_LENGTH = 255

T = TypeVar("T", bound=msgspec.Struct)


class IdempotencyKeyReused(InvalidInput):
    slug = "idempotency-key-reused"


class IdempotentRequestInProgress(Conflict):
    slug = "idempotent-request-in-progress"


class IdempotencyKey(Entity):
    __tablename__ = "idempotency_key"
    __table_args__ = (
        UniqueConstraint("user_id", "key", name="uq_idempotency_key_per_user"),
        {"schema": KERNEL_SCHEMA},
    )

    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    fingerprint: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the request (method, path, canonical body): a reused key must come with the same request."""
    response_body: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


def fingerprint(method: str, path: str, body: msgspec.Struct | None) -> str:
    """The request's identity: the decoded body re-encoded, so key order and spacing do not matter."""
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    if body is not None:
        digest.update(msgspec.json.encode(body))
    return digest.hexdigest()


def check_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        message = f"must be 1 to {MAX_KEY_LENGTH} printable ASCII characters"
        raise InvalidInput(
            f"Idempotency-Key {message}", errors=[FieldError(field="header:Idempotency-Key", message=message)]
        )
    return key


async def run_once(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    key: str | None,
    request_fingerprint: str,
    result_type: type[T],
    run: Callable[[], Awaitable[T]],
) -> tuple[T, bool]:
    """Run `run` once per (user, key): the result and whether it is a replay of an earlier one.

    Raises `IdempotencyKeyReused` (422) when the key came with a different request, and
    `IdempotentRequestInProgress` (409) when its first request is still running after the wait.
    """
    if key is None:
        return await run(), False
    check_key(key)
    now = clock.now()
    # Bounds the wait for a running first request (and any other lock wait of this request).
    await session.execute(text(f"SET LOCAL lock_timeout = '{WAIT_SECONDS}s'"))
    fresh = {
        "fingerprint": request_fingerprint,
        "response_body": b"",
        "expires_at": now + KEEP_FOR,
        "created_at": now,
        "updated_at": now,
    }
    statement = insert(IdempotencyKey).values(id=uuid_utils.compat.uuid7(), user_id=user_id, key=key, **fresh)
    try:
        claimed = await session.execute(
            statement.on_conflict_do_update(
                constraint="uq_idempotency_key_per_user",
                set_=fresh,
                # A key past its 24 hours is claimed anew; a live one is left alone (no row returned).
                where=IdempotencyKey.expires_at <= now,
            ).returning(IdempotencyKey.id)
        )
    except DBAPIError as exc:
        if isinstance(getattr(exc.orig, "__cause__", None), asyncpg.exceptions.LockNotAvailableError):
            raise IdempotentRequestInProgress(
                "a request with this Idempotency-Key is still running; retry in a moment"
            ) from None
        raise
    claimed_id = claimed.scalar_one_or_none()
    if claimed_id is None:
        stored = (
            await session.execute(
                select(IdempotencyKey).where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
            )
        ).scalar_one()
        if stored.fingerprint != request_fingerprint:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was used for a different request; use a new key for a new request"
            )
        return msgspec.json.decode(stored.response_body, type=result_type), True
    result = await run()
    await session.execute(
        update(IdempotencyKey)
        .where(IdempotencyKey.id == claimed_id)
        .values(response_body=msgspec.json.encode(result), updated_at=func.now())
    )
    return result, False


async def purge_expired_keys(session: AsyncSession) -> None:
    """Scheduled daily: forget keys past their 24 hours."""
    await session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= clock.now()))
