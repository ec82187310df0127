"""The person's inbox in the app (`/notifications`, where every message links from): what concerns
them, newest first, unread ones marked; opening one marks it read and goes where it leads."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from kernel.pagination import page_params
from marketplace.notification.service import NotificationService
from web.page import Reader, page, safe_next, see_other

ThisReader = NamedDependency[Reader]
Session = NamedDependency[AsyncSession]
PER_PAGE = 20


class InboxPages(Controller):
    path = "/notifications"
    include_in_schema = False

    @get("/")
    async def inbox(
        self,
        reader: ThisReader,
        db_session: Session,
        page_number: Annotated[int, QueryParameter(name="page")] = 1,
        unread: FromQuery[bool] = False,
    ) -> Template:
        principal = reader.require()
        paging = page_params(max(page_number, 1), PER_PAGE)
        shown = await NotificationService(db_session).inbox(principal, paging, unread_only=unread)
        pages = max(1, -(-shown.total // PER_PAGE))
        return page(reader, "inbox.jinja", inbox=shown, unread_only=unread, pages=pages)

    @post("/{notification_id:uuid}/open")
    async def open_notification(
        self, notification_id: FromPath[uuid.UUID], reader: ThisReader, db_session: Session
    ) -> Redirect:
        """Read: marked read, then on to the page it is about (the inbox when it leads nowhere)."""
        read = await NotificationService(db_session).mark_read(reader.require(), notification_id)
        return see_other(safe_next(_path_of(read.link)) if read.link else "/notifications")

    @post("/read")
    async def mark_all_read(self, reader: ThisReader, db_session: Session) -> Redirect:
        await NotificationService(db_session).mark_all_read(reader.require())
        return see_other("/notifications", notice="all-read")


def _path_of(link: str) -> str:
    """The path of a message's link (links in messages are absolute, to the public address)."""
    if link.startswith("/"):
        return link
    _, _, rest = link.partition("://")
    _, slash, path = rest.partition("/")
    return slash + path if slash else "/"
