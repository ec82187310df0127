"""Invalid input in plain words, every offending field at once (no web framework here).

msgspec stops at the first value that does not fit and words it for programmers
("Expected `str` of length >= 10 - at `$.lines[1].sku`"). `validation_errors`
walks the decoded JSON along the type instead — Struct fields, lists, dicts —
and converts each value on its own, so one response names every bad field by its
JSON path, a missing field by its own path (`$.lines[0].quantity`, not the object
holding it). `plain_message` rewords msgspec's messages with one table,
`PLAIN_MESSAGES`; messages it does not know (a service's own words) pass through.

What msgspec cannot check itself — a date's window, a decimal's size and places — rides on
the type as a `Rule` (`Timestamp`, `Day`, `bounded(...)`): `rule_errors` applies the rules to a
decoded value, `validation_errors` reports them with msgspec's own problems, and `decode_json` /
`convert` do both, so every body, parameter and file row meets the same rules before any service
does arithmetic with it.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import re
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import msgspec

from kernel.clock import now
from kernel.errors import FieldError, InvalidInput

#: At most this many problems are reported for one value; the caller fixes these first.
MAX_ERRORS = 50

_AT_PATH = re.compile(r"\s*- at `(\$[^`]*)`$")
_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
_SEQUENCES = (list, tuple, set, frozenset, Sequence)

# msgspec's names of JSON and Python kinds, as a producer would say them.
_KINDS = {
    "str": "text",
    "int": "a whole number",
    "float": "a number",
    "decimal": "a decimal number",
    "bool": "true or false",
    "object": "an object",
    "array": "a list",
    "uuid": "a UUID",
    "datetime": "a date and time",
    "date": "a date",
    "time": "a time",
    "duration": "a duration",
    "timedelta": "a duration",
    "bytes": "base64-encoded data",
    "null": "null",
}


def _kinds(match: re.Match[str], allowed: Sequence[str]) -> str:
    names = [name.strip() for name in match["expected"].split("|")]
    said = [_KINDS.get(name, name) for name in names if name != "null"] or ["null"]
    return "must be " + " or ".join(dict.fromkeys(said))


def _one_of(match: re.Match[str], allowed: Sequence[str]) -> str:
    return f"must be one of: {', '.join(allowed)}" if allowed else "is not one of the allowed values"


#: msgspec's message -> plain words: a template of the pattern's named groups, or a function
#: of the match and the values the type allows. The first pattern that matches wins.
PLAIN_MESSAGES: list[tuple[str, str | Callable[[re.Match[str], Sequence[str]], str]]] = [
    (r"Object missing required field `(?P<name>[^`]*)`", "is required"),
    (r"Object contains unknown field `(?P<name>[^`]*)`", "is not a known field"),
    (r"Expected `str` of length >= 1", "cannot be empty"),
    (r"Expected `str` of length >= (?P<n>\d+)", "must be at least {n} characters"),
    (r"Expected `str` of length <= (?P<n>\d+)", "must be at most {n} characters"),
    (r"Expected `array` of length >= 1", "must have at least one item"),
    (r"Expected `array` of length >= (?P<n>\d+)", "must have at least {n} items"),
    (r"Expected `array` of length <= (?P<n>\d+)", "must have at most {n} items"),
    (r"Expected `array` of length (?P<n>\d+), got \d+", "must have exactly {n} items"),
    (r"Expected `object` of length >= 1", "must have at least one entry"),
    (r"Expected `object` of length >= (?P<n>\d+)", "must have at least {n} entries"),
    (r"Expected `object` of length <= (?P<n>\d+)", "must have at most {n} entries"),
    (r"Expected `\w+` matching regex '.*'", "is not in the expected format"),
    (r"Expected `\w+` >= (?P<n>\S+)", "must be {n} or more"),
    (r"Expected `\w+` > (?P<n>\S+)", "must be more than {n}"),
    (r"Expected `\w+` <= (?P<n>\S+)", "must be {n} or less"),
    (r"Expected `\w+` < (?P<n>\S+)", "must be less than {n}"),
    (r"Expected `\w+` that's a multiple of (?P<n>\S+)", "must be a multiple of {n}"),
    (r"Expected `datetime` with a timezone component", "must include a time zone, like 2026-12-01T12:00:00Z"),
    (r"Expected `\w+` with no timezone component", "must not include a time zone"),
    (r"Expected `(?P<expected>[^`]+)`, got `[^`]+`", _kinds),
    (r"Invalid enum value .*", _one_of),
    (r"Invalid value .*", _one_of),
    (r"Invalid UUID", "must be a UUID, like 0b9e4a52-5f1c-4d8e-9a3b-2c7d1e6f8a90"),
    (r"Invalid RFC3339 encoded datetime", "must be a date and time, like 2026-12-01T12:00:00Z"),
    (r"Invalid RFC3339 encoded date", "must be a date, like 2026-12-01"),
    (r"Invalid RFC3339 encoded time", "must be a time, like 12:00:00"),
    (r"Invalid ISO8601 duration", "must be a duration, like PT30M"),
    (r"Invalid decimal string", 'must be a decimal number, like "12.50"'),
    (r"Invalid base64 encoded string", "must be base64-encoded"),
    (r"(Integer|Number) value out of range", "is out of range"),
]
_COMPILED = [(re.compile(pattern, re.DOTALL), plain) for pattern, plain in PLAIN_MESSAGES]


def plain_message(message: str, annotation: Any = None) -> str:
    """msgspec's `message` (without its `- at` path) in plain words; anything else unchanged.

    With the `annotation` of the value, "must be one of" lists the allowed values of an
    Enum or Literal.
    """
    for pattern, plain in _COMPILED:
        match = pattern.fullmatch(message)
        if match is None:
            continue
        if isinstance(plain, str):
            return plain.format(**match.groupdict())
        return plain(match, allowed_values(annotation))
    return message


def field_error(path: str, message: str, annotation: Any = None) -> FieldError:
    """A msgspec `message` about the value at `path`, reworded, and named by the field it is
    about: a missing or unknown field by its own path, not the object's; a `- at` suffix
    (relative to `path`) is followed."""
    match = _AT_PATH.search(message)
    if match is not None:
        path, message = path + match.group(1)[1:], message[: match.start()]
        annotation = None  # the annotation is of the outer value
    named = re.match(r"^Object (missing required|contains unknown) field `(?P<name>[^`]*)`$", message)
    if named is not None:
        path = join(path, named["name"])
    return FieldError(field=path, message=plain_message(message, annotation))


def join(path: str, key: object) -> str:
    """The JSON path of `key` inside the object at `path` (`$.translations.pt-BR`, `$.notes["a b"]`)."""
    text = str(key)
    if _PLAIN_KEY.match(text):
        return f"{path}.{text}"
    return f"{path}[{msgspec.json.encode(text).decode()}]"


def allowed_values(annotation: Any) -> list[str]:
    """The values an Enum or Literal type (possibly optional or annotated) allows, as written in JSON."""
    values: list[str] = []
    for member in _members(annotation):
        if isinstance(member, type) and issubclass(member, enum.Enum):
            values += [str(item.value) for item in member]
        elif get_origin(member) is Literal:
            values += [str(value) for value in get_args(member)]
    return values


def _members(annotation: Any) -> list[Any]:
    """The alternatives of a union (or the type itself), without `Annotated` wrappers."""
    annotation, _ = _unwrap(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        return [member for arg in get_args(annotation) for member in _members(arg)]
    return [annotation]


def _unwrap(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    """The type inside `Annotated[...]`, and its metadata (msgspec.Meta constraints)."""
    metadata: tuple[Any, ...] = ()
    while get_origin(annotation) is Annotated:
        inner, *extra = get_args(annotation)
        annotation, metadata = inner, (*metadata, *extra)
    return annotation, metadata


def validation_errors(
    value: Any, annotation: Any, *, path: str = "$", strict: bool = False, limit: int = MAX_ERRORS
) -> list[FieldError]:
    """Every problem of the decoded JSON `value` against `annotation` (empty if it converts).

    Each leaf is converted with `msgspec.convert` (so constraints and messages are
    msgspec's own, reworded), Structs field by field — reporting missing required
    fields and, where the Struct forbids them, unknown ones — and lists and dicts item
    by item. A problem of a value as a whole (a Struct's `__post_init__`, a list too
    long) is reported at the value when none of its parts explains it; so is each `Rule` a
    converted value breaks. At most `limit`. Raises `TypeError` for a type msgspec cannot convert to.
    """
    errors: list[FieldError] = []
    _collect(value, annotation, path, errors, strict, limit)
    return errors


def _collect(value: Any, annotation: Any, path: str, errors: list[FieldError], strict: bool, limit: int) -> None:
    if len(errors) >= limit:
        return
    try:
        converted = msgspec.convert(value, annotation, strict=strict)
    except msgspec.ValidationError as exc:
        problem = str(exc)
    else:
        _apply_rules(converted, annotation, path, errors)
        del errors[limit:]
        return
    found = len(errors)
    inner, metadata = _unwrap(annotation)
    union = get_origin(inner) in (Union, types.UnionType)
    alternatives = [m for m in get_args(inner) if m is not type(None) and m is not msgspec.UnsetType] if union else []
    if value is not None and len(alternatives) == 1:
        # `X | None` (or UNSET) with a value given: the value must be an X.
        _collect(value, _reannotate(alternatives[0], metadata), path, errors, strict, limit)
    elif isinstance(inner, type) and issubclass(inner, msgspec.Struct) and isinstance(value, dict):
        _collect_struct(value, inner, path, errors, strict, limit)
    elif get_origin(inner) in _SEQUENCES and isinstance(value, list) and _is_variadic(inner):
        _collect_container(value, list[Any], metadata, path, errors, strict)
        [item_type, *_] = get_args(inner) or (Any,)
        for index, item in enumerate(value):
            _collect(item, item_type, f"{path}[{index}]", errors, strict, limit)
    elif get_origin(inner) is dict and isinstance(value, dict):
        key_type, item_type = get_args(inner) or (Any, Any)
        _collect_container(value, dict[Any, Any], metadata, path, errors, strict)
        for key, item in value.items():
            _collect(key, key_type, join(path, key), errors, strict, limit)
            _collect(item, item_type, join(path, key), errors, strict, limit)
    if len(errors) == found and len(errors) < limit:
        errors.append(field_error(path, problem, annotation))


def _collect_struct(
    value: dict[Any, Any], struct: type[msgspec.Struct], path: str, errors: list[FieldError], strict: bool, limit: int
) -> None:
    config = struct.__struct_config__
    known = {config.tag_field} if isinstance(config.tag_field, str) else set()
    for field in msgspec.structs.fields(struct):
        known.add(field.encode_name)
        if field.encode_name in value:
            _collect(value[field.encode_name], field.type, join(path, field.encode_name), errors, strict, limit)
        elif field.required and len(errors) < limit:
            errors.append(FieldError(field=join(path, field.encode_name), message="is required"))
    if config.forbid_unknown_fields:
        for key in value:
            if key not in known and len(errors) < limit:
                errors.append(FieldError(field=join(path, key), message="is not a known field"))


def _collect_container(
    value: Any, bare: Any, metadata: tuple[Any, ...], path: str, errors: list[FieldError], strict: bool
) -> None:
    """The constraints on a list or dict as a whole (its length), whatever its items."""
    if not metadata:
        return
    try:
        msgspec.convert(value, _reannotate(bare, metadata), strict=strict)
    except msgspec.ValidationError as exc:
        errors.append(field_error(path, str(exc)))


def _reannotate(annotation: Any, metadata: tuple[Any, ...]) -> Any:
    meta = tuple(m for m in metadata if isinstance(m, msgspec.Meta | Rule))
    return Annotated[(annotation, *meta)] if meta else annotation


def _is_variadic(sequence: Any) -> bool:
    """Lists, sets and `tuple[X, ...]`; fixed-length tuples are checked as a whole."""
    args = get_args(sequence)
    return get_origin(sequence) is not tuple or (len(args) == 2 and args[1] is Ellipsis)  # noqa: PLR2004


# --- Rules: what msgspec cannot check itself ---------------------------------------


@dataclass(frozen=True)
class Rule:
    """`Annotated` metadata for a check msgspec cannot make (`Annotated[dt.date, Rule(...)]`):
    `problem(value)` says in plain words what is wrong with a decoded value, or None."""

    problem: Callable[[Any], str | None]


def rule_errors(value: Any, annotation: Any, path: str = "$") -> list[FieldError]:
    """Every `Rule` in `annotation` that the decoded `value` (Structs, lists, dicts of it) breaks,
    each at the JSON path of the value it is about."""
    errors: list[FieldError] = []
    _apply_rules(value, annotation, path, errors)
    return errors


def _apply_rules(value: Any, annotation: Any, path: str, errors: list[FieldError]) -> None:
    if not has_rules(annotation):
        return
    inner, metadata = _unwrap(annotation)
    problems = (rule.problem(value) for rule in metadata if isinstance(rule, Rule))
    errors.extend(FieldError(field=path, message=problem) for problem in problems if problem is not None)
    origin = get_origin(inner)
    if origin in (Union, types.UnionType):
        member = next((m for m in get_args(inner) if _holds(value, m)), None)
        if member is not None:
            _apply_rules(value, member, path, errors)
    elif isinstance(inner, type) and issubclass(inner, msgspec.Struct) and isinstance(value, inner):
        for field in msgspec.structs.fields(inner):
            _apply_rules(getattr(value, field.name), field.type, join(path, field.encode_name), errors)
    elif origin is dict and isinstance(value, dict):
        _, item_type = get_args(inner) or (Any, Any)
        for key, item in value.items():
            _apply_rules(item, item_type, join(path, key), errors)
    elif origin in _SEQUENCES and isinstance(value, (list, tuple, set, frozenset)):
        args = get_args(inner)
        item_types = args if origin is tuple and not _is_variadic(inner) else [args[0] if args else Any] * len(value)
        for index, (item, item_type) in enumerate(zip(value, item_types, strict=False)):
            _apply_rules(item, item_type, f"{path}[{index}]", errors)


def _holds(value: Any, annotation: Any) -> bool:
    """Whether `value` is of the union member `annotation` (the member a decoder picked)."""
    inner, _ = _unwrap(annotation)
    if get_origin(inner) is Literal:
        return value in get_args(inner)
    kind = get_origin(inner) or inner
    return isinstance(kind, type) and isinstance(value, kind)


def has_rules(annotation: Any) -> bool:
    """Whether `annotation` holds a `Rule` anywhere (most types do not, and are not walked)."""
    try:
        return _has_rules_cached(annotation)
    except TypeError:  # an unhashable annotation: work it out each time
        return _mentions_rules(annotation, frozenset())


@functools.cache
def _has_rules_cached(annotation: Any) -> bool:
    return _mentions_rules(annotation, frozenset())


def _mentions_rules(annotation: Any, seen: frozenset[type]) -> bool:
    inner, metadata = _unwrap(annotation)
    if any(isinstance(item, Rule) for item in metadata):
        return True
    if isinstance(inner, type) and issubclass(inner, msgspec.Struct):
        if inner in seen:  # a recursive Struct
            return False
        return any(_mentions_rules(field.type, seen | {inner}) for field in msgspec.structs.fields(inner))
    return any(_mentions_rules(arg, seen) for arg in get_args(inner) if arg is not Ellipsis)


# --- Decoding and converting with the rules --------------------------------------

#: JSON as written, for naming problems: numbers as Decimals, so 1e-400 is not read as 0.0.
_AS_WRITTEN = msgspec.json.Decoder(float_hook=Decimal)


def decode_json(body: bytes, annotation: Any) -> Any:
    """`body` decoded as `annotation`, strictly: each JSON type only as documented (a date and time
    as an RFC 3339 string, never a number; a whole number as a JSON integer, never text or a
    fraction), every `Rule` kept.

    Raises `InvalidInput` naming every offending field, and `msgspec.DecodeError` (not its
    subclass `ValidationError`) when `body` is not JSON at all.
    """
    try:
        value = _strict_decoder(annotation).decode(body)
    except msgspec.ValidationError:
        return convert(_AS_WRITTEN.decode(body), annotation)
    problems = rule_errors(value, annotation)
    if problems:
        raise InvalidInput.of(problems)
    return value


def convert(value: Any, annotation: Any, *, strict: bool = True) -> Any:
    """The decoded `value` converted to `annotation` (`strict=False`: from text, as CSV cells
    are), every `Rule` kept. Raises `InvalidInput` naming every offending field."""
    try:
        converted = msgspec.convert(value, annotation, strict=strict)
    except msgspec.ValidationError as exc:
        errors = validation_errors(value, annotation, strict=strict) or [field_error("$", str(exc))]
        raise InvalidInput.of(errors) from None
    problems = rule_errors(converted, annotation)
    if problems:
        raise InvalidInput.of(problems)
    return converted


def _strict_decoder(annotation: Any) -> msgspec.json.Decoder[Any]:
    try:
        return _cached_decoder(annotation)
    except TypeError:  # an unhashable annotation
        return msgspec.json.Decoder(annotation, strict=True)


@functools.cache
def _cached_decoder(annotation: Any) -> msgspec.json.Decoder[Any]:
    return msgspec.json.Decoder(annotation, strict=True)


# --- Times and days --------------------------------------------------------------

#: No instant or day a caller gives may lie before this ...
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
#: ... or further ahead of now than this. Year 1 and year 9999 are stored by PostgreSQL as
#: -infinity/infinity, which read back without a time zone and break every read of the row;
#: a window this wide still holds any real deadline, and catches milliseconds sent as seconds.
FURTHEST_AHEAD = dt.timedelta(days=5 * 366)
_EARLIEST_DAY = EARLIEST.date()


def instant_problem(value: dt.datetime) -> str | None:
    """What is wrong with an instant a caller gives: no time zone, or outside 2000-01-01 to five
    years from now (which also catches what a lax decoder took as Unix time: 0, milliseconds)."""
    if value.tzinfo is None or value.utcoffset() is None:
        return "must include a time zone, like 2026-12-01T12:00:00Z"
    latest = now() + FURTHEST_AHEAD
    if not EARLIEST <= value <= latest:
        return f"must be from {EARLIEST:%Y-%m-%d} to {latest:%Y-%m-%d} (a date and time, like 2026-12-01T12:00:00Z)"
    return None


def day_problem(
    value: dt.date, *, earliest: dt.date = _EARLIEST_DAY, ahead: dt.timedelta = FURTHEST_AHEAD
) -> str | None:
    """What is wrong with a day a caller gives: outside `earliest` (2000-01-01) to `ahead` (five
    years) from today."""
    latest = (now() + ahead).date()
    if not earliest <= value <= latest:
        return f"must be from {earliest:%Y-%m-%d} to {latest:%Y-%m-%d}"
    return None


Timestamp = Annotated[
    dt.datetime,
    msgspec.Meta(
        tz=True,
        description="RFC 3339 with a time zone, from 2000-01-01 to five years ahead",
        examples=["2027-01-15T12:00:00Z"],
    ),
    Rule(instant_problem),
]
"""An instant a caller gives (a window's opening, a deadline)."""

Day = Annotated[
    dt.date,
    msgspec.Meta(description="A date (YYYY-MM-DD) from 2000-01-01 to five years ahead", examples=["2027-01-15"]),
    Rule(day_problem),
]
"""A day a caller gives (a delivery date, a filter's first or last day)."""

DocumentDay = Annotated[
    dt.date,
    msgspec.Meta(description="A date (YYYY-MM-DD) from 1900-01-01 to a hundred years ahead", examples=["2029-12-31"]),
    Rule(functools.partial(day_problem, earliest=dt.date(1900, 1, 1), ahead=dt.timedelta(days=100 * 366))),
]
"""A day printed on a document (a permit's first or last valid day), which may lie decades away."""


def instant(value: dt.datetime, field: str) -> dt.datetime:
    """`value` in UTC; `InvalidInput` naming `field` if `instant_problem` finds a problem."""
    problem = instant_problem(value)
    if problem is not None:
        raise InvalidInput.field(field, problem)
    return value.astimezone(dt.UTC)


def day(value: dt.date, field: str) -> dt.date:
    """`value`; `InvalidInput` naming `field` if `day_problem` finds a problem."""
    problem = day_problem(value)
    if problem is not None:
        raise InvalidInput.field(field, problem)
    return value


# --- Decimals --------------------------------------------------------------------


def decimal_places(value: Decimal) -> int:
    """How many decimal places a finite `value` needs ("1.50" needs one), found without arithmetic
    (which could overflow or round)."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int) or not any(digits):
        return 0
    trailing_zeros = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing_zeros))


def decimal_problem(value: Decimal, *, places: int, below: int) -> str | None:
    """What is wrong with a decimal a caller gives: not a finite number, not between -`below` and
    `below` (exclusive), or more than `places` decimal places. Only comparisons, so "1E+999999999"
    and "1E-999999999" are judged without overflowing or rounding to 0."""
    if not value.is_finite():
        return "must be a number"
    if value >= below:
        return f"must be less than {below:,}"
    if value <= -below:
        return f"must be more than -{below:,}"
    if decimal_places(value) > places:
        return "must be a whole number" if places == 0 else f"must have at most {places} decimal places"
    return None


def bounded(*, places: int, below: int) -> Rule:
    """The rule of a decimal a caller gives (`Annotated[Decimal, bounded(places=3, below=10**12)]`):
    finite, less than `below` in size, at most `places` decimal places (see `decimal_problem`)."""
    return Rule(functools.partial(decimal_problem, places=places, below=below))
