"""The offline libcoveocds check the OCDS tests rely on: it passes a conforming package and names
each kind of problem in one that is not (so a test using it can fail)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from procurement.ocds.release import EXTENSIONS
from tests.ocds import OcdsSchemas

RELEASE: dict[str, Any] = {
    "ocid": "ocds-000000-1",
    "id": "ocds-000000-1-0001-tender",
    "date": "2026-11-02T09:00:00Z",
    "tag": ["tender"],
    "initiationType": "tender",
    "parties": [{"id": "hub", "name": "Hub", "roles": ["procuringEntity"], "address": {"countryName": "Germany"}}],
    "tender": {
        "id": "1",
        "status": "active",
        "lots": [{"id": "1", "status": "active"}],
        "items": [{"id": "1", "relatedLot": "1", "quantity": 120}],
        "tenderPeriod": {"startDate": "2026-11-02T09:00:00Z", "endDate": "2026-11-20T12:00:00Z"},
    },
    "bids": {"statistics": [{"id": "bids", "measure": "bids", "value": 2, "relatedLot": "1"}]},
    "contracts": [{"id": "c", "awardID": "a", "buyer": {"id": "b", "name": "Buyer"}}],
    "awards": [{"id": "a"}],
}


def package(release: dict[str, Any], extensions: list[str] = EXTENSIONS) -> dict[str, Any]:
    return {
        "uri": "https://hub.example/api/v1/ocds/releases",
        "version": "1.1",
        "extensions": extensions,
        "publishedDate": "2026-11-02T09:00:00Z",
        "publisher": {"name": "Borderhub"},
        "releases": [release],
    }


@pytest.fixture
def schemas() -> OcdsSchemas:
    checker = OcdsSchemas()
    if not checker.available:
        pytest.skip(f"the OCDS schemas are not in {checker.folder} (set BORDERHUB_SHARED_DATA)")
    return checker


def test_a_package_using_only_its_declared_extensions_passes(schemas: OcdsSchemas) -> None:
    assert schemas.problems(package(RELEASE)) == []
    record = {k: v for k, v in package(RELEASE).items() if k != "releases"}
    record["records"] = [{"ocid": RELEASE["ocid"], "releases": [RELEASE], "compiledRelease": RELEASE}]
    assert schemas.problems(record) == []


def test_every_kind_of_problem_is_named_when_a_package_does_not_conform(schemas: OcdsSchemas) -> None:
    release = copy.deepcopy(RELEASE)
    release["parties"][0]["address"]["country"] = "DE"  # no such field in 1.1.5
    release["tender"]["datePublished"] = "2026-11-02T09:00:00Z"  # nor this
    release["tender"]["tenderers"] = []  # empty
    release["tender"]["description"] = " "  # empty
    release["tender"]["status"] = "closed"  # not a tenderStatus code
    release["date"] = "yesterday"  # not a date-time
    found = "\n".join(schemas.problems(package(release)))
    for expected in (
        "/releases/parties/address/country: defined neither",
        "/releases/tender/datePublished: defined neither",
        "releases/0/tender/tenderers: empty",
        "releases/0/tender/description: empty",
        "closed not in the closed codelist tenderStatus.csv",
        "releases/0/date: ",
    ):
        assert expected in found, found


def test_an_extension_we_do_not_hold_is_not_applied_and_its_fields_are_unknown(schemas: OcdsSchemas) -> None:
    elsewhere = "https://extensions.open-contracting.org/en/extensions/contract_buyer/master/"
    found = "\n".join(schemas.problems(package(RELEASE, [*EXTENSIONS[:2], elsewhere])))
    assert f"extension {elsewhere}: not in the shared data" in found
    assert "/releases/contracts/buyer: defined neither" in found
