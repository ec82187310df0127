"""Bid sealing: AES-256-GCM under a key derived per tender from the service's sealing secret.

The secret lives outside the database (setting `BID_SEALING_SECRET`, or a file in the data
dir), so the database alone — a dump, a replica, a colleague with SQL access — holds only
ciphertext until the service opens the bids at the deadline. Each ciphertext is bound to
its tender and bidder (associated data): it cannot be moved onto another bid.
"""

from __future__ import annotations

import os
import uuid

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12
_CONTEXT = b"borderhub bid seal v1 "


def tender_key(secret: str, tender_id: uuid.UUID) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_CONTEXT + tender_id.bytes).derive(
        secret.encode()
    )


def seal(secret: str, tender_id: uuid.UUID, organization_id: uuid.UUID, contents: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    cipher = AESGCM(tender_key(secret, tender_id))
    return nonce + cipher.encrypt(nonce, contents, tender_id.bytes + organization_id.bytes)


def unseal(secret: str, tender_id: uuid.UUID, organization_id: uuid.UUID, sealed: bytes) -> bytes:
    """The contents; raises `cryptography.exceptions.InvalidTag` if tampered with or under another key."""
    cipher = AESGCM(tender_key(secret, tender_id))
    nonce, ciphertext = sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:]
    return cipher.decrypt(nonce, ciphertext, tender_id.bytes + organization_id.bytes)
