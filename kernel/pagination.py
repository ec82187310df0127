"""Page-based pagination shared by every list endpoint (no web framework here: services use it)."""

from __future__ import annotations

from typing import Generic, TypeVar

import msgspec

from kernel.errors import FieldProblems

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
    """Validated pagination parameters (`page` from 1, `per_page` from 1 to 100); `InvalidInput`
    naming both query parameters (`query:page`, `query:per_page`) if both are out of range."""
    problems = FieldProblems()
    if not 1 <= page <= MAX_PAGE:
        problems.add("query:page", f"must be between 1 and {MAX_PAGE}")
    if not 1 <= per_page <= MAX_PER_PAGE:
        problems.add("query:per_page", f"must be between 1 and {MAX_PER_PAGE}")
    problems.raise_if_any()
    return PageParams(page=page, per_page=per_page)
