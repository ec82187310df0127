"""The service's one clock: every "now" and "today" judged in Python is read here, in UTC.

Deadlines, windows, expiries, token lifetimes and "today's" exchange rates all ask `now()`
or `today()`, never `datetime.now()`, so a test can move time for the whole service in one
place with `frozen(at)` or `travel(by)`. Column defaults and SQL that call the database's
`now()` keep the database's own clock, which these do not move.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

# For tests only (through `frozen` and `travel`): the instant the clock stands still at, if
# it does, and how far it runs ahead of the system clock (behind when negative).
_frozen_at: dt.datetime | None = None
_offset = dt.timedelta(0)


def now() -> dt.datetime:
    """The current instant, timezone-aware, in UTC."""
    if _frozen_at is not None:
        return _frozen_at
    return dt.datetime.now(dt.UTC) + _offset


def today() -> dt.date:
    """The current date in UTC."""
    return now().date()


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[dt.datetime]:
    """For tests: the clock stands still at `at` (an aware datetime) until the block ends.

    Yields `at` in UTC. Nests with `travel`, which then moves the frozen instant. The
    override is process-wide (every task and thread), so it is no tool for running code.
    """
    global _frozen_at  # noqa: PLW0603 - the one override, restored on exit
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("give the clock an aware datetime (e.g. tzinfo=datetime.UTC)")
    before = _frozen_at
    _frozen_at = at.astimezone(dt.UTC)
    try:
        yield _frozen_at
    finally:
        _frozen_at = before


@contextlib.contextmanager
def travel(by: dt.timedelta) -> Iterator[dt.datetime]:
    """For tests: the clock runs `by` ahead (behind when negative) until the block ends.

    Yields the moved `now()`. A running clock keeps ticking; a frozen one moves by `by`
    and stays frozen. Process-wide, like `frozen`.
    """
    global _frozen_at, _offset  # noqa: PLW0603 - the one override, restored on exit
    before = _frozen_at, _offset
    if _frozen_at is not None:
        _frozen_at += by
    else:
        _offset += by
    try:
        yield now()
    finally:
        _frozen_at, _offset = before
