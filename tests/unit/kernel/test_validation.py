"""The collecting validator and the plain wording of invalid input (pure: no web framework, no database)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

import msgspec
import pytest

from kernel import clock
from kernel.errors import FieldError, InvalidInput
from kernel.validation import (
    PLAIN_MESSAGES,
    Day,
    Timestamp,
    bounded,
    convert,
    day,
    decode_json,
    field_error,
    instant,
    plain_message,
    rule_errors,
    validation_errors,
)


class Colour(enum.StrEnum):
    red = "red"
    green = "green"


class Line(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    listing_id: uuid.UUID
    quantity: Annotated[int, msgspec.Meta(ge=1)]


class Address(msgspec.Struct, kw_only=True):
    street: Annotated[str, msgspec.Meta(min_length=1)]
    city: str


class Order(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=50)]
    lines: Annotated[list[Line], msgspec.Meta(min_length=1, max_length=3)]
    notes: dict[str, Annotated[str, msgspec.Meta(max_length=5)]] = msgspec.field(default_factory=dict)
    address: Address | None = None
    colour: Colour = Colour.red
    size: Literal["S", "M", "L"] = "M"
    deliver_on: dt.date | None = None
    price: Decimal | msgspec.UnsetType = msgspec.UNSET


class Window(msgspec.Struct, kw_only=True):
    first: int
    last: int

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise ValueError("first must not be after last")


LISTING = "0b9e4a52-5f1c-4d8e-9a3b-2c7d1e6f8a90"
GOOD: dict[str, Any] = {"email": "ana@example.org", "lines": [{"listing_id": LISTING, "quantity": 2}]}


def fields(errors: list[FieldError]) -> dict[str, str]:
    return {e.field: e.message for e in errors}


def test_nothing_is_reported_when_the_value_converts() -> None:
    assert validation_errors(GOOD, Order) == []
    assert validation_errors({**GOOD, "address": None, "price": "1.50"}, Order) == []


def test_every_bad_field_is_reported_when_a_body_has_several() -> None:
    body = {
        "email": "a",
        "lines": [{"listing_id": LISTING, "quantity": 0}, {"listing_id": "nope", "quantity": "two"}],
        "colour": "blue",
        "size": "XL",
        "deliver_on": "tomorrow",
        "price": "cheap",
    }
    assert fields(validation_errors(body, Order)) == {
        "$.email": "must be at least 3 characters",
        "$.lines[0].quantity": "must be 1 or more",
        "$.lines[1].listing_id": "must be a UUID, like 0b9e4a52-5f1c-4d8e-9a3b-2c7d1e6f8a90",
        "$.lines[1].quantity": "must be a whole number",
        "$.colour": "must be one of: red, green",
        "$.size": "must be one of: S, M, L",
        "$.deliver_on": "must be a date, like 2026-12-01",
        "$.price": 'must be a decimal number, like "12.50"',
    }


def test_a_missing_field_is_named_by_its_own_path_when_required() -> None:
    body = {"lines": [{"listing_id": LISTING}], "address": {"street": "Rynek 1"}}
    assert fields(validation_errors(body, Order)) == {
        "$.email": "is required",
        "$.lines[0].quantity": "is required",
        "$.address.city": "is required",
    }


def test_unknown_fields_are_reported_only_when_the_struct_forbids_them() -> None:
    body = {**GOOD, "coupon": "X", "address": {"street": "Rynek 1", "city": "Cieszyn", "floor": 2}}
    assert fields(validation_errors(body, Order)) == {"$.coupon": "is not a known field"}


def test_a_list_too_long_is_reported_with_its_bad_items() -> None:
    lines = [{"listing_id": LISTING, "quantity": 1}] * 3 + [{"listing_id": LISTING, "quantity": -1}]
    assert fields(validation_errors({**GOOD, "lines": lines}, Order)) == {
        "$.lines": "must have at most 3 items",
        "$.lines[3].quantity": "must be 1 or more",
    }
    assert fields(validation_errors({**GOOD, "lines": []}, Order)) == {"$.lines": "must have at least one item"}


def test_dict_values_are_named_by_their_key() -> None:
    body = {**GOOD, "notes": {"pl": "za długo", "two words": "ok", "de": 5}}
    assert fields(validation_errors(body, Order)) == {
        "$.notes.pl": "must be at most 5 characters",
        "$.notes.de": "must be text",
    }
    assert validation_errors({"n": {"two words": 1}}, dict[str, dict[str, str]]) == [
        FieldError(field='$.n["two words"]', message="must be text")
    ]


def test_wrong_kinds_are_named_in_plain_words() -> None:
    body = {"email": 42, "lines": "all of them", "address": "here"}
    assert fields(validation_errors(body, Order)) == {
        "$.email": "must be text",
        "$.lines": "must be a list",
        "$.address": "must be an object",
    }
    assert validation_errors([1, 2], Order) == [FieldError(field="$", message="must be an object")]


def test_a_rule_of_the_whole_struct_is_reported_at_the_struct_when_its_fields_are_fine() -> None:
    assert validation_errors({"first": 5, "last": 1}, Window) == [
        FieldError(field="$", message="first must not be after last")
    ]
    assert fields(validation_errors({"first": "5"}, Window, strict=True)) == {
        "$.first": "must be a whole number",
        "$.last": "is required",
    }


def test_text_is_converted_to_numbers_unless_strict() -> None:
    body = {"email": "ana@example.org", "lines": [{"listing_id": LISTING, "quantity": "3"}]}
    assert validation_errors(body, Order) == []
    assert fields(validation_errors(body, Order, strict=True)) == {"$.lines[0].quantity": "must be a whole number"}


def test_at_most_the_limit_is_reported() -> None:
    lines = [{"listing_id": LISTING, "quantity": 0}] * 3
    assert len(validation_errors({**GOOD, "lines": lines}, Order, limit=2)) == 2


@pytest.mark.parametrize(
    ("message", "plain"),
    [
        ("Expected `str` of length >= 10", "must be at least 10 characters"),
        ("Expected `str` of length >= 1", "cannot be empty"),
        ("Expected `str` of length <= 200", "must be at most 200 characters"),
        ("Expected `array` of length >= 2", "must have at least 2 items"),
        ("Expected `object` of length <= 30", "must have at most 30 entries"),
        ("Expected `array` of length 2, got 1", "must have exactly 2 items"),
        ("Expected `int` >= 1", "must be 1 or more"),
        ("Expected `int` > 0", "must be more than 0"),
        ("Expected `int` <= 365", "must be 365 or less"),
        ("Expected `float` < 1.5", "must be less than 1.5"),
        ("Expected `int` that's a multiple of 5", "must be a multiple of 5"),
        ("Expected `str`, got `int`", "must be text"),
        ("Expected `int`, got `str`", "must be a whole number"),
        ("Expected `bool`, got `str`", "must be true or false"),
        ("Expected `int | null`, got `str`", "must be a whole number"),
        ("Expected `str` matching regex '^[A-Z]{3}$'", "is not in the expected format"),
        ("Object missing required field `email`", "is required"),
        ("Object contains unknown field `coupon`", "is not a known field"),
        ("Invalid enum value 'blue'", "is not one of the allowed values"),
        ("Invalid UUID", "must be a UUID, like 0b9e4a52-5f1c-4d8e-9a3b-2c7d1e6f8a90"),
        ("Invalid RFC3339 encoded datetime", "must be a date and time, like 2026-12-01T12:00:00Z"),
        ("Invalid RFC3339 encoded date", "must be a date, like 2026-12-01"),
        ("Invalid decimal string", 'must be a decimal number, like "12.50"'),
        ("Expected `datetime` with a timezone component", "must include a time zone, like 2026-12-01T12:00:00Z"),
        ("the first tier must start at or below 5", "the first tier must start at or below 5"),
    ],
)
def test_msgspec_messages_are_reworded_in_plain_words(message: str, plain: str) -> None:
    assert plain_message(message) == plain
    assert "`" not in plain_message(message)
    assert "Expected" not in plain_message(message)


def test_allowed_values_come_from_the_type_when_known() -> None:
    assert plain_message("Invalid enum value 'blue'", Colour | None) == "must be one of: red, green"
    assert plain_message("Invalid enum value 'XL'", Literal["S", "M"]) == "must be one of: S, M"


def test_no_plain_wording_in_the_table_reads_like_code() -> None:
    for pattern, plain in PLAIN_MESSAGES:
        assert not isinstance(plain, str) or ("`" not in plain and "Expected" not in plain), pattern


def test_a_field_error_follows_msgspec_s_path_and_names_a_missing_field_itself() -> None:
    assert field_error("$.lines", "Expected `int`, got `str` - at `$[1].quantity`") == FieldError(
        field="$.lines[1].quantity", message="must be a whole number"
    )
    assert field_error("$", "Object missing required field `quantity` - at `$.lines[0]`") == FieldError(
        field="$.lines[0].quantity", message="is required"
    )


@pytest.mark.parametrize(
    "value",
    [
        dt.datetime(1, 1, 1, tzinfo=dt.UTC),  # stored as -infinity
        dt.datetime(1970, 1, 1, tzinfo=dt.UTC),  # a lax decoder's reading of 0
        dt.datetime(1999, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),  # stored as infinity
        dt.datetime(2026, 12, 1, 12),  # noqa: DTZ001 - no time zone, on purpose
    ],
)
def test_an_instant_is_refused_naming_the_field_when_outside_the_sane_window(value: dt.datetime) -> None:
    with clock.frozen(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)), pytest.raises(InvalidInput) as refused:
        instant(value, "closes_at")
    assert [e.field for e in refused.value.errors] == ["$.closes_at"]


def test_an_instant_in_the_window_is_kept_in_utc_when_it_has_an_offset() -> None:
    with clock.frozen(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)):
        given = dt.datetime(2031, 11, 30, 14, tzinfo=dt.timezone(dt.timedelta(hours=2)))
        assert instant(given, "closes_at") == dt.datetime(2031, 11, 30, 12, tzinfo=dt.UTC)
        assert day(dt.date(2031, 11, 30), "needed_by") == dt.date(2031, 11, 30)
        with pytest.raises(InvalidInput):
            day(dt.date(9999, 12, 31), "needed_by")


# --- Rules: decimals and days bounded by their type; JSON decoded strictly -------------------

Share = Annotated[Decimal, bounded(places=2, below=1000)]


class Terms(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    deadline: Timestamp
    share: Share | None = None
    rounds: int = 1
    deliveries: list[Day] = msgspec.field(default_factory=list)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("NaN", "must be a number"),
        ("-Infinity", "must be a number"),
        ("1E+999999999", "must be less than 1,000"),  # abs() or quantize() of it overflowed: a 500
        ("-1E+999999999", "must be more than -1,000"),
        ("1E-400", "must have at most 2 decimal places"),  # rounded away to 0 by arithmetic
        ("12.345", "must have at most 2 decimal places"),
    ],
)
def test_a_decimal_is_refused_in_plain_words_when_not_finite_too_large_or_too_precise(given: str, message: str) -> None:
    assert rule_errors(Decimal(given), Share, "$.share") == [FieldError(field="$.share", message=message)]


def test_a_decimal_is_kept_when_its_places_are_written_with_trailing_zeros() -> None:
    assert rule_errors(Decimal("12.500"), Share) == []
    assert rule_errors(Decimal("-999.99"), Share) == []


def test_a_json_body_names_every_broken_rule_and_loose_type_at_once() -> None:
    with clock.frozen(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)), pytest.raises(InvalidInput) as refused:
        decode_json(
            b'{"deadline": 0, "share": "1E+999999999", "rounds": "1e-400", "deliveries": ["2027-01-04", "9999-12-31"]}',
            Terms,
        )
    assert fields(refused.value.errors) == {
        "$.deadline": "must be a date and time",  # a number is no time (not 1970)
        "$.share": "must be less than 1,000",
        "$.rounds": "must be a whole number",  # text is no number (not 0)
        "$.deliveries[1]": "must be from 2000-01-01 to 2031-12-05",
    }


def test_a_json_body_is_decoded_into_its_type_when_it_keeps_every_rule() -> None:
    with clock.frozen(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)):
        terms = decode_json(b'{"deadline": "2027-01-15T12:00:00+01:00", "share": 70.5, "rounds": 3}', Terms)
    assert terms == Terms(
        deadline=dt.datetime(2027, 1, 15, 11, tzinfo=dt.UTC), share=Decimal("70.5"), rounds=3, deliveries=[]
    )


@pytest.mark.parametrize(("number", "field"), [(b"1e-400", "share"), (b"1.0", "rounds"), (b"1e3", "rounds")])
def test_a_json_number_is_refused_where_it_breaks_the_rule_as_written(number: bytes, field: str) -> None:
    """1e-400 is not 0.0 and 1.0 not a whole number: numbers are judged as written."""
    body = b'{"deadline": "2027-01-15T12:00:00Z", "%s": %s}' % (field.encode(), number)
    with clock.frozen(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)), pytest.raises(InvalidInput) as refused:
        decode_json(body, Terms)
    assert list(fields(refused.value.errors)) == [f"$.{field}"]


def test_validation_errors_report_broken_rules_beside_msgspec_problems() -> None:
    with clock.frozen(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)):
        errors = validation_errors({"deadline": "1999-12-31T23:00:00Z", "share": "0.001", "rounds": "x"}, Terms)
    assert fields(errors) == {
        "$.deadline": "must be from 2000-01-01 to 2031-12-05 (a date and time, like 2026-12-01T12:00:00Z)",
        "$.share": "must have at most 2 decimal places",
        "$.rounds": "must be a whole number",
    }


def test_converting_text_keeps_the_rules_when_not_strict() -> None:
    """CSV cells are text: converted loosely, but a day is still inside its window."""
    with clock.frozen(dt.datetime(2026, 12, 1, tzinfo=dt.UTC)):
        assert convert({"deadline": "2027-01-15T12:00:00Z", "rounds": "2"}, Terms, strict=False).rounds == 2
        with pytest.raises(InvalidInput) as refused:
            convert({"deadline": "2027-01-15T12:00:00Z", "deliveries": ["0001-01-01"]}, Terms, strict=False)
    assert list(fields(refused.value.errors)) == ["$.deliveries[0]"]
