"""The one clock: what tests can do with it, and that it is given back afterwards."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel import clock

NEW_YEAR = dt.datetime(2027, 1, 1, 0, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def test_now_is_aware_utc_and_today_is_its_date() -> None:
    now = clock.now()
    assert now.utcoffset() == dt.timedelta(0)
    assert clock.today() in {now.date(), clock.now().date()}  # around midnight, the day may turn between calls


def test_a_frozen_clock_stands_still_in_utc_and_runs_again_after_the_block() -> None:
    real = clock.now()
    with clock.frozen(NEW_YEAR) as at:
        assert at == NEW_YEAR
        assert clock.now() == at == clock.now()
        assert clock.now().tzinfo is dt.UTC
        assert clock.today() == dt.date(2026, 12, 31)  # half past midnight in CET is still the old year in UTC
    assert real <= clock.now() < real + dt.timedelta(minutes=1)


def test_travel_moves_a_running_clock_and_a_frozen_one_and_nests() -> None:
    before = clock.now()
    with clock.travel(dt.timedelta(days=-3)) as moved:
        assert moved < before - dt.timedelta(days=2, hours=23)
        assert clock.now() >= moved  # still ticking
    assert clock.now() >= before
    with clock.frozen(NEW_YEAR):
        with clock.travel(dt.timedelta(hours=2)), clock.travel(dt.timedelta(minutes=30)):
            assert clock.now() == NEW_YEAR + dt.timedelta(hours=2, minutes=30)
        assert clock.now() == NEW_YEAR


def test_the_clock_is_given_back_when_the_block_raises() -> None:
    real = clock.now()
    with pytest.raises(RuntimeError), clock.frozen(NEW_YEAR):
        raise RuntimeError
    assert real <= clock.now() < real + dt.timedelta(minutes=1)


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"), clock.frozen(dt.datetime(2027, 1, 1)):  # noqa: DTZ001 - the point
        pass
