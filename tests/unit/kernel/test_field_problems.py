"""Collecting a use case's field problems into one `InvalidInput`, and naming fields where the caller wrote them."""

from __future__ import annotations

import pytest

from kernel import codes
from kernel.errors import FieldError, FieldProblems, InvalidInput
from kernel.pagination import page_params


class Refused(InvalidInput):
    slug = "refused"


def refuse() -> None:
    raise Refused("no", errors=[FieldError(field="$.x", message="no")])


def test_every_problem_is_raised_at_once_when_several_checks_fail() -> None:
    problems = FieldProblems()
    assert problems.check(codes.country, "de", "country") == "DE"
    assert problems.check(codes.country, "ZZ", "seller.country") is None
    assert problems.check(codes.currency, "EURO", "currency") is None
    problems.add("lines[1].quantity", "must be a positive number")
    with pytest.raises(InvalidInput) as raised:
        problems.raise_if_any()
    assert [e.field for e in raised.value.errors] == ["$.seller.country", "$.currency", "$.lines[1].quantity"]
    assert type(raised.value) is InvalidInput
    assert "$.lines[1].quantity: must be a positive number" in raised.value.detail


def test_nothing_is_raised_when_no_check_fails() -> None:
    problems = FieldProblems()
    problems.check(codes.country, "PL", "country")
    problems.raise_if_any()
    assert not problems


def test_a_named_refusal_is_not_a_field_problem_and_propagates() -> None:
    with pytest.raises(Refused):
        FieldProblems().check(refuse)


@pytest.mark.parametrize(
    ("field", "named"),
    [
        ("lines[0].quantity", "$.lines[0].quantity"),
        ("$", "$"),
        ("query:per_page", "query:per_page"),
        ("header:Idempotency-Key", "header:Idempotency-Key"),
    ],
)
def test_fields_are_named_where_the_caller_wrote_them(field: str, named: str) -> None:
    assert InvalidInput.field(field, "is wrong").errors == [FieldError(field=named, message="is wrong")]


def test_both_page_parameters_are_named_when_both_are_out_of_range() -> None:
    with pytest.raises(InvalidInput) as raised:
        page_params(0, 1000)
    assert [e.field for e in raised.value.errors] == ["query:page", "query:per_page"]
