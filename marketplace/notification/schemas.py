"""Wire formats of the inbox in the app."""

from __future__ import annotations

import datetime as dt
import uuid

import msgspec


class NotificationRead(msgspec.Struct, kw_only=True, frozen=True):
    id: uuid.UUID
    kind: str
    """What it is about: `order_placed`, `tender_published` ... (one message template each)."""
    subject: str
    body: str
    """Paragraphs separated by a blank line, in `language`."""
    link: str | None
    """The page it leads to."""
    action: str | None
    """The link's label."""
    language: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class Inbox(msgspec.Struct, kw_only=True, frozen=True):
    """A page of the caller's notifications, newest first, and how many are unread in all."""

    items: list[NotificationRead]
    page: int
    per_page: int
    total: int
    unread: int


class MarkedRead(msgspec.Struct, kw_only=True, frozen=True):
    marked: int
    """How many were unread."""
