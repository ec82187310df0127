"""All SQL of compliance: credentials, recognitions, requirements, and the loads eligibility needs."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import ColumnElement, Uuid, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.db import equals_any
from marketplace.compliance.models import (
    ClassificationScheme,
    Credential,
    CredentialStatus,
    EffectiveStatus,
    Recognition,
    Requirement,
)
from marketplace.organization.models import HubMembership, HubMembershipStatus, Organization


class ComplianceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, *objects: object) -> None:
        self.session.add_all(objects)
        await self.session.flush()

    async def delete(self, obj: object) -> None:
        await self.session.delete(obj)
        await self.session.flush()

    # --- credentials ------------------------------------------------------------

    async def credential(self, credential_id: uuid.UUID, *, for_update: bool = False) -> Credential | None:
        statement = select(Credential).where(Credential.id == credential_id)
        if for_update:
            statement = statement.with_for_update()
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def same_credential(
        self, organization_id: uuid.UUID, credential_type: str, jurisdiction: str, number: str, valid_from: dt.date
    ) -> Credential | None:
        return (
            await self.session.execute(
                select(Credential).where(
                    Credential.organization_id == organization_id,
                    Credential.credential_type == credential_type,
                    Credential.issuing_jurisdiction == jurisdiction,
                    Credential.number == number,
                    Credential.valid_from == valid_from,
                )
            )
        ).scalar_one_or_none()

    async def page_of_organization(
        self,
        organization_id: uuid.UUID,
        *,
        expiring_between: tuple[dt.date, dt.date] | None,
        status: EffectiveStatus | None = None,
        on: dt.date | None = None,
        offset: int,
        limit: int,
    ) -> tuple[list[Credential], int]:
        """An organisation's credentials, soonest expiry first; optionally only verified ones expiring in a
        window, or only those whose status seen on `on` is `status` (`expired` once `valid_until` passed)."""
        condition = [Credential.organization_id == organization_id]
        if expiring_between is not None:
            condition += _expiring(*expiring_between)
        if status is EffectiveStatus.expired:
            condition.append(Credential.valid_until < on)
        elif status is not None:
            condition += [Credential.status == CredentialStatus(status.value), Credential.valid_until >= on]
        total = (
            await self.session.execute(select(func.count()).select_from(Credential).where(*condition))
        ).scalar_one()
        rows = await self.session.execute(
            select(Credential)
            .where(*condition)
            .order_by(Credential.valid_until, Credential.id)
            .offset(offset)
            .limit(limit)
        )
        return list(rows.scalars()), int(total)

    async def expiring_in_hub(
        self, hub_id: uuid.UUID, first: dt.date, last: dt.date, *, offset: int, limit: int
    ) -> tuple[list[tuple[Credential, str]], int]:
        """Verified credentials of the hub's admitted organisations whose last valid day is in [first, last]."""
        condition = [
            HubMembership.hub_id == hub_id,
            HubMembership.status == HubMembershipStatus.admitted,
            *_expiring(first, last),
        ]
        total = (
            await self.session.execute(
                select(func.count())
                .select_from(Credential)
                .join(HubMembership, HubMembership.organization_id == Credential.organization_id)
                .where(*condition)
            )
        ).scalar_one()
        rows = await self.session.execute(
            select(Credential, Organization.legal_name)
            .join(HubMembership, HubMembership.organization_id == Credential.organization_id)
            .join(Organization, Organization.id == Credential.organization_id)
            .where(*condition)
            .order_by(Credential.valid_until, Credential.id)
            .offset(offset)
            .limit(limit)
        )
        return [(c, name) for c, name in rows.all()], int(total)

    async def submitted_in_hub(self, hub_id: uuid.UUID, on: dt.date) -> list[tuple[Credential, str]]:
        """Credentials of the hub's admitted organisations waiting for a decision (submitted, not
        expired on `on`), with the organisation's name: the oldest first (one statement)."""
        rows = await self.session.execute(
            select(Credential, Organization.legal_name)
            .join(HubMembership, HubMembership.organization_id == Credential.organization_id)
            .join(Organization, Organization.id == Credential.organization_id)
            .where(
                HubMembership.hub_id == hub_id,
                HubMembership.status == HubMembershipStatus.admitted,
                Credential.status == CredentialStatus.submitted,
                Credential.valid_until >= on,
            )
            .order_by(Credential.created_at, Credential.id)
        )
        return [(c, name) for c, name in rows.all()]

    async def flag_expiring(
        self, first: dt.date, last: dt.date, at: dt.datetime
    ) -> list[tuple[uuid.UUID, uuid.UUID, str, dt.date]]:
        """Stamp `expiry_flagged_at` on verified credentials expiring in [first, last] not stamped before.

        One conditional UPDATE: a concurrent run waits on the row locks, re-checks
        `expiry_flagged_at IS NULL` and skips what the other run flagged.
        """
        result = await self.session.execute(
            update(Credential)
            .where(*_expiring(first, last), Credential.expiry_flagged_at.is_(None))
            .values(expiry_flagged_at=at, updated_at=at)
            .returning(Credential.id, Credential.organization_id, Credential.credential_type, Credential.valid_until)
            .execution_options(synchronize_session=False)
        )
        return [(i, o, t, v) for i, o, t, v in result.all()]

    async def flag_expired(self, today: dt.date, at: dt.datetime) -> list[tuple[uuid.UUID, uuid.UUID, str, dt.date]]:
        """Stamp `expiry_announced_at` on verified credentials whose last valid day is before `today`
        and that were not stamped before (one conditional UPDATE, as `flag_expiring`)."""
        result = await self.session.execute(
            update(Credential)
            .where(
                Credential.status == CredentialStatus.verified,
                Credential.valid_until < today,
                Credential.expiry_announced_at.is_(None),
            )
            .values(expiry_announced_at=at, updated_at=at)
            .returning(Credential.id, Credential.organization_id, Credential.credential_type, Credential.valid_until)
            .execution_options(synchronize_session=False)
        )
        return [(i, o, t, v) for i, o, t, v in result.all()]

    async def flag_started(self, today: dt.date, at: dt.datetime) -> list[tuple[uuid.UUID, uuid.UUID, str, dt.date]]:
        """Stamp `start_announced_at` on credentials verified before their first valid day once that
        day has come (not stamped before); as `flag_expired`."""
        result = await self.session.execute(
            update(Credential)
            .where(
                Credential.status == CredentialStatus.verified,
                Credential.valid_from <= today,
                Credential.valid_until >= today,
                Credential.decided_at < Credential.valid_from,
                Credential.start_announced_at.is_(None),
            )
            .values(start_announced_at=at, updated_at=at)
            .returning(Credential.id, Credential.organization_id, Credential.credential_type, Credential.valid_from)
            .execution_options(synchronize_session=False)
        )
        return [(i, o, t, v) for i, o, t, v in result.all()]

    async def credentials_of(
        self, organization_id: uuid.UUID, credential_id: uuid.UUID | None = None
    ) -> list[Credential]:
        """The organisation's credentials (or only the one `credential_id` names), soonest expiry first."""
        condition = [Credential.organization_id == organization_id]
        if credential_id is not None:
            condition.append(Credential.id == credential_id)
        rows = await self.session.execute(
            select(Credential).where(*condition).order_by(Credential.valid_until, Credential.id)
        )
        return list(rows.scalars())

    async def admitted_hub_ids(self, organization_id: uuid.UUID) -> set[uuid.UUID]:
        """The hubs the organisation is admitted to (whose rules apply to it)."""
        rows = await self.session.execute(
            select(HubMembership.hub_id).where(
                HubMembership.organization_id == organization_id,
                HubMembership.status == HubMembershipStatus.admitted,
            )
        )
        return set(rows.scalars())

    async def admitted_among(self, hub_id: uuid.UUID, organization_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Which of the organisations the hub has admitted (whose rules a new rule of it would bind)."""
        rows = await self.session.execute(
            select(HubMembership.organization_id).where(
                HubMembership.hub_id == hub_id,
                HubMembership.status == HubMembershipStatus.admitted,
                equals_any(HubMembership.organization_id, list(organization_ids), Uuid),
            )
        )
        return set(rows.scalars())

    async def owned_credential_ids(self, organization_id: uuid.UUID, credential_ids: list[uuid.UUID]) -> set[uuid.UUID]:
        if not credential_ids:
            return set()
        rows = await self.session.execute(
            select(Credential.id).where(
                Credential.organization_id == organization_id, equals_any(Credential.id, credential_ids, Uuid)
            )
        )
        return set(rows.scalars())

    async def credentials_for_eligibility(
        self, organization_ids: Collection[uuid.UUID], credential_types: set[str]
    ) -> list[Credential]:
        """The organisations' credentials of these types (every status: unmet messages describe them all)."""
        rows = await self.session.execute(
            select(Credential)
            .where(
                equals_any(Credential.organization_id, list(organization_ids), Uuid),
                Credential.credential_type.in_(credential_types),
            )
            .order_by(Credential.valid_until.desc(), Credential.id)
        )
        return list(rows.scalars())

    # --- recognitions -----------------------------------------------------------

    async def recognition(self, hub_id: uuid.UUID, recognition_id: uuid.UUID) -> Recognition | None:
        return (
            await self.session.execute(
                select(Recognition).where(Recognition.id == recognition_id, Recognition.hub_id == hub_id)
            )
        ).scalar_one_or_none()

    async def same_recognition(
        self, hub_id: uuid.UUID, credential_type: str, issued_in: str, recognised_in: str
    ) -> Recognition | None:
        return (
            await self.session.execute(
                select(Recognition).where(
                    Recognition.hub_id == hub_id,
                    Recognition.credential_type == credential_type,
                    Recognition.issued_in == issued_in,
                    Recognition.recognised_in == recognised_in,
                )
            )
        ).scalar_one_or_none()

    async def page_of_recognitions(
        self, hub_id: uuid.UUID, credential_type: str | None, *, offset: int, limit: int
    ) -> tuple[list[Recognition], int]:
        condition = [Recognition.hub_id == hub_id]
        if credential_type is not None:
            condition.append(Recognition.credential_type == credential_type)
        total = (
            await self.session.execute(select(func.count()).select_from(Recognition).where(*condition))
        ).scalar_one()
        rows = await self.session.execute(
            select(Recognition)
            .where(*condition)
            .order_by(Recognition.credential_type, Recognition.issued_in, Recognition.recognised_in, Recognition.id)
            .offset(offset)
            .limit(limit)
        )
        return list(rows.scalars()), int(total)

    async def recognitions_for_eligibility(
        self, hub_ids: set[uuid.UUID], credential_types: set[str]
    ) -> list[Recognition]:
        rows = await self.session.execute(
            select(Recognition).where(
                Recognition.hub_id.in_(hub_ids), Recognition.credential_type.in_(credential_types)
            )
        )
        return list(rows.scalars())

    # --- requirements -----------------------------------------------------------

    async def requirement(self, hub_id: uuid.UUID, requirement_id: uuid.UUID) -> Requirement | None:
        return (
            await self.session.execute(
                select(Requirement).where(Requirement.id == requirement_id, Requirement.hub_id == hub_id)
            )
        ).scalar_one_or_none()

    async def same_requirement(
        self, hub_id: uuid.UUID, scheme: ClassificationScheme, prefix: str, destination: str, credential_type: str
    ) -> Requirement | None:
        return (
            await self.session.execute(
                select(Requirement).where(
                    Requirement.hub_id == hub_id,
                    Requirement.classification_scheme == scheme,
                    Requirement.classification_prefix == prefix,
                    Requirement.destination == destination,
                    Requirement.credential_type == credential_type,
                )
            )
        ).scalar_one_or_none()

    async def page_of_requirements(
        self,
        hub_id: uuid.UUID,
        *,
        destination: str | None,
        credential_type: str | None,
        offset: int,
        limit: int,
    ) -> tuple[list[Requirement], int]:
        condition = [Requirement.hub_id == hub_id]
        if destination is not None:
            condition.append(Requirement.destination == destination)
        if credential_type is not None:
            condition.append(Requirement.credential_type == credential_type)
        total = (
            await self.session.execute(select(func.count()).select_from(Requirement).where(*condition))
        ).scalar_one()
        rows = await self.session.execute(
            select(Requirement)
            .where(*condition)
            .order_by(
                Requirement.classification_scheme,
                Requirement.classification_prefix,
                Requirement.destination,
                Requirement.credential_type,
                Requirement.id,
            )
            .offset(offset)
            .limit(limit)
        )
        return list(rows.scalars()), int(total)

    async def requirements_of_hubs(self, hub_ids: set[uuid.UUID], credential_types: set[str]) -> list[Requirement]:
        """The hubs' requirements of these credential types, by hub, destination and classification."""
        rows = await self.session.execute(
            select(Requirement)
            .where(Requirement.hub_id.in_(hub_ids), Requirement.credential_type.in_(credential_types))
            .order_by(
                Requirement.hub_id,
                Requirement.destination,
                Requirement.classification_scheme,
                Requirement.classification_prefix,
                Requirement.id,
            )
        )
        return list(rows.scalars())

    async def requirements_of_admitting_hubs(
        self,
        organization_ids: Collection[uuid.UUID],
        schemes: set[ClassificationScheme],
        destinations: Sequence[str],
    ) -> list[tuple[uuid.UUID, Requirement]]:
        """Requirements in these schemes for any of `destinations` of every hub each organisation
        is admitted to, paired with the organisation.

        The caller passes the destination and the jurisdictions enclosing it and still
        applies `Requirement.applies_to` (the one definition of the rule) to what comes back.
        """
        rows = await self.session.execute(
            select(HubMembership.organization_id, Requirement)
            .join(Requirement, Requirement.hub_id == HubMembership.hub_id)
            .where(
                equals_any(HubMembership.organization_id, list(organization_ids), Uuid),
                HubMembership.status == HubMembershipStatus.admitted,
                Requirement.classification_scheme.in_(schemes),
                Requirement.destination.in_(destinations),
            )
            .order_by(Requirement.hub_id, Requirement.destination, Requirement.classification_prefix, Requirement.id)
        )
        return [(organization_id, requirement) for organization_id, requirement in rows]


def _expiring(first: dt.date, last: dt.date) -> list[ColumnElement[bool]]:
    return [
        Credential.status == CredentialStatus.verified,
        Credential.valid_until >= first,
        Credential.valid_until <= last,
    ]
