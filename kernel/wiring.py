"""The kernel's own part of the service: its schema (outbox, audit log, idempotency keys, FX rates),
the purge of expired idempotency keys and the `paging` dependency of every list endpoint."""

from __future__ import annotations

from litestar.di import Provide

from kernel.contribution import Contribution
from kernel.db import KERNEL_SCHEMA
from kernel.idempotency import purge_expired_keys
from kernel.outbox import Schedule
from kernel.web import provide_paging


def register() -> Contribution:
    return Contribution(
        schema=KERNEL_SCHEMA,
        dependencies={"paging": Provide(provide_paging, sync_to_thread=False)},
        schedules=[Schedule("purge_idempotency_keys", "41 3 * * *", purge_expired_keys)],
    )
