"""Domain errors. Models and services raise these; `kernel.web` maps them to problem+json.

Each class carries a stable `type` slug (the problem `type` URI ends with it) and
its HTTP status. Named subclasses (`EmailTaken`, `TenderClosed`, ...) refine the slug.
"""

from __future__ import annotations

import re
from typing import ClassVar

import msgspec


class FieldError(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One offending input field: a JSON path such as `$.country` and what is wrong with it.

    In an uploaded file, `row` is the row it is on (and `field` the file's column).
    """

    field: str
    message: str
    row: int | None = None


_MSGSPEC_PATH = re.compile(r"\s*- at `(\$[^`]*)`$")


def split_validation_message(message: str) -> tuple[str, str]:
    """A msgspec validation message split into the JSON path it names (`$` if none) and the rest."""
    match = _MSGSPEC_PATH.search(message)
    if match is None:
        return "$", message
    return match.group(1), message[: match.start()]


class DomainError(Exception):
    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"
    title: ClassVar[str] = "Bad request"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class InvalidInput(DomainError):
    status = 422
    slug = "invalid-input"
    title = "Invalid input"

    @classmethod
    def field(cls, field: str, message: str) -> InvalidInput:
        return cls(f"{field}: {message}", errors=[FieldError(field=f"$.{field}", message=message)])

    @classmethod
    def query(cls, parameter: str, message: str) -> InvalidInput:
        """A bad query parameter, named as the web layer names them (`query:from`)."""
        return cls(f"{parameter}: {message}", errors=[FieldError(field=f"query:{parameter}", message=message)])


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
