"""Scheduled compliance jobs (registered in `marketplace.wiring`)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from kernel import audit, clock
from kernel.outbox import emit
from marketplace.compliance.models import EXPIRY_WARNING
from marketplace.compliance.repository import ComplianceRepository
from marketplace.events import CredentialExpired, CredentialExpiring, CredentialStarted


async def flag_expiring_credentials(session: AsyncSession) -> None:
    """Scheduled daily: flag verified credentials whose last valid day is within 30 days, once each.

    Each newly flagged credential gets `expiry_flagged_at`, an audit entry and a
    `CredentialExpiring` event in this job's transaction; a credential flagged on
    an earlier run (or by a concurrent one) is skipped, so every credential is
    announced exactly once.
    """
    now = clock.now()
    first = now.date()
    flagged = await ComplianceRepository(session).flag_expiring(first, first + EXPIRY_WARNING, now)
    for credential_id, organization_id, credential_type, valid_until in flagged:
        await audit.record(
            session,
            None,
            "credential.expiry_flagged",
            object_type="credential",
            object_id=credential_id,
            organization_id=organization_id,
            after={"valid_until": valid_until.isoformat(), "expiry_flagged_at": now.isoformat()},
        )
        await emit(
            session,
            CredentialExpiring(
                organization_id=organization_id,
                credential_id=credential_id,
                credential_type=credential_type,
                valid_until=valid_until,
            ),
        )


async def announce_validity_changes(session: AsyncSession) -> None:
    """Scheduled daily, just after midnight UTC: announce, once each, verified credentials whose last
    valid day has passed (`CredentialExpired`) and those verified ahead of a first valid day that has
    now come (`CredentialStarted`), so whatever depends on them (search's eligibility) catches up."""
    now = clock.now()
    repo = ComplianceRepository(session)
    for credential_id, organization_id, credential_type, valid_from in await repo.flag_started(now.date(), now):
        await emit(
            session,
            CredentialStarted(
                organization_id=organization_id,
                credential_id=credential_id,
                credential_type=credential_type,
                valid_from=valid_from,
            ),
        )
    expired = await repo.flag_expired(now.date(), now)
    for credential_id, organization_id, credential_type, valid_until in expired:
        await emit(
            session,
            CredentialExpired(
                organization_id=organization_id,
                credential_id=credential_id,
                credential_type=credential_type,
                valid_until=valid_until,
            ),
        )
