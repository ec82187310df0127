"""Pooled procurement through the HTTP API: a hub with two buyers, two producers, a pool and a tender."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from jsonschema import Draft4Validator, FormatChecker
from litestar.testing import AsyncTestClient
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel import clock
from kernel.db import transaction
from procurement.bid.service import BidService
from tests.factories.identity import Account, register
from tests.factories.order import Market, build_market
from tests.factories.organization import admitted_organization
from tests.shared_data import shared_data


@dataclass(frozen=True)
class Procurement:
    market: Market
    hotel_buyer: Account
    hotel_org: dict[str, Any]
    """A Polish buyer in Zgorzelec (PL-02), beside the market's German buyer (Stadt Görlitz, DE-SN)."""

    @property
    def coordinator(self) -> Account:
        return self.market.coordinator

    @property
    def hub(self) -> dict[str, Any]:
        return self.market.hub


async def build_procurement(
    client: AsyncTestClient[Any], sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> Procurement:
    market = await build_market(client, sessions, settings)
    hotel_buyer = await register(client)
    hotel_org = await admitted_organization(
        client,
        market.hub,
        hotel_buyer,
        market.coordinator,
        legal_name="Hotel Zgorzelec sp. z o.o.",
        kind="buyer",
        municipality="Zgorzelec",
    )
    return Procurement(market=market, hotel_buyer=hotel_buyer, hotel_org=hotel_org)


def at(seconds: float) -> str:
    return (clock.now() + dt.timedelta(seconds=seconds)).isoformat()


def pool_body(hub: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "hub_id": hub["id"],
        "item": {
            "classification": {"scheme": "CPV", "code": "03142500-3"},
            "unit": "KGM",
            "translations": {
                "de": {"title": "Honig für Schulküchen", "description": "Blütenhonig in 1-kg-Gläsern"},
                "pl": {"title": "Miód dla stołówek szkolnych"},
            },
            "default_language": "de",
            "quality_notes": "Harvest of this year; glass jars",
        },
        "delivery_points": [
            {"name": "Görlitz, Bauhof", "jurisdiction": "DE-SN", "address": "Untermarkt 6"},
            {"name": "Zgorzelec, Ratusz", "jurisdiction": "PL-02"},
        ],
        "closes_at": at(3600),
        "currency": "EUR",
        "reserve_unit_price": "12.00",
        "minimum_total_quantity": "100",
    }
    body.update(overrides)
    return body


async def open_pool(client: AsyncTestClient[Any], p: Procurement, **overrides: Any) -> dict[str, Any]:
    response = await client.post("/api/v1/pools", json=pool_body(p.hub, **overrides), headers=p.coordinator.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def commit(
    client: AsyncTestClient[Any],
    account: Account,
    pool: dict[str, Any],
    organization: dict[str, Any],
    point: int,
    quantity: str,
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "organization_id": organization["id"],
        "delivery_point_id": pool["delivery_points"][point]["id"],
        "quantity": quantity,
        "needed_by": (clock.today() + dt.timedelta(days=30)).isoformat(),
        **extra,
    }
    response = await client.post(f"/api/v1/pools/{pool['id']}/commitments", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


async def closed_pool(client: AsyncTestClient[Any], p: Procurement) -> dict[str, Any]:
    """A pool with 120 kg committed at Görlitz (Stadt Görlitz) and 60 kg at Zgorzelec (the hotel), closed."""
    pool = await open_pool(client, p)
    await commit(client, p.market.buyer, pool, p.market.buyer_org, 0, "120")
    await commit(client, p.hotel_buyer, pool, p.hotel_org, 1, "60")
    closed = await client.post(f"/api/v1/pools/{pool['id']}/close", headers=p.coordinator.headers)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    result: dict[str, Any] = closed.json()
    return result


async def published_tender(
    client: AsyncTestClient[Any], p: Procurement, pool: dict[str, Any], deadline_in: float = 3600, **terms: Any
) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/tenders",
        json={"pool_id": pool["id"], "bid_deadline": at(deadline_in), **terms},
        headers=p.coordinator.headers,
    )
    assert created.status_code == 201, created.text
    published = await client.post(f"/api/v1/tenders/{created.json()['id']}/publish", headers=p.coordinator.headers)
    assert published.status_code == 200, published.text
    result: dict[str, Any] = published.json()
    return result


def bid_body(tender: dict[str, Any], prices: list[str], currency: str = "EUR", **extra: Any) -> dict[str, Any]:
    return {
        "currency": currency,
        "lines": [
            {"lot_id": lot["id"], "unit_price": price, "max_quantity": "200", "lead_time_days": 5}
            for lot, price in zip(tender["lots"], prices, strict=False)
        ],
        **extra,
    }


async def bid(
    client: AsyncTestClient[Any],
    account: Account,
    tender: dict[str, Any],
    organization: dict[str, Any],
    body: dict[str, Any],
) -> dict[str, Any]:
    response = await client.put(
        f"/api/v1/tenders/{tender['id']}/bids/{organization['id']}", json=body, headers=account.headers
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def pass_deadline(tender: dict[str, Any], sessions: async_sessionmaker[AsyncSession], settings: Settings) -> None:
    """Wait until the tender's deadline has passed, then run the minutely job that opens bids."""
    deadline = dt.datetime.fromisoformat(tender["bid_deadline"])
    delay = (deadline - clock.now()).total_seconds()
    assert delay < 30, "the tender's deadline is too far away to wait for"
    await asyncio.sleep(max(delay, 0) + 0.05)
    async with transaction(sessions) as session:
        await BidService(session, settings.procurement.sealing_secret).close_due()


_EXTENSIONS_ORG = "https://raw.githubusercontent.com/open-contracting-extensions"
OCDS_EXTENSIONS = {
    f"{_EXTENSIONS_ORG}/ocds_lots_extension/v1.1.5/extension.json": "lots",
    f"{_EXTENSIONS_ORG}/ocds_bid_extension/v1.1.5/extension.json": "bids",
    f"{_EXTENSIONS_ORG}/ocds_contract_buyer_extension/master/extension.json": "contract_buyer",
}
"""The extension.json URLs a package may declare, and the folder of each in the shared data's ocds/extensions/."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch: objects merge key by key, a null removes the key, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


class OcdsSchemas:
    """The official OCDS 1.1.5 schemas from the shared data, for validating what we publish.

    Releases are validated against the core release schema with each extension the package
    declares merged in (its release-schema.json as a JSON Merge Patch), as OCDS asks; an
    extension we have no schema for fails the check. Without the shared data the checks do
    nothing, so the behaviour around them is still tested; a test then ends with
    `skip_unvalidated()`, which says its OCDS went unchecked.
    """

    def __init__(self) -> None:
        self.folder = shared_data("ocds")
        self.available = (self.folder / "release-schema.json").exists()
        self._validators: dict[tuple[str, ...], tuple[Draft4Validator, Draft4Validator, Draft4Validator]] = {}
        if not self.available:
            return
        self._core = {
            name: self._load(f"{name}.json")
            for name in (
                "release-schema",
                "release-package-schema",
                "record-package-schema",
                "versioned-release-validation-schema",
            )
        }

    def _load(self, path: str) -> Any:
        return json.loads((self.folder / path).read_text(encoding="utf-8"))

    def _for(self, package: dict[str, Any]) -> tuple[Draft4Validator, Draft4Validator, Draft4Validator]:
        """Validators for (a release, a release package, a record package) with the package's extensions."""
        extensions = tuple(package.get("extensions", []))
        if extensions not in self._validators:
            release = self._core["release-schema"]
            for url in extensions:
                folder = OCDS_EXTENSIONS.get(url)
                assert folder is not None, f"declares {url}, which is none of the extensions we validate against"
                release = merge_patch(release, self._load(f"extensions/{folder}/release-schema.json"))
            schemas = {**self._core, "release-schema": release}
            registry: Registry[Any] = Registry().with_resources(
                (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
                for schema in schemas.values()
            )
            self._validators[extensions] = (
                Draft4Validator(release, registry=registry, format_checker=FormatChecker()),
                Draft4Validator(schemas["release-package-schema"], registry=registry, format_checker=FormatChecker()),
                Draft4Validator(schemas["record-package-schema"], registry=registry, format_checker=FormatChecker()),
            )
        return self._validators[extensions]

    def skip_unvalidated(self) -> None:
        """End the test as skipped when the OCDS it produced could not be validated."""
        if not self.available:
            pytest.skip(f"behaviour checked, but the OCDS schemas are not in {self.folder} (set BORDERHUB_SHARED_DATA)")

    @staticmethod
    def _check(validator: Draft4Validator, document: dict[str, Any], where: str = "") -> None:
        errors = [f"{where}{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
        assert not errors, "\n".join(errors)

    def check_release_package(self, package: dict[str, Any]) -> None:
        """The package as the endpoint returned it. OCDS has no empty package (`releases` has
        minItems 1): a test expecting no releases asserts the empty list itself."""
        assert package["releases"], "no releases: assert the empty list in the test, it is no OCDS package"
        if self.available:
            _, release_package, _ = self._for(package)
            self._check(release_package, package)

    def check_record_package(self, package: dict[str, Any]) -> None:
        """The package as the endpoint returned it, against the record package schema; each
        release and compiled release first on its own, so an error names its path (a record's
        `releases` is a oneOf of linked or embedded releases, whose failure says little)."""
        assert package["records"], "no records: assert the empty list in the test, it is no OCDS package"
        if not self.available:
            return
        release, _, record_package = self._for(package)
        for r, record in enumerate(package["records"]):
            for i, embedded in enumerate(record["releases"]):
                self._check(release, embedded, f"records/{r}/releases/{i}/")
            if "compiledRelease" in record:
                self._check(release, record["compiledRelease"], f"records/{r}/compiledRelease/")
        self._check(record_package, package)
