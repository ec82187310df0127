"""A change to a hub's compliance rules, weighed before it is made: which of the hub's offered
listings it makes unavailable (or available) where, the same as making it does, and nothing is
written until it is made."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from borderhub.settings import Settings
from kernel.audit import AuditEntry
from kernel.auth import Principal
from kernel.db import transaction
from kernel.outbox import OutboxEvent
from marketplace.catalog.repository import ListingRepository
from marketplace.catalog.snapshot import listing_snapshots, rule_change_preview
from marketplace.compliance.errors import DuplicateRequirement
from marketplace.compliance.models import ClassificationScheme, Requirement
from marketplace.compliance.schemas import RecognitionCreate, RequirementCreate
from marketplace.compliance.service import ComplianceService
from marketplace.hub.service import NotACoordinator
from tests.factories.catalog import create_listing
from tests.factories.compliance import add_requirement, verified_credential
from tests.factories.identity import Account, register
from tests.factories.organization import admitted_organization, create_hub, platform_admin

Client = AsyncTestClient[Any]
Sessions = async_sessionmaker[AsyncSession]

HONEY_INTO_SAXONY = RequirementCreate(
    classification_scheme=ClassificationScheme.CPV,
    classification_prefix="0314",
    destination="DE-SN",
    credential_type="organic",
)


def principal(account: Account) -> Principal:
    return Principal(user_id=account.id, email=account.email, email_verified=True)


class Hub:
    def __init__(self, hub: dict[str, Any], coordinator: Account, owner: Account, producer: dict[str, Any]) -> None:
        self.id = uuid.UUID(hub["id"])
        self.hub, self.coordinator, self.owner, self.producer = hub, coordinator, owner, producer


@pytest.fixture
async def hub(client: Client, sessions: Sessions, settings: Settings) -> Hub:
    """A hub on the Neisse with a Polish beekeeper offering two honeys and a jam into Saxony and Poland."""
    admin = await platform_admin(client, sessions, settings)
    coordinator, owner = await register(client), await register(client)
    made = await create_hub(client, admin, [coordinator])
    producer = await admitted_organization(client, made, owner, coordinator, legal_name="Pasieka Nowak")
    await create_listing(client, owner, producer)
    await create_listing(
        client, owner, producer, translations={"pl": {"title": "Miód gryczany"}, "de": {"title": "Buchweizenhonig"}}
    )
    await create_listing(
        client,
        owner,
        producer,
        translations={"pl": {"title": "Dżem"}},
        classification={"scheme": "CPV", "code": "15332290-3"},
    )
    return Hub(made, coordinator, owner, producer)


async def written(sessions: Sessions) -> tuple[int, int, int]:
    """How many requirements, audit entries and outbox events there are."""
    async with transaction(sessions) as session:
        counts = [
            (await session.execute(select(func.count()).select_from(table))).scalar_one()
            for table in (Requirement, AuditEntry, OutboxEvent)
        ]
    return counts[0], counts[1], counts[2]


async def test_a_new_requirement_is_previewed_as_making_it_would_make_it_and_nothing_is_written(
    sessions: Sessions, hub: Hub
) -> None:
    before = await written(sessions)
    async with transaction(sessions) as session:
        change = await ComplianceService(session).propose_requirement(
            principal(hub.coordinator), hub.id, HONEY_INTO_SAXONY
        )
        preview = await rule_change_preview(session, change, shown=1)
    assert await written(sessions) == before

    assert preview.offered == 3
    [saxony] = preview.places  # only where the rule applies: Poland is untouched
    assert (saxony.jurisdiction, saxony.unavailable, saxony.available) == ("DE-SN", 2, 0)
    assert [listing.producer_name for listing in saxony.becoming_unavailable] == ["Pasieka Nowak"]  # the first one
    assert saxony.becoming_unavailable[0].titles["pl"] in {"Miód lipowy", "Miód gryczany"}

    async with transaction(sessions) as session:
        added = await ComplianceService(session).add_requirement(principal(hub.coordinator), hub.id, HONEY_INTO_SAXONY)
    async with transaction(sessions) as session:
        ids = await ListingRepository(session).offered_ids_of_hub(hub.id)
        snapshots = await listing_snapshots(session, ids)
    unavailable = [s for s in snapshots if "DE-SN" not in s.eligible_in]
    assert len(unavailable) == saxony.unavailable  # the preview said what the change did

    # Removing it again is previewed as making both honeys available in Saxony once more.
    async with transaction(sessions) as session:
        removal = await ComplianceService(session).propose_requirement_removal(
            principal(hub.coordinator), hub.id, added.id
        )
        undone = await rule_change_preview(session, removal)
    assert [(p.jurisdiction, p.unavailable, p.available) for p in undone.places] == [("DE-SN", 0, 2)]


async def test_a_recognition_is_previewed_as_making_listings_available_where_it_counts(
    client: Client, sessions: Sessions, hub: Hub
) -> None:
    await add_requirement(client, hub.hub, hub.coordinator, classification_prefix="0314", destination="DE-SN")
    await verified_credential(client, hub.hub, hub.owner, hub.coordinator, hub.producer, issuing_jurisdiction="PL")
    async with transaction(sessions) as session:
        change = await ComplianceService(session).propose_recognition(
            principal(hub.coordinator),
            hub.id,
            RecognitionCreate(credential_type="organic", issued_in="PL", recognised_in="DE"),
        )
        preview = await rule_change_preview(session, change)
    assert [(p.jurisdiction, p.unavailable, p.available) for p in preview.places] == [("DE-SN", 0, 2)]
    assert {listing.titles["pl"] for listing in preview.places[0].becoming_available} == {
        "Miód lipowy",
        "Miód gryczany",
    }


async def test_a_proposal_is_refused_as_the_change_itself_would_be(sessions: Sessions, hub: Hub) -> None:
    async with transaction(sessions) as session:
        with pytest.raises(NotACoordinator):
            await ComplianceService(session).propose_requirement(principal(hub.owner), hub.id, HONEY_INTO_SAXONY)
    async with transaction(sessions) as session:
        await ComplianceService(session).add_requirement(principal(hub.coordinator), hub.id, HONEY_INTO_SAXONY)
    async with transaction(sessions) as session:
        with pytest.raises(DuplicateRequirement):
            await ComplianceService(session).propose_requirement(principal(hub.coordinator), hub.id, HONEY_INTO_SAXONY)
