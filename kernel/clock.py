"""The one clock procurement's windows and deadlines are judged by (UTC)."""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
