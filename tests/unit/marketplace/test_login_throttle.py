"""How login throttling counts sources and how long a source waits (pure rules of identity)."""

from __future__ import annotations

import datetime as dt

from marketplace.identity.service import UNKNOWN_SOURCE, login_delay, login_source

LONGEST = dt.timedelta(minutes=15)


def test_a_source_is_an_ipv4_address_or_the_ipv6_slash_64_it_lies_in() -> None:
    assert login_source("198.51.100.7") == "198.51.100.7"
    # One subscriber gets a whole /64 and may use any address in it: all of them are one source.
    assert login_source("2001:db8:1:2::5") == login_source("2001:db8:1:2:ffff::1") == "2001:db8:1:2::/64"
    assert login_source("2001:db8:1:3::5") != login_source("2001:db8:1:2::5")
    assert login_source("::ffff:198.51.100.7") == "198.51.100.7"  # IPv4 as an IPv6 socket reports it
    assert login_source(None) == login_source("") == UNKNOWN_SOURCE
    assert login_source("testclient") == "testclient"


def test_a_source_waits_nothing_until_its_free_failures_are_spent_then_twice_as_long_each_time() -> None:
    waits = [login_delay(failures, 5, LONGEST).total_seconds() for failures in range(1, 18)]
    assert waits == [0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]


def test_the_wait_stays_at_its_longest_however_many_failures() -> None:
    assert login_delay(10_000, 5, LONGEST) == LONGEST
    assert login_delay(1, 1, LONGEST) == dt.timedelta(seconds=1)  # an account under attack: no free failures
