"""Domain errors. Models and services raise these; `kernel.web` maps them to problem+json.

Each class carries a stable `type` slug (the problem `type` URI ends with it) and
its HTTP status. Named subclasses (`SkuTaken`, `TenderClosed`, ...) refine the slug.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from typing import ClassVar, ParamSpec, TypeVar

import msgspec

P = ParamSpec("P")
T = TypeVar("T")


class FieldError(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One offending input field, named where the caller wrote it, and what is wrong with it in
    plain words: `$.lines[1].quantity` (body, JSON path), `query:per_page`, `header:Idempotency-Key`.

    In an uploaded file, `row` is the row it is on (and `field` the file's column).
    """

    field: str
    message: str
    row: int | None = None


class DomainError(Exception):
    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


_LOCATED = re.compile(r"^(\$|(query|header|path|cookie):)")


def located(field: str) -> str:
    """A field named by where the caller wrote it: a body field as a JSON path (`lines[0].quantity`
    becomes `$.lines[0].quantity`); `query:per_page`, `header:Idempotency-Key` and paths stay."""
    return field if _LOCATED.match(field) else f"$.{field}"


class InvalidInput(DomainError):
    """Every invalid input, whoever finds it (msgspec, Litestar or a service): 422 with each
    offending field in `errors`, named by where the caller wrote it (see `located`)."""

    status = 422
    slug = "invalid-input"
    title = "Invalid input"

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        """One bad field: `lines[0].quantity` (a body field, JSON path without `$.`) or `query:page`."""
        return cls(f"{field}: {message}", errors=[FieldError(field=located(field), message=message)])

    @classmethod
    def query(cls, parameter: str, message: str) -> InvalidInput:
        """A bad query parameter, named as the web layer names them (`query:from`)."""
        return cls.field(f"query:{parameter}", message)

    @classmethod
    def of(cls, errors: list[FieldError]) -> InvalidInput:
        """Several bad fields at once (at least one)."""
        return cls("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


class FieldProblems:
    """Collects the problems of several fields, so a use case reports all of them in one
    `InvalidInput` rather than the first one only::

        problems = FieldProblems()
        country = problems.check(codes.country, data.country, "country")  # None if it failed
        problems.add("status", "a new listing is active or paused")
        problems.raise_if_any()  # before anything is written
    """

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def __bool__(self) -> bool:
        return bool(self.errors)

    def add(self, field: str, message: str) -> None:
        """A problem of `field`, named as for `InvalidInput.field`."""
        self.errors.append(FieldError(field=located(field), message=message))

    def extend(self, errors: Iterable[FieldError]) -> None:
        self.errors.extend(errors)

    def check(self, rule: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """`rule(*args, **kwargs)`, or None after noting the problems of the `InvalidInput` it raised.

        Named refusals (subclasses such as `CheckoutRefused`) are not field problems: they propagate.
        """
        try:
            return rule(*args, **kwargs)
        except InvalidInput as error:
            self._note(error)
            return None

    async def check_awaited(self, pending: Awaitable[T]) -> T | None:
        """Like `check`, for a rule that needs the database: `await problems.check_awaited(rule(...))`."""
        try:
            return await pending
        except InvalidInput as error:
            self._note(error)
            return None

    def _note(self, error: InvalidInput) -> None:
        if type(error) is not InvalidInput:
            raise error
        self.errors.extend(error.errors or [FieldError(field="$", message=error.detail)])

    def raise_if_any(self) -> None:
        """Raises `InvalidInput` listing every problem noted, if there is any."""
        if self.errors:
            raise InvalidInput.of(self.errors)


class Unauthenticated(DomainError):
    status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class Forbidden(DomainError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class TooManyRequests(DomainError):
    status = 429
    slug = "too-many-requests"
    title = "Too many requests"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(DomainError):
    status = 503
    slug = "unavailable"
    title = "Service unavailable"
