"""HTTP endpoints of the caller's inbox (/me/notifications) and, in the demo, of the local mailbox."""

from __future__ import annotations

import uuid

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.errors import NotFound
from kernel.web import Caller, Paging, Session
from marketplace.mail.models import MailStatus
from marketplace.mail.schemas import MailRead, mail_read
from marketplace.mail.service import mail_by_id, mailbox
from marketplace.notification.schemas import Inbox, MarkedRead, NotificationRead
from marketplace.notification.service import NotificationService


def provide_notification_service(db_session: NamedDependency[AsyncSession]) -> NotificationService:
    return NotificationService(db_session)


Notifications = NamedDependency[NotificationService]


class NotificationController(Controller):
    path = "/api/v1/me/notifications"
    tags = ["notifications"]
    dependencies = {"notification_service": Provide(provide_notification_service, sync_to_thread=False)}

    @get("/", summary="My notifications in the app, newest first, with how many are unread")
    async def inbox(
        self, principal: Caller, notification_service: Notifications, paging: Paging, unread: FromQuery[bool] = False
    ) -> Inbox:
        return await notification_service.inbox(principal, paging, unread_only=unread)

    @post("/{notification_id:uuid}/read", summary="Mark one notification read", status_code=200)
    async def mark_read(
        self, notification_id: FromPath[uuid.UUID], principal: Caller, notification_service: Notifications
    ) -> NotificationRead:
        return await notification_service.mark_read(principal, notification_id)

    @post("/read", summary="Mark every notification read", status_code=200)
    async def mark_all_read(self, principal: Caller, notification_service: Notifications) -> MarkedRead:
        return MarkedRead(marked=await notification_service.mark_all_read(principal))


class DemoMailboxController(Controller):
    """Served only by `serve --demo` (`MarketplaceSettings.demo_mailbox`): everyone's mail, for
    walk-throughs without a mail server. Never where real people have accounts."""

    path = "/api/v1/demo/mailbox"
    tags = ["demo"]

    @get("/", summary="The demo's local mailbox: the latest messages, newest first")
    async def list_mail(
        self, db_session: Session, to: FromQuery[str | None] = None, status: FromQuery[MailStatus | None] = None
    ) -> list[MailRead]:
        return [mail_read(mail) for mail in await mailbox(db_session, to=to, status=status)]

    @get("/{mail_id:uuid}", summary="One message of the demo's local mailbox")
    async def show_mail(self, mail_id: FromPath[uuid.UUID], db_session: Session) -> MailRead:
        mail = await mail_by_id(db_session, mail_id)
        if mail is None:
            raise NotFound("no such message")
        return mail_read(mail)
