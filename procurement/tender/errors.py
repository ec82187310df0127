"""Errors of tenders that other procurement domains raise too (a bid or an award on no such tender)."""

from __future__ import annotations

from kernel.errors import NotFound


class TenderNotFound(NotFound):
    slug = "tender-not-found"
