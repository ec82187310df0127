"""Bid sealing: only the right key, tender and bidder open a sealed bid, and nothing is readable in it."""

from __future__ import annotations

import uuid

import pytest
from cryptography.exceptions import InvalidTag

from procurement.bid import sealing

SECRET = "unit-test-sealing-secret-" + "z" * 24


def test_a_sealed_bid_opens_only_with_its_tender_bidder_and_secret() -> None:
    tender, bidder = uuid.uuid4(), uuid.uuid4()
    contents = b'{"currency":"PLN","lines":[{"unit_price_minor":4675}]}'
    sealed = sealing.seal(SECRET, tender, bidder, contents)
    assert b"4675" not in sealed
    assert b"PLN" not in sealed
    assert sealing.unseal(SECRET, tender, bidder, sealed) == contents
    for wrong in (
        lambda: sealing.unseal(SECRET, uuid.uuid4(), bidder, sealed),  # moved to another tender
        lambda: sealing.unseal(SECRET, tender, uuid.uuid4(), sealed),  # claimed by another bidder
        lambda: sealing.unseal("another-secret-" + "z" * 30, tender, bidder, sealed),
        lambda: sealing.unseal(SECRET, tender, bidder, sealed[:-1] + bytes([sealed[-1] ^ 1])),  # tampered
    ):
        with pytest.raises(InvalidTag):
            wrong()


def test_sealing_the_same_bid_twice_gives_different_ciphertexts() -> None:
    tender, bidder = uuid.uuid4(), uuid.uuid4()
    # A fresh nonce each time: an unchanged resubmission is not recognisable in the database.
    assert sealing.seal(SECRET, tender, bidder, b"same") != sealing.seal(SECRET, tender, bidder, b"same")
