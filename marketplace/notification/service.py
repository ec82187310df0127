"""Telling people what concerns them: who is told of an event, in which language, by which channel.

A subscriber of an event decides what kind of message it is and whom it concerns (an `Audience`:
members of organisations with at least a role, coordinators of hubs, named accounts: never anyone
else) and calls `Notifier.notify`. For each person that reaches, the message is rendered in their
preferred language and kept as a `Notification` (the inbox in the app, when they keep it on), and
mailed at once or gathered into the daily digest, as they chose. Each (event, person) is written
once and each (event, person, e-mail) mailed once, however often the event is delivered.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from kernel.auth import Principal
from kernel.errors import NotFound
from kernel.negotiation import pick_language
from kernel.pagination import PageParams
from marketplace.identity.models import EmailFrequency, User
from marketplace.mail.render import render
from marketplace.mail.service import Envelope, post, queue_mail
from marketplace.notification.models import Notification
from marketplace.notification.schemas import Inbox, NotificationRead
from marketplace.organization.models import HubCoordinator, Membership, Role


@dataclass(frozen=True)
class Audience:
    """Whom a message is for. Everyone in it is an active account; nobody outside it is told."""

    organizations: Sequence[uuid.UUID] = ()
    """Members of these organisations with at least `minimum_role`."""
    minimum_role: Role = Role.member
    coordinators_of: Sequence[uuid.UUID] = ()
    """Coordinators of these hubs."""
    users: Sequence[uuid.UUID] = ()
    """These accounts."""


@dataclass(frozen=True)
class InLanguages:
    """A value people wrote in several languages (an item's title): each reader of a notice gets it
    in their own preferred language where there is a translation, else in `fallback`'s."""

    texts: Mapping[str, str]
    """BCP 47 tag -> text."""
    fallback: str
    """The tag to show when the reader's language is not among them."""

    def for_reader(self, preferred: str | None) -> str:
        language = pick_language(list(self.texts), [preferred] if preferred else [], self.fallback)
        return self.texts.get(language) or self.texts[self.fallback]


@dataclass(frozen=True)
class Notice:
    """One kind of message about one event, for an audience.

    `context` holds the template's values (plain JSON-like values: ids as strings, money as minor
    units and currency; `InLanguages` for what people wrote in several languages, each reader
    getting their own); `link` is the path of the page the message leads to, below the public URL."""

    kind: str
    event_id: uuid.UUID
    audience: Audience
    context: Mapping[str, Any] = field(default_factory=dict)
    link: str | None = None


@dataclass(frozen=True)
class Letter:
    """A message to one e-mail address rather than an audience: for someone who may have no account
    (an invitation) or about the account itself (always mailed, whatever its owner's preferences).
    Mailed once per `key`; never kept in an inbox."""

    kind: str
    key: str
    to: str
    language: str | None
    context: Mapping[str, Any] = field(default_factory=dict)
    link: str | None = None
    """The path of the page the message leads to, below the public URL."""
    user_id: uuid.UUID | None = None
    """The account the address belongs to, if any."""


@dataclass(frozen=True)
class Notifier:
    public_url: str

    def url(self, path: str) -> str:
        return self.public_url.rstrip("/") + path

    async def mail(self, session: AsyncSession, letter: Letter) -> None:
        """Queue `letter` (once per its key)."""
        link = self.url(letter.link) if letter.link else None
        await queue_mail(
            session,
            key=letter.key,
            to=letter.to,
            kind=letter.kind,
            language=letter.language,
            context={**letter.context, "link": link},
            user_id=letter.user_id,
        )

    async def notify(self, session: AsyncSession, notice: Notice) -> list[uuid.UUID]:
        """Tell everyone in the notice's audience; returns the accounts told (each once)."""
        recipients = await audience_members(session, notice.audience)
        link = self.url(notice.link) if notice.link else None
        notifications: list[dict[str, Any]] = []
        envelopes: list[Envelope] = []
        now = clock.now()
        for user in recipients:
            # Rendered per person: in their language, greeting them by name.
            context = {
                **{
                    k: v.for_reader(user.preferred_language) if isinstance(v, InLanguages) else v
                    for k, v in notice.context.items()
                },
                "link": link,
                "recipient_name": user.full_name,
            }
            message = render(notice.kind, user.preferred_language, context)
            verified = user.email_verified_at is not None
            notifications.append(
                {
                    "id": uuid.uuid4(),
                    "key": f"{notice.event_id}:{user.id}",
                    "user_id": user.id,
                    "kind": notice.kind,
                    "language": message.language,
                    "subject": message.subject[:300],
                    "body": "\n\n".join(message.paragraphs),
                    "link": link,
                    "action": message.action,
                    "in_app": user.notify_in_app,
                    "digest_pending": verified and user.notify_email is EmailFrequency.daily,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            if verified and user.notify_email is EmailFrequency.immediately:
                key = f"{notice.event_id}:{user.id}:email"
                envelopes.append(Envelope(key, user.email, notice.kind, message, user.id))
        if notifications:
            # As a list of parameters, not `.values(rows)`: SQLAlchemy then sends a thousand rows a
            # statement from one cached compilation (`marketplace.mail.service.post`).
            await session.execute(
                insert(Notification).on_conflict_do_nothing(index_elements=[Notification.key]), notifications
            )
        await post(session, envelopes)
        return [user.id for user in recipients]


async def audience_members(session: AsyncSession, audience: Audience) -> list[User]:
    """The active accounts in `audience`, each once, in id order."""
    ids: set[uuid.UUID] = set(audience.users)
    if audience.organizations:
        allowed = [role for role in Role if role.at_least(audience.minimum_role)]
        ids.update(
            (
                await session.scalars(
                    select(Membership.user_id).where(
                        Membership.organization_id.in_(audience.organizations), Membership.role.in_(allowed)
                    )
                )
            ).all()
        )
    if audience.coordinators_of:
        ids.update(
            (
                await session.scalars(
                    select(HubCoordinator.user_id).where(HubCoordinator.hub_id.in_(audience.coordinators_of))
                )
            ).all()
        )
    if not ids:
        return []
    users = await session.scalars(select(User).where(User.id.in_(ids), User.is_active).order_by(User.id))
    return list(users.all())


def notification_read(row: Notification) -> NotificationRead:
    return NotificationRead(
        id=row.id,
        kind=row.kind,
        subject=row.subject,
        body=row.body,
        link=row.link,
        action=row.action,
        language=row.language,
        created_at=row.created_at,
        read_at=row.read_at,
    )


class NotificationService:
    """The caller's inbox: only ever their own notifications."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def inbox(self, principal: Principal, paging: PageParams, *, unread_only: bool = False) -> Inbox:
        mine = (Notification.user_id == principal.user_id, Notification.in_app)
        shown = select(Notification).where(*mine)
        if unread_only:
            shown = shown.where(Notification.read_at.is_(None))
        total = await self.session.scalar(select(func.count()).select_from(shown.subquery())) or 0
        unread = (
            await self.session.scalar(
                select(func.count()).select_from(Notification).where(*mine, Notification.read_at.is_(None))
            )
            or 0
        )
        rows = await self.session.scalars(
            shown.order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset(paging.offset)
            .limit(paging.per_page)
        )
        return Inbox(
            items=[notification_read(row) for row in rows],
            page=paging.page,
            per_page=paging.per_page,
            total=total,
            unread=unread,
        )

    async def mark_read(self, principal: Principal, notification_id: uuid.UUID) -> NotificationRead:
        """Mark one of the caller's notifications read (again: no change). Another person's is `NotFound`."""
        row = (
            await self.session.execute(
                select(Notification).where(
                    Notification.id == notification_id,
                    Notification.user_id == principal.user_id,
                    Notification.in_app,
                )
            )
        ).scalar_one_or_none()
        if row is None:
            raise NotFound("no such notification")
        if row.read_at is None:
            row.read_at = clock.now()
            await self.session.flush()
        return notification_read(row)

    async def mark_all_read(self, principal: Principal) -> int:
        """Mark every unread notification of the caller read; returns how many were unread."""
        result = await self.session.execute(
            update(Notification)
            .where(Notification.user_id == principal.user_id, Notification.read_at.is_(None), Notification.in_app)
            .values(read_at=clock.now())
        )
        return int(getattr(result, "rowcount", 0) or 0)


INBOX_PAGE = "/notifications"
"""The page of a person's notifications (the digest's link)."""


async def send_digests(notifier: Notifier, session: AsyncSession) -> None:
    """Scheduled daily: one e-mail per person on the daily digest, of what they were told since their
    last (in their language, oldest first). One per person and day: what arrives after today's is
    kept for tomorrow's. Someone who has since turned mail off gets none (their inbox keeps it all)."""
    today: dt.date = clock.now().date()
    pending = (
        await session.execute(
            select(Notification, User)
            .join(User, User.id == Notification.user_id)
            .where(Notification.digest_pending, User.is_active, User.notify_email == EmailFrequency.daily)
            .order_by(Notification.user_id, Notification.created_at)
        )
    ).all()
    by_user: dict[uuid.UUID, tuple[User, list[Notification]]] = {}
    for row, user in pending:
        by_user.setdefault(user.id, (user, []))[1].append(row)
    for user, rows in by_user.values():
        items = [{"subject": row.subject, "link": row.link} for row in rows]
        queued = await queue_mail(
            session,
            key=f"digest:{user.id}:{today.isoformat()}",
            to=user.email,
            kind="digest",
            language=user.preferred_language,
            context={
                "recipient_name": user.full_name,
                "items": items,
                "count": len(items),
                "link": notifier.url(INBOX_PAGE),
            },
            user_id=user.id,
        )
        if queued is not None:
            await session.execute(
                update(Notification).where(Notification.id.in_([row.id for row in rows])).values(digest_pending=False)
            )
