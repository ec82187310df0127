"""Page-based pagination shared by every list endpoint (no web framework here: services use it)."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

from kernel.errors import InvalidInput

T = TypeVar("T")

MAX_PER_PAGE = 100
MAX_PAGE = 100_000  # deep offsets are slow and overflow; filter instead


class Page(msgspec.Struct, Generic[T], kw_only=True, frozen=True):
    items: list[T]
    page: int
    per_page: int
    total: int


class PageParams(msgspec.Struct, kw_only=True, frozen=True):
    page: int = 1
    per_page: int = 20

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def page_params(page: int = 1, per_page: int = 20) -> PageParams:
    """Validated pagination parameters (`page` from 1, `per_page` from 1 to 100)."""
    if not 1 <= page <= MAX_PAGE:
        raise InvalidInput.field("page", f"must be between 1 and {MAX_PAGE}")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise InvalidInput.field("per_page", f"must be between 1 and {MAX_PER_PAGE}")
    return PageParams(page=page, per_page=per_page)
