"""Stripe's minor-unit rules (docs.stripe.com/currencies) against our Babel minor units."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernel.codes import currency_exponent
from marketplace.payment.stripe_currency import (
    MINIMUM_CHARGE,
    PRESENTMENT_CURRENCIES,
    THREE_DECIMAL,
    WHOLE_UNIT_PAYOUTS,
    WHOLE_UNITS_ONLY,
    ZERO_DECIMAL,
    chargeable_problem,
    from_stripe,
    is_supported,
    refund_amount,
    to_stripe,
    transfer_amount,
)


@pytest.mark.parametrize(
    ("ours", "currency", "stripes"),
    [
        (1234, "EUR", 1234),  # two-decimal: 12.34 EUR is 1234 for both
        (500, "JPY", 500),  # zero-decimal: "to charge 500 JPY, provide an amount value of 500"
        (500, "KRW", 500),
        (13004, "ISK", 1300400),  # "to charge 5 ISK, provide an amount value of 500"
        (5, "UGX", 500),  # the special case, not the zero-decimal list
        (1230, "KWD", 1230),  # three decimals, last digit 0
        (1045, "HUF", 1045),  # "you can charge two-decimal amounts"
        (80045, "TWD", 80045),
        (1500, "ALL", 150000),  # no decimals in CLDR, two for Stripe (not on its zero-decimal list)
    ],
)
def test_amounts_go_to_stripe_in_its_units_and_come_back(ours: int, currency: str, stripes: int) -> None:
    assert to_stripe(ours, currency) == stripes
    assert from_stripe(stripes, currency) == ours


def test_isk_sent_as_our_integer_would_be_charged_a_hundred_times_less() -> None:
    # The bug this module exists for: 13004 ISK sent as 13004 is 130.04 ISK to Stripe.
    assert currency_exponent("ISK") == 0
    assert to_stripe(13004, "ISK") != 13004


@pytest.mark.parametrize(("amount", "currency"), [(1235, "KWD"), (5124, "KWD"), (1, "BHD"), (19, "TND")])
def test_a_three_decimal_amount_not_ending_in_0_cannot_go_to_stripe(amount: int, currency: str) -> None:
    with pytest.raises(ValueError, match=f"Stripe charges {currency} only in steps of 0.010 {currency}"):
        to_stripe(amount, currency)


@pytest.mark.parametrize(("amount", "currency"), [(1300450, "ISK"), (501, "UGX"), (99, "ALL")])
def test_a_fraction_of_a_whole_unit_currency_from_stripe_is_refused(amount: int, currency: str) -> None:
    with pytest.raises(ValueError, match="not a whole number of our minor units"):
        from_stripe(amount, currency)


@pytest.mark.parametrize("currency", ["CUP", "IRR", "KPW", "SYP", "VES"])
def test_a_currency_stripe_does_not_charge_in(currency: str) -> None:
    assert not is_supported(currency)
    with pytest.raises(ValueError, match=f"Stripe does not charge in {currency}"):
        to_stripe(1000, currency)
    with pytest.raises(ValueError, match=f"Stripe does not charge in {currency}"):
        from_stripe(1000, currency)
    problem = chargeable_problem(1000, currency)
    assert problem is not None
    assert problem.startswith(f"Card payments cannot be made in {currency} (")
    assert problem.endswith("or pay by invoice")


@pytest.mark.parametrize("currency", ["EUR", "PLN", "CZK", "HUF", "usd", "ISK", "KWD", "UGX", "TWD"])
def test_currencies_stripe_charges_in(currency: str) -> None:
    assert is_supported(currency)


def test_the_rule_tables_name_only_currencies_stripe_charges_in() -> None:
    special = ZERO_DECIMAL | THREE_DECIMAL | WHOLE_UNITS_ONLY | WHOLE_UNIT_PAYOUTS
    assert special <= PRESENTMENT_CURRENCIES
    assert set(MINIMUM_CHARGE) <= PRESENTMENT_CURRENCIES
    assert "UGX" not in ZERO_DECIMAL


@pytest.mark.parametrize(
    ("currency", "below", "minimum", "said"),
    [
        ("EUR", 49, 50, "0.50 EUR"),
        ("USD", 49, 50, "0.50 USD"),
        ("GBP", 29, 30, "0.30 GBP"),
        ("PLN", 199, 200, "2.00 PLN"),
        ("CZK", 1499, 1500, "15.00 CZK"),
        ("HUF", 17499, 17500, "175.00 HUF"),
        ("DKK", 249, 250, "2.50 DKK"),
        ("JPY", 49, 50, "50 JPY"),
        ("MXN", 999, 1000, "10.00 MXN"),
    ],
)
def test_a_charge_below_stripes_minimum_for_the_currency_is_refused(
    currency: str, below: int, minimum: int, said: str
) -> None:
    problem = chargeable_problem(below, currency)
    assert problem is not None
    assert f"must be at least {said}" in problem
    assert chargeable_problem(minimum, currency) is None


def test_only_tabled_currencies_get_a_minimum_beyond_more_than_nothing() -> None:
    # Stripe's minimum for NGN is the settlement currency's after conversion: unknowable here.
    assert "NGN" not in MINIMUM_CHARGE
    assert chargeable_problem(1, "NGN") is None
    zero = chargeable_problem(0, "NGN")
    assert zero is not None
    assert "must be at least 0.01 NGN" in zero
    # ISK is charged in whole krónur: the smallest charge is 1 ISK.
    assert chargeable_problem(1, "ISK") is None


@pytest.mark.parametrize(
    ("currency", "largest", "said"),
    [
        ("EUR", 99_999_999, "999,999.99 EUR"),  # 8 digits
        ("JPY", 99_999_999, "99,999,999 JPY"),
        ("KWD", 99_999_990, "99,999.990 KWD"),  # 8 digits, and the last one 0
        ("ISK", 999_999, "999,999 ISK"),  # 99,999,900 for Stripe: whole krónur
        ("IDR", 999_999_999_999, "9,999,999,999.99 IDR"),  # 12 digits
        ("COP", 9_999_999_999, "99,999,999.99 COP"),  # 10 digits
        ("INR", 999_999_999, "9,999,999.99 INR"),  # 9 digits
    ],
)
def test_a_charge_above_stripes_maximum_is_refused(currency: str, largest: int, said: str) -> None:
    assert chargeable_problem(largest, currency) is None
    step = 10 if currency in THREE_DECIMAL else 1
    problem = chargeable_problem(largest + step, currency)
    assert problem is not None
    assert f"can be at most {said}" in problem


def test_a_three_decimal_total_not_ending_in_0_is_said_in_currency_units() -> None:
    assert chargeable_problem(1230, "KWD") is None
    assert chargeable_problem(1235, "KWD") == (
        "A card payment in KWD must be a multiple of 0.010 KWD, and the total of 1.235 KWD is not; "
        "change a quantity or pay by invoice"
    )


@pytest.mark.parametrize(
    ("amount", "currency", "transferred"),
    [
        (1045, "HUF", 1000),  # "an available balance of HUF 10.45, you can pay out HUF 10"
        (80045, "TWD", 80000),  # "TWD 800.45, you can pay out TWD 800"
        (80000, "TWD", 80000),
        (1235, "KWD", 1230),
        (13004, "ISK", 13004),  # whole krónur already
        (1235, "EUR", 1235),
        (1235, "JPY", 1235),
    ],
)
def test_transfers_are_rounded_down_where_stripe_pays_out_whole_units(
    amount: int, currency: str, transferred: int
) -> None:
    assert transfer_amount(amount, currency) == transferred


@settings(max_examples=300, deadline=None)
@given(
    currency=st.sampled_from(sorted(PRESENTMENT_CURRENCIES)),
    amount=st.integers(min_value=0, max_value=10**13),
)
def test_our_amounts_survive_the_round_trip_through_stripes_units(currency: str, amount: int) -> None:
    if currency in THREE_DECIMAL and amount % 10:
        with pytest.raises(ValueError, match="steps of"):
            to_stripe(amount, currency)
        return
    stripes = to_stripe(amount, currency)
    assert stripes >= amount
    assert from_stripe(stripes, currency) == amount
    if currency in WHOLE_UNITS_ONLY:
        assert stripes % 100 == 0


@settings(max_examples=300, deadline=None)
@given(
    currency=st.sampled_from(sorted(PRESENTMENT_CURRENCIES)),
    amount=st.integers(min_value=0, max_value=10**13),
)
def test_a_transfer_is_at_most_one_unit_less_and_stripe_can_take_it(currency: str, amount: int) -> None:
    sent = transfer_amount(amount, currency)
    assert amount - 10 ** currency_exponent(currency) < sent <= amount
    stripes = to_stripe(sent, currency)  # never refused
    if currency in WHOLE_UNIT_PAYOUTS | WHOLE_UNITS_ONLY:
        assert stripes % 100 == 0


@pytest.mark.parametrize(
    ("amount", "currency", "refundable"),
    [(1235, "KWD", 1230), (1230, "KWD", 1230), (12345, "EUR", 12345), (10045, "HUF", 10045), (13004, "ISK", 13004)],
)
def test_refunds_are_rounded_down_to_the_step_stripe_charges_in(amount: int, currency: str, refundable: int) -> None:
    assert refund_amount(amount, currency) == refundable
