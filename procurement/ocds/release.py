"""OCDS 1.1 releases of a tender, built from its current state (pure: no I/O).

Lots use the lots extension (`tender.lots`, `items.relatedLot`, `awards.relatedLots`), bid
statistics the bids extension (`bids.statistics`) and each contract's buyer (one per order:
a pooled tender has many buyers) the contract buyer extension (`contracts.buyer`); all are
listed in every package's `extensions`. Nothing else is published: a field that neither
OCDS 1.1.5 nor these extensions define is left out (a lot's delivery place is said in its
description), and so is an empty string or list, as the standard asks.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pycountry

from kernel.money import from_minor, money
from marketplace.api import HubSummary, TradingParty, unit_of
from procurement.pool.models import DeliveryPoint, DemandPool
from procurement.tender.models import AwardMethod, Lot, Tender, TenderAmendment, TenderStatus

VERSION = "1.1"
EXTENSIONS = [
    # The extension registry's URLs (its extension_versions.csv: "Base URL" + extension.json), which
    # OCDS tools such as libcoveocds fetch the extension from: lots and bids at their frozen v1.1.5;
    # "Buyer per award or contract" has one registered version only, the live `master`.
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_contract_buyer_extension/master/extension.json",
]


@dataclass(frozen=True)
class LotBids:
    bids: int
    valid: int


@dataclass(frozen=True)
class AwardedUnits:
    """Units of one lot going to one supplier (an award line), or to one buyer from it (a contract)."""

    lot: int
    bid_id: Any
    supplier: TradingParty
    quantity: Decimal
    unit_price_minor: int
    currency: str
    buyer: TradingParty | None = None
    order_id: Any = None


@dataclass(frozen=True)
class AwardFacts:
    date: dt.datetime
    justification: str | None
    """The coordinator's, when the optimiser's proposal was overridden."""
    awards: list[AwardedUnits]
    contracts: list[AwardedUnits]


@dataclass(frozen=True)
class TenderFacts:
    """Everything a release says about a tender, gathered by the caller."""

    tender: Tender
    pool: DemandPool
    lots: list[Lot]
    delivery_points: dict[Any, DeliveryPoint]
    amendments: list[TenderAmendment]
    hub: HubSummary
    buyers: list[TradingParty]
    tenderers: list[TradingParty] | None
    """None before the bids are opened."""
    lot_bids: dict[int, LotBids] | None
    award: AwardFacts | None = None


def timestamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _amount(amount_minor: int, currency: str) -> dict[str, Any]:
    return {"amount": _number(from_minor(amount_minor, currency)), "currency": currency}


def _party(party: TradingParty, roles: list[str]) -> dict[str, Any]:
    # OCDS 1.1 addresses have a country name, not a code.
    country = pycountry.countries.get(alpha_2=party.country)
    address: dict[str, Any] = {"countryName": country.name if country else party.country}
    if party.subdivision:
        address["region"] = party.subdivision
    if party.municipality:
        address["locality"] = party.municipality
    return {"id": str(party.organization_id), "name": party.name, "roles": roles, "address": address}


def _status(facts: TenderFacts) -> str:
    """tenderStatus: active while bids are taken and evaluated, complete once awarded;
    unsuccessful without any bid or any award; cancelled when cancelled."""
    status = facts.tender.status
    if status is TenderStatus.cancelled:
        return "cancelled"
    if status is TenderStatus.unsuccessful or (facts.tender.bids_opened() and not facts.tenderers):
        return "unsuccessful"
    if status is TenderStatus.awarded:
        return "complete"
    return "active"


def _lot_status(facts: TenderFacts, number: int) -> str:
    """A lot follows its tender, except that once bids are opened a lot without a valid bid is
    unsuccessful, and once awarded a lot is complete only if some of it was awarded."""
    status = _status(facts)
    if status not in ("active", "complete"):
        return status
    if facts.award is not None:
        return "complete" if any(units.lot == number for units in facts.award.awards) else "unsuccessful"
    if facts.lot_bids is not None and not facts.lot_bids[number].valid:
        return "unsuccessful"
    return status


def _award_criteria(tender: Tender) -> tuple[str, str]:
    if tender.award_method is AwardMethod.lowest_price:
        return "priceOnly", "Lowest price, after conversion into the tender currency at the deadline's rate."
    attributes = ", ".join(a.replace("_", "-") for a in tender.preferred_attributes)
    return (
        "ratedCriteria",
        f"Lowest evaluated price: suppliers verified by the hub as {attributes} are evaluated as if "
        f"{_number(tender.preference_margin_percent or Decimal(0))}% cheaper.",
    )


def _eligibility(facts: TenderFacts) -> str:
    text = f"Producers admitted to the hub {facts.hub.name}, meeting its cross-border compliance rules for the item."
    if facts.tender.required_credential_types:
        kinds = ", ".join(facts.tender.required_credential_types)
        text += f" Verified credentials required, valid and recognised in the lot's delivery jurisdiction: {kinds}."
    return text


def _unit(pool: DemandPool) -> dict[str, Any]:
    unit: dict[str, Any] = {"scheme": "UNCEFACT", "id": pool.unit}
    known = unit_of(pool.unit)
    if known is not None:
        unit["name"] = known.name
    if pool.reserve_unit_price_minor is not None:
        unit["value"] = _amount(pool.reserve_unit_price_minor, pool.currency)
    return unit


def _reserve_value(pool: DemandPool, quantity: Decimal) -> dict[str, Any]:
    assert pool.reserve_unit_price_minor is not None  # noqa: S101 - callers check
    return {
        "amount": _number(from_minor(pool.reserve_unit_price_minor, pool.currency) * quantity),
        "currency": pool.currency,
    }


def _parties(facts: TenderFacts) -> list[dict[str, Any]]:
    """The hub (procuring entity), every participating buyer and, once opened, every tenderer."""
    parties: dict[str, dict[str, Any]] = {
        str(facts.hub.id): {"id": str(facts.hub.id), "name": facts.hub.name, "roles": ["procuringEntity"]}
    }
    for buyer in facts.buyers:
        parties[str(buyer.organization_id)] = _party(buyer, ["buyer"])
    for tenderer in facts.tenderers or []:
        key = str(tenderer.organization_id)
        if key in parties:
            parties[key]["roles"].append("tenderer")
        else:
            parties[key] = _party(tenderer, ["tenderer"])
    for units in facts.award.awards if facts.award else []:
        key = str(units.supplier.organization_id)
        if key not in parties:
            parties[key] = _party(units.supplier, [])
        if "supplier" not in parties[key]["roles"]:
            parties[key]["roles"].append("supplier")
    return list(parties.values())


def _award_id(units: AwardedUnits) -> str:
    return f"{units.lot}-{units.bid_id}"


def _awarded_value(units: AwardedUnits) -> dict[str, Any]:
    return _amount(
        money(from_minor(units.unit_price_minor, units.currency) * units.quantity, units.currency).amount_minor,
        units.currency,
    )


def _awarded_item(units: AwardedUnits, pool: DemandPool, title: str) -> dict[str, Any]:
    unit = {k: v for k, v in _unit(pool).items() if k != "value"}
    unit["value"] = _amount(units.unit_price_minor, units.currency)
    return {
        "id": str(units.lot),
        "description": title,
        "classification": {"scheme": pool.classification_scheme, "id": pool.classification_code},
        "quantity": _number(units.quantity),
        "unit": unit,
    }


def _awards_and_contracts(facts: TenderFacts, title: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    assert facts.award is not None  # noqa: S101 - callers check
    award, date = facts.award, timestamp(facts.award.date)
    awards = []
    for units in award.awards:
        entry: dict[str, Any] = {
            "id": _award_id(units),
            "title": f"Lot {units.lot}: {units.supplier.name}",
            "status": "active",
            "date": date,
            "value": _awarded_value(units),
            "suppliers": [{"id": str(units.supplier.organization_id), "name": units.supplier.name}],
            "items": [_awarded_item(units, facts.pool, title)],
            "relatedLots": [str(units.lot)],
        }
        if award.justification:
            entry["description"] = (
                f"Awarded by the hub's coordinators instead of the optimal proposal: {award.justification}"
            )
        awards.append(entry)
    contracts = []
    for units in award.contracts:
        assert units.buyer is not None  # noqa: S101 - contracts name their buyer
        contracts.append(
            {
                "id": str(units.order_id),
                "awardID": _award_id(units),
                "title": f"Lot {units.lot}: {units.supplier.name} to {units.buyer.name}",
                "status": "pending",
                "value": _awarded_value(units),
                "items": [_awarded_item(units, facts.pool, title)],
                "buyer": {"id": str(units.buyer.organization_id), "name": units.buyer.name},
            }
        )
    return awards, contracts


def _lots_and_items(facts: TenderFacts, title: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    pool = facts.pool
    unit = _unit(pool)
    lots: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for lot in facts.lots:
        point = facts.delivery_points[lot.delivery_point_id]
        # OCDS 1.1.5 has no delivery address for an item (1.2 and the location extension have), so
        # the lot says where its items are delivered.
        place = f"{point.name}, {point.address}" if point.address else point.name
        lot_entry: dict[str, Any] = {
            "id": str(lot.number),
            "title": lot.name,
            "description": f"{_number(lot.quantity)} {pool.unit} delivered to {place} ({point.jurisdiction})",
            "status": _lot_status(facts, lot.number),
        }
        if pool.reserve_unit_price_minor is not None:
            lot_entry["value"] = _reserve_value(pool, lot.quantity)
        lots.append(lot_entry)
        items.append(
            {
                "id": str(lot.number),
                "description": title,
                "classification": {"scheme": pool.classification_scheme, "id": pool.classification_code},
                "quantity": _number(lot.quantity),
                "unit": unit,
                "relatedLot": str(lot.number),
            }
        )
    return lots, items


def _bid_statistics(tenderers: list[TradingParty], lot_bids: dict[int, LotBids]) -> list[dict[str, Any]]:
    statistics: list[dict[str, Any]] = [{"id": "bids", "measure": "bids", "value": len(tenderers)}]
    for number, counts in sorted(lot_bids.items()):
        lot = str(number)
        statistics.append({"id": f"bids-lot-{lot}", "measure": "bids", "value": counts.bids, "relatedLot": lot})
        statistics.append(
            {"id": f"valid-bids-lot-{lot}", "measure": "validBids", "value": counts.valid, "relatedLot": lot}
        )
    return statistics


def _amendments(amendments: list[TenderAmendment]) -> list[dict[str, Any]]:
    return [
        _without_empty(
            {
                "id": str(amendment.number),
                "date": timestamp(amendment.created_at),
                "rationale": amendment.rationale,
                "description": "; ".join(f"{c['field']}: {c['from']} → {c['to']}" for c in amendment.changes),
            }
        )
        for amendment in amendments
    ]


def _cancellation(tender: Tender) -> dict[str, Any]:
    """Why and when the tender was cancelled, as OCDS 1.1 says it: a `cancellationDetails` document."""
    assert tender.cancelled_at is not None  # noqa: S101 - callers check
    return _without_empty(
        {
            "id": "cancellation",
            "documentType": "cancellationDetails",
            "title": "Reasons for the cancellation",
            "description": tender.cancellation_reason,
            "datePublished": timestamp(tender.cancelled_at),
        }
    )


def _without_empty(section: dict[str, Any]) -> dict[str, Any]:
    """The section without its empty strings and lists, which OCDS asks publishers to omit."""
    return {key: value for key, value in section.items() if value not in ("", [], None)}


def build_release(
    facts: TenderFacts, *, ocid: str, release_id: str, date: dt.datetime, tags: list[str]
) -> dict[str, Any]:
    """One release: the tender as it stands, tagged with what just happened to it."""
    tender, pool = facts.tender, facts.pool
    title = pool.translations[pool.default_language]["title"]
    criteria, criteria_details = _award_criteria(tender)
    lots, items = _lots_and_items(facts, title)
    section: dict[str, Any] = {
        "id": str(tender.id),
        "title": title,
        "description": (tender.description or pool.translations[pool.default_language].get("description", "")).strip(),
        "status": _status(facts),
        "procuringEntity": {"id": str(facts.hub.id), "name": facts.hub.name},
        "items": items,
        "lots": lots,
        "procurementMethod": "open",
        "procurementMethodDetails": "Pooled demand of the hub's buyers, sealed bids opened at the deadline",
        "mainProcurementCategory": "goods",
        "awardCriteria": criteria,
        "awardCriteriaDetails": criteria_details,
        "submissionMethod": ["electronicSubmission"],
        "eligibilityCriteria": _eligibility(facts),
        "hasEnquiries": False,
    }
    if tender.published_at is not None:
        # When it was published: the tender period's start (OCDS 1.1 has no tender.datePublished).
        section["tenderPeriod"] = {
            "startDate": timestamp(tender.published_at),
            "endDate": timestamp(tender.bid_deadline),
        }
    if pool.reserve_unit_price_minor is not None:
        section["value"] = _reserve_value(pool, sum((lot.quantity for lot in facts.lots), Decimal(0)))
    if tender.max_lots_per_supplier is not None:
        section["lotDetails"] = {"maximumLotsAwardedPerSupplier": tender.max_lots_per_supplier}
    if facts.amendments:
        section["amendments"] = _amendments(facts.amendments)
    if tender.status is TenderStatus.cancelled and tender.cancelled_at is not None:
        section["documents"] = [_cancellation(tender)]
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": release_id,
        "date": timestamp(date),
        "tag": tags,
        "initiationType": "tender",
        "language": pool.default_language,
        "parties": _parties(facts),
        "tender": section,
    }
    if facts.tenderers is not None and facts.lot_bids is not None:
        section["numberOfTenderers"] = len(facts.tenderers)
        section["tenderers"] = [{"id": str(t.organization_id), "name": t.name} for t in facts.tenderers]
        release["bids"] = {"statistics": _bid_statistics(facts.tenderers, facts.lot_bids)}
    if facts.award is not None:
        release["awards"], release["contracts"] = _awards_and_contracts(facts, title)
    release["tender"] = _without_empty(section)
    return _without_empty(release)
