"""Who is told of each marketplace event, and what: one teller per event (see `tellers`), each deciding
the kind of message, its audience (never anyone outside the organisations and hubs the event
concerns), the values its template shows and the page it leads to. Here: accounts, invitations, hub
membership, inclusion and credentials; orders, invoices, payments and disputes are in `trade_tellers`.

Procurement's events are told by procurement's own subscribers through `marketplace.api.Notifier`.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from kernel.outbox import Subscriber, identified_subscriber
from marketplace.compliance.models import Credential
from marketplace.events import (
    CredentialExpired,
    CredentialExpiring,
    CredentialRejected,
    CredentialVerified,
    InclusionVerificationChanged,
    InvitationSent,
    OrganizationAdmitted,
    OrganizationApplied,
    OrganizationRejected,
    RegistrationAttemptedForExistingAccount,
)
from marketplace.identity.models import User
from marketplace.notification.service import Audience, Letter, Notice, Notifier
from marketplace.notification.tellers import Teller, hub_name, organization_name
from marketplace.notification.trade_tellers import TRADE_TELLERS
from marketplace.organization.models import Invitation, InvitationStatus, Organization, Role


async def _names(session: AsyncSession, hub_id: uuid.UUID, organization_id: uuid.UUID) -> dict[str, str]:
    return {
        "hub_name": await hub_name(session, hub_id),
        "organization_name": await organization_name(session, organization_id),
    }


# --- accounts and invitations: mailed to one address --------------------------------------------


async def invitation_sent(session: AsyncSession, event: InvitationSent, event_id: uuid.UUID) -> Letter | None:
    """To the invited address (which may have no account yet), with the link that accepts: in the
    language of its account if it has one, else the inviting organisation's first language."""
    invitation = await session.get(Invitation, event.invitation_id)
    organization = await session.get(Organization, event.organization_id)
    if invitation is None or organization is None or invitation.status is not InvitationStatus.pending:
        return None  # revoked (or gone) before it could be mailed
    account = (await session.scalars(select(User).where(User.email == invitation.email))).first()
    inviter = await session.get(User, invitation.invited_by)
    language = (account.preferred_language if account else None) or next(iter(organization.languages), None)
    query = urlencode({"invitation": str(invitation.id), "token": event.accept_token})
    return Letter(
        kind="invitation",
        key=f"{event_id}:email",
        to=invitation.email,
        language=language,
        context={
            "organization_name": organization.legal_name,
            "inviter_name": inviter.full_name if inviter else "",
            "role": invitation.role.value,
            "expires_at": invitation.expires_at.isoformat(),
        },
        link=f"/invitations/accept?{query}",
        user_id=account.id if account else None,
    )


async def registration_attempted(
    session: AsyncSession, event: RegistrationAttemptedForExistingAccount, event_id: uuid.UUID
) -> Letter | None:
    """To the account's owner, whatever their preferences (it is about the account itself), at most
    once a day (UTC): anyone may register with the address as often as they like, and the owner's
    mailbox must not pay for it."""
    user = await session.get(User, event.user_id)
    if user is None:
        return None
    return Letter(
        kind="registration_attempted",
        key=f"registration_attempted:{user.id}:{clock.today().isoformat()}",
        to=user.email,
        language=user.preferred_language,
        context={"recipient_name": user.full_name},
        link="/account/forgot-password",
        user_id=user.id,
    )


# --- hub membership and inclusion ---------------------------------------------------------------


async def organization_applied(session: AsyncSession, event: OrganizationApplied, event_id: uuid.UUID) -> Notice:
    return Notice(
        kind="membership_applied",
        event_id=event_id,
        audience=Audience(coordinators_of=[event.hub_id]),
        context=await _names(session, event.hub_id, event.organization_id),
        link=f"/hubs/{event.hub_id}/organizations",
    )


async def organization_admitted(session: AsyncSession, event: OrganizationAdmitted, event_id: uuid.UUID) -> Notice:
    return Notice(
        kind="membership_admitted",
        event_id=event_id,
        audience=Audience(organizations=[event.organization_id]),
        context=await _names(session, event.hub_id, event.organization_id),
        link=f"/organizations/{event.organization_id}",
    )


async def organization_rejected(session: AsyncSession, event: OrganizationRejected, event_id: uuid.UUID) -> Notice:
    return Notice(
        kind="membership_rejected",
        event_id=event_id,
        audience=Audience(organizations=[event.organization_id], minimum_role=Role.admin),
        context=await _names(session, event.hub_id, event.organization_id),
        link=f"/organizations/{event.organization_id}",
    )


async def inclusion_changed(session: AsyncSession, event: InclusionVerificationChanged, event_id: uuid.UUID) -> Notice:
    """A verification is good news for every member; its withdrawal is for those who can answer it."""
    return Notice(
        kind="inclusion_verified" if event.verified else "inclusion_withdrawn",
        event_id=event_id,
        audience=Audience(
            organizations=[event.organization_id], minimum_role=Role.member if event.verified else Role.admin
        ),
        context={**await _names(session, event.hub_id, event.organization_id), "attribute": event.attribute},
        link=f"/organizations/{event.organization_id}",
    )


# --- credentials: for the organisation's admins and owners, who keep them ------------------------


async def _credential(
    session: AsyncSession, kind: str, event_id: uuid.UUID, credential_id: uuid.UUID, hub_id: uuid.UUID | None = None
) -> Notice | None:
    credential = await session.get(Credential, credential_id)
    if credential is None:
        return None
    return Notice(
        kind=kind,
        event_id=event_id,
        audience=Audience(organizations=[credential.organization_id], minimum_role=Role.admin),
        context={
            "organization_name": await organization_name(session, credential.organization_id),
            "hub_name": await hub_name(session, hub_id) if hub_id else "",
            "credential_type": credential.credential_type,
            "number": credential.number,
            "valid_from": credential.valid_from.isoformat(),
            "valid_until": credential.valid_until.isoformat(),
            "reason": credential.rejection_reason or "",
        },
        link=f"/organizations/{credential.organization_id}/credentials",
    )


async def credential_verified(session: AsyncSession, event: CredentialVerified, event_id: uuid.UUID) -> Notice | None:
    return await _credential(session, "credential_verified", event_id, event.credential_id, event.hub_id)


async def credential_rejected(session: AsyncSession, event: CredentialRejected, event_id: uuid.UUID) -> Notice | None:
    return await _credential(session, "credential_rejected", event_id, event.credential_id, event.hub_id)


async def credential_expiring(session: AsyncSession, event: CredentialExpiring, event_id: uuid.UUID) -> Notice | None:
    return await _credential(session, "credential_expiring", event_id, event.credential_id)


async def credential_expired(session: AsyncSession, event: CredentialExpired, event_id: uuid.UUID) -> Notice | None:
    return await _credential(session, "credential_expired", event_id, event.credential_id)


#: Event type -> what to tell whom (None: nobody, this time).
TELLERS: dict[type[Any], Teller] = {
    InvitationSent: invitation_sent,
    RegistrationAttemptedForExistingAccount: registration_attempted,
    OrganizationApplied: organization_applied,
    OrganizationAdmitted: organization_admitted,
    OrganizationRejected: organization_rejected,
    InclusionVerificationChanged: inclusion_changed,
    CredentialVerified: credential_verified,
    CredentialRejected: credential_rejected,
    CredentialExpiring: credential_expiring,
    CredentialExpired: credential_expired,
    **TRADE_TELLERS,
}


def subscribers(notifier: Notifier, tellers: dict[type[Any], Teller] | None = None) -> list[Subscriber]:
    """One `notify_on_<Event>` subscriber per event that somebody is told of."""
    return [telling(notifier, event_type, teller) for event_type, teller in (tellers or TELLERS).items()]


def telling(notifier: Notifier, event_type: type[Any], teller: Teller) -> Subscriber:
    """The subscriber that tells whom `teller` says of every `event_type` event: a notice's audience, a
    letter's address, or each of several notices (procurement's: one per organisation told, with its
    own figures)."""

    async def handle(session: AsyncSession, event: Any, event_id: uuid.UUID) -> None:
        told = await teller(session, event, event_id)
        if isinstance(told, Letter):
            await notifier.mail(session, told)
        elif isinstance(told, Notice):
            await notifier.notify(session, told)
        else:
            for notice in told or ():
                await notifier.notify(session, notice)

    return identified_subscriber(event_type, f"notify_on_{event_type.__name__}", handle)
