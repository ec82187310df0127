"""Writing e-mail and sending it: once per message, retried until the mail server takes it.

`queue_mail` renders a message in its reader's language and writes it, in the caller's transaction,
under a key naming what it is for (an event, recipient and channel; an account token): a second
write under the same key is ignored, so a redelivered event cannot mail anyone twice. After the
commit, `MailQueued` brings it to `send_mail`; a mail server that refuses or cannot be reached
leaves the message pending with its next attempt backed off (30 s, 1 min, 2 min ... every 15 min),
and `retry_mail`, every minute, sends what is due. A message is marked sent in the transaction
that sent it, one message per transaction (locked, so two workers never send it both): only a
crash between the server taking it and that commit sends it again, under the same Message-ID,
which receiving servers use to drop the copy. After `GIVE_UP_AFTER` of failures it is `failed`.

Once sent, a message that carried a single-use link (`SECRET_KINDS`) keeps its subject but not its
body: the link's token is the recipient's alone, and a copy in the database would outlive its use.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from kernel import clock
from kernel.db import sibling_sessions, transaction
from kernel.outbox import emit_many
from marketplace.events import MailQueued
from marketplace.mail.models import MailStatus, OutgoingMail
from marketplace.mail.render import Rendered, render

FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_RETRY = dt.timedelta(minutes=15)
GIVE_UP_AFTER = dt.timedelta(days=3)
#: Messages `retry_mail` sends in one run at most (the rest wait for the next minute).
RETRY_BATCH = 200
#: Kinds of message whose body holds a single-use link (a token): emptied once sent.
SECRET_KINDS = frozenset({"email_verification", "password_reset", "email_change", "invitation"})
REMOVED_ONCE_SENT = "(Removed once sent: it held a single-use link, which only its recipient may keep.)"


class MailTransport(Protocol):
    """Hands a message to a mail server; raises (any exception) when it did not take it."""

    async def send(self, mail: OutgoingMail) -> None: ...


@dataclass(frozen=True)
class Envelope:
    """A rendered message for one address, under the key of what it is for."""

    key: str
    to: str
    kind: str
    message: Rendered
    user_id: uuid.UUID | None = None


async def queue_mail(
    session: AsyncSession,
    *,
    key: str,
    to: str,
    kind: str,
    language: str | None,
    context: Mapping[str, Any],
    user_id: uuid.UUID | None = None,
) -> uuid.UUID | None:
    """Write the message `kind` to `to`, rendered in `language` with `context`, to be sent after the
    commit. Returns its id, or None when a message under `key` was written before (nothing is
    written again)."""
    written = await post(session, [Envelope(key, to, kind, render(kind, language, context), user_id)])
    return written[0] if written else None


async def post(session: AsyncSession, envelopes: Sequence[Envelope]) -> list[uuid.UUID]:
    """Write rendered messages to be sent after the commit; returns the ids of those written (a key
    written before is skipped).

    One statement for all the rows, given as a list of parameters: SQLAlchemy sends them a thousand
    rows a statement, and its compiled statement is cached — a statement built with `.values(rows)`
    is compiled anew for every call (`benchmarks/README.md`, checkout)."""
    if not envelopes:
        return []
    now = clock.now()
    rows = [
        {
            "id": uuid.uuid4(),
            "key": each.key,
            "user_id": each.user_id,
            "to_address": each.to,
            "kind": each.kind,
            "language": each.message.language,
            "subject": each.message.subject[:300],
            "text_body": each.message.text,
            "html_body": each.message.html,
            "status": MailStatus.pending,
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for each in envelopes
    ]
    statement = (
        insert(OutgoingMail).on_conflict_do_nothing(index_elements=[OutgoingMail.key]).returning(OutgoingMail.id)
    )
    written = list((await session.scalars(statement, rows)).all())
    if written:
        await emit_many(session, [MailQueued(mail_id=mail_id) for mail_id in written])
    return written


def retry_delay(attempts: int) -> dt.timedelta:
    """How long a message waits after its `attempts`-th failed attempt: 30 s, doubling, at most 15 min."""
    delay: dt.timedelta = FIRST_RETRY * 2 ** min(attempts - 1, 10)
    return min(delay, LONGEST_RETRY)


async def send_mail(transport: MailTransport | None, session: AsyncSession, event: MailQueued) -> None:
    """Send one queued message now, in this transaction (subscriber of `MailQueued`)."""
    await send_one(session, transport, event.mail_id)


async def send_one(session: AsyncSession, transport: MailTransport | None, mail_id: uuid.UUID) -> MailStatus | None:
    """Send the message if it is pending and due, and record the outcome; never raises for a mail
    server's failure (the message waits for its next attempt instead). Returns its status after,
    or None when it is not due or another worker holds it."""
    mail = (
        await session.execute(select(OutgoingMail).where(OutgoingMail.id == mail_id).with_for_update(skip_locked=True))
    ).scalar_one_or_none()
    now = clock.now()
    if mail is None or mail.status is not MailStatus.pending or mail.next_attempt_at > now:
        return None
    if transport is None:
        mail.status = MailStatus.kept
    else:
        try:
            await transport.send(mail)
        except Exception as error:  # noqa: BLE001 - any failure to hand over is retried, and recorded
            mail.attempts += 1
            mail.last_error = f"{type(error).__name__}: {error}"[:500]
            if now - mail.created_at >= GIVE_UP_AFTER:
                mail.status = MailStatus.failed
            else:
                mail.next_attempt_at = now + retry_delay(mail.attempts)
        else:
            mail.attempts += 1
            mail.status = MailStatus.sent
            mail.sent_at = now
            if mail.kind in SECRET_KINDS:
                mail.text_body = mail.html_body = REMOVED_ONCE_SENT
    await session.flush()
    return mail.status


async def retry_mail(transport: MailTransport | None, session: AsyncSession) -> None:
    """Scheduled every minute: send every pending message whose next attempt is due, each in its own
    transaction (so one sent is recorded as sent whatever happens to the next)."""
    due = (
        await session.scalars(
            select(OutgoingMail.id)
            .where(OutgoingMail.status == MailStatus.pending, OutgoingMail.next_attempt_at <= clock.now())
            .order_by(OutgoingMail.next_attempt_at)
            .limit(RETRY_BATCH)
        )
    ).all()
    sessions = sibling_sessions(session)
    for mail_id in due:
        async with transaction(sessions) as own:
            await send_one(own, transport, mail_id)


async def mailbox(
    session: AsyncSession, *, to: str | None = None, status: MailStatus | None = None, limit: int = 50
) -> list[OutgoingMail]:
    """The latest messages, newest first: to one address, in one status."""
    query = select(OutgoingMail).order_by(OutgoingMail.created_at.desc(), OutgoingMail.id.desc()).limit(limit)
    if to is not None:
        query = query.where(OutgoingMail.to_address == to.strip().lower())
    if status is not None:
        query = query.where(OutgoingMail.status == status)
    return list((await session.scalars(query)).all())


async def mail_by_id(session: AsyncSession, mail_id: uuid.UUID) -> OutgoingMail | None:
    return await session.get(OutgoingMail, mail_id)
