"""Pure compliance rules: jurisdiction coverage, classification prefixes, credential status and unmet messages."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from kernel import codes
from marketplace.compliance.errors import CredentialAlreadyDecided
from marketplace.compliance.models import (
    ClassificationScheme,
    Credential,
    CredentialStatus,
    EffectiveStatus,
    Recognition,
    Requirement,
    prefix_matches,
)
from marketplace.compliance.service import Reader, assess

DAY = dt.date(2026, 11, 22)
HUB = uuid.UUID(int=1)
OTHER_HUB = uuid.UUID(int=2)


def credential(**overrides: object) -> Credential:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "organization_id": uuid.UUID(int=9),
        "credential_type": "organic",
        "number": "DE-ÖKO-039-1",
        "issuing_jurisdiction": "DE",
        "valid_from": dt.date(2026, 1, 1),
        "valid_until": dt.date(2026, 12, 31),
        "document_url": "https://example.org/c.pdf",
        "status": CredentialStatus.verified,
    }
    values.update(overrides)
    return Credential(**values)


def requirement(**overrides: object) -> Requirement:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "hub_id": HUB,
        "classification_scheme": ClassificationScheme.CPV,
        "classification_prefix": "0311",
        "destination": "PL",
        "credential_type": "organic",
    }
    values.update(overrides)
    return Requirement(**values)


def recognition(**overrides: object) -> Recognition:
    values: dict[str, object] = {
        "hub_id": HUB,
        "credential_type": "organic",
        "issued_in": "DE",
        "recognised_in": "PL",
    }
    values.update(overrides)
    return Recognition(**values)


@pytest.mark.parametrize(
    ("scope", "place", "covered"),
    [
        ("PL", "PL", True),
        ("PL", "PL-02", True),
        ("PL-02", "PL-02", True),
        ("PL-02", "PL", False),
        ("PL-02", "PL-04", False),
        ("PL-02", "DE", False),
        ("DE", "PL-02", False),
        ("FR-GES", "FR-57", True),
        ("FR", "FR-57", True),
        ("FR-57", "FR-GES", False),
    ],
)
def test_a_jurisdiction_covers_itself_and_what_lies_inside_it(scope: str, place: str, covered: bool) -> None:
    assert codes.jurisdiction_covers(scope, place) is covered


@pytest.mark.parametrize(
    ("prefix", "code", "matches"),
    [
        ("0311", "03110000-5", True),
        ("0311", "03111000-2", True),
        ("0311", "03200000-3", False),
        ("03", "03200000-3", True),
        ("0406", "0406.10", True),
        ("040610", "0406.10.20", True),
        ("040620", "0406.10", False),
        ("0311", "031", False),
    ],
)
def test_a_prefix_matches_codes_whose_digits_start_with_it(prefix: str, code: str, matches: bool) -> None:
    assert prefix_matches(prefix, code) is matches


def test_requirement_applies_only_in_its_scheme_under_its_prefix_and_inside_its_destination() -> None:
    rule = requirement(destination="PL-02")
    assert rule.applies_to(ClassificationScheme.CPV, "03110000-5", "PL-02") is True
    assert rule.applies_to(ClassificationScheme.HS, "03110000", "PL-02") is False
    assert rule.applies_to(ClassificationScheme.CPV, "03200000-3", "PL-02") is False
    assert rule.applies_to(ClassificationScheme.CPV, "03110000-5", "PL") is False
    assert rule.applies_to(ClassificationScheme.CPV, "03110000-5", "PL-04") is False
    assert rule.applies_to(ClassificationScheme.CPV, "03110000-5", "DE") is False


def test_credential_is_valid_where_issued_or_recognised_when_the_hub_recognises_it() -> None:
    german = credential(issuing_jurisdiction="DE-SN")
    assert german.valid_in("DE-SN", []) is True
    assert german.valid_in("DE", []) is False
    assert german.valid_in("PL-02", []) is False
    assert german.valid_in("PL-02", [recognition(issued_in="DE", recognised_in="PL")]) is True
    assert german.valid_in("PL-02", [recognition(credential_type="export_licence")]) is False
    assert german.valid_in("PL-02", [recognition(issued_in="DE-BY")]) is False
    assert german.valid_in("PL-04", [recognition(recognised_in="PL-02")]) is False


def test_credential_reads_as_expired_after_its_last_day_whatever_was_decided() -> None:
    rejected = credential(status=CredentialStatus.rejected, valid_until=dt.date(2026, 11, 21))
    verified = credential(valid_until=DAY)
    assert rejected.effective_status(DAY) is EffectiveStatus.expired
    assert rejected.expires_in_days(DAY) == -1
    assert verified.effective_status(DAY) is EffectiveStatus.verified
    assert verified.expires_in_days(DAY) == 0


def test_deciding_a_credential_is_refused_when_the_decision_is_already_in_place_or_it_has_expired() -> None:
    at = dt.datetime(2026, 11, 22, 9, tzinfo=dt.UTC)
    item = credential(status=CredentialStatus.submitted)
    item.verify(hub_id=HUB, user_id=uuid.UUID(int=3), at=at)
    with pytest.raises(CredentialAlreadyDecided):
        item.verify(hub_id=HUB, user_id=uuid.UUID(int=3), at=at)
    item.reject(hub_id=HUB, user_id=uuid.UUID(int=3), at=at, reason="forged")
    assert (item.status, item.rejection_reason) == (CredentialStatus.rejected, "forged")
    with pytest.raises(CredentialAlreadyDecided):
        item.reject(hub_id=HUB, user_id=uuid.UUID(int=3), at=at, reason="forged")
    lapsed = credential(status=CredentialStatus.submitted, valid_until=dt.date(2026, 11, 1))
    with pytest.raises(CredentialAlreadyDecided, match="expired on 2026-11-01"):
        lapsed.verify(hub_id=HUB, user_id=uuid.UUID(int=3), at=at)


def test_unmet_message_says_what_each_credential_lacks_when_none_meets_the_requirement() -> None:
    rule = requirement()
    held = [
        credential(valid_until=dt.date(2026, 10, 1)),
        credential(issuing_jurisdiction="PL", status=CredentialStatus.submitted),
    ]
    [unmet] = assess([rule], held, [recognition()], "PL", DAY, reader=Reader.seller)
    assert (unmet.requirement_id, unmet.hub_id, unmet.destination) == (rule.id, HUB, "PL")
    assert unmet.message == (
        "needs a verified organic credential valid on 2026-11-22 and recognised in PL "
        "(you have: organic issued in DE, expired 2026-10-01; organic issued in PL, awaiting verification)"
    )


def test_recognition_counts_only_for_requirements_of_its_own_hub() -> None:
    rules = [requirement(), requirement(hub_id=OTHER_HUB)]
    unmet = assess(rules, [credential()], [recognition(hub_id=OTHER_HUB)], "PL-02", DAY, reader=Reader.seller)
    assert [u.hub_id for u in unmet] == [HUB]
    assert unmet[0].message.endswith("(you have: organic issued in DE, not recognised in PL-02)")


def test_nothing_is_unmet_when_a_valid_verified_credential_is_held() -> None:
    assert (
        assess([requirement()], [credential(issuing_jurisdiction="PL")], [], "PL-02", DAY, reader=Reader.seller) == []
    )
    not_yet = credential(issuing_jurisdiction="PL", valid_from=dt.date(2026, 12, 1))
    [unmet] = assess([requirement()], [not_yet], [], "PL-02", DAY, reader=Reader.seller)
    assert unmet.message.endswith("(you have: organic issued in PL, valid only from 2026-12-01)")
